"""Audit-log benchmark: events appended per second into the stored Merkle tree (the
projection's real path: canonical encoding, leaf hashing, nodes and position stored),
proof generation and verification at 1,000,000 leaves, checkpoint signing.

Each event comes as the store gives it, its canonical state JSON as stored (one encoding per
event). Baseline in the same run: the canonical bytes and SHA-256 leaf hash of the same events,
without the tree or the store. The last line is JSON. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zwgk.domain.chain import StoredRecord, state_json
from zwgk.domain.checkpoint import Checkpoint, open_checkpoint
from zwgk.domain.merkle import leaf_hash, verify_consistency, verify_inclusion
from zwgk.projections.audit_log import MerkleLog, entry_of
from zwgk.projections.store import ViewStore


def timed(work, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    args = parser.parse_args()
    aggregate = uuid4()
    states = [{"event_id": str(uuid4()), "prev_hash": "0" * 64, "title": "x" * 100} for _ in range(args.leaves)]
    # As the store gives them: each event's canonical state JSON as stored beside its decoded state.
    records = [StoredRecord(i + 1, "bench:Event", aggregate, i + 1, state, body=state_json(state, typed=True))
               for i, state in enumerate(states)]
    hashing = timed(lambda: [leaf_hash(entry_of(r)) for r in records])
    entries = [entry_of(r) for r in records]
    with tempfile.TemporaryDirectory() as tmp:
        log = MerkleLog(ViewStore(f"sqlite:///{tmp}/views.sqlite3"))
        appending = timed(lambda: log.sync(records, batch=10_000))
        size = log.size()
        root = log.root(size)
        rng = random.Random(7)
        indices = [rng.randrange(size) for _ in range(200)]
        proofs = [(i, log.inclusion_proof(i, size)) for i in indices]
        prove = timed(lambda: log.inclusion_proof(rng.randrange(size), size), 200)
        check = timed(lambda: [verify_inclusion(leaf_hash(entries[i]), i, size, p, root) for i, p in proofs]) / len(proofs)
        old = size // 3
        old_root = log.root(old)
        consistency = log.consistency_proof(old, size)
        prove_consistency = timed(lambda: log.consistency_proof(old, size), 50)
        check_consistency = timed(lambda: verify_consistency(old, size, consistency, old_root, root), 200)
        key = Ed25519PrivateKey.generate()
        checkpoint = Checkpoint("bench", size, root, datetime.now(UTC))
        sign = timed(lambda: checkpoint.sign("bench", key), 200)
        note = checkpoint.sign("bench", key)
        open_note = timed(lambda: open_checkpoint(note, "bench", key.public_key()), 200)
        log.store.close()

    n = args.leaves
    print(f"leaves: {n:,}")
    print(f"append to stored tree (SQLite): {n / appending:10,.0f} events/s  "
          f"| raw encoding and leaf hashing {n / hashing:10,.0f} events/s  | ratio {hashing / appending:.3f}x")
    print(f"inclusion proof: generate {prove * 1e3:.3f} ms, verify {check * 1e3:.3f} ms ({len(proofs[0][1])} hashes)")
    print(f"consistency proof {old:,}→{size:,}: generate {prove_consistency * 1e3:.3f} ms, "
          f"verify {check_consistency * 1e3:.3f} ms ({len(consistency)} hashes)")
    print(f"checkpoint: sign {sign * 1e3:.3f} ms, open and verify {open_note * 1e3:.3f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    print(json.dumps({"bench": "audit_log", "leaves": n, "append_per_s": round(n / appending), "raw_per_s": round(n / hashing),
                      "ratio": round(hashing / appending, 3),
                      "inclusion_ms": {"generate": round(prove * 1e3, 3), "verify": round(check * 1e3, 3)},
                      "consistency_ms": {"generate": round(prove_consistency * 1e3, 3), "verify": round(check_consistency * 1e3, 3)},
                      "checkpoint_ms": {"sign": round(sign * 1e3, 3), "open": round(open_note * 1e3, 3)}, "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()

"""Offline checks an inspector runs without the database or trust in its operators:
an event is in the log a signed checkpoint commits to (inclusion), a newer checkpoint
extends an older one (consistency), and a static copy of the log (tiles) is the one a
checkpoint signs. Depends only on `merkle`, `checkpoint` and `tiles`.

Inclusion proof (JSON, hashes in lowercase hex)::

    {"format": "zwgk-inclusion-proof/1", "event_id": …, "notification_id": …,
     "leaf_index": i, "tree_size": n, "hashes": [...]}

Consistency proof (JSON)::

    {"format": "zwgk-consistency-proof/1", "old_size": m, "new_size": n, "hashes": [...]}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zwgk.domain.checkpoint import Checkpoint, CheckpointError
from zwgk.domain.merkle import leaf_hash, root_of, verify_consistency, verify_inclusion
from zwgk.domain.tiles import ENTRIES, HEIGHT, TileError, tiles_of, unbundle

INCLUSION = "zwgk-inclusion-proof/1"
CONSISTENCY = "zwgk-consistency-proof/1"


class ProofError(ValueError):
    """The proof does not hold; the message says why."""


def _hashes(proof: Mapping[str, Any]) -> list[bytes]:
    try:
        return [bytes.fromhex(h) for h in proof["hashes"]]
    except (KeyError, TypeError, ValueError):
        raise ProofError("proof hashes are missing or not hex") from None


Opener = Callable[[str], Checkpoint]  # parses a signed note and checks the signatures the verifier trusts


def _open(note: str, opener: Opener) -> Checkpoint:
    try:
        return opener(note)
    except CheckpointError as error:
        raise ProofError(str(error)) from None


def check_inclusion(entry: bytes, proof: Mapping[str, Any], note: str, opener: Opener) -> Checkpoint:
    """The event's canonical bytes are leaf `leaf_index` of the tree the checkpoint signs."""
    checkpoint = _open(note, opener)
    if proof.get("format") != INCLUSION:
        raise ProofError("not an inclusion proof")
    if proof.get("tree_size") != checkpoint.size:
        raise ProofError(f"proof is for tree size {proof.get('tree_size')}, checkpoint for {checkpoint.size}")
    index = proof.get("leaf_index")
    if not isinstance(index, int):
        raise ProofError("leaf_index missing")
    if not verify_inclusion(leaf_hash(entry), index, checkpoint.size, _hashes(proof), checkpoint.root):
        raise ProofError("the event is not at this position of the signed log: it was altered, or the proof is wrong")
    return checkpoint


def check_consistency(old_note: str, new_note: str, proof: Mapping[str, Any], opener: Opener) -> tuple[Checkpoint, Checkpoint]:
    """The newer checkpoint's log contains the older one's unchanged: it only grew."""
    old, new = _open(old_note, opener), _open(new_note, opener)
    if old.origin != new.origin:
        raise ProofError(f"checkpoints of different logs: {old.origin} / {new.origin}")
    if old.size > new.size:
        raise ProofError(f"the log shrank from {old.size} to {new.size} entries")
    if proof.get("format") != CONSISTENCY or (proof.get("old_size"), proof.get("new_size")) != (old.size, new.size):
        raise ProofError("consistency proof does not match the two checkpoints")
    if not verify_consistency(old.size, new.size, _hashes(proof), old.root, new.root):
        raise ProofError(
            f"the log of size {new.size} does not extend the one of size {old.size}: history was rewritten"
        )
    return old, new


def check_static_log(read: Callable[[str], bytes], opener: Opener) -> Checkpoint:
    """A static copy of the log (C2SP tlog-tiles, read by path): its checkpoint verifies, every hash tile
    holds the nodes the level-0 hashes give, those hashes give the signed root, and every entry hashes to
    its leaf. Needs nothing but the files and the public keys."""
    try:
        checkpoint = _open(read("checkpoint").decode("utf-8"), opener)
    except (OSError, UnicodeDecodeError) as error:
        raise ProofError(f"no readable checkpoint: {error}") from None
    tiles = list(tiles_of(checkpoint.size))
    leaves: list[bytes] = []
    for tile in (t for t in tiles if t.level == 0):
        leaves += _hashes_of(read, tile.path, tile.width)
    if root_of(leaves) != checkpoint.root:
        raise ProofError(f"the level-0 tiles do not give the checkpoint's root at size {checkpoint.size}")
    for tile in (t for t in tiles if t.level not in (0, ENTRIES)):
        span = 1 << (int(tile.level) * HEIGHT)
        wanted = [root_of(leaves[(tile.first + i) * span : (tile.first + i + 1) * span]) for i in range(tile.width)]
        if _hashes_of(read, tile.path, tile.width) != wanted:
            raise ProofError(f"hash tile {tile.path} does not hold the tree's nodes")
    for tile in (t for t in tiles if t.level == ENTRIES):
        try:
            entries = unbundle(_file(read, tile.path))
        except TileError as error:
            raise ProofError(f"entry bundle {tile.path}: {error}") from None
        if [leaf_hash(e) for e in entries] != leaves[tile.first : tile.first + tile.width]:
            raise ProofError(f"entry bundle {tile.path} does not hash to the logged leaves: an entry was altered")
    return checkpoint


def _file(read: Callable[[str], bytes], path: str) -> bytes:
    try:
        return read(path)
    except OSError as error:
        raise ProofError(f"missing {path}: {error}") from None


def _hashes_of(read: Callable[[str], bytes], path: str, width: int) -> list[bytes]:
    data = _file(read, path)
    if len(data) != 32 * width:
        raise ProofError(f"hash tile {path} holds {len(data)} bytes, not {32 * width}")
    return [data[i : i + 32] for i in range(0, len(data), 32)]

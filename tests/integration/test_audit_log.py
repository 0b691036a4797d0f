"""The Merkle audit log over the event store, on SQLite and PostgreSQL: it grows
incrementally, rebuilds to the same root, and exposes edited, removed, swapped and
inserted events — and, with a checkpoint held outside, a rewritten history."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.integration.test_ledger import SCENARIO_EVENTS, _flip_digit_after, run_scenario
from zwgk.connectors.config import Settings
from zwgk.connectors.signing import Notary
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, open_services
from zwgk.domain.actors import Actor
from zwgk.domain.checkpoint import open_checkpoint, parse_verifier_key, read_unverified, verifier_key
from zwgk.domain.disclosure import DraftDisclosure
from zwgk.domain.merkle import leaf_hash, root_of
from zwgk.domain.proofs import CONSISTENCY, ProofError, check_consistency
from zwgk.projections.audit_log import entry_of, verify_log


@pytest.fixture
def keyed(settings: Settings, tmp_path: Path) -> Settings:
    key = tmp_path / "signing.pem"
    from zwgk.connectors.signing import write_new_key

    write_new_key(key)
    return Settings(database_url=settings.database_url, signing_key_file=str(key))


@contextmanager
def event_table(settings: Settings) -> Iterator[tuple[object, str, str]]:
    """A raw connection to the event store: what an attacker with database access has."""
    if settings.database_url.startswith("sqlite"):
        conn = sqlite3.connect(settings.eventsourcing_env()["SQLITE_DBNAME"], isolation_level=None)
        yield conn, "stored_events", "rowid"
        conn.close()
    else:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            yield conn, "zwgk_events", "notification_id"


def sql(conn, statement: str, params=()):
    return conn.execute(statement.replace("?", "%s") if isinstance(conn, psycopg.Connection) else statement, params)


def logged_ledger(settings: Settings):
    services = open_services(settings)
    run_scenario(services)
    with audit_log(settings) as log:
        note = bring_log_up_to_date(services, log, settings)
    return services, note


def verify(services, settings):
    with audit_log(settings) as log:
        return verify_log(log, services.ledger.stored_records())


def test_log_root_matches_a_from_zero_computation_and_rebuild(keyed: Settings):
    services, note = logged_ledger(keyed)
    leaves = [leaf_hash(entry_of(r)) for r in services.ledger.stored_records()]
    with audit_log(keyed) as log:
        assert log.size() == len(leaves) == SCENARIO_EVENTS
        assert log.root() == root_of(leaves)
        assert read_unverified(note).root == root_of(leaves)
        assert log.rebuild(services.ledger.stored_records()) == SCENARIO_EVENTS
        assert log.root() == root_of(leaves)
    assert verify(services, keyed).ok
    services.close()


def test_log_grows_incrementally_and_checkpoints_stay_consistent(keyed: Settings):
    services, first = logged_ledger(keyed)
    services.ledger.execute(DraftDisclosure(title="后续文件", attribute="proactive"), Actor("o", "officer", "某单位"), None)
    with audit_log(keyed) as log:
        assert log.sync(services.ledger.stored_records(after=log.position())) == 1
        assert log.sync(services.ledger.stored_records(after=log.position())) == 0  # exactly once
        second = bring_log_up_to_date(services, log, keyed, policy=None)
        proof = {"format": CONSISTENCY, "old_size": SCENARIO_EVENTS, "new_size": SCENARIO_EVENTS + 1,
                 "hashes": [h.hex() for h in log.consistency_proof(SCENARIO_EVENTS, SCENARIO_EVENTS + 1)]}
    name, key = parse_verifier_key(Notary.from_settings(keyed).verifier_key)
    old, new = check_consistency(first, second, proof, lambda n: open_checkpoint(n, name, key))
    assert (old.size, new.size) == (SCENARIO_EVENTS, SCENARIO_EVENTS + 1)
    services.close()


def test_audit_log_finds_an_edited_event(keyed: Settings):
    services, _ = logged_ledger(keyed)
    with event_table(keyed) as (conn, table, position):
        state = bytes(sql(conn, f"SELECT state FROM {table} WHERE {position} = 30").fetchone()[0])
        edited = _flip_digit_after(state, b'"occurred_at":"')
        sql(conn, f"UPDATE {table} SET state = ? WHERE {position} = 30", (edited,))
    report = verify(services, keyed)
    assert (report.first_bad_position, "differs" in report.reason, report.kind) == (30, True, "altered")
    services.close()


def test_audit_log_finds_a_removed_event(keyed: Settings):
    services, _ = logged_ledger(keyed)
    with event_table(keyed) as (conn, table, position):
        sql(conn, f"DELETE FROM {table} WHERE {position} = 12")
    report = verify(services, keyed)
    assert report.first_bad_position == 12 and "removed or inserted" in report.reason and report.kind == "moved"
    services.close()


def test_audit_log_finds_two_swapped_events_the_chains_cannot_see(keyed: Settings):
    services, _ = logged_ledger(keyed)
    records = list(services.ledger.stored_records())
    # Two neighbours of different records: each record's own order is unchanged.
    k = next(i for i in range(1, len(records)) if records[i].originator_id != records[i - 1].originator_id
             and records[i].originator_version > 1 and records[i - 1].originator_version > 1)
    a, b = records[k - 1].position, records[k].position
    with event_table(keyed) as (conn, table, position):
        rows = {p: sql(conn, f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE {position} = ?", (p,)).fetchone()
                for p in (a, b)}
        sql(conn, f"DELETE FROM {table} WHERE {position} IN (?, ?)", (a, b))
        for p, other in ((a, b), (b, a)):
            sql(conn, f"INSERT INTO {table} ({position}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                (p, *rows[other]))
    assert services.ledger.verify().ok  # per-record chains still hold
    report = verify(services, keyed)
    assert report.first_bad_position == a
    services.close()


def test_audit_log_finds_an_inserted_event(keyed: Settings):
    services, _ = logged_ledger(keyed)
    with event_table(keyed) as (conn, table, position):
        forged = sql(conn, f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE {position} = ?",
                     (SCENARIO_EVENTS,)).fetchone()
        sql(conn, f"DELETE FROM {table} WHERE {position} = ?", (SCENARIO_EVENTS,))
        for p in range(SCENARIO_EVENTS - 1, 19, -1):
            sql(conn, f"UPDATE {table} SET {position} = ? WHERE {position} = ?", (p + 1, p))
        sql(conn, f"INSERT INTO {table} ({position}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            (20, *forged))
    report = verify(services, keyed)
    assert report.first_bad_position == 20
    services.close()


def test_held_checkpoint_exposes_a_rewrite_even_with_a_recomputed_tree(keyed: Settings):
    """The attacker cuts history, records another, recomputes the whole tree and signs anew."""
    services, held_outside = logged_ledger(keyed)
    with event_table(keyed) as (conn, table, position):
        sql(conn, f"DELETE FROM {table} WHERE {position} >= 40")
    with audit_log(keyed) as log:
        log.rebuild(services.ledger.stored_records())
    # New history past the cut, so the log grows beyond the held size again.
    for n in range(SCENARIO_EVENTS):
        services.ledger.execute(DraftDisclosure(title=f"改写 {n}", attribute="proactive"), Actor("o", "officer", "某单位"), None)
    with audit_log(keyed) as log:
        log.rebuild(services.ledger.stored_records())
        rewritten = bring_log_up_to_date(services, log, keyed, policy=None)
        new_size = log.size()
        proof = {"format": CONSISTENCY, "old_size": SCENARIO_EVENTS, "new_size": new_size,
                 "hashes": [h.hex() for h in log.consistency_proof(SCENARIO_EVENTS, new_size)]}
        assert verify_log(log, services.ledger.stored_records()).ok  # the rewrite is self-consistent
    name, key = parse_verifier_key(Notary.from_settings(keyed).verifier_key)
    assert open_checkpoint(rewritten, name, key).size == new_size  # validly signed, too
    with pytest.raises(ProofError, match="rewritten"):
        check_consistency(held_outside, rewritten, proof, lambda n: open_checkpoint(n, name, key))
    services.close()


def zwgk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def _grown_by_one(cwd: Path) -> None:
    """One more event applied from a file, and the checkpoint that then signs the log kept as cp-new.txt."""
    more = cwd / "more.jsonl"
    more.write_text(json.dumps({"command": "draft_disclosure", "actor": {"id": "o", "role": "officer", "unit": "U"},
                                "args": {"title": "新文件", "attribute": "proactive"}}, ensure_ascii=False), encoding="utf-8")
    assert zwgk("apply", str(more), cwd=cwd).returncode == 0
    (cwd / "cp-new.txt").write_text(zwgk("audit", "checkpoint", cwd=cwd).stdout, encoding="utf-8")


def test_inspector_commands_prove_and_verify_offline(tmp_path: Path):
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    (tmp_path / "cp-old.txt").write_text(zwgk("audit", "checkpoint", cwd=tmp_path).stdout, encoding="utf-8")
    (tmp_path / "key.txt").write_text(zwgk("audit", "public-key", cwd=tmp_path).stdout, encoding="utf-8")
    with sqlite3.connect(tmp_path / "var" / "zwgk.sqlite3") as conn:
        event_id = conn.execute("SELECT event_id FROM merkle_leaves WHERE idx = 33").fetchone()[0]
    proved = zwgk("audit", "prove", event_id, "--checkpoint", "cp-old.txt", "--event-out", "event.bin", cwd=tmp_path)
    assert proved.returncode == 0, proved.stderr
    (tmp_path / "proof.json").write_text(proved.stdout, encoding="utf-8")
    assert json.loads(proved.stdout)["leaf_index"] == 33

    offline = tmp_path / "inspector"
    offline.mkdir()  # no database here
    args = ["audit", "verify-proof", "--event", "../event.bin", "--proof", "../proof.json",
            "--checkpoint", "../cp-old.txt", "--public-key", "../key.txt"]
    ok = zwgk(*args, cwd=offline)
    assert ok.returncode == 0 and ok.stdout.startswith("ok")
    assert not (offline / "var").exists()
    (tmp_path / "event.bin").write_bytes((tmp_path / "event.bin").read_bytes().replace(b"approved", b"rejected"))
    bad = zwgk(*args, cwd=offline)
    assert bad.returncode == 1 and "核验失败" in bad.stderr and "altered" in bad.stderr

    _grown_by_one(tmp_path)
    grown = zwgk("audit", "verify-consistency", "cp-old.txt", "cp-new.txt", cwd=tmp_path)
    old_size = int((tmp_path / "cp-old.txt").read_text().splitlines()[1])
    assert grown.returncode == 0 and f"从 {old_size} 项增长到 {old_size + 1} 项" in grown.stderr
    assert json.loads(grown.stdout)["old_size"] == old_size  # the proof it checked
    assert zwgk("audit", "verify", cwd=tmp_path).returncode == 0


def test_a_copy_of_the_store_verifies_with_the_public_key_alone_and_no_key_appears(tmp_path: Path):
    """The inspector's copy holds the event store only: verifying needs the public key, never makes a signing key."""
    operator, inspector = tmp_path / "operator", tmp_path / "inspector"
    operator.mkdir()
    (inspector / "var").mkdir(parents=True)
    assert zwgk("demo", cwd=operator).returncode == 0
    (tmp_path / "key.txt").write_text(zwgk("audit", "public-key", cwd=operator).stdout, encoding="utf-8")
    (tmp_path / "cp-old.txt").write_text(zwgk("audit", "checkpoint", cwd=operator).stdout, encoding="utf-8")
    shutil.copy(operator / "var" / "zwgk.sqlite3", inspector / "var" / "zwgk.sqlite3")
    signing_key = inspector / "var" / "keys" / "checkpoint-ed25519.pem"

    verified = zwgk("audit", "verify", "--public-key", "../key.txt", "--format", "json", cwd=inspector)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["ok"] is True
    assert zwgk("audit", "verify-consistency", "../cp-old.txt", "../cp-old.txt", "--public-key", "../key.txt",
                cwd=inspector).returncode == 0
    assert not signing_key.exists()

    without = zwgk("audit", "verify", cwd=inspector)  # no key given, none here: told so, not a false alarm
    assert without.returncode == 2 and "--public-key" in without.stderr and "签名检查点不符" not in without.stderr
    assert zwgk("audit", "public-key", cwd=inspector).returncode == 2
    assert not signing_key.exists()

    other = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "other.txt").write_text(verifier_key("zwgk.local/ledger", other), encoding="utf-8")
    wrong = zwgk("audit", "verify", "--public-key", "../other.txt", cwd=inspector)
    assert wrong.returncode == 1 and "签名检查点不符" in wrong.stderr
    # The log's keys over time, one a line: the checkpoint's key id picks the one it was signed with.
    (tmp_path / "keys.txt").write_text(verifier_key("zwgk.local/ledger", other) + "\n" + (tmp_path / "key.txt").read_text(),
                                       encoding="utf-8")
    assert zwgk("audit", "verify", "--public-key", "../keys.txt", cwd=inspector).returncode == 0
    assert zwgk("audit", "publish", "static", cwd=inspector).returncode == 0  # the log as it is: nothing to sign
    assert zwgk("audit", "export-entries", "--out", "entries.jsonl", cwd=inspector).returncode == 0
    assert not signing_key.exists()


def test_consistency_proof_written_by_the_operator_verifies_offline(tmp_path: Path):
    """prove-consistency writes the proof in docs/audit.md's format; verify-consistency --proof needs no database."""
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    (tmp_path / "key.txt").write_text(zwgk("audit", "public-key", cwd=tmp_path).stdout, encoding="utf-8")
    (tmp_path / "cp-old.txt").write_text(zwgk("audit", "checkpoint", cwd=tmp_path).stdout, encoding="utf-8")
    _grown_by_one(tmp_path)
    proved = zwgk("audit", "prove-consistency", "cp-old.txt", "cp-new.txt", cwd=tmp_path)
    assert proved.returncode == 0, proved.stderr
    proof = json.loads(proved.stdout)
    assert proof["format"] == CONSISTENCY and proof["new_size"] == proof["old_size"] + 1
    (tmp_path / "proof.json").write_text(proved.stdout, encoding="utf-8")

    offline = tmp_path / "inspector"
    offline.mkdir()
    args = ["audit", "verify-consistency", "../cp-old.txt", "../cp-new.txt", "--proof", "../proof.json", "--public-key", "../key.txt"]
    checked = zwgk(*args, cwd=offline)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == proof and not (offline / "var").exists()
    proof["hashes"][0] = "00" * 32
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    forged = zwgk(*args, cwd=offline)
    assert forged.returncode == 1 and "核验失败" in forged.stderr


@pytest.mark.parametrize("origin", ["zwgk ledger", "zwgk+ledger"])
def test_an_origin_with_a_space_or_plus_is_refused_at_start_up_with_a_clear_error(tmp_path: Path, origin: str):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}, "ZWGK_LOG_ORIGIN": origin}
    for command in (["audit", "verify"], ["demo"]):
        refused = subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *command],
                                 cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "ZWGK_LOG_ORIGIN" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "var").exists()  # nothing recorded, nothing signed

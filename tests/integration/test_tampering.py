"""Tampering beyond the chains, on SQLite and PostgreSQL: whoever can write the database can re-seal a record's
chain, delete leaves of the audit log or the log and its checkpoints altogether, or insert an event with a correct
chain hash below a signed size and rebuild the tree. `zwgk audit verify` (queries.audit) checks every checkpoint
kept and the copy held outside the database, and takes events long unlogged for a deleted log."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from tests.api import ZwgkServer, isolated, token_for
from tests.cli import zwgk
from tests.integration.test_audit_log import event_table, keyed, logged_ledger, sql
from tests.integration.test_ledger import SCENARIO_EVENTS, run_scenario
from tests.integration.test_witness import Setup, grow, setup
from zwgk.connectors.checkpoint_copy import read_checkpoint
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import verify_ledger
from zwgk.connectors.queries import Trust, audit
from zwgk.connectors.services import Services
from zwgk.connectors.signing import log_verifiers
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, catch_up, open_services, services, views
from zwgk.domain.chain import event_hash

__all__ = ["keyed", "setup"]  # the fixtures, shared with the audit log's and the witness's tests


@pytest.fixture
def copied(keyed: Settings, tmp_path: Path) -> Settings:
    """The operator's settings with the latest checkpoint copied outside the database, where it is published."""
    return replace(keyed, checkpoint_copy=str(tmp_path / "published"))


def verified(services: Services, settings: Settings, held: tuple[str, ...] = (), with_views: bool = False):
    with audit_log(settings) as log:
        return verify_ledger(services, log, settings, held=held, with_views=with_views)


def reseal(services: Services, settings: Settings, position: int, change) -> None:
    """Edit a stored event and give it the hash its new content has: its record's chain holds again."""
    record = services.ledger.stored_record(position)
    state = dict(record.state)
    change(state)
    state["hash"] = event_hash(record.topic, record.originator_id, record.originator_version, state)
    with event_table(settings) as (conn, table, column):
        sql(conn, f"UPDATE {table} SET state = ? WHERE {column} = ?", (services.ledger.mapper.transcoder.encode(state), position))


def recorded_a_second_later(state: dict) -> None:
    state["timestamp"] += timedelta(seconds=1)


def last_event_of_a_record_before(services: Services, position: int):
    """A record's latest event, below `position`: re-sealing it leaves no later event of its record to re-link."""
    records = list(services.ledger.stored_records())
    latest = {r.originator_id: r for r in records}
    return next(r for r in reversed(records[: position - 1]) if latest[r.originator_id] is r)


def delete_audit_log(settings: Settings, checkpoints: bool) -> None:
    """What a database writer can do to the audit log: empty it, forget its position, and its checkpoints too."""
    with event_table(settings) as (conn, _, _):
        for table in ("merkle_leaves", "merkle_nodes", *(("merkle_checkpoints", "merkle_cosignatures") if checkpoints else ())):
            sql(conn, f"DELETE FROM {table}")
        sql(conn, "UPDATE projection_positions SET position = 0 WHERE name = 'merkle_log'")


def test_a_resealed_history_with_its_log_and_checkpoints_deleted_fails_against_the_copy_held_outside(copied: Settings):
    services, signed = logged_ledger(copied)
    assert read_checkpoint(copied, copied.checkpoint_copy) == signed  # copied when it was signed
    assert verified(services, copied).ok

    target = last_event_of_a_record_before(services, 40)
    reseal(services, copied, target.position, recorded_a_second_later)
    assert services.ledger.verify().ok  # the chains cannot see it
    delete_audit_log(copied, checkpoints=True)
    report = verified(services, copied)
    assert not report.ok and report.log.ok and report.log.not_yet_logged == SCENARIO_EVENTS  # young events: not yet logged
    assert (report.checkpoint.kind, report.checkpoint.source, report.checkpoint.size) == ("truncated", "held", SCENARIO_EVENTS)

    with audit_log(copied) as log:  # the next apply folds the rewritten history and signs it
        resigned = bring_log_up_to_date(services, log, copied, policy=None)
    assert resigned is not None and resigned != signed
    assert read_checkpoint(copied, copied.checkpoint_copy) == signed  # the copy is not replaced by a rewrite
    report = verified(services, copied)
    assert report.chains.ok and report.log.ok and report.checkpoints_checked == 1 and report.held_checked == 1
    assert (report.checkpoint.kind, report.checkpoint.source, report.checkpoint.size) == ("diverged", "held", SCENARIO_EVENTS)
    assert report.as_dict()["checkpoint_mismatch"]["kind"] == "diverged"
    # Without anything held outside, the rewrite is self-consistent: only an outsider can tell (docs/audit.md §6).
    assert verified(services, replace(copied, checkpoint_copy="")).ok
    assert not verified(services, replace(copied, checkpoint_copy=""), held=(signed,)).ok  # the copy given by hand
    services.close()


def test_leaves_deleted_below_a_signed_size_fail_though_the_rest_look_not_yet_logged(keyed: Settings):
    services, _ = logged_ledger(keyed)
    with event_table(keyed) as (conn, _, _):
        sql(conn, "DELETE FROM merkle_leaves WHERE idx >= 100")
        sql(conn, "DELETE FROM merkle_nodes WHERE level = 0 AND idx >= 100")
    report = verified(services, keyed)
    assert report.log.ok and report.log.not_yet_logged == SCENARIO_EVENTS - 100
    assert (report.checkpoint.kind, report.checkpoint.source, report.checkpoint.size) == ("truncated", "kept", SCENARIO_EVENTS)
    assert "fewer than the 138" in report.checkpoint.reason and not report.ok
    services.close()


def test_a_forged_event_inserted_below_a_signed_size_and_the_tree_rebuilt_fails_at_the_signed_size(keyed: Settings):
    """Its chain hash is right and the rebuilt log holds it: only the root the earlier checkpoint signed tells."""
    services, _ = logged_ledger(keyed)
    at = 20
    last = last_event_of_a_record_before(services, at)
    forged = {**last.state, "event_id": uuid4(), "prev_hash": last.state["hash"]}
    forged["hash"] = event_hash(last.topic, last.originator_id, last.originator_version + 1, forged)
    with event_table(keyed) as (conn, table, column):
        (record_id,) = sql(conn, f"SELECT originator_id FROM {table} WHERE {column} = ?", (last.position,)).fetchone()
        for position in range(SCENARIO_EVENTS, at - 1, -1):
            sql(conn, f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (position + 1, position))
        sql(conn, f"INSERT INTO {table} ({column}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            (at, record_id, last.originator_version + 1, last.topic, services.ledger.mapper.transcoder.encode(forged)))
    assert services.ledger.verify().ok
    delete_audit_log(keyed, checkpoints=False)
    with audit_log(keyed) as log:
        bring_log_up_to_date(services, log, keyed, policy=None)  # the forged history signed at the new size
    report = verified(services, keyed)
    assert report.chains.ok and report.log.ok and report.checkpoints_checked == 2
    assert (report.checkpoint.kind, report.checkpoint.source, report.checkpoint.size) == ("diverged", "kept", SCENARIO_EVENTS)
    services.close()


def test_events_unlogged_past_the_grace_fail_and_younger_ones_are_only_reported(keyed: Settings):
    services, _ = logged_ledger(keyed)
    delete_audit_log(keyed, checkpoints=True)
    young = verified(services, keyed)
    assert young.ok and young.log.not_yet_logged == SCENARIO_EVENTS and young.checkpoints_checked == 0
    old = verified(services, replace(keyed, audit_log_grace=0))
    assert not old.ok and (old.log.kind, old.log.first_bad_position, old.log.unlogged) == ("unlogged", 1, SCENARIO_EVENTS)
    assert old.as_dict()["log_mismatch"]["unlogged"] == SCENARIO_EVENTS
    with audit_log(keyed) as log:
        bring_log_up_to_date(services, log, keyed)
    assert verified(services, replace(keyed, audit_log_grace=0)).ok  # logged again: nothing left out
    services.close()


def test_verify_with_views_fails_on_an_edited_view_row(keyed: Settings):
    services, _ = logged_ledger(keyed)
    with views(keyed) as runner:
        catch_up(services, runner)
    assert verified(services, keyed, with_views=True).ok
    with views(keyed) as runner, runner.store.transaction() as tx:
        (deadline,) = tx.one("SELECT deadline_id FROM deadlines WHERE rule = 'D3' AND status = 'breached' ORDER BY deadline_id")
        tx.execute("UPDATE deadlines SET status = 'met' WHERE deadline_id = ?", (deadline,))
    report = verified(services, keyed, with_views=True)
    assert not report.ok and report.chains.ok and report.log.ok and report.checkpoint is None
    assert {(d.kind, d.row["deadline_id"]) for d in report.views.differences} == {("extra", deadline), ("missing", deadline)}
    assert verified(services, keyed).ok  # without --views the views are not looked at
    with audit_log(keyed) as log:
        assert audit(services, log, keyed).views is None
    services.close()


def test_on_the_command_line_a_rewrite_fails_against_the_published_checkpoint_which_is_never_overwritten(tmp_path: Path):
    """The operator publishes checkpoints to a directory the database writer cannot reach (ZWGK_CHECKPOINT_COPY)."""
    copy = {"ZWGK_CHECKPOINT_COPY": "published"}
    assert zwgk("demo", cwd=tmp_path, env=copy).returncode == 0
    published = (tmp_path / "published" / "checkpoint").read_text(encoding="utf-8")
    clean = zwgk("audit", "verify", cwd=tmp_path, env=copy)
    assert clean.returncode == 0 and "与外部保存的 1 个副本一致" in clean.stdout, clean.stdout + clean.stderr

    store = Settings(database_url=f"sqlite:///{tmp_path}/var/zwgk.sqlite3")
    with services(store) as s:
        reseal(s, store, last_event_of_a_record_before(s, 40).position,
               recorded_a_second_later)
    delete_audit_log(store, checkpoints=True)
    deleted = zwgk("audit", "verify", cwd=tmp_path, env=copy)
    assert deleted.returncode == 1
    assert "签名检查点不符：外部保存的检查点（树大小" in deleted.stderr and "日志被删减" in deleted.stderr, deleted.stderr
    by_hand = zwgk("audit", "verify", "--checkpoint", "published/checkpoint", "--format", "json", cwd=tmp_path)
    assert by_hand.returncode == 1 and json.loads(by_hand.stdout)["checkpoint_mismatch"]["kind"] == "truncated"

    assert zwgk("audit", "checkpoint", cwd=tmp_path, env=copy).returncode == 0  # the rewrite signed in the database
    assert (tmp_path / "published" / "checkpoint").read_text(encoding="utf-8") == published
    rewritten = zwgk("audit", "verify", "--format", "json", cwd=tmp_path, env=copy)
    assert rewritten.returncode == 1
    assert {k: json.loads(rewritten.stdout)["checkpoint_mismatch"][k] for k in ("kind", "source")} == {"kind": "diverged", "source": "held"}
    refused = zwgk("audit", "publish", "published", cwd=tmp_path)
    assert refused.returncode == 1 and "PUBLISHED_CHECKPOINT_NOT_EXTENDED" in refused.stderr
    assert (tmp_path / "published" / "checkpoint").read_text(encoding="utf-8") == published
    assert zwgk("audit", "verify", cwd=tmp_path).returncode == 0  # nothing held outside given: only an outsider can tell


def test_verify_views_on_the_command_line_exits_1_on_an_edited_view_row(tmp_path: Path):
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    assert zwgk("audit", "verify", "--views", cwd=tmp_path).returncode == 0
    with closing(sqlite3.connect(tmp_path / "var" / "zwgk.sqlite3")) as conn, conn:
        conn.execute("DELETE FROM deadlines WHERE rule = 'D3'")
    assert zwgk("audit", "verify", cwd=tmp_path).returncode == 0
    tampered = zwgk("audit", "verify", "--views", "--format", "json", cwd=tmp_path)
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert not report["ok"] and report["views"]["differences"] and {d["kind"] for d in report["views"]["differences"]} == {"missing"}
    assert "视图与事件日志不一致" in zwgk("audit", "verify", "--views", cwd=tmp_path).stdout


def test_the_service_verifies_the_same_a_rewrite_against_the_copy_and_an_edited_view_with_views(copied: Settings, tmp_path: Path):
    settings = isolated(copied, tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        officer = token_for(settings, "edu-officer", "officer", "示范县教育局")
        with server.client(officer) as http:
            drafted = [http.post("/api/v1/commands/draft_disclosure", json={"title": f"通知（{n}）", "attribute": "proactive"})
                       for n in range(3)]
            assert all(answer.status_code == 201 for answer in drafted)
        inspector = token_for(settings, "inspector-1", "inspector", "县纪委监委")
        with server.client(inspector) as http:
            clean = http.get("/api/v1/audit/verify", params={"views": True}).json()
            assert clean["ok"] and clean["held_checkpoints_checked"] == 1 and clean["views"]["differences"] == []
            with services(settings) as s:
                last = last_event_of_a_record_before(s, (s.ledger.recorder.max_notification_id() or 0) + 1)
                reseal(s, settings, last.position, recorded_a_second_later)
            delete_audit_log(settings, checkpoints=True)
            rewritten = http.get("/api/v1/audit/verify").json()
            assert not rewritten["ok"] and "log_mismatch" not in rewritten and "views" not in rewritten
            assert (rewritten["checkpoint_mismatch"]["kind"], rewritten["checkpoint_mismatch"]["source"]) == ("diverged", "held")
            with views(settings) as runner, runner.store.transaction() as tx:
                tx.execute("DELETE FROM disclosure_register")
            both = http.get("/api/v1/audit/verify", params={"views": True}).json()
            # The register's rows deleted; the timeline still shows the recording time the re-seal changed.
            assert {d["view"] for d in both["views"]["differences"]} == {"register", "timeline"}
    finally:
        server.stop()


def test_witnesses_refuse_to_cosign_a_rewrite_whose_checkpoints_were_all_deleted(setup: Setup):
    services = open_services(setup.ledger)
    run_scenario(services)
    grow(setup.ledger, [])  # cosigned by the witness
    required = Trust(log_verifiers(setup.ledger), (setup.witness_key,), quorum=1)

    def with_the_witness_required():
        with audit_log(setup.ledger) as log:
            return audit(services, log, setup.ledger, trust=required)

    assert with_the_witness_required().ok
    reseal(services, setup.ledger, last_event_of_a_record_before(services, 40).position, recorded_a_second_later)
    delete_audit_log(setup.ledger, checkpoints=True)
    nothing_kept = with_the_witness_required()
    assert (nothing_kept.checkpoint.kind, nothing_kept.checkpoint.size) == ("uncosigned", None)
    grow(setup.ledger, [])  # rebuilt and signed anew: the witness, holding the old tree, refuses it
    resigned = with_the_witness_required()
    assert resigned.chains.ok and resigned.log.ok and not resigned.ok
    assert (resigned.checkpoint.kind, resigned.checkpoint.size) == ("uncosigned", SCENARIO_EVENTS)
    with audit_log(setup.ledger) as log:
        assert audit(services, log, setup.ledger).ok  # self-consistent without the witness
    services.close()


def test_what_any_command_or_the_service_records_is_taken_into_the_log_so_no_grace_expires_unnoticed(
        sqlite_settings: Settings, tmp_path: Path):
    added = zwgk("users", "add", "officer-1", "--role", "officer", "--unit", "示范县教育局", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    strict = {"ZWGK_AUDIT_LOG_GRACE": "0"}
    logged = zwgk("audit", "verify", "--format", "json", cwd=tmp_path, env=strict)
    assert logged.returncode == 0 and json.loads(logged.stdout)["not_yet_logged"] == 0, logged.stdout + logged.stderr

    settings = isolated(sqlite_settings, tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        with server.client(token_for(settings, "edu-officer", "officer", "示范县教育局")) as http:
            assert http.post("/api/v1/commands/draft_disclosure", json={"title": "通知", "attribute": "proactive"}).status_code == 201
        with services(settings) as s, audit_log(settings) as log:
            deadline = time.monotonic() + 30
            while log.position() < (s.ledger.recorder.max_notification_id() or 0) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert log.position() == s.ledger.recorder.max_notification_id()  # no audit request needed
    finally:
        server.stop()

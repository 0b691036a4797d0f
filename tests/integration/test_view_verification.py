"""Views carry no hash chain: whoever can write their database could turn a breached D3 deadline into a met one or
delete it, and the violation report would quietly shrink. `zwgk projections verify` folds the log afresh and
names every row that differs, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.cli import zwgk
from tests.integration.test_ledger import run_scenario
from tests.unit.test_view_differences import columns
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import verify_views
from zwgk.connectors.wiring import catch_up, services, views


def test_d3_an_edited_or_deleted_view_row_is_named_and_an_untouched_view_passes(settings: Settings):
    with services(settings) as s:
        run_scenario(s)
        with views(settings) as runner:
            catch_up(s, runner)
        position, differences = verify_views(s, settings)
        assert position > 0 and differences == []

        with views(settings) as runner, runner.store.transaction() as tx:
            breached = tx.all("SELECT deadline_id FROM deadlines WHERE rule = 'D3' AND status = 'breached' ORDER BY deadline_id")
            assert breached, "the scenario has a late publication"
            tx.execute("UPDATE deadlines SET status = 'met' WHERE deadline_id = ?", (breached[0][0],))
            tx.execute("DELETE FROM deadline_subjects WHERE source_id IN "
                       "(SELECT source_id FROM deadline_subjects ORDER BY source_id LIMIT 2)")
        _, differences = verify_views(s, settings)

    edited = [d for d in differences if d.table == "deadlines"]
    assert {(d.kind, d.row["status"]) for d in edited} == {("extra", "met"), ("missing", "breached")}
    assert {d.row["deadline_id"] for d in edited} == {breached[0][0]}
    deleted = [d for d in differences if d.table == "deadline_subjects"]
    assert len(deleted) == 2 and {d.kind for d in deleted} == {"missing"}
    assert {d.view for d in differences} == {"deadlines"}


def test_projections_verify_on_the_command_line_exits_1_and_names_the_edited_row(tmp_path: Path):
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    clean = zwgk("projections", "verify", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout.startswith("ok："), clean.stdout + clean.stderr
    with closing(sqlite3.connect(tmp_path / "var" / "zwgk.sqlite3")) as conn, conn:
        (deadline,) = conn.execute("SELECT deadline_id FROM deadlines WHERE rule = 'D3' AND status = 'breached' LIMIT 1").fetchone()
        conn.execute("UPDATE deadlines SET status = 'met' WHERE deadline_id = ?", (deadline,))
    tampered = zwgk("projections", "verify", "--format", "json", cwd=tmp_path)
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert not report["ok"] and {(d["kind"], d["row"]["deadline_id"]) for d in report["differences"]} == {
        ("extra", deadline), ("missing", deadline)}
    told = zwgk("projections", "verify", cwd=tmp_path).stdout.splitlines()
    assert "视图 deadlines：缺少 0 行，多出 0 行，不同 1 行" in told and f"  不同 deadlines（deadline_id={deadline}）" in told
    assert "    status：breached → met" in told and max(map(columns, told)) <= 80, told

"""Nothing that is stored changes meaning: a store written by release 5 (tests/data/store-r5/, the demo
recorded by commit 7cebb7b) opened by today's code verifies, rebuilds every view to the rows that
release stored, and is recognised by the demo, which records nothing twice. Only the `zwgk` command
and the databases' tables are used, so the code behind them can be rewritten freely."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli import events_in, zwgk

OLD_STORE = Path(__file__).parents[1] / "data" / "store-r5"
RELEASE_5_EVENTS = (152, 152)  # events recorded, last notification id
NOT_VIEWS = {"stored_events", "stored_snapshots", "projection_positions", "projection_definitions", "projection_kafka_offsets"}
# and merkle_*, the audit log


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A copy of the release-5 store as ./var/ of a scratch directory; the checked-in files stay untouched."""
    shutil.copytree(OLD_STORE, tmp_path / "var", ignore=shutil.ignore_patterns("README.md"))
    return tmp_path


# Columns renamed since release 5, by table: the only difference a rebuild may show. The register's
# d3_outcome always held D11 outcomes too; it is the act's publication outcome under either rule.
RENAMED = {"disclosure_register": {"d3_outcome": "publication_outcome"}}


def view_tables(database: Path) -> dict[str, list[dict]]:
    """Every view table's rows as column → value (as named today), in a stable order (not the order they were written)."""
    with closing(sqlite3.connect(f"file:{database}?immutable=1", uri=True)) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                 if n not in NOT_VIEWS and not n.startswith("merkle_")]
        tables = {}
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            columns = [RENAMED.get(name, {}).get(c[0], c[0]) for c in cursor.description]
            tables[name] = sorted((dict(zip(columns, row, strict=True)) for row in cursor),
                                  key=lambda r: json.dumps(r, sort_keys=True, default=repr))
        return tables


def keep_only_the_log(database: Path) -> None:
    """Drop every view and the views' bookkeeping: what is left is what release 5 recorded."""
    with closing(sqlite3.connect(database)) as conn, conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            if name not in ("stored_events", "stored_snapshots") and not name.startswith("merkle_"):
                conn.execute(f'DROP TABLE "{name}"')


def test_release_5_store_verifies_intact(old_store: Path):
    """Hash chains, audit log and the checkpoint release 5 signed; the archive's originals and sidecars."""
    verified = zwgk("audit", "verify", "--format", "json", cwd=old_store)
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] is True
    assert (report["events_checked"], report["log_entries_checked"], report["not_yet_logged"]) == (152, 152, 0)
    checked = zwgk("archive", "check", "--format", "json", cwd=old_store)
    assert checked.returncode == 0, checked.stderr
    assert len(json.loads(checked.stdout)["originals"]) == 6
    assert events_in(old_store / "var" / "zwgk.sqlite3") == RELEASE_5_EVENTS


def test_release_5_views_rebuilt_from_zero_are_the_rows_release_5_stored(old_store: Path):
    store = old_store / "var" / "zwgk.sqlite3"
    keep_only_the_log(store)
    rebuilt = zwgk("projections", "rebuild", cwd=old_store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert events_in(store) == RELEASE_5_EVENTS  # the E4 policy, run again from zero, opens no second case
    stored, now = view_tables(OLD_STORE / "zwgk.sqlite3"), view_tables(store)
    assert len(stored["timeline_events"]) == RELEASE_5_EVENTS[0] and all(stored[t] for t in ("disclosure_register", "deadlines"))
    for name, rows in stored.items():
        # A view may have gained columns since (the archive catalogue: 密级, 页数, the end of retention): the
        # columns release 5 had hold the same values.
        kept = [{column: row.get(column) for column in rows[0]} for row in now.get(name, [])] if rows else now.get(name)
        assert sorted(kept or [], key=lambda r: json.dumps(r, sort_keys=True, default=repr)) == rows, name


def test_the_demo_recognises_release_5s_store_and_records_nothing_twice(old_store: Path):
    """Only what release 5 had no notion of is added: the demo's console accounts."""
    again = zwgk("demo", cwd=old_store)
    assert again.returncode == 0, again.stderr
    with closing(sqlite3.connect(old_store / "var" / "zwgk.sqlite3")) as conn:
        added = {topic for (topic,) in conn.execute("SELECT DISTINCT topic FROM stored_events WHERE rowid > ?", (RELEASE_5_EVENTS[1],))}
    assert added and all(topic.startswith("zwgk.domain.accounts:") for topic in added), added
    assert zwgk("audit", "verify", cwd=old_store).returncode == 0

"""Several zwgk processes on one PostgreSQL, as an operator runs them: started at the same moment on a server
with few connections to give, on one database in two schemas, or with the database down."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from tests.cli import ZWGK
from tests.servers import PostgresServer

pytestmark = pytest.mark.postgres
LINES = 120


@pytest.fixture(scope="module")
def scarce() -> Iterator[PostgresServer]:
    """A server that gives 25 connections (three kept for superusers' maintenance, the default)."""
    server = PostgresServer.start(max_connections=25)
    yield server
    server.stop()


def environment(url: str, key: Path, **more: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    return {**environ, "ZWGK_DATABASE_URL": url, "ZWGK_KEYSTORE_URL": url, "ZWGK_SIGNING_KEY_FILE": str(key), **more}


def drafts(path: Path, writer: str) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for n in range(LINES):
            file.write(json.dumps({"command": "draft_disclosure", "actor": {"id": writer, "role": "officer", "unit": f"{writer}单位"},
                                   "args": {"id": str(uuid4()), "title": f"{writer} 文件 {n}", "attribute": "proactive"}},
                                  ensure_ascii=False) + "\n")
    return path


def signing_key(tmp_path: Path) -> Path:
    key = tmp_path / "signing.pem"
    subprocess.run([str(ZWGK), "audit", "keygen", str(key)], check=True, capture_output=True, cwd=tmp_path)
    return key


def zwgk(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ZWGK), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_four_processes_started_together_on_a_server_with_few_connections_all_record(scarce: PostgresServer, tmp_path: Path):
    """Tables defined once under a lock (no `tuple concurrently updated`, no duplicate type), the audit log
    appended by one at a time (no duplicate Merkle node), each process within its small pool."""
    env = environment(scarce.create_database("together"), signing_key(tmp_path), ZWGK_DATABASE_POOL_SIZE="1")
    processes = [subprocess.Popen([str(ZWGK), "apply", str(drafts(tmp_path / f"{w}.jsonl", w))], env=env, cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in ("甲", "乙", "丙", "丁")]
    finished = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err[-2000:] for _, err in finished]
    assert all(len(out.splitlines()) == LINES for out, _ in finished)

    verified = zwgk(env, tmp_path, "audit", "verify", "--format", "json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] and report["events_checked"] == report["log_entries_checked"] == 4 * LINES


@pytest.mark.parametrize("pool_size", [1, 3])
def test_one_apply_holds_no_more_connections_than_its_pool_gives(scarce: PostgresServer, tmp_path: Path, pool_size: int):
    """The event store's pool (ZWGK_DATABASE_POOL_SIZE, as many again in a burst) is the process's only one on its
    database: views, keys and the audit log borrow from it, counted by the server while `zwgk apply` runs."""
    database = f"pool_{pool_size}"
    env = environment(scarce.create_database(database), signing_key(tmp_path), ZWGK_DATABASE_POOL_SIZE=str(pool_size))
    most = 0
    with psycopg.connect(scarce.url(), autocommit=True) as watcher:
        process = subprocess.Popen([str(ZWGK), "apply", str(drafts(tmp_path / "drafts.jsonl", "戊"))], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while process.poll() is None:
            (held,) = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                                      (database,)).fetchone()
            most = max(most, held)
            time.sleep(0.005)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert 1 <= most <= 2 * pool_size


def test_each_schema_is_a_ledger_of_its_own_views_and_audit_log_included(scarce: PostgresServer, tmp_path: Path):
    database = scarce.create_database("two_ledgers")
    key = signing_key(tmp_path)
    ledgers = {name: environment(f"{database}?schema={name}", key, ZWGK_DATABASE_POOL_SIZE="1") for name in ("ledger_a", "ledger_b")}
    for name, env in ledgers.items():
        assert zwgk(env, tmp_path, "apply", str(drafts(tmp_path / f"{name}.jsonl", name))).returncode == 0
    for name, env in ledgers.items():
        verified = zwgk(env, tmp_path, "audit", "verify", "--format", "json")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert json.loads(verified.stdout)["events_checked"] == LINES
        register = json.loads(zwgk(env, tmp_path, "register", "--format", "json").stdout)
        assert {row["unit"] for row in register} == {f"{name}单位"}
    with psycopg.connect(database, autocommit=True) as conn:
        in_public = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()
    assert in_public == []


def test_a_database_that_does_not_answer_is_said_at_once_with_a_code(tmp_path: Path):
    env = environment("postgresql://postgres@127.0.0.1:1/zwgk", signing_key(tmp_path))
    result = zwgk(env, tmp_path, "register")
    assert result.returncode == 3
    assert "STORE_UNAVAILABLE：无法连接数据库（127.0.0.1:1/zwgk）" in result.stderr and "Traceback" not in result.stderr


def test_a_views_database_apart_that_does_not_answer_is_said_at_once_with_a_code(tmp_path: Path):
    env = environment(f"sqlite:///{tmp_path / 'events.sqlite3'}", signing_key(tmp_path),
                      ZWGK_KEYSTORE_URL=f"sqlite:///{tmp_path / 'keys.sqlite3'}",
                      ZWGK_VIEWS_DATABASE_URL="postgresql://postgres@127.0.0.1:1/views")
    started = time.monotonic()
    result = zwgk(env, tmp_path, "register")
    assert result.returncode == 3 and time.monotonic() - started < 8  # the server's refusal, not a pool's timeout
    assert "STORE_UNAVAILABLE：无法连接数据库（127.0.0.1:1/views）" in result.stderr and "Traceback" not in result.stderr


def test_a_schema_name_that_is_no_plain_sql_name_is_refused_before_connecting(tmp_path: Path):
    env = environment('postgresql://postgres@127.0.0.1:1/zwgk?schema=a"b', signing_key(tmp_path))
    result = zwgk(env, tmp_path, "register")
    assert result.returncode == 2 and "schema must be a plain SQL name" in result.stderr

"""Command ids and resumed files (issue 25, crashes): `zwgk apply` run again, or killed and resumed, records
each line once; on SQLite and PostgreSQL, from the command line and over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest

from tests.api import ZwgkServer, token_for
from tests.cli import ZWGK
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services
from zwgk.domain.announcements import Announcement

OFFICE = {"id": "qy-gsb", "role": "officer", "unit": "清原满族自治县人民政府"}


def announcement_file(path: Path, updates: int, with_ids: bool) -> Path:
    """One emergency announcement posted, then updated `updates` times: commands that create no id of their own."""
    announcement = str(uuid4())
    lines = [{"command": "post_announcement", "actor": OFFICE,
              "args": {"id": announcement, "kind": "emergency", "title": "浑河上游降雨，沿河群众注意避险", "channel": "media"}}]
    lines += [{"command": "update_announcement", "actor": OFFICE, "args": {"announcement_id": announcement, "update": f"第 {n} 次更新"}}
              for n in range(updates)]
    if with_ids:
        lines = [{"id": f"qy-2016-{n}", **line} for n, line in enumerate(lines)]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def environment(settings: Settings) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    return {**environ, "ZWGK_DATABASE_URL": settings.database_url}


def zwgk_apply(settings: Settings, cwd: Path, *args: str) -> tuple[int, list[dict]]:
    done = subprocess.run([str(ZWGK), "apply", *args], cwd=cwd, env=environment(settings), capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def recorded(settings: Settings) -> list[str]:
    """The updates recorded, in log order."""
    with services(settings) as s:
        return [e.update for e in s.ledger.events_of_type(Announcement.Updated)]


def events(settings: Settings) -> int:
    """How many events are recorded: counted, for PostgreSQL's positions leave a gap where a killed insert took one."""
    with services(settings) as s:
        return sum(1 for _ in s.ledger.notifications(batch=5000))


def test_a_file_of_updates_with_ids_applied_twice_records_them_once(settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 50, with_ids=True)
    code, first = zwgk_apply(settings, tmp_path, str(file))
    assert code == 0 and [r["ok"] for r in first] == [True] * 51 and not any(r.get("repeated") for r in first)
    code, again = zwgk_apply(settings, tmp_path, str(file))
    assert code == 0 and all(r["ok"] and r["repeated"] for r in again)
    assert [(r["id"], r["aggregate_id"], r["version"], r["notification_id"]) for r in again] == \
           [(r["id"], r["aggregate_id"], r["version"], r["notification_id"]) for r in first]
    assert recorded(settings) == [f"第 {n} 次更新" for n in range(50)]
    assert events(settings) == 51


def test_an_id_used_again_for_another_command_is_refused_and_records_nothing(settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 2, with_ids=True)
    zwgk_apply(settings, tmp_path, str(file))
    changed = file.read_text(encoding="utf-8").replace("第 1 次更新", "另一条更新")
    (tmp_path / "changed.jsonl").write_text(changed, encoding="utf-8")
    code, results = zwgk_apply(settings, tmp_path, str(tmp_path / "changed.jsonl"))
    assert code == 1
    assert [r.get("repeated") for r in results[:2]] == [True, True]
    assert results[2]["ok"] is False and results[2]["code"] == "COMMAND_ID_REUSED"
    assert results[2]["id"] == json.loads(changed.splitlines()[2])["id"]  # a refused line is told by its id too
    assert recorded(settings) == ["第 0 次更新", "第 1 次更新"]


def test_ids_are_each_actors_own(settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 1, with_ids=True)
    lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    other = {**lines[1], "actor": {**OFFICE, "id": "qy-gsb-2"}, "args": {**lines[1]["args"], "update": "另一人的更新"}}
    (tmp_path / "two.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in [*lines, other]),
                                        encoding="utf-8")
    code, results = zwgk_apply(settings, tmp_path, str(tmp_path / "two.jsonl"))
    assert code == 0 and not any(r.get("repeated") for r in results)
    assert recorded(settings) == ["第 0 次更新", "另一人的更新"]


@pytest.mark.parametrize("batch", [1, 100])
def test_a_killed_apply_resumed_records_each_line_exactly_once(settings: Settings, tmp_path: Path, batch: int):
    """Lines without ids: the file's progress, kept with each line's events, tells where to go on. In batches of
    100 lines a transaction (each line one event), the kill loses the open batch only: whole batches are recorded."""
    updates = 1500 if batch == 1 else 6000
    file = announcement_file(tmp_path / "updates.jsonl", updates, with_ids=False)
    process = subprocess.Popen([str(ZWGK), "apply", "--batch", str(batch), str(file)], cwd=tmp_path, env=environment(settings),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while events(settings) < 100 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = events(settings)
    assert 100 <= killed_at < updates + 1, "killed mid-file"
    assert killed_at % batch == 0

    code, results = zwgk_apply(settings, tmp_path, "--resume", "--batch", str(batch), str(file))
    assert code == 0 and results[-1]["line"] == updates + 1
    assert results[0]["line"] == killed_at + 1  # the lines recorded before the kill were not run again
    assert recorded(settings) == [f"第 {n} 次更新" for n in range(updates)]
    code, results = zwgk_apply(settings, tmp_path, "--resume", str(file))
    assert code == 0 and results == []
    assert events(settings) == updates + 1


def test_a_file_with_ids_applied_again_in_batches_records_nothing_new(settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 50, with_ids=True)
    code, first = zwgk_apply(settings, tmp_path, "--batch", "7", str(file))
    assert code == 0 and [r["ok"] for r in first] == [True] * 51 and not any(r.get("repeated") for r in first)
    assert [r["notification_id"] for r in first] == list(range(1, 52))
    code, again = zwgk_apply(settings, tmp_path, "--batch", "7", str(file))
    assert code == 0 and all(r["ok"] and r["repeated"] for r in again)
    assert [r["notification_id"] for r in again] == [r["notification_id"] for r in first]
    assert events(settings) == 51


def test_resuming_a_file_changed_since_it_was_applied_is_refused(sqlite_settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 3, with_ids=False)
    zwgk_apply(sqlite_settings, tmp_path, str(file))
    file.write_text(file.read_text(encoding="utf-8").replace("第 2 次更新", "改过的更新"), encoding="utf-8")
    done = subprocess.run([str(ZWGK), "apply", "--resume", str(file)], cwd=tmp_path, env=environment(sqlite_settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "RESUME_FILE_CHANGED" in done.stderr and "Traceback" not in done.stderr
    assert recorded(sqlite_settings) == ["第 0 次更新", "第 1 次更新", "第 2 次更新"]


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ZwgkServer]]:
    keystore = settings.database_url if settings.database_url.startswith("postgresql") else f"sqlite:///{tmp_path}/keys.sqlite3"
    settings = replace(settings, keystore_url=keystore)
    server = ZwgkServer.start(settings, tmp_path)
    yield settings, server
    server.stop()


@pytest.mark.parametrize("per_transaction", ["", "?batch=4"])
def test_a_batch_over_http_with_ids_sent_twice_records_once(served, per_transaction: str):
    settings, server = served
    token = token_for(settings, OFFICE["id"], OFFICE["role"], OFFICE["unit"])
    lines = [json.loads(line) for line in announcement_file(Path(server.log).with_name("b.jsonl"), 5, with_ids=True)
             .read_text(encoding="utf-8").splitlines()]
    body = "".join(json.dumps({k: v for k, v in line.items() if k != "actor"}, ensure_ascii=False) + "\n" for line in lines)
    with server.client(token) as http:
        first = [json.loads(line) for line in http.post(f"/api/v1/batch{per_transaction}", content=body.encode()).text.splitlines()]
        again = [json.loads(line) for line in http.post(f"/api/v1/batch{per_transaction}", content=body.encode()).text.splitlines()]
        other = dict(lines[1], args={**lines[1]["args"], "update": "另一条更新"})
        other.pop("actor")
        reused = [json.loads(line) for line in http.post(f"/api/v1/batch{per_transaction}",
                                                         content=json.dumps(other, ensure_ascii=False).encode()).text.splitlines()]
    assert [r["ok"] for r in first] == [True] * 6 and not any(r.get("repeated") for r in first)
    assert all(r["repeated"] for r in again)
    assert [r["notification_id"] for r in again] == [r["notification_id"] for r in first]
    assert reused[0]["code"] == "COMMAND_ID_REUSED"
    assert recorded(settings) == [f"第 {n} 次更新" for n in range(5)]


def test_resuming_a_file_applied_to_its_end_says_there_is_nothing_left(sqlite_settings: Settings, tmp_path: Path):
    file = announcement_file(tmp_path / "updates.jsonl", 2, with_ids=False)
    zwgk_apply(sqlite_settings, tmp_path, str(file))
    done = subprocess.run([str(ZWGK), "apply", "--resume", str(file)], cwd=tmp_path, env=environment(sqlite_settings),
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "") and "已全部执行，没有需要续接的行" in done.stderr
    assert events(sqlite_settings) == 3

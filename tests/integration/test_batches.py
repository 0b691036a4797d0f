"""`zwgk apply --batch N` and the API's `?batch=N` (issue 24): up to N lines recorded in one transaction, each line
with the guarantees it has alone — a refused line records nothing (nor keeps a subject's key) and the others go on,
another writer's conflict is told line by line, a line that cannot wait for the batch runs alone; on SQLite and
PostgreSQL. Crashes and resumed files are in test_command_ids.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.integration.test_subject_keys import key_count
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import apply_commands
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import services
from zwgk.domain.announcements import Announcement
from zwgk.domain.ledger import Batch

OFFICE = {"id": "qy-gsb", "role": "officer", "unit": "清原满族自治县人民政府"}
COMPLAINTS = {"id": "complaints-1", "role": "complaints_office", "unit": "县政务公开办"}


@pytest.fixture
def batch_settings(settings: Settings, tmp_path: Path) -> Settings:
    keystore = settings.database_url if settings.database_url.startswith("postgresql") else f"sqlite:///{tmp_path}/keys.sqlite3"
    return replace(settings, keystore_url=keystore)


@pytest.fixture
def opened(batch_settings: Settings) -> Iterator[Services]:
    with services(batch_settings) as s:
        yield s


def post(announcement: UUID) -> dict[str, Any]:
    return {"command": "post_announcement", "actor": OFFICE,
            "args": {"id": str(announcement), "kind": "emergency", "title": "浑河上游降雨，沿河群众注意避险", "channel": "media"}}


def update(announcement: UUID, text: str, **line: Any) -> dict[str, Any]:
    return {"command": "update_announcement", "actor": OFFICE, "args": {"announcement_id": str(announcement), "update": text},
            **line}


def admit(open_day: UUID, born: str) -> dict[str, Any]:
    return {"command": "admit_open_day_participant", "actor": OFFICE, "occurred_at": "2022-09-30T09:00:00+08:00",
            "args": {"open_day_id": str(open_day), "participant": "示例报名人 示例联系方式", "birth_date": born, "sector": "居民"}}


def applied(s: Services, lines: list[dict[str, Any]], batch: int) -> list[dict[str, Any]]:
    return list(apply_commands(s, enumerate(lines, start=1), False, batch=batch))


def updates(s: Services) -> list[str]:
    return [e.update for e in s.ledger.events_of_type(Announcement.Updated)]


def test_each_line_of_a_batch_is_judged_as_alone(opened: Services, batch_settings: Settings):
    announcement, open_day = uuid4(), uuid4()
    lines = [
        post(announcement),
        update(announcement, "第 1 次更新"),  # sees the post, not yet recorded
        update(uuid4(), "无此告示"),
        {"command": "plan_open_day", "actor": OFFICE, "occurred_at": "2022-09-20T09:00:00+08:00",
         "args": {"id": str(open_day), "theme": "走进政务服务中心", "held_on": "2022-10-14", "places": 3}},
        admit(open_day, "2005-10-15"),  # refused after sealing with a new key (O1): the key is not kept
        admit(open_day, "1975-03-02"),
        post(announcement),  # recorded by the first batch
        update(announcement, "第 2 次更新"),
    ]
    results = applied(opened, lines, batch=4)
    assert [r["ok"] or r["code"] for r in results] == \
           [True, True, "NOT_FOUND", True, "PARTICIPANT_UNDER_18", True, "ALREADY_EXISTS", True]
    assert updates(opened) == ["第 1 次更新", "第 2 次更新"]
    assert key_count(batch_settings.keystore_url) == 1
    recorded = [(n.originator_id, n.originator_version, n.id) for n in opened.ledger.notifications()]
    assert [(UUID(r["aggregate_id"]), r["version"], r["notification_id"]) for r in results if r["ok"]] == recorded


def test_another_writer_first_on_a_record_of_the_batch_has_its_lines_run_again_one_a_transaction(
        opened: Services, batch_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    """The other writer, with the ledger of its own process, records just before the batch would: an update of the
    same announcement, and the very line that carries the id `u-2`, which it applies first."""
    announcement = uuid4()
    execute(opened, post(announcement))
    lines = [update(announcement, "第 1 次更新", id="u-1"), update(announcement, "第 2 次更新", id="u-2"),
             update(announcement, "第 3 次更新", id="u-3")]
    record_batch = opened.ledger.record_batch
    with services(batch_settings) as other:
        def other_writer_first(batch: Batch) -> dict[tuple[UUID, int], int]:
            monkeypatch.setattr(opened.ledger, "record_batch", record_batch)
            execute(other, update(announcement, "另一进程的更新"))
            execute(other, lines[1])
            return record_batch(batch)

        monkeypatch.setattr(opened.ledger, "record_batch", other_writer_first)
        results = applied(opened, lines, batch=10)
    assert [r["ok"] for r in results] == [True, True, True]
    assert [r.get("repeated", False) for r in results] == [False, True, False]
    assert updates(opened) == ["另一进程的更新", "第 2 次更新", "第 1 次更新", "第 3 次更新"]
    assert [r["version"] for r in results] == [4, 3, 5]


def test_a_line_that_reads_the_log_or_forgets_a_key_runs_alone_after_the_lines_before_it(opened: Services,
                                                                                          batch_settings: Settings):
    """An erasure finds the records holding the subject's data by reading the log, and forgets the key after its
    event is recorded: the complaint registered earlier in the batch is recorded first, and named by the erasure."""
    complaint, announcement = uuid4(), uuid4()
    lines = [
        {"command": "register_complaint", "actor": COMPLAINTS,
         "args": {"id": str(complaint), "category": "delay_without_reason", "form": "written", "signed": True,
                  "respondent_unit": "县自然资源局", "complainant_name": "王某某", "complainant_contact": "139xxxx0000",
                  "account": "申请逾期未答复"}},
        post(announcement),
        {"command": "erase_personal_data", "actor": COMPLAINTS,
         "args": {"subject_id": f"complainant-{complaint}", "basis": "consent_withdrawn"}},
        update(announcement, "第 1 次更新"),
    ]
    results = applied(opened, lines, batch=10)
    assert [r["ok"] for r in results] == [True] * 4
    assert [r["notification_id"] for r in results] == [1, 2, 3, 4]
    (erased,) = opened.ledger.erasures()
    assert erased.records == [complaint]
    assert key_count(batch_settings.keystore_url) == 0
    assert updates(opened) == ["第 1 次更新"]


def test_with_stop_on_error_the_lines_before_the_refused_one_are_recorded_and_the_rest_not_run(opened: Services):
    announcement = uuid4()
    lines = [post(announcement), update(announcement, "第 1 次更新"), update(uuid4(), "无此告示"), update(announcement, "不应执行")]
    results = list(apply_commands(opened, enumerate(lines, start=1), True, batch=10))
    assert [r["ok"] for r in results] == [True, True, False]
    assert updates(opened) == ["第 1 次更新"]

"""The event store on SQLite and on a real PostgreSQL: same code, same tests."""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from tests.calendars import BUILTIN_BEFORE_2026, calendar_2026_as_published
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.demo import demo_id, scenario
from zwgk.connectors.services import Services
from zwgk.domain.actors import Actor
from zwgk.domain.catalogue import AdjustmentReason, AmendCatalogueItem, CatalogueItem, ListCatalogueItem
from zwgk.domain.disclosure import (
    Attribute,
    Decision,
    DisclosureAct,
    DraftDisclosure,
    PreReviewDisclosure,
    SheetRole,
    SignOffDisclosure,
    SignReview,
)
from zwgk.domain.errors import ConcurrentModification, DomainError
from zwgk.domain.ledger import Ledger
from zwgk.domain.official_calendar import LoadCalendar

UNIT = "资阳市人民政府办公室"
SCENARIO_EVENTS, SCENARIO_RECORDS = 138, 30
OFFICER = {"id": "zy-officer", "role": "officer", "unit": UNIT}


def run_scenario(services: Services) -> None:
    for step in scenario():
        try:
            execute(services, step.envelope)
        except DomainError as error:
            assert error.code == step.refused_with


def last_position(services: Services) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def command(name: str, actor: dict, **args) -> dict:
    return {"command": name, "actor": actor, "args": args}


def test_invalid_arguments_are_told_in_chinese_field_by_field_and_in_english_for_the_log(services):
    before = last_position(services)
    with pytest.raises(DomainError) as invalid:
        execute(services, command("draft_disclosure", OFFICER, title=5, id="x", bogus=1))
    assert invalid.value.message_zh == "参数无效（id：应为 UUID；title：应为文本；attribute：缺少此项；bogus：不接受此项）"
    assert "title: Input should be a valid string" in invalid.value.message_en
    with pytest.raises(DomainError) as late:
        execute(services, {**command("draft_disclosure", OFFICER, title="某通知", attribute="proactive"), "occurred_at": "昨天"})
    assert late.value.message_zh == "参数无效（occurred_at：应为带时区的 ISO 8601 时间，例如 2022-01-14T09:00:00+08:00）"
    with pytest.raises(DomainError) as unreferenced:
        execute(services, command("amend_catalogue_item", OFFICER, changes={}, reason="other"))
    assert unreferenced.value.message_zh == "参数无效（args：须给出 item_id 或 matter 之一，且只给一个）"
    assert last_position(services) == before


def test_d_workflow_events_share_one_ordered_log(services):
    run_scenario(services)
    report = services.ledger.verify()
    assert report.ok
    assert report.events_checked == last_position(services) == SCENARIO_EVENTS
    assert report.aggregates_checked == SCENARIO_RECORDS
    positions = [n.id for n in services.ledger.notifications()]
    assert positions == sorted(positions)


def test_refused_command_records_nothing(services):
    before = last_position(services)
    with pytest.raises(DomainError) as refused:
        execute(services, command("draft_disclosure", OFFICER, title="某通知", attribute="partial"))
    assert refused.value.code == "ATTRIBUTE_REASON_REQUIRED"
    with pytest.raises(DomainError) as invalid:
        execute(services, command("draft_disclosure", OFFICER, title="某通知"))
    assert invalid.value.code == "INVALID_ARGUMENTS"
    with pytest.raises(DomainError) as unknown:
        execute(services, command("shred_everything", OFFICER))
    assert unknown.value.code == "UNKNOWN_COMMAND"
    with pytest.raises(DomainError) as unknown_first:
        execute(services, {"command": "shred_everything"})  # named before what else the line lacks
    assert unknown_first.value.code == "UNKNOWN_COMMAND"
    assert last_position(services) == before


def test_d4_aggregate_survives_the_store_round_trip(services):
    act_id = uuid4()
    execute(services, command("draft_disclosure", OFFICER, id=str(act_id), title="通知", attribute="proactive"))
    execute(services, command("sign_review", {**OFFICER, "id": "a"}, act_id=str(act_id), sheet_role="compiler"))
    with pytest.raises(DomainError) as refused:
        execute(services, command("sign_review", {**OFFICER, "id": "a"}, act_id=str(act_id), sheet_role="issuer"))
    assert refused.value.code == "SIGNERS_NOT_DISTINCT"
    act = services.ledger.load(DisclosureAct, act_id)
    assert act.signatures == {"compiler": "a"}
    assert act.version == 2


def test_c4_unfiled_adjustments_are_visible(services):
    run_scenario(services)
    unfiled = services.ledger.unfiled()
    assert [(i.elements["matter"], i.unfiled) for i in unfiled] == [("政府信息公开年度报告", [3])]


def test_d3_provisional_deadline_recomputed_by_a_new_event_when_calendar_loads(settings: Settings):
    """As if the calendar package did not cover 2026 yet: provisional, then settled."""
    env = settings.eventsourcing_env()
    ledger = Ledger(env, builtin_years=BUILTIN_BEFORE_2026)
    actor = Actor(**OFFICER)
    leader = Actor("zy-leader", "leader", UNIT)
    act_id = uuid4()
    when = datetime.fromisoformat("2026-09-30T09:00:00+08:00")
    ledger.execute(DraftDisclosure(id=act_id, title="国庆前签发的通知", attribute=Attribute.PROACTIVE), actor, when)
    for role, person in (("compiler", "a"), ("issuer", "b"), ("publisher", "c")):
        ledger.execute(SignReview(act_id=act_id, sheet_role=SheetRole(role)), Actor(person, "officer", UNIT), when)
    ledger.execute(PreReviewDisclosure(act_id=act_id, decision=Decision.APPROVED), Actor("p", "pre_reviewer", "预审小组"), when)
    ledger.execute(SignOffDisclosure(act_id=act_id), leader, when)
    provisional = ledger.load(DisclosureAct, act_id).deadline
    assert provisional.provisional and provisional.due == date(2026, 10, 8)  # 10-01, 10-02 and 10-05 (for Saturday 10-03) off

    services = Services(ledger=ledger, originals=lambda: pytest.fail("no original moves here"))
    outcomes = execute(
        services,
        {"command": "load_calendar", "actor": {"id": "office", "role": "leading_group_office", "unit": "领导小组办公室"},
         "args": calendar_2026_as_published()},
    )
    assert len(outcomes) == 2  # the calendar year, and one recomputed deadline
    act = ledger.load(DisclosureAct, act_id)
    assert not act.deadline.provisional
    assert act.deadline.due == date(2026, 10, 10)  # National Day off, Saturday 10-10 worked
    history = [n.topic.rsplit(".", 1)[-1] for n in ledger.notifications() if n.originator_id == act_id]
    assert history[-2:] == ["SignedOff", "PublicationDeadlineRecomputed"]
    with pytest.raises(DomainError) as unchanged:
        ledger.execute(LoadCalendar(**calendar_2026_as_published()), actor)
    assert unchanged.value.code == "CALENDAR_UNCHANGED"
    ledger.close()


# --- tamper evidence -------------------------------------------------------------------------


def _flip_digit_after(data: bytes, marker: bytes, followed_by: bytes = b"") -> bytes:
    """Change one stored byte: the digit right after a marker that only one event holds."""
    found = [m.start(1) for m in re.finditer(re.escape(marker) + rb"(\d)" + re.escape(followed_by), data)]
    assert len(found) == 1, "the marker must identify one stored event"
    at = found[0]
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_audit_verify_locates_a_byte_edited_in_the_sqlite_file(sqlite_settings: Settings):
    from zwgk.connectors.wiring import open_services

    services = open_services(sqlite_settings)
    run_scenario(services)
    services.close()
    path = Path(sqlite_settings.eventsourcing_env()["SQLITE_DBNAME"])
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path.write_bytes(_flip_digit_after(path.read_bytes(), "资府办发〔2020〕3".encode(), '号","doc_type"'.encode()))

    services = open_services(sqlite_settings)
    report = services.ledger.verify()
    assert not report.ok
    assert report.first_break.originator_id == str(demo_id("disclosure", "ziyang-2020-31.txt"))
    assert report.first_break.originator_version == 1
    assert "altered" in report.first_break.reason
    services.close()


def test_an_inspector_checks_each_stored_event_with_the_standard_library_as_docs_audit_says(sqlite_settings: Settings,
                                                                                              monkeypatch: pytest.MonkeyPatch):
    """docs/audit.md §1's own example, run on a store: every hash and every canonical form checked from the bytes."""
    from zwgk.connectors.wiring import open_services

    services = open_services(sqlite_settings)
    run_scenario(services)
    services.close()
    path = Path(sqlite_settings.eventsourcing_env()["SQLITE_DBNAME"])
    monkeypatch.chdir(path.parent)
    (path.parent / "var").mkdir()
    (path.parent / "var" / "zwgk.sqlite3").symlink_to(path)
    section = (Path(__file__).parents[2] / "docs" / "audit.md").read_text(encoding="utf-8").split("## 2.")[0]
    example = re.search(r"```python\n(.*?)```", section, re.S)
    assert example is not None
    checked = {"count": 0}
    exec(compile(example.group(1).replace("    assert canonical", "    checked['count'] += 1\n    assert canonical"),
                 "docs/audit.md", "exec"), {"checked": checked})
    with sqlite3.connect(path) as conn:
        assert checked["count"] == conn.execute("SELECT count(*) FROM stored_events").fetchone()[0] > 20


@pytest.mark.postgres
def test_audit_verify_locates_a_byte_edited_in_the_postgres_table(postgres_settings: Settings):
    from zwgk.connectors.wiring import open_services

    services = open_services(postgres_settings)
    run_scenario(services)
    target = list(services.ledger.notifications())[30]
    with psycopg.connect(postgres_settings.database_url, autocommit=True) as conn:
        state = conn.execute(
            "SELECT state FROM zwgk_events WHERE notification_id = %s", (target.id,)
        ).fetchone()[0]
        edited = _flip_digit_after(bytes(state), b'"occurred_at":"')
        conn.execute("UPDATE zwgk_events SET state = %s WHERE notification_id = %s", (edited, target.id))
    report = services.ledger.verify()
    assert not report.ok
    assert (report.first_break.originator_id, report.first_break.originator_version) == (
        str(target.originator_id), target.originator_version,
    )
    services.close()


def test_audit_verify_finds_a_removed_event(services, settings: Settings):
    run_scenario(services)
    target = list(services.ledger.notifications())[20]
    assert target.originator_version > 1
    if settings.database_url.startswith("sqlite"):
        with sqlite3.connect(settings.eventsourcing_env()["SQLITE_DBNAME"]) as conn:
            conn.execute("DELETE FROM stored_events WHERE rowid = ?", (target.id,))
    else:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM zwgk_events WHERE notification_id = %s", (target.id,))
    report = services.ledger.verify()
    assert not report.ok
    assert report.first_break.originator_id == str(target.originator_id)
    assert report.first_break.originator_version == target.originator_version + 1
    assert "missing" in report.first_break.reason


# --- optimistic concurrency ------------------------------------------------------------------


@pytest.mark.postgres
def test_two_writers_on_one_record_exactly_one_wins(postgres_settings: Settings):
    env = postgres_settings.eventsourcing_env()
    writers = [Ledger(env), Ledger(env)]
    act_id = uuid4()
    writers[0].execute(DraftDisclosure(id=act_id, title="并发测试", attribute=Attribute.PROACTIVE), Actor(**OFFICER))
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def sign(app: Ledger, role: str, person: str) -> None:
        act = app.load(DisclosureAct, act_id)
        barrier.wait()
        act.sign_review(actor=Actor(person, "officer", UNIT), occurred_at=None, sheet_role=role)
        try:
            results[role] = app.record(act)
        except DomainError as error:
            results[role] = error

    threads = [
        threading.Thread(target=sign, args=(writers[0], "compiler", "a")),
        threading.Thread(target=sign, args=(writers[1], "issuer", "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conflicts = [r for r in results.values() if isinstance(r, ConcurrentModification)]
    assert len(conflicts) == 1 and conflicts[0].code == "CONCURRENT_MODIFICATION"
    act = writers[0].load(DisclosureAct, act_id)
    assert act.version == 2 and len(act.signatures) == 1
    for w in writers:
        w.close()


def test_a_writer_sees_what_another_recorded_since_its_own_last_command(settings: Settings):
    """Each writer keeps what it recorded in its cache; its next command still starts from the store's
    latest version, whoever wrote it (two applications stand for two processes)."""
    env = settings.eventsourcing_env()
    first, second = Ledger(env), Ledger(env)
    act_id = uuid4()
    first.execute(DraftDisclosure(id=act_id, title="两处写入", attribute=Attribute.PROACTIVE), Actor(**OFFICER))
    first.execute(SignReview(act_id=act_id, sheet_role=SheetRole.COMPILER), Actor("a", "officer", UNIT))
    second.execute(SignReview(act_id=act_id, sheet_role=SheetRole.ISSUER), Actor("b", "officer", UNIT))
    (outcome,) = first.execute(SignReview(act_id=act_id, sheet_role=SheetRole.PUBLISHER), Actor("c", "officer", UNIT))
    assert outcome.version == 4
    for app in (first, second):
        assert sorted(app.load(DisclosureAct, act_id).signatures) == ["compiler", "issuer", "publisher"]
        app.close()


@pytest.mark.postgres
def test_concurrent_commands_never_lose_an_update(postgres_settings: Settings):
    """Many threads amend one item; every success is in the history, every loss is reported."""
    env = postgres_settings.eventsourcing_env()
    apps = [Ledger(env) for _ in range(4)]
    unit = "并发区政府办公室"
    actor = Actor("o", "officer", unit)
    elements = {
        "matter": "并发事项", "content": "内容", "update_limit": "实时", "responsible_unit": unit,
        "support_unit": unit, "channels": ["政府网站"], "column": "栏目", "legal_basis": "依据",
        "audience": "全社会", "mode": "proactive",
    }
    (outcome,) = apps[0].execute(ListCatalogueItem(elements=elements, reason=AdjustmentReason.LAW_CHANGED), actor)
    successes, conflicts = [], []
    lock = threading.Lock()

    def amend(app: Ledger, worker: int) -> None:
        for n in range(10):
            try:
                (result,) = app.execute(AmendCatalogueItem(item_id=outcome.aggregate_id, changes={"content": f"内容 {worker}-{n}"},
                                                           reason=AdjustmentReason.ELEMENT_CHANGED), actor)
            except ConcurrentModification:
                with lock:
                    conflicts.append((worker, n))
            else:
                with lock:
                    successes.append(result)

    threads = [threading.Thread(target=amend, args=(app, i)) for i, app in enumerate(apps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    item = apps[0].load(CatalogueItem, outcome.aggregate_id)
    assert item.version == 1 + len(successes)
    assert len(successes) + len(conflicts) == 40
    assert sorted(o.version for o in successes) == list(range(2, 2 + len(successes)))
    for app in apps:
        app.close()


def test_c2_snapshots_speed_up_replay_and_agree_with_the_events(services):
    """A long-lived item replays from its nearest snapshot; the state equals a fold of its events alone."""
    unit = "资阳市人民政府办公室"
    officer = Actor("zy-officer", "officer", unit)
    elements = {"matter": "长历史事项", "content": "c", "update_limit": "实时", "responsible_unit": unit, "support_unit": unit,
                "channels": ["政府网站"], "column": "栏目", "legal_basis": "依据", "audience": "全社会", "mode": "proactive"}
    item = services.ledger.execute(ListCatalogueItem(elements=elements, reason=AdjustmentReason.LAW_CHANGED), officer)[0].aggregate_id
    for i in range(249):
        services.ledger.execute(AmendCatalogueItem(item_id=item, changes={"content": f"内容 {i}"}, reason="element_changed"), officer, None)
    snapshots = list(services.ledger.snapshots.get(item))
    assert [s.originator_version for s in snapshots] == [100, 200]
    for version in (99, 100, 150, 250):
        replayed = services.ledger.repository.get(item, version=version)
        folded = None
        for event in services.ledger.events.get(item, lte=version):
            folded = event.mutate(folded)
        assert replayed.version == folded.version == version
        assert {k: v for k, v in vars(replayed).items() if k != "_pending_events"} == {
            k: v for k, v in vars(folded).items() if k != "_pending_events"}
    assert services.ledger.verify().ok

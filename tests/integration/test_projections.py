"""Views built from the event log: equal however they were built (incrementally, from zero,
after a crash, from Kafka), and answering the questions inspectors ask."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.calendars import BUILTIN_BEFORE_2026, calendar_2026_as_published
from tests.integration.test_ledger import SCENARIO_EVENTS, run_scenario
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.demo import scenario
from zwgk.connectors.wiring import catch_up, open_services, views
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.disclosure import DisclosureAct, DraftDisclosure, PreReviewDisclosure, PublishDisclosure, SignOffDisclosure, SignReview
from zwgk.domain.emergencies import ReportEmergency
from zwgk.domain.errors import DomainError
from zwgk.domain.meetings import HoldMeeting, InviteRepresentatives
from zwgk.domain.requests import EndConsultation, ReceiveRequest, RequestCompletion, StartConsultation
from zwgk.projections.catalogue import catalogue_as_of
from zwgk.projections.deadlines import deadlines
from zwgk.projections.events import Handlers, ProjectedEvent
from zwgk.projections.projection import Projection
from zwgk.projections.runner import ProjectionRunner
from zwgk.projections.store import ViewStore
from zwgk.projections.timeline import timeline, version_as_of

VIEWS = ["catalogue", "register", "deadlines", "timeline", "participation", "assessments"]


def exports(runner: ProjectionRunner) -> dict[str, bytes]:
    return {name: runner.export(name) for name in VIEWS}


def test_rebuilt_views_equal_incrementally_built_ones_byte_for_byte(settings: Settings):
    services = open_services(settings)
    with views(settings) as runner:
        for step in scenario():
            try:
                execute(services, step.envelope)
            except DomainError:
                pass
            catch_up(services, runner)  # one event at a time
        incremental = exports(runner)
        runner.clear()
        assert catch_up(services, runner) == SCENARIO_EVENTS
        assert exports(runner) == incremental
        assert json.loads(incremental["timeline"])["timeline_events"][0]["position"] == 1
    services.close()


def test_projection_killed_mid_batch_equals_a_clean_rebuild(tmp_path: Path, sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    run_scenario(services)
    actor = Actor("o", "officer", "批量单位")
    for i in range(6000):
        services.ledger.execute(DraftDisclosure(title=f"批量文件 {i}", attribute="proactive"), actor, None)
    env = {**os.environ, "ZWGK_DATABASE_URL": sqlite_settings.database_url,
           "ZWGK_VIEWS_DATABASE_URL": f"sqlite:///{tmp_path}/views.sqlite3"}
    command = [sys.executable, "-c", "from zwgk.connectors.cli import main; main()", "projections", "run"]
    for pause in (0.9, 1.1, 1.3):
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(pause)
        process.send_signal(signal.SIGKILL)
        process.wait()
    subprocess.run([*command, "--once"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    crashed = ProjectionRunner(ViewStore(env["ZWGK_VIEWS_DATABASE_URL"]))
    clean = ProjectionRunner(ViewStore(f"sqlite:///{tmp_path}/clean.sqlite3"))
    catch_up(services, clean)
    head = services.ledger.recorder.max_notification_id()
    assert head == SCENARIO_EVENTS + 6000 + 1  # the E4 policy opened its case during the runs
    assert set(crashed.positions().values()) == {head}
    assert exports(crashed) == exports(clean)
    services.close()


@pytest.mark.postgres
def test_projections_follow_postgresql_by_its_pushed_notifications(tmp_path: Path, postgres_settings: Settings):
    """On PostgreSQL the running views are pushed new events by the library's subscription (LISTEN/NOTIFY)."""
    services = open_services(postgres_settings)
    views_url = f"sqlite:///{tmp_path}/views.sqlite3"
    env = {**os.environ, "ZWGK_DATABASE_URL": postgres_settings.database_url, "ZWGK_VIEWS_DATABASE_URL": views_url}
    process = subprocess.Popen([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", "projections", "run"],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        officer = Actor("zy-officer", "officer", "资阳市人民政府办公室")
        written = [services.ledger.execute(DraftDisclosure(title=f"推送的文件 {i}", attribute="proactive"), officer, None)[0]
                   for i in range(3)]
        store = ViewStore(views_url)
        deadline = time.monotonic() + 60
        while ProjectionRunner(store).positions()["timeline"] < written[-1].notification_id:
            assert time.monotonic() < deadline, "the running views never saw the new events"
            time.sleep(0.1)
        with store.transaction() as tx:
            assert [r["event_type"] for r in timeline(tx, unit="资阳市人民政府办公室")] == ["DisclosureAct.Drafted"] * 3
        store.close()
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "LISTEN/NOTIFY" in errors
    services.close()


@pytest.mark.kafka
def test_views_from_kafka_equal_views_from_the_store(tmp_path: Path, seaweed):
    from uuid import uuid4

    from tests.integration.test_kafka import relay_everything
    from tests.servers import TansuBroker
    from zwgk.connectors.avro_codec import AvroCodec
    from zwgk.connectors.consumer import projection_batches
    from zwgk.connectors.contract import topics
    from zwgk.connectors.relay import init_topics

    broker = TansuBroker.start(seaweed, bucket=f"tansu-{uuid4().hex[:12]}")
    try:
        init_topics(broker.bootstrap)
        settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", kafka_bootstrap_servers=broker.bootstrap)
        services = open_services(settings)
        run_scenario(services)
        relay_everything(settings, services)
        from_store = ProjectionRunner(ViewStore(f"sqlite:///{tmp_path}/store-views.sqlite3"))
        catch_up(services, from_store)
        from_kafka = ProjectionRunner(ViewStore(f"sqlite:///{tmp_path}/kafka-views.sqlite3"))
        internal = [t for t in topics() if ".internal." in t]
        for batch in projection_batches(broker.bootstrap, internal, from_kafka.kafka_offsets(), AvroCodec()):
            from_kafka.fold_from_kafka(batch)
        assert exports(from_kafka) == exports(from_store)
        # Resuming reads nothing twice: the offsets were stored with the rows.
        assert sum(len(b) for b in projection_batches(broker.bootstrap, internal, from_kafka.kafka_offsets(), AvroCodec())) == 0
        services.close()
    finally:
        broker.stop()


def test_c4_catalogue_now_and_as_of_an_instant_with_filing_status(demo_views):
    _, runner = demo_views
    with runner.store.transaction() as tx:
        now = catalogue_as_of(tx)
        before_amendment = catalogue_as_of(tx, datetime(2022, 1, 10, tzinfo=CST))
        before_listing = catalogue_as_of(tx, datetime(2022, 1, 3, tzinfo=CST))
    report = next(i for i in now if i["elements"]["matter"] == "政府信息公开年度报告")
    assert report["elements"]["update_limit"] == "每年1月31日前（新条例）"
    assert [h["filed_at"] is None for h in report["history"]] == [False, True]  # the amendment is unfiled (C4)
    earlier = next(i for i in before_amendment if i["elements"]["matter"] == "政府信息公开年度报告")
    assert earlier["elements"]["update_limit"] == "每年1月31日前"
    channels = next(i for i in before_amendment if i["elements"]["matter"] == "政务公开事项清单动态调整")["elements"]["channels"]
    assert channels == ["政府网站", "政务新媒体"]
    assert before_listing == [] and len(now) == 6


def test_d3_deadlines_view_shows_met_breached_and_open_with_working_days_left(demo_views):
    services, runner = demo_views
    leader = Actor("zy-leader", "leader", "资阳市人民政府办公室")
    officer = Actor("zy-officer", "officer", "资阳市人民政府办公室")
    act = services.ledger.execute(DraftDisclosure(title="待公开的通知", attribute="proactive"), officer, None)[0].aggregate_id
    for role, person in (("compiler", "a"), ("issuer", "b"), ("publisher", "c")):
        services.ledger.execute(SignReview(act_id=act, sheet_role=role), Actor(person, "officer", "资阳市人民政府办公室"), None)
    services.ledger.execute(PreReviewDisclosure(act_id=act, decision="approved"), Actor("p", "pre_reviewer", "预审小组"), None)
    services.ledger.execute(SignOffDisclosure(act_id=act), leader, None)
    catch_up(services, runner)
    today = datetime.now(CST).date()
    with runner.store.transaction() as tx:
        rows = [d for d in deadlines(tx, WorkingDayCalendar(), today) if d["rule"] == "D3"]
        overdue = [d for d in deadlines(tx, WorkingDayCalendar(), today, overdue=True) if d["rule"] == "D3"]
        later = deadlines(tx, WorkingDayCalendar(), today + timedelta(days=30), overdue=True)
        replies = [d["status"] for d in deadlines(tx, WorkingDayCalendar(), today) if d["rule"] == "A1"]
        consultations = [(d["subject"], d["due"], d["status"]) for d in deadlines(tx, WorkingDayCalendar(), today) if d["rule"] == "A5"]
    statuses = sorted(r["status"] for r in rows)
    assert statuses == ["breached", "met", "met", "met", "met", "met", "met", "open"]  # five seeds, two interpretations
    open_one = next(r for r in rows if r["status"] == "open")
    assert open_one["working_days_left"] == WorkingDayCalendar().working_days_between(today, date.fromisoformat(open_one["due"]))
    assert [r["subject"] for r in overdue] == ["关于印发《资阳市全面推进政务公开工作的实施意见》的通知"]
    assert "待公开的通知" in [r["subject"] for r in later]  # once its due date has passed
    assert sorted(replies) == ["breached", "met"]  # A1: the consultation moved the due date, still late
    assert consultations == [("政府信息公开申请（征求意见：第三方：被征收企业）", "2022-03-24", "met")]  # A5: 15 working days
    with runner.store.transaction() as tx:
        rectification = [d for d in deadlines(tx, WorkingDayCalendar(), today) if d["rule"] == "E4"]
    assert [(d["unit"], d["due"], d["status"]) for d in rectification] == [("达州市人民政府办公室", "2023-03-31", "breached")]


def test_n2_deadlines_run_in_hours_from_the_emergency_and_are_overdue_by_the_hour(demo_views):
    services, runner = demo_views
    office = Actor("zy-xwb", "officer", "资阳市人民政府新闻办公室")
    happened = datetime(2026, 7, 1, 9, 0, tzinfo=CST)
    services.ledger.execute(ReportEmergency(title="某地山体滑坡", happened_at=happened), office, None)
    catch_up(services, runner)
    today = happened.date()
    with runner.store.transaction() as tx:
        demo = sorted((d["subject"], d["due"], d["status"]) for d in deadlines(tx, WorkingDayCalendar(), today)
                      if d["rule"] == "N2" and d["subject"].startswith("资阳市强降雨"))
        late_by = {hours: [d["subject"]
                           for d in deadlines(tx, WorkingDayCalendar(), today, overdue=True, now=happened + timedelta(hours=hours))
                           if d["subject"].startswith("某地山体滑坡")] for hours in (4, 6, 25)}
    assert demo == [("资阳市强降雨洪涝灾害（新闻发布会）", "2020-08-19T14:00+08:00", "breached"),
                    ("资阳市强降雨洪涝灾害（权威信息发布）", "2020-08-18T19:00+08:00", "met")]
    assert late_by == {4: [], 6: ["某地山体滑坡（权威信息发布）"], 25: ["某地山体滑坡（权威信息发布）", "某地山体滑坡（新闻发布会）"]}
    with runner.store.transaction() as tx:
        left = {d["subject"]: (d["hours_left"], d["working_days_left"]) for d in
                deadlines(tx, WorkingDayCalendar(), today, now=happened + timedelta(hours=6)) if d["subject"].startswith("某地山体滑坡")}
    assert left == {"某地山体滑坡（权威信息发布）": (-1.0, None), "某地山体滑坡（新闻发布会）": (18.0, None)}


def test_a5_a_consultation_kept_open_past_its_15_working_days_is_a_breach(demo_views):
    from zwgk.projections.violations import violations

    services, runner = demo_views
    office = Actor("yanjiang-ysq", "officer", "资阳市雁江区人民政府办公室")
    at = lambda day: datetime.fromisoformat(f"{day}T10:00:00+08:00")  # noqa: E731
    received = ReceiveRequest(channel="post", received_on=date(2024, 3, 1), applicant_kind="natural_person", applicant="示例申请人",
                              request="某项目审批材料")
    request = services.ledger.execute(received, office, at("2024-03-01"))[0].aggregate_id
    services.ledger.execute(StartConsultation(request_id=request, consulted="第三方：某公司"), office, at("2024-03-04"))
    services.ledger.execute(EndConsultation(request_id=request), office, at("2024-04-01"))[0]  # 15 working days ran out on 2024-03-25
    catch_up(services, runner)
    with runner.store.transaction() as tx:
        rows = [(d["due"], d["status"]) for d in deadlines(tx, WorkingDayCalendar(), date(2024, 4, 2))
                if d["rule"] == "A5" and d["source_id"] == str(request)]
        found = [v["kind"] for v in violations(tx, WorkingDayCalendar(), date(2024, 4, 2), rule="A5") if v["record_id"] == str(request)]
    assert rows == [("2024-03-25", "breached")] and found == ["breached"]


def test_a1_m1_d9_loading_the_official_calendar_settles_provisional_deadlines_in_the_views(demo_views):
    """As if the calendar package did not cover 2026: an application, a meeting and a policy across National
    Day get provisional deadlines (weekdays less the statutory holidays 10-01, 10-02 and 10-05 for the Saturday
    10-03); loading the official 2026 calendar records an event for
    each still running (not for the policy's publication, done already) and the deadlines, requests and
    register views move them, while the demo's deadlines stay as they were."""
    services, runner = demo_views
    services.ledger.builtin_years = BUILTIN_BEFORE_2026
    office = Actor("yanjiang-ysq", "officer", "资阳市雁江区人民政府办公室")
    at = lambda day, hour=10: datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")  # noqa: E731
    request = services.ledger.execute(ReceiveRequest(channel="post", received_on=date(2026, 9, 28), applicant_kind="natural_person",
                                                     applicant="示例申请人", request="某材料"), office, at("2026-09-28"))[0].aggregate_id
    meeting = services.ledger.execute(InviteRepresentatives(kind="executive", title="区政府常务会议", meeting_on=date(2026, 9, 29),
                                                            invited={"公众代表": 2}), office, at("2026-09-21"))[0].aggregate_id
    services.ledger.execute(HoldMeeting(meeting_id=meeting, attended=2, opinions=0, opinions_summary=""), office, at("2026-09-29", 15))
    policy = services.ledger.execute(DraftDisclosure(title="关于印发实施办法的通知", attribute="proactive", kind="policy"), office,
                                     at("2026-09-21"))[0].aggregate_id
    for role in ("compiler", "issuer", "publisher"):
        services.ledger.execute(SignReview(act_id=policy, sheet_role=role), Actor(f"yj-{role}", "officer", office.unit), at("2026-09-22"))
    services.ledger.execute(PreReviewDisclosure(act_id=policy, decision="approved"), Actor("yj-pre", "pre_reviewer", "预审小组"),
                            at("2026-09-23"))
    services.ledger.execute(SignOffDisclosure(act_id=policy), Actor("yj-leader", "leader", office.unit), at("2026-09-29"))
    services.ledger.execute(PublishDisclosure(act_id=policy, channel="website"), office, at("2026-09-30"))
    ours_ids = (str(request), str(meeting), str(policy))
    catch_up(services, runner)

    def due_dates() -> tuple[dict[str, tuple[str, int]], list[dict]]:
        """Ours by rule, and the demo's."""
        with runner.store.transaction() as tx:
            every = deadlines(tx, WorkingDayCalendar(), date(2026, 9, 30))
        ours = {d["rule"]: (d["due"], d["provisional"]) for d in every if d["source_id"] in ours_ids}
        return ours, [d for d in every if d["source_id"] not in ours_ids]

    before, demo_deadlines = due_dates()
    assert before == {"A1": ("2026-10-29", 1), "M1": ("2026-10-07", 1), "D3": ("2026-10-07", 1), "D9": ("2026-10-08", 1)}
    loaded = execute(services, {"command": "load_calendar", "occurred_at": "2026-09-30T09:00:00+08:00",
                                "actor": {"id": "office", "role": "leading_group_office", "unit": "领导小组办公室"},
                                "args": calendar_2026_as_published()})
    assert len(loaded) == 4  # the calendar year, the reply, feedback and interpretation deadlines
    catch_up(services, runner)
    settled = {"A1": ("2026-10-30", 0), "M1": ("2026-10-09", 0), "D3": ("2026-10-07", 1), "D9": ("2026-10-10", 0)}
    assert due_dates() == (settled, demo_deadlines)
    with runner.store.transaction() as tx:
        assert tx.one("SELECT due FROM information_requests WHERE request_id = ?", (str(request),)) == ("2026-10-30",)
        assert tx.one("SELECT interpretation_due FROM disclosure_register WHERE act_id = ?", (str(policy),)) == ("2026-10-10",)
    assert execute(services, {"command": "recompute_deadlines", "args": {},
                              "actor": {"id": "office", "role": "leading_group_office", "unit": "领导小组办公室"}}) == []


def test_a4_a_notice_to_complete_sent_after_7_working_days_is_in_the_violation_report(demo_views):
    from zwgk.projections.violations import violations

    services, runner = demo_views
    office = Actor("yanjiang-ysq", "officer", "资阳市雁江区人民政府办公室")
    at = lambda day: datetime.fromisoformat(f"{day}T10:00:00+08:00")  # noqa: E731
    requests = []
    # Received 2024-04-30: 7 working days over 劳动节 (11 May a make-up working day) end on 2024-05-13.
    for sent in ("2024-05-09", "2024-05-14"):
        received = ReceiveRequest(channel="post", received_on=date(2024, 4, 30), applicant_kind="natural_person", applicant="示例申请人",
                                  request="某材料")
        request = services.ledger.execute(received, office, at("2024-04-30"))[0].aggregate_id
        services.ledger.execute(RequestCompletion(request_id=request, items="请写明所需信息的名称", completion_due=date(2024, 6, 14)),
                                office, at(sent))
        requests.append(str(request))
    catch_up(services, runner)
    with runner.store.transaction() as tx:
        found = [(v["record_id"], v["on"]) for v in violations(tx, WorkingDayCalendar(), date(2024, 6, 1), rule="A4")]
    assert found == [(requests[1], "2024-05-14")]


def test_d10_yearly_rechecks_of_a_withheld_document_in_the_register_and_the_violation_report(demo_views):
    from zwgk.connectors.demo import WITHHELD_ID
    from zwgk.projections.violations import violations

    services, runner = demo_views
    office = {"id": "dz-officer", "role": "officer", "unit": "达州市人民政府办公室"}
    for year, day in ((2023, "2023-12-04"), (2024, "2024-11-12")):  # the first a week late
        execute(services, {"command": "recheck_withholding", "actor": office, "occurred_at": f"{day}T10:00:00+08:00",
                           "args": {"act_id": str(WITHHELD_ID), "year": year, "still_withheld": True}})
    catch_up(services, runner)
    with runner.store.transaction() as tx:
        found = [(v["kind"], v["on"], v["detail"]) for v in violations(tx, WorkingDayCalendar(), date(2025, 12, 1), rule="D10")]
    rechecks = json.loads(runner.export("register"))
    assert found == [("breached", "2023-12-04", "不予公开文件未在当年11月复核（D10）"),  # fully in Chinese
                     ("missing", "2025-11-30", "不予公开文件未按年复核：2009—2022、2025 年（D10）")]
    act = next(r for r in rechecks["disclosure_register"] if r["act_id"] == str(WITHHELD_ID))
    assert {year: r["d10_outcome"] for year, r in json.loads(act["rechecks"]).items()} == {"2023": "breached", "2024": "met"}


def test_e2_quarterly_and_annual_evaluations_published_in_time_or_flagged(demo_views):
    from zwgk.connectors.demo import CRITERIA
    from zwgk.projections.violations import violations

    services, runner = demo_views
    unit = "资阳市雁江区人民政府办公室"
    gov = {"id": "gov-assessor", "role": "government_office", "unit": "市政府办公室"}
    leading = {"id": "zy-lg-1", "role": "leading_group_office", "unit": "资阳市政务公开领导小组办公室"}
    period = {"unit": unit, "period": "2022-Q1"}
    for actor, command, day, args in (
        ({"id": "yanjiang-officer", "role": "officer", "unit": unit}, "self_assess", "2022-04-08",
         {"period": "2022-Q1", "self_score": "90", "report": "一季度自查"}),
        (gov, "assess_unit", "2022-06-20", {**period, "scores": {c: "10" for c in CRITERIA}, "opinion": "季度考核"}),
        (leading, "approve_grade", "2022-07-01", period),
        (leading, "publish_assessment", "2022-07-15", period),  # the first quarter's due by 30 June
    ):
        execute(services, {"command": command, "actor": actor, "occurred_at": f"{day}T10:00:00+08:00", "args": args})
    catch_up(services, runner)
    calendar, today = WorkingDayCalendar(), date(2023, 6, 1)
    with runner.store.transaction() as tx:
        found = [(v["unit"], v["kind"], v["on"], v["detail"]) for v in violations(tx, calendar, today, rule="E2", unit=unit)]
        by_prefix = violations(tx, calendar, today, rule="E2", unit="资阳市雁江区")
    missing = lambda q, due: (unit, "missing", due, f"2022年第{q}季度考核结果逾期未公布：应于{due}前公布，至今未公布，"  # noqa: E731
                                                    f"已逾期{calendar.working_days_between(date.fromisoformat(due), today)}个工作日（E2）")
    assert found == [
        (unit, "breached", "2022-06-30", "2022年第1季度考核结果逾期公布：应于2022-06-30前公布，实际2022-07-15公布，逾期11个工作日（E2）"),
        missing(2, "2022-09-30"), missing(3, "2022-12-31"), missing(4, "2023-03-31"),
    ]  # each with the unit assessed; the year 2022's, published on 30 January 2023, was in time
    assert [v["detail"] for v in by_prefix] == [f[3] for f in found]  # --unit: the start of a unit's name
    assert (by_prefix[0]["due"], by_prefix[0]["actual"], by_prefix[0]["late_working_days"]) == ("2022-06-30", "2022-07-15", 11)
    assert by_prefix[0]["record_id"] and not by_prefix[1]["record_id"]  # the first quarter's assessment; the second never assessed


def test_audit_timeline_by_record_unit_and_person_and_replay_as_of(demo_views):
    services, runner = demo_views
    from zwgk.connectors.demo import demo_id

    act = str(demo_id("disclosure", "ziyang-2020-31.txt"))
    with runner.store.transaction() as tx:
        history = timeline(tx, aggregate=act)
        by_unit = timeline(tx, unit="资阳市人民政府办公室", start=datetime(2020, 7, 10, tzinfo=CST), end=datetime(2020, 7, 31, tzinfo=CST))
        by_person = timeline(tx, actor="ziyang-leader")
        version = version_as_of(tx, act, datetime(2020, 7, 12, tzinfo=CST))
    assert [e["event_type"] for e in history] == [
        "DisclosureAct.Drafted", "DisclosureAct.ReviewSigned", "DisclosureAct.ReviewSigned", "DisclosureAct.ReviewSigned",
        "DisclosureAct.PreReviewed", "DisclosureAct.SignedOff", "DisclosureAct.Published", "DisclosureAct.Interpreted",
    ]
    assert history[-2]["rule_outcomes"] == {"D3": "breached"}  # an object, not JSON in a string
    assert history[-1]["rule_outcomes"] == {"D9": "met"}
    assert [e["event_type"] for e in by_unit if e["aggregate_id"] == act] == [
        "DisclosureAct.SignedOff", "DisclosureAct.Published", "DisclosureAct.Interpreted"]
    interpretation = str(demo_id("interpretation", "ziyang-2020-31.txt"))
    assert [e["event_type"] for e in by_unit if e["aggregate_id"] == interpretation][-1] == "DisclosureAct.Published"
    assert {e["aggregate_id"] for e in by_unit} == {act, interpretation}  # the July meeting fed back on 07-08
    assert [e["event_type"] for e in by_person] == ["DisclosureAct.SignedOff", "DisclosureAct.SignedOff"]  # policy, interpretation
    state = services.ledger.repository.get(__import__("uuid").UUID(act), version=version)
    assert state.signed_off and not state.publications  # signed on 07-10, published only on 07-20


def test_read_your_writes_waits_for_the_position_a_command_returned(tmp_path: Path):
    def zwgk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    line = {"command": "draft_disclosure", "actor": {"id": "o", "role": "officer", "unit": "某单位"},
            "args": {"title": "刚写入的文件", "attribute": "proactive"}}
    (tmp_path / "one.jsonl").write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    position = json.loads(zwgk("apply", "one.jsonl").stdout)["notification_id"]
    timeline_rows = json.loads(zwgk("audit", "timeline", "--unit", "某单位", "--at-least", str(position), "--format", "json").stdout)
    assert [r["position"] for r in timeline_rows] == [position]
    status = {r["view"]: r for r in json.loads(zwgk("projections", "status", "--format", "json").stdout)}
    assert all(r["lag"] == 0 for r in status.values())
    assert zwgk("projections", "rebuild", "timeline").returncode == 0
    assert zwgk("projections", "export", "timeline", "-o", "t.json").returncode == 0
    assert json.loads((tmp_path / "t.json").read_text())["timeline_events"][0]["event_type"] == "DisclosureAct.Drafted"


def test_assessment_indicators_count_d3_c4_d8_from_the_views(demo_views):
    from zwgk.projections.assessment import indicators, ranking

    _, runner = demo_views
    with runner.store.transaction() as tx:
        year_2020 = indicators(tx, 2020)
        quarters_2022 = ranking(indicators(tx, 2022, quarterly=True))
    ziyang = year_2020[0].as_dict()
    # the policy late, its interpretation on time
    assert (ziyang["unit"], ziyang["published"], ziyang["on_time_rate"]) == ("资阳市人民政府办公室", 2, 0.5)
    assert ziyang["archiving_rate"] == 0.0  # run_scenario links no originals: D8 missing shows
    tianning = next(r for r in quarters_2022 if r["unit"] == "常州市天宁区人民政府")
    assert (tianning["period"], tianning["adjustments"], tianning["filing_rate"]) == ("2022-Q1", 2, 0.5)
    for period in {r["period"] for r in quarters_2022}:
        ranks = [r["rank"] for r in quarters_2022 if r["period"] == period]
        assert ranks == list(range(1, len(ranks) + 1)), period


def test_e2_indicators_count_an_act_in_the_quarter_of_its_day_in_china(demo_views):
    """Published at 07:00 on 1 April in China (still 31 March in UTC): the second quarter's."""
    from zwgk.projections.assessment import indicators

    services, runner = demo_views
    unit = "季度边界测试区政府办公室"
    officer, leader = Actor("o", "officer", unit), Actor("l", "leader", unit)
    at = lambda text: datetime.fromisoformat(text)  # noqa: E731
    act = services.ledger.execute(DraftDisclosure(title="季度边界的通知", attribute="proactive"), officer,
                                  at("2022-03-28T09:00+08:00"))[0].aggregate_id
    for role, person in (("compiler", "a"), ("issuer", "b"), ("publisher", "c")):
        services.ledger.execute(SignReview(act_id=act, sheet_role=role), Actor(person, "officer", unit), at("2022-03-29T09:00+08:00"))
    services.ledger.execute(PreReviewDisclosure(act_id=act, decision="approved"), Actor("p", "pre_reviewer", "预审小组"),
                            at("2022-03-30T09:00+08:00"))
    services.ledger.execute(SignOffDisclosure(act_id=act), leader, at("2022-03-31T09:00+08:00"))
    services.ledger.execute(PublishDisclosure(act_id=act, channel="website"), officer, at("2022-04-01T07:00+08:00"))
    catch_up(services, runner)
    with runner.store.transaction() as tx:
        rows = [(i.period, i.published, i.published_on_time) for i in indicators(tx, 2022, quarterly=True, unit=unit)]
    assert ("2022-Q2", 1, 1) in rows and all(period != "2022-Q1" or published == 0 for period, published, _ in rows)


def test_e1_ranking_puts_scored_units_first_by_score_then_the_rest_by_their_indicators():
    from decimal import Decimal

    from zwgk.projections.assessment import Indicators, ranking

    rows = [Indicators("甲", "2022", published=2, published_on_time=2), Indicators("乙", "2022", published=2, published_on_time=1),
            Indicators("丙", "2022", published=2, published_on_time=0), Indicators("丁", "2022"),
            Indicators("甲", "2023", published=1, published_on_time=1)]
    ranked = ranking(rows, {("丙", "2022"): Decimal("91.5"), ("丁", "2022"): Decimal("70")})
    assert [(r["period"], r["rank"], r["unit"]) for r in ranked] == [
        ("2022", 1, "丙"), ("2022", 2, "丁"), ("2022", 3, "甲"), ("2022", 4, "乙"), ("2023", 1, "甲")]


def test_view_store_reads_many_rows_by_key_and_inserts_in_bulk_on_both_databases(settings: Settings):
    """What the views' batch folding stands on: `insert` (COPY on PostgreSQL) and `by_key` past one query's worth of keys."""
    store = ViewStore(settings.views_url)
    try:
        rows = [(f"k{i:05d}", i, None if i % 7 else "七") for i in range(1234)]
        with store.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS store_check (k TEXT PRIMARY KEY, n INTEGER NOT NULL, note TEXT)")
            tx.insert("store_check", ("k", "n", "note"), rows)
        with store.transaction() as tx:
            found = tx.by_key("store_check", "k", ("n", "note"), [r[0] for r in reversed(rows)] + ["missing", "k00001"])
            tx.execute("DROP TABLE store_check")
        assert found == {k: (n, note) for k, n, note in rows}
    finally:
        store.close()


def test_a_fold_that_fails_mid_batch_writes_nothing_and_leaves_the_collector_running(tmp_path: Path):
    """Folding pauses the cyclic garbage collector for each batch; a failure must not leave it off."""

    class Failing(Projection):
        name = "failing"
        tables = {"failing_rows": "CREATE TABLE IF NOT EXISTS failing_rows (position BIGINT PRIMARY KEY)"}
        export_order = {"failing_rows": "position"}

        def fold(self, tx, event):
            if event.position == 1500:
                raise RuntimeError("a view's bug")
            tx.execute("INSERT INTO failing_rows (position) VALUES (?)", (event.position,))

    runner = ProjectionRunner(ViewStore(f"sqlite:///{tmp_path}/views.sqlite3"), [Failing()])
    events = (ProjectedEvent(n, "Test.Happened", "a", n, {}) for n in range(1, 3001))
    with pytest.raises(RuntimeError):
        runner.fold(events, batch=1000)
    assert gc.isenabled()
    assert runner.positions()["failing"] == 1000  # the first batch, not a row of the second
    assert [row["position"] for row in json.loads(runner.export("failing"))["failing_rows"]] == list(range(1, 1001))


def test_a_view_declares_one_handler_an_event():
    handlers: Handlers = Handlers()
    handlers.on(DisclosureAct.Published)(print)
    assert handlers.get("DisclosureAct.Published") is print
    with pytest.raises(ValueError, match="DisclosureAct.Published has two handlers"):
        handlers.on(DisclosureAct.Published)(repr)


def test_e1_every_unit_assessed_in_the_year_is_in_the_assessment_view_even_without_other_activity(demo_views):
    """Five units with nothing but their assessment for 2025: each listed, scored and graded."""
    from decimal import Decimal

    from zwgk.connectors.queries import assessment
    from zwgk.domain.assessment import CRITERIA

    services, runner = demo_views
    gov = {"id": "gov-assessor", "role": "government_office", "unit": "市政府办公室"}
    leading = {"id": "lg-1", "role": "leading_group_office", "unit": "政务公开领导小组办公室"}
    expected = {"考核甲局": ("90", "excellent"), "考核乙局": ("89.9", "good"), "考核丙局": ("80", "good"),
                "考核丁局": ("60", "pass"), "考核戊局": ("59.9", "fail")}
    for unit, (total, _) in expected.items():
        shares = {c: (Decimal(total) * points / 100).quantize(Decimal("0.1"), "ROUND_DOWN") for c, (_, points) in CRITERIA.items()}
        last = list(CRITERIA)[-1]
        shares[last] += Decimal(total) - sum(shares.values())
        period = {"unit": unit, "period": "2025"}
        for actor, command, args in (
            ({"id": f"{unit}-officer", "role": "officer", "unit": unit}, "self_assess",
             {"period": "2025", "self_score": total, "report": "年度自查"}),
            (gov, "assess_unit", {**period, "scores": {c: str(v) for c, v in shares.items()}}),
            (leading, "approve_grade", period),
        ):
            execute(services, {"command": command, "actor": actor, "occurred_at": "2026-01-20T10:00:00+08:00", "args": args})
    catch_up(services, runner)
    rows = {r["unit"]: (Decimal(r["score"]), r["grade"]) for r in assessment(services, runner, 2025)}
    assert {unit: rows.get(unit) for unit in expected} == {unit: (Decimal(t), g) for unit, (t, g) in expected.items()}


def test_d3_n2_violation_rows_give_record_dates_and_lateness_in_chinese_and_english(demo_views):
    """D3 late by working days, N2 late by hours: each row names its record and unit, the deadline's start,
    due and actual dates and how late; the sentence is Chinese, the English reason beside it."""
    from zwgk.connectors.demo import demo_id
    from zwgk.projections.violations import violations

    _, runner = demo_views
    with runner.store.transaction() as tx:
        (d3,) = violations(tx, WorkingDayCalendar(), date(2024, 1, 2), rule="D3")
        (n2,) = violations(tx, WorkingDayCalendar(), date(2024, 1, 2), rule="N2")
        ziyang = {v["unit"] for v in violations(tx, WorkingDayCalendar(), date(2024, 1, 2), unit="资阳市")}
    assert d3["record_id"] == str(demo_id("disclosure", "ziyang-2020-31.txt")) and d3["unit"] == "资阳市人民政府办公室"
    assert (d3["start"], d3["due"], d3["actual"], d3["late_working_days"], d3["late_hours"]) == (
        "2020-07-10", "2020-07-15", "2020-07-20", 3, None)
    assert d3["detail"] == "逾期公开：应于2020-07-15前公开，实际2020-07-20公开，逾期3个工作日（D3）"
    assert d3["reason"] == "D3: due 2020-07-15, done 2020-07-20, 3 working days late (DisclosureAct.Published)"
    assert (n2["due"], n2["actual"], n2["late_hours"], n2["late_working_days"]) == ("2020-08-19T14:00+08:00", "2020-08-19T16:00+08:00",
                                                                                    2.0, None)
    assert n2["detail"] == "逾期举行新闻发布会：应于2020-08-19 14:00前举行新闻发布会，实际2020-08-19 16:00举行新闻发布会，逾期2小时（N2）"
    assert ziyang and all(u.startswith("资阳市") for u in ziyang) and len(ziyang) > 1  # --unit: a prefix of the unit's name


def test_bitemporal_replay_as_recorded_beside_as_of_and_the_timeline_along_either_time(demo_views):
    """A correction imported today with a business time in 2020: as of business time it is part of the act's
    2020 state; as the ledger had recorded it before the import, it is not. The timeline reads along either time."""
    from zwgk.connectors import queries
    from zwgk.connectors.demo import demo_id

    services, runner = demo_views
    act = demo_id("disclosure", "ziyang-2020-31.txt")
    with runner.store.transaction() as tx:
        before_import = max(e["recorded_at"] for e in timeline(tx, aggregate=str(act)))
    execute(services, {"command": "correct_disclosure", "occurred_at": "2020-07-25T10:00:00+08:00",
                       "actor": {"id": "ziyang-officer", "role": "officer", "unit": "资阳市人民政府办公室"},
                       "args": {"act_id": str(act), "reason": "文字错误", "correction": "第三条中的“十日”应为“十个工作日”"}})
    recorded_then = datetime.fromisoformat(before_import.replace("Z", "+00:00"))
    july_26 = datetime(2020, 7, 26, tzinfo=CST)
    as_of = queries.replay(services, runner, act, as_of=july_26)
    as_recorded = queries.replay(services, runner, act, as_recorded=recorded_then)
    both = queries.replay(services, runner, act, as_of=july_26, as_recorded=recorded_then)
    assert as_of["version"] == as_recorded["version"] + 1 == both["version"] + 1
    assert as_of["state"]["last_occurred_at"] == "2020-07-25T02:00:00.000000Z" != as_recorded["state"]["last_occurred_at"]
    assert (as_recorded["as_of"], as_recorded["as_recorded"]) == (None, recorded_then.isoformat())
    assert json.loads(json.dumps(as_of)) == as_of  # plain JSON: objects, ISO 8601 text
    with pytest.raises(queries.RecordNotYet):
        queries.replay(services, runner, act, as_recorded=datetime(2020, 7, 26, tzinfo=CST))  # imported years later
    after = recorded_then + timedelta(microseconds=1)
    by_recorded = queries.timeline(services, runner, aggregate=str(act), start=after, by="recorded")
    by_business = queries.timeline(services, runner, aggregate=str(act), start=after)
    assert [e["event_type"] for e in by_recorded] == ["DisclosureAct.Corrected"] and by_business == []
    ordered = queries.timeline(services, runner, aggregate=str(act), by="recorded")
    business = queries.timeline(services, runner, aggregate=str(act))
    assert [e["recorded_at"] for e in ordered] == sorted(e["recorded_at"] for e in ordered)
    assert ordered[-1]["event_type"] == "DisclosureAct.Corrected"  # recorded last
    assert [e["occurred_at"] for e in business] == sorted(e["occurred_at"] for e in business)
    with pytest.raises(DomainError):
        queries.timeline(services, runner, aggregate=str(act), by="published")

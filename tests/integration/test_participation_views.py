"""The views of public participation after the demo scenario: the deadlines M1, P4, D9
open and close from their events; H4, H5 and the yearly counts of M2 and O1 are flagged."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

from zwgk.archive.local import LocalStore
from zwgk.archive.service import Archivist
from zwgk.connectors.demo import HEARING_IDS, SEEDS, demo_id
from zwgk.connectors.wiring import catch_up
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.hearings import ArchiveHearingRecord
from zwgk.projections.deadlines import deadlines
from zwgk.projections.participation import participation, yearly_counts
from zwgk.projections.timeline import timeline

TODAY = date(2026, 11, 23)


def test_m1_p4_d9_deadlines_open_and_close_from_their_events(demo_views):
    _, runner = demo_views
    with runner.store.transaction() as tx:
        rows = deadlines(tx, WorkingDayCalendar(), TODAY)
    by_rule = {rule: sorted((r["due"], r["status"]) for r in rows if r["rule"] == rule) for rule in ("M1", "P4", "D9")}
    assert by_rule["M1"] == [("2020-07-09", "met"), ("2020-09-17", "breached")]
    assert by_rule["P4"] == [("2022-07-25", "met")]
    assert by_rule["D9"] == [("2018-05-23", "breached"), ("2020-07-23", "met"), ("2022-01-19", "open")]
    never = next(r for r in rows if r["rule"] == "D9" and r["status"] == "open")
    assert never["overdue"] and never["source_id"] == str(demo_id("disclosure", SEEDS[0].file))
    assert never["subject"].endswith("（解读）")


def test_h4_h5_flags_and_a_repeated_hearing(demo_views, tmp_path: Path):
    services, runner = demo_views
    with runner.store.transaction() as tx:
        hearings = {r["record_id"]: r for r in participation(tx, process="hearing")}
    first, second = (hearings[str(h)] for h in HEARING_IDS)
    assert second["related"] == first["record_id"]
    assert first["flags"] == ["H4 听证笔录未归档"]  # no outcome of its own: it was repeated for want of consensus
    assert second["flags"] == ["H4 听证笔录未归档"]
    assert (second["counts"]["questioners"], second["counts"]["representatives"], second["counts"]["consensus"]) == (1, 9, 1)
    assert "示例听证代表" not in json.dumps(hearings, ensure_ascii=False)
    with runner.store.transaction() as tx:
        history = timeline(tx, aggregate=str(HEARING_IDS[0]))
    assert [e["event_type"].removeprefix("Hearing.") for e in history] == ["Noticed", "RolesAssigned", "Held", "MinutesIssued"]
    assert history[0]["rule_outcomes"] == {"H3": "met"}  # the inspectors' timeline has every process

    archivist = Actor("yj-daj", "archivist", "雁江区档案馆")
    number = "YJ02-WS·2022-D30-FGJ-0002"
    Archivist(services.ledger, LocalStore(tmp_path / "archive")).put(
        io.BytesIO("第二次听证会笔录".encode()), actor=archivist, archive_number=number, doc_number="",
        title="雁江区城区停车收费标准调整第二次听证会笔录", responsible_unit="资阳市雁江区发展和改革局", retention="D30",
        doc_date=date(2022, 9, 1), occurred_at=datetime(2022, 9, 10, tzinfo=CST))
    services.ledger.execute(ArchiveHearingRecord(hearing_id=HEARING_IDS[1], archive_number=number), archivist,
                            datetime(2022, 9, 10, tzinfo=CST))
    catch_up(services, runner)
    with runner.store.transaction() as tx:
        assert next(r for r in participation(tx, process="hearing") if r["record_id"] == str(HEARING_IDS[1]))["flags"] == []


def test_m2_and_o1_yearly_counts_flag_short_periods_once_they_are_over(demo_views):
    _, runner = demo_views
    with runner.store.transaction() as tx:
        ziyang_2020 = yearly_counts(tx, 2020, TODAY, "资阳市人民政府办公室")
        yanjiang_2022 = yearly_counts(tx, 2022, TODAY, "资阳市雁江区人民政府办公室")
        yanjiang_midyear = yearly_counts(tx, 2022, date(2022, 6, 30), "资阳市雁江区人民政府办公室")
    assert [(r["meetings_with_representatives"], r["open_days_first_half"], r["flags"]) for r in ziyang_2020] == [
        (2, None, ["M2 全年邀请列席全体会议、常务会议 2 次，少于 3 次"])]
    assert [(r["open_days_first_half"], r["open_days_second_half"], r["flags"]) for r in yanjiang_2022] == [
        (0, 1, ["O1 2022 年上半年未举办政务开放日"])]
    assert yanjiang_midyear[0]["flags"] == [], "a half year is judged once it is over"


def test_assessment_indicators_count_d9_a1_hearings_q4_and_cases(demo_views):
    from zwgk.projections.assessment import indicators

    _, runner = demo_views
    with runner.store.transaction() as tx:
        by_unit = {(i.unit, i.period): i.as_dict() for year in (2016, 2018, 2020, 2022) for i in indicators(tx, year)}
    tianning = by_unit[("常州市天宁区人民政府", "2018")]
    assert (tianning["interpretations_due"], tianning["interpretation_rate"]) == (1, 0.0)  # D9 two days late
    assert by_unit[("资阳市人民政府办公室", "2020")]["interpretation_rate"] == 1.0
    yanjiang = by_unit[("资阳市雁江区人民政府办公室", "2022")]
    assert (yanjiang["interpretations_due"], yanjiang["interpreted_on_time"]) == (1, 0)  # never interpreted
    assert (yanjiang["replies"], yanjiang["reply_rate"]) == (2, 0.5)  # A1: one late
    fgj = by_unit[("资阳市雁江区发展和改革局", "2022")]
    assert (fgj["hearings_held"], fgj["hearings_complete"]) == (2, 0)  # neither clerk's record archived here
    land = by_unit[("清原满族自治县国土资源局", "2016")]
    assert (land["complaints"], land["complaint_publication_rate"]) == (1, 1.0)
    assert by_unit[("资阳市人民政府办公室", "2020")]["accountability_cases"] == 1


def test_d3_d8_d9_d10_e4_h4_m1_m2_n2_o1_c4_the_inspectors_violation_report(demo_views):
    """Every breach the views know of, in one list: recorded, overdue, or missing where a rule asks for it."""
    from zwgk.projections.violations import violations

    _, runner = demo_views
    with runner.store.transaction() as tx:
        found = violations(tx, WorkingDayCalendar(), TODAY)
        only_2022 = violations(tx, WorkingDayCalendar(), TODAY, year=2022)
        one_unit = violations(tx, WorkingDayCalendar(), TODAY, unit="资阳市雁江区发展和改革局")
    kinds = {(v["rule"], v["kind"]) for v in found}
    assert {("D3", "breached"), ("D9", "breached"), ("D9", "overdue"), ("N2", "breached"), ("M1", "breached"),
            ("A1", "breached"), ("E4", "breached"), ("C4", "missing"), ("D8", "missing"), ("H4", "missing"),
            ("M2", "missing"), ("O1", "missing"), ("A6", "missing"), ("D10", "missing")} <= kinds  # no annual report in run_scenario
    assert not {rule for rule, _ in kinds} & {"D4", "D5", "D6", "D7", "H1", "H2", "H3", "H5", "P3", "P4", "Q4", "N1"}
    late_policy = next(v for v in found if v["rule"] == "D3")
    assert (late_policy["unit"], late_policy["on"]) == ("资阳市人民政府办公室", "2020-07-20")
    assert late_policy["subject"].startswith("关于印发《资阳市全面推进政务公开工作的实施意见》")
    assert len({(v["rule"], v["record_id"], v["kind"]) for v in found if v["record_id"]}) == len([v for v in found if v["record_id"]])
    assert all(v["on"].startswith("2022") for v in only_2022) and only_2022
    assert [(v["rule"], v["detail"]) for v in one_unit] == [("H4", "听证笔录未归档（H4）")] * 2  # run_scenario archives nothing

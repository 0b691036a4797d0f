"""A6: a year of applications with every outcome, counted into the national-format table."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import catch_up, open_services, views
from zwgk.domain.actors import Actor
from zwgk.domain.annual_reports import AnnualReport, PublishAnnualReport
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.errors import DomainError
from zwgk.domain.requests import ANSWERS, AbandonRequest, AnswerRequest, ReceiveRequest, RequestCompletion
from zwgk.projections.requests import OUTCOME_LINES, annual_table, as_published

UNIT = "资阳市雁江区人民政府办公室"
OFFICER = Actor("yj-ysq", "officer", UNIT)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CST)


def answer_for(row: str, sub: str | None) -> tuple[str, str]:
    if row == "other" and sub == "other":
        return "special_law", "other"
    for answer, (answer_row, subs, _) in ANSWERS.items():
        if answer_row == row and (sub is None or sub in subs):
            return answer, sub or ""
    raise AssertionError((row, sub))


def test_a6_application_table_counts_every_outcome_and_the_check_row_holds(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", keystore_url=f"sqlite:///{tmp_path}/keys.sqlite3")
    services = open_services(settings)
    kinds = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_organisation",
             "legal_service_organisation", "other_organisation"]
    expected: dict[str, Counter] = {k: Counter() for k in ["1", "2", *(line for line, *_ in OUTCOME_LINES), "3.7", "4"]}

    def receive(kind: str, day: str):
        return services.ledger.execute(ReceiveRequest(channel="internet", received_on=date.fromisoformat(day), applicant_kind=kind,
                                                      applicant="申请人", request="某信息"), OFFICER, at(day))[0].aggregate_id

    # Carried over from 2024: one answered in 2025, one still open at the end of 2025; one closed in 2024.
    old = receive("natural_person", "2024-12-20")
    services.ledger.execute(AnswerRequest(request_id=old, answer="disclosed", details={"how_and_when": "邮寄"}), OFFICER, at("2025-01-10"))
    expected["2"]["natural_person"] += 1
    expected["3.1"]["natural_person"] += 1
    receive("other_organisation", "2024-12-23")
    expected["2"]["other_organisation"] += 1
    expected["4"]["other_organisation"] += 1
    closed = receive("commercial_enterprise", "2024-11-04")
    services.ledger.execute(AnswerRequest(request_id=closed, answer="disclosed", details={"how_and_when": "当面"}), OFFICER,
                            at("2024-11-20"))

    # One of every outcome line in 2025, the applicants' kinds in turn.
    for n, (line, _, row, sub) in enumerate(OUTCOME_LINES):
        if sub == "fees_unpaid":
            continue  # no fee notices in zwgk yet: the line stays 0
        kind = kinds[n % len(kinds)]
        request = receive(kind, "2025-03-03")
        expected["1"][kind] += 1
        expected[line][kind] += 1
        if sub == "abandoned":
            services.ledger.execute(RequestCompletion(request_id=request, items="请补正", completion_due=date(2025, 3, 14)), OFFICER,
                                    at("2025-03-05"))
            services.ledger.execute(AbandonRequest(request_id=request), OFFICER, at("2025-03-20"))
            continue
        answer, reason = answer_for(row, sub)
        required = ANSWERS[answer][2]
        services.ledger.execute(AnswerRequest(request_id=request, answer=answer, sub_reason=reason,
                                              details={f: "已写明" for f in required}), OFFICER, at("2025-03-20"))
    # Received late in 2025, answered in 2026: carried forward; one answered at 07:30 on 1 January in China,
    # still 31 December in UTC, is answered in 2026 all the same.
    receive("legal_service_organisation", "2025-12-29")
    expected["1"]["legal_service_organisation"] += 1
    expected["4"]["legal_service_organisation"] += 1
    new_year = receive("research_institution", "2025-12-30")
    services.ledger.execute(AnswerRequest(request_id=new_year, answer="disclosed", details={"how_and_when": "电子邮件"}), OFFICER,
                            datetime(2026, 1, 1, 7, 30, tzinfo=CST))
    expected["1"]["research_institution"] += 1
    expected["4"]["research_institution"] += 1
    for line, *_ in OUTCOME_LINES:
        expected["3.7"].update(expected[line])

    with views(settings, services) as runner:
        catch_up(services, runner)
        with runner.store.transaction() as tx:
            report = annual_table(tx, UNIT, 2025)
    for row in report["rows"]:
        for kind in kinds:
            assert row[kind] == expected[row["line"]][kind], (row["label"], kind)
        assert row["total"] == sum(expected[row["line"]].values()), row["label"]
    assert report["check_holds"]
    by_line = {r["line"]: r for r in report["rows"]}
    assert by_line["2"]["total"] == 2 and by_line["4"]["total"] == 3 and by_line["3.6.2"]["total"] == 0
    assert by_line["1"]["total"] + by_line["2"]["total"] == by_line["3.7"]["total"] + by_line["4"]["total"]
    services.close()


def test_a6_report_as_table_json_and_csv_from_the_command_line(tmp_path: Path):
    def zwgk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    lines = [
        {"command": "receive_request", "actor": {"id": "o", "role": "officer", "unit": UNIT}, "occurred_at": "2025-05-06T09:00:00+08:00",
         "args": {"id": "6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11", "channel": "in_person", "received_on": "2025-05-06",
                  "applicant_kind": "natural_person", "applicant": "申请人丙", "request": "某项目环评批复"}},
        {"command": "answer_request", "actor": {"id": "o", "role": "officer", "unit": UNIT}, "occurred_at": "2025-05-20T09:00:00+08:00",
         "args": {"request_id": "6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11", "answer": "withheld", "sub_reason": "third_party_rights",
                  "details": {"reason": "涉及第三方商业秘密，第三方不同意公开"}}},
    ]
    (tmp_path / "requests.jsonl").write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    assert zwgk("apply", "requests.jsonl").returncode == 0
    table = zwgk("report", "annual", "--unit", UNIT, "--year", "2025")
    assert table.returncode == 0 and "一 + 二 = 三（七）+ 四 成立" in table.stdout
    data = json.loads(zwgk("report", "annual", "--unit", UNIT, "--year", "2025", "--format", "json").stdout)
    assert {r["line"]: r["natural_person"] for r in data["rows"]}["3.3.4"] == 1
    rows = list(csv.reader(io.StringIO(zwgk("report", "annual", "--unit", UNIT, "--year", "2025", "--format", "csv").stdout)))
    assert rows[0][:3] == ["行", "项目", "自然人"] and len(rows) == 1 + len(data["rows"])
    assert "申请人丙" not in (tmp_path / "var" / "zwgk.sqlite3").read_bytes().decode("utf-8", "ignore")
    published = zwgk("report", "annual", "--unit", UNIT, "--year", "2025", "--publish", "website", "--actor", "o")
    assert published.returncode == 0 and "已公开" in published.stderr
    again = zwgk("report", "annual", "--unit", UNIT, "--year", "2025", "--publish", "website", "--actor", "o")
    assert again.returncode == 1 and "ALREADY_EXISTS" in again.stderr
    timeline = json.loads(zwgk("audit", "timeline", "--unit", UNIT, "--format", "json").stdout)
    assert [r["event_type"] for r in timeline][-1] == "AnnualReport.Published"
    (late,) = json.loads(zwgk("audit", "violations", "--rule", "A6", "--format", "json").stdout)  # published after 31 January 2026
    assert (late["kind"], late["unit"], late["record_id"], late["due"]) == ("breached", UNIT, timeline[-1]["aggregate_id"], "2026-01-31")
    assert late["detail"].startswith("2025年度报告逾期公开：应于2026-01-31前公开，实际") and late["late_working_days"] > 0


def test_a6_annual_report_by_31_january_with_a_balanced_table():
    officer = Actor("o", "officer", UNIT)
    balanced = {"1": {"natural_person": 2}, "2": {"natural_person": 1}, "3.7": {"natural_person": 2}, "4": {"natural_person": 1}}

    def publish(at: datetime, table=balanced):
        return AnnualReport.publish(actor=officer, occurred_at=at, year=2025, channel="website", table=table)

    on_time = publish(datetime(2026, 1, 31, 23, 59, tzinfo=CST)).collect_events()[0]
    assert (on_time.due, on_time.rule_outcomes) == (date(2026, 1, 31), {"A6": "met"})
    assert publish(datetime(2026, 2, 1, 0, 0, tzinfo=CST)).collect_events()[0].rule_outcomes == {"A6": "breached"}
    for table, code in (({**balanced, "4": {}}, "ANNUAL_TABLE_UNBALANCED"), ({"1": {}, "2": {}}, "ANNUAL_TABLE_INCOMPLETE")):
        with pytest.raises(DomainError) as refused:
            publish(datetime(2026, 1, 20, tzinfo=CST), table)
        assert (refused.value.code, refused.value.rule) == (code, "A6")


def test_a6_every_organ_with_disclosure_work_owes_its_report_even_without_applications(tmp_path: Path):
    """A department that only published, and a government that only adjusted its catalogue, in 2025: each
    owes its 2025 report, with an all-zero table — the department by 31 January, the government, its kind
    recorded once, by 31 March."""
    from zwgk.domain.catalogue import ListCatalogueItem
    from zwgk.domain.disclosure import DraftDisclosure, PreReviewDisclosure, PublishDisclosure, SignOffDisclosure, SignReview
    from zwgk.domain.organs import RecordOrganKind
    from zwgk.projections.violations import violations

    settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", keystore_url=f"sqlite:///{tmp_path}/keys.sqlite3")
    services = open_services(settings)
    department, government = "某县教育局", "某县人民政府"
    officer, leading = Actor("edu-o", "officer", department), Actor("lg", "leading_group_office", "某县政务公开领导小组办公室")
    ledger = services.ledger
    act = ledger.execute(DraftDisclosure(title="秋季招生通知", attribute="proactive"), officer, at("2025-08-01"))[0].aggregate_id
    for role, person in (("compiler", "a"), ("issuer", "b"), ("publisher", "c")):
        ledger.execute(SignReview(act_id=act, sheet_role=role), Actor(person, "officer", department), at("2025-08-01"))
    ledger.execute(PreReviewDisclosure(act_id=act, decision="approved"), Actor("p", "pre_reviewer", "预审小组"), at("2025-08-04"))
    ledger.execute(SignOffDisclosure(act_id=act), Actor("l", "leader", department), at("2025-08-04"))
    ledger.execute(PublishDisclosure(act_id=act, channel="website"), officer, at("2025-08-05"))
    elements = {"matter": "政府工作报告", "content": "年度政府工作报告全文", "update_limit": "形成后20个工作日内",
                "responsible_unit": government, "support_unit": "县政府办公室", "channels": ["门户网站"],
                "column": "政府工作报告", "legal_basis": "《政府信息公开条例》第二十条", "audience": "全社会", "mode": "proactive"}
    ledger.execute(ListCatalogueItem(elements=elements, reason="law_changed"), Actor("gov-o", "officer", government), at("2025-03-03"))
    ledger.execute(RecordOrganKind(unit=government, kind="government"), leading, at("2025-03-03"))
    with pytest.raises(DomainError) as twice:
        ledger.execute(RecordOrganKind(unit=government, kind="department"), leading, at("2025-03-04"))
    assert (twice.value.code, twice.value.rule) == ("ALREADY_EXISTS", "A6")

    def owed(today: date) -> list[tuple[str, str]]:
        with views(settings) as runner:
            catch_up(services, runner)
            with runner.store.transaction() as tx:
                return [(v["unit"], v["on"]) for v in violations(tx, WorkingDayCalendar(), today, rule="A6")]

    assert owed(date(2026, 1, 31)) == []
    assert owed(date(2026, 2, 1)) == [(department, "2026-01-31")]
    assert owed(date(2026, 4, 1)) == [(department, "2026-01-31"), (government, "2026-03-31")]
    with views(settings) as runner:
        catch_up(services, runner)
        with runner.store.transaction() as tx:
            zeros = as_published(annual_table(tx, government, 2025))
    assert all(count == 0 for line in zeros.values() for count in line.values())
    ledger.execute(PublishAnnualReport(year=2025, channel="门户网站", table=zeros), Actor("gov-o", "officer", government),
                   at("2026-03-30"))
    published = next(ledger.created_events(AnnualReport.Published))
    assert (published.due, published.rule_outcomes) == (date(2026, 3, 31), {"A6": "met"})
    assert owed(date(2026, 4, 1)) == [(department, "2026-01-31")]
    services.close()

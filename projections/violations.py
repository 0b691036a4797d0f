"""The inspector's violation report 违规情况: every breach the views know of, in one list.

Rules enforced by a deadline or a flag accept the event and show the breach here:
an event that recorded a breached rule outcome (D3, D9, D10, D11, A1, H3, M1,
O1, P4, N2, E4 …), a deadline still open after its due date or closed late (A5, E4), a
notice to complete sent late (A4), and what is missing where a rule asks for it — C4
filings, D8 originals, D10 yearly re-checks of withheld documents, A6 annual reports,
E2 published evaluations, H4/H5 after a hearing, Q4 published feedback, and the yearly
counts of M2 and O1.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from zwgk.domain.calendar import WorkingDayCalendar
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.assessment import unpublished_evaluations
from zwgk.projections.catalogue import cst_day
from zwgk.projections.deadlines import deadlines
from zwgk.projections.participation import counts_of, participation
from zwgk.projections.requests import unpublished_reports
from zwgk.projections.store import Transaction


def _titles(tx: Transaction) -> dict[str, str]:
    """A name for each record the views know one for."""
    titles = dict(tx.all("SELECT source_id, subject FROM deadlines"))
    titles.update(tx.all("SELECT source_id, subject FROM deadline_subjects"))
    titles.update(tx.all("SELECT item_id, matter FROM catalogue_items"))
    titles.update(tx.all("SELECT act_id, title FROM disclosure_register"))
    titles.update(tx.all("SELECT record_id, title FROM participation"))
    return titles


def _unrechecked_years(drafted: date, rechecked: set[int], today: date) -> list[int]:
    """D10: every November that has ended since the document was withheld, less those re-checked."""
    first = drafted.year if drafted < date(drafted.year, 11, 1) else drafted.year + 1
    last = today.year if today > date(today.year, 11, 30) else today.year - 1
    return [year for year in range(first, last + 1) if year not in rechecked]


def _years(years: list[int]) -> str:
    """2009—2012、2015 for [2009, 2010, 2011, 2012, 2015]."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(f"{run[0]}—{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def violations(tx: Transaction, calendar: WorkingDayCalendar, today: date, unit: str = "", year: int | None = None,
               rule: str = "", now: datetime | None = None) -> list[dict[str, Any]]:
    titles = _titles(tx)
    found: list[dict[str, Any]] = []

    def add(rule_id: str, owner: str, record: str, on: str, kind: str, detail: str) -> None:
        found.append({"rule": rule_id, "unit": owner, "record_id": record, "subject": titles.get(record, ""), "on": on,
                      "kind": kind, "detail": detail})

    for record, event_type, owner, occurred_at, outcomes in tx.all(
        "SELECT aggregate_id, event_type, subject_unit, occurred_at, rule_outcomes FROM timeline_events "
        "WHERE rule_outcomes <> '{}' ORDER BY position"
    ):
        for rule_id, outcome in json.loads(outcomes).items():
            if outcome == RuleOutcome.BREACHED:
                add(rule_id, owner, record, cst_day(occurred_at), "breached", f"未遵守 {rule_id}（{event_type}）")
    recorded = {(v["rule"], v["record_id"]) for v in found}
    for d in deadlines(tx, calendar, today, overdue=True, now=now):
        if d["status"] == "open":
            span = f"（{d['working_days']} 个工作日）" if d["working_days"] else ""
            add(d["rule"], d["unit"], d["source_id"], d["due"][:10], "overdue", f"应于 {d['due']} 前完成，至今未完成{span}")
        elif (d["rule"], d["source_id"]) not in recorded:  # closed late by an event without a rule outcome (E4)
            add(d["rule"], d["unit"], d["source_id"], cst_day(d["closed_at"]), "breached", f"应于 {d['due']} 前完成，逾期完成")
    for item, owner, unfiled, updated_at in tx.all(
        "SELECT item_id, unit, unfiled, updated_at FROM catalogue_items WHERE unfiled <> '[]'"
    ):
        add(Rule.C4, owner, item, cst_day(updated_at), "missing", f"调整（版本 {'、'.join(map(str, json.loads(unfiled)))}）未备案")
    for act, owner, published_at in tx.all(
        "SELECT act_id, unit, published_at FROM disclosure_register WHERE published_at IS NOT NULL AND original_sha256 IS NULL"
    ):
        add(Rule.D8, owner, act, cst_day(published_at), "missing", "已公开，原件未存档")
    for request, owner, sent_on in tx.all(
        "SELECT request_id, unit, completion_requested_on FROM information_requests WHERE a4_outcome = ?", (RuleOutcome.BREACHED,)
    ):
        add(Rule.A4, owner, request, sent_on, "breached", "补正通知未在收到申请之日起 7 个工作日内发出")
    for act, owner, drafted_at, rechecks in tx.all(
        "SELECT act_id, unit, drafted_at, rechecks FROM disclosure_register WHERE attribute = 'withheld' AND withdrawn = 0"
    ):
        missing = _unrechecked_years(date.fromisoformat(cst_day(drafted_at)), set(map(int, json.loads(rechecks))), today)
        if missing:
            add(Rule.D10, owner, act, f"{missing[-1]}-11-30", "missing", f"不予公开文件未按年复核：{_years(missing)} 年")
    processes = participation(tx)
    for row in processes:
        for flag in row["missing"]:
            add(flag[:2], row["unit"], row["record_id"], row["day"], "missing", flag)
    for period, due, published in unpublished_evaluations(tx, today):
        what = f"{period[:4]} 年第 {period[-1]} 季度考核结果" if "Q" in period else f"{period} 年度考核结果"
        add(Rule.E2, "", "", due, "missing" if published is None else "breached",
            f"{what}应于 {due} 前公布，" + ("至今未公布" if published is None else f"{published} 才公布"))
    for owner, report_year, report_due in unpublished_reports(tx, today):
        add(Rule.A6, owner, "", report_due.isoformat(), "missing", f"{report_year} 年度报告逾期未公开（应于 {report_due} 前）")
    for complaint, owner, registered_at in tx.all(
        "SELECT complaint_id, respondent_unit, registered_at FROM complaints WHERE status = 'answered'"
    ):
        add(Rule.Q4, owner, complaint, cst_day(registered_at), "missing", "已向投诉人反馈，处理及反馈情况未公开")
    first = min((int(r["day"][:4]) for r in processes), default=today.year)
    for counted_year in [year] if year else range(first, today.year + 1):
        for counted in counts_of(processes, counted_year, today):
            for flag in counted["flags"]:
                add(flag[:2], counted["unit"], "", f"{counted_year}-12-31", "missing", flag)
    return sorted(
        (v for v in found if (not unit or v["unit"] == unit) and (not year or v["on"].startswith(str(year)))
         and (not rule or v["rule"] == rule)),
        key=lambda v: (v["on"], v["rule"], v["unit"], v["record_id"]),
    )

"""The inspector's violation report 违规情况: every breach the views know of, in one list.

Rules enforced by a deadline or a flag accept the event and show the breach here:
an event that recorded a breached rule outcome (D3, D9, D10, D11, A1, H3, M1,
O1, P4, N2, E4 …), a deadline still open after its due date or closed late (A5, E4), a
notice to complete sent late (A4), and what is missing where a rule asks for it — C4
filings, D8 originals, D10 yearly re-checks of withheld documents, A6 annual reports,
E2 published evaluations, H4/H5 after a hearing, Q4 published feedback, and the yearly
counts of M2 and O1.

Each row names its record (where there is one) and its unit; a late act carries the deadline's start,
its due and actual dates and how late it was, in working days (or hours, N2). `detail` is the
inspector's sentence, in Chinese; `reason` says the same in English, for logs and integrators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.assessment import unpublished_evaluations
from zwgk.projections.catalogue import cst_day, from_ts
from zwgk.projections.deadlines import N2_CLOSED_BY
from zwgk.projections.deadlines import deadlines as deadline_rows
from zwgk.projections.participation import counts_of, participation
from zwgk.projections.requests import report_dues, unpublished_reports
from zwgk.projections.store import Transaction

# What a deadline asks to be done, as the sentence of a late act says it: 逾期公开：应于…前公开，实际…公开.
DUE_ZH = {Rule.D3: "公开", Rule.D9: "发布解读", Rule.D11: "公开", Rule.A1: "答复", Rule.A4: "发出补正通知",
          Rule.A5: "结束征求第三方意见", Rule.A6: "公开", Rule.M1: "公示意见采纳情况", Rule.P4: "公开意见采纳情况",
          Rule.E2: "公布", Rule.E4: "完成整改",
          f"{Rule.N2}:information": "发布权威信息", f"{Rule.N2}:press_conference": "举行新闻发布会"}
# A breach an event records without a deadline of the deadlines view behind it.
BREACHED_ZH = {Rule.H3: "听证会未公开举行，且不涉及国家秘密", Rule.O1: "未在开放日前7个工作日内公示参加代表",
               Rule.D10: "不予公开文件未在当年11月复核"}
A4_WORKING_DAYS = 7  # 政府信息公开条例 第三十条


@dataclass(frozen=True)
class Lateness:
    """A deadline against when its act was done (None: not yet): due and actual days, or for N2 instants."""

    rule: str
    verb: str  # what was due, in Chinese
    start: str | None
    due: str
    actual: str | None
    working_days: int | None
    hours: float | None

    @classmethod
    def measured(cls, calendar: WorkingDayCalendar, rule: str, verb: str, start: str | None, due: str, actual: str | None,
                 today: date, now: datetime) -> Lateness:
        """Working days from the due day to the act's day (or today); hours for a due instant (N2)."""
        if "T" in due:
            done = datetime.fromisoformat(actual) if actual else now
            return cls(rule, verb, start, due, actual, None, round((done - datetime.fromisoformat(due)).total_seconds() / 3600, 1))
        done_day = date.fromisoformat(actual) if actual else today
        return cls(rule, verb, start, due, actual, calendar.working_days_between(date.fromisoformat(due), done_day), None)

    def zh(self, what: str = "") -> str:
        """逾期公开：应于2020-07-10前公开，实际2020-07-14公开，逾期2个工作日（D3）."""
        late = f"{self.working_days}个工作日" if self.hours is None else f"{self.hours:g}小时"
        due, verb = _shown(self.due), self.verb
        if self.actual:
            return f"{what}逾期{verb}：应于{due}前{verb}，实际{_shown(self.actual)}{verb}，逾期{late}（{self.rule}）"
        return f"{what}逾期未{verb}：应于{due}前{verb}，至今未{verb}，已逾期{late}（{self.rule}）"

    def en(self) -> str:
        late = f"{self.working_days} working days" if self.hours is None else f"{self.hours:g} hours"
        done = f"done {self.actual}" if self.actual else "not done"
        return f"{self.rule}: due {self.due}, {done}, {late} late"

    def fields(self) -> dict[str, Any]:
        return {"start": self.start, "due": self.due, "actual": self.actual, "late_working_days": self.working_days,
                "late_hours": self.hours}


def _shown(moment: str) -> str:
    """A day as it is; an instant (CST, to the minute) as people read it."""
    return moment.replace("T", " ")[:16] if "T" in moment else moment


def _ruled(flag: str) -> str:
    """A participation flag led by its rule (H4 听证笔录未归档) as the report's sentences end with it: 听证笔录未归档（H4）."""
    return f"{flag[3:]}（{flag[:2]}）"


def _instant(stored: str) -> str:
    """An instant the views store (UTC) in China Standard Time to the minute, as N2's due instants are."""
    return from_ts(stored).astimezone(CST).isoformat(timespec="minutes")


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
               rule: str = "", now: datetime | None = None, unit_prefix: bool = True) -> list[dict[str, Any]]:
    """Every violation, by day; `unit` is a unit's name or the start of it (县教育局, or 县 for every county unit),
    or with `unit_prefix` false its whole name only (for a reader confined to their own unit)."""
    now = now or datetime.combine(today, datetime.min.time(), CST)
    titles = _titles(tx)
    found: list[dict[str, Any]] = []

    def add(rule_id: str, owner: str, record: str, on: str, kind: str, detail: str, reason: str,
            late: Lateness | None = None) -> None:
        dates = late.fields() if late else {"start": None, "due": None, "actual": None, "late_working_days": None,
                                            "late_hours": None}
        found.append({"rule": rule_id, "unit": owner, "record_id": record, "subject": titles.get(record, ""), "on": on,
                      "kind": kind, "detail": detail, "reason": reason, **dates})

    def measured(rule_id: str, verb_key: str, start: str | None, due: str, actual: str | None) -> Lateness:
        return Lateness.measured(calendar, rule_id, DUE_ZH.get(verb_key, "完成"), start, due, actual, today, now)

    overdue = {d["deadline_id"]: d for d in deadline_rows(tx, calendar, today, overdue=True, now=now)}
    report_due = report_dues(tx)
    reports = {(owner, published_at): report_year for owner, report_year, published_at in tx.all(
        "SELECT unit, year, published_at FROM annual_reports WHERE a6_outcome = ?", (RuleOutcome.BREACHED,))}
    explained = set()
    for record, event_type, owner, occurred_at, outcomes in tx.all(
        "SELECT aggregate_id, event_type, subject_unit, occurred_at, rule_outcomes FROM timeline_events "
        "WHERE rule_outcomes <> '{}' ORDER BY position"
    ):
        for rule_id, outcome in json.loads(outcomes).items():
            if outcome != RuleOutcome.BREACHED:
                continue
            key = f"{rule_id}:{N2_CLOSED_BY[event_type]}" if rule_id == Rule.N2 and event_type in N2_CLOSED_BY else rule_id
            deadline = overdue.get(f"{record}:{key}")
            day = cst_day(occurred_at)
            if deadline is not None:
                explained.add(deadline["deadline_id"])
                actual = _instant(occurred_at) if "T" in deadline["due"] else day
                late = measured(rule_id, key, deadline["start"], deadline["due"], actual)
                add(rule_id, owner, record, day, "breached", late.zh(), f"{late.en()} ({event_type})", late)
            elif rule_id == Rule.A6 and (owner, occurred_at) in reports:
                report_year = reports[(owner, occurred_at)]
                late = measured(rule_id, rule_id, None, report_due(owner, report_year).isoformat(), day)
                add(rule_id, owner, record, day, "breached", late.zh(f"{report_year}年度报告"), f"{late.en()} ({event_type})", late)
            else:
                text = BREACHED_ZH.get(rule_id) or f"未遵守：{Rule[rule_id].title_zh}"
                add(rule_id, owner, record, day, "breached", f"{text}（{rule_id}）", f"{rule_id} breached ({event_type})")
    for deadline_id, d in overdue.items():
        if deadline_id in explained:
            continue
        verb_key = deadline_id.split(":", 1)[1]
        if d["status"] == "open":
            late = measured(d["rule"], verb_key, d["start"], d["due"], None)
            add(d["rule"], d["unit"], d["source_id"], d["due"][:10], "overdue", late.zh(), late.en(), late)
        else:  # closed late by an event without a rule outcome (A5, E4)
            actual = _instant(d["closed_at"]) if "T" in d["due"] else cst_day(d["closed_at"])
            late = measured(d["rule"], verb_key, d["start"], d["due"], actual)
            add(d["rule"], d["unit"], d["source_id"], cst_day(d["closed_at"]), "breached", late.zh(), late.en(), late)
    for item, owner, unfiled, updated_at in tx.all(
        "SELECT item_id, unit, unfiled, updated_at FROM catalogue_items WHERE unfiled <> '[]'"
    ):
        versions = json.loads(unfiled)
        add(Rule.C4, owner, item, cst_day(updated_at), "missing", f"清单调整（版本 {'、'.join(map(str, versions))}）未报领导小组备案（C4）",
            f"C4: adjustments {versions} not filed")
    for act, owner, published_at in tx.all(
        "SELECT act_id, unit, published_at FROM disclosure_register WHERE published_at IS NOT NULL AND original_sha256 IS NULL"
    ):
        add(Rule.D8, owner, act, cst_day(published_at), "missing", "已公开，原件未存档（D8）", "D8: published, original not archived")
    for request, owner, received_on, sent_on in tx.all(
        "SELECT request_id, unit, received_on, completion_requested_on FROM information_requests WHERE a4_outcome = ?",
        (RuleOutcome.BREACHED,)
    ):
        due = calendar.add_working_days(date.fromisoformat(received_on), A4_WORKING_DAYS, Rule.A4).due.isoformat()
        late = measured(Rule.A4, Rule.A4, received_on, due, sent_on)
        add(Rule.A4, owner, request, sent_on, "breached", late.zh(), late.en(), late)
    for act, owner, drafted_at, rechecks in tx.all(
        "SELECT act_id, unit, drafted_at, rechecks FROM disclosure_register WHERE attribute = 'withheld' AND withdrawn = 0"
    ):
        missing = _unrechecked_years(date.fromisoformat(cst_day(drafted_at)), set(map(int, json.loads(rechecks))), today)
        if missing:
            add(Rule.D10, owner, act, f"{missing[-1]}-11-30", "missing", f"不予公开文件未按年复核：{_years(missing)} 年（D10）",
                f"D10: not re-checked in November of {missing}")
    processes = participation(tx)
    for row in processes:
        for flag in row["missing"]:
            add(flag[:2], row["unit"], row["record_id"], row["day"], "missing", _ruled(flag), f"{flag[:2]}: missing after the hearing")
    for owner, period, due, published, assessment in unpublished_evaluations(tx, today):
        what = f"{period[:4]}年第{period[-1]}季度考核结果" if "Q" in period else f"{period}年度考核结果"
        late = measured(Rule.E2, Rule.E2, None, due, published)
        add(Rule.E2, owner, assessment, due, "breached" if published else "missing", late.zh(what),
            f"{late.en()} (evaluation {period})", late)
    for owner, report_year, due_day in unpublished_reports(tx, today):
        late = measured(Rule.A6, Rule.A6, None, due_day.isoformat(), None)
        add(Rule.A6, owner, "", due_day.isoformat(), "missing", late.zh(f"{report_year}年度报告"),
            f"{late.en()} (annual report {report_year})", late)
    for complaint, owner, registered_at in tx.all(
        "SELECT complaint_id, respondent_unit, registered_at FROM complaints WHERE status = 'answered'"
    ):
        add(Rule.Q4, owner, complaint, cst_day(registered_at), "missing", "已向投诉人反馈，处理及反馈情况未公开（Q4）",
            "Q4: answered, handling and feedback not published")
    first = min((int(r["day"][:4]) for r in processes), default=today.year)
    for counted_year in [year] if year else range(first, today.year + 1):
        for counted in counts_of(processes, counted_year, today):
            for flag in counted["flags"]:
                add(flag[:2], counted["unit"], "", f"{counted_year}-12-31", "missing", _ruled(flag),
                    f"{flag[:2]}: count short in {counted_year}")
    return sorted(
        (v for v in found if (v["unit"].startswith(unit) if unit_prefix else v["unit"] == unit or not unit)
         and (not year or v["on"].startswith(str(year)))
         and (not rule or v["rule"] == rule)),
        key=lambda v: (v["on"], v["rule"], v["unit"], v["record_id"], v["detail"]),
    )

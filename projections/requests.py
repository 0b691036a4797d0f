"""Applications for disclosure as the annual report counts them (A6): the application table
of the national format (国办公开办函〔2021〕30号), rows 一 to 四, columns by applicant; the reports
published, and the organs' kinds that say when each is due."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from zwgk.domain.annual_reports import AnnualReport
from zwgk.domain.calendar import cst_date
from zwgk.domain.organs import Organ, OrganKind, report_due
from zwgk.domain.requests import SUB_REASONS_ZH, ApplicantKind, InformationRequest
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.catalogue import cst_day, ts
from zwgk.projections.events import Handlers, ProjectedEvent
from zwgk.projections.keyset import Key, keyset
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction

COLUMNS = [k.value for k in ApplicantKind]
COLUMNS_ZH = {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
              "social_welfare_organisation": "社会公益组织", "legal_service_organisation": "法律服务机构",
              "other_organisation": "其他", "total": "总计"}
# Row 三's lines: (key, label, report row, sub-reason or None for the whole row).
OUTCOME_LINES = [
    ("3.1", "（一）予以公开", "disclosed", None),
    ("3.2", "（二）部分公开", "partially_disclosed", None),
    *[(f"3.3.{i}", f"（三）不予公开 {i}.{SUB_REASONS_ZH[r]}", "withheld", r) for i, r in enumerate(
        ["state_secret", "law_prohibited", "security_stability", "third_party_rights", "internal_affairs",
         "process_information", "enforcement_file", "administrative_query"], start=1)],
    *[(f"3.4.{i}", f"（四）无法提供 {i}.{SUB_REASONS_ZH[r]}", "cannot_provide", r) for i, r in enumerate(
        ["not_held", "needs_creation", "unclear_after_completion"], start=1)],
    *[(f"3.5.{i}", f"（五）不予处理 {i}.{SUB_REASONS_ZH[r]}", "not_processed", r) for i, r in enumerate(
        ["petition_or_complaint", "repeated", "publication", "excessive", "confirmation"], start=1)],
    *[(f"3.6.{i}", f"（六）其他处理 {i}.{SUB_REASONS_ZH[r]}", "other", r) for i, r in enumerate(
        ["abandoned", "fees_unpaid", "other"], start=1)],
]


FOLD: Handlers[Callable[[Transaction, ProjectedEvent], None]] = Handlers()


class RequestsView(Projection):
    name = "requests"
    tables = {
        "information_requests": """CREATE TABLE IF NOT EXISTS information_requests (
            request_id TEXT PRIMARY KEY, unit TEXT NOT NULL, applicant_kind TEXT NOT NULL, received_on TEXT NOT NULL,
            due TEXT NOT NULL, concluded_on TEXT, report_row TEXT, sub_reason TEXT, a1_outcome TEXT,
            completion_requested_on TEXT, a4_outcome TEXT)""",
        "annual_reports": """CREATE TABLE IF NOT EXISTS annual_reports (
            unit TEXT NOT NULL, year INTEGER NOT NULL, published_at TEXT NOT NULL, a6_outcome TEXT NOT NULL,
            PRIMARY KEY (unit, year))""",
        "organ_kinds": """CREATE TABLE IF NOT EXISTS organ_kinds (unit TEXT PRIMARY KEY, kind TEXT NOT NULL)""",
    }
    export_order = {"information_requests": "request_id", "annual_reports": "unit, year", "organ_kinds": "unit"}
    # 2: a request is concluded on its day in China Standard Time, not in UTC; 3: recomputed deadlines; 4: organs' kinds (A6)
    revision = 4

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        FOLD.dispatch(tx, event)


@FOLD.on(InformationRequest.Received)
def _received(tx: Transaction, event: ProjectedEvent) -> None:
    r = event.record
    tx.execute("INSERT INTO information_requests (request_id, unit, applicant_kind, received_on, due) VALUES (?, ?, ?, ?, ?)",
               (event.aggregate_id, r["unit"], r["applicant_kind"], r["received_on"].isoformat(), r["deadline"]["due"].isoformat()))


@FOLD.on(InformationRequest.CompletionRequested)
def _completion_requested(tx: Transaction, event: ProjectedEvent) -> None:
    tx.execute("UPDATE information_requests SET completion_requested_on = ?, a4_outcome = ? WHERE request_id = ?",
               (cst_date(event.occurred_at).isoformat(), RuleOutcome.of(event.record["on_time"]), event.aggregate_id))


@FOLD.on(InformationRequest.Completed, InformationRequest.ConsultationEnded, InformationRequest.Extended,
         InformationRequest.ReplyDeadlineRecomputed)
def _reply_moved(tx: Transaction, event: ProjectedEvent) -> None:
    tx.execute("UPDATE information_requests SET due = ? WHERE request_id = ?",
               (event.record["deadline"]["due"].isoformat(), event.aggregate_id))


@FOLD.on(InformationRequest.Answered)
def _answered(tx: Transaction, event: ProjectedEvent) -> None:
    r = event.record
    tx.execute("UPDATE information_requests SET concluded_on = ?, report_row = ?, sub_reason = ?, a1_outcome = ? "
               "WHERE request_id = ?", (cst_date(event.occurred_at).isoformat(), r["report_row"], r["sub_reason"] or None,
                                        r["rule_outcomes"][Rule.A1], event.aggregate_id))


@FOLD.on(InformationRequest.Abandoned)
def _abandoned(tx: Transaction, event: ProjectedEvent) -> None:
    tx.execute("UPDATE information_requests SET concluded_on = ?, report_row = 'other', sub_reason = 'abandoned' "
               "WHERE request_id = ?", (cst_date(event.occurred_at).isoformat(), event.aggregate_id))


@FOLD.on(AnnualReport.Published)
def _annual_report_published(tx: Transaction, event: ProjectedEvent) -> None:
    r = event.record
    tx.execute("INSERT INTO annual_reports (unit, year, published_at, a6_outcome) VALUES (?, ?, ?, ?)",
               (r["unit"], r["year"], ts(event.occurred_at), r["rule_outcomes"][Rule.A6]))


@FOLD.on(Organ.KindRecorded)
def _organ_kind_recorded(tx: Transaction, event: ProjectedEvent) -> None:
    tx.execute("INSERT INTO organ_kinds (unit, kind) VALUES (?, ?)", (event.record["unit"], event.record["kind"]))


def annual_table(tx: Transaction, unit: str, year: int) -> dict[str, Any]:
    """The application table: one row per line, one column per kind of applicant, and the
    check 一 + 二 = 三（七）+ 四 in every column."""
    start, end = date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
    rows: dict[str, Counter[str]] = {key: Counter() for key in ["1", "2", *(k for k, *_ in OUTCOME_LINES), "3.7", "4"]}
    for kind, received, concluded, row, sub in tx.all(
        "SELECT applicant_kind, received_on, concluded_on, report_row, sub_reason FROM information_requests WHERE unit = ?", (unit,)
    ):
        if received > end or (concluded is not None and concluded < start):
            continue
        rows["1" if received >= start else "2"][kind] += 1
        if concluded is not None and concluded <= end:
            line = next(k for k, _, r, s in OUTCOME_LINES if r == row and (s is None or s == (sub or "other")))
            rows[line][kind] += 1
            rows["3.7"][kind] += 1
        else:
            rows["4"][kind] += 1
    labels = {"1": "一、本年新收政府信息公开申请数量", "2": "二、上年结转政府信息公开申请数量",
              **{k: label for k, label, *_ in OUTCOME_LINES}, "3.7": "（七）总计", "4": "四、结转下年度继续办理"}
    table = [{"line": key, "label": labels[key], **{c: counts[c] for c in COLUMNS}, "total": sum(counts.values())}
             for key, counts in rows.items()]
    check = {c: rows["1"][c] + rows["2"][c] == rows["3.7"][c] + rows["4"][c] for c in COLUMNS}
    return {"unit": unit, "year": year, "rows": table, "check_holds": all(check.values()), "check": check}


def disclosure_years(tx: Transaction) -> set[tuple[str, int]]:
    """A6: (unit, year) of each year a unit did disclosure work — received an application, published a
    disclosure, adjusted its catalogue — read from the views that hold each (the register and the
    catalogue are other views of the same store)."""
    found = set(tx.all("SELECT DISTINCT unit, CAST(SUBSTR(received_on, 1, 4) AS INTEGER) FROM information_requests"))
    for unit, instant in [*tx.all("SELECT unit, published_at FROM disclosure_register WHERE published_at IS NOT NULL"),
                          *tx.all("SELECT actor_unit, occurred_at FROM catalogue_history")]:
        found.add((unit, int(cst_day(instant)[:4])))
    return found


def report_dues(tx: Transaction) -> Callable[[str, int], date]:
    """A6: the day a unit's report of a year is due, by the unit's recorded kind (a department's date when not recorded)."""
    kinds = {unit: OrganKind(kind) for unit, kind in tx.all("SELECT unit, kind FROM organ_kinds")}
    return lambda unit, year: report_due(kinds.get(unit, OrganKind.DEPARTMENT), year)


def unpublished_reports(tx: Transaction, today: date) -> list[tuple[str, int, date]]:
    """A6: (unit, year, due day) of every year with disclosure work, applications or not, whose report is
    past due and not published; due by the unit's recorded kind (a department's date when not recorded)."""
    due = report_dues(tx)
    published = set(tx.all("SELECT unit, year FROM annual_reports"))
    dues = ((unit, year, due(unit, year)) for unit, year in disclosure_years(tx))
    return sorted((unit, year, due) for unit, year, due in dues if (unit, year) not in published and today > due)


def as_published(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The table as the AnnualReport event records it: line → column → count."""
    return {row["line"]: {c: row[c] for c in [*COLUMNS, "total"]} for row in report["rows"]}


REQUEST_COLUMNS = ("request_id", "unit", "applicant_kind", "received_on", "due", "concluded_on", "report_row", "sub_reason",
                   "a1_outcome", "completion_requested_on", "a4_outcome")


def information_requests(tx: Transaction, unit: str = "", year: int | None = None, concluded: bool | None = None,
                         after: Key | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Applications by the day they count from (the applicant is sealed in the events and absent here); those
    received in a year, concluded or still open; a page after `after` = (received_on, request_id)."""
    where: list[str] = []
    params: list[Any] = []
    if unit:
        where.append("unit = ?")
        params.append(unit)
    if year is not None:
        where.append("received_on >= ? AND received_on < ?")
        params += [f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]
    if concluded is not None:
        where.append(f"concluded_on IS {'NOT ' if concluded else ''}NULL")
    rows = keyset(tx, f"SELECT {', '.join(REQUEST_COLUMNS)} FROM information_requests", where, params,
                  ("received_on", "request_id"), after, limit)
    return [dict(zip(REQUEST_COLUMNS, row, strict=True)) for row in rows]

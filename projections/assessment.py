"""Assessment indicators 考核指标 per unit and period, computed from the views: what the
events show about a unit's disclosure work, beside which assessors put their scores (E1–E4);
and the assessments view, which says when each result was published (E2)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from zwgk.domain.accountability import AccountabilityCase
from zwgk.domain.assessment import Assessment
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.catalogue import cst_day, ts
from zwgk.projections.events import ProjectedEvent, event_type
from zwgk.projections.participation import HELD, participation
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction

SELF_ASSESSED, PUBLISHED = event_type(Assessment.SelfAssessed), event_type(Assessment.Published)


class AssessmentsView(Projection):
    """Each unit's assessment per period, and when its result was published 通报 (E2, E3)."""

    name = "assessments"
    tables = {
        "assessments": """CREATE TABLE IF NOT EXISTS assessments (
            assessment_id TEXT PRIMARY KEY, unit TEXT NOT NULL, period TEXT NOT NULL, published_at TEXT)""",
    }
    export_order = {"assessments": "assessment_id"}

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        r = event.record
        if event.type == SELF_ASSESSED:
            tx.write("INSERT INTO assessments (assessment_id, unit, period) VALUES (?, ?, ?)", (event.aggregate_id, r["unit"], r["period"]))
        elif event.type == PUBLISHED:
            tx.write("UPDATE assessments SET published_at = COALESCE(published_at, ?) WHERE assessment_id = ?",
                     (ts(event.occurred_at), event.aggregate_id))


def unpublished_evaluations(tx: Transaction, today: date) -> list[tuple[str, str, str, str | None, str]]:
    """E2: for each unit in every year it was assessed, each quarter's evaluation published by the end of
    the next quarter and the year's by 31 March of the next: (unit, period, due day, published day or None,
    the assessment's record id or "" when the period was never assessed) for each period not published by
    its due day, once that day has passed."""
    rows = tx.all("SELECT assessment_id, unit, period, published_at FROM assessments ORDER BY assessment_id")
    published: dict[tuple[str, str], str] = {}
    records: dict[tuple[str, str], str] = {}
    for assessment_id, unit, period, at in rows:
        records.setdefault((unit, period), assessment_id)
        if at:
            day = cst_day(at)
            if day < published.get((unit, period), "9999"):
                published[(unit, period)], records[(unit, period)] = day, assessment_id
    late = []
    for unit, year in sorted({(unit, int(period[:4])) for _, unit, period, _ in rows}):
        dues = {f"{year}-Q{q}": _quarter_end(year, q + 1) for q in range(1, 5)} | {str(year): date(year + 1, 3, 31)}
        for period, due in dues.items():
            done = published.get((unit, period))
            if today > due and (done is None or done > due.isoformat()):
                late.append((unit, period, due.isoformat(), done, records.get((unit, period), "")))
    return late


def _quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter; quarter 5 is the next year's first."""
    year, quarter = (year + 1, 1) if quarter == 5 else (year, quarter)
    return date(year, 3 * quarter, 31 if quarter in (1, 4) else 30)


@dataclass(frozen=True)
class Indicators:
    unit: str
    period: str  # 2022 or 2022-Q1
    published: int = 0
    published_on_time: int = 0  # D3, D11
    adjustments: int = 0
    adjustments_filed: int = 0  # C4
    archived: int = 0  # D8, R1: published acts whose original is archived
    interpretations_due: int = 0  # D9: policies published, each owing an interpretation
    interpreted_on_time: int = 0
    replies: int = 0  # A1–A5: applications closed (answered or abandoned)
    replies_on_time: int = 0
    hearings_held: int = 0  # H1–H5: held (with due notice, H1 refuses the rest)
    hearings_complete: int = 0  # record archived, minutes issued, outcome published
    complaints: int = 0  # Q4: complaints about the unit
    complaints_published: int = 0
    accountability_cases: int = 0  # K1: cases opened about the unit

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "on_time_rate": self.rate(self.published_on_time, self.published),
            "filing_rate": self.rate(self.adjustments_filed, self.adjustments),
            "archiving_rate": self.rate(self.archived, self.published),
            "interpretation_rate": self.rate(self.interpreted_on_time, self.interpretations_due),
            "reply_rate": self.rate(self.replies_on_time, self.replies),
            "hearing_completion_rate": self.rate(self.hearings_complete, self.hearings_held),
            "complaint_publication_rate": self.rate(self.complaints_published, self.complaints),
        }


def _period_of(day: str, quarterly: bool) -> str:
    year, month = day[:4], int(day[5:7])
    return f"{year}-Q{(month - 1) // 3 + 1}" if quarterly else year


def indicators(tx: Transaction, year: int, quarterly: bool = False, unit: str = "") -> list[Indicators]:
    """Indicators for every unit (or one) with activity or an assessment in the year, by year or by quarter:
    each counted from the view that holds it, in the period of the act it counts."""
    counts: dict[tuple[str, str], Counter[str]] = {}

    def count(owner: str, instant: str | None, **values: bool) -> None:
        day = cst_day(instant) if instant else ""
        if day.startswith(str(year)) and (not unit or owner == unit):
            counts.setdefault((owner, _period_of(day, quarterly)), Counter()).update(
                {name: int(value) for name, value in values.items()})

    for owner, published_at, outcome, original, interpretation_due, d9 in tx.all(
        "SELECT unit, published_at, publication_outcome, original_sha256, interpretation_due, d9_outcome FROM disclosure_register "
        "WHERE published_at IS NOT NULL"
    ):
        count(owner, published_at, published=True, published_on_time=outcome == RuleOutcome.MET, archived=original is not None)
        if interpretation_due:
            count(owner, published_at, interpretations_due=True, interpreted_on_time=d9 == RuleOutcome.MET)
    for elements, occurred_at, filed_at in tx.all(
        "SELECT i.elements, h.occurred_at, h.filed_at FROM catalogue_history h JOIN catalogue_items i ON i.item_id = h.item_id"
    ):
        count(json.loads(elements)["responsible_unit"], occurred_at, adjustments=True, adjustments_filed=filed_at is not None)
    for owner, closed_at, status in tx.all("SELECT unit, closed_at, status FROM deadlines WHERE rule = ? AND status <> 'open'",
                                           (Rule.A1,)):
        count(owner, closed_at, replies=True, replies_on_time=status == RuleOutcome.MET)
    for row in participation(tx, process="hearing"):
        if HELD in row["steps"]:
            count(row["unit"], row["day"], hearings_held=True, hearings_complete=not row["flags"])
    for owner, registered_at, status in tx.all("SELECT respondent_unit, registered_at, status FROM complaints"):
        count(owner, registered_at, complaints=True, complaints_published=status == "published")
    for owner, occurred_at in tx.all(
        "SELECT subject_unit, occurred_at FROM timeline_events WHERE event_type = ?", (event_type(AccountabilityCase.Opened),)
    ):
        count(owner, occurred_at, accountability_cases=True)
    for owner, period in tx.all("SELECT unit, period FROM assessments WHERE period LIKE ?", (f"{year}%",)):
        if (len(period) > 4) == quarterly and (not unit or owner == unit):  # E1: every assessed unit, even without other activity
            counts.setdefault((owner, period), Counter())
    return [Indicators(owner, period, **values) for (owner, period), values in sorted(counts.items())]


def ranking(rows: list[Indicators], scores: Mapping[tuple[str, str], Decimal] | None = None) -> list[dict[str, Any]]:
    """Units ranked within each period: by the assessors' score (E1), the official result, where one is
    given (keyed by unit and period), ahead of units not scored yet; then by on-time publication,
    filings and archiving."""
    scores = scores or {}

    def key(i: Indicators) -> tuple[str, bool, Decimal | int, float, float, float, str]:
        score = scores.get((i.unit, i.period))
        return (i.period, score is None, -(score or 0), -(i.rate(i.published_on_time, i.published) or 0),
                -(i.rate(i.adjustments_filed, i.adjustments) or 0), -(i.rate(i.archived, i.published) or 0), i.unit)

    result, rank, period = [], 0, None
    for row in sorted(rows, key=key):
        rank = 1 if row.period != period else rank + 1
        period = row.period
        result.append({"rank": rank, **row.as_dict()})
    return result

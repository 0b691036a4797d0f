"""Assessment indicators 考核指标 per unit and period, computed from the views: what the
events show about a unit's disclosure work, beside which assessors put their scores (E1–E4)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from zwgk.projections.store import Transaction


@dataclass(frozen=True)
class Indicators:
    unit: str
    period: str  # 2022 or 2022-Q1
    published: int
    published_on_time: int  # D3, D11
    adjustments: int
    adjustments_filed: int  # C4
    archived: int  # D8, R1: published acts whose original is archived

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "on_time_rate": self.rate(self.published_on_time, self.published),
            "filing_rate": self.rate(self.adjustments_filed, self.adjustments),
            "archiving_rate": self.rate(self.archived, self.published),
        }


def _period_of(instant: str, quarterly: bool) -> str:
    year, month = instant[:4], int(instant[5:7])
    return f"{year}-Q{(month - 1) // 3 + 1}" if quarterly else year


def indicators(tx: Transaction, year: int, quarterly: bool = False, unit: str = "") -> list[Indicators]:
    """Indicators for every unit (or one) with activity in the year, by year or by quarter."""
    counts: dict[tuple[str, str], dict[str, int]] = {}

    def bucket(owner: str, instant: str) -> dict[str, int] | None:
        if not instant.startswith(str(year)) or (unit and owner != unit):
            return None
        return counts.setdefault((owner, _period_of(instant, quarterly)),
                                 {"published": 0, "published_on_time": 0, "adjustments": 0, "adjustments_filed": 0, "archived": 0})

    for owner, published_at, outcome, original in tx.all(
        "SELECT unit, published_at, d3_outcome, original_sha256 FROM disclosure_register WHERE published_at IS NOT NULL"
    ):
        if (b := bucket(owner, published_at)) is not None:
            b["published"] += 1
            b["published_on_time"] += outcome == "met"
            b["archived"] += original is not None
    for elements, occurred_at, filed_at in tx.all(
        "SELECT i.elements, h.occurred_at, h.filed_at FROM catalogue_history h JOIN catalogue_items i ON i.item_id = h.item_id"
    ):
        if (b := bucket(json.loads(elements)["responsible_unit"], occurred_at)) is not None:
            b["adjustments"] += 1
            b["adjustments_filed"] += filed_at is not None
    return [Indicators(owner, period, **values) for (owner, period), values in sorted(counts.items())]


def ranking(rows: list[Indicators]) -> list[dict[str, Any]]:
    """Units ranked by on-time publication, then filings, then archiving, within each period."""
    def key(i: Indicators) -> tuple:
        return (i.period, -(i.rate(i.published_on_time, i.published) or 0), -(i.rate(i.adjustments_filed, i.adjustments) or 0),
                -(i.rate(i.archived, i.published) or 0), i.unit)

    result, rank, period = [], 0, None
    for row in sorted(rows, key=key):
        rank = 1 if row.period != period else rank + 1
        period = row.period
        result.append({"rank": rank, **row.as_dict()})
    return result

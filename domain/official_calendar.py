"""Official calendars 节假日安排 loaded for years `chinese-calendar` does not cover yet.

Loading one is an event, so that every deadline recomputed from it can be traced to
the calendar that moved it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import LoadedYear
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import DomainError
from zwgk.domain.plausible import Year
from zwgk.domain.records import Record


def calendar_year_id(year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"zwgk:calendar:{year}")


class OfficialCalendarYear(Record):
    """The official working-day calendar of one year, as published by the State Council."""

    what_zh = "官方日历"
    context = "calendar"

    if TYPE_CHECKING:
        year: int
        days: list[dict[str, Any]]
        source: str

    class Loaded(Record.Created):
        """The official calendar of a year loaded: its holidays and adjusted working days."""

        is_public = True

        year: int
        days: list[dict[str, Any]]
        source: str

        def apply(self, calendar: OfficialCalendarYear) -> None:
            calendar.year = self.year
            calendar.days = self.days
            calendar.source = self.source

    class Replaced(Record.Event):
        """A corrected official calendar for the same year."""

        is_public = True

        days: list[dict[str, Any]]
        source: str

        def apply(self, calendar: OfficialCalendarYear) -> None:
            calendar.days = self.days
            calendar.source = self.source

    @staticmethod
    def parse(document: Mapping[str, Any]) -> tuple[LoadedYear, list[dict[str, Any]]]:
        loaded = LoadedYear.from_holiday_cn(document)
        days = [
            {"name": str(d.get("name", "")), "date": str(d["date"]), "isOffDay": bool(d["isOffDay"])}
            for d in sorted(document["days"], key=lambda d: str(d["date"]))
        ]
        return loaded, days

    @classmethod
    def load(
        cls, *, actor: Actor, occurred_at: datetime | None, document: Mapping[str, Any]
    ) -> OfficialCalendarYear:
        loaded, days = cls.parse(document)
        return cls._open(
            cls.Loaded,
            id=calendar_year_id(loaded.year),
            actor=actor,
            occurred_at=occurred_at,
            year=loaded.year,
            days=days,
            source=loaded.source,
        )

    def replace(
        self, *, actor: Actor, occurred_at: datetime | None, document: Mapping[str, Any]
    ) -> None:
        loaded, days = self.parse(document)
        if loaded.year != self.year:
            raise DomainError("CALENDAR_INVALID", "年份不符。", "year differs")
        if loaded.source == self.source:
            raise DomainError(
                "CALENDAR_UNCHANGED",
                f"{self.year} 年日历与已载入的相同。",
                f"the {self.year} calendar is already loaded",
            )
        self._record(self.Replaced, actor=actor, occurred_at=occurred_at, days=days, source=loaded.source)

    def as_loaded_year(self) -> LoadedYear:
        return LoadedYear.from_holiday_cn({"year": self.year, "days": self.days})


@dataclass(frozen=True, kw_only=True)
class LoadCalendar(Command, name="load_calendar", summary_zh="载入官方节假日安排并重算临时期限"):
    """A year loaded (or replaced by a newer notice), then every provisional deadline it settles is moved."""

    year: Year
    days: list[dict[str, Any]]
    """[{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, …]"""

    def handle(self, ctx: Context) -> list[Outcome]:
        document = self.args()
        if ctx.ledger.exists(calendar_year_id(self.year)):
            calendar = ctx.ledger.load(OfficialCalendarYear, calendar_year_id(self.year))
            calendar.replace(**ctx.at(), document=document)
        else:
            calendar = OfficialCalendarYear.load(**ctx.at(), document=document)
        return [ctx.ledger.record(calendar), *ctx.ledger.settle_provisional_deadlines(ctx.occurred_at)]


@dataclass(frozen=True, kw_only=True)
class RecomputeDeadlines(Command, name="recompute_deadlines", summary_zh="按已载入日历重算临时期限"):
    def handle(self, ctx: Context) -> list[Outcome]:
        return ctx.ledger.settle_provisional_deadlines(ctx.occurred_at)

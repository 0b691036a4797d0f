"""Working days 工作日 and deadlines 期限.

The official calendar (weekends and statutory holidays off, 调休 adjusted working
days on) comes from `chinese-calendar` for the years it covers, and from official
calendars loaded later (`OfficialCalendarYear`) for further years. Beyond both, a
deadline is computed provisionally on Monday–Friday less the statutory holidays the
national rules fix (`statutory_holidays`) and marked `provisional`; it is recomputed
by a new event once the year's calendar is loaded.

Counting (民法典 第二百零一条): the starting day is not counted; "within n working
days" ends at 24:00 China Standard Time of the n-th working day after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib.metadata import version

import chinese_calendar
from chinese_calendar import constants

from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule
from zwgk.domain.statutory_holidays import days_off

CST = timezone(timedelta(hours=8), "CST")
BUILTIN_SOURCE = f"chinese-calendar {version('chinese-calendar')}"
BUILTIN_YEARS = range(
    min(d.year for d in constants.holidays), max(d.year for d in constants.holidays) + 1
)
PROVISIONAL_SOURCE = "provisional weekdays less statutory holidays"


def cst_date(instant: datetime) -> date:
    """The calendar day in China Standard Time, whatever the server's zone."""
    return instant.astimezone(CST).date()


def end_of_day_cst(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), CST)


@dataclass(frozen=True)
class LoadedYear:
    """An official calendar for one year, in the holiday-cn layout."""

    year: int
    off_days: frozenset[date]  # statutory holidays, including weekend days of a holiday
    on_days: frozenset[date]  # 调休: weekend days declared working days

    @property
    def source(self) -> str:
        digest = hashlib.sha256(
            json.dumps(
                [sorted(map(str, self.off_days)), sorted(map(str, self.on_days))]
            ).encode()
        ).hexdigest()[:12]
        return f"official {self.year} sha256:{digest}"

    @classmethod
    def from_holiday_cn(cls, document: Mapping[str, object]) -> LoadedYear:
        """Parse `{"year": 2027, "days": [{"name", "date", "isOffDay"}, …]}`."""

        def invalid(zh: str, en: str) -> DomainError:
            return DomainError("CALENDAR_INVALID", f"日历文件无效：{zh}", f"invalid calendar: {en}")

        year = document.get("year")
        days = document.get("days")
        if not isinstance(year, int) or not isinstance(days, list):
            raise invalid("须含整数 year 和列表 days。", "needs an integer year and a list of days")
        off: set[date] = set()
        on: set[date] = set()
        for entry in days:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("isOffDay"), bool):
                raise invalid("每一天须含 name、date、isOffDay。", "each day needs name, date, isOffDay")
            try:
                day = date.fromisoformat(str(entry.get("date")))
            except ValueError:
                raise invalid(f"日期格式错误：{entry.get('date')}", f"bad date {entry.get('date')}") from None
            if day.year != year:
                raise invalid(f"{day} 不属于 {year} 年。", f"{day} is not in {year}")
            if day in off or day in on:
                raise invalid(f"{day} 重复出现。", f"{day} listed twice")
            if entry["isOffDay"]:
                off.add(day)
            elif day.weekday() >= 5:
                on.add(day)
            else:
                raise invalid(f"{day} 是工作日，不能列为调休上班日。", f"{day} is a weekday, not an adjusted working day")
        return cls(year, frozenset(off), frozenset(on))


@dataclass(frozen=True)
class Deadline:
    """A due date computed when its starting event is recorded, stored in it."""

    rule: Rule
    start: date
    working_days: int
    due: date
    provisional: bool
    calendar_version: str

    @property
    def due_at(self) -> datetime:
        return end_of_day_cst(self.due)

    def met_by(self, instant: datetime) -> bool:
        return instant < self.due_at


@lru_cache(maxsize=16384)  # every day of the covered years fits
def _builtin_workday(day: date) -> bool:
    """The package's answer, kept: it checks each date against the range of its tables, which it
    finds anew by scanning them on every call (about 40 µs a day, several days a deadline)."""
    workday: bool = chinese_calendar.is_workday(day)
    return workday


class WorkingDayCalendar:
    """The official working-day calendar as far as it is known."""

    def __init__(self, loaded: Mapping[int, LoadedYear] | None = None, builtin_years: range = BUILTIN_YEARS) -> None:
        self.loaded: Mapping[int, LoadedYear] = loaded if loaded is not None else {}
        self.builtin_years = builtin_years

    def source_of(self, year: int) -> str:
        if year in self.loaded:
            return self.loaded[year].source
        if year in self.builtin_years:
            return BUILTIN_SOURCE
        return PROVISIONAL_SOURCE

    def is_provisional(self, year: int) -> bool:
        return self.source_of(year) == PROVISIONAL_SOURCE

    def is_working_day(self, day: date) -> bool:
        if day.year in self.loaded:
            year = self.loaded[day.year]
            if day in year.off_days:
                return False
            return day in year.on_days or day.weekday() < 5
        if day.year in self.builtin_years:
            return _builtin_workday(day)
        return day.weekday() < 5 and day not in days_off(day.year)

    def add_working_days(self, start: date, n: int, rule: Rule) -> Deadline:
        if n < 1:
            raise ValueError("a deadline needs at least one working day")
        day, counted, years = start, 0, set()
        while counted < n:
            day += timedelta(days=1)
            years.add(day.year)
            if self.is_working_day(day):
                counted += 1
        return Deadline(
            rule=rule,
            start=start,
            working_days=n,
            due=day,
            provisional=any(self.is_provisional(y) for y in years),
            calendar_version="; ".join(sorted({self.source_of(y) for y in years})),
        )

    def working_day_before(self, day: date, n: int) -> date:
        """The n-th working day before `day`: the start of "the n working days before it"."""
        counted = 0
        while counted < n:
            day -= timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def working_days_between(self, after: date, until: date) -> int:
        """Working days in (after, until]; negative when `until` precedes `after`."""
        if until < after:
            return -self.working_days_between(until, after)
        return sum(
            self.is_working_day(after + timedelta(days=i))
            for i in range(1, (until - after).days + 1)
        )

    def extend(self, deadline: Deadline, working_days: int) -> Deadline:
        """The same deadline, due the given number of working days later (pauses, extensions)."""
        if working_days == 0:
            return deadline
        moved = self.add_working_days(deadline.due, working_days, deadline.rule)
        return Deadline(deadline.rule, deadline.start, deadline.working_days + working_days, moved.due,
                        deadline.provisional or moved.provisional, moved.calendar_version)

    def recompute(self, deadline: Deadline) -> Deadline:
        return self.add_working_days(deadline.start, deadline.working_days, deadline.rule)

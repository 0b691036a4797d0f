"""Calendars for tests of provisional deadlines: 2026 as if `chinese-calendar` did not cover it yet,
and its official calendar as a loaded year (the holiday-cn layout, from chinese-calendar's data)."""

from chinese_calendar.constants import holidays, workdays

from zwgk.domain.calendar import LoadedYear, WorkingDayCalendar

BUILTIN_BEFORE_2026 = range(2004, 2026)


def calendar_2026_as_published() -> dict:
    days = [
        {"name": str(name), "date": day.isoformat(), "isOffDay": off}
        for table, off in ((holidays, True), (workdays, False))
        for day, name in table.items()
        if day.year == 2026
    ]
    return {"year": 2026, "days": days}


def provisional_2026() -> WorkingDayCalendar:
    return WorkingDayCalendar(builtin_years=BUILTIN_BEFORE_2026)


def official_2026() -> WorkingDayCalendar:
    return WorkingDayCalendar({2026: LoadedYear.from_holiday_cn(calendar_2026_as_published())}, BUILTIN_BEFORE_2026)

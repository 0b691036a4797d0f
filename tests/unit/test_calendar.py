"""Working days 工作日 and deadlines: counting, 调休, provisional years, loaded calendars."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.calendar import (
    BUILTIN_SOURCE,
    CST,
    PROVISIONAL_SOURCE,
    LoadedYear,
    WorkingDayCalendar,
)
from zwgk.domain.errors import DomainError

calendar = WorkingDayCalendar()

CALENDAR_2027 = {
    "year": 2027,
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-04", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-09", "isOffDay": False},
    ],
}


def test_d3_starting_day_not_counted():
    # Signed Monday 2022-01-10: Tue, Wed, Thu → due Thursday.
    assert calendar.add_working_days(date(2022, 1, 10), 3, "D3").due == date(2022, 1, 13)


def test_d3_across_2026_national_day_counts_adjusted_saturday():
    # 2026-10-01..07 off; Saturday 2026-10-10 is an adjusted working day 调休.
    deadline = calendar.add_working_days(date(2026, 9, 30), 3, "D3")
    assert deadline.due == date(2026, 10, 10)
    assert not deadline.provisional
    assert deadline.calendar_version == BUILTIN_SOURCE


def test_d3_across_2026_spring_festival():
    # Saturday 2026-02-14 is worked, 02-15..23 are off.
    assert calendar.add_working_days(date(2026, 2, 13), 3, "D3").due == date(2026, 2, 25)


def test_d11_enforcement_decision_twenty_working_days():
    # Mid-Autumn 2026-09-25..27 and National Day 10-01..07 off; Saturday 10-10 worked.
    assert calendar.add_working_days(date(2026, 9, 21), 20, "D11").due == date(2026, 10, 26)


def test_deadline_beyond_covered_years_is_provisional():
    deadline = calendar.add_working_days(date(2026, 12, 21), 20, "A1")
    assert deadline.provisional
    assert PROVISIONAL_SOURCE in deadline.calendar_version
    # Mon–Fri less 元旦 (Friday 2027-01-01, a statutory holiday) in 2027, the 2026 New Year's Eve week as usual.
    assert deadline.due == date(2027, 1, 19)


def test_loaded_year_settles_provisional_deadline():
    loaded = LoadedYear.from_holiday_cn(CALENDAR_2027)
    official = WorkingDayCalendar({2027: loaded})
    provisional = calendar.add_working_days(date(2026, 12, 21), 20, "A1")
    settled = official.recompute(provisional)
    assert not settled.provisional
    assert loaded.source in settled.calendar_version
    # Two weekdays off (Jan 1, Jan 4), one Saturday worked (Jan 9): one day later.
    assert settled.due == date(2027, 1, 19)


@pytest.mark.parametrize(
    "document",
    [
        {"year": "2027", "days": []},
        {"year": 2027, "days": [{"name": "x", "date": "2028-01-01", "isOffDay": True}]},
        {"year": 2027, "days": [{"name": "x", "date": "2027-01-05", "isOffDay": False}]},
        {"year": 2027, "days": [{"name": "x", "date": "2027-13-01", "isOffDay": True}]},
        {"year": 2027, "days": [{"name": "x", "date": "2027-01-01"}]},
        {"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": True}, {"date": "2027-01-01", "isOffDay": True}]},
    ],
)
def test_invalid_calendar_file_is_refused(document):
    with pytest.raises(DomainError) as refused:
        LoadedYear.from_holiday_cn(document)
    assert refused.value.code == "CALENDAR_INVALID"


def test_d3_deadline_ends_at_midnight_china_standard_time():
    deadline = calendar.add_working_days(date(2022, 1, 10), 3, "D3")
    assert deadline.met_by(datetime(2022, 1, 13, 23, 59, tzinfo=CST))
    assert not deadline.met_by(datetime(2022, 1, 14, 0, 0, tzinfo=CST))
    # 16:30 UTC on the due date is already the next day in China.
    assert not deadline.met_by(datetime(2022, 1, 13, 16, 30, tzinfo=UTC))
    assert deadline.met_by(datetime(2022, 1, 13, 15, 59, tzinfo=UTC))


@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_deadline_is_the_nth_working_day_after_start(start, n):
    deadline = calendar.add_working_days(start, n, "D3")
    assert deadline.due > start
    assert calendar.is_working_day(deadline.due)
    assert calendar.working_days_between(start, deadline.due) == n
    assert calendar.working_days_between(start, deadline.due - timedelta(days=1)) == n - 1
    assert deadline.provisional == (deadline.due.year > 2026)


OFFICIAL_NAMES = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day", "劳动节": "Labour Day",
                  "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival", "国庆节": "National Day"}


@pytest.mark.parametrize("year", [2025, 2026])
def test_d3_provisional_statutory_holidays_are_those_of_the_official_2025_and_2026_calendars(year):
    """The 13 days of the national rules as in force from 2025, computed (lunar dates, 清明), are holidays of the
    official calendar under the same festival; every weekday a provisional year takes off is off in it too."""
    from chinese_calendar import get_holiday_detail, is_holiday

    from zwgk.domain.statutory_holidays import days_off, statutory_holidays

    holidays = statutory_holidays(year)
    assert len(holidays) == 1 + 4 + 1 + 2 + 1 + 1 + 3
    assert {day: get_holiday_detail(day) for day in holidays} == {day: (True, OFFICIAL_NAMES[n]) for day, n in holidays.items()}
    assert all(is_holiday(day) for day in days_off(year))


@pytest.mark.parametrize("year", [642, 1899, 2100, 9999])
def test_d3_provisional_years_the_holiday_libraries_cannot_compute_count_weekdays(year):
    from zwgk.domain.statutory_holidays import days_off

    assert days_off(year) == frozenset()
    assert calendar.add_working_days(date(year, 1, 1), 3, "D3").provisional


def test_a1_provisional_deadline_counts_new_year_s_day_as_off_and_the_loaded_calendar_agrees():
    """An application received 2026-12-15: 20 working days, 2027 not covered yet; 1 January is a statutory holiday."""
    provisional = calendar.add_working_days(date(2026, 12, 15), 20, "A1")
    assert (provisional.due, provisional.provisional) == (date(2027, 1, 13), True)
    only_new_year = {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]}
    settled = WorkingDayCalendar({2027: LoadedYear.from_holiday_cn(only_new_year)}).recompute(provisional)
    assert (settled.due, settled.provisional) == (date(2027, 1, 13), False)


def test_d3_provisional_deadlines_mostly_match_the_official_calendar_of_2025_and_2026():
    """With 2025 and 2026 taken as uncovered, a 20-working-day deadline from any day of either year is due on
    the official day in more than four cases of five (weekdays alone: fewer than half); the rest differ
    by the weekend swaps 调休 only the yearly notice fixes."""
    provisional, official = WorkingDayCalendar(builtin_years=range(2004, 2025)), WorkingDayCalendar()
    starts = [date(2025, 1, 1) + timedelta(days=i) for i in range((date(2026, 11, 30) - date(2025, 1, 1)).days)]
    same = sum(provisional.add_working_days(d, 20, "A1").due == official.add_working_days(d, 20, "A1").due for d in starts)
    assert same / len(starts) > 0.8

"""Statutory holidays 法定节假日 as the national holiday rules fix them (全国年节及纪念日放假办法, as
revised in force from 1 January 2025, 第二条): 元旦 1 day, 春节 4 (除夕 to 正月初三), 清明节 1, 劳动节 2,
端午节 1, 中秋节 1, 国庆节 3. They are known years ahead — the lunar ones from `lunardate`, 清明 from the
solar terms `chinese-calendar` computes — while the weekend swaps 调休 wait for the State Council's yearly
notice. A holiday falling on a Saturday or Sunday is made up on a working day (第六条): here the first
weekday after it that is not itself a holiday, which is where the notices usually put it.

They make provisional deadlines (years no official calendar covers yet) rarely wrong and never early by
a known holiday; the loaded official calendar still settles them.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from chinese_calendar import get_solar_terms
from lunardate import LunarDate

FIXED = {"元旦": [(1, 1)], "劳动节": [(5, 1), (5, 2)], "国庆节": [(10, 1), (10, 2), (10, 3)]}
LUNAR = {"端午节": (5, 5), "中秋节": (8, 15)}
SPRING_FESTIVAL_DAYS = 4  # 除夕 and 正月初一 to 初三
COMPUTABLE_YEARS = range(1900, 2100)  # what both libraries compute; beyond, no holiday is known (weekdays only)


def _lunar(year: int, month: int, day: int) -> date:
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def statutory_holidays(year: int) -> dict[date, str]:
    """Each day of the year that the national rules give off, with its festival's name (the days made up
    for a festival on a weekend not included); none for a year the libraries cannot compute."""
    if year not in COMPUTABLE_YEARS:
        return {}
    days = {date(year, month, day): name for name, dates in FIXED.items() for month, day in dates}
    new_year_eve = _lunar(year, 1, 1) - timedelta(days=1)
    days |= {new_year_eve + timedelta(days=i): "春节" for i in range(SPRING_FESTIVAL_DAYS)}
    (qingming,) = (day for day, name in get_solar_terms(date(year, 4, 1), date(year, 4, 10)) if name == "清明")
    days[qingming] = "清明节"
    days |= {_lunar(year, month, day): name for name, (month, day) in LUNAR.items()}
    return {day: name for day, name in sorted(days.items()) if day.year == year}


@lru_cache(maxsize=64)
def days_off(year: int) -> frozenset[date]:
    """The weekdays off in a year as far as the national rules fix them: the statutory holidays on weekdays,
    and for each one on a weekend the first weekday after it that is not already off (第六条 补假)."""
    holidays = statutory_holidays(year)
    off = {day for day in holidays if day.weekday() < 5}
    for day in sorted(d for d in holidays if d.weekday() >= 5):
        made_up = day + timedelta(days=1)
        while made_up.weekday() >= 5 or made_up in holidays or made_up in off:
            made_up += timedelta(days=1)
        off.add(made_up)
    return frozenset(off)

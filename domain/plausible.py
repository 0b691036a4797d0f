"""What a real record can hold (合理取值): text a person wrote, dates of this republic's administration,
counts of people and documents. Input outside these bounds is refused before anything is recorded, so a
ledger never keeps a clear-screen sequence, a right-to-left override or a hearing in the year 9999, and no
later reader (a terminal, a log, a broker with a message limit) meets one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Annotated

from annotated_types import Interval

from zwgk.domain.calendar import CST
from zwgk.domain.errors import DomainError

# Business time runs from the founding of the People's Republic: no government record of this kind is older.
EARLIEST_BUSINESS_DAY = date(1949, 10, 1)
# Dates inside records reach further back (a participant's birth date) and some way ahead (a hearing scheduled).
EARLIEST_DAY = date(1900, 1, 1)
YEARS_AHEAD = 10
CLOCK_SKEW = timedelta(minutes=5)  # business time is never later than the recording, give or take the clocks
MAX_TEXT = 20_000  # characters in any one text field: a long policy interpretation, not a pasted book
MAX_COUNT = 1_000_000_000
# A year a record speaks of (a calendar, an annual report, a re-check): the republic's, up to the end of this century.
Year = Annotated[int, Interval(ge=EARLIEST_BUSINESS_DAY.year, le=2100)]
IDENTIFIER = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
MAX_UNIT = 100
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees (Trojan Source).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS = frozenset("\n\r\t")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def refused(where: str, zh: str, en: str) -> DomainError:
    return DomainError("IMPLAUSIBLE_INPUT", f"{where}：{zh}", f"{where}: {en}")


def text(value: str, where: str, *, multiline: bool = True, limit: int = MAX_TEXT) -> str:
    """The text as stored (NFC), or a refusal naming the field and what is wrong with it."""
    if len(value) > limit:
        raise refused(where, f"过长（至多 {limit} 字）", f"longer than {limit} characters")
    for char in value:
        if "\ud800" <= char <= "\udfff":
            raise refused(where, "含有无效字符（孤立代理项）", "contains a lone surrogate")
        if char in BIDI_CONTROLS:
            raise refused(where, "含有改变文字方向的控制字符", f"contains the bidirectional control U+{ord(char):04X}")
        if unicodedata.category(char) == "Cc" and not (multiline and char in LINE_BREAKS):
            raise refused(where, "含有控制字符", f"contains the control character U+{ord(char):04X}")
    # Blank text is each record's own refusal (its rule says what is missing); invisible-only text is forgery.
    if any(c in INVISIBLE for c in value) and all(c.isspace() or c in INVISIBLE for c in value):
        raise refused(where, "只有空白或不可见字符", "holds only blank or invisible characters")
    return unicodedata.normalize("NFC", value)


def identifier(value: str, where: str) -> str:
    """An account or record reference: printable, no spaces, at most 128 characters."""
    if not IDENTIFIER.fullmatch(value):
        raise refused(where, "应为 1 至 128 个可见字符，不含空白与控制字符", "must be 1 to 128 visible characters")
    return text(value, where, multiline=False)


def unit(value: str, where: str) -> str:
    """A unit's name: one line of at most 100 characters."""
    return text(value, where, multiline=False, limit=MAX_UNIT)


def count(value: int, where: str) -> int:
    if not -MAX_COUNT <= value <= MAX_COUNT:
        raise refused(where, f"数值超出合理范围（绝对值至多 {MAX_COUNT}）", f"outside ±{MAX_COUNT}")
    return value


def day(value: date, where: str, today: date) -> date:
    """A date inside a record: from 1900 to ten years ahead."""
    latest = today.replace(year=today.year + YEARS_AHEAD) if not (today.month == 2 and today.day == 29) \
        else date(today.year + YEARS_AHEAD, 2, 28)
    if not EARLIEST_DAY <= value <= latest:
        raise refused(where, f"日期超出合理范围（{EARLIEST_DAY} 至 {latest}）", f"outside {EARLIEST_DAY}..{latest}")
    return value


def instant(value: datetime, where: str, now: datetime) -> datetime:
    """An instant inside a record, zoned: the same bounds as a date, on China's calendar."""
    day(_china_day(value, where), where, now.astimezone(CST).date())
    return value


def business_time(value: datetime, now: datetime) -> datetime:
    """When the act took place: not before 1949-10-01, not after the recording (give or take the clocks)."""
    when = _china_day(value, "occurred_at")
    # A time without a zone is the record's own refusal (OCCURRED_AT_WITHOUT_ZONE); only its day is bounded here.
    if when < EARLIEST_BUSINESS_DAY or (value.tzinfo is not None and value > now + CLOCK_SKEW):
        raise refused("occurred_at", f"业务时间应在 {EARLIEST_BUSINESS_DAY} 至记录之时之间",
                      f"business time must lie between {EARLIEST_BUSINESS_DAY} and now")
    return value


def _china_day(value: datetime, where: str) -> date:
    try:
        return value.astimezone(CST).date() if value.tzinfo else value.date()
    except OverflowError:
        raise refused(where, "时间超出可表示范围", "instant out of range") from None

"""The filters a query takes over HTTP, checked before anything is read: a bad one is refused (422, a
problem saying in Chinese what is expected) rather than answered with an empty list that looks like an
answer. Paging and format are the same for every list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from zwgk.domain.calendar import CST
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule

DEFAULT_LIMIT = 100
INSTANT_HELP = "ISO 8601, e.g. 2022-01-14T00:00+08:00 or 2022-01-14; without a zone, China Standard Time"


class Fresh(BaseModel):
    """Fresh enough to show one's own last write."""

    at_least: int = Field(0, ge=0, description="answer once the views have folded this ledger position: "
                                               "the Zwgk-Position header of one's own last write (read-your-writes)")


class Reading(Fresh):
    """Fresh enough, and in which format."""

    format: Literal["json", "csv"] | None = Field(None, description="csv: a spreadsheet (UTF-8 with BOM, Chinese headers); "
                                                                    "or send Accept: text/csv")


class Paging(Reading):
    """A page of a list: after a cursor, so many rows."""

    limit: int | None = Field(None, ge=1, le=1000, description=f"rows a page: JSON {DEFAULT_LIMIT} unless given; CSV every row "
                                                                "unless given")
    cursor: str = Field("", max_length=4096, description="the next_cursor of the previous page (opaque)")


def instant(text: str | None, name: str) -> datetime | None:
    """An instant as given; without a zone, in China Standard Time."""
    if not text:
        return None
    try:
        given = datetime.fromisoformat(text)
        return given if given.tzinfo else given.replace(tzinfo=CST)
    except ValueError:
        raise DomainError("INVALID_ARGUMENTS",
                          f"{name} 不是有效的时刻：{text}（应为 ISO 8601 格式，如 2022-01-14T00:00+08:00 或 2022-01-14）",
                          f"{name} is not an ISO 8601 instant: {text!r}") from None


def rule(text: str) -> str:
    """A rule ID as docs/rules.md lists them (D3, not d3 or 3)."""
    if text and text.upper() not in Rule.__members__:
        raise DomainError("UNKNOWN_RULE", f"未知规则编号：{text}（如 D3、A1、N2；全部规则见 docs/rules.md）", f"unknown rule ID {text!r}")
    return text.upper()


def one_of(text: str, allowed: Iterable[str], name: str, name_zh: str) -> str:
    choices = list(allowed)
    if text and text not in choices:
        raise DomainError("INVALID_ARGUMENTS", f"未知{name_zh}：{text}（可选：{'、'.join(choices)}）",
                          f"{name} {text!r} is not one of {choices}")
    return text

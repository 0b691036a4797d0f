"""Lists a page at a time, for readers far away: every list query's rows in a fixed order, read after
an opaque cursor that names the query and the last row read, not an offset. So rows recorded between two
pages never make a row appear twice or shift others out of reach, and a page deep in a long list costs
what the first does when the order is an index's (the register, deadlines, the timeline …).
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from zwgk.domain.errors import DomainError

Row = dict[str, Any]
Key = tuple[Any, ...]
CHUNK = 1000  # rows read at a time when a whole list is streamed


@dataclass(frozen=True)
class Keyset:
    """A query's order: the key of each row (unique), and the types of its parts, which a cursor must have."""

    query: str
    key: Callable[[Row], Key]
    types: tuple[type, ...]

    def cursor(self, row: Row) -> str:
        text = json.dumps({"q": self.query, "k": list(self.key(row))}, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def after(self, cursor: str) -> Key | None:
        """The key a cursor of this query carries; refused when it is not one."""
        if not cursor:
            return None
        try:
            given = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            key = tuple(given["k"]) if given.get("q") == self.query else ()
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
            key = ()
        if len(key) != len(self.types) or not all(type(k) is t for k, t in zip(key, self.types, strict=True)):
            raise DomainError("INVALID_CURSOR", "分页游标无效：请使用此查询上一页答复中的 next_cursor。",
                              f"cursor {cursor[:40]!r} is not one the {self.query} query issued")
        return key


@dataclass(frozen=True)
class Page:
    items: list[Row]
    next_cursor: str | None  # None: this was the last page


Read = Callable[[Key | None, int], list[Row]]  # the rows after a key (None: from the first), at most so many


@dataclass(frozen=True)
class Rows:
    """A query's answer from a cursor on: a page of it, or every row (read chunk by chunk, for streaming)."""

    keyset: Keyset
    read: Read
    after: Key | None

    def page(self, limit: int) -> Page:
        rows = self.read(self.after, limit + 1)
        more = len(rows) > limit
        return Page(rows[:limit], self.keyset.cursor(rows[limit - 1]) if more else None)

    def __iter__(self) -> Iterator[Row]:
        after = self.after
        while rows := self.read(after, CHUNK):
            yield from rows
            if len(rows) < CHUNK:
                return
            after = self.keyset.key(rows[-1])

    @classmethod
    def listed(cls, keyset: Keyset, rows: list[Row], after: Key | None) -> Rows:
        """Rows a query computed whole (checks across views, in memory), put in the keyset's order."""
        ordered = sorted(rows, key=keyset.key)
        keys = [keyset.key(row) for row in ordered]

        def read(after: Key | None, limit: int) -> list[Row]:
            start = 0 if after is None else bisect_right(keys, after)
            return list(islice(ordered, start, start + limit))

        return cls(keyset, read, after)

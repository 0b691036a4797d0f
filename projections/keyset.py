"""Reading a view a page at a time, by keyset: the rows after the last one read, in the order of a
key that an index holds. A page costs the same at the millionth row as at the first (an OFFSET reads
and discards every row before it), and rows written between two pages neither repeat nor shift rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zwgk.projections.store import Transaction

Key = tuple[Any, ...]


def keyset(tx: Transaction, select: str, conditions: Sequence[str], params: Sequence[Any], order: Sequence[str],
           after: Key | None = None, limit: int | None = None) -> list[tuple[Any, ...]]:
    """`select` (without WHERE) restricted by every condition, ordered by `order` (unique, the last
    column a key of the row), after the row whose key is `after`, at most `limit` rows. The row-value
    comparison `(a, b) > (?, ?)` is a range on an index over (…, a, b) in SQLite and PostgreSQL alike."""
    conditions, params = list(conditions), list(params)
    if after is not None:
        conditions.append(f"({', '.join(order)}) > ({', '.join('?' * len(order))})")
        params += after
    sql = select + (f" WHERE {' AND '.join(conditions)}" if conditions else "") + f" ORDER BY {', '.join(order)}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return tx.all(sql, params)

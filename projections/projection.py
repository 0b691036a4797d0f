"""A projection: folds events into tables of the view store. The runner saves its
position with the rows, in one transaction, so each event is folded exactly once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar

from zwgk.projections.events import ProjectedEvent
from zwgk.projections.store import Transaction


def _plain(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


_STABLE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def to_json(value: Any) -> str:
    """Stable JSON for view columns and exports: sorted keys, ISO dates, UTF-8 kept. One encoder
    serves every call: a rebuild encodes a column or two of every event."""
    return _STABLE.encode(value)


class Projection:
    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]  # table name → CREATE TABLE statement
    export_order: ClassVar[dict[str, str]]  # table name → ORDER BY clause of its export
    revision: ClassVar[int] = 1  # raise it when the folding changes but the tables do not
    # CREATE INDEX IF NOT EXISTS statements: made with the tables (so a stored view gains a new one without a
    # rebuild), set aside while a view is folded from event zero and built once at the end.
    indexes: ClassVar[tuple[str, ...]] = ()

    @property
    def fingerprint(self) -> str:
        """What the view's rows depend on: a stored view with another fingerprint is rebuilt."""
        return hashlib.sha256(to_json([self.revision, self.tables]).encode()).hexdigest()

    def create(self, tx: Transaction) -> None:
        for ddl in self.tables.values():
            tx.execute(ddl)
        self.end_bulk(tx)

    def begin_bulk(self, tx: Transaction) -> None:
        """Before folding from event zero: indexes are built once at the end, not row by row."""
        for index in self.indexes:
            tx.execute(f"DROP INDEX IF EXISTS {index.split()[5]}")

    def end_bulk(self, tx: Transaction) -> None:
        """After folding from event zero, successful or not: restore what `begin_bulk` set aside."""
        for index in self.indexes:
            tx.execute(index)

    def drop(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def clear(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DELETE FROM {table}")

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        raise NotImplementedError

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        """Fold events in order; a view may keep its rows in memory through the batch and write them once."""
        for event in events:
            self.fold(tx, event)

    def export(self, tx: Transaction) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, in a fixed order: equal views export equal bytes."""
        result = {}
        for table, order in self.export_order.items():
            cursor = tx.execute(f"SELECT * FROM {table} ORDER BY {order}").cursor
            columns = [c[0] for c in cursor.description]
            result[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return result


class Policy(Projection):
    """A process policy: reacts to events with commands instead of keeping tables."""

    tables: ClassVar[dict[str, str]] = {}
    export_order: ClassVar[dict[str, str]] = {}

    def react(self, event: ProjectedEvent) -> bool:
        """Issue the commands the event calls for; True when it issued any."""
        raise NotImplementedError

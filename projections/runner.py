"""Runs the views: folds events in batches, each batch with the views' positions in one
transaction; rebuilds a view from event zero; reports positions and lag.

Events come from the event store (in log order; each view skips what it already has)
or from Kafka (in partition order; exactly once through the partition offsets stored
with the rows). The folding code is the same.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from eventsourcing.persistence import Notification

from zwgk.projections.archive import ArchiveView
from zwgk.projections.assessment import AssessmentsView
from zwgk.projections.catalogue import CatalogueView
from zwgk.projections.complaints import ComplaintsView
from zwgk.projections.deadlines import DeadlinesView
from zwgk.projections.events import ProjectedEvent, from_notification
from zwgk.projections.participation import ParticipationView
from zwgk.projections.projection import Policy, Projection, to_json
from zwgk.projections.register import RegisterView
from zwgk.projections.requests import RequestsView
from zwgk.projections.store import Transaction, ViewStore
from zwgk.projections.timeline import TimelineView

FOLDING = 0x7A77676B  # the advisory lock folding the views holds ("zwgk")
KAFKA_OFFSETS = """CREATE TABLE IF NOT EXISTS projection_kafka_offsets (
    name TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset BIGINT NOT NULL,
    PRIMARY KEY (name, topic, part))"""

Offset = tuple[str, int, int]  # topic, partition, offset


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Folding a batch makes hundreds of thousands of short-lived, acyclic objects (decoded events,
    rows), freed by reference counting; the cyclic collector, triggered every 700 of them, would
    only walk them (about a tenth of a rebuild). It runs again between batches."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def all_views() -> list[Projection]:
    return [CatalogueView(), RegisterView(), DeadlinesView(), TimelineView(), ComplaintsView(), RequestsView(),
            ParticipationView(), ArchiveView(), AssessmentsView()]


class UnknownView(KeyError):
    pass


class ProjectionRunner:
    def __init__(self, store: ViewStore, views: Sequence[Projection] | None = None) -> None:
        self.store = store
        self.views = list(views or all_views())
        with store.transaction() as tx:
            tx.execute(KAFKA_OFFSETS)
            for view in self.views:
                self._define(tx, view)

    @staticmethod
    def _define(tx: Transaction, view: Projection) -> None:
        """Create the view's tables; if an older definition of them is stored, start it again from zero."""
        stored = tx.one("SELECT fingerprint FROM projection_definitions WHERE name = ?", (view.name,))
        if stored is None or stored[0] != view.fingerprint:
            if stored is not None or tx.position(view.name):
                view.drop(tx)
                tx.set_position(view.name, 0)
                tx.execute("DELETE FROM projection_kafka_offsets WHERE name = ?", (view.name,))
            tx.execute("INSERT INTO projection_definitions (name, fingerprint) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint", (view.name, view.fingerprint))
        view.create(tx)

    def view(self, name: str) -> Projection:
        for view in self.views:
            if view.name == name:
                return view
        raise UnknownView(name)

    def positions(self) -> dict[str, int]:
        with self.store.transaction() as tx:
            return {view.name: tx.position(view.name) for view in self.views}

    def fold(self, events: Iterable[ProjectedEvent], batch: int = 1000, progress: Callable[[int], None] | None = None) -> int:
        """Fold events from the store; each view takes only those past its own position."""
        folded = 0
        iterator = iter(events)
        tables = [v for v in self.views if not isinstance(v, Policy)]
        policies = [v for v in self.views if isinstance(v, Policy)]
        with self.store.transaction() as tx:
            from_zero = [view for view in tables if tx.position(view.name) == 0]
            for view in from_zero:
                view.begin_bulk(tx)
        try:
            folded = self._fold_chunks(iterator, batch, tables, policies, progress)
        finally:
            with self.store.transaction() as tx:
                for view in from_zero:
                    view.end_bulk(tx)
        return folded

    def _fold_chunks(self, iterator: Iterator[ProjectedEvent], batch: int, tables: list[Projection], policies: list[Policy],
                     progress: Callable[[int], None] | None) -> int:
        folded = 0
        while True:
            with cyclic_collection_paused():
                chunk = list(islice(iterator, batch))
                if not chunk:
                    break
                with self.store.transaction() as tx:
                    tx.exclusive(FOLDING)  # another server's fold commits first; its positions are read after it
                    for view in tables:
                        position = tx.position(view.name)
                        view.fold_batch(tx, [event for event in chunk if event.position > position])
                        tx.set_position(view.name, max(position, chunk[-1].position))
            for policy in policies:
                self._react(policy, chunk)
            folded += len(chunk)
            if progress:
                progress(len(chunk))
        return folded

    def _react(self, policy: Policy, events: Sequence[ProjectedEvent]) -> None:
        """A policy's commands go to the event store, outside any view transaction; its
        position is saved after each, and its commands are idempotent."""
        position = self.positions()[policy.name]
        for event in events:
            if event.position > position and policy.react(event):
                with self.store.transaction() as tx:
                    tx.set_position(policy.name, event.position)
        with self.store.transaction() as tx:
            tx.set_position(policy.name, max(position, events[-1].position))

    def fold_from_kafka(self, messages: Sequence[tuple[ProjectedEvent, Offset]]) -> int:
        """Fold a batch read from Kafka, saving the partitions' next offsets with the rows."""
        if not messages:
            return 0
        with cyclic_collection_paused(), self.store.transaction() as tx:
            for view in self.views:
                view.fold_batch(tx, [event for event, _ in messages])
                position = max(tx.position(view.name), max(e.position for e, _ in messages))
                tx.set_position(view.name, position)
                offsets: dict[tuple[str, int], int] = {}
                for _, (topic, part, offset) in messages:
                    offsets[(topic, part)] = max(offsets.get((topic, part), 0), offset + 1)
                tx.executemany(
                    "INSERT INTO projection_kafka_offsets (name, topic, part, next_offset) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (name, topic, part) DO UPDATE SET next_offset = excluded.next_offset",
                    [(view.name, t, p, o) for (t, p), o in offsets.items()],
                )
        return len(messages)

    def kafka_offsets(self) -> dict[tuple[str, int], int]:
        """Where to resume reading: the least offset any view has stored per partition."""
        with self.store.transaction() as tx:
            rows = tx.all("SELECT topic, part, MIN(next_offset) FROM projection_kafka_offsets GROUP BY topic, part")
        return {(t, p): o for t, p, o in rows}

    def clear(self) -> None:
        with self.store.transaction() as tx:
            for view in self.views:
                view.clear(tx)
                tx.set_position(view.name, 0)
                tx.execute("DELETE FROM projection_kafka_offsets WHERE name = ?", (view.name,))

    def export(self, name: str) -> bytes:
        """A deterministic JSON export of one view: same rows, same bytes."""
        with self.store.transaction() as tx:
            return (to_json(self.view(name).export(tx)) + "\n").encode()

    def wait_for(self, position: int, catch_up: Callable[[], object], timeout: float = 10.0) -> None:
        """Read-your-writes: return once every view has folded the given position."""
        deadline = time.monotonic() + timeout
        while min(self.positions().values()) < position:
            catch_up()
            if min(self.positions().values()) >= position:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"views did not reach position {position} in {timeout} s")
            time.sleep(0.05)



def events_after(notifications: Callable[[int], Iterator[Notification]], position: int) -> Iterator[ProjectedEvent]:
    """The store's events past a position, as views receive them."""
    return (from_notification(n) for n in notifications(position))

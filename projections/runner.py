"""Runs the views: folds events in batches, each batch with the views' positions in one
transaction; rebuilds a view from event zero; reports positions and lag.

Events come from the event store (in log order; each view skips what it already has)
or from Kafka (in partition order; exactly once through the partition offsets stored
with the rows). The folding code is the same.
"""

from __future__ import annotations

import gc
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

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

FOLDING = 0x7A77676B  # the advisory locks folding the views hold ("zwgk"), one a view (`folding_lock`)
KAFKA_OFFSETS = """CREATE TABLE IF NOT EXISTS projection_kafka_offsets (
    name TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset BIGINT NOT NULL,
    PRIMARY KEY (name, topic, part))"""

Offset = tuple[str, int, int]  # topic, partition, offset


def folding_lock(name: str) -> int:
    """The advisory lock a fold of one view holds until it commits: two folds of the same view take turns (another
    server's fold commits first, its positions are read after it), folds of different views (a rebuild's
    processes) do not wait on each other."""
    return (FOLDING << 32) | zlib.crc32(name.encode())


@dataclass
class StepTimes:
    """Where a fold's time goes, in seconds: what bounds a rebuild is read off these (bench/projections.py)."""

    wall: float = 0.0  # the whole fold, from its first read to its indexes built
    cpu: float = 0.0  # the CPU time the process spent meanwhile: well under `wall`, it waited (for a core, a lock, the disk)
    startup: float = 0.0  # for a process started to fold: from its start to its first read
    pull: float = 0.0  # waiting for the next events: the library's read of the log, and decoding
    decode: float = 0.0  # of which decoding, for events that came through `decoded`
    views: dict[str, float] = field(default_factory=dict)  # each view's folding, in its transaction
    commit: float = 0.0
    indexes: float = 0.0  # the indexes built once after a fold from event zero
    taken_in: float = 0.0  # for views folded into a file of their own: taking their rows into the views (`adopt`)
    events: int = 0
    peak_rss_mb: float = 0.0  # the process's peak resident memory, where a process reports it


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

    def fold(self, events: Iterable[ProjectedEvent], batch: int = 1000, progress: Callable[[int], None] | None = None,
             times: StepTimes | None = None) -> int:
        """Fold events from the store; each view takes only those past its own position. `times` hears where the time went."""
        times = times if times is not None else StepTimes()
        began, began_cpu = time.perf_counter(), time.process_time()
        iterator = iter(events)
        tables = [v for v in self.views if not isinstance(v, Policy)]
        policies = [v for v in self.views if isinstance(v, Policy)]
        with self.store.transaction() as tx:
            from_zero = [view for view in tables if tx.position(view.name) == 0]
            for view in from_zero:
                view.begin_bulk(tx)
        try:
            folded = self._fold_chunks(iterator, batch, tables, policies, progress, times)
        finally:
            started = time.perf_counter()
            with self.store.transaction() as tx:
                for view in from_zero:
                    view.end_bulk(tx)
            times.indexes += time.perf_counter() - started
            times.wall += time.perf_counter() - began
            times.cpu += time.process_time() - began_cpu
        return folded

    def _fold_chunks(self, iterator: Iterator[ProjectedEvent], batch: int, tables: list[Projection], policies: list[Policy],
                     progress: Callable[[int], None] | None, times: StepTimes) -> int:
        folded = 0
        locks = sorted(folding_lock(view.name) for view in tables)  # taken in one order: no two folds wait in a circle
        while True:
            with cyclic_collection_paused():
                started = time.perf_counter()
                chunk = list(islice(iterator, batch))
                times.pull += time.perf_counter() - started
                if not chunk:
                    break
                with self.store.transaction() as tx:
                    for lock in locks:
                        tx.exclusive(lock)
                    for view in tables:
                        started = time.perf_counter()
                        position = tx.position(view.name)
                        view.fold_batch(tx, [event for event in chunk if event.position > position])
                        tx.set_position(view.name, max(position, chunk[-1].position))
                        times.views[view.name] = times.views.get(view.name, 0.0) + time.perf_counter() - started
                    started = time.perf_counter()
                times.commit += time.perf_counter() - started
                times.events += len(chunk)
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

    def adopt(self, scratch: Path) -> bool:
        """Take in this runner's views as another process folded them into a SQLite file of their own (a rebuild's
        second process: two writers on one SQLite file would take turns): their rows and positions in one
        transaction, their indexes built once. Only views still at event zero take them, all or none (False): where
        another fold has begun meanwhile, it goes on from its own position."""
        store = self.store
        with store.lock:
            store.connection.execute("ATTACH DATABASE ? AS scratch", (str(scratch),))
            try:
                with store.transaction() as tx:
                    if any(tx.position(view.name) for view in self.views):
                        return False
                    for view in self.views:
                        view.begin_bulk(tx)
                        for table in view.tables:
                            columns = ", ".join(row[1] for row in tx.all(f"PRAGMA scratch.table_info({table})"))
                            tx.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM scratch.{table}")
                        folded = tx.one("SELECT position FROM scratch.projection_positions WHERE name = ?", (view.name,))
                        tx.set_position(view.name, folded[0] if folded else 0)
                        view.end_bulk(tx)
            finally:
                store.connection.execute("DETACH DATABASE scratch")
        return True

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


def decoded(notifications: Iterable[Notification], times: StepTimes) -> Iterator[ProjectedEvent]:
    """The notifications as views receive them, the time spent decoding them told apart from the read."""
    clock = time.perf_counter
    for notification in notifications:
        started = clock()
        event = from_notification(notification)
        times.decode += clock() - started
        yield event

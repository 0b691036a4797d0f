"""The audit log 审计日志: an append-only Merkle tree (RFC 9162) over every event in
notification order, with the signed checkpoints issued over it.

It is a projection: leaves and perfect-subtree nodes are stored with the log position
in one transaction, so a restart continues where it stopped, and a rebuild from event
zero reaches the same root. Leaf entry = the event's canonical bytes (domain.chain).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from typing import Any, TypeVar

from zwgk.domain.chain import StoredRecord
from zwgk.domain.checkpoint import Checkpoint, read_unverified
from zwgk.domain.merkle import Frontier, consistency_proof, inclusion_proof, leaf_hash, subtree_root
from zwgk.projections.store import Transaction, ViewStore

SYNCING = 0x7A776C67  # the advisory lock appending to the audit log holds ("zwlg")
TABLES = [
    """CREATE TABLE IF NOT EXISTS merkle_nodes (
        level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, idx))""",
    """CREATE TABLE IF NOT EXISTS merkle_leaves (
        idx BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL UNIQUE, event_id TEXT NOT NULL UNIQUE,
        originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS merkle_checkpoints (
        size BIGINT PRIMARY KEY, note TEXT NOT NULL)""",
    # Witnesses' cosignature lines (C2SP tlog-cosignature) on the checkpoint of each size.
    """CREATE TABLE IF NOT EXISTS merkle_cosignatures (
        size BIGINT NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, witness))""",
]


T = TypeVar("T")


class AuditLogError(RuntimeError):
    pass


@dataclass(frozen=True)
class Leaf:
    index: int
    notification_id: int
    event_id: str
    originator_id: str
    originator_version: int


def decoded_state(record: StoredRecord) -> Mapping[str, Any]:
    if record.state is None:
        raise AuditLogError(f"event at log position {record.position} cannot be decoded: {record.decode_error}")
    return record.state


def entry_of(record: StoredRecord) -> bytes:
    """A leaf's bytes: what the event's hash covers."""
    decoded_state(record)  # an undecodable event is the log's error, named by its position
    return record.canonical()


class MerkleLog:
    NAME = "merkle_log"

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        with store.transaction() as tx:
            for table in TABLES:
                tx.execute(table)

    def position(self) -> int:
        """The last notification id folded into the tree."""
        with self.store.transaction() as tx:
            return tx.position(self.NAME)

    def size(self) -> int:
        with self.store.transaction() as tx:
            return self._size(tx)

    @staticmethod
    def _size(tx: Transaction) -> int:
        row = tx.one("SELECT COALESCE(MAX(idx) + 1, 0) FROM merkle_leaves")
        return row[0] if row else 0

    def sync(self, records: Iterable[StoredRecord], batch: int = 1000) -> int:
        """Append the records after the current position; returns how many were added."""
        added = 0
        iterator = iter(records)
        while chunk := list(islice(iterator, batch)):
            with self.store.transaction() as tx:
                tx.exclusive(SYNCING)  # several writers on one PostgreSQL: one appends at a time, each after the last
                position = tx.position(self.NAME)
                size = self._size(tx)
                frontier = Frontier(size, [self._node(tx, lv, ix) for lv, ix in Frontier.levels(size)])
                nodes, leaves = [], []
                for record in chunk:
                    if record.position <= position:
                        continue
                    index, state = frontier.size, decoded_state(record)
                    nodes += [(lv, ix, h.hex()) for lv, ix, h in frontier.append(leaf_hash(entry_of(record)))]
                    leaves.append((index, record.position, str(state["event_id"]),
                                   str(record.originator_id), record.originator_version))
                    position = record.position
                tx.executemany("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
                tx.executemany(
                    "INSERT INTO merkle_leaves (idx, notification_id, event_id, originator_id, originator_version) "
                    "VALUES (?, ?, ?, ?, ?)",
                    leaves,
                )
                tx.set_position(self.NAME, position)
                added += len(leaves)
        return added

    def rebuild(self, records: Iterable[StoredRecord]) -> int:
        """Drop the tree (not the checkpoints: they are what others hold) and refold from zero."""
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM merkle_nodes")
            tx.execute("DELETE FROM merkle_leaves")
            tx.set_position(self.NAME, 0)
        return self.sync(records)

    @staticmethod
    def _node(tx: Transaction, level: int, index: int) -> bytes:
        row = tx.one("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", (level, index))
        if row is None:
            raise AuditLogError(f"audit log node ({level}, {index}) is missing")
        return bytes.fromhex(row[0])

    def _with_nodes(self, work: Callable[[Callable[[int, int], bytes]], T]) -> T:
        with self.store.transaction() as tx:
            return work(lambda level, index: self._node(tx, level, index))

    def root(self, size: int | None = None) -> bytes:
        size = self.size() if size is None else size
        return self._with_nodes(lambda get: subtree_root(get, 0, size))

    def leaf_hashes(self) -> Iterator[tuple[Leaf, bytes]]:
        with self.store.transaction() as tx:
            rows = tx.all(
                "SELECT l.idx, l.notification_id, l.event_id, l.originator_id, l.originator_version, n.hash "
                "FROM merkle_leaves l JOIN merkle_nodes n ON n.level = 0 AND n.idx = l.idx ORDER BY l.idx"
            )
        for *leaf, digest in rows:
            yield Leaf(*leaf), bytes.fromhex(digest)

    def leaf(self, event_id: str) -> Leaf | None:
        with self.store.transaction() as tx:
            row = tx.one(
                "SELECT idx, notification_id, event_id, originator_id, originator_version "
                "FROM merkle_leaves WHERE event_id = ?",
                (event_id,),
            )
        return Leaf(*row) if row else None

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._with_nodes(lambda get: inclusion_proof(get, index, size))

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return self._with_nodes(lambda get: consistency_proof(get, old_size, new_size))

    def add_checkpoint(self, size: int, note: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO merkle_checkpoints (size, note) VALUES (?, ?) ON CONFLICT (size) DO NOTHING", (size, note))

    def checkpoints(self) -> list[tuple[int, str]]:
        """Every checkpoint issued and kept, by size: the history each later one must extend."""
        return self.checkpoints_after(-1)

    def roots(self, sizes: Iterable[int]) -> dict[int, bytes | None]:
        """The tree's root at each of these sizes (none above the log's), read in one transaction; None where
        a node it needs is missing."""
        def at(get: Callable[[int, int], bytes], size: int) -> bytes | None:
            try:
                return subtree_root(get, 0, size)
            except AuditLogError:
                return None

        return self._with_nodes(lambda get: {size: at(get, size) for size in sizes})

    def checkpoints_after(self, size: int) -> list[tuple[int, str]]:
        with self.store.transaction() as tx:
            return [(r[0], r[1]) for r in tx.all("SELECT size, note FROM merkle_checkpoints WHERE size > ? ORDER BY size", (size,))]

    def nodes(self, level: int, start: int, end: int) -> list[bytes]:
        """The stored node hashes of one level over [start, end): a hash tile's content."""
        with self.store.transaction() as tx:
            rows = tx.all("SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                          (level, start, end))
        if [r[0] for r in rows] != list(range(start, end)):
            raise AuditLogError(f"audit log nodes of level {level} in [{start}, {end}) are missing")
        return [bytes.fromhex(r[1]) for r in rows]

    def leaves(self, start: int, end: int) -> list[Leaf]:
        with self.store.transaction() as tx:
            rows = tx.all("SELECT idx, notification_id, event_id, originator_id, originator_version FROM merkle_leaves "
                          "WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end))
        return [Leaf(*row) for row in rows]

    def add_cosignature(self, size: int, witness: str, line: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO merkle_cosignatures (size, witness, line) VALUES (?, ?, ?) "
                       "ON CONFLICT (size, witness) DO NOTHING", (size, witness, line))

    def cosignatures(self, size: int) -> list[str]:
        with self.store.transaction() as tx:
            return [r[0] for r in tx.all("SELECT line FROM merkle_cosignatures WHERE size = ? ORDER BY witness", (size,))]

    def cosigned_size(self, witness: str) -> int:
        """The largest checkpoint this witness has cosigned (0: none)."""
        with self.store.transaction() as tx:
            row = tx.one("SELECT COALESCE(MAX(size), 0) FROM merkle_cosignatures WHERE witness = ?", (witness,))
        return int(row[0]) if row else 0

    def latest_checkpoint(self) -> tuple[int, str] | None:
        with self.store.transaction() as tx:
            row = tx.one("SELECT size, note FROM merkle_checkpoints ORDER BY size DESC LIMIT 1")
        return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class CheckpointPolicy:
    """Sign a checkpoint once this many events, or this much time, have passed since the last."""

    every_events: int = 1000
    every: timedelta = timedelta(seconds=60)


def issue_checkpoint(
    log: MerkleLog,
    sign: Callable[[Checkpoint], str],
    origin: str,
    policy: CheckpointPolicy | None = None,
    now: datetime | None = None,
) -> str | None:
    """A new signed checkpoint over the current tree when the policy (or, without one,
    any growth) calls for it; the note, or None when the latest still stands."""
    size = log.size()
    latest = log.latest_checkpoint()
    now = now or datetime.now(UTC)
    if size == 0 or (latest and latest[0] >= size):
        return None
    if policy and latest:
        grown = size - latest[0]
        signed_at = read_unverified(latest[1]).timestamp or now - policy.every  # no time stated: due
        if grown < policy.every_events and now - signed_at < policy.every:
            return None
    note = sign(Checkpoint(origin, size, log.root(size), now))
    log.add_checkpoint(size, note)
    return note



def not_extended(log: MerkleLog, checkpoints: Iterable[Checkpoint]) -> tuple[Checkpoint, str] | None:
    """The first of these signed checkpoints the current tree does not extend, and how: `truncated` (the log holds
    fewer entries than it signed) or `diverged` (the root at its size differs: history below it was rewritten)."""
    size, signed = log.size(), list(checkpoints)
    roots = log.roots({c.size for c in signed if c.size <= size})
    for checkpoint in signed:
        if checkpoint.size > size:
            return checkpoint, "truncated"
        if roots[checkpoint.size] != checkpoint.root:
            return checkpoint, "diverged"
    return None


@dataclass(frozen=True)
class LogReport:
    leaves_checked: int
    not_yet_logged: int
    first_bad_position: int | None = None
    reason: str = ""
    kind: str = ""  # moved | unencodable | altered | missing | unlogged: what is wrong at the first bad position
    unlogged: int = 0  # events recorded before the grace period and still not in the log

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None


def logged_entries(log: MerkleLog, records: Callable[[int], Iterable[StoredRecord]], start: int, end: int) -> Iterator[bytes]:
    """The entries (canonical event bytes) of leaves [start, end), read from the event store after the
    position before the first; an event not where the log has it is an error, not a gap."""
    leaves = log.leaves(start, end)
    if not leaves:
        return
    stored = iter(records(leaves[0].notification_id - 1))
    for leaf in leaves:
        record = next(stored, None)
        if record is None or record.position != leaf.notification_id:
            raise AuditLogError(f"leaf {leaf.index}: the event store has no event at log position {leaf.notification_id}")
        yield entry_of(record)


def verify_log(log: MerkleLog, records: Iterable[StoredRecord], logged_by: datetime | None = None) -> LogReport:
    """Recompute every leaf from the event store and compare it with the logged tree. Events past the log's end
    recorded before `logged_by` should be in it: a log deleted or cut short shows as events never logged."""
    leaves = log.leaf_hashes()
    checked = 0
    records = iter(records)
    for record in records:
        logged = next(leaves, None)
        if logged is None:
            return _past_the_end(checked, chain((record,), records), logged_by)
        leaf, digest = logged
        if record.position != leaf.notification_id:
            position = min(record.position, leaf.notification_id)
            return LogReport(checked, 0, position, f"log position {position}: an event was removed or inserted", "moved")
        try:
            entry = entry_of(record)
        except AuditLogError as error:
            return LogReport(checked, 0, record.position, str(error), "unencodable")
        if leaf_hash(entry) != digest:
            return LogReport(checked, 0, record.position, f"log position {record.position}: the event differs from the one logged",
                             "altered")
        checked += 1
    missing = next(leaves, None)
    if missing is not None:
        position = missing[0].notification_id
        return LogReport(checked, 0, position, f"log position {position}: logged events are missing from the store", "missing")
    return LogReport(checked, 0)


def _past_the_end(checked: int, records: Iterable[StoredRecord], logged_by: datetime | None) -> LogReport:
    """Events after the log's last leaf: recorded since it was brought up to date, or left out when older."""
    if logged_by is None:
        return LogReport(checked, sum(1 for _ in records))
    young, late, first_late = 0, 0, None
    for record in records:
        recorded = record.state.get("timestamp") if record.state else None
        if isinstance(recorded, datetime) and recorded < logged_by:
            late += 1
            first_late = first_late or (record.position, recorded)
        else:
            young += 1
    if first_late is None:
        return LogReport(checked, young)
    position, recorded = first_late
    return LogReport(checked, young, position, f"log position {position}: recorded at {recorded.isoformat()}, never taken into "
                     f"the audit log ({late} events recorded before {logged_by.isoformat()} are not in it)", "unlogged", late)

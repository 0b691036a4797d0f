"""The ledger 台账: what every bounded context's application shares.

All applications write to one event store under the name ``zwgk``, so that every
event of every context has a place in a single notification order — the order the
Kafka relay follows and the audit log hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification, Transcoding
from eventsourcing.utils import get_topic

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline
from zwgk.domain.errors import AlreadyExists, ConcurrentModification, NotFound
from zwgk.domain.privacy import SealedValue
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule

TRecord = TypeVar("TRecord", bound=Record)
TCreated = TypeVar("TCreated", bound=Record.Created)


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, as `asdict` gives them but without deep-copying each value (all are immutable
    here): `asdict` made encoding an event with a deadline four times slower."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return {"id": obj.id, "role": obj.role.value, "unit": obj.unit}

    def decode(self, data: dict[str, str]) -> Actor:
        return Actor(**data)


class SealedValueAsDict(Transcoding):
    type = SealedValue
    name = "sealed"

    def encode(self, obj: SealedValue) -> dict[str, str]:
        return _fields(obj)

    def decode(self, data: dict[str, str]) -> SealedValue:
        return SealedValue(**data)


class DeadlineAsDict(Transcoding):
    type = Deadline
    name = "deadline"

    def encode(self, obj: Deadline) -> dict[str, Any]:
        return _fields(obj)

    def decode(self, data: dict[str, Any]) -> Deadline:
        return Deadline(**{**data, "rule": Rule(data["rule"])})


@dataclass(frozen=True)
class Outcome:
    """What a command changed: the record, its new version, its place in the log."""

    aggregate_id: UUID
    version: int
    notification_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "notification_id": self.notification_id,
        }


class LedgerApplication(Application[UUID]):
    """Base of the bounded contexts' applications.

    Snapshots are a read cache for long histories (a record's state as of an instant
    starts from the nearest one); they are never part of the hash chains or the audit
    log, and the events alone rebuild everything."""

    name = "zwgk"
    is_snapshotting_enabled = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = LedgerApplication.name  # one shared log, whatever the subclass

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())
        transcoder.register(DeadlineAsDict())
        transcoder.register(SealedValueAsDict())

    def record(self, *records: Record) -> Outcome:
        """Save the records' new events atomically; a concurrent writer wins, never silently.
        The outcome names the first record, the one the command is about."""
        try:
            recordings = self.save(*records)
        except IntegrityError:
            raise ConcurrentModification(records[0].id) from None
        if self.repository.cache:  # as recorded: the next command's read fast-forwards it instead of rebuilding it
            for saved in records:
                self.repository.cache.put(saved.id, deepcopy(saved))
        last = [r for r in recordings if r.domain_event.originator_id == records[0].id][-1]
        return Outcome(
            last.domain_event.originator_id,
            last.domain_event.originator_version,
            last.notification.id,
        )

    def load(self, record_class: type[TRecord], aggregate_id: UUID) -> TRecord:
        try:
            record = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(record_class.what_zh, record_class.__name__, aggregate_id) from None
        if not isinstance(record, record_class):
            raise NotFound(record_class.what_zh, record_class.__name__, aggregate_id)
        return record

    def create(self, record_class: type[TRecord], aggregate_id: UUID | None, make: Callable[[UUID], TRecord]) -> Outcome:
        """Open a new record under a given id (re-runnable migrations) or a fresh one; never twice."""
        new_id = aggregate_id or uuid4()
        if self.exists(new_id):
            raise AlreadyExists(record_class.what_zh, record_class.__name__, new_id)
        return self.record(make(new_id))

    def change(self, record_class: type[TRecord], aggregate_id: UUID, decide: Callable[[TRecord], None]) -> Outcome:
        """Load a record, let it decide (or refuse, recording nothing), save what it decided."""
        record = self.load(record_class, aggregate_id)
        decide(record)
        return self.record(record)

    def exists(self, aggregate_id: UUID) -> bool:
        """One query for any event of the record (not its snapshot, then its events)."""
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def notifications(self, topics: Sequence[str] = (), after: int = 0, batch: int = 1000) -> Iterator[Notification]:
        """The log in order after a position, read in pages."""
        start = after or None
        while page := self.recorder.select_notifications(
            start=start, limit=batch, topics=topics, inclusive_of_start=False
        ):
            yield from page
            start = page[-1].id

    def ids_of(self, created: type[Record.Created]) -> Iterator[UUID]:
        """Every aggregate created by one event type, in order of creation."""
        for notification in self.notifications(topics=[get_topic(created)]):
            yield notification.originator_id

    def created_events(self, created: type[TCreated]) -> Iterator[TCreated]:
        """Every event of one creating type, decoded, in order: what a record was created with, read
        without its later history."""
        for notification in self.notifications(topics=[get_topic(created)]):
            yield self.mapper.to_domain_event(notification)  # type: ignore[misc]

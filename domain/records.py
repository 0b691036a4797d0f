"""Record: the base of every aggregate in the ledger.

Every event states who acted (actor: id, role, unit), when it happened in business
time (`occurred_at`, which imports of historical records may supply) and when it was
recorded (`recorded_at`, the library's system timestamp, never supplied), and it is
sealed into its aggregate's hash chain (see `chain`).
"""

from __future__ import annotations

import hashlib
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline, WorkingDayCalendar
from zwgk.domain.chain import GENESIS, framed, state_json
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule
from zwgk.domain.stored_form import sealed, shape

CLOCK_SKEW = timedelta(minutes=5)
# Values a command cannot change in place (Actor and Deadline are frozen value objects), shared by copies.
UNCHANGING = frozenset({str, int, float, bool, type(None), UUID, datetime, date, Decimal, Actor, Deadline})
# The library's names of event fields, as the domain names them on the streams and in the views.
DOMAIN_NAMES = {"originator_id": "aggregate_id", "originator_version": "aggregate_version", "timestamp": "recorded_at"}

# Where a record keeps the unit that answers for it (C3), looked for in this order: `unit`, the unit that
# drafted, received, posted, noticed, planned… it; `responsible_unit`, a catalogue item's 公开主体 and an
# archived original's 责任者; `assigned_to`, the unit a complaint is assigned to 承办单位, once it is.
UNIT_ATTRIBUTES = ("unit", "responsible_unit", "assigned_to")

TRecord = TypeVar("TRecord", bound="Record")


def now() -> datetime:
    return datetime.now(UTC)


class Record(Aggregate):
    """An aggregate whose events carry actor, business time and a hash chain."""

    what_zh: ClassVar[str] = "记录"
    # The bounded context the record belongs to: it names the record's topics on the stream.
    context: ClassVar[str] = ""

    class Event(Aggregate.Event):
        """Every event; one that is public by its nature (D7, Q3: nothing else is) says so."""

        is_public: ClassVar[bool] = False
        event_id: UUID
        actor: Actor
        occurred_at: datetime
        prev_hash: str
        hash: str

        @property
        def recorded_at(self) -> datetime:
            return self.timestamp

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.chain_head = self.hash
            aggregate.last_occurred_at = self.occurred_at
            return aggregate

    class Created(Event, Aggregate.Created):
        """The event that opens a record; a record opened for a unit (the event's `unit`) keeps it, whether
        or not its `apply` copies it (C3: the unit answers for the record)."""

        def mutate(self, aggregate: Any) -> Any:
            record = super().mutate(aggregate)
            unit = getattr(self, "unit", None)
            if isinstance(unit, str) and "unit" not in vars(record):
                record.unit = unit
            return record

    # Each aggregate's state, set by its events, is declared for the type checker only:
    # annotations the library sees would turn the aggregate into a dataclass.
    if TYPE_CHECKING:
        unit: str
        chain_head: str
        last_occurred_at: datetime | None

    # Plain class attributes, for the same reason.
    chain_head = GENESIS
    last_occurred_at = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Record:
        """Every command works on a copy of the cached record (the library's repository copies it);
        values that cannot change are shared rather than copied, which makes the copy several times cheaper."""
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update({name: _copied(value, memo) for name, value in vars(self).items()})
        return clone

    @classmethod
    def creating_events(cls) -> list[type[Record.Created]]:
        """The events that open a record of this class."""
        return [e for e in vars(cls).values() if isinstance(e, type) and issubclass(e, Record.Created)]

    def settle_deadlines(self, *, actor: Actor, calendar: WorkingDayCalendar, occurred_at: datetime | None = None) -> bool:
        """Once the official calendar of a year is loaded, a new event for each running deadline that was
        computed provisionally (weekdays only) and now falls elsewhere or is settled; the events that
        started them keep the deadline they were recorded with. The events happen when the calendar
        was loaded, or with the record's latest step if that came later. True when any was recorded."""
        if occurred_at is not None and self.last_occurred_at is not None:
            occurred_at = max(occurred_at, self.last_occurred_at)
        recorded = False
        for deadline, recomputed_event in self._running_deadlines():
            if deadline.provisional and (settled := calendar.recompute(deadline)) != deadline:
                self._record(recomputed_event, actor=actor, occurred_at=occurred_at, previous=deadline, deadline=settled)
                recorded = True
        return recorded

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        """The deadlines still running (or minimum periods still to pass), each with the event that moves it."""
        return []

    def answering_unit(self) -> str | None:
        """The unit that answers for this record (谁发布、谁负责): the first of `UNIT_ATTRIBUTES` it has.
        None for a record no one unit answers for — an accountability case (its subject's unit is the
        unit held to account, not the one acting), a data subject's erasure, an official calendar year,
        a complaint not yet assigned — which only roles acting across units change."""
        for name in UNIT_ATTRIBUTES:
            unit = getattr(self, name, None)
            if isinstance(unit, str) and unit:
                return unit
        return None

    def check_acting_unit(self, actor: Actor) -> None:
        """C3 generalised, for an actor acting for its own unit only (`Scope.OWN_UNIT`): refused unless
        its unit answers for this record."""
        self._check_own_unit(actor)

    def _check_own_unit(self, actor: Actor) -> None:
        """谁发布、谁负责: only the unit a record belongs to acts on it; on a record that belongs to no unit, none."""
        unit = self.answering_unit()
        if unit is None:
            raise DomainError("NOT_RESPONSIBLE_UNIT", f"{self.what_zh}不属于任何单位，只能由跨单位履职的角色进行此操作（谁发布、谁负责）。",
                              f"no unit answers for this {type(self).__name__}: only roles acting across units act on it", Rule.C3)
        if actor.unit != unit:
            raise DomainError("NOT_RESPONSIBLE_UNIT", f"只有“{unit}”可以进行此操作（谁发布、谁负责）。",
                              f"only {unit} may do this", Rule.C3)

    @classmethod
    def _open(
        cls: type[TRecord],
        event_class: type[Record.Created],
        *,
        id: UUID,  # noqa: A002
        actor: Actor,
        occurred_at: datetime | None,
        **fields: Any,
    ) -> TRecord:
        """Create the aggregate with its first, sealed event."""
        recorded_at = event_class.create_timestamp()
        kwargs = _sealed(
            event_class,
            originator_id=id,
            originator_version=cls.INITIAL_VERSION,
            prev_hash=GENESIS,
            recorded_at=recorded_at,
            actor=actor,
            occurred_at=_business_time(occurred_at, recorded_at, None),
            originator_topic=get_topic(cls),
            **fields,
        )
        kwargs.pop("originator_id")
        kwargs.pop("originator_version")
        return cls._create(event_class, id=id, **kwargs)

    def _record(
        self,
        event_class: type[Record.Event],
        *,
        actor: Actor,
        occurred_at: datetime | None,
        **fields: Any,
    ) -> None:
        """Trigger the next event of this aggregate, sealed onto its chain."""
        recorded_at = event_class.create_timestamp()
        kwargs = _sealed(
            event_class,
            originator_id=self.id,
            originator_version=self.version + 1,
            prev_hash=self.chain_head,
            recorded_at=recorded_at,
            actor=actor,
            occurred_at=_business_time(occurred_at, recorded_at, self.last_occurred_at),
            **fields,
        )
        self.trigger_event(event_class, **kwargs)


def _unchanging(value: Any) -> bool:
    return type(value) in UNCHANGING or isinstance(value, Enum)


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    """Unchanging values shared; lists and dicts of them copied one level deep (most of a record's
    state); anything else deep-copied."""
    if _unchanging(value):
        return value
    if type(value) is list and all(map(_unchanging, value)):
        return list(value)
    if type(value) is dict and all(map(_unchanging, value.values())):
        return dict(value)
    return deepcopy(value, memo)


class DeadlineRecomputed(Record.Event):
    """The base of the events that settle a provisional deadline once the official calendar is loaded:
    each record names its own (the topic is the record's) and the attribute that keeps the deadline."""

    holder: ClassVar[str]
    previous: Deadline
    deadline: Deadline

    def apply(self, record: Any) -> None:
        setattr(record, self.holder, self.deadline)


def _business_time(
    occurred_at: datetime | None, recorded_at: datetime, previous: datetime | None
) -> datetime:
    if occurred_at is None:
        return recorded_at
    if occurred_at.tzinfo is None:
        raise DomainError(
            "OCCURRED_AT_WITHOUT_ZONE",
            "业务时间须带时区，例如 2022-01-14T09:00:00+08:00。",
            "occurred_at needs a time zone offset",
        )
    if occurred_at > recorded_at + CLOCK_SKEW:
        raise DomainError(
            "OCCURRED_AT_IN_FUTURE",
            "业务时间不能晚于当前时间。",
            "occurred_at is in the future",
        )
    if previous is not None and occurred_at < previous:
        raise DomainError(
            "OCCURRED_AT_BEFORE_PREVIOUS",
            "业务时间早于该记录的上一步，顺序不符。",
            "occurred_at precedes the previous event of this record",
        )
    return occurred_at


def _sealed(
    event_class: type[Record.Event],
    *,
    originator_id: UUID,
    originator_version: int,
    prev_hash: str,
    recorded_at: datetime,
    **fields: Any,
) -> dict[str, Any]:
    """The event's keyword arguments, with its id and its place in the chain."""
    state: dict[str, Any] = {
        "timestamp": recorded_at,
        "event_id": uuid4(),
        "prev_hash": prev_hash,
        **fields,
    }
    class_version = getattr(event_class, "class_version", 1)
    hashed = dict(state, class_version=class_version) if class_version > 1 else state
    body = state_json(hashed, typed=shape(event_class).exact)
    state["hash"] = hashlib.sha256(framed(get_topic(event_class), originator_id, originator_version, body)).hexdigest()
    sealed.keep(state["hash"], body)
    return {"originator_id": originator_id, "originator_version": originator_version, **state}

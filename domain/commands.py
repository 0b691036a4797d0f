"""Commands 指令: what a person asks the ledger to do.

A command is one typed class beside the record it acts on: its fields are its arguments
(their JSON schema, descriptions and allowed values come from the class), and it says which
decision of the record it asks for. Declaring the class registers it under its name, so
files of commands, the demo and every entrypoint find it in `COMMANDS`; nothing else lists it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from zwgk.domain.access import Scope
from zwgk.domain.actors import Actor
from zwgk.domain.records import Record

if TYPE_CHECKING:
    from zwgk.domain.ledger import Ledger

TRecord = TypeVar("TRecord", bound=Record)


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


@dataclass(frozen=True)
class Context:
    """Who asks, when it happened (business time; None: now), the ledger that decides, and the scope the
    actor acts in: `OWN_UNIT` (what `access.permit_command` gives a role acting for its own unit) lets it
    open and change only records its unit answers for; `ANY_UNIT`, the default (the command line, an
    operator, tests), leaves the units to the rules of each record."""

    ledger: Ledger
    actor: Actor
    occurred_at: datetime | None
    scope: Scope = field(default=Scope.ANY_UNIT, kw_only=True)

    def at(self) -> dict[str, Any]:
        return {"actor": self.actor, "occurred_at": self.occurred_at}

    def in_scope(self, record: TRecord) -> TRecord:
        """The record, once the actor may act on it in its scope (C3 generalised); refused otherwise."""
        if self.scope is Scope.OWN_UNIT:
            record.check_acting_unit(self.actor)
        return record


COMMANDS: dict[str, type[Command]] = {}


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every command; a subclass given a `name` registers itself."""

    name: ClassVar[str]
    summary_zh: ClassVar[str]
    # Fields that name the record acted on rather than go to its decision.
    reference: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, name: str = "", summary_zh: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name:
            if name in COMMANDS:
                raise TypeError(f"command {name} is declared twice")
            cls.name, cls.summary_zh = name, summary_zh
            COMMANDS[name] = cls

    def args(self) -> dict[str, Any]:
        """The fields that go to the record's decision, as given."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self.reference}

    def handle(self, ctx: Context) -> Outcome | list[Outcome]:
        raise NotImplementedError


class Decided:
    """What a command learns from the record's method that decides it: the record's class, and
    whether the method takes the working-day calendar (which the ledger then passes)."""

    record_type: ClassVar[type[Record]]
    takes_calendar: ClassVar[bool] = False

    @classmethod
    def learn(cls, decision: Callable[..., Any]) -> None:
        owner = decision.__qualname__.split(".")[0]
        record = getattr(inspect.getmodule(decision), owner, None)
        if not (isinstance(record, type) and issubclass(record, Record)):
            raise TypeError(f"{decision.__qualname__} is not a decision of a record")
        cls.record_type = record
        cls.takes_calendar = "calendar" in inspect.signature(decision).parameters

    def calendar_for(self, ctx: Context) -> dict[str, Any]:
        return {"calendar": ctx.ledger.calendar()} if self.takes_calendar else {}


@dataclass(frozen=True, kw_only=True)
class Opens(Command, Decided, Generic[TRecord]):
    """A command that opens a new record, under a given id (re-runnable migrations) or a fresh one.

    `opens` is the record's class method that decides; it receives the new id, the actor, the
    business time, the calendar when it takes one, and the command's other fields."""

    reference: ClassVar[tuple[str, ...]] = ("id",)
    opens: ClassVar[Callable[..., Record]]
    id: UUID | None = None
    """optional id, to make a migration re-runnable"""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "opens" in cls.__dict__:
            cls.learn(cls.opens)

    def handle(self, ctx: Context) -> Outcome:
        """The new record is checked against the actor's scope before anything is saved (for one opened
        under a unit an argument names, as for any other)."""
        return ctx.ledger.create(self.record_type, self.id, lambda new: ctx.in_scope(self.open(new, ctx)))

    def open(self, new_id: UUID, ctx: Context) -> Record:
        return type(self).opens(id=new_id, **ctx.at(), **self.calendar_for(ctx), **self.args())


@dataclass(frozen=True, kw_only=True)
class Changes(Command, Decided, Generic[TRecord]):
    """A command on an existing record: load it, let it decide (or refuse, recording nothing), save.

    `decides` is the record's method that decides; it receives the actor, the business time, the
    calendar when it takes one, and the command's other fields that are given."""

    decides: ClassVar[Callable[..., None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "decides" in cls.__dict__:
            cls.learn(cls.decides)

    def target(self, ctx: Context) -> UUID:
        (field,) = self.reference
        value: UUID = getattr(self, field)
        return value

    def handle(self, ctx: Context) -> Outcome:
        """The record is checked against the actor's scope once loaded, before its decision (which a command
        may override: the check stays here)."""
        return ctx.ledger.change(self.record_type, self.target(ctx), lambda record: self.decide(ctx.in_scope(record), ctx))

    def decide(self, record: Any, ctx: Context) -> None:
        given = {k: v for k, v in self.args().items() if v is not None}
        type(self).decides(record, **ctx.at(), **self.calendar_for(ctx), **given)

"""The stored form of an event 事件存储格式: the bytes its hash covers, encoded once.

The store keeps an event of the ledger as its hash (64 lowercase hex characters) followed by the canonical
JSON of its state without the hash (`chain.state_json`). Framed with the event's topic, record id and version
(`chain.framed`), those are the bytes the chain hashes and the audit log's leaf: encoded when the event is
sealed, kept as they are, hashed and logged without encoding the event again. Reading them back is one JSON
parse and a conversion of the few fields whose declared type JSON does not have (instants, dates, ids, value
objects), planned once per event class from its annotations.

Events recorded before this form (stores written up to release 8) are the library's JSON with tagged values: they begin with
``{``, which no hash does, and are read as they always were. Snapshots, a read cache outside the chains, keep
the library's form.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, find_id_convertor
from eventsourcing.utils import get_topic, resolve_topic

from zwgk.domain.actors import Actor, Role
from zwgk.domain.calendar import Deadline
from zwgk.domain.chain import state_json
from zwgk.domain.privacy import SealedValue
from zwgk.domain.rules import Rule

HASH_LENGTH = 64
LIBRARY_FORM = b"{"[0]  # how the library's JSON (events before this form, snapshots) begins
# The library's names for the event's place, kept in the store's own columns, not in the state.
PLACE = ("originator_id", "originator_version")

Convert = Callable[[Any], Any]


def _uuid(value: Any) -> Any:
    return UUID(value) if type(value) is str else value


def _instant(value: Any) -> Any:
    return datetime.fromisoformat(value) if type(value) is str else value


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if type(value) is str else value


def _decimal(value: Any) -> Any:
    return Decimal(value) if type(value) is str else value


def _actor(value: Any) -> Any:
    return Actor(value["id"], Role(value["role"]), value["unit"]) if type(value) is dict else value


def _deadline(value: Any) -> Any:
    if type(value) is not dict:
        return value
    return Deadline(rule=Rule(value["rule"]), start=date.fromisoformat(value["start"]),  # type: ignore[call-arg]
                    working_days=value["working_days"], due=date.fromisoformat(value["due"]),
                    provisional=value["provisional"], calendar_version=value["calendar_version"])


def _deadline_viewed(value: Any) -> Any:
    """As the views read a deadline: a mapping, its days as dates."""
    if type(value) is not dict:
        return value
    return {**value, "start": date.fromisoformat(value["start"]), "due": date.fromisoformat(value["due"])}


def _sealed(value: Any) -> Any:
    return SealedValue(**value) if type(value) is dict else value


# Per declared type: to the domain's value, and to the views' (which keep ids, actors and sealed values as JSON).
_SCALARS: dict[Any, tuple[Convert | None, Convert | None]] = {
    UUID: (_uuid, None),
    datetime: (_instant, _instant),
    date: (_day, _day),
    Decimal: (_decimal, None),
    Actor: (_actor, None),
    Deadline: (_deadline, _deadline_viewed),
    SealedValue: (_sealed, None),
}
_AS_JSON = (str, int, bool)  # and their subclasses (the domain's StrEnums, stored and read back as text)


class NoStoredForm(TypeError):
    """An event field's declared type has no stored form: declare it with one of the types above."""


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _each(convert: Convert) -> Convert:
    return lambda values: [convert(v) for v in values]


def _values(convert: Convert) -> Convert:
    return lambda mapping: {k: convert(v) for k, v in mapping.items()}


def _plan(hint: Any, for_views: bool) -> tuple[Convert | None, bool]:
    """How a value of this declared type is read back, and whether orjson writes it as the contract does."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None, False
    if hint in _SCALARS:
        return _SCALARS[hint][for_views], True
    if isinstance(hint, type) and issubclass(hint, _AS_JSON):
        return None, True
    if hint is float:
        return None, False
    if origin in (types.UnionType, typing.Union) and type(None) in args and len(args) == 2:
        convert, exact = _plan(next(a for a in args if a is not type(None)), for_views)
        return (_optional(convert) if convert else None), exact
    if origin is list and len(args) == 1:
        convert, exact = _plan(args[0], for_views)
        return (_each(convert) if convert else None), exact
    if origin is dict and len(args) == 2 and args[0] is str:
        convert, exact = _plan(args[1], for_views)
        return (_values(convert) if convert else None), exact
    raise NoStoredForm(f"no stored form for a value of type {hint!r}")


@dataclass(frozen=True)
class Shape:
    """How one event class's state is written and read back."""

    exact: bool  # orjson writes every field as the contract does (no float, no Any)
    domain: tuple[tuple[str, Convert], ...]
    views: tuple[tuple[str, Convert], ...]

    @staticmethod
    def _convert(state: dict[str, Any], plan: tuple[tuple[str, Convert], ...]) -> dict[str, Any]:
        for name, convert in plan:
            if name in state:
                state[name] = convert(state[name])
        return state

    def to_domain(self, state: dict[str, Any]) -> dict[str, Any]:
        return self._convert(state, self.domain)

    def to_views(self, state: dict[str, Any]) -> dict[str, Any]:
        """The views' values: instants and dates as such, ids, actors and sealed values as JSON."""
        return self._convert(state, self.views)


@cache
def shape(event_class: type) -> Shape:
    domain: list[tuple[str, Convert]] = []
    views: list[tuple[str, Convert]] = []
    exact = True
    for name, hint in typing.get_type_hints(event_class).items():
        if name in PLACE or typing.get_origin(hint) is typing.ClassVar:
            continue
        try:
            to_domain, exact_here = _plan(hint, for_views=False)
            to_views, _ = _plan(hint, for_views=True)
        except NoStoredForm as error:
            raise NoStoredForm(f"{event_class.__qualname__}.{name}: {error}") from None
        exact = exact and exact_here
        if to_domain:
            domain.append((name, to_domain))
        if to_views:
            views.append((name, to_views))
    return Shape(exact, tuple(domain), tuple(views))


@cache
def topic_shape(topic: str) -> Shape:
    return shape(resolve_topic(topic))


class _Sealed:
    """The state JSON of events sealed in this process and not yet stored, by hash: a sealed event is stored
    moments later, and this is how its encoding at sealing serves the store too. Bounded: an event a refused
    command sealed is never stored, and its entry is dropped in time."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hash: dict[str, bytes] = {}

    def keep(self, event_hash: str, state: bytes) -> None:
        with self._lock:
            if len(self._by_hash) >= self.LIMIT:
                del self._by_hash[next(iter(self._by_hash))]
            self._by_hash[event_hash] = state

    def take(self, event_hash: str) -> bytes | None:
        with self._lock:
            return self._by_hash.pop(event_hash, None)


sealed = _Sealed()


def is_library_form(stored: bytes) -> bool:
    return not stored or stored[0] == LIBRARY_FORM


def split(stored: bytes) -> tuple[str, bytes]:
    """An event in this form: its hash and its state's canonical JSON."""
    return stored[:HASH_LENGTH].decode("ascii"), stored[HASH_LENGTH:]


def parsed(stored: bytes) -> dict[str, Any]:
    """The state as JSON gives it back, its hash among it."""
    event_hash, body = split(stored)
    state: dict[str, Any] = orjson.loads(body)
    if type(state) is not dict:
        raise ValueError("stored state is not an object")
    state["hash"] = event_hash
    return state


def unwrapped(mapper: Mapper[UUID], stored: bytes) -> bytes:
    """The stored bytes as written, before the mapper's cipher and compressor (when configured)."""
    if mapper.cipher:
        stored = mapper.cipher.decrypt(stored)
    if mapper.compressor:
        stored = mapper.compressor.decompress(stored)
    return stored


def encoded(event_class: type, state: Mapping[str, Any]) -> bytes:
    """The stored form of an event's state (its place left out, its class version in)."""
    event_hash: str = state["hash"]
    body = sealed.take(event_hash)
    if body is None:
        body = state_json(state, typed=shape(event_class).exact)
    return event_hash.encode("ascii") + body


class LedgerMapper(Mapper[UUID]):
    """The library's mapper, for the ledger's events in their stored form; snapshots and events stored before
    it as the library writes and reads them."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        if "hash" not in state:
            return super().to_stored_event(domain_event)
        event_class = type(domain_event)
        originator_id, originator_version = state.pop("originator_id"), state.pop("originator_version")
        class_version = getattr(event_class, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored = encoded(event_class, state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=get_topic(event_class), state=stored)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        stored = unwrapped(self, stored_event.state)
        if is_library_form(stored):
            return super().to_domain_event(stored_event)
        event_class = resolve_topic(stored_event.topic)
        state = parsed(stored)
        state["originator_id"] = find_id_convertor(event_class, cast(Hashable, type(stored_event.originator_id)))(
            stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        version, current = state.pop("class_version", 1), getattr(event_class, "class_version", 1)
        while version < current:
            getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        domain_event: DomainEventProtocol[UUID] = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", shape(event_class).to_domain(state))
        return domain_event

"""The one shape in which views receive events, whether they come from the event store or
from Kafka: the integrators' message (contract field names), plus its place in the log; and
how views name the events they fold: by their domain classes, never by strings written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline
from zwgk.domain.privacy import SealedValue
from zwgk.domain.records import DOMAIN_NAMES, Record
from zwgk.domain.stored_form import is_library_form, parsed, topic_shape

DROPPED = {"originator_topic", "class_version"}
THandler = TypeVar("THandler", bound=Callable[..., None])
T = TypeVar("T")


def event_type(cls: type[Record.Event]) -> str:
    """The name a `ProjectedEvent` of this class carries (DisclosureAct.Published): the class's qualified name, which
    ends its topic in the event store and its ce_type on Kafka. Views name events by class; this is the one place
    a class becomes that name."""
    return cls.__qualname__


def by_type(table: Mapping[type[Record.Event], T]) -> dict[str, T]:
    """A table declared by event class, keyed as views look it up: by the name each event carries."""
    return {event_type(cls): value for cls, value in table.items()}


def events_of(record: type[Record]) -> frozenset[str]:
    """The names of every event a record defines (not the library's per-aggregate bases, Event and Created)."""
    return frozenset(event_type(attribute) for name, attribute in vars(record).items()
                     if isinstance(attribute, type) and issubclass(attribute, Record.Event) and name not in ("Event", "Created"))


def subclasses(base: type[Record.Event]) -> list[type[Record.Event]]:
    """Every event class derived from `base` in the domain modules imported so far, each once: the library
    defines an aggregate's events again as subclasses of the aggregate's own Event."""
    found: dict[str, type[Record.Event]] = {}
    below = [base]
    while below:
        for cls in below.pop().__subclasses__():
            found.setdefault(event_type(cls), cls)
            below.append(cls)
    return list(found.values())


class Handlers(Generic[THandler]):
    """A view's handlers, each declared for the event classes it folds and looked up by the name a projected
    event carries: a misspelt event fails at import, and an event handled twice too."""

    def __init__(self) -> None:
        self.by_type: dict[str, THandler] = {}

    def on(self, *classes: type[Record.Event]) -> Callable[[THandler], THandler]:
        def register(handler: THandler) -> THandler:
            for cls in classes:
                name = event_type(cls)
                if name in self.by_type:
                    raise ValueError(f"{name} has two handlers: {self.by_type[name].__name__} and {handler.__name__}")
                self.by_type[name] = handler
            return handler
        return register

    def get(self, name: str) -> THandler | None:
        return self.by_type.get(name)

    def dispatch(self, target: Any, event: ProjectedEvent) -> None:
        """Fold one event into the target with its handler; an event the view does not fold changes nothing."""
        handler = self.by_type.get(event.type)
        if handler is not None:
            handler(target, event)


class ProjectedEvent(NamedTuple):
    """A named tuple, not a dataclass: a rebuild makes one per event, and a tuple is made in a third of the time."""

    position: int  # notification id in the ledger's log
    type: str  # e.g. DisclosureAct.Published
    aggregate_id: str
    version: int
    record: dict[str, Any]

    @property
    def occurred_at(self) -> datetime:
        occurred_at: datetime = self.record["occurred_at"]
        return occurred_at

    @property
    def actor(self) -> dict[str, str]:
        return self.record.get("actor") or {}


PLAIN = (str, int, bool, float, type(None), date)


def _normal(value: Any) -> Any:
    if type(value) in PLAIN:  # most values: no conversion
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, Actor):
        return {"id": value.id, "role": value.role.value, "unit": value.unit}
    if isinstance(value, SealedValue):
        return asdict(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Deadline):
        return {"rule": value.rule, "start": value.start, "working_days": value.working_days, "due": value.due,
                "provisional": value.provisional, "calendar_version": value.calendar_version}
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, date) or value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_current_versions: dict[str, int] = {}


def upcast(topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """The stored state brought to its event class's current version, as the library's mapper does."""
    current = _current_versions.get(topic)
    if current is None:
        current = _current_versions[topic] = getattr(resolve_topic(topic), "class_version", 1)
    version = state.get("class_version", 1)
    if version == current:
        return state
    cls = resolve_topic(topic)
    state = dict(state)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


def _identity(data: Any) -> Any:
    return data


# The event store's tagged values (JSONTranscoder's {"_type_", "_data_"}) as `_normal` would leave them;
# nested ones are already decoded when their container is, as the JSON decoder works inside out.
TAGGED = {
    "uuid_hex": lambda h: f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
    "datetime_iso": lambda text: datetime.fromisoformat(text).astimezone(UTC),
    "date_iso": date.fromisoformat,
    "actor": _identity,
    "sealed": _identity,
    "deadline": _identity,
    "decimal_str": _identity,
}


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        try:
            return TAGGED[obj["_type_"]](obj["_data_"])
        except KeyError:
            raise ValueError(f"no projection decoding for stored values tagged {obj['_type_']!r}") from None
    return obj


_decoder = json.JSONDecoder(object_hook=_untag)


def from_notification(n: Notification) -> ProjectedEvent:
    """From the event store's log: the stored JSON decoded straight into the views' values (one pass,
    none of the domain's objects built), upcast, named as on the streams. Upcasters see these values."""
    if is_library_form(n.state):
        fields = upcast(n.topic, _decoder.decode(n.state.decode("utf-8")))  # freshly decoded: renamed in place
    else:
        fields = topic_shape(n.topic).to_views(upcast(n.topic, parsed(n.state)))
    for name in DROPPED:
        fields.pop(name, None)
    for stored, named in DOMAIN_NAMES.items():
        if stored in fields:
            fields[named] = fields.pop(stored)
    aggregate_id = str(n.originator_id)
    fields["aggregate_id"] = aggregate_id
    fields["aggregate_version"] = n.originator_version
    return ProjectedEvent(n.id, n.topic.rsplit(":", 1)[-1], aggregate_id, n.originator_version, fields)


def from_message(ce_type: str, notification_id: int, record: dict[str, Any]) -> ProjectedEvent:
    """From Kafka: a decoded internal message (ce_type zwgk.<context>.<Aggregate>.<Event>)."""
    fields = _normal(record)
    name = ".".join(ce_type.split(".")[-2:])
    return ProjectedEvent(notification_id, name, fields["aggregate_id"], fields["aggregate_version"], fields)

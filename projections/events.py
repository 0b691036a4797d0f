"""The one shape in which views receive events, whether they come from the event store or
from Kafka: the integrators' message (contract field names), plus its place in the log.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline
from zwgk.domain.privacy import SealedValue
from zwgk.domain.records import DOMAIN_NAMES

DROPPED = {"originator_topic", "class_version"}


class ProjectedEvent(NamedTuple):
    """A named tuple, not a dataclass: a rebuild makes one per event, and a tuple is made in a third of the time."""

    position: int  # notification id in the ledger's log
    type: str  # e.g. DisclosureAct.Published
    aggregate_id: str
    version: int
    record: dict[str, Any]

    @property
    def occurred_at(self) -> datetime:
        return self.record["occurred_at"]

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
        return value.astimezone(timezone.utc)
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
    "datetime_iso": lambda text: datetime.fromisoformat(text).astimezone(timezone.utc),
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
    fields = upcast(n.topic, _decoder.decode(n.state.decode("utf-8")))  # freshly decoded: renamed in place
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

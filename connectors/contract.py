"""The integrators' contract: which events go on which topic, as which Avro record.

Every domain event becomes an Avro record on its context's internal topic; the events
that are public by their nature (the published catalogue, published disclosures, the
official calendar) also become a slimmer record on the public topic. Field names are
the domain's; the Python class path never leaves the ledger.

The `.avsc` files in `connectors/schemas/` are generated from the event classes by
`zwgk kafka schemas --write connectors/schemas`; each is complete on its own (the shared named
types are written out where first used), so any Avro library parses one file alone. A test keeps
code and files in step, another keeps every schema able to read what every release wrote
(BACKWARD_TRANSITIVE). A schema that a change replaces is kept under `schemas/superseded/`,
named by its fingerprint, so that messages written by older releases still decode.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from types import NoneType, UnionType
from typing import Any
from uuid import UUID

from zwgk.domain import contexts
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline
from zwgk.domain.catalogue import ELEMENTS_ZH, CatalogueItem
from zwgk.domain.official_calendar import OfficialCalendarYear
from zwgk.domain.privacy import SealedValue
from zwgk.domain.records import DOMAIN_NAMES, Record

SCHEMA_DIR = Path(__file__).parent / "schemas"
SUPERSEDED = "superseded"  # SCHEMA_DIR / SUPERSEDED / "<full name>.<CRC-64-AVRO hex>.avsc": writer schemas of older releases
CHECKPOINT_TOPIC = "zwgk.public.checkpoints.v1"

# Bounded context of each record type, as the record declares it: it names the topics.
CONTEXTS: dict[type[Record], str] = {record: record.context for record in contexts.records()}

# Events that are public by their nature, as each declares (D7, Q3: nothing else reaches a public topic).
PUBLIC: set[type[Record.Event]] = {
    value for record in CONTEXTS for value in vars(record).values()
    if isinstance(value, type) and issubclass(value, Record.Event) and value.is_public
}

# Envelope fields are named in the domain's words (DOMAIN_NAMES); library-only fields dropped.
DROPPED = {"originator_topic"}
ENVELOPE = ["event_id", "aggregate_id", "aggregate_version", "occurred_at", "recorded_at", "actor", "prev_hash", "hash"]
# On public topics: who acted is the unit, not the person; the hash chain stays internal.
PUBLIC_DROPPED = {"actor", "prev_hash", "hash"}
ENVELOPE_DOCS = {
    "event_id": "the event's id; the ce_id header",
    "aggregate_id": "the record's id; the message key and the ce_subject header",
    "aggregate_version": "the event's number in its record's history, from 1",
    "occurred_at": "business time: when it happened",
    "recorded_at": "system time: when zwgk recorded it; the ce_time header",
    "actor": "who acted: the person, the role, the unit",
    "prev_hash": "the hash of the record's previous event (the chain)",
    "hash": "SHA-256 of this event (see docs/audit.md)",
    "acting_unit": "the unit on whose behalf it was done",
}

ELEMENT_TYPES = {"channels": {"type": "array", "items": "string"}}
NAMED_TYPES: dict[str, dict[str, Any]] = {
    "zwgk.Actor": {
        "type": "record", "name": "Actor", "namespace": "zwgk",
        "doc": "Who acted: a person (or zwgk) in a role, on behalf of a unit.",
        "fields": [{"name": "id", "type": "string"}, {"name": "role", "type": "string"}, {"name": "unit", "type": "string"}],
    },
    "zwgk.Deadline": {
        "type": "record", "name": "Deadline", "namespace": "zwgk",
        "doc": "A due date computed when its starting event was recorded (working days 工作日).",
        "fields": [
            {"name": "rule", "type": "string"},
            {"name": "start", "type": {"type": "int", "logicalType": "date"}},
            {"name": "working_days", "type": "long"},
            {"name": "due", "type": {"type": "int", "logicalType": "date"}},
            {"name": "provisional", "type": "boolean"},
            {"name": "calendar_version", "type": "string"},
        ],
    },
    "zwgk.CatalogueElements": {
        "type": "record", "name": "CatalogueElements", "namespace": "zwgk",
        "doc": "The ten elements of a catalogue item 公开事项 (C1).",
        "fields": [{"name": k, "type": ELEMENT_TYPES.get(k, "string"), "doc": zh} for k, zh in ELEMENTS_ZH.items()],
    },
    "zwgk.CatalogueChanges": {
        "type": "record", "name": "CatalogueChanges", "namespace": "zwgk",
        "doc": "The elements an amendment changed; the others are null.",
        "fields": [
            {"name": k, "type": ["null", ELEMENT_TYPES.get(k, "string")], "default": None, "doc": zh}
            for k, zh in ELEMENTS_ZH.items()
        ],
    },
    "zwgk.SealedValue": {
        "type": "record", "name": "SealedValue", "namespace": "zwgk",
        "doc": "Personal data sealed with its data subject's own AES-256-GCM key (Q3); unreadable once the key is erased.",
        "fields": [{"name": "subject_id", "type": "string"}, {"name": "key_id", "type": "string"},
                   {"name": "nonce", "type": "string"}, {"name": "ciphertext", "type": "string"}],
    },
    "zwgk.CalendarDay": {
        "type": "record", "name": "CalendarDay", "namespace": "zwgk",
        "fields": [{"name": "name", "type": "string"}, {"name": "date", "type": "string"}, {"name": "isOffDay", "type": "boolean"}],
    },
}
FIELD_OVERRIDES: dict[tuple[type, str], Any] = {
    (CatalogueItem.Listed, "elements"): "zwgk.CatalogueElements",
    (CatalogueItem.Amended, "changes"): "zwgk.CatalogueChanges",
    (CatalogueItem.AdjustmentFiled, "content_after"): "zwgk.CatalogueElements",
    (OfficialCalendarYear.Loaded, "days"): {"type": "array", "items": "zwgk.CalendarDay"},
    (OfficialCalendarYear.Replaced, "days"): {"type": "array", "items": "zwgk.CalendarDay"},
}
PRIMITIVES = {str: "string", int: "long", bool: "boolean", float: "double", Decimal: "string"}
LOGICAL = {
    UUID: {"type": "string", "logicalType": "uuid"},
    datetime: {"type": "long", "logicalType": "timestamp-micros"},
    date: {"type": "int", "logicalType": "date"},
}
CLASSES = {Actor: "zwgk.Actor", Deadline: "zwgk.Deadline", SealedValue: "zwgk.SealedValue"}
ENVELOPE_TYPES = {
    "aggregate_id": LOGICAL[UUID],
    "aggregate_version": "long",
    "recorded_at": LOGICAL[datetime],
}


def _avro_type(hint: Any) -> Any:
    if hint in PRIMITIVES:
        return PRIMITIVES[hint]
    if hint in LOGICAL:
        return LOGICAL[hint]
    if hint in CLASSES:
        return CLASSES[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (UnionType, typing.Union) and NoneType in args and len(args) == 2:
        return ["null", _avro_type(next(a for a in args if a is not NoneType))]
    if origin is list:
        return {"type": "array", "items": _avro_type(args[0])}
    if origin is dict and args[0] is str and args[1] is not Any:
        return {"type": "map", "values": _avro_type(args[1])}
    raise TypeError(f"no Avro type for {hint}: add a FIELD_OVERRIDES entry")


@dataclass(frozen=True)
class EventType:
    """One domain event type as integrators see it."""

    cls: type[Record.Event]
    record: type[Record]

    @property
    def context(self) -> str:
        return CONTEXTS[self.record]

    @property
    def name(self) -> str:
        """E.g. DisclosureAct.Published: the aggregate and the past-tense event."""
        return f"{self.record.__name__}.{self.cls.__name__}"

    @property
    def ce_type(self) -> str:
        return f"zwgk.{self.context}.{self.name}"

    @property
    def public(self) -> bool:
        return self.cls in PUBLIC

    @property
    def doc(self) -> str:
        """The event class's own docstring, not the signature dataclasses write in its place."""
        for klass in self.cls.__mro__:
            if klass in (Record.Event, Record.Created):
                break
            written = (klass.__dict__.get("__doc__") or "").strip()
            if written and not written.startswith(f"{klass.__name__}("):
                return written.splitlines()[0]
        return f"{self.name}, in the {self.context} context."

    def avro_name(self, visibility: str) -> str:
        return f"zwgk.{visibility}.{self.context}.{self.record.__name__}{self.cls.__name__}"

    def topic(self, visibility: str) -> str:
        return f"zwgk.{visibility}.{self.context}.v1"

    @cached_property
    def fields(self) -> list[tuple[str, str]]:
        """(message field, event attribute) in message order: envelope first."""
        hints = [f.name for f in dataclasses.fields(self.cls) if f.name not in DROPPED]
        named = [(DOMAIN_NAMES.get(h, h), h) for h in hints]
        order = {name: i for i, name in enumerate(ENVELOPE)}
        return sorted(named, key=lambda pair: (order.get(pair[0], len(order)), hints.index(pair[1])))

    def schema(self, visibility: str) -> dict[str, Any]:
        """The Avro record of this event on a topic of this visibility, complete on its own."""
        hints = typing.get_type_hints(self.cls)
        # A field a later class version added has a default: old messages read with it (BACKWARD).
        defaults = {f.name: f.default for f in dataclasses.fields(self.cls) if f.default is not dataclasses.MISSING}
        fields: list[dict[str, Any]] = []
        for name, attribute in self.fields:
            if visibility == "public" and name in PUBLIC_DROPPED:
                continue
            avro = (
                ENVELOPE_TYPES.get(name)
                or FIELD_OVERRIDES.get((self.cls, attribute))
                or _avro_type(hints[attribute])
            )
            doc = {"doc": ENVELOPE_DOCS[name]} if name in ENVELOPE_DOCS else {}
            fields.append({"name": name, "type": avro, **doc, **({"default": defaults[attribute]} if attribute in defaults else {})})
            if visibility == "public" and name == "recorded_at":
                fields.append({"name": "acting_unit", "type": "string", "doc": ENVELOPE_DOCS["acting_unit"]})
        namespace, _, name = self.avro_name(visibility).rpartition(".")
        schema: dict[str, Any] = inline_named_types(
            {"type": "record", "name": name, "namespace": namespace, "doc": self.doc, "fields": fields})
        return schema

    def message(self, event: Record.Event, visibility: str) -> dict[str, Any]:
        values = {name: _plain(getattr(event, attribute)) for name, attribute in self.fields}
        if visibility == "public":
            values["acting_unit"] = event.actor.unit
            for name in PUBLIC_DROPPED:
                values.pop(name)
        return values


def inline_named_types(schema: Any, defined: set[str] | None = None) -> Any:
    """The schema with each shared named type written out where it is first used and named after
    that, in the order Avro parsers read a schema: a file that any library parses on its own."""
    defined = set() if defined is None else defined
    if isinstance(schema, str):
        if schema in NAMED_TYPES and schema not in defined:
            defined.add(schema)
            return inline_named_types(NAMED_TYPES[schema], defined)
        return schema
    if isinstance(schema, list):
        return [inline_named_types(branch, defined) for branch in schema]
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "record":
            return {**schema, "fields": [{**f, "type": inline_named_types(f["type"], defined)} for f in schema["fields"]]}
        if kind == "array":
            return {**schema, "items": inline_named_types(schema["items"], defined)}
        if kind == "map":
            return {**schema, "values": inline_named_types(schema["values"], defined)}
    return schema


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, SealedValue):
        return dataclasses.asdict(value)
    if isinstance(value, Actor):
        return {"id": value.id, "role": value.role.value, "unit": value.unit}
    if isinstance(value, Deadline):
        return dataclasses.asdict(value)
    return value


def event_types() -> Iterator[EventType]:
    for record in CONTEXTS:
        for attribute in vars(record).values():
            if (
                isinstance(attribute, type)
                and issubclass(attribute, Record.Event)
                and attribute.__name__ not in ("Event", "Created")  # the library's per-aggregate bases
            ):
                yield EventType(attribute, record)


EVENT_TYPES = {et.cls: et for et in event_types()}


def topics() -> list[str]:
    names = {et.topic("internal") for et in EVENT_TYPES.values()}
    names |= {et.topic("public") for et in EVENT_TYPES.values() if et.public}
    return sorted(names | {CHECKPOINT_TOPIC})


def schema_files() -> dict[str, dict[str, Any]]:
    """File name → schema: one record per event and visibility, each complete on its own."""
    files = {}
    for et in EVENT_TYPES.values():
        for visibility in ("internal", "public") if et.public else ("internal",):
            files[f"{et.avro_name(visibility)}.avsc"] = et.schema(visibility)
    return files


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"

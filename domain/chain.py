"""Hash chain 哈希链: each event carries its own hash and the hash of the previous
event of its aggregate, so that an edited, removed or reordered event is found.

The canonical encoding is a public contract (inspectors may reimplement it):
UTF-8 JSON with sorted keys, no whitespace, of the object
``{"topic", "originator_id", "originator_version", "state"}`` where ``state`` is the
event's stored state without its own ``hash``. Values: datetimes in UTC as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, dates as ``YYYY-MM-DD``, UUIDs in their hyphenated
form, decimals and enum members as strings, dataclasses as objects.
The hash is the lowercase hex SHA-256 of those bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson

GENESIS = "0" * 64  # prev_hash of the first event of every aggregate


def utc_text(instant: datetime) -> str:
    """An instant as fixed-width UTC text to the microsecond (2020-07-06T01:00:00.000000Z): how the chain
    encodes it, and how views store it so that instants sort and compare as text. Most arrive in UTC
    already and are not converted again; `isoformat` is several times quicker than `strftime`."""
    if instant.tzinfo is not UTC:
        instant = instant.astimezone(UTC)
    return instant.isoformat(timespec="microseconds")[:-len("+00:00")] + "Z"


_SCALARS = (str, int, bool, float, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {str(k): _plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be hashed canonically")
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def _reference_json(state: Mapping[str, Any]) -> bytes:
    """The contract's own definition, value by value: every encoding of a state must give these bytes."""
    return json.dumps(_plain(state), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _orjson_default(value: Any) -> Any:
    """What orjson leaves to us: instants in the contract's fixed-width form, dates, decimals and value objects."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be hashed canonically")
        return utc_text(value)
    if isinstance(value, (date, Decimal)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return {name: getattr(value, name) for name in names}
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)


def state_json(state: Mapping[str, Any], typed: bool = False) -> bytes:
    """The canonical JSON of an event's state, its own ``hash`` left out: the ``state`` member of the canonical
    bytes, and what the store keeps. ``typed``: every value is of its field's declared type, none of which is a
    float or ``Any`` (see `stored_form`), so orjson gives the reference bytes in one call (its floats and keys of
    other types are written otherwise); anything orjson refuses (integers past 64 bits) takes the reference path."""
    unhashed = {k: v for k, v in state.items() if k != "hash"}
    if typed:
        try:
            return orjson.dumps(unhashed, default=_orjson_default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError as error:
            if isinstance(error.__cause__, ValueError):  # a naive instant: refused on either path
                raise error.__cause__ from None
    return _reference_json(unhashed)


def is_canonical(body: bytes, state: Mapping[str, Any]) -> bool:
    """Whether stored JSON is the canonical encoding of the state read from it (hash aside): quick through
    orjson, which writes text and integers as the contract does; the reference decides the rest (floats)."""
    try:
        if orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) == body:
            return True
        return state_json(state) == body
    except (TypeError, ValueError):
        return False


def framed(topic: str, originator_id: UUID | str, originator_version: int, state: bytes) -> bytes:
    """The canonical bytes around a state's canonical JSON, without encoding it again: the object's four keys
    in their sorted order."""
    return b"".join((b'{"originator_id":', json.dumps(str(originator_id), ensure_ascii=False).encode("utf-8"), b',"originator_version":',
                     str(originator_version).encode(), b',"state":', state, b',"topic":',
                     json.dumps(topic, ensure_ascii=False).encode("utf-8"), b"}"))


def canonical_bytes(
    topic: str, originator_id: UUID | str, originator_version: int, state: Mapping[str, Any]
) -> bytes:
    return framed(topic, originator_id, originator_version, state_json(state))


def event_hash(
    topic: str, originator_id: UUID | str, originator_version: int, state: Mapping[str, Any]
) -> str:
    return hashlib.sha256(
        canonical_bytes(topic, originator_id, originator_version, state)
    ).hexdigest()


@dataclass(frozen=True)
class StoredRecord:
    """One event as read back from the store, before any upcasting."""

    position: int  # notification id
    topic: str
    originator_id: UUID | str
    originator_version: int
    state: Mapping[str, Any] | None  # None when the stored bytes could not be decoded
    decode_error: str = ""
    body: bytes | None = None  # the state's JSON as stored, when the store keeps the canonical form

    def canonical(self) -> bytes:
        """The bytes its hash covers: framed around what is stored, or encoded from an older form's state."""
        if self.state is None:
            raise ValueError(f"stored bytes cannot be decoded: {self.decode_error}")
        if self.body is not None:
            return framed(self.topic, self.originator_id, self.originator_version, self.body)
        return canonical_bytes(self.topic, self.originator_id, self.originator_version, self.state)


@dataclass(frozen=True)
class ChainBreak:
    originator_id: str
    originator_version: int
    position: int
    reason: str
    kind: str = ""  # undecodable | missing | unchained | relinked | unencodable | reformatted | altered


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    aggregates_checked: int
    breaks: tuple[ChainBreak, ...]  # one a broken record, in log order: where its chain first fails

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None


def _failure(record: StoredRecord, version: int, head: str) -> tuple[str, str]:
    """Why an event does not extend its record's chain, as a stable kind and a reason (empty when it does)."""
    if record.state is None:
        return "undecodable", f"stored bytes cannot be decoded: {record.decode_error}"
    if record.originator_version != version + 1:
        return "missing", f"version {record.originator_version} follows {version}: events missing"
    stored_hash, prev_hash = record.state.get("hash"), record.state.get("prev_hash")
    if stored_hash is None or prev_hash is None:
        return "unchained", "event carries no hash chain fields"
    if prev_hash != head:
        return "relinked", "prev_hash does not match the previous event's hash"
    if record.body is not None and not is_canonical(record.body, record.state):
        return "reformatted", "stored state is not in its canonical form: the event was altered (its hash may have been recomputed)"
    try:
        computed = hashlib.sha256(record.canonical()).hexdigest()
    except (TypeError, ValueError) as error:
        return "unencodable", f"event cannot be encoded canonically: {error}"
    if computed != stored_hash:
        return "altered", "content does not match its hash: the event was altered"
    return "", ""


def verify_chains(records: Iterable[StoredRecord]) -> ChainReport:
    """Walk every event in log order: each record's chain is checked to its first failure, so that a
    report names every broken record, not only the first (an inspector sees how far tampering went)."""
    heads: dict[str, tuple[int, str]] = {}
    broken: dict[str, ChainBreak] = {}
    count = 0
    for record in records:
        count += 1
        key = str(record.originator_id)
        if key in broken:
            continue
        version, head = heads.get(key, (0, GENESIS))
        kind, reason = _failure(record, version, head)
        if kind or record.state is None:
            broken[key] = ChainBreak(key, record.originator_version, record.position, reason, kind)
            continue
        heads[key] = (record.originator_version, record.state["hash"])
    return ChainReport(count, len(heads.keys() | broken.keys()), tuple(broken.values()))

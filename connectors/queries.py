"""The application's queries: what every entrypoint (the CLI, the HTTP API) reads, as plain data.

Each takes the running services and, where it reads a view, the views; it catches the views up
first (at least to `at_least`, the position of the caller's last write: read-your-writes) and
returns rows, never renders them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, BinaryIO, overload
from uuid import UUID

from zwgk.archive import four_properties
from zwgk.archive.service import metadata_of
from zwgk.connectors.checkpoint_copy import read_checkpoint
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.consumer import DecodedEvent, EventStream
from zwgk.connectors.pages import Key, Keyset, Rows
from zwgk.connectors.relay import NAME as RELAY
from zwgk.connectors.relay import kafka_reachable
from zwgk.connectors.services import Services
from zwgk.connectors.signing import log_verifiers
from zwgk.connectors.wiring import avro_codec, bring_log_up_to_date, catch_up, kafka_bootstrap
from zwgk.connectors.witnessing import request_cosignatures
from zwgk.domain.access import Scope
from zwgk.domain.actors import Actor
from zwgk.domain.archival import AppraisalDecision, ArchivedOriginal, DestructionList
from zwgk.domain.calendar import CST, cst_date
from zwgk.domain.chain import ChainReport
from zwgk.domain.checkpoint import Checkpoint, CheckpointError, Verifier, open_signed, parse_note, read_unverified
from zwgk.domain.disclosure import Attribute
from zwgk.domain.errors import DomainError, NotFound
from zwgk.domain.privacy import unseal
from zwgk.domain.proofs import CONSISTENCY, INCLUSION, ProofError
from zwgk.domain.records import Record
from zwgk.projections.archive import RANKED_AT_MOST as RANKED_AT_MOST
from zwgk.projections.archive import ArchiveQuery as ArchiveQuery
from zwgk.projections.archive import archive_catalogue, search_originals
from zwgk.projections.assessment import indicators, ranking
from zwgk.projections.audit_log import Leaf, LogReport, MerkleLog, entry_of, logged_entries, not_extended, verify_log
from zwgk.projections.catalogue import catalogue_as_of, cst_day, ts
from zwgk.projections.complaints import complaints as complaint_rows
from zwgk.projections.complaints import complaints_without_identities
from zwgk.projections.deadlines import deadlines as deadline_rows
from zwgk.projections.participation import participation as participation_rows
from zwgk.projections.participation import yearly_counts
from zwgk.projections.register import disclosure_register
from zwgk.projections.requests import annual_table, information_requests
from zwgk.projections.runner import ProjectionRunner
from zwgk.projections.store import Transaction
from zwgk.projections.timeline import TIME_COLUMNS, unit_of, version_as_of
from zwgk.projections.timeline import timeline as timeline_rows
from zwgk.projections.violations import violations as violation_rows


class RecordUnknown(LookupError):
    """No record has this id."""


class RecordNotYet(LookupError):
    """The record exists, but its first event is later than the instant asked about."""


class EventNotLogged(NotFound):
    """The audit log holds no such event."""

    def __init__(self, event_id: str) -> None:
        super().__init__("审计日志中的事件", "event in the audit log", event_id)


class EventAfterCheckpoint(DomainError):
    """The event joined the log after the checkpoint a proof was asked against."""

    def __init__(self, size: int) -> None:
        super().__init__("EVENT_AFTER_CHECKPOINT", f"该事件晚于所指检查点（树大小 {size}），请使用更新的检查点。",
                         f"the event joined the log after the checkpoint of size {size}")
        self.size = size


def _caught_up(s: Services, runner: ProjectionRunner, at_least: int = 0) -> None:
    """Views at least as fresh as the caller's last write (read-your-writes). A position the ledger has not
    recorded is refused at once rather than waited for; views kept from it (another server folding) are
    "unavailable", to be asked again."""
    catch_up(s, runner)
    if at_least:
        head = s.ledger.recorder.max_notification_id() or 0
        if at_least > head:
            raise DomainError("POSITION_NOT_RECORDED", f"台账尚无位置 {at_least}（最新位置为 {head}）：at_least 应为写操作答复的位置。",
                              f"at_least {at_least} is past the ledger's last position {head}")
        try:
            runner.wait_for(at_least, lambda: catch_up(s, runner))
        except TimeoutError:
            raise DomainError("UNAVAILABLE", f"视图尚未处理到位置 {at_least}，请稍后重试。",
                              f"views did not reach position {at_least} in time") from None


@contextmanager
def _fresh(s: Services, runner: ProjectionRunner, at_least: int = 0) -> Iterator[Transaction]:
    _caught_up(s, runner, at_least)
    with runner.store.transaction() as tx:
        yield tx


@overload
def _aware(instant: datetime) -> datetime: ...


@overload
def _aware(instant: None) -> None: ...


def _aware(instant: datetime | None) -> datetime | None:
    """An instant given without a zone is China Standard Time."""
    if instant is not None and instant.tzinfo is None:
        return instant.replace(tzinfo=CST)
    return instant


def catalogue_items(s: Services, runner: ProjectionRunner, unit: str = "", as_of: datetime | None = None,
                    at_least: int = 0) -> list[dict[str, Any]]:
    """The catalogue now or at any past instant, with each item's adjustments and their filing (C4)."""
    with _fresh(s, runner, at_least) as tx:
        return catalogue_as_of(tx, _aware(as_of), unit)


def unfiled_adjustments(s: Services, unit: str = "") -> list[dict[str, Any]]:
    """Items adjusted and not yet filed (C4)."""
    return [
        {"item_id": str(i.id), "unit": i.responsible_unit, "matter": i.elements["matter"], "unfiled_adjustments": i.unfiled}
        for i in s.ledger.unfiled() if not unit or i.responsible_unit == unit
    ]


def deadlines(s: Services, runner: ProjectionRunner, unit: str = "", rule: str = "", overdue: bool = False,
              now: datetime | None = None, at_least: int = 0) -> list[dict[str, Any]]:
    now = now or datetime.now(CST)
    with _fresh(s, runner, at_least) as tx:
        return deadline_rows(tx, s.ledger.calendar(), cst_date(now), unit, overdue, now, rule)


def violations(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, rule: str = "",
               now: datetime | None = None, at_least: int = 0, unit_prefix: bool = True) -> list[dict[str, Any]]:
    """Every violation; `unit` also matches the start of a unit's name unless `unit_prefix` is false."""
    now = now or datetime.now(CST)
    with _fresh(s, runner, at_least) as tx:
        return violation_rows(tx, s.ledger.calendar(), cst_date(now), unit, year, rule, now, unit_prefix)


def timeline(s: Services, runner: ProjectionRunner, aggregate: str = "", unit: str = "", actor: str = "",
             start: datetime | None = None, end: datetime | None = None, at_least: int = 0, by: str = "business") -> list[dict[str, Any]]:
    """Events ordered and bounded by business time, or with `by="recorded"` by the time the ledger recorded them."""
    _time_axis(by)
    with _fresh(s, runner, at_least) as tx:
        return timeline_rows(tx, aggregate=aggregate, unit=unit, actor=actor, start=_aware(start), end=_aware(end), by=by)


def _time_axis(by: str) -> None:
    """A time the timeline is read along, checked before anything is read: a typo is refused, not answered empty."""
    if by not in TIME_COLUMNS:
        raise DomainError("INVALID_ARGUMENTS", f"未知时间轴：{by}（可选：business 业务时间、recorded 记录时间）",
                          f"time axis {by!r} is not one of {list(TIME_COLUMNS)}")


def record_as_of(s: Services, runner: ProjectionRunner, aggregate_id: UUID, as_of: datetime | None = None, at_least: int = 0,
                 as_recorded: datetime | None = None) -> dict[str, Any]:
    """A record's state replayed from its events: those that happened by `as_of` (business time) and were
    recorded by `as_recorded` (what the ledger held then), either or both; values as JSON has them."""
    with _fresh(s, runner, at_least) as tx:
        version = version_as_of(tx, str(aggregate_id), _aware(as_of), _aware(as_recorded))
    if version is None:
        raise RecordNotYet(aggregate_id) if s.ledger.exists(aggregate_id) else RecordUnknown(aggregate_id)
    record: Record = s.ledger.repository.get(aggregate_id, version=version)
    state = {k.lstrip("_"): _data(v) for k, v in vars(record).items() if k != "_pending_events"}
    return {"type": type(record).__name__, **state}


def replay(s: Services, runner: ProjectionRunner, aggregate_id: UUID, as_of: datetime | None = None,
           as_recorded: datetime | None = None, at_least: int = 0) -> dict[str, Any]:
    """A record replayed for an inspector (`audit replay`, `GET /records/{id}`): as of business time, as
    recorded by the ledger at an instant, or both (neither: now, in business time)."""
    as_of, as_recorded = _aware(as_of), _aware(as_recorded)
    if as_of is None and as_recorded is None:
        as_of = datetime.now(CST)
    state = record_as_of(s, runner, aggregate_id, as_of, at_least, as_recorded)
    return {"record_id": str(aggregate_id), "type": state.pop("type"), "version": state["version"],
            "as_of": as_of.isoformat() if as_of else None, "as_recorded": as_recorded.isoformat() if as_recorded else None,
            "state": state}


def _data(value: Any) -> Any:
    """A record's value as JSON has it: objects for structures, ISO 8601 for instants (UTC) and days, text for
    ids, decimals and enumerations, lists for collections."""
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _data(value.value)
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _data(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_data(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    return value


def register(s: Services, runner: ProjectionRunner, unit: str = "", at_least: int = 0) -> list[dict[str, Any]]:
    """The disclosure register (D1–D8), one row an act."""
    with _fresh(s, runner, at_least) as tx:
        return disclosure_register(tx, unit)


def annual_report(s: Services, runner: ProjectionRunner, unit: str, year: int, at_least: int = 0) -> dict[str, Any]:
    """A unit's table of applications for a year, as the annual report publishes it (A6)."""
    with _fresh(s, runner, at_least) as tx:
        return annual_table(tx, unit, year)


def assessment(s: Services, runner: ProjectionRunner, year: int, unit: str = "", quarterly: bool = False,
               at_least: int = 0) -> list[dict[str, Any]]:
    """The indicators the events show beside each unit's assessed score and grade (E1–E4), ranked."""
    with _fresh(s, runner, at_least) as tx:
        found = indicators(tx, year, quarterly, unit)
    assessments = {(i.unit, i.period): s.ledger.assessment(i.unit, i.period) for i in found}
    rows = ranking(found, {key: a.total for key, a in assessments.items() if a and a.total is not None})
    for row in rows:
        assessed = assessments[(row["unit"], row["period"])]
        row["score"] = str(assessed.total) if assessed and assessed.total is not None else None
        row["grade"] = assessed.grade.value if assessed and assessed.grade else None
        row["award_eligible"] = assessed.award_eligible if assessed else None
    return rows


def participation(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, process: str = "",
                  flagged: bool = False, at_least: int = 0) -> list[dict[str, Any]]:
    with _fresh(s, runner, at_least) as tx:
        return [r for r in participation_rows(tx, unit, year, process) if r["flags"] or not flagged]


def participation_counts(s: Services, runner: ProjectionRunner, year: int, unit: str = "", today: datetime | None = None,
                         at_least: int = 0) -> list[dict[str, Any]]:
    """A year's meetings with representatives (M2) and open days by half-year (O1), a row a unit."""
    with _fresh(s, runner, at_least) as tx:
        return yearly_counts(tx, year, cst_date(today or datetime.now(CST)), unit)


def complaints(s: Services, runner: ProjectionRunner, at_least: int = 0) -> list[dict[str, Any]]:
    """Complaints, their complainants sealed (Q3): `read_personal_data` opens one field with a purpose."""
    with _fresh(s, runner, at_least) as tx:
        return complaint_rows(tx, s.ledger.keys)


def read_personal_data(s: Services, reader: Actor, record_id: UUID, field: str, purpose: str, signed_in: bool) -> dict[str, Any]:
    """One sealed field in clear, once its read is recorded (who, whose, which record and field, why)."""
    envelope = {"command": "read_personal_data", "actor": {"id": reader.id, "role": reader.role.value, "unit": reader.unit},
                "args": {"record_id": str(record_id), "field": field, "purpose": purpose}}
    (outcome,) = execute(s, envelope, reader if signed_in else None)
    _, sealed = s.ledger.sealed_field(record_id, field)
    return {"value": unseal(s.ledger.keys, field, sealed), "subject_id": sealed.subject_id, "field": field,
            "read_id": str(outcome.aggregate_id), "notification_id": outcome.notification_id}


def erasures(s: Services, unit: str = "") -> list[dict[str, Any]]:
    """Who erased which data subject's personal data, when, on what legal basis (erased by someone of `unit`)."""
    return [
        {"subject_id": e.subject_id, "key_id": e.key_id, "basis": e.basis, "note": e.note, "actor": e.actor.id,
         "unit": e.actor.unit, "occurred_at": e.occurred_at.isoformat(), "recorded_at": e.recorded_at.isoformat(),
         "records": [str(r) for r in e.records]}
        for e in s.ledger.erasures() if not unit or e.actor.unit == unit
    ]


def data_subjects(s: Services, kind: str = "", record: str = "") -> list[dict[str, Any]]:
    """Every data subject: the records and fields holding their sealed data, whether still readable."""
    return [
        {"subject_id": h.subject_id, "kind": h.kind, "readable": h.readable,
         "places": [{"record_type": p.record_type, "record_id": str(p.record_id), "field": p.field,
                     "recorded_at": p.recorded_at.isoformat()} for p in h.places],
         "erased": {"basis": h.erased.basis, "actor": h.erased.actor.id, "occurred_at": h.erased.occurred_at.isoformat()}
         if h.erased else None}
        for h in s.ledger.personal_data()
        if (not kind or h.kind == kind) and (not record or any(str(p.record_id) == record for p in h.places))
    ]


def archive_search(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, retention: str = "",
                   title_contains: str = "", doc_type: str = "", at_least: int = 0, doc_number: str = "",
                   sha256: str = "") -> list[dict[str, Any]]:
    """Every original that matches, in the order of the search (for lists and exports of a selection)."""
    query = ArchiveQuery(unit=unit, year=year, retention=retention, title=title_contains, doc_type=doc_type,
                         doc_number=doc_number, sha256=sha256)
    return list(archive_pages(s, runner, query, at_least=at_least))


def archive_pages(s: Services, runner: ProjectionRunner, query: ArchiveQuery, cursor: str = "", at_least: int = 0) -> Rows:
    """The originals that match, best first, a page at a time (`zwgk archive search`, `/api/v1/archive/search`)."""
    return _stored(s, runner, ARCHIVE, cursor, at_least, lambda tx, after, limit: search_originals(
        tx, query, (after[0], after[1]) if after else None, limit))


def record_unit(s: Services, runner: ProjectionRunner, aggregate_id: UUID, at_least: int = 0) -> str | None:
    """The unit a record is about (None: no such record), for readers allowed their own unit's only."""
    with _fresh(s, runner, at_least) as tx:
        return unit_of(tx, str(aggregate_id))


def record_changes(s: Services, runner: ProjectionRunner, aggregate_id: UUID, start: datetime, end: datetime,
                   at_least: int = 0) -> dict[str, Any]:
    """What changed in a record between two instants of business time: its state at each (None before it
    existed), the fields that differ, and the events in between. Cheap: two replays, each from the
    record's nearest snapshot, and one indexed read of its timeline."""
    start, end = _aware(start), _aware(end)
    if start >= end:
        raise DomainError("INVALID_ARGUMENTS", "起始时刻应早于结束时刻。", "start is not before end")
    after = record_as_of(s, runner, aggregate_id, end, at_least)
    try:
        before: dict[str, Any] = record_as_of(s, runner, aggregate_id, start)
    except RecordNotYet:
        before = {}
    events = [e for e in timeline(s, runner, aggregate=str(aggregate_id), start=start, end=end) if e["occurred_at"] > ts(start)]
    changed = {field: {"before": before.get(field), "after": after.get(field)}
               for field in dict.fromkeys([*before, *after]) if before.get(field) != after.get(field)}
    return {"before": before or None, "after": after, "changed": changed, "events": events}


# Pages for readers far away (the HTTP API): each list from a cursor on, in an order of its own (a
# `Keyset`); the register, deadlines, timeline, complaints and applications read a page off an index,
# the lists checked across views in memory are computed whole and then paged.
REGISTER = Keyset("register", lambda r: (r["act_id"],), (str,))
DEADLINES = Keyset("deadlines", lambda r: (r["due"], r["deadline_id"]), (str, str))
TIMELINES = {"business": Keyset("timeline", lambda r: (r["occurred_at"], r["position"]), (str, int)),
             "recorded": Keyset("timeline_recorded", lambda r: (r["recorded_at"], r["position"]), (str, int))}
COMPLAINTS = Keyset("complaints", lambda r: (r["registered_at"], r["complaint_id"]), (str, str))
REQUESTS = Keyset("requests", lambda r: (r["received_on"], r["request_id"]), (str, str))
CATALOGUE = Keyset("catalogue", lambda r: (r["elements"]["responsible_unit"], r["elements"]["matter"], r["item_id"]), (str,) * 3)
UNFILED = Keyset("unfiled_adjustments", lambda r: (r["unit"], r["matter"], r["item_id"]), (str,) * 3)
VIOLATIONS = Keyset("violations", lambda r: (r["on"], r["rule"], r["unit"], r["record_id"], r["kind"], r["detail"]), (str,) * 6)
ASSESSMENT = Keyset("assessment", lambda r: (r["period"], r["rank"]), (str, int))
PARTICIPATION = Keyset("participation", lambda r: (r["day"], r["record_id"]), (str, str))
PARTICIPATION_COUNTS = Keyset("participation_counts", lambda r: (r["unit"],), (str,))
DATA_SUBJECTS = Keyset("data_subjects", lambda r: (min((p["recorded_at"] for p in r["places"]), default=""), r["subject_id"]),
                       (str, str))
ERASURES = Keyset("erasures", lambda r: (r["recorded_at"], r["subject_id"]), (str, str))
ARCHIVE = Keyset("archive_search", lambda r: (-r["rank"], r["position"]), (int, int))
PROJECTIONS = Keyset("projection_status", lambda r: (r["view"],), (str,))
PUBLICATIONS = Keyset("publications", lambda r: (r["published_at"], r["act_id"]), (str, str))
PUBLIC_ATTRIBUTES = (Attribute.PROACTIVE.value, Attribute.PARTIAL.value)
SEALED_COMPLAINANT = {"complainant_name": None, "complainant_contact": None, "account": None, "complainant_sealed": True}


def _stored(s: Services, runner: ProjectionRunner, keyset: Keyset, cursor: str, at_least: int,
            read: Callable[[Transaction, Key | None, int], list[dict[str, Any]]]) -> Rows:
    """Pages read off a view, each in a transaction of its own (a slow reader of a long list holds none open)."""
    after = keyset.after(cursor)
    _caught_up(s, runner, at_least)

    def page(after: Key | None, limit: int) -> list[dict[str, Any]]:
        with runner.store.transaction() as tx:
            return read(tx, after, limit)

    return Rows(keyset, page, after)


def register_pages(s: Services, runner: ProjectionRunner, unit: str = "", cursor: str = "", at_least: int = 0) -> Rows:
    return _stored(s, runner, REGISTER, cursor, at_least, lambda tx, after, limit: disclosure_register(tx, unit, after, limit))


def deadline_pages(s: Services, runner: ProjectionRunner, unit: str = "", rule: str = "", overdue: bool = False,
                   cursor: str = "", at_least: int = 0, now: datetime | None = None) -> Rows:
    now, calendar = now or datetime.now(CST), s.ledger.calendar()
    return _stored(s, runner, DEADLINES, cursor, at_least,
                   lambda tx, after, limit: deadline_rows(tx, calendar, cst_date(now), unit, overdue, now, rule, after, limit))


def timeline_pages(s: Services, runner: ProjectionRunner, aggregate: str = "", unit: str = "", actor: str = "",
                   start: datetime | None = None, end: datetime | None = None, cursor: str = "", at_least: int = 0,
                   by: str = "business") -> Rows:
    _time_axis(by)
    return _stored(s, runner, TIMELINES[by], cursor, at_least, lambda tx, after, limit: timeline_rows(
        tx, aggregate=aggregate, unit=unit, actor=actor, start=_aware(start), end=_aware(end), after=after, limit=limit, by=by))


def complaint_pages(s: Services, runner: ProjectionRunner, unit: str = "", cursor: str = "", at_least: int = 0) -> Rows:
    """Complaints about a unit (or all), the complainant's fields sealed whoever reads (Q3): revealing one is
    an act of its own, recorded with its purpose."""
    return _stored(s, runner, COMPLAINTS, cursor, at_least, lambda tx, after, limit: [
        {**row, **SEALED_COMPLAINANT} for row in complaints_without_identities(tx, unit, after, limit)])


def request_pages(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, concluded: bool | None = None,
                  cursor: str = "", at_least: int = 0) -> Rows:
    return _stored(s, runner, REQUESTS, cursor, at_least,
                   lambda tx, after, limit: information_requests(tx, unit, year, concluded, after, limit))


def catalogue_pages(s: Services, runner: ProjectionRunner, unit: str = "", as_of: datetime | None = None, cursor: str = "",
                    at_least: int = 0) -> Rows:
    after = CATALOGUE.after(cursor)
    return Rows.listed(CATALOGUE, catalogue_items(s, runner, unit, as_of, at_least), after)


def unfiled_pages(s: Services, unit: str = "", cursor: str = "") -> Rows:
    after = UNFILED.after(cursor)
    return Rows.listed(UNFILED, unfiled_adjustments(s, unit), after)


def violation_pages(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, rule: str = "",
                    cursor: str = "", at_least: int = 0, unit_prefix: bool = True) -> Rows:
    after = VIOLATIONS.after(cursor)
    return Rows.listed(VIOLATIONS, violations(s, runner, unit, year, rule, at_least=at_least, unit_prefix=unit_prefix), after)


def assessment_pages(s: Services, runner: ProjectionRunner, year: int, unit: str = "", quarterly: bool = False,
                     cursor: str = "", at_least: int = 0) -> Rows:
    after = ASSESSMENT.after(cursor)
    return Rows.listed(ASSESSMENT, assessment(s, runner, year, unit, quarterly, at_least), after)


def participation_pages(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, process: str = "",
                        flagged: bool = False, cursor: str = "", at_least: int = 0) -> Rows:
    after = PARTICIPATION.after(cursor)
    return Rows.listed(PARTICIPATION, participation(s, runner, unit, year, process, flagged, at_least), after)


def participation_count_pages(s: Services, runner: ProjectionRunner, year: int, unit: str = "", cursor: str = "",
                              at_least: int = 0) -> Rows:
    after = PARTICIPATION_COUNTS.after(cursor)
    return Rows.listed(PARTICIPATION_COUNTS, participation_counts(s, runner, year, unit, at_least=at_least), after)


def data_subject_pages(s: Services, kind: str = "", record: str = "", cursor: str = "") -> Rows:
    after = DATA_SUBJECTS.after(cursor)
    return Rows.listed(DATA_SUBJECTS, data_subjects(s, kind, record), after)


def erasure_pages(s: Services, unit: str = "", cursor: str = "") -> Rows:
    after = ERASURES.after(cursor)
    return Rows.listed(ERASURES, erasures(s, unit), after)


def projection_status_pages(s: Services, runner: ProjectionRunner, cursor: str = "") -> Rows:
    after = PROJECTIONS.after(cursor)
    return Rows.listed(PROJECTIONS, projection_status(s, runner), after)


def archived_original(s: Services, runner: ProjectionRunner, archive_number: str = "", doc_number: str = "",
                      sha256: str = "") -> ArchivedOriginal:
    """An original by its archive number, or else the first the archive catalogue finds by doc number or digest."""
    if not archive_number:
        with _fresh(s, runner) as tx:
            found = archive_catalogue(tx, doc_number=doc_number, sha256=sha256)
        if not found:
            raise NotFound("档案原件", "archived original", " ".join(filter(None, (doc_number, sha256))))
        archive_number = found[0]["archive_number"]
    return s.ledger.original(archive_number)


def own_unit_only(scope: Scope, reader: Actor, unit: str = "") -> str:
    """The unit a reader's query is confined to: the one asked for (or none) with any-unit access; the
    reader's own with own-unit access, where asking for another unit is refused."""
    if scope is not Scope.OWN_UNIT:
        return unit
    if unit and unit != reader.unit:
        raise _not_responsible(unit)
    return reader.unit


def readable_original(s: Services, scope: Scope, reader: Actor, archive_number: str) -> ArchivedOriginal:
    """An original by its archive number, if the reader's access reaches its unit."""
    original = s.ledger.original(archive_number)
    if scope is Scope.OWN_UNIT and original.responsible_unit != reader.unit:
        raise _not_responsible(original.responsible_unit)
    return original


def _not_responsible(unit: str) -> DomainError:
    return DomainError("NOT_RESPONSIBLE_UNIT", f"只能查阅本单位的档案，不能查阅“{unit}”的。",
                       f"reads are confined to the reader's own unit, not {unit}")


def originals_to_check(s: Services, archive_numbers: list[str] | None = None, due_days: int | None = None,
                       now: datetime | None = None) -> list[ArchivedOriginal]:
    """The originals a fixity run re-reads: those not checked within `due_days` days, else the
    numbered ones, else all."""
    if due_days is not None:
        return s.archivist().due_for_fixity(due_days, now or datetime.now(CST))
    if archive_numbers:
        return [s.ledger.original(number) for number in archive_numbers]
    return s.archivist().originals()


def appraisal_due(s: Services, today: date | None = None) -> list[dict[str, Any]]:
    """到期鉴定 (R4): the originals whose period has ended and that no appraisal has yet proposed for destruction."""
    day = today or cst_date(datetime.now(CST))
    return [{**metadata_of(o), "legal_hold": o.legal_hold} for o in s.archivist().originals()
            if o.due_for_appraisal(day) and o.appraisal is not AppraisalDecision.DESTROY]


def destruction_lists(s: Services) -> list[dict[str, Any]]:
    """Every destruction list 销毁清册, approved or not, carried out or not (kept permanently, R5), with the originals
    destroyed so far: a destruction the store stopped half-way shows what is gone."""
    return [{"list_id": str(d.id), "archive_numbers": d.archive_numbers, "appraisers": d.appraisers, "approved_by": d.approved_by,
             "supervisors": d.supervisors, "carried_out": d.carried_out,
             "destroyed": [n for n in d.archive_numbers if s.ledger.original(n).destroyed]} for d in s.ledger.all_of(DestructionList)]


def copy_original(s: Services, original: ArchivedOriginal, out: BinaryIO) -> None:
    """The original's bytes, their digests checked on the way out."""
    s.archivist().get(original, out)


def original_content(s: Services, original: ArchivedOriginal, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
    """The original's bytes from `start` up to `stop` (by default its end), streamed from the store; a whole
    original checked against its size and SHA-256 on the way, its last chunk held back until they match."""
    return s.archivist().read(original, start, stop)


def original_metadata(s: Services, archive_number: str) -> dict[str, Any]:
    """An original's DA/T 46 metadata, legal hold and last fixity check."""
    o = s.ledger.original(archive_number)
    return {**metadata_of(o), "legal_hold": o.legal_hold, "last_fixity": o.last_fixity.value if o.last_fixity else None,
            "due_for_appraisal": o.due_for_appraisal(cst_date(datetime.now(CST)))}


FIXITY_CHECKS = Keyset("fixity_history", lambda r: (-r["version"],), (int,))


def fixity_history(s: Services, original: ArchivedOriginal, cursor: str = "") -> Rows:
    """Every fixity check of an original, the latest first, as its record's events hold them (R2): when it was
    recorded, who ran it in which role (a person, or the scheduled run as the system), the outcome and why."""
    checks = [{"version": e.originator_version, "checked_at": ts(e.recorded_at), "actor": e.actor.id, "role": e.actor.role.value,
               "outcome": e.outcome, "detail": e.detail, "sha256_found": e.sha256_found, "sm3_found": e.sm3_found}
              for e in s.ledger.events.get(original.id) if isinstance(e, ArchivedOriginal.FixityChecked)]
    return Rows.listed(FIXITY_CHECKS, checks, FIXITY_CHECKS.after(cursor))


def four_property_check(s: Services, unit: str = "") -> four_properties.FourPropertyReport:
    """The four properties (DA/T 70-2018) of every original in the archive (or of one unit's)."""
    return four_properties.check(s.archivist(), unit)


FOUR_PROPERTY_ROWS = Keyset("four_properties", lambda r: (r["n"],), (int,))


def four_property_rows(report: four_properties.FourPropertyReport, cursor: str = "") -> Rows:
    """The report as one list: each original with the findings of each property (none: passed), then each
    gap in a series of archive numbers (integrity) and each object of the store that no original is (safety)."""
    rows: list[dict[str, Any]] = [{"archive_number": o.archive_number, "title": o.title, "ok": o.ok, **o.findings}
                                  for o in report.originals]
    none: dict[str, list[str]] = {p: [] for p in four_properties.PROPERTIES}
    rows += [{"archive_number": gap.split("：")[0], "title": "（档号系列）", "ok": False, **none, "integrity": [gap]}
             for gap in report.series_gaps]
    rows += [{"archive_number": key, "title": "（存储中未登记的对象）", "ok": False, **none, "safety": ["存储中有台账未登记的对象"]}
             for key in report.untracked]
    return Rows.listed(FOUR_PROPERTY_ROWS, [{"n": n, **row} for n, row in enumerate(rows)], FOUR_PROPERTY_ROWS.after(cursor))


def projection_status(s: Services, runner: ProjectionRunner) -> list[dict[str, Any]]:
    """Each view's position and how many events it lags behind the store."""
    head = s.ledger.recorder.max_notification_id() or 0
    return [{"view": k, "position": v, "lag": head - v} for k, v in runner.positions().items()]


def view_export(s: Services, runner: ProjectionRunner, name: str, at_least: int = 0) -> bytes:
    """One view as deterministic JSON."""
    _caught_up(s, runner, at_least)
    return runner.export(name)


@dataclass(frozen=True)
class CheckpointProblem:
    """What is wrong with a signed checkpoint, one kept in the database (`source` kept) or a copy held outside it (held)."""

    kind: str  # unverified | uncosigned | shrunk | truncated | diverged
    source: str
    size: int | None
    reason: str


@dataclass(frozen=True)
class ViewDifference:
    """A row one side has and the other has not: `extra` in the stored view (added or edited there), or
    `missing` from it (deleted there, or never folded)."""

    view: str
    table: str
    kind: str  # extra | missing
    row: dict[str, Any]
    key: tuple[str, ...] = ()  # the table's key columns (its export order)

    def as_dict(self) -> dict[str, Any]:
        return {"view": self.view, "table": self.table, "kind": self.kind, "row": self.row}

    @property
    def key_values(self) -> tuple[Any, ...]:
        return tuple(self.row.get(column) for column in self.key)

    @property
    def row_key(self) -> str:
        """The table and key values, comparable whatever the values' types."""
        return json.dumps([self.table, self.key_values], default=str, sort_keys=True)


@dataclass(frozen=True)
class ViewDrift:
    """One view's rows that differ from the log folded afresh, a row edited in place told as one differing row
    (the same key on both sides) rather than as one missing and one extra."""

    view: str
    missing: tuple[ViewDifference, ...]
    extra: tuple[ViewDifference, ...]
    differing: tuple[tuple[ViewDifference, ViewDifference], ...]  # (as folded afresh, as stored)


def view_drifts(differences: Sequence[ViewDifference]) -> list[ViewDrift]:
    """The differences by view, in the order first named; a missing and an extra row of a table with the same key
    are paired, one to one, as a differing row."""
    drifts = []
    for view in dict.fromkeys(d.view for d in differences):
        unmatched: dict[str, list[ViewDifference]] = {}
        for d in differences:
            if d.view == view and d.kind == "missing":
                unmatched.setdefault(d.row_key, []).append(d)
        extra, differing = [], []
        for stored in (d for d in differences if d.view == view and d.kind == "extra"):
            same_key = unmatched.get(stored.row_key) if stored.key else None
            if same_key:
                differing.append((same_key.pop(0), stored))
            else:
                extra.append(stored)
        missing = [d for rows in unmatched.values() for d in rows]
        drifts.append(ViewDrift(view, tuple(missing), tuple(extra), tuple(differing)))
    return drifts


@dataclass(frozen=True)
class ViewsReport:
    position: int  # the log position the views were compared at
    differences: tuple[ViewDifference, ...]


@dataclass(frozen=True)
class AuditReport:
    chains: ChainReport
    log: LogReport
    checkpoint: CheckpointProblem | None  # None when the log extends every checkpoint kept and held
    checkpoints_checked: int = 0
    held_checked: int = 0
    views: ViewsReport | None = None  # when the views were compared too

    @property
    def ok(self) -> bool:
        return self.chains.ok and self.log.ok and self.checkpoint is None and not (self.views and self.views.differences)

    def as_dict(self, all_breaks: bool = False) -> dict[str, Any]:
        """As JSON: the first break, and with `all_breaks` every broken record (`breaks`, in log order)."""
        chains, logged = self.chains, self.log
        data: dict[str, Any] = {"ok": self.ok, "events_checked": chains.events_checked, "aggregates_checked": chains.aggregates_checked,
                                "log_entries_checked": logged.leaves_checked, "not_yet_logged": logged.not_yet_logged,
                                "broken_records": len(chains.breaks), "checkpoints_checked": self.checkpoints_checked,
                                "held_checkpoints_checked": self.held_checked}
        if chains.first_break:
            data["first_break"] = vars(chains.first_break)
        if all_breaks:
            data["breaks"] = [vars(b) for b in chains.breaks]
        if not logged.ok:
            data["log_mismatch"] = {"position": logged.first_bad_position, "reason": logged.reason, "kind": logged.kind,
                                    **({"unlogged": logged.unlogged} if logged.unlogged else {})}
        if self.checkpoint:
            data["checkpoint_problem"] = self.checkpoint.reason
            data["checkpoint_mismatch"] = vars(self.checkpoint)
        if self.views:
            data["views"] = {"position": self.views.position, "differences": [d.as_dict() for d in self.views.differences]}
        return data


def audit(s: Services, merkle: MerkleLog, settings: Settings, bring_up_to_date: bool = False,
          trust: Trust | None = None, held: Sequence[str] = ()) -> AuditReport:
    """Every record's hash chain, the audit log against the store (events older than ZWGK_AUDIT_LOG_GRACE must be
    in it), and the history of signed checkpoints: every one kept in the database, and the copies held outside
    (`held`, and the one at ZWGK_CHECKPOINT_COPY), checked with public material only (`trust`; by default the
    operator's key when it is here); with `bring_up_to_date`, after folding new events into the log (and signing
    a checkpoint when one is due)."""
    if bring_up_to_date:
        bring_log_up_to_date(s, merkle, settings)
    copy = read_checkpoint(settings, settings.checkpoint_copy) if settings.checkpoint_copy else None
    held = (*held, *([copy] if copy is not None else []))
    logged_by = datetime.now(UTC) - timedelta(seconds=settings.audit_log_grace)
    chains, logged = s.ledger.verify(), verify_log(merkle, s.ledger.stored_records(), logged_by)
    kept = merkle.checkpoints()
    problem = _checkpoint_problem(merkle, settings, trust, kept, held, chains.events_checked)
    return AuditReport(chains, logged, problem, len(kept), len(held))


@dataclass(frozen=True)
class Trust:
    """What a verifier trusts: the log's public keys (the one a checkpoint names by its key id is used), and
    witnesses of which `quorum` must have cosigned."""

    logs: tuple[Verifier, ...]
    witnesses: tuple[Verifier, ...] = ()
    quorum: int = 0

    def open(self, note: str) -> Checkpoint:
        named = {(s.name, s.key_id) for s in parse_note(note).signatures}
        log = next((v for v in self.logs if (v.name, v.key_id) in named), self.logs[0])
        return open_signed(note, log, self.witnesses, self.quorum)

    def open_signed_by_log(self, note: str) -> Checkpoint:
        """The log's signature only: witnesses vouch for the latest checkpoint, the earlier may predate them."""
        return Trust(self.logs).open(note)


def _checkpoint_problem(merkle: MerkleLog, settings: Settings, trust: Trust | None, kept: list[tuple[int, str]],
                        held: Sequence[str], events: int) -> CheckpointProblem | None:
    """The first problem in the history of signed checkpoints: every kept one's signature (the latest's witnesses
    too), sizes that never fall as they were signed, and a tree that extends every one kept and every copy held
    outside. Whoever deletes leaves, checkpoints or both is found by the first check that still has something to
    compare: the checkpoints kept, else a copy held outside (docs/audit.md §6)."""
    if not kept and not held and not (trust and trust.quorum):
        return None
    trust = trust or Trust(log_verifiers(settings))
    if trust.quorum and not kept and events:
        return CheckpointProblem("uncosigned", "kept", None, f"the ledger holds {events} events and no checkpoint at all")
    signed = []
    for size, note in kept:
        try:
            signed.append(trust.open_signed_by_log(note))
        except CheckpointError as error:
            return CheckpointProblem("unverified", "kept", size, f"the checkpoint of size {size}: {error}")
    if trust.quorum:
        size, note = kept[-1]
        try:
            trust.open(cosigned_note(merkle, size, note))
        except CheckpointError as error:
            return CheckpointProblem("uncosigned", "kept", size, f"the latest checkpoint, of size {size}: {error}")
    timed = sorted((c for c in signed if c.timestamp), key=lambda c: (c.timestamp, c.size))
    for earlier, later in zip(timed, timed[1:], strict=False):
        if later.size < earlier.size:
            return CheckpointProblem("shrunk", "kept", later.size, f"the checkpoint signed at {later.timestamp} signs "
                                     f"{later.size} entries, fewer than the {earlier.size} signed at {earlier.timestamp}")
    if found := not_extended(merkle, signed):
        return _unextended("kept", *found, merkle.size())
    for note in held:
        try:
            checkpoint = trust.open_signed_by_log(note)
        except CheckpointError as error:
            return CheckpointProblem("unverified", "held", None, f"the checkpoint held outside: {error}")
        if found := not_extended(merkle, [checkpoint]):
            return _unextended("held", *found, merkle.size())
    return None


def _unextended(source: str, checkpoint: Checkpoint, kind: str, size: int) -> CheckpointProblem:
    which = "a checkpoint kept" if source == "kept" else "the checkpoint held outside"
    if kind == "truncated":
        return CheckpointProblem(kind, source, checkpoint.size, f"the log holds {size} entries, fewer than the {checkpoint.size} "
                                 f"{which} signed")
    return CheckpointProblem(kind, source, checkpoint.size, f"the tree's root at size {checkpoint.size} differs from the one {which} "
                             "signed: history below it was rewritten")


def cosigned_note(merkle: MerkleLog, size: int, note: str) -> str:
    """The checkpoint with the witnesses' cosignature lines stored beside it (C2SP tlog-cosignature)."""
    return note + "".join(merkle.cosignatures(size))


def log_entries(s: Services, merkle: MerkleLog, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The logged entries [start, end) (by default to the log's end), each an event's canonical bytes."""
    end = merkle.size() if end is None else min(end, merkle.size())
    for first in range(start, end, 1000):
        yield from logged_entries(merkle, lambda after: s.ledger.stored_records(after=after), first, min(first + 1000, end))


def latest_checkpoint(s: Services, merkle: MerkleLog, settings: Settings) -> str | None:
    """The latest signed checkpoint with its witnesses' cosignatures, once the log holds every event (None while
    the ledger is empty); witnesses that have not cosigned it yet are asked again."""
    bring_log_up_to_date(s, merkle, settings, policy=None)
    latest = merkle.latest_checkpoint()
    if latest is None:
        return None
    if settings.witnesses:
        request_cosignatures(merkle, *latest, settings)
    return cosigned_note(merkle, *latest)


def verifier_key(settings: Settings) -> str:
    """The public key that checkpoints verify with (a verifier key: name, key id, Ed25519 key); never makes a key."""
    return str(log_verifiers(settings)[0])


@dataclass(frozen=True)
class Inclusion:
    proof: dict[str, Any]
    event: bytes  # the event's canonical bytes, the proof's leaf


def inclusion(s: Services, merkle: MerkleLog, settings: Settings, event_id: str, checkpoint: str | None = None,
              tree_size: int | None = None) -> Inclusion:
    """The proof that an event is in the log, against a checkpoint (its note, or the size it signs;
    by default the latest)."""
    bring_log_up_to_date(s, merkle, settings, policy=None)
    leaf = _leaf(merkle, event_id)
    if checkpoint:
        size = read_unverified(checkpoint).size
    elif tree_size is not None:
        size = tree_size
        if size > merkle.size():
            raise _no_proof(f"this ledger's log holds {merkle.size()} entries, fewer than {size}")
    else:
        latest = merkle.latest_checkpoint()
        size = read_unverified(latest[1]).size if latest else 0  # none signed yet: every event is after
    if leaf.index >= size:
        raise EventAfterCheckpoint(size)
    proof = {"format": INCLUSION, "event_id": leaf.event_id, "notification_id": leaf.notification_id,
             "leaf_index": leaf.index, "tree_size": size,
             "hashes": [h.hex() for h in merkle.inclusion_proof(leaf.index, size)]}
    return Inclusion(proof, _entry(s, leaf))


@dataclass(frozen=True)
class LoggedEvent:
    event_id: str
    notification_id: int
    leaf_index: int
    entry: bytes  # the canonical bytes: the leaf the log hashes, whose SHA-256 is the event's hash


def logged_event(s: Services, merkle: MerkleLog, settings: Settings, event_id: str) -> LoggedEvent:
    """One event's canonical bytes and its place in the log, once the log holds every event."""
    bring_log_up_to_date(s, merkle, settings, policy=None)
    leaf = _leaf(merkle, event_id)
    return LoggedEvent(leaf.event_id, leaf.notification_id, leaf.index, _entry(s, leaf))


def _leaf(merkle: MerkleLog, event_id: str) -> Leaf:
    leaf = merkle.leaf(event_id)
    if leaf is None:
        raise EventNotLogged(event_id)
    return leaf


def _entry(s: Services, leaf: Leaf) -> bytes:
    record = s.ledger.stored_record(leaf.notification_id)
    if record is None:
        raise LookupError(f"event {leaf.event_id} is in the audit log but not at its position {leaf.notification_id} in the event store")
    return entry_of(record)


def consistency(merkle: MerkleLog, old_size: int, new_size: int) -> dict[str, Any]:
    """The proof that the log at `new_size` only appended to the log at `old_size`."""
    if not 0 < old_size <= new_size <= merkle.size():
        raise ProofError(f"this ledger's log ({merkle.size()} entries) cannot prove sizes {old_size} → {new_size}")
    return {"format": CONSISTENCY, "old_size": old_size, "new_size": new_size,
            "hashes": [h.hex() for h in merkle.consistency_proof(old_size, new_size)]}


def consistency_to(s: Services, merkle: MerkleLog, settings: Settings, old_size: int, new_size: int | None = None) -> dict[str, Any]:
    """The consistency proof from a checkpoint's size to a later one's (by default the latest checkpoint's),
    once the log holds every event; sizes it cannot prove are refused."""
    latest = latest_checkpoint(s, merkle, settings)
    if new_size is None:
        if latest is None:
            raise _no_proof("no checkpoint has been signed yet")
        new_size = read_unverified(latest).size
    try:
        return consistency(merkle, old_size, new_size)
    except ProofError as error:
        raise _no_proof(str(error)) from None


def _no_proof(reason: str) -> DomainError:
    return DomainError("PROOF_UNAVAILABLE", f"无法出具所要求的证明（{reason}）。", f"no such proof: {reason}")


def events(settings: Settings, topics: list[str], from_beginning: bool = False, idle_timeout: float = 0,
           max_messages: int = 0) -> Iterator[DecodedEvent]:
    """Events read back from Kafka topics, decoded; until `max_messages`, or idle for `idle_timeout` seconds."""
    stream = EventStream(kafka_bootstrap(settings), topics, from_beginning=from_beginning, codec=avro_codec(settings),
                         idle_timeout_ms=int(idle_timeout * 1000) if idle_timeout else None)
    try:
        for count, event in enumerate(stream, start=1):
            yield event
            if max_messages and count >= max_messages:
                return
    finally:
        stream.close()



@dataclass(frozen=True)
class ServiceFigures:
    """How far behind the ledger each follower is, and what the archive holds: for monitoring."""

    position: int
    views: int
    audit_log: int
    relay: int | None
    archive_bytes: int


def service_figures(s: Services, runner: ProjectionRunner, merkle: MerkleLog, relay_configured: bool) -> ServiceFigures:
    positions = runner.positions()
    with runner.store.transaction() as tx:
        relay = tx.position(RELAY) if relay_configured else None
        archived = tx.one("SELECT COALESCE(SUM(size), 0) FROM archive_catalogue") if "archive" in positions else None
    return ServiceFigures(s.ledger.recorder.max_notification_id() or 0, min(positions.values(), default=0), merkle.position(), relay,
                          int(archived[0]) if archived else 0)


def readiness(s: Services, runner: ProjectionRunner, settings: Settings) -> dict[str, str]:
    """Each dependency the service needs, "ok" or why not: the store, the views, the archive's store and,
    when configured, Kafka."""
    checks: dict[str, Callable[[], object]] = {
        "event_store": lambda: s.ledger.recorder.max_notification_id(),
        "views": runner.positions,
        "archive_store": s.originals,
    }
    if settings.kafka_bootstrap_servers:
        checks["kafka"] = lambda: kafka_reachable(settings.kafka_bootstrap_servers)
    status = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure makes the service not ready, and says which
            status[name] = f"{type(error).__name__}: {error}"
        else:
            status[name] = "ok"
    return status


def publication_pages(s: Services, runner: ProjectionRunner, unit: str = "", year: int | None = None, cursor: str = "",
                      at_least: int = 0) -> Rows:
    """What a citizen may see: the documents published proactively (主动公开), on a channel, not withdrawn; by
    unit and year of publication (China Standard Time)."""
    published = [
        row for row in register_pages(s, runner, unit, at_least=at_least)
        if row["published_at"] and not row["withdrawn"] and row["attribute"] in PUBLIC_ATTRIBUTES
        and (year is None or cst_day(row["published_at"]).startswith(f"{year}-"))
    ]
    return Rows.listed(PUBLICATIONS, published, PUBLICATIONS.after(cursor))

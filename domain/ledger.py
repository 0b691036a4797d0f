"""The ledger 台账: the one application every command and every read goes through.

Every record of every bounded context is written to one event store under the name ``zwgk``,
so that every event has a place in a single notification order: the order the Kafka relay
follows and the audit log hashes. Commands decide (see `commands`); the ledger loads what they
change and saves what they decided, in one transaction; or holds what the commands of a `Batch`
decided, each judged as alone, and records it all in one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import fields
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Notification, Transcoding
from eventsourcing.utils import get_topic

from zwgk.domain import contexts
from zwgk.domain.actors import SYSTEM, Actor, Role
from zwgk.domain.archival import ArchivedOriginal, ArchiveNumber, DestructionList, FixityCheck, original_id
from zwgk.domain.assessment import Assessment, assessment_id
from zwgk.domain.calendar import BUILTIN_YEARS, Deadline, LoadedYear, WorkingDayCalendar, cst_date
from zwgk.domain.catalogue import CatalogueItem
from zwgk.domain.chain import ChainReport, StoredRecord, verify_chains
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.data_subjects import DataSubject, PersonalDataHeld, PersonalDataPlace, personal_data_fields, sealed_values
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.errors import AlreadyExists, ConcurrentModification, DomainError, NotFound
from zwgk.domain.hearings import Hearing
from zwgk.domain.official_calendar import OfficialCalendarYear, calendar_year_id
from zwgk.domain.privacy import KeyStore, SealedValue, SubjectKey
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule
from zwgk.domain.stored_form import LedgerMapper, is_library_form, parsed, split, topic_shape, unwrapped

TRecord = TypeVar("TRecord", bound=Record)
TCreated = TypeVar("TCreated", bound=Record.Created)
TEvent = TypeVar("TEvent", bound=Record.Event)

# How far past the built-in calendar a deadline may reach for loaded years to matter.
YEARS_AHEAD = 3


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
        return Actor(data["id"], Role(data["role"]), data["unit"])


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
        # A lookup by value, which mypy checks against the signature of the members' __new__.
        return Deadline(**{**data, "rule": Rule(data["rule"])})  # type: ignore[call-arg]


class LoadedYears(Mapping[int, LoadedYear]):
    """The official calendars loaded for the years after the built-in ones, each read from the ledger the
    first time a date in it is asked about: most deadlines fall in built-in years and need no read."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.years = range(ledger.builtin_years.stop, ledger.builtin_years.stop + YEARS_AHEAD)
        self.read: dict[int, LoadedYear | None] = {}

    def _year(self, year: int) -> LoadedYear | None:
        if year not in self.years:
            return None
        if year not in self.read:
            found = self.ledger.exists(calendar_year_id(year))
            self.read[year] = self.ledger.load(OfficialCalendarYear, calendar_year_id(year)).as_loaded_year() if found else None
        return self.read[year]

    def __getitem__(self, year: int) -> LoadedYear:
        loaded = self._year(year)
        if loaded is None:
            raise KeyError(year)
        return loaded

    def __iter__(self) -> Iterator[int]:
        return (year for year in self.years if self._year(year) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RunAlone(Exception):  # noqa: N818 - an instruction to the batch, not an error
    """Raised in a batch by a command the batch cannot hold: one that reads the log beyond the records it loads
    (the batch's events are not there yet), or changes what lies outside the event store (an original's bytes,
    a subject's key) before its events would be recorded. Nothing it decided is kept; the batch is recorded,
    then the command runs alone, as without a batch."""


class BatchConflict(Exception):  # noqa: N818 - the batch's outcome, told to its caller
    """Another writer recorded first on one of the batch's records, or took one of its command ids: nothing of
    the batch was recorded."""


class Batch:
    """Commands decided in memory and recorded together, in one transaction (`Ledger.record_batch`): their
    events in the order they were decided, the records as they left them (a later command of the batch
    works on those), and what is kept with each save (receipts, progress). A refused command leaves the
    batch as it was: what it decided is dropped with it."""

    def __init__(self) -> None:
        self.records: dict[UUID, Record] = {}
        self.events: list[CanMutateAggregate[UUID]] = []
        self.kept: list[dict[str, Any]] = []
        self._begin()

    def _begin(self) -> None:
        self._records: dict[UUID, Record] = {}
        self._events: list[CanMutateAggregate[UUID]] = []
        self._kept: list[dict[str, Any]] = []

    def hold(self, records: Sequence[Record], kept: dict[str, Any]) -> None:
        """What the running command records: its records' new events taken out of them, to be recorded with the batch."""
        for record in records:
            self._events += record.collect_events()
            self._records[record.id] = record
        if kept:
            self._kept.append(kept)

    def end(self, decided: bool) -> None:
        """The running command ended: what it decided joins the batch, or, refused, is dropped."""
        if decided:
            self.records.update(self._records)
            self.events += self._events
            self.kept += self._kept
        self._begin()

    def get(self, aggregate_id: UUID) -> Record | None:
        """The record as the batch's commands left it, the running one included; None if none of them recorded it."""
        return self._records.get(aggregate_id) or self.records.get(aggregate_id)

    def clear(self) -> None:
        self.records, self.events, self.kept = {}, [], []

    def __len__(self) -> int:
        return len(self.events) + len(self._events)


class _KeysInBatch:
    """A batch's view of the key store: keys are made and kept as without a batch (a key kept before its events
    are recorded, as always); forgetting one, which cannot wait for the batch, makes the command run alone."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    def key_for(self, subject_id: str) -> SubjectKey:
        return self._keys.key_for(subject_id)

    def keep_new(self) -> None:
        self._keys.keep_new()

    def discard_new(self) -> None:
        self._keys.discard_new()

    def find(self, subject_id: str) -> SubjectKey | None:
        return self._keys.find(subject_id)

    def forget(self, subject_id: str) -> bool:
        raise RunAlone("a key is forgotten")


class Ledger(Application[UUID]):
    """The one application over the one event store.

    Snapshots are a read cache for long histories (a record's state as of an instant starts from
    the nearest one); they are never part of the hash chains or the audit log, and the events
    alone rebuild everything. Catalogue items and archived originals gain events for years
    (amendments, daily fixity checks): every 100th version is snapshotted."""

    name = "zwgk"
    is_snapshotting_enabled = True
    snapshotting_intervals = {CatalogueItem: 100, ArchivedOriginal: 100}

    def __init__(self, env: Mapping[str, str] | None = None, keys: KeyStore | None = None,
                 builtin_years: range = BUILTIN_YEARS) -> None:
        super().__init__(env)
        self._keys = keys
        self.builtin_years = builtin_years
        self._kept = threading.local()  # per thread: the service runs commands side by side

    @contextmanager
    def keeping(self, **kept: Any) -> Iterator[None]:
        """What the store is to keep with each save of the command this thread runs now, in the save's own
        transaction (a command's id, a file's progress): a crash can never leave events without it, nor it
        without its events. Each save is told its step (1, 2, ...) and the record it is about."""
        self._kept.values, self._kept.steps = kept, 0
        try:
            yield
        finally:
            del self._kept.values, self._kept.steps

    @contextmanager
    def batched(self, batch: Batch) -> Iterator[None]:
        """The command this thread runs now is decided into the batch: what it records is held there, and the
        records it loads or tells exist are seen as the batch's earlier commands left them."""
        self._kept.batch = batch
        try:
            yield
        finally:
            del self._kept.batch

    def _batch(self) -> Batch | None:
        batch: Batch | None = getattr(self._kept, "batch", None)
        return batch

    def _reading_log(self) -> None:
        """A read of the log (or of a record's events) misses what a batch holds: the command runs alone."""
        if self._batch() is not None:
            raise RunAlone("the log is read")

    def _kept_with(self, about: Record) -> dict[str, Any]:
        kept: dict[str, Any] | None = getattr(self._kept, "values", None)
        if kept is None:
            return {}
        self._kept.steps += 1
        return {**kept, "step": self._kept.steps, "about": (about.id, about.version)}

    @property
    def keys(self) -> KeyStore:
        """Data subjects' keys (Q3): commands that seal personal data need them."""
        if self._keys is None:
            raise RuntimeError("this ledger was opened without a key store")
        return self._keys if self._batch() is None else _KeysInBatch(self._keys)

    @keys.setter
    def keys(self, keys: KeyStore) -> None:
        """Given after the ledger is made when the key store borrows the event store's connections (wiring)."""
        self._keys = keys

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=LedgerMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())
        transcoder.register(DeadlineAsDict())
        transcoder.register(SealedValueAsDict())

    def execute(self, command: Command, actor: Actor, occurred_at: datetime | None = None) -> list[Outcome]:
        """Run one command; a refusal raises `DomainError` and records nothing."""
        return self.run(command, Context(self, actor, occurred_at))

    @staticmethod
    def run(command: Command, ctx: Context) -> list[Outcome]:
        batch, decided = ctx.ledger._batch(), False
        try:
            result = command.handle(ctx)
            decided = True
        finally:
            if batch is not None:
                batch.end(decided)
            if ctx.ledger._keys is not None:
                ctx.ledger._keys.discard_new()  # kept by `record` if the command recorded; else never stored
        return result if isinstance(result, list) else [result]

    def record(self, *records: Record) -> Outcome:
        """Save the records' new events atomically; a concurrent writer wins, never silently.
        The outcome names the first record, the one the command is about. In a batch the events are held
        until the batch is recorded, which places them in the log (the outcome's position is 0 until then)."""
        if self._keys is not None:
            self._keys.keep_new()  # before the events that are sealed with them: a crash between leaves a spare key, never a lost one
        kept = self._kept_with(records[0])
        if (batch := self._batch()) is not None:
            batch.hold(records, kept)
            return Outcome(records[0].id, records[0].version, 0)
        try:
            recordings = self.save(*records, kept=[kept] if kept else [])
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

    def record_batch(self, batch: Batch) -> dict[tuple[UUID, int], int]:
        """Record what the batch's commands decided, in one transaction, in the order they decided it (snapshots
        and the cache as `record` keeps them); each event's place in the log, by record and version. The batch is
        then empty. `BatchConflict` if another writer came first: nothing of it is recorded."""
        if not batch.events:
            batch.clear()
            return {}
        processing = ProcessingEvent[UUID]()  # filled as `collect_events` would, without its protocol check of every event
        processing.events, processing.aggregates, processing.saved_kwargs = list(batch.events), dict(batch.records), {"kept": batch.kept}
        try:
            recordings = self._record(processing)
        except IntegrityError:
            raise BatchConflict from None
        self._take_snapshots(processing)
        self._notify(recordings)
        if self.repository.cache:
            for saved in batch.records.values():
                self.repository.cache.put(saved.id, deepcopy(saved))
        batch.clear()
        return {(r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id for r in recordings}

    def load(self, record_class: type[TRecord], aggregate_id: UUID) -> TRecord:
        batch = self._batch()
        held = batch.get(aggregate_id) if batch is not None else None
        try:
            record: Record = deepcopy(held) if held is not None else self.repository.get(aggregate_id)
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
        """One query for any event of the record (not its snapshot, then its events); none for one a batch holds."""
        if (batch := self._batch()) is not None and batch.get(aggregate_id) is not None:
            return True
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def notifications(self, topics: Sequence[str] = (), after: int = 0, batch: int = 1000) -> Iterator[Notification]:
        """The log in order after a position, read in pages."""
        self._reading_log()
        start = after or None
        while page := self.recorder.select_notifications(
            start=start, limit=batch, topics=topics, inclusive_of_start=False
        ):
            yield from page
            start = page[-1].id

    def ids_of(self, created: type[Record.Created]) -> Iterator[UUID]:
        """Every aggregate created by one event type, in order of creation."""
        for notification in self.notifications(topics=[get_topic(created)]):
            # The library types stored ids as UUID | str whatever the application's; this one's are UUIDs.
            yield notification.originator_id  # type: ignore[misc]

    def created_events(self, created: type[TCreated]) -> Iterator[TCreated]:
        """Every event of one creating type, decoded, in order: what a record was created with, read
        without its later history."""
        for notification in self.notifications(topics=[get_topic(created)]):
            yield self.mapper.to_domain_event(notification)  # type: ignore[misc]

    def events_of_type(self, event_class: type[TEvent]) -> Iterator[TEvent]:
        """Every event of one type, decoded, in log order."""
        for notification in self.notifications(topics=[get_topic(event_class)]):
            yield self.mapper.to_domain_event(notification)  # type: ignore[misc]

    def record_event(self, notification: Notification) -> Record.Event:
        """A stored event, decoded."""
        # The mapper returns the library's event protocol; every event zwgk stores is a Record event.
        event: Record.Event = self.mapper.to_domain_event(notification)  # type: ignore[assignment]
        return event

    def all_of(self, record_class: type[TRecord]) -> Iterator[TRecord]:
        """Every record of a class, in order of creation."""
        for created in record_class.creating_events():
            for aggregate_id in self.ids_of(created):
                yield self.load(record_class, aggregate_id)

    # The working-day calendar

    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar with every official year loaded so far."""
        return WorkingDayCalendar(LoadedYears(self), self.builtin_years)

    def settle_provisional_deadlines(self, occurred_at: datetime | None = None) -> list[Outcome]:
        """After a calendar is loaded: a new event for every running deadline it settles, on any record."""
        calendar = self.calendar()
        outcomes = []
        for record_class in contexts.keeping_deadlines():
            for created in record_class.creating_events():
                for aggregate_id in self.ids_of(created):
                    record = self.load(Record, aggregate_id)
                    if record.settle_deadlines(actor=SYSTEM, calendar=calendar, occurred_at=occurred_at):
                        outcomes.append(self.record(record))
        return outcomes

    # Reads over records

    def unfiled(self) -> list[CatalogueItem]:
        """C4: items whose published adjustments have not been filed 备案."""
        return [item for item in self.all_of(CatalogueItem) if item.unfiled]

    def assessment(self, unit: str, period: str) -> Assessment | None:
        key = assessment_id(unit, period)
        return self.load(Assessment, key) if self.exists(key) else None

    # The archive's records 档案 (R1, R2, D8, H4)

    def check_new_original(self, archive_number: str, title: str, responsible_unit: str, retention: str,
                           doc_date: date | None, classification: str, pages: int | None) -> None:
        """Refuse what can be refused before the original's bytes are stored."""
        number = ArchivedOriginal.check_metadata(archive_number, title, responsible_unit, retention, doc_date, classification,
                                                 pages)
        if self.exists(original_id(str(number))):
            raise AlreadyExists("档号", "archive number", number, Rule.R1)

    def record_original(self, actor: Actor, occurred_at: datetime | None, hearing_id: UUID | None = None,
                        **fields: Any) -> Outcome:
        """Record an original already stored; with a disclosure id, link it to that act (D8), with a
        hearing id, to that hearing as its clerk's record (H4); atomically."""
        original = ArchivedOriginal.archive(actor=actor, occurred_at=occurred_at, **fields)
        if self.exists(original.id):
            raise AlreadyExists("档号", "archive number", fields["archive_number"], Rule.R1)
        linked = self._linked(actor, occurred_at, original.sha256, original.storage_key, fields.get("disclosure_id"), hearing_id)
        return self.record(original, *linked)

    def check_original_links(self, actor: Actor, occurred_at: datetime | None, sha256: str, storage_key: str,
                             disclosure_id: UUID | None = None, hearing_id: UUID | None = None) -> None:
        """Refuse, before the original's bytes are stored, the links its recording would refuse (an unknown
        act or hearing, one that cannot take it): a retention-locked object could not be taken back."""
        self._linked(actor, occurred_at, sha256, storage_key, disclosure_id, hearing_id)

    def _linked(self, actor: Actor, occurred_at: datetime | None, sha256: str, storage_key: str,
                disclosure_id: UUID | None, hearing_id: UUID | None) -> list[Record]:
        """The act and the hearing an original is linked to, as they decide it."""
        records: list[Record] = []
        if disclosure_id:
            act = self.load(DisclosureAct, disclosure_id)
            act.link_original(actor=actor, occurred_at=occurred_at, sha256=sha256, storage_key=storage_key)
            records.append(act)
        if hearing_id:
            hearing = self.load(Hearing, hearing_id)
            hearing.archive_record(actor=actor, occurred_at=occurred_at, sha256=sha256, storage_key=storage_key)
            records.append(hearing)
        return records

    def archiving_event_id(self, original: ArchivedOriginal) -> str:
        """The id of the event that archived the original, whose inclusion in the audit log proves it."""
        self._reading_log()
        first = next(iter(self.repository.event_store.get(original.id, lte=1)))
        assert isinstance(first, ArchivedOriginal.Archived)
        return str(first.event_id)

    def listed_for_destruction(self) -> set[str]:
        """The archive numbers every destruction list names (an original goes on one list only, R5)."""
        return {number for drafted in self.created_events(DestructionList.Drafted) for number in drafted.archive_numbers}

    def shared_with_others(self, original: ArchivedOriginal) -> bool:
        """Whether another original not destroyed is stored as the same bytes (content-addressed: one object)."""
        return any(
            archived.storage_key == original.storage_key and archived.originator_id != original.id
            and not self.load(ArchivedOriginal, archived.originator_id).destroyed
            for archived in self.created_events(ArchivedOriginal.Archived)
        )

    def formation_date(self, disclosure_id: UUID) -> date | None:
        """The day a disclosure act's document was formed: signed off 签发, or else first published."""
        act = self.load(DisclosureAct, disclosure_id)
        if act.deadline is not None:
            return act.deadline.start
        return min((cst_date(at) for at in act.publications.values()), default=None)

    def original(self, archive_number: str) -> ArchivedOriginal:
        """One original by its 档号, found by the id the number derives."""
        number = str(ArchiveNumber.parse(archive_number))
        try:
            return self.load(ArchivedOriginal, original_id(number))
        except NotFound:
            raise NotFound(ArchivedOriginal.what_zh, "archived original", number) from None

    def recorded_original(self, rule: Rule, archive_number: str = "", sha256: str = "") -> ArchivedOriginal:
        """The original the archive has recorded under a 档号 or with a SHA-256, for a record that links it
        (D8, H4); refused under that rule when none is named or the archive has none."""
        digest = sha256.strip().lower()
        if not archive_number.strip() and not digest:
            raise DomainError("ORIGINAL_REQUIRED", "须写明已归档原件的档号或 SHA-256 摘要。",
                              "name the archived original by its archive number or SHA-256", rule)
        if archive_number.strip():
            number = str(ArchiveNumber.parse(archive_number))
            found = self.load(ArchivedOriginal, original_id(number)) if self.exists(original_id(number)) else None
        else:
            found = next((self.load(ArchivedOriginal, archived.originator_id)
                          for archived in self.created_events(ArchivedOriginal.Archived) if archived.sha256 == digest), None)
        if found is not None and digest and found.sha256 != digest:
            raise DomainError("ORIGINAL_DIGEST_MISMATCH",
                              f"档号 {found.archive_number} 的原件已归档，但其 SHA-256 摘要为 {found.sha256}，与所填 {digest} 不符。",
                              f"original {found.archive_number} is archived with SHA-256 {found.sha256}, not {digest}", rule)
        if found is None:
            named = " ".join(filter(None, (archive_number.strip(), digest)))
            raise DomainError("ORIGINAL_NOT_ARCHIVED", f"档案中没有该原件：{named}。须先归档原件，再关联。",
                              f"the archive has recorded no original {named}", rule)
        return found

    def storage_keys(self) -> set[str]:
        """Where every original is stored, from the events that archived them (a key never changes):
        what the store holds beyond these is untracked, told without loading any original's history."""
        return {archived.storage_key for archived in self.created_events(ArchivedOriginal.Archived)}

    def storage_versions(self) -> set[tuple[str, str]]:
        """Every (key, version) an original is stored as, from the events that archived or migrated them."""
        archived = {(event.storage_key, event.version_id) for event in self.created_events(ArchivedOriginal.Archived)}
        migrated = {(event.storage_key, event.version_id) for event in self.events_of_type(ArchivedOriginal.Migrated)}
        return archived | migrated

    def held_elsewhere(self, original: ArchivedOriginal) -> bool:
        """Whether another original stored as the same object version (the same bytes archived under
        another number) is under legal hold: the object must stay held while any of them is."""
        return any(
            self.load(ArchivedOriginal, archived.originator_id).legal_hold
            for archived in self.created_events(ArchivedOriginal.Archived)
            if (archived.storage_key, archived.version_id) == (original.storage_key, original.version_id)
            and archived.originator_id != original.id
        )

    def record_fixity(self, actor: Actor, checks: Sequence[FixityCheck]) -> None:
        """Several checks in one transaction: a verify of many small originals writes once a group,
        not once an original. Each check is still an event of its own original."""
        checked: dict[UUID, ArchivedOriginal] = {}
        for check in checks:
            original = checked.get(check.original_id) or self.load(ArchivedOriginal, check.original_id)
            original.record_fixity(actor=actor, outcome=check.outcome, sha256_found=check.sha256_found,
                                   sm3_found=check.sm3_found, detail=check.detail)
            checked[original.id] = original
        if checked:
            self.record(*checked.values())

    # Personal data (Q3)

    def sealed_field(self, record_id: UUID, field: str) -> tuple[str, SealedValue]:
        """The latest sealed value a record's events hold in a field, with the record's type; NotFound when
        the record holds no personal data there."""
        self._reading_log()
        carriers = personal_data_fields()
        found = None
        for event in self.events.get(record_id):
            if isinstance(event, Record.Event) and field in carriers.get(type(event), ()):
                found = type(event).__qualname__.split(".")[0], sealed_values(event, field)[0]
        if found is None:
            raise NotFound(f"该记录中的个人信息字段 {field}", f"sealed field {field} of record", record_id)
        return found

    def sealed_fields(self, record_id: UUID) -> Iterator[tuple[str, SealedValue]]:
        """Every sealed value a record's events hold, with the field holding it (Q3: what public text is checked against)."""
        self._reading_log()
        carriers = personal_data_fields()
        for event in self.events.get(record_id):
            if isinstance(event, Record.Event):
                for name in carriers.get(type(event), ()):
                    yield from ((name, sealed) for sealed in sealed_values(event, name))

    def erasures(self) -> Iterator[DataSubject.Erased]:
        return self.created_events(DataSubject.Erased)

    def personal_data_places(self) -> Iterator[tuple[str, PersonalDataPlace]]:
        """Each sealed value's subject and place, in log order, read from the events that carry sealed fields
        only: never stale, never plaintext."""
        carriers = {get_topic(event): fields for event, fields in personal_data_fields().items()}
        for notification in self.notifications(topics=sorted(carriers)):
            event = self.record_event(notification)
            record_type = type(event).__qualname__.split(".")[0]
            for name in carriers[notification.topic]:
                for sealed in sealed_values(event, name):
                    yield sealed.subject_id, PersonalDataPlace(record_type, event.originator_id, name, event.recorded_at)

    def personal_data(self) -> list[PersonalDataHeld]:
        """The inventory 个人信息清单: every data subject, where their sealed data is, whether it is erased."""
        held: dict[str, PersonalDataHeld] = {}
        for subject_id, place in self.personal_data_places():
            held.setdefault(subject_id, PersonalDataHeld(subject_id)).places.append(place)
        for erased in self.erasures():
            held.setdefault(erased.subject_id, PersonalDataHeld(erased.subject_id)).erased = erased
        for subject in held.values():
            subject.readable = self.keys.find(subject.subject_id) is not None
        return list(held.values())  # in the order the subjects first gave data

    # Inspectors' checks over the whole ledger 纪检监察核验

    def stored_records(self, after: int = 0) -> Iterator[StoredRecord]:
        """Every event as stored after a log position, decoded but not upcast, in log order."""
        for n in self.notifications(after=after):
            try:
                stored = unwrapped(self.mapper, n.state)
                if is_library_form(stored):
                    state, body = self.mapper.transcoder.decode(stored), None
                    if not isinstance(state, dict):
                        raise DomainError("STATE_NOT_OBJECT", "", "stored state is not an object")
                else:
                    state, body = topic_shape(n.topic).to_views(parsed(stored)), split(stored)[1]
            except Exception as error:  # noqa: BLE001 - any undecodable record is a finding
                yield StoredRecord(n.id, n.topic, n.originator_id, n.originator_version, None, str(error))
            else:
                yield StoredRecord(n.id, n.topic, n.originator_id, n.originator_version, state, body=body)

    def stored_record(self, position: int) -> StoredRecord | None:
        record = next(self.stored_records(after=position - 1), None)
        return record if record and record.position == position else None

    def verify(self) -> ChainReport:
        return verify_chains(self.stored_records())

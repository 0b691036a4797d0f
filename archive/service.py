"""The archive service 档案管理: stores originals, records them, proves them intact.

Order of a put: refuse bad metadata before a byte moves; spool the bytes (hashed while
they stream) and refuse what only they tell (pages, the links to an act or a hearing)
before anything is stored, for a retention-locked object cannot be taken back; store
them; record the ArchivedOriginal event (and the D8 link) in one transaction; then
write the metadata sidecar, a copy derived from the event that `verify` rewrites if it
is ever missing (so the put does not wait for it: the store writes it behind), and the
text read from the original, kept beside it and put into the search's index at once.
A store failure records nothing; only an event refused for a change
made meanwhile by another process (the same archive number archived at the same time)
leaves an unreferenced original, which `verify` reports as untracked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any, BinaryIO, NamedTuple
from uuid import UUID

from zwgk.archive import formats
from zwgk.archive.store import (
    Digests,
    ObjectState,
    OriginalMissing,
    OriginalStore,
    RetentionViolation,
    Spooled,
    StorageUnavailable,
    sidecar_key,
    text_key,
)
from zwgk.domain.actors import Actor, Role
from zwgk.domain.archival import (
    RETENTION_ZH,
    ArchivedOriginal,
    Classification,
    DestructionList,
    FixityCheck,
    FixityOutcome,
    RetentionClass,
    lock_until,
    retention_ends,
)
from zwgk.domain.calendar import cst_date
from zwgk.domain.commands import Outcome
from zwgk.domain.errors import ConcurrentModification, DomainError
from zwgk.domain.ledger import Ledger
from zwgk.domain.rules import Rule

log = logging.getLogger("zwgk.archive")

FIXITY_READERS = 4  # originals read and hashed at once by verify
RECORDED_TOGETHER = 8  # fixity outcomes recorded in one transaction

# DA/T 46-2009 core elements, as they appear in the sidecar and in exports.
METADATA_ZH = {
    "archive_number": "档号",
    "doc_number": "文号",
    "title": "题名",
    "responsible_unit": "责任者",
    "doc_date": "日期",
    "doc_type": "文种",
    "retention": "保管期限",
    "retain_until": "锁定至",
    "retention_ends": "保管期满",
    "classification": "密级",
    "pages": "页数",
    "media_type": "格式",
    "size": "计算机文件大小",
    "sha256": "SHA-256",
    "sm3": "SM3",
    "storage_key": "存储位置",
    "version_id": "版本",
    "disclosure_id": "关联公开行为",
}


def unavailable(error: StorageUnavailable) -> DomainError:
    return DomainError(
        "STORAGE_UNAVAILABLE", "档案存储暂时无法访问，本次未记录任何内容，请稍后重试。",
        f"archive store unavailable: {error}", Rule.R1,
    )


def metadata_of(original: ArchivedOriginal) -> dict[str, Any]:
    values = {name: getattr(original, name) for name in METADATA_ZH}
    values["retention"] = original.retention.value
    return {k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, UUID) else v) for k, v in values.items()}


def sidecar_of(original: ArchivedOriginal) -> bytes:
    document = {"format": "zwgk-archive-metadata/2", "labels": METADATA_ZH, **metadata_of(original),
                "retention_zh": RETENTION_ZH[original.retention]}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()


class Detail(NamedTuple):
    """Why a fixity check came out as it did: in English for the ledger and the logs, in Chinese for people."""

    en: str
    zh: str


DIGESTS_MATCH = Detail("SHA-256 and SM3 match", "SHA-256 与 SM3 均与存档时相符")
GONE = Detail("the original's version is gone from the store", "该版本原件已不在存储中")
SHA256_DIFFERS = Detail("SHA-256 differs", "SHA-256 不符")
SM3_DIFFERS = Detail("SM3 differs", "SM3 不符")


@dataclass(frozen=True)
class FixityResult:
    archive_number: str
    outcome: FixityOutcome
    detail: Detail


@dataclass(frozen=True)
class VerifyReport:
    results: list[FixityResult]
    untracked: list[str]
    leftovers: list[str] = field(default_factory=list)  # spools of interrupted puts, removed: told, not a failure

    @property
    def ok(self) -> bool:
        return not self.untracked and all(r.outcome is FixityOutcome.INTACT for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        """The details in English as the events record them, and in Chinese for people."""
        return {"ok": self.ok, "results": [{"archive_number": r.archive_number, "outcome": r.outcome.value, "detail": r.detail.en,
                                            "detail_zh": r.detail.zh} for r in self.results], "untracked": self.untracked,
                "leftovers": self.leftovers}


Inspection = tuple[FixityOutcome, Digests | None, Detail]  # outcome, the digests found, why


class IntegrityFailure(DomainError):
    def __init__(self, archive_number: str, size: int, sha256: str) -> None:
        super().__init__("ORIGINAL_ALTERED", f"原件 {archive_number} 与存档时的摘要不符，未输出：读出 {size} 字节，SHA-256 {sha256[:16]}…",
                         f"original {archive_number} does not match its digests: {size} bytes, SHA-256 {sha256[:16]}…", Rule.R2)


class OriginalGone(DomainError):
    def __init__(self, archive_number: str) -> None:
        super().__init__("ORIGINAL_MISSING", f"原件 {archive_number} 已不在档案存储中，无法输出；请运行 archive verify 并报告。",
                         f"original {archive_number} is missing from the store", Rule.R2)


class Archivist:
    """With a `fallback`, the store originals were kept in before a migration to `store`: an original not
    yet migrated is read from there until the migration has finished."""

    def __init__(self, ledger: Ledger, store: OriginalStore, fallback: OriginalStore | None = None,
                 index_text: Callable[[str, str], None] | None = None) -> None:
        self.ledger = ledger
        self.store = store
        self.fallback = fallback
        self.index_text = index_text  # (SHA-256, text): the search's index of the originals' words

    def chunks(self, original: ArchivedOriginal, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The original's recorded version, from the store, or else from the store it was migrated from."""
        try:
            yield from self.store.read(original.storage_key, original.version_id, offset, length)
        except OriginalMissing:
            if self.fallback is None:
                raise
            yield from self.fallback.read(original.storage_key, original.version_id, offset, length)

    def state(self, original: ArchivedOriginal) -> ObjectState:
        """What the store holding the original's recorded version says about it (the earlier store's while
        a migration is unfinished)."""
        state = self.store.state(original.storage_key, original.version_id)
        if not state.exists and self.fallback is not None:
            return self.fallback.state(original.storage_key, original.version_id)
        return state

    def stored_sidecar(self, original: ArchivedOriginal) -> bytes | None:
        """The metadata sidecar as stored (the earlier store's while a migration is unfinished)."""
        kept = self.store.read_sidecar(sidecar_key(original.archive_number))
        if kept is None and self.fallback is not None:
            return self.fallback.read_sidecar(sidecar_key(original.archive_number))
        return kept

    def sidecar(self, original: ArchivedOriginal) -> bytes:
        return sidecar_of(original)

    def put(
        self,
        source: IO[bytes],
        *,
        actor: Actor,
        archive_number: str,
        doc_number: str,
        title: str,
        responsible_unit: str,
        retention: str,
        doc_date: date | None = None,
        doc_type: str = "",
        classification: str = Classification.PUBLIC.value,
        pages: int | None = None,
        media_type: str = "",
        filename: str = "",
        disclosure_id: UUID | None = None,
        hearing_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> tuple[Outcome, ArchivedOriginal]:
        """Store and record an original. Its document date is given, or taken from the disclosure act it
        is the original of (the day it was signed off); its lock follows its period (R3), and an original
        whose period has already ended is stored unlocked, due for appraisal (R4). Its pages and text are
        read from the file by a format library while it is stored."""
        actor.require(Role.ARCHIVIST, Rule.R1)  # as the ledger would, but before a byte is stored
        doc_date = doc_date or (self.ledger.formation_date(disclosure_id) if disclosure_id else None)
        self.ledger.check_new_original(archive_number, title, responsible_unit, retention, doc_date, classification, pages)
        assert doc_date is not None  # refused above otherwise
        archived_on = cst_date(occurred_at or datetime.now(UTC))
        lock = lock_until(retention_ends(doc_date, _retention(retention)), cst_date(datetime.now(UTC)))
        declared = media_type or formats.media_type_of(filename)
        read: list[formats.Reading] = []

        def admit(spooled: Spooled) -> None:
            """What only the bytes tell, refused before they are stored: the pages, and the links to the act
            and the hearing (their digest)."""
            reading = formats.read(spooled.file, declared)
            if pages is not None and reading.pages is not None and pages != reading.pages:
                raise DomainError("PAGES_MISMATCH", f"所填页数 {pages} 与文件实际页数 {reading.pages} 不一致。",
                                  f"declared {pages} pages, the file has {reading.pages}", Rule.R1)
            self.ledger.check_original_links(actor, occurred_at, spooled.sha256, spooled.key, disclosure_id, hearing_id)
            read.append(reading)

        try:
            receipt = self.store.put(source, declared, lock, admit)
        except StorageUnavailable as error:
            raise unavailable(error) from None
        (reading,) = read
        media = media_type or (reading.media_type if reading.media_type != formats.OCTET else declared)
        outcome = self.ledger.record_original(
            actor, occurred_at, archive_number=archive_number, doc_number=doc_number, title=title,
            responsible_unit=responsible_unit, doc_date=doc_date, doc_type=doc_type, retention=retention,
            retain_until=lock, classification=classification, pages=pages or reading.pages, media_type=media,
            size=receipt.size, sha256=receipt.sha256, sm3=receipt.sm3, storage_key=receipt.key,
            version_id=receipt.version_id, disclosure_id=disclosure_id, hearing_id=hearing_id,
        )
        original = self.ledger.load(ArchivedOriginal, outcome.aggregate_id)
        self.store.put_sidecar_behind(sidecar_key(original.archive_number), sidecar_of(original), original.retain_until)
        self._write_text(original, reading.text)
        if self.index_text is not None:
            self.index_text(original.sha256, reading.text)
        if lock is None:
            log.warning("%s archived %s: its period ended on %s; stored without a lock and due for appraisal",
                        original.archive_number, archived_on, original.retention_ends)
        return outcome, original

    def _write_sidecar(self, original: ArchivedOriginal) -> None:
        try:
            self.store.put_sidecar(sidecar_key(original.archive_number), sidecar_of(original), original.retain_until)
        except StorageUnavailable as error:
            log.warning("sidecar of %s not written (%s); archive verify will write it", original.archive_number, error)

    def _write_text(self, original: ArchivedOriginal, text: str) -> None:
        """The text read at archiving, kept beside the original for the search index (derived: it can be read again)."""
        if not text:
            return
        try:
            self.store.put_sidecar(text_key(original.sha256), text.encode(), original.retain_until)
        except StorageUnavailable as error:
            log.warning("text of %s not written (%s); it is not searchable by its words", original.archive_number, error)

    def text(self, sha256: str) -> str | None:
        """The text read from an original when it was archived ('' when it has none; None when the store
        cannot be reached)."""
        try:
            kept = self.store.read_sidecar(text_key(sha256))
        except StorageUnavailable:
            return None
        return kept.decode() if kept else ""

    def originals(self) -> list[ArchivedOriginal]:
        """Every original whose bytes are kept: a destroyed one is a record only (R5)."""
        return [o for o in self.ledger.all_of(ArchivedOriginal) if not o.destroyed]

    def destroyed(self) -> list[ArchivedOriginal]:
        """The originals destroyed under approved destruction lists (R5): records without bytes."""
        return [o for o in self.ledger.all_of(ArchivedOriginal) if o.destroyed]

    def get(self, original: ArchivedOriginal, out: BinaryIO) -> None:
        """Write the original, byte-identical, checked against its SHA-256 on the way out
        (both digests are checked by `verify`); refuse if it changed."""
        for chunk in self.read(original):
            out.write(chunk)

    def read(self, original: ArchivedOriginal, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The original's bytes from `start` up to `stop` (by default its end), streamed from the store.

        The whole original is checked on the way against its recorded size and SHA-256, and its last
        chunk is held back until the check passes: a reader never receives a changed original complete
        (IntegrityFailure is raised instead). A part cannot be checked alone: whoever assembles the parts
        checks the whole against the digests the ledger recorded."""
        stop = original.size if stop is None else min(stop, original.size)
        whole = start == 0 and stop == original.size
        try:
            if whole:
                yield from self._checked(original)
            elif stop > start:
                yield from self.chunks(original, start, stop - start)
        except StorageUnavailable as error:
            raise unavailable(error) from None
        except OriginalMissing:
            raise OriginalGone(original.archive_number) from None

    def _checked(self, original: ArchivedOriginal) -> Iterator[bytes]:
        sha256, size, held = hashlib.sha256(), 0, b""
        for chunk in self.chunks(original):
            if held:
                yield held
            sha256.update(chunk)
            size += len(chunk)
            held = chunk
            if size > original.size:
                break
        if size != original.size or sha256.hexdigest() != original.sha256:
            raise IntegrityFailure(original.archive_number, size, sha256.hexdigest())
        if held:
            yield held

    def due_for_fixity(self, days: int, now: datetime) -> list[ArchivedOriginal]:
        """Originals never checked, or not within the last `days` days: what a daily scheduled run re-hashes,
        so that every original is checked at least every `days` days without re-reading the whole archive daily."""
        since = now - timedelta(days=days)
        return [o for o in self.originals() if o.last_checked_at is None or o.last_checked_at < since]

    def verify(
        self, originals: Iterable[ArchivedOriginal], actor: Actor, progress: Callable[[ArchivedOriginal], None] | None = None
    ) -> VerifyReport:
        """Fixity: re-read each original by its version, re-hash, record the outcome (R2). Originals are read
        and hashed a few at a time, since most are small and each costs round trips to the store; the
        outcomes are recorded here, in the order given, a group to a transaction (a group whose reading
        failed is not recorded: a check that did not finish was not done)."""
        results = []
        sidecars = set(self.store.sidecar_keys())

        def record(group: list[tuple[ArchivedOriginal, Future[Inspection]]]) -> None:
            inspected = [(original, *future.result()) for original, future in group]
            self.ledger.record_fixity(actor, [FixityCheck(original.id, outcome, found.sha256 if found else "", found.sm3 if found else "",
                                                       detail.en) for original, outcome, found, detail in inspected])
            for original, outcome, _, detail in inspected:
                if sidecar_key(original.archive_number) not in sidecars:
                    self._write_sidecar(original)
                    sidecars.add(sidecar_key(original.archive_number))
                results.append(FixityResult(original.archive_number, outcome, detail))
                if progress:
                    progress(original)

        with ThreadPoolExecutor(FIXITY_READERS, thread_name_prefix="fixity") as readers:
            inspecting: deque[tuple[ArchivedOriginal, Future[Inspection]]] = deque()
            for original in originals:
                inspecting.append((original, readers.submit(self._inspect, original)))
                if len(inspecting) >= 2 * RECORDED_TOGETHER:  # read ahead, but only so far
                    record([inspecting.popleft() for _ in range(RECORDED_TOGETHER)])
            while inspecting:
                record([inspecting.popleft() for _ in range(min(RECORDED_TOGETHER, len(inspecting)))])
        return VerifyReport(results, self.untracked(), self.store.leftovers())

    def untracked(self) -> list[str]:
        """Objects in the store that no archived original is stored as, and versions of an original's key
        that no original is recorded as (written behind zwgk's back: reads name their version, but the
        check reports them)."""
        tracked = self.ledger.storage_keys()
        versions = self.ledger.storage_versions()
        stray = [key for key in self.store.keys() if key not in tracked]
        return stray + [f"{key}?versionId={version}" for key, version in self.store.versions()
                        if key in tracked and (key, version) not in versions]

    def _inspect(self, original: ArchivedOriginal) -> Inspection:
        try:
            digests = Digests.of(self.chunks(original))
        except OriginalMissing:
            return FixityOutcome.MISSING, None, GONE
        problems = _mismatch(original, digests)
        if problems:
            return FixityOutcome.CHANGED, digests, Detail("; ".join(p.en for p in problems), "；".join(p.zh for p in problems))
        return FixityOutcome.INTACT, digests, DIGESTS_MATCH

    def hold(self, original: ArchivedOriginal, actor: Actor, reason: str, on: bool, occurred_at: datetime | None = None) -> Outcome:
        """Legal hold 法律保全: the ledger decides and records it, the store enforces it. Originals with
        the same bytes share one stored object, held while any of them is. Should the ledger then refuse
        the record (another archivist changed the original first), the object goes back to what the
        ledger says."""
        decide = original.place_hold if on else original.release_hold
        decide(actor=actor, occurred_at=occurred_at, reason=reason)  # a refusal stops here, nothing changed
        if on or not self.ledger.held_elsewhere(original):
            self._set_hold(original, on)
        try:
            return self.ledger.record(original)
        except ConcurrentModification:
            recorded = self.ledger.load(ArchivedOriginal, original.id)
            self._set_hold(original, recorded.legal_hold or self.ledger.held_elsewhere(original))
            raise

    def appraise(self, original: ArchivedOriginal, actor: Actor, *, decision: str, reasons: str, appraisers: list[str],
                 retention: str = "", occurred_at: datetime | None = None) -> Outcome:
        """到期鉴定 (R4): the ledger decides; an original kept is locked again until its new period ends, and its
        sidecar says so."""
        original.appraise(actor=actor, occurred_at=occurred_at, today=cst_date(datetime.now(UTC)), decision=decision,
                          reasons=reasons, appraisers=appraisers, retention=retention)
        if original.retain_until is not None:
            try:
                self.store.extend_retention(original.storage_key, original.version_id, original.retain_until)
            except StorageUnavailable as error:
                raise unavailable(error) from None
        outcome = self.ledger.record(original)
        self._write_sidecar(original)
        return outcome

    def destroy(self, destruction_list: DestructionList, actor: Actor, supervisors: list[str],
                occurred_at: datetime | None = None) -> Outcome:
        """销毁 (R5): refuse what must be refused before a byte goes; then, original by original, delete its bytes
        (every version, unless another original is the same bytes) and record its destruction at once, then its
        sidecar and text; the list is recorded carried out once every original on it is destroyed. A store that
        refuses half-way (a lock still in force) stops there with the ledger saying exactly which originals are
        gone; destroying again finishes the rest (what is already gone is no error), as it does after a crash."""
        destruction_list.check_destruction(actor, supervisors)
        originals = [self.ledger.original(number) for number in destruction_list.archive_numbers]
        for original in originals:
            if not original.destroyed:
                original.check_not_held()
        for original in originals:
            try:
                if not original.destroyed:
                    if not self.ledger.shared_with_others(original):
                        self.store.destroy(original.storage_key)
                    original.destroy(actor=actor, occurred_at=occurred_at, destruction_list=destruction_list,
                                     supervisors=supervisors)
                    self.ledger.record(original)
                self.store.destroy(sidecar_key(original.archive_number))
                if not self.ledger.shared_with_others(original):
                    self.store.destroy(text_key(original.sha256))
            except RetentionViolation:
                locked = f"存储仍锁定原件 {original.archive_number}（保留期未到或处于保全），未销毁"
                raise _stopped(originals, locked, DomainError("RETENTION_LOCKED", f"{locked}，也未记录。",
                                                              f"the store still locks {original.archive_number}", Rule.R2)) from None
            except StorageUnavailable as error:
                raise _stopped(originals, "档案存储暂时无法访问", unavailable(error)) from None
        destruction_list.carry_out(actor=actor, occurred_at=occurred_at, destroyed=originals)
        return self.ledger.record(destruction_list)

    def _set_hold(self, original: ArchivedOriginal, on: bool) -> None:
        try:
            self.store.set_legal_hold(original.storage_key, original.version_id, on)
        except StorageUnavailable as error:
            raise unavailable(error) from None


def _stopped(originals: list[ArchivedOriginal], why_zh: str, refusal: DomainError) -> DomainError:
    """Why the store stopped a destruction; once some originals are destroyed, also which ones the ledger now
    records as destroyed, and how to finish."""
    gone = [o.archive_number for o in originals if o.destroyed]
    if not gone:
        return refusal
    return DomainError(
        "DESTRUCTION_INCOMPLETE",
        f"销毁未完成：{why_zh}。本清册已销毁并记录 {len(gone)} 件（{'、'.join(gone)}），其余 "
        f"{len(originals) - len(gone)} 件未销毁；待存储允许后再次执行销毁即可完成。",
        f"destruction stopped ({refusal.message_en}); destroyed and recorded so far: {gone}; destroy again to finish",
        Rule.R5)


def _retention(code: str) -> RetentionClass:
    try:
        return RetentionClass(code)
    except ValueError:
        raise DomainError("RETENTION_CLASS_INVALID", "保管期限须为 Y、D30 或 D10。", f"unknown retention {code!r}", Rule.R2) from None


def detail_zh(en: str) -> str:
    """A recorded check's reason, which its event holds in English (as `_inspect` words it), in Chinese."""
    known = {d.en: d.zh for d in (DIGESTS_MATCH, GONE, SHA256_DIFFERS, SM3_DIFFERS)}
    words = []
    for part in en.split("; "):
        size = re.fullmatch(r"size (\d+) ≠ (\d+)", part)
        words.append(f"大小 {size[1]} 字节，存档时 {size[2]} 字节" if size else known.get(part, part))
    return "；".join(words)


def _mismatch(original: ArchivedOriginal, digests: Digests) -> list[Detail]:
    problems = []
    if digests.size != original.size:
        problems.append(Detail(f"size {digests.size} ≠ {original.size}", f"大小 {digests.size} 字节，存档时 {original.size} 字节"))
    if digests.sha256 != original.sha256:
        problems.append(SHA256_DIFFERS)
    if digests.sm3 != original.sm3:
        problems.append(SM3_DIFFERS)
    return problems


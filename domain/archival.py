"""Archived originals 档案原件 (rules R1, R2, D8; DA/T 46-2009 metadata, DA/T 22 档号).

The original's bytes live in object storage under retention lock; what the ledger
records is who archived what, with which identity (文号, 档号), for how long, and
the two digests (SHA-256 and SM3, GB/T 32905) that prove it unchanged at any time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor, Role
from zwgk.domain.errors import DomainError
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule


class RetentionClass(StrEnum):
    """保管期限 (DA/T 22): permanent, 30 years, 10 years."""

    PERMANENT = "Y"  # 永久
    THIRTY_YEARS = "D30"  # 定期30年
    TEN_YEARS = "D10"  # 定期10年


RETENTION_ZH = {RetentionClass.PERMANENT: "永久", RetentionClass.THIRTY_YEARS: "定期30年", RetentionClass.TEN_YEARS: "定期10年"}
# Years a period runs; 永久 has no end, and its original is locked a century at a time.
RETENTION_YEARS = {RetentionClass.PERMANENT: 100, RetentionClass.THIRTY_YEARS: 30, RetentionClass.TEN_YEARS: 10}


class Classification(StrEnum):
    """密级 (DA/T 46-2009 M27, the levels of GB/T 7156): the value is the Chinese term the standard uses."""

    PUBLIC = "公开"
    INTERNAL = "内部"
    CONFIDENTIAL = "秘密"
    SECRET = "机密"
    TOP_SECRET = "绝密"

ARCHIVE_NUMBER = re.compile(
    r"^(?P<fonds>[A-Z0-9]{1,10})-(?P<category>[A-Z]{1,4})·(?P<year>\d{4})"
    r"-(?P<retention>Y|D30|D10)-(?P<organisation>[A-Z0-9]{1,10})-(?P<item>\d{4})$"
)


@dataclass(frozen=True)
class ArchiveNumber:
    """档号: 全宗号-门类代码·年度-保管期限-机构代码-件号, e.g. Z001-WS·2022-D30-BGS-0006."""

    fonds: str
    category: str
    year: int
    retention: RetentionClass
    organisation: str
    item: int

    @classmethod
    def parse(cls, text: str) -> ArchiveNumber:
        match = ARCHIVE_NUMBER.match(text.strip())
        if not match:
            raise DomainError(
                "ARCHIVE_NUMBER_INVALID",
                f"档号“{text}”不符合 全宗号-门类代码·年度-保管期限(Y/D30/D10)-机构代码-件号(4位) 的结构，"
                "例如 Z001-WS·2022-D30-BGS-0006。",
                f"archive number {text!r} does not follow the DA/T 22 structure",
                Rule.R1,
            )
        parts = match.groupdict()
        return cls(parts["fonds"], parts["category"], int(parts["year"]), RetentionClass(parts["retention"]),
                   parts["organisation"], int(parts["item"]))

    def __str__(self) -> str:
        return f"{self.fonds}-{self.category}·{self.year:04d}-{self.retention.value}-{self.organisation}-{self.item:04d}"

    @property
    def series(self) -> tuple[str, str, int, RetentionClass, str]:
        """Items are numbered without gaps within one series (completeness 完整性)."""
        return (self.fonds, self.category, self.year, self.retention, self.organisation)


def original_id(archive_number: str) -> UUID:
    """One archival record per 档号: archiving the same number twice is refused."""
    return uuid5(NAMESPACE_URL, f"zwgk:archive:{archive_number}")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention_ends(doc_date: date, retention: RetentionClass) -> date | None:
    """The end of a period (R3): it runs from 1 January of the year after the document was formed; 永久 never ends."""
    if retention is RetentionClass.PERMANENT:
        return None
    return date(doc_date.year + 1 + RETENTION_YEARS[retention], 1, 1)


def lock_until(ends: date | None, today: date) -> date | None:
    """How long the store locks an original: to the end of its period, a century at a time when it has
    none; no lock when the period has already ended (the original is due for appraisal, R4)."""
    if ends is None:
        return _years_after(today, RETENTION_YEARS[RetentionClass.PERMANENT])
    return ends if ends > today else None


def _digest(value: str, length: int, name: str) -> str:
    digest = value.strip().lower()
    if len(digest) != length or any(c not in "0123456789abcdef" for c in digest):
        raise DomainError("DIGEST_INVALID", f"{name} 摘要格式错误。", f"{name} digest is malformed", Rule.R2)
    return digest


def linked_original(sha256: str, storage_key: str, rule: Rule) -> tuple[str, str]:
    """An archived original as another record links it: its SHA-256 and where it is stored."""
    digest = sha256.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise DomainError("SHA256_INVALID", "原件摘要须为 64 位十六进制 SHA-256。", "sha256 must be 64 hex digits", rule)
    if not storage_key.strip():
        raise DomainError("STORAGE_KEY_REQUIRED", "须给出原件的存储位置。", "a storage key is required", rule)
    return digest, storage_key.strip()


class AppraisalDecision(StrEnum):
    """到期鉴定 (R4): keep with a new period, or propose for destruction."""

    KEEP = "keep"
    DESTROY = "destroy"


class FixityOutcome(StrEnum):
    INTACT = "intact"
    CHANGED = "changed"
    MISSING = "missing"


@dataclass(frozen=True)
class FixityCheck:
    """What one re-hash of an original found, before it is recorded."""

    original_id: UUID
    outcome: FixityOutcome
    sha256_found: str
    sm3_found: str
    detail: str


class ArchivedOriginal(Record):
    """One original in the archive, with its DA/T 46 core metadata."""

    what_zh = "档案原件"
    context = "archive"
    class_version = 2  # of the state a snapshot keeps

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        """Snapshots taken before each original's destruction named its list and supervisors in the state
        (a destruction was then recorded whole, list and originals together)."""
        state["destroyed_under"] = None
        state["destruction_supervisors"] = []

    if TYPE_CHECKING:
        archive_number: str
        doc_number: str
        title: str
        responsible_unit: str
        doc_date: date
        doc_type: str
        retention: RetentionClass
        retention_ends: date | None
        retain_until: date | None
        classification: str
        pages: int | None
        media_type: str
        size: int
        sha256: str
        sm3: str
        storage_key: str
        version_id: str
        disclosure_id: UUID | None
        legal_hold: bool
        last_checked_at: datetime | None
        last_fixity: FixityOutcome | None
        appraisal: AppraisalDecision | None
        appraisers: list[str]
        destroyed: bool
        destroyed_under: UUID | None
        destruction_supervisors: list[str]
        location: str

    class Archived(Record.Created):
        """An original archived under retention lock, with its identity and digests (R1, D8)."""

        archive_number: str
        doc_number: str
        title: str
        responsible_unit: str
        doc_date: date
        doc_type: str
        retention: str
        retain_until: date | None
        media_type: str
        size: int
        sha256: str
        sm3: str
        storage_key: str
        version_id: str
        disclosure_id: UUID | None
        classification: str = ""
        pages: int | None = None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v2 records 密级 and 页数 (DA/T 46); earlier originals were archived without them."""
            state["classification"] = ""
            state["pages"] = None

        def apply(self, original: ArchivedOriginal) -> None:
            for field in ("archive_number", "doc_number", "title", "responsible_unit", "doc_date", "doc_type",
                          "retain_until", "media_type", "size", "sha256", "sm3", "storage_key", "version_id",
                          "disclosure_id", "classification", "pages"):
                setattr(original, field, getattr(self, field))
            original.retention = RetentionClass(self.retention)
            original.retention_ends = retention_ends(self.doc_date, original.retention)
            original.appraisal = None
            original.appraisers = []
            original.destroyed = False
            original.destroyed_under = None
            original.destruction_supervisors = []
            original.location = ""  # the store it was archived in
            original.legal_hold = False
            original.last_checked_at = None
            original.last_fixity = None

    class FixityChecked(Record.Event):
        """The original re-read and re-hashed: intact, changed or missing (R2)."""

        outcome: str
        sha256_found: str
        sm3_found: str
        detail: str

        def apply(self, original: ArchivedOriginal) -> None:
            original.last_fixity = FixityOutcome(self.outcome)
            original.last_checked_at = self.occurred_at

    class LegalHoldPlaced(Record.Event):
        """Held for reconsideration or litigation: not removable whatever its retention."""

        reason: str

        def apply(self, original: ArchivedOriginal) -> None:
            original.legal_hold = True

    class LegalHoldReleased(Record.Event):
        reason: str

        def apply(self, original: ArchivedOriginal) -> None:
            original.legal_hold = False

    class Appraised(Record.Event):
        """到期鉴定 (R4): kept with a new period counted from the appraisal's year and a new lock, or proposed
        for destruction; with the appraisers' reasons."""

        decision: str
        reasons: str
        appraisers: list[str]
        retention: str
        retention_ends: date | None
        retain_until: date | None

        def apply(self, original: ArchivedOriginal) -> None:
            original.appraisal = AppraisalDecision(self.decision)
            original.appraisers = list(self.appraisers)
            if original.appraisal is AppraisalDecision.KEEP:
                original.retention = RetentionClass(self.retention)
                original.retention_ends = self.retention_ends
                original.retain_until = self.retain_until

    class Destroyed(Record.Event):
        """The original's bytes deleted from the store under a destruction list approved by the agency's head,
        supervised by at least two people (R5); its record and digests stay."""

        destruction_list_id: UUID
        approved_by: str
        supervisors: list[str]
        sha256: str
        sm3: str

        def apply(self, original: ArchivedOriginal) -> None:
            original.destroyed = True
            original.destroyed_under = self.destruction_list_id
            original.destruction_supervisors = list(self.supervisors)

    class Migrated(Record.Event):
        """Copied to another store (PREMIS migration), both digests verified on arrival; read from there on."""

        from_store: str
        to_store: str
        storage_key: str
        version_id: str

        def apply(self, original: ArchivedOriginal) -> None:
            original.storage_key = self.storage_key
            original.version_id = self.version_id
            original.location = self.to_store

    @classmethod
    def archive(
        cls,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        archive_number: str,
        doc_number: str,
        title: str,
        responsible_unit: str,
        doc_date: date | None,
        doc_type: str,
        retention: str,
        retain_until: date | None,
        classification: str,
        pages: int | None,
        media_type: str,
        size: int,
        sha256: str,
        sm3: str,
        storage_key: str,
        version_id: str,
        disclosure_id: UUID | None = None,
    ) -> ArchivedOriginal:
        """Record an original already stored, locked until `retain_until` (None: stored unlocked, its period over)."""
        actor.require(Role.ARCHIVIST, Rule.R1)
        number = cls.check_metadata(archive_number, title, responsible_unit, retention, doc_date, classification, pages)
        if size < 0 or not storage_key or not version_id:
            raise DomainError("STORAGE_RECEIPT_INVALID", "存储回执不完整。", "storage receipt incomplete", Rule.R2)
        return cls._open(
            cls.Archived,
            id=original_id(str(number)),
            actor=actor,
            occurred_at=occurred_at,
            archive_number=str(number),
            doc_number=doc_number.strip(),
            title=title.strip(),
            responsible_unit=responsible_unit.strip(),
            doc_date=doc_date,
            doc_type=doc_type.strip(),
            retention=number.retention.value,
            retain_until=retain_until,
            classification=classification,
            pages=pages,
            media_type=media_type,
            size=size,
            sha256=_digest(sha256, 64, "SHA-256"),
            sm3=_digest(sm3, 64, "SM3"),
            storage_key=storage_key,
            version_id=version_id,
            disclosure_id=disclosure_id,
        )

    @staticmethod
    def check_metadata(archive_number: str, title: str, responsible_unit: str, retention: str, doc_date: date | None,
                       classification: str, pages: int | None) -> ArchiveNumber:
        """What can be refused before a byte is stored."""
        number = ArchiveNumber.parse(archive_number)
        try:
            retention_class = RetentionClass(retention)
        except ValueError:
            raise DomainError(
                "RETENTION_CLASS_INVALID", "保管期限须为 Y（永久）、D30（定期30年）或 D10（定期10年）。",
                f"unknown retention class {retention!r}", Rule.R2,
            ) from None
        if retention_class is not number.retention:
            raise DomainError(
                "RETENTION_MISMATCH", f"档号中的保管期限 {number.retention.value} 与所填 {retention} 不一致。",
                "the archive number's retention code differs from the retention class", Rule.R1,
            )
        missing = [zh for zh, value in (("题名", title), ("责任者", responsible_unit)) if not value.strip()]
        if missing:
            raise DomainError(
                "ARCHIVE_METADATA_MISSING", "缺少必备元数据：" + "、".join(missing),
                f"missing metadata: {missing}", Rule.R1,
            )
        if doc_date is None:
            raise DomainError(
                "DOC_DATE_REQUIRED", "须填写文件形成日期：保管期限自文件形成年度的次年1月1日起算。",
                "the document's date is required: retention runs from the year after it", Rule.R3,
            )
        if doc_date.year != number.year:
            raise DomainError(
                "DOC_DATE_YEAR_MISMATCH", f"文件日期 {doc_date.isoformat()} 与档号中的年度 {number.year} 不一致。",
                f"document date {doc_date} is not in the archive number's year {number.year}", Rule.R3,
            )
        if classification not in set(Classification):
            raise DomainError(
                "CLASSIFICATION_INVALID", "密级须为 " + "、".join(Classification) + " 之一。",
                f"unknown classification {classification!r}", Rule.R1,
            )
        if pages is not None and pages < 1:
            raise DomainError("PAGES_INVALID", "页数须为正整数。", f"pages must be positive, not {pages}", Rule.R1)
        return number

    def due_for_appraisal(self, today: date) -> bool:
        """Its period has ended and no appraisal has kept it longer (R4)."""
        return self.retention_ends is not None and self.retention_ends <= today

    def appraise(self, *, actor: Actor, occurred_at: datetime | None, today: date, decision: str, reasons: str,
                 appraisers: list[str], retention: str = "") -> None:
        """到期鉴定 (R4): only an original whose period has ended; never destroy what is on legal hold."""
        actor.require(Role.ARCHIVIST, Rule.R4)
        if self.destroyed:
            raise DomainError("ORIGINAL_DESTROYED", f"原件 {self.archive_number} 已销毁。", "the original was destroyed",
                              Rule.R5)
        if not self.due_for_appraisal(today):
            raise DomainError(
                "NOT_DUE_FOR_APPRAISAL", f"原件 {self.archive_number} 的保管期限尚未届满（{self.retention_ends or '永久'}），不能鉴定。",
                f"{self.archive_number} is not due for appraisal", Rule.R4)
        try:
            chosen = AppraisalDecision(decision)
        except ValueError:
            raise DomainError("APPRAISAL_DECISION_INVALID", "鉴定结论须为 keep（继续保存）或 destroy（销毁）。",
                              f"unknown decision {decision!r}", Rule.R4) from None
        named = [a.strip() for a in appraisers if a.strip()]
        if not reasons.strip() or not named:
            raise DomainError("APPRAISAL_INCOMPLETE", "鉴定须写明理由并列出鉴定人。", "an appraisal needs reasons and appraisers", Rule.R4)
        if chosen is AppraisalDecision.DESTROY and self.legal_hold:
            raise DomainError("ON_LEGAL_HOLD", f"原件 {self.archive_number} 处于法律保全中，不能鉴定为销毁。",
                              "an original on legal hold is not appraised for destruction", Rule.R4)
        ends: date | None = None
        lock: date | None = None
        kept = ""
        if chosen is AppraisalDecision.KEEP:
            try:
                kept = RetentionClass(retention).value
            except ValueError:
                raise DomainError("RETENTION_CLASS_INVALID", "继续保存须给出新的保管期限：Y、D30 或 D10。",
                                  f"keeping needs a retention class, not {retention!r}", Rule.R4) from None
            ends = retention_ends(today, RetentionClass(kept))
            lock = lock_until(ends, today)
        self._record(self.Appraised, actor=actor, occurred_at=occurred_at, decision=chosen.value, reasons=reasons.strip(),
                     appraisers=named, retention=kept, retention_ends=ends, retain_until=lock)

    def destroy(self, *, actor: Actor, occurred_at: datetime | None, destruction_list: DestructionList,
                supervisors: list[str]) -> None:
        """Record that the bytes are gone, as soon as they are, under the approved list that names the original
        and the supervisors of that moment (R5): a destruction the store stops half-way leaves each original
        destroyed so far recorded as such."""
        named = destruction_list.check_destruction(actor, supervisors)
        if self.archive_number not in destruction_list.archive_numbers:
            raise DomainError("NOT_ON_DESTRUCTION_LIST", f"原件 {self.archive_number} 不在该销毁清册中。",
                              f"{self.archive_number} is not on the destruction list", Rule.R5)
        if self.destroyed:
            raise DomainError("ORIGINAL_DESTROYED", f"原件 {self.archive_number} 已销毁。", "the original was destroyed",
                              Rule.R5)
        self.check_not_held()
        self._record(self.Destroyed, actor=actor, occurred_at=occurred_at, destruction_list_id=destruction_list.id,
                     approved_by=destruction_list.approved_by or "", supervisors=named, sha256=self.sha256, sm3=self.sm3)

    def check_not_held(self) -> None:
        """Nothing on legal hold is ever destroyed (R5)."""
        if self.legal_hold:
            raise DomainError("ON_LEGAL_HOLD", f"原件 {self.archive_number} 处于法律保全中，不得销毁。",
                              "an original on legal hold is never destroyed", Rule.R5)

    def migrate(self, *, actor: Actor, from_store: str, to_store: str, storage_key: str, version_id: str, size: int, sha256: str,
                sm3: str) -> None:
        """Record a copy in another store, refused unless what arrived is what was archived (R2)."""
        actor.require(Role.ARCHIVIST, Rule.R2)
        if (size, sha256, sm3) != (self.size, self.sha256, self.sm3):
            raise DomainError("MIGRATION_DIGEST_MISMATCH", f"原件 {self.archive_number} 迁移后的摘要与存档时不符，未记录迁移。",
                              f"{self.archive_number} arrived with other digests", Rule.R2)
        self._record(self.Migrated, actor=actor, occurred_at=None, from_store=from_store, to_store=to_store,
                     storage_key=storage_key, version_id=version_id)

    def record_fixity(self, *, actor: Actor, outcome: FixityOutcome, sha256_found: str, sm3_found: str, detail: str) -> None:
        self._record(self.FixityChecked, actor=actor, occurred_at=None, outcome=outcome.value,
                     sha256_found=sha256_found, sm3_found=sm3_found, detail=detail)

    def place_hold(self, *, actor: Actor, occurred_at: datetime | None, reason: str) -> None:
        actor.require(Role.ARCHIVIST, Rule.R2)
        if self.legal_hold:
            raise DomainError("ALREADY_ON_HOLD", "该原件已处于法律保全状态。", "already under legal hold", Rule.R2)
        if not reason.strip():
            raise DomainError("HOLD_REASON_REQUIRED", "法律保全须写明原因（如行政复议、诉讼）。", "a legal hold needs a reason", Rule.R2)
        self._record(self.LegalHoldPlaced, actor=actor, occurred_at=occurred_at, reason=reason.strip())

    def release_hold(self, *, actor: Actor, occurred_at: datetime | None, reason: str) -> None:
        actor.require(Role.ARCHIVIST, Rule.R2)
        if not self.legal_hold:
            raise DomainError("NOT_ON_HOLD", "该原件未处于法律保全状态。", "not under legal hold", Rule.R2)
        if not reason.strip():
            raise DomainError("HOLD_REASON_REQUIRED", "解除保全须写明原因。", "a release needs a reason", Rule.R2)
        self._record(self.LegalHoldReleased, actor=actor, occurred_at=occurred_at, reason=reason.strip())


class DestructionList(Record):
    """销毁清册 (R5): the originals appraised for destruction, approved by the agency's head, destroyed under
    the supervision of at least two people who appraised none of them. Kept permanently: never destroyed."""

    what_zh = "销毁清册"
    context = "archive"

    if TYPE_CHECKING:
        unit: str
        archive_numbers: list[str]
        appraisers: list[str]
        approved_by: str | None
        supervisors: list[str]
        carried_out: bool

    class Drafted(Record.Created):
        """The list, by the agency keeping the archive (the archivist's unit), with each original's appraisers."""

        unit: str
        title: str
        archive_numbers: list[str]
        appraisers: list[str]

        def apply(self, listed: DestructionList) -> None:
            listed.unit = self.unit
            listed.archive_numbers = list(self.archive_numbers)
            listed.appraisers = list(self.appraisers)
            listed.approved_by = None
            listed.supervisors = []
            listed.carried_out = False

    class Approved(Record.Event):
        """Approved by the agency's head 机关负责人."""

        comment: str

        def apply(self, listed: DestructionList) -> None:
            listed.approved_by = self.actor.id

    class CarriedOut(Record.Event):
        """What was destroyed, by whom (the actor), supervised by whom, with each original's digests."""

        supervisors: list[str]
        destroyed: list[dict[str, str]]

        def apply(self, listed: DestructionList) -> None:
            listed.supervisors = list(self.supervisors)
            listed.carried_out = True

    @classmethod
    def draft(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, title: str,  # noqa: A002
              originals: list[ArchivedOriginal], listed_elsewhere: set[str]) -> DestructionList:
        actor.require(Role.ARCHIVIST, Rule.R5)
        if not originals or not title.strip():
            raise DomainError("DESTRUCTION_LIST_EMPTY", "销毁清册须有题名并至少列入一件原件。",
                              "a destruction list needs a title and originals", Rule.R5)
        for original in originals:
            if original.appraisal is not AppraisalDecision.DESTROY or original.destroyed:
                raise DomainError(
                    "NOT_APPRAISED_FOR_DESTRUCTION", f"原件 {original.archive_number} 未经鉴定为销毁，不能列入销毁清册。",
                    f"{original.archive_number} was not appraised for destruction", Rule.R5)
            if original.legal_hold:
                raise DomainError("ON_LEGAL_HOLD", f"原件 {original.archive_number} 处于法律保全中，不能列入销毁清册。",
                                  f"{original.archive_number} is on legal hold", Rule.R5)
            if original.archive_number in listed_elsewhere:
                raise DomainError("ALREADY_LISTED", f"原件 {original.archive_number} 已列入另一份销毁清册。",
                                  f"{original.archive_number} is on another destruction list", Rule.R5)
        numbers = [o.archive_number for o in originals]
        if len(set(numbers)) != len(numbers):
            raise DomainError("DUPLICATE_ORIGINALS", "同一原件在清册中出现了两次。", "an original is listed twice", Rule.R5)
        appraisers = sorted({a for o in originals for a in o.appraisers})
        return cls._open(cls.Drafted, id=id, actor=actor, occurred_at=occurred_at, unit=actor.unit, title=title.strip(),
                         archive_numbers=numbers, appraisers=appraisers)

    def approve(self, *, actor: Actor, occurred_at: datetime | None, comment: str) -> None:
        actor.require(Role.AGENCY_HEAD, Rule.R5)
        if self.approved_by is not None:
            raise DomainError("ALREADY_APPROVED", "该销毁清册已经批准。", "the destruction list is already approved", Rule.R5)
        self._record(self.Approved, actor=actor, occurred_at=occurred_at, comment=comment.strip())

    def check_destruction(self, actor: Actor, supervisors: list[str]) -> list[str]:
        """Who supervises, once refused what must be refused before a byte is deleted."""
        actor.require(Role.ARCHIVIST, Rule.R5)
        if self.approved_by is None:
            raise DomainError("NOT_APPROVED", "销毁清册未经机关负责人批准，不得销毁。", "the list is not approved by the agency's head",
                              Rule.R5)
        if self.carried_out:
            raise DomainError("ALREADY_DESTROYED", "该销毁清册已执行。", "the list was carried out", Rule.R5)
        named = sorted({s.strip() for s in supervisors if s.strip()})
        if len(named) < 2:
            raise DomainError("SUPERVISORS_REQUIRED", "销毁须有两名以上监销人。", "destruction needs at least two supervisors", Rule.R5)
        appraising = sorted(set(named) & set(self.appraisers))
        if appraising:
            raise DomainError("SUPERVISOR_WAS_APPRAISER", f"监销人不得是鉴定人：{'、'.join(appraising)}。",
                              f"supervisors who appraised: {appraising}", Rule.R5)
        return named

    def carry_out(self, *, actor: Actor, occurred_at: datetime | None, destroyed: list[ArchivedOriginal]) -> None:
        """The list carried out once every original on it is destroyed, under whoever supervised each of them
        (a destruction the store stopped half-way is finished later, perhaps under other supervisors)."""
        left = [o.archive_number for o in destroyed if not (o.destroyed and o.destroyed_under == self.id)]
        if left or sorted(o.archive_number for o in destroyed) != sorted(self.archive_numbers):
            raise DomainError("DESTRUCTION_UNFINISHED", "清册中尚有原件未销毁：" + "、".join(left),
                              f"originals on the list not yet destroyed: {left}", Rule.R5)
        supervisors = sorted({s for o in destroyed for s in o.destruction_supervisors})
        self.check_destruction(actor, supervisors)
        self._record(self.CarriedOut, actor=actor, occurred_at=occurred_at, supervisors=supervisors, destroyed=[
            {"archive_number": o.archive_number, "title": o.title, "sha256": o.sha256, "sm3": o.sm3, "size": str(o.size),
             "storage_key": o.storage_key} for o in destroyed])

"""Data subjects 数据主体 (rule Q3): where their personal data is held, and its erasure 个人信息删除.

Forgetting a subject's key makes their sealed data unreadable everywhere; recording the
erasure as an event lets inspectors see who erased whose data, when and on what legal
basis, in the same audit trail as every other act. The bases are those of the Personal
Information Protection Law 个人信息保护法, article 47.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from zwgk.domain.actors import Actor
from zwgk.domain.commands import Command, Context, Opens, Outcome
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.privacy import SealedValue, require_complaints_office
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule


class ErasureBasis(StrEnum):
    """Why personal data may be erased (个人信息保护法第四十七条)."""

    PURPOSE_FULFILLED = "purpose_fulfilled"
    RETENTION_EXPIRED = "retention_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    UNLAWFUL_PROCESSING = "unlawful_processing"
    OTHER_LEGAL_GROUND = "other_legal_ground"


ERASURE_BASIS_ZH = {
    ErasureBasis.PURPOSE_FULFILLED: "处理目的已实现、无法实现或者不再必要",
    ErasureBasis.RETENTION_EXPIRED: "保存期限已届满",
    ErasureBasis.CONSENT_WITHDRAWN: "个人撤回同意",
    ErasureBasis.UNLAWFUL_PROCESSING: "违反法律、行政法规或者约定处理",
    ErasureBasis.OTHER_LEGAL_GROUND: "法律、行政法规规定的其他情形",
}


class SubjectKind(StrEnum):
    """The roles in which members of the public give personal data."""

    COMPLAINANT = "complainant"
    APPLICANT = "applicant"
    COMMENTER = "commenter"
    HEARING_PARTICIPANT = "hearing-participant"
    OPEN_DAY_PARTICIPANT = "open-day-participant"

    def subject(self, key: UUID) -> str:
        """The pseudonymous id of a data subject, as their sealed values carry it: the kind, then a UUID."""
        return f"{self.value}-{key}"


SUBJECT_KINDS_ZH = {
    SubjectKind.COMPLAINANT: "投诉人",
    SubjectKind.APPLICANT: "申请人",
    SubjectKind.COMMENTER: "意见提出人",
    SubjectKind.HEARING_PARTICIPANT: "听证参加人",
    SubjectKind.OPEN_DAY_PARTICIPANT: "开放日参加代表",
}


def data_subject_id(subject_id: str) -> UUID:
    """One record per data subject, found again from the pseudonymous id their sealed values carry."""
    return uuid5(NAMESPACE_URL, f"zwgk:data-subject:{subject_id}")


class DataSubject(Record):
    """A data subject 数据主体 whose personal data has been erased."""

    what_zh = "数据主体"
    context = "privacy"

    if TYPE_CHECKING:
        subject_id: str
        key_id: str

    class Erased(Record.Created):
        """A data subject's key erased: every value sealed with it, in the records named, is unreadable from now on."""

        subject_id: str
        key_id: str
        basis: str
        note: str
        records: list[UUID]

        def apply(self, subject: DataSubject) -> None:
            subject.subject_id = self.subject_id
            subject.key_id = self.key_id

    @classmethod
    def erase(
        cls, *, actor: Actor, occurred_at: datetime | None, subject_id: str, key_id: str, basis: str, note: str,
        records: Sequence[UUID],
    ) -> DataSubject:
        require_complaints_office(actor)
        checked = choice(ErasureBasis, basis, "ERASURE_BASIS_INVALID", "删除个人信息须写明法定事由", Rule.Q3)
        if checked is ErasureBasis.OTHER_LEGAL_GROUND and not note.strip():
            raise DomainError("ERASURE_BASIS_UNSTATED", "以“其他法定情形”删除个人信息，须在说明中写明所依据的法律法规。",
                              "erasure on another legal ground names that ground in the note", Rule.Q3)
        return cls._open(cls.Erased, id=data_subject_id(subject_id), actor=actor, occurred_at=occurred_at,
                         subject_id=subject_id, key_id=key_id, basis=checked.value, note=note.strip(), records=list(records))


@dataclass(frozen=True)
class PersonalDataPlace:
    """One field of one record that holds a subject's sealed data."""

    record_type: str
    record_id: UUID
    field: str
    recorded_at: datetime


@dataclass
class PersonalDataHeld:
    """Where one data subject's personal data is held 个人信息清单, and whether it is erased."""

    subject_id: str
    places: list[PersonalDataPlace] = field(default_factory=list)
    erased: DataSubject.Erased | None = None
    readable: bool = False  # the subject's key still exists

    @property
    def kind(self) -> str:
        return self.subject_id.rsplit("-", 5)[0]  # a UUID has five groups


def _records(base: type[Record]) -> Iterator[type[Record]]:
    for record in base.__subclasses__():
        yield record
        yield from _records(record)


def personal_data_fields() -> dict[type[Record.Event], tuple[str, ...]]:
    """Every event type that carries sealed personal data, with the fields that do."""
    found = {}
    for record in _records(Record):
        for event in vars(record).values():
            if isinstance(event, type) and issubclass(event, Record.Event):
                hints = typing.get_type_hints(event)
                sealed = tuple(name for name, hint in hints.items() if hint in (SealedValue, list[SealedValue]))
                if sealed:
                    found[event] = sealed
    return found


def sealed_values(event: Record.Event, name: str) -> list[SealedValue]:
    value = getattr(event, name)
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(Command, name="erase_personal_data", summary_zh="删除数据主体的个人信息（销毁其密钥）"):
    """The erasure is recorded before the key is forgotten: a crash between the two leaves a recorded
    erasure whose key still exists, and erasing again finishes it. The other order could lose the
    record of who erased the data, which nothing could bring back."""

    subject_id: str
    """the data subject, e.g. complainant-<complaint id>, applicant-<request id>"""
    basis: ErasureBasis
    """PIPL art. 47"""
    note: str = ""
    """required with other_legal_ground: the law relied on; never personal data (it is not sealed)"""

    def handle(self, ctx: Context) -> Outcome:
        ledger, keys = ctx.ledger, ctx.ledger.keys
        key = keys.find(self.subject_id)
        record_id = data_subject_id(self.subject_id)
        if ledger.exists(record_id):
            if key is None:
                raise DomainError("SUBJECT_ALREADY_ERASED", f"数据主体 {self.subject_id} 的个人信息已删除。",
                                  f"data subject {self.subject_id} is already erased", Rule.Q3)
            require_complaints_office(ctx.actor)
            keys.forget(self.subject_id)
            (recorded,) = (n for n in ledger.notifications(topics=[get_topic(DataSubject.Erased)]) if n.originator_id == record_id)
            return Outcome(record_id, recorded.originator_version, recorded.id)
        if key is None:
            raise DomainError("SUBJECT_UNKNOWN", f"没有数据主体 {self.subject_id} 的密钥。",
                              f"no key for data subject {self.subject_id}", Rule.Q3)
        records = dict.fromkeys(place.record_id for subject, place in ledger.personal_data_places() if subject == self.subject_id)
        outcome = ledger.record(DataSubject.erase(**ctx.at(), **self.args(), key_id=key.key_id, records=list(records)))
        keys.forget(self.subject_id)
        return outcome


class PersonalDataReading(Record):
    """A read of sealed personal data 个人信息查阅记录 (Q3; PIPL): who read whose data, in which record and
    field, and for what stated purpose. The plaintext is shown only once this is recorded."""

    what_zh = "个人信息查阅记录"
    context = "privacy"

    if TYPE_CHECKING:
        subject_id: str

    class Read(Record.Created):
        subject_id: str
        record_id: UUID
        record_type: str
        field: str
        purpose: str

        def apply(self, reading: PersonalDataReading) -> None:
            reading.subject_id = self.subject_id

    @classmethod
    def read(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, sealed: SealedValue,  # noqa: A002
             record_id: UUID, record_type: str, field: str, purpose: str) -> PersonalDataReading:
        require_complaints_office(actor)
        if len(purpose.strip()) < 4:
            raise DomainError("PURPOSE_REQUIRED", "查阅个人信息须写明查阅目的（至少 4 个字）。",
                              "reading personal data states its purpose", Rule.Q3)
        return cls._open(cls.Read, id=id, actor=actor, occurred_at=occurred_at, subject_id=sealed.subject_id, record_id=record_id,
                         record_type=record_type, field=field, purpose=purpose.strip())


@dataclass(frozen=True, kw_only=True)
class ReadPersonalData(Opens[PersonalDataReading], name="read_personal_data", summary_zh="查阅个人信息（记录查阅人、对象、字段与目的）"):
    """Recorded before the value is shown: a read that could not be recorded shows nothing."""

    opens = PersonalDataReading.read
    record_id: UUID
    """the record holding the sealed value, e.g. a complaint"""
    field: str
    """the sealed field, e.g. complainant_name"""
    purpose: str
    """why it is read (recorded as stated; never write personal data here)"""

    def open(self, new_id: UUID, ctx: Context) -> PersonalDataReading:
        record_type, sealed = ctx.ledger.sealed_field(self.record_id, self.field)
        return PersonalDataReading.read(id=new_id, **ctx.at(), sealed=sealed, record_type=record_type, **self.args())

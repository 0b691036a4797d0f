"""Erasure of a data subject's personal data 个人信息删除 (rule Q3).

Forgetting a subject's key makes their sealed data unreadable everywhere; recording the
erasure as an event lets inspectors see who erased whose data, when and on what legal
basis, in the same audit trail as every other act. The bases are those of the Personal
Information Protection Law 个人信息保护法, article 47.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.privacy import require_complaints_office
from zwgk.domain.records import Record


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

def data_subject_id(subject_id: str) -> UUID:
    """One record per data subject, found again from the pseudonymous id their sealed values carry."""
    return uuid5(NAMESPACE_URL, f"zwgk:data-subject:{subject_id}")


class DataSubject(Record):
    """A data subject 数据主体 whose personal data has been erased."""

    what_zh = "数据主体"

    class Erased(Record.Created):
        """A data subject's key erased: every value sealed with it is unreadable from now on."""

        subject_id: str
        key_id: str
        basis: str
        note: str

        def apply(self, subject: DataSubject) -> None:
            subject.subject_id = self.subject_id
            subject.key_id = self.key_id

    @classmethod
    def erase(
        cls, *, actor: Actor, occurred_at: datetime | None, subject_id: str, key_id: str, basis: str, note: str
    ) -> DataSubject:
        require_complaints_office(actor)
        checked = choice(ErasureBasis, basis, "ERASURE_BASIS_INVALID", "删除个人信息须写明法定事由", "Q3")
        if checked is ErasureBasis.OTHER_LEGAL_GROUND and not note.strip():
            raise DomainError("ERASURE_BASIS_UNSTATED", "以“其他法定情形”删除个人信息，须在说明中写明所依据的法律法规。",
                              "erasure on another legal ground names that ground in the note", "Q3")
        return cls._open(cls.Erased, id=data_subject_id(subject_id), actor=actor, occurred_at=occurred_at,
                         subject_id=subject_id, key_id=key_id, basis=checked.value, note=note.strip())

"""Personal data 个人信息 (rule Q3): sealed per data subject, so that the log stays immutable
and verifiable while a subject's data can be made unreadable everywhere (crypto-shredding).

Each data subject (a complainant, an applicant, a commenter) has its own AES-256-GCM key
in a key store that is not the event store. Events carry only sealed values: the
subject's pseudonymous id, the key id, a nonce and the ciphertext, bound to the field
they belong to. Erasing the key erases the data: events, hashes, Kafka copies and
exports stay as they are, and can no longer be read.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zwgk.domain.actors import Actor, Role
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule

REDACTED = "［保密］"  # shown in place of a sealed value in lists and views
ERASED = "［已删除］"  # shown once the subject's key is forgotten


@dataclass(frozen=True)
class SubjectKey:
    subject_id: str
    key_id: str
    key: bytes


@dataclass(frozen=True)
class SealedValue:
    """A personal field as the ledger stores it: unreadable without its subject's key."""

    subject_id: str
    key_id: str
    nonce: str  # base64
    ciphertext: str  # base64, AES-GCM with the tag


class KeyStore(Protocol):
    """Where subjects' keys live: never the event store."""

    def key_for(self, subject_id: str) -> SubjectKey:
        """The subject's key, made on first use; a new key is kept only once `keep_new` is called."""

    def keep_new(self) -> None:
        """Store the keys made by the command now being recorded (called just before its events are saved)."""

    def discard_new(self) -> None:
        """Forget the keys made by a command that was refused: no key outlives a command that recorded nothing."""

    def find(self, subject_id: str) -> SubjectKey | None:
        """The subject's key, or None once forgotten."""

    def forget(self, subject_id: str) -> bool:
        """Erase the key; True if there was one."""


def _aad(subject_id: str, field: str) -> bytes:
    return f"zwgk:{subject_id}:{field}".encode()


def seal(key: SubjectKey, field: str, plaintext: str) -> SealedValue:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key.key).encrypt(nonce, plaintext.encode(), _aad(key.subject_id, field))
    return SealedValue(key.subject_id, key.key_id, base64.b64encode(nonce).decode(), base64.b64encode(ciphertext).decode())


def unseal(keys: KeyStore, field: str, sealed: SealedValue) -> str:
    """The plaintext, or the erasure marker when the subject has been forgotten."""
    key = keys.find(sealed.subject_id)
    if key is None or key.key_id != sealed.key_id:
        return ERASED
    try:
        return AESGCM(key.key).decrypt(
            base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), _aad(sealed.subject_id, field)
        ).decode()
    except (InvalidTag, ValueError):
        return ERASED


def require_complaints_office(actor: Actor) -> None:
    if actor.role != Role.COMPLAINTS_OFFICE:
        raise DomainError(
            "PERSONAL_DATA_RESTRICTED", "投诉人身份及姓名保密，只有投诉受理机构可以处理。",
            "only the complaints office handles complainants' identities", Rule.Q3,
        )

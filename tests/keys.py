"""Data subjects' keys in memory, for unit tests of the pure domain (no key database)."""

from __future__ import annotations

import os
from uuid import uuid4

from zwgk.domain.privacy import SubjectKey


class KeysInMemory:
    """Each subject's key made on first use and kept as made: these tests are not about refused commands' keys."""

    def __init__(self) -> None:
        self.keys: dict[str, SubjectKey] = {}

    def key_for(self, subject_id: str) -> SubjectKey:
        return self.keys.setdefault(subject_id, SubjectKey(subject_id, uuid4().hex, os.urandom(32)))

    def find(self, subject_id: str) -> SubjectKey | None:
        return self.keys.get(subject_id)

    def forget(self, subject_id: str) -> bool:
        return self.keys.pop(subject_id, None) is not None

    def keep_new(self) -> None:
        """Kept as made."""

    def discard_new(self) -> None:
        """Kept as made."""

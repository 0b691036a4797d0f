"""Data subjects' keys 密钥库, in their own database (never the event store): SQLite by
default (`var/keys.sqlite3`, secure_delete on, so an erased key is overwritten on disk),
PostgreSQL by `ZWGK_KEYSTORE_URL`."""

from __future__ import annotations

import os
import threading
from uuid import uuid4

from zwgk.domain.privacy import SubjectKey
from zwgk.projections.store import ViewStore

TABLE = """CREATE TABLE IF NOT EXISTS subject_keys (
    subject_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, key_hex TEXT NOT NULL)"""


class SqlKeyStore:
    def __init__(self, url: str) -> None:
        self.new = threading.local()  # per thread: the service runs commands side by side
        self.store = ViewStore(url)
        if not self.store.postgres:
            self.store.connection.execute("PRAGMA secure_delete = ON")
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def _made(self) -> dict[str, SubjectKey]:
        if not hasattr(self.new, "keys"):
            self.new.keys = {}
        made: dict[str, SubjectKey] = self.new.keys
        return made

    def key_for(self, subject_id: str) -> SubjectKey:
        existing = self.find(subject_id)
        if existing:
            return existing
        key = self._made()[subject_id] = SubjectKey(subject_id, uuid4().hex, os.urandom(32))
        return key

    def keep_new(self) -> None:
        made = self._made()
        if made:
            with self.store.transaction() as tx:
                tx.executemany("INSERT INTO subject_keys (subject_id, key_id, key_hex) VALUES (?, ?, ?)",
                               [(k.subject_id, k.key_id, k.key.hex()) for k in made.values()])
            made.clear()

    def discard_new(self) -> None:
        self._made().clear()

    def find(self, subject_id: str) -> SubjectKey | None:
        if subject_id in self._made():
            return self._made()[subject_id]
        with self.store.transaction() as tx:
            row = tx.one("SELECT key_id, key_hex FROM subject_keys WHERE subject_id = ?", (subject_id,))
        return SubjectKey(subject_id, row[0], bytes.fromhex(row[1])) if row else None

    def forget(self, subject_id: str) -> bool:
        with self.store.transaction() as tx:
            gone = tx.execute("DELETE FROM subject_keys WHERE subject_id = ?", (subject_id,)).cursor.rowcount
        return bool(gone)

    def close(self) -> None:
        self.store.close()

"""Idempotency keys 幂等键: a request retried with the same `Idempotency-Key` gets the first answer
and records nothing twice, across restarts and servers (the keys live in the shared database).

A key is claimed before the command runs; a second request with it while the first is still
running is told so (409) rather than run again. Keys are per caller: two people's keys never meet.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from zwgk.projections.store import ViewStore

TABLE = """CREATE TABLE IF NOT EXISTS idempotency_keys (
    caller TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_sha256 TEXT NOT NULL, status INTEGER,
    answer TEXT, created_at TEXT NOT NULL, PRIMARY KEY (caller, idempotency_key))"""


def request_digest(*parts: Any) -> str:
    """What the request asked, canonically: the same key with another request is a mistake, not a retry."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Claimed:
    """The key's first request: its digest and, once answered, its answer."""

    request_sha256: str
    status: int | None
    answer: dict[str, Any] | None


class IdempotencyKeys:
    def __init__(self, url: str) -> None:
        self.store = ViewStore(url)
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def claim(self, caller: str, key: str, digest: str) -> Claimed | None:
        """None when this request is the key's first (the key is now claimed); else the first's state."""
        with self.store.transaction() as tx:
            row = tx.one("SELECT request_sha256, status, answer FROM idempotency_keys WHERE caller = ? AND idempotency_key = ?",
                         (caller, key))
            if row is None:
                inserted = tx.execute(
                    "INSERT INTO idempotency_keys (caller, idempotency_key, request_sha256, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING", (caller, key, digest, datetime.now(UTC).isoformat())).cursor.rowcount
                if inserted:
                    return None
                row = tx.single("SELECT request_sha256, status, answer FROM idempotency_keys WHERE caller = ? AND idempotency_key = ?",
                                (caller, key))
        return Claimed(row[0], row[1], json.loads(row[2]) if row[2] else None)

    def answer(self, caller: str, key: str, status: int, answer: dict[str, Any]) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE idempotency_keys SET status = ?, answer = ? WHERE caller = ? AND idempotency_key = ?",
                       (status, json.dumps(answer, ensure_ascii=False), caller, key))

    def close(self) -> None:
        self.store.close()

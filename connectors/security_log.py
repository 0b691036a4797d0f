"""The security log 安全审计日志: sign-in failures, locked accounts, refusals for role or unit, use of a
revoked or unknown token. Kept apart from the business views, in the secrets database, and read by
the security auditor 安全审计员 only (GB/T 22239-2019 level 3: security audit)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from zwgk.projections.store import ViewStore

TABLE = """CREATE TABLE IF NOT EXISTS security_log (
    entry_id TEXT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
    unit TEXT NOT NULL, detail TEXT NOT NULL, request_id TEXT NOT NULL, remote TEXT NOT NULL)"""


class SecurityEvent(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ACCOUNT_LOCKED = "account_locked"
    CREDENTIALS_INVALID = "credentials_invalid"
    TOKEN_REVOKED_USED = "token_revoked_used"
    TOKEN_EXPIRED_USED = "token_expired_used"
    ACCOUNT_DISABLED_USED = "account_disabled_used"
    ACCESS_REFUSED = "access_refused"


KINDS_ZH = {
    SecurityEvent.SIGNED_IN: "登录成功",
    SecurityEvent.SIGN_IN_FAILED: "登录失败",
    SecurityEvent.ACCOUNT_LOCKED: "多次登录失败，账户已暂时锁定",
    SecurityEvent.CREDENTIALS_INVALID: "凭据无效",
    SecurityEvent.TOKEN_REVOKED_USED: "使用已吊销的令牌",
    SecurityEvent.TOKEN_EXPIRED_USED: "使用已过期的令牌",
    SecurityEvent.ACCOUNT_DISABLED_USED: "已停用账户试图访问",
    SecurityEvent.ACCESS_REFUSED: "越权访问被拒绝",
}


@dataclass(frozen=True)
class SecurityEntry:
    entry_id: str
    at: str
    kind: str
    user_id: str
    role: str
    unit: str
    detail: str
    request_id: str
    remote: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind_zh": KINDS_ZH[SecurityEvent(self.kind)]}


class SecurityLog:
    def __init__(self, url: str) -> None:
        self.store = ViewStore(url)
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def record(self, kind: SecurityEvent, detail: str, user_id: str = "", role: str = "", unit: str = "",
               request_id: str = "", remote: str = "") -> None:
        entry = SecurityEntry(uuid.uuid4().hex, datetime.now(UTC).isoformat(timespec="microseconds"), kind.value, user_id, role,
                              unit, detail, request_id, remote)
        with self.store.transaction() as tx:
            row = asdict(entry)
            tx.execute(f"INSERT INTO security_log ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))

    def entries(self, kind: str = "", user_id: str = "", after: str = "", limit: int = 100) -> list[SecurityEntry]:
        """In the order they happened, after a cursor (an entry's `at` and id, as `at|entry_id`)."""
        where, params = ["1 = 1"], []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if user_id:
            where.append("user_id = ?")
            params.append(user_id)
        if after:
            at, _, entry_id = after.partition("|")
            where.append("(at > ? OR (at = ? AND entry_id > ?))")
            params += [at, at, entry_id]
        with self.store.transaction() as tx:
            rows = tx.all(f"SELECT * FROM security_log WHERE {' AND '.join(where)} ORDER BY at, entry_id LIMIT ?", (*params, limit))
        return [SecurityEntry(*row) for row in rows]

    def close(self) -> None:
        self.store.close()

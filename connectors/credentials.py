"""Credentials 凭据: password hashes, access-token hashes, sign-in sessions and failed attempts, kept in
the secrets database beside data subjects' keys (never the ledger, never a stream).

Passwords are hashed with argon2id (memory-hard); tokens and session ids are random 256-bit secrets
of which only the SHA-256 is kept, so a copy of this database signs no one in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zwgk.projections.store import ViewStore

TABLES = (
    """CREATE TABLE IF NOT EXISTS account_passwords (
        user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT)""",
    """CREATE TABLE IF NOT EXISTS access_tokens (
        token_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, secret_sha256 TEXT NOT NULL, expires_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS sign_in_sessions (
        secret_sha256 TEXT PRIMARY KEY, user_id TEXT NOT NULL, role TEXT NOT NULL, started_at TEXT NOT NULL,
        last_seen TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS account_second_factors (user_id TEXT PRIMARY KEY, sealed_secret TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS second_factor_steps (user_id TEXT PRIMARY KEY, last_step INTEGER NOT NULL)",
)
FAILURES_BEFORE_LOCK = 5
LOCKED_FOR = timedelta(minutes=15)
SESSION_IDLE = timedelta(minutes=30)
SESSION_LONGEST = timedelta(hours=12)
TOKEN_PREFIX = "zwgk"
TOKENS_REMEMBERED = 10_000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedToken:
    """A token as shown once to the person it is for: `zwgk_<id>_<secret>`."""

    token_id: str
    secret: str

    @property
    def text(self) -> str:
        return f"{TOKEN_PREFIX}_{self.token_id}_{self.secret}"

    @classmethod
    def new(cls) -> IssuedToken:
        return cls(secrets.token_hex(8), secrets.token_urlsafe(32))

    @staticmethod
    def parse(text: str) -> tuple[str, str] | None:
        parts = text.split("_", 2)
        return (parts[1], parts[2]) if len(parts) == 3 and parts[0] == TOKEN_PREFIX and all(parts[1:]) else None


@dataclass(frozen=True)
class StoredToken:
    user_id: str
    expires_at: datetime | None


class CredentialStore:
    def __init__(self, url: str) -> None:
        self.store = ViewStore(url)
        self.hasher = PasswordHasher()
        # A token's row (holder, secret's hash, expiry) is written once and never changed: read once a process.
        # Whether it is still valid is the holder's account record's to say (revoked, disabled), read at each use.
        self._token_rows: dict[str, tuple[str, str, str | None]] = {}
        with self.store.transaction() as tx:
            for table in TABLES:
                tx.execute(table)

    # Passwords

    def set_password(self, user_id: str, password: str) -> None:
        hashed = self.hasher.hash(password)
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO account_passwords (user_id, password_hash) VALUES (?, ?) ON CONFLICT (user_id) "
                       "DO UPDATE SET password_hash = excluded.password_hash, failures = 0, locked_until = NULL", (user_id, hashed))

    def locked_until(self, user_id: str) -> datetime | None:
        with self.store.transaction() as tx:
            row = tx.one("SELECT locked_until FROM account_passwords WHERE user_id = ?", (user_id,))
        until = datetime.fromisoformat(row[0]) if row and row[0] else None
        return until if until and until > _now() else None

    def check_password(self, user_id: str, password: str) -> bool:
        """True for the right password of an unlocked account; each wrong one counts towards a lock."""
        with self.store.transaction() as tx:
            row = tx.one("SELECT password_hash FROM account_passwords WHERE user_id = ?", (user_id,))
        if row is None:
            self.hasher.hash(password)  # as slow as a real check: no telling which ids exist
            return False
        try:
            self.hasher.verify(row[0], password)
        except (VerificationError, InvalidHashError):
            self._count_failure(user_id)
            return False
        with self.store.transaction() as tx:
            tx.execute("UPDATE account_passwords SET failures = 0, locked_until = NULL WHERE user_id = ?", (user_id,))
        return True

    def _count_failure(self, user_id: str) -> None:
        with self.store.transaction() as tx:
            (failures,) = tx.single("SELECT failures + 1 FROM account_passwords WHERE user_id = ?", (user_id,))
            locked = (_now() + LOCKED_FOR).isoformat() if failures >= FAILURES_BEFORE_LOCK else None
            tx.execute("UPDATE account_passwords SET failures = ?, locked_until = ? WHERE user_id = ?",
                       (0 if locked else failures, locked, user_id))

    # Second factor (TOTP): the shared secret, sealed by the caller with a key of the key store

    def keep_second_factor(self, user_id: str, sealed_secret: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO account_second_factors (user_id, sealed_secret) VALUES (?, ?) ON CONFLICT (user_id) "
                       "DO UPDATE SET sealed_secret = excluded.sealed_secret", (user_id, sealed_secret))
            tx.execute("DELETE FROM second_factor_steps WHERE user_id = ?", (user_id,))  # a new secret, a new count

    def second_factor(self, user_id: str) -> str | None:
        with self.store.reading() as tx:
            row = tx.one("SELECT sealed_secret FROM account_second_factors WHERE user_id = ?", (user_id,))
        return row[0] if row else None

    def accept_step(self, user_id: str, step: int) -> bool:
        """Whether a one-time code of this time-step is accepted: only if no code of this step or a later one
        was accepted for the account before (a code seen, replayed within its window, signs no one in). One
        statement, so two requests with the same code cannot both pass."""
        with self.store.transaction() as tx:
            taken: int = tx.execute("INSERT INTO second_factor_steps (user_id, last_step) VALUES (?, ?) ON CONFLICT (user_id) "
                               "DO UPDATE SET last_step = excluded.last_step WHERE second_factor_steps.last_step < excluded.last_step",
                               (user_id, step)).cursor.rowcount
        return taken == 1

    # Access tokens

    def keep_token(self, issued: IssuedToken, user_id: str, expires_at: datetime | None) -> None:
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO access_tokens (token_id, user_id, secret_sha256, expires_at) VALUES (?, ?, ?, ?)",
                       (issued.token_id, user_id, _digest(issued.secret), expires_at.isoformat() if expires_at else None))

    def token(self, token_id: str, secret: str) -> StoredToken | None:
        """The token's holder when the secret is right (compared in constant time)."""
        row = self._token_rows.get(token_id)
        if row is None:
            with self.store.reading() as tx:
                found = tx.one("SELECT user_id, secret_sha256, expires_at FROM access_tokens WHERE token_id = ?", (token_id,))
            if found is None:
                return None
            row = (found[0], found[1], found[2])
            if len(self._token_rows) >= TOKENS_REMEMBERED:
                self._token_rows.clear()
            self._token_rows[token_id] = row
        if not hmac.compare_digest(row[1], _digest(secret)):
            return None
        return StoredToken(row[0], datetime.fromisoformat(row[2]) if row[2] else None)

    # Sign-in sessions (the console)

    def start_session(self, user_id: str, role: str) -> str:
        secret = secrets.token_urlsafe(32)
        now = _now().isoformat()
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO sign_in_sessions (secret_sha256, user_id, role, started_at, last_seen) VALUES (?, ?, ?, ?, ?)",
                       (_digest(secret), user_id, role, now, now))
        return secret

    def session(self, secret: str) -> tuple[str, str] | None:
        """The session's user and role while it is neither idle too long nor too old; each use keeps it alive."""
        now = _now()
        with self.store.transaction() as tx:
            row = tx.one("SELECT user_id, role, started_at, last_seen FROM sign_in_sessions WHERE secret_sha256 = ?", (_digest(secret),))
            if row is None:
                return None
            if now - datetime.fromisoformat(row[3]) > SESSION_IDLE or now - datetime.fromisoformat(row[2]) > SESSION_LONGEST:
                tx.execute("DELETE FROM sign_in_sessions WHERE secret_sha256 = ?", (_digest(secret),))
                return None
            tx.execute("UPDATE sign_in_sessions SET last_seen = ? WHERE secret_sha256 = ?", (now.isoformat(), _digest(secret)))
        return row[0], row[1]

    def end_session(self, secret: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM sign_in_sessions WHERE secret_sha256 = ?", (_digest(secret),))

    def end_sessions_of(self, user_id: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM sign_in_sessions WHERE user_id = ?", (user_id,))

    def close(self) -> None:
        self.store.close()

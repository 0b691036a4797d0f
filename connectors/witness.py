"""The witness's side 见证人 (`zwgk witness serve`): its Ed25519 key, the logs it watches, and what it last
cosigned for each, kept in its own SQLite file so that it survives restarts; a check and its update are
one IMMEDIATE transaction, so two requests can never roll the witness back (C2SP tlog-witness)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from zwgk.connectors.config import ConfigurationError
from zwgk.domain.checkpoint import COSIGNATURE, CheckpointError, Verifier, parse_verifier, read_unverified, valid_key_name
from zwgk.domain.witness import Witnessed, WitnessRefusal, add_checkpoint, parse_submission

log = logging.getLogger("zwgk.witness")
SCHEMA = """CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL, cosigned_at TEXT NOT NULL)"""


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"witness key {path}: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"witness key {path} is not an Ed25519 key")
    return key


class Witness:
    def __init__(self, db: Path, key: Ed25519PrivateKey, name: str, logs: Sequence[str]) -> None:
        if not valid_key_name(name):
            raise ConfigurationError(f"witness name {name!r} must hold no white space and no '+'")
        self.key, self.name = key, name
        self.logs: dict[str, list[Verifier]] = defaultdict(list)
        for text in logs:
            try:
                verifier = parse_verifier(text)
            except CheckpointError as error:
                raise ConfigurationError(f"--log {text!r}: {error}") from None
            self.logs[verifier.name].append(verifier)
        self.db = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.db.execute(SCHEMA)
        self.lock = threading.Lock()

    @property
    def verifier_key(self) -> str:
        return str(Verifier(self.name, self.key.public_key(), COSIGNATURE))

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line for a consistent checkpoint; WitnessRefusal otherwise."""
        request = parse_submission(body)
        try:
            origin = read_unverified(request.note).origin
        except CheckpointError as error:
            raise WitnessRefusal(400, str(error)) from None
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                row = self.db.execute("SELECT size, root FROM witnessed WHERE origin = ?", (origin,)).fetchone()
                now = datetime.now(UTC)
                checkpoint, line = add_checkpoint(request, self.logs, Witnessed(row[0], row[1]) if row else None,
                                                  self.name, self.key, now)
                self.db.execute(
                    "INSERT INTO witnessed (origin, size, root, note, cosigned_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, "
                    "cosigned_at = excluded.cosigned_at",
                    (origin, checkpoint.size, checkpoint.root, request.note, now.isoformat()))
                self.db.execute("COMMIT")
            except BaseException as error:
                self.db.execute("ROLLBACK")
                if isinstance(error, WitnessRefusal):
                    log.warning("refused a checkpoint of %s: %s (%s)", origin, error.reason, error.status)
                raise
        log.info("cosigned %s at size %s", origin, checkpoint.size)
        return line

    def close(self) -> None:
        self.db.close()

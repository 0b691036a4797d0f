"""Originals in a local directory: the embedded default, with the same guarantees as far
as a file system allows — write-once (an existing content address is never rewritten),
read-only files, and no deletion while retained or held (enforced here, recorded in a
retention file beside each original). An original is spooled under `incoming/` while it arrives,
locked by its writer: the spool of a put a crash interrupted is removed when a store starts, never one
that another process is still writing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from uuid import uuid4

from zwgk.archive.store import (
    CHUNK,
    ORIGINALS,
    SIDECARS,
    Admit,
    Digests,
    ObjectState,
    OriginalMissing,
    RetentionViolation,
    Spooled,
    StoredOriginal,
    content_key,
)

log = logging.getLogger("zwgk.archive")

READ_ONLY = stat.S_IRUSR  # read-only, and its owner's alone: withheld documents are among the originals
SPOOLS = "incoming"
SPOOL_MODE = stat.S_IRUSR | stat.S_IWUSR


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._removed: list[str] = []

    def ensure_bucket(self) -> None:
        """Ready to store; the spools of puts a crash interrupted are removed."""
        (self.root / SPOOLS).mkdir(parents=True, exist_ok=True)
        self._removed += self._sweep()

    def leftovers(self) -> list[str]:
        self._removed += self._sweep()
        return list(self._removed)

    def _sweep(self) -> list[str]:
        """Remove every spool no writer holds locked: a writer holds its lock until its spool is gone."""
        spools = self.root / SPOOLS
        removed = []
        for path in sorted(spools.iterdir()) if spools.is_dir() else ():
            try:
                descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                continue  # moved into place or removed meanwhile
            try:
                found = os.fstat(descriptor)
                if not stat.S_ISREG(found.st_mode):
                    continue  # no spool of zwgk's
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink(missing_ok=True)
            except BlockingIOError:
                continue  # being written by a live process
            finally:
                os.close(descriptor)
            log.warning("removed %s/%s, the spool of an interrupted put (%d bytes)", SPOOLS, path.name, found.st_size)
            removed.append(f"{SPOOLS}/{path.name}")
        return removed

    def _spool(self) -> tuple[int, Path]:
        """A new spool, its owner's alone, locked while it is written. Should a store starting in another
        process have removed it between its creation and the lock, another is made."""
        while True:
            path = self.root / SPOOLS / str(uuid4())
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, SPOOL_MODE)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if os.fstat(descriptor).st_nlink:
                return descriptor, path
            os.close(descriptor)

    def _path(self, key: str) -> Path:
        return self.root / key

    def _lock_file(self, key: str) -> Path:
        return self._path(key).with_name(self._path(key).name + ".retention.json")

    def put(self, stream: IO[bytes], media_type: str, retain_until: date | None, admit: Admit | None = None) -> StoredOriginal:
        (self.root / SPOOLS).mkdir(parents=True, exist_ok=True)
        descriptor, temporary = self._spool()
        digests = Digests()
        with os.fdopen(descriptor, "w+b") as spool:  # closed, and so unlocked, once the spool is moved or removed
            try:
                while chunk := stream.read(CHUNK):
                    digests.update(chunk)
                    spool.write(chunk)
                spool.flush()
                os.fsync(spool.fileno())
                key = content_key(digests.sha256)
                if admit is not None:
                    admit(Spooled(spool, key, digests.sha256, digests.size))
                path = self._path(key)
                existed = path.exists()
                if not existed:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(temporary, path)
                    path.chmod(READ_ONLY)
                self._retain(key, retain_until, media_type)
            finally:
                temporary.unlink(missing_ok=True)
        # Content-addressed and never rewritten: the digest is the version.
        return StoredOriginal(key, digests.sha256, digests.sha256, digests.sm3, digests.size, existed)

    def _retain(self, key: str, retain_until: date | None, media_type: str = "") -> None:
        lock = self._lock_file(key)
        current: dict[str, Any] = json.loads(lock.read_text()) if lock.exists() else {"legal_hold": False, "media_type": media_type}
        if retain_until is not None and (not current.get("retain_until") or current["retain_until"] < retain_until.isoformat()):
            current["retain_until"] = retain_until.isoformat()
        lock.write_text(json.dumps(current))

    def read(self, key: str, version_id: str | None, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        try:
            file = self._path(key).open("rb")
        except FileNotFoundError:
            raise OriginalMissing(key) from None
        with file:
            file.seek(offset)
            left = length
            while (left is None or left > 0) and (chunk := file.read(CHUNK if left is None else min(CHUNK, left))):
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def state(self, key: str, version_id: str) -> ObjectState:
        if not self._path(key).exists():
            return ObjectState(False)
        lock = self._lock_file(key)
        current = json.loads(lock.read_text()) if lock.exists() else {}
        until = date.fromisoformat(current["retain_until"]) if current.get("retain_until") else None
        return ObjectState(True, until, until is not None, bool(current.get("legal_hold")))

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        lock = self._lock_file(key)
        current = json.loads(lock.read_text())
        current["legal_hold"] = on
        lock.write_text(json.dumps(current))

    def put_sidecar(self, key: str, content: bytes, retain_until: date | None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(READ_ONLY | stat.S_IWUSR)
        path.write_bytes(content)
        path.chmod(READ_ONLY)

    def put_sidecar_behind(self, key: str, content: bytes, retain_until: date | None) -> None:
        """At once: a local file is not worth a thread."""
        self.put_sidecar(key, content, retain_until)

    def read_sidecar(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.exists() else None

    def keys(self) -> Iterator[str]:
        return (key for key in self._listed(ORIGINALS) if not key.endswith(".retention.json"))

    def sidecar_keys(self) -> Iterator[str]:
        return self._listed(SIDECARS)

    def versions(self) -> Iterator[tuple[str, str]]:
        """A file is never rewritten: its one version is its digest, as `put` reports it."""
        return ((key, key.rsplit("/", 1)[-1]) for key in self.keys())

    def _listed(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if base.exists():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    yield path.relative_to(self.root).as_posix()

    def extend_retention(self, key: str, version_id: str, retain_until: date) -> None:
        self._retain(key, retain_until)

    def destroy(self, key: str) -> None:
        if not self._path(key).exists():
            return
        self.delete(key, key)
        self._lock_file(key).unlink(missing_ok=True)

    def delete(self, key: str, version_id: str) -> None:
        state = self.state(key, version_id)
        today = datetime.now(UTC).date()
        if state.legal_hold or (state.retain_until and state.retain_until > today):
            raise RetentionViolation(f"delete {key}: retained until {state.retain_until}, legal hold {state.legal_hold}")
        self._path(key).unlink(missing_ok=True)

"""The originals' store: write-once, content-addressed, retention-locked.

Two implementations share this interface: S3 (any S3-compatible server with Object Lock,
through the `minio` client) and a local directory (the embedded default). An original
is streamed in once; its SHA-256 and SM3 digests are computed while it streams.
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from queue import Full, Queue
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from _hashlib import HASH

CHUNK = 1024 * 1024


ORIGINALS = "originals/"
SIDECARS = "metadata/"
TEXTS = "text/"


def content_key(sha256: str) -> str:
    return f"{ORIGINALS}sha256/{sha256[:2]}/{sha256}"


def sidecar_key(archive_number: str) -> str:
    return f"{SIDECARS}{archive_number}.json"


def text_key(sha256: str) -> str:
    """The text read from an original at archiving, by its content."""
    return f"{TEXTS}sha256/{sha256[:2]}/{sha256}.txt"


class StorageUnavailable(RuntimeError):
    """The store cannot be reached or refused to work; nothing was recorded."""


class OriginalMissing(LookupError):
    """The original's version is not in the store: deleted behind zwgk's back, or never stored."""


class RetentionViolation(RuntimeError):
    """The store refused to delete or overwrite a retained original, as it must (R2)."""


def new_sm3() -> HASH:
    """SM3 (GB/T 32905) from the OpenSSL behind hashlib, which, unlike a binding that keeps the GIL,
    lets other threads run while it hashes a chunk: SM3 is the slowest step of every put and fixity check."""
    return hashlib.new("sm3")


class Digests:
    """SHA-256 and SM3 of a stream, fed chunk by chunk. SM3, several times slower than SHA-256, runs
    in a thread of its own on the other core while the caller reads and hashes the next chunks; at
    most a few chunks wait for it."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.size = 0
        self._pieces: Queue[bytes | None] = Queue(maxsize=4)
        self._sm3_result: list[str] = []
        self._worker = threading.Thread(target=_sm3_worker, args=(self._pieces, self._sm3_result), name="sm3", daemon=True)
        self._worker.start()
        weakref.finalize(self, self._pieces.put, None)  # an abandoned digest lets its thread go

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self.size += len(chunk)
        self._pieces.put(chunk)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    @property
    def sm3(self) -> str:
        if not self._sm3_result:
            self._pieces.put(None)
            self._worker.join()
        return self._sm3_result[0]

    @classmethod
    def of(cls, chunks: Iterator[bytes]) -> Digests:
        digests = cls()
        for chunk in chunks:
            digests.update(chunk)
        return digests


def _sm3_worker(pieces: Queue[bytes | None], result: list[str]) -> None:
    sm3 = new_sm3()
    while (piece := pieces.get()) is not None:
        sm3.update(piece)
    result.append(sm3.hexdigest())


def read_ahead(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """The chunks, read by a thread of its own while the caller hashes and writes the ones
    before (both sides release the GIL); at most `depth` chunks wait in memory. A caller
    that stops early stops the thread at its next chunk."""
    queue: Queue[bytes | BaseException | None] = Queue(depth)
    stop = threading.Event()

    def offer(item: bytes | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def pump() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
            offer(error)

    threading.Thread(target=pump, name="read-ahead", daemon=True).start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class SpoolSm3:
    """SM3 of a spool file while it is written: a thread follows the writer with positional reads
    (which leave the file's offset to the writer and later to the upload), so SM3 runs on the
    other core from the first chunk on, never holds the writer back and keeps no chunk waiting in
    memory. Call `wrote` after each write is flushed to the file, `digest` once all is written;
    leaving the `with` block ends the thread whatever happened."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._written = 0
        self._complete = False
        self._outcome: list[str | BaseException] = []
        self._progress = threading.Condition()
        self._worker = threading.Thread(target=self._follow, name="sm3", daemon=True)
        self._worker.start()

    def wrote(self, size: int) -> None:
        with self._progress:
            self._written += size
            self._progress.notify()

    def __enter__(self) -> SpoolSm3:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finish()

    def digest(self) -> str:
        """The SM3 of everything written."""
        self._finish()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _finish(self) -> None:
        with self._progress:
            self._complete = True
            self._progress.notify()
        self._worker.join()

    def _beyond(self, offset: int) -> bool:
        """More than `offset` bytes are written, or all of them are."""
        return self._written > offset or self._complete

    def _follow(self) -> None:
        sm3, offset = new_sm3(), 0
        try:
            while True:
                with self._progress:
                    self._progress.wait_for(partial(self._beyond, offset))
                    end, complete = self._written, self._complete
                while offset < end:
                    piece = os.pread(self._fd, min(CHUNK, end - offset), offset)
                    if not piece:
                        raise OSError(f"spool shorter than the {end} bytes written")
                    sm3.update(piece)
                    offset += len(piece)
                if complete:
                    self._outcome.append(sm3.hexdigest())
                    return
        except BaseException as error:  # noqa: BLE001 - raised in the caller by `digest`
            self._outcome.append(error)


@dataclass(frozen=True)
class Spooled:
    """An original spooled and hashed, not yet stored: what its caller checks before it is (the spool is
    readable from its start; where it is left after reading it does not matter)."""

    file: IO[bytes]
    key: str
    sha256: str
    size: int


Admit = Callable[[Spooled], None]
"""Raises to refuse an original once it is spooled: nothing is stored then."""


@dataclass(frozen=True)
class StoredOriginal:
    """The store's receipt for an original."""

    key: str
    version_id: str
    sha256: str
    sm3: str
    size: int
    deduplicated: bool  # the same bytes were already stored


@dataclass(frozen=True)
class ObjectState:
    """What the store says about an object version now."""

    exists: bool
    retain_until: date | None = None
    compliance: bool = False
    legal_hold: bool = False


class OriginalStore(Protocol):
    def ensure_bucket(self) -> None:
        """Ready to store: the bucket (or directory) is there, made if it was not."""

    def put(self, stream: IO[bytes], media_type: str, retain_until: date | None, admit: Admit | None = None) -> StoredOriginal:
        """Store an original, locked until `retain_until` (None: unlocked, its period over). Once it is
        spooled and hashed, and before anything is stored, `admit` may refuse it: a locked object could
        not be taken back. An interrupted or refused put leaves nothing behind."""

    def leftovers(self) -> list[str]:
        """What puts interrupted by a crash left behind (their spools), removed by this store when it started
        or now; a spool another process is still writing is left alone."""

    def read(self, key: str, version_id: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The version's bytes (from `offset`, at most `length` of them: a byte range of a download);
        raises OriginalMissing (at the first chunk) when it is gone."""

    def state(self, key: str, version_id: str) -> ObjectState: ...

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None: ...

    def put_sidecar(self, key: str, content: bytes, retain_until: date | None) -> None: ...

    def put_sidecar_behind(self, key: str, content: bytes, retain_until: date | None) -> None:
        """Write a sidecar without waiting for the store, where it has to be waited for: a write that fails or
        that a crash cuts short leaves the sidecar missing, which `verify` writes again from the ledger."""

    def read_sidecar(self, key: str) -> bytes | None: ...

    def keys(self) -> Iterator[str]:
        """The keys of every original stored, tracked or not."""

    def sidecar_keys(self) -> Iterator[str]:
        """The keys of every metadata sidecar stored: one listing, not a request per original."""

    def versions(self) -> Iterator[tuple[str, str]]:
        """Every (key, version) of the originals stored, delete markers left out: one listing."""

    def delete(self, key: str, version_id: str) -> None:
        """Raises RetentionViolation while the original is retained or held."""

    def extend_retention(self, key: str, version_id: str, retain_until: date) -> None:
        """Lock the version until the day, or keep the later lock it has."""

    def destroy(self, key: str) -> None:
        """Delete every version of the key (the object is gone; a key already gone is no error); raises
        RetentionViolation while any version is retained or held."""

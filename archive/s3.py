"""Originals in an S3-compatible server with Object Lock (MinIO, SeaweedFS, AWS S3).

An original is held as it arrives — in memory up to one part (8 MB: one request's body,
which the upload would hold anyway), in a temporary file beyond — and hashed with SHA-256 on
the way, so that its content address is known, and its caller may still refuse it (a
locked object could not be taken back), before a byte is sent: it then goes to
that key in one upload (multipart when large) carrying its COMPLIANCE retention, or,
when the same bytes are already there, only their retention is extended. An original of one
part is uploaded on condition that the key holds nothing (`If-None-Match: *`), which tells
in the same request whether the bytes were there; a larger one, and any on a server that does
not implement the condition, is looked for first. Its SM3 is computed on the other core
during the upload: by a thread of the store's for one held in memory, by a thread of its own
that follows the spool as it is written for a larger one.
Nothing is ever stored under another key first. Every read names the version it wants,
so a newer version written by someone else never passes for the original. A sidecar may
be written behind, by a thread of the store's, without its writer waiting; what this store
reads, writes or deletes of that sidecar afterwards, and its listing of sidecars, waits for it first.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from threading import Lock
from typing import IO, Any, BinaryIO, ParamSpec, TypeVar

from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.datatypes import Object
from minio.error import S3Error
from minio.helpers import ObjectWriteResult, genheaders
from minio.retention import Retention
from urllib3.exceptions import HTTPError

from zwgk.archive.store import (
    CHUNK,
    ORIGINALS,
    SIDECARS,
    Admit,
    ObjectState,
    OriginalMissing,
    RetentionViolation,
    Spooled,
    SpoolSm3,
    StorageUnavailable,
    StoredOriginal,
    content_key,
    new_sm3,
    read_ahead,
)

log = logging.getLogger("zwgk.archive")

P = ParamSpec("P")
T = TypeVar("T")

PART_SIZE = 8 * 1024 * 1024  # memory while uploading: about (PARALLEL_PARTS + 1) parts
PARALLEL_PARTS = 3
REFUSALS = {"AccessDenied", "ObjectLocked", "InvalidRequest", "MethodNotAllowed"}
NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"}


NULL_VERSION = "null"  # S3's name for the version of an object in an unversioned bucket


def _version(version_id: str | None) -> str | None:
    return None if version_id in (None, "", NULL_VERSION) else version_id


def _until(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _sm3_of(body: bytes) -> str:
    sm3 = new_sm3()
    sm3.update(body)
    return sm3.hexdigest()


def _lock(retain_until: date | None) -> Retention | None:
    """COMPLIANCE retention until the day; none for an original whose period is over (S3 refuses a past date)."""
    return None if retain_until is None else Retention(COMPLIANCE, _until(retain_until))


class S3Store:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.conditional = True  # until the server says it does not implement If-None-Match
        self._hashing = ThreadPoolExecutor(2, thread_name_prefix="sm3")  # the SM3 of an original held in memory
        self._behind = ThreadPoolExecutor(1, thread_name_prefix="sidecar")  # one thread: written in order
        self._pending: dict[str, Future[None]] = {}  # the last write behind of each sidecar not yet written
        self._pending_lock = Lock()

    @classmethod
    def connect(cls, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False) -> S3Store:
        return cls(Minio(endpoint=endpoint, access_key=access_key, secret_key=secret_key, secure=secure), bucket)

    def _call(self, what: str, operation: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return operation(*args, **kwargs)
        except S3Error as error:
            if error.code in REFUSALS and what.startswith("delete"):
                raise RetentionViolation(f"{what}: the server refused ({error.code})") from None
            raise StorageUnavailable(f"{what}: {error.code} {error.message}") from None
        except (HTTPError, OSError) as error:
            raise StorageUnavailable(f"{what}: S3 server unreachable ({error})") from None

    def ensure_bucket(self) -> None:
        """Create the bucket with Object Lock (and so versioning) if it is not there."""
        if not self._call("bucket check", self.client.bucket_exists, bucket_name=self.bucket):
            self._call("bucket creation", self.client.make_bucket, bucket_name=self.bucket, object_lock=True)

    def leftovers(self) -> list[str]:
        """None: the spool is an anonymous temporary file, gone with the process whatever ends it."""
        return []

    def put(self, stream: IO[bytes], media_type: str, retain_until: date | None, admit: Admit | None = None) -> StoredOriginal:
        sha256, held, size = hashlib.sha256(), [], 0
        while size <= PART_SIZE and (chunk := stream.read(CHUNK)):
            sha256.update(chunk)
            held.append(chunk)
            size += len(chunk)
        if size <= PART_SIZE:  # one request's body, as minio would hold it: no spool, no thread started
            body = b"".join(held)
            sm3 = self._hashing.submit(_sm3_of, body)
            return self._keep(io.BytesIO(body), sha256.hexdigest(), size, media_type, retain_until, admit, sm3.result)
        with tempfile.TemporaryFile() as spool, SpoolSm3(spool.fileno()) as following:
            while held or (chunk := stream.read(CHUNK)):
                if held:
                    chunk = held.pop(0)  # read and hashed already
                else:
                    sha256.update(chunk)
                    size += len(chunk)
                spool.write(chunk)
                spool.flush()
                following.wrote(len(chunk))
            return self._keep(spool, sha256.hexdigest(), size, media_type, retain_until, admit, following.digest)

    def _keep(self, spool: BinaryIO, sha256: str, size: int, media_type: str, retain_until: date | None, admit: Admit | None,
              sm3: Callable[[], str]) -> StoredOriginal:
        """Store the bytes spooled, once `admit` has let them in."""
        key = content_key(sha256)
        if admit is not None:
            admit(Spooled(spool, key, sha256, size))
        spool.seek(0)
        version_id, deduplicated = self._store(spool, key, size, media_type, retain_until)
        return StoredOriginal(key, version_id, sha256, sm3(), size, deduplicated)

    def _store(self, spool: BinaryIO, key: str, size: int, media_type: str, retain_until: date | None) -> tuple[str, bool]:
        """The version the spooled bytes are kept as under their key, and whether they were there already."""
        if size <= PART_SIZE and self.conditional:
            created = self._call("upload", self._put_if_absent, key, spool.read(), media_type, retention=_lock(retain_until))
            if created is not None:
                return created.version_id or NULL_VERSION, False
        existing = self._stat(key)
        if existing is not None:
            version_id = existing.version_id or NULL_VERSION
            if retain_until is not None:
                self._extend_retention(key, version_id, retain_until)
            return version_id, True
        spool.seek(0)
        upload = self._call(
            "upload", self.client.put_object,
            bucket_name=self.bucket, object_name=key, data=spool, length=size, part_size=PART_SIZE,
            num_parallel_uploads=PARALLEL_PARTS, content_type=media_type, retention=_lock(retain_until),
        )
        return upload.version_id or NULL_VERSION, False

    def _put_if_absent(self, key: str, body: bytes, media_type: str, retention: Retention | None = None) -> ObjectWriteResult | None:
        """One PutObject with its lock, stored only if the key holds no object (`If-None-Match: *`, which S3,
        MinIO and SeaweedFS honour): None when it holds one, or when the server does not implement the
        condition (then this store looks for the key first from now on). minio's put_object sends no header
        of ours (its metadata become x-amz-meta-*): its one-request upload is called with put_object's headers."""
        headers = genheaders(None, None, None, retention, False)
        headers["Content-Type"] = media_type or "application/octet-stream"
        headers["If-None-Match"] = "*"
        try:
            return self.client._put_object(self.bucket, key, body, headers)
        except S3Error as error:
            if error.code == "PreconditionFailed":
                return None
            if error.code == "NotImplemented":
                log.warning("the S3 server does not implement If-None-Match on PutObject: each put looks for its key first")
                self.conditional = False
                return None
            raise

    def _stat(self, key: str, version_id: str | None = None) -> Object | None:
        return self._unless_missing("stat", self.client.stat_object, object_name=key, version_id=_version(version_id))

    def _unless_missing(self, what: str, operation: Callable[..., T], **kwargs: Any) -> T | None:
        """The operation's result, or None when the object (version) is not there."""
        try:
            return operation(bucket_name=self.bucket, **kwargs)
        except S3Error as error:
            if error.code in NOT_FOUND:
                return None
            raise StorageUnavailable(f"{what}: {error.code}") from None
        except (HTTPError, OSError) as error:
            raise StorageUnavailable(f"{what}: S3 server unreachable ({error})") from None

    def extend_retention(self, key: str, version_id: str, retain_until: date) -> None:
        self._extend_retention(key, version_id, retain_until)

    def destroy(self, key: str) -> None:
        """Every version and delete marker of the key; the server refuses a version still locked or held."""
        self.settle(key)
        listing = self.client.list_objects(bucket_name=self.bucket, prefix=key, include_version=True)
        for item in self._call("list", list, listing):
            if item.object_name == key:
                self._call("delete", self.client.remove_object, bucket_name=self.bucket, object_name=key,
                           version_id=item.version_id)

    def _extend_retention(self, key: str, version_id: str, retain_until: date) -> None:
        current = self.state(key, version_id)
        if current.retain_until is None or current.retain_until < retain_until:
            self._call("retention", self.client.set_object_retention, bucket_name=self.bucket, object_name=key,
                       version_id=_version(version_id), config=Retention(COMPLIANCE, _until(retain_until)))

    def read(self, key: str, version_id: str | None, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        response = self._unless_missing("read", self.client.get_object, object_name=key, version_id=_version(version_id),
                                        offset=offset, length=length or 0)
        if response is None:
            raise OriginalMissing(f"{key} version {version_id}")
        try:
            yield from read_ahead(response.stream(CHUNK))
        finally:
            response.close()
            response.release_conn()

    def state(self, key: str, version_id: str) -> ObjectState:
        if self._stat(key, version_id) is None:
            return ObjectState(False)
        try:
            retention = self.client.get_object_retention(bucket_name=self.bucket, object_name=key, version_id=_version(version_id))
        except S3Error:
            retention = None
        try:
            hold = self.client.is_object_legal_hold_enabled(bucket_name=self.bucket, object_name=key, version_id=_version(version_id))
        except S3Error as error:
            if error.code not in ("NoSuchObjectLegalHold", "InvalidRequest"):  # none set; no lock on the bucket
                raise StorageUnavailable(f"legal hold: {error.code}") from None
            hold = False
        until = retention.retain_until_date.date() if retention and retention.retain_until_date else None
        return ObjectState(True, until, bool(retention and retention.mode == COMPLIANCE), bool(hold))

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        operation = self.client.enable_object_legal_hold if on else self.client.disable_object_legal_hold
        self._call("legal hold", operation, bucket_name=self.bucket, object_name=key, version_id=_version(version_id))

    def put_sidecar(self, key: str, content: bytes, retain_until: date | None) -> None:
        self.settle(key)
        self._put_sidecar(key, content, retain_until)

    def put_sidecar_behind(self, key: str, content: bytes, retain_until: date | None) -> None:
        with self._pending_lock:
            written = self._pending[key] = self._behind.submit(self._sidecar_behind, key, content, retain_until)
        written.add_done_callback(lambda done: self._written(key, done))

    def _written(self, key: str, done: Future[None]) -> None:
        with self._pending_lock:
            if self._pending.get(key) is done:
                del self._pending[key]

    def _sidecar_behind(self, key: str, content: bytes, retain_until: date | None) -> None:
        try:
            self._put_sidecar(key, content, retain_until)
        except StorageUnavailable as error:
            log.warning("%s not written (%s); archive verify writes a missing sidecar", key, error)

    def settle(self, key: str | None = None) -> None:
        """Wait for the writes behind of the sidecar (of every sidecar: no key), so that what comes next sees them."""
        with self._pending_lock:
            waited = list(self._pending.values()) if key is None else [self._pending[key]] if key in self._pending else []
        for written in waited:
            written.result()

    def _put_sidecar(self, key: str, content: bytes, retain_until: date | None) -> None:
        self._call("sidecar", self.client.put_object, bucket_name=self.bucket, object_name=key,
                   data=io.BytesIO(content), length=len(content), content_type="application/json",
                   retention=_lock(retain_until))

    def read_sidecar(self, key: str) -> bytes | None:
        self.settle(key)
        response = self._unless_missing("sidecar", self.client.get_object, object_name=key)
        if response is None:
            return None
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def keys(self) -> Iterator[str]:
        return self._listed(ORIGINALS)

    def sidecar_keys(self) -> Iterator[str]:
        self.settle()
        return self._listed(SIDECARS)

    def versions(self) -> Iterator[tuple[str, str]]:
        listing = self.client.list_objects(bucket_name=self.bucket, prefix=ORIGINALS, recursive=True, include_version=True)
        for item in self._call("list", list, listing):
            if not item.is_delete_marker and item.object_name:
                yield item.object_name, item.version_id or NULL_VERSION

    def _listed(self, prefix: str) -> Iterator[str]:
        listing = self.client.list_objects(bucket_name=self.bucket, prefix=prefix, recursive=True)
        yield from (item.object_name for item in self._call("list", list, listing))

    def delete(self, key: str, version_id: str) -> None:
        self._call("delete", self.client.remove_object, bucket_name=self.bucket, object_name=key, version_id=_version(version_id))

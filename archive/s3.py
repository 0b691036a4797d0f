"""Originals in an S3-compatible server with Object Lock (MinIO, SeaweedFS, AWS S3).

An original is spooled to a temporary file as it arrives and hashed with SHA-256 on
the way, so that its content address is known, and its caller may still refuse it (a
locked object could not be taken back), before a byte is sent: it then goes to
that key in one upload (multipart when large) carrying its COMPLIANCE retention, or,
when the same bytes are already there, only their retention is extended. Its SM3 is
computed by a thread of its own on the other core that follows the spool as it is written
and finishes during the upload.
Nothing is ever stored under another key first. Every read names the version it wants,
so a newer version written by someone else never passes for the original.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import IO, Any, ParamSpec, TypeVar

from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.datatypes import Object
from minio.error import S3Error
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
    read_ahead,
)

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


def _lock(retain_until: date | None) -> Retention | None:
    """COMPLIANCE retention until the day; none for an original whose period is over (S3 refuses a past date)."""
    return None if retain_until is None else Retention(COMPLIANCE, _until(retain_until))


class S3Store:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

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
        sha256, size = hashlib.sha256(), 0
        with tempfile.TemporaryFile() as spool, SpoolSm3(spool.fileno()) as sm3:
            while chunk := stream.read(CHUNK):
                sha256.update(chunk)
                size += len(chunk)
                spool.write(chunk)
                spool.flush()
                sm3.wrote(len(chunk))
            key = content_key(sha256.hexdigest())
            if admit is not None:
                admit(Spooled(spool, key, sha256.hexdigest(), size))
            existing = self._stat(key)
            if existing is not None:
                version_id = existing.version_id or NULL_VERSION
                if retain_until is not None:
                    self._extend_retention(key, version_id, retain_until)
            else:
                spool.seek(0)
                upload = self._call(
                    "upload", self.client.put_object,
                    bucket_name=self.bucket, object_name=key, data=spool, length=size, part_size=PART_SIZE,
                    num_parallel_uploads=PARALLEL_PARTS, content_type=media_type, retention=_lock(retain_until),
                )
                version_id = upload.version_id or NULL_VERSION
            return StoredOriginal(key, version_id, sha256.hexdigest(), sm3.digest(), size, existing is not None)

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
        self._call("sidecar", self.client.put_object, bucket_name=self.bucket, object_name=key,
                   data=io.BytesIO(content), length=len(content), content_type="application/json",
                   retention=_lock(retain_until))

    def read_sidecar(self, key: str) -> bytes | None:
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

"""Originals in an S3-compatible server with Object Lock (MinIO, SeaweedFS, AWS S3).

An original streams in multipart to a temporary key while it is hashed, is copied
server-side to its content address, and gets its COMPLIANCE retention there; the
temporary version is then deleted. Every read names the version it wants, so a newer
version written by someone else never passes for the original.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from typing import BinaryIO
from uuid import uuid4

from minio import Minio
from minio.commonconfig import COMPLIANCE, CopySource
from minio.error import S3Error
from minio.retention import Retention
from urllib3.exceptions import HTTPError

from zwgk.archive.store import CHUNK, HashingReader, ObjectState, RetentionViolation, StorageUnavailable, StoredOriginal, content_key

PART_SIZE = 16 * 1024 * 1024
SINGLE_COPY_LIMIT = 5 * 1024**3
REFUSALS = {"AccessDenied", "ObjectLocked", "InvalidRequest", "MethodNotAllowed"}


NULL_VERSION = "null"  # S3's name for the version of an object in an unversioned bucket


def _version(version_id: str | None) -> str | None:
    return None if version_id in (None, "", NULL_VERSION) else version_id


def _until(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


class S3Store:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def connect(cls, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False) -> S3Store:
        return cls(Minio(endpoint=endpoint, access_key=access_key, secret_key=secret_key, secure=secure), bucket)

    def _call(self, what: str, operation, *args, **kwargs):
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

    def put(self, stream: BinaryIO, media_type: str, retain_until: date) -> StoredOriginal:
        reader = HashingReader(stream)
        temporary = f"incoming/{uuid4()}"
        upload = self._call(
            "upload", self.client.put_object,
            bucket_name=self.bucket, object_name=temporary, data=reader, length=-1, part_size=PART_SIZE,
            num_parallel_uploads=1, content_type=media_type,
        )
        digests = reader.digests
        key = content_key(digests.sha256)
        try:
            existing = self._stat(key)
            if existing is not None:
                version_id = existing.version_id or NULL_VERSION
                self._extend_retention(key, version_id, retain_until)
            else:
                version_id = self._copy(temporary, key, digests.size)
                # A separate request: not every server applies lock headers on a copy.
                self._call(
                    "retention", self.client.set_object_retention,
                    bucket_name=self.bucket, object_name=key, version_id=_version(version_id),
                    config=Retention(COMPLIANCE, _until(retain_until)),
                )
        finally:
            self._call("temporary removal", self.client.remove_object,
                       bucket_name=self.bucket, object_name=temporary, version_id=_version(upload.version_id))
        return StoredOriginal(key, version_id, digests.sha256, digests.sm3, digests.size, existing is not None)

    def _copy(self, source: str, key: str, size: int) -> str:
        copy = self.client.copy_object if size <= SINGLE_COPY_LIMIT else self.client.compose_object
        sources = CopySource(bucket_name=self.bucket, object_name=source)
        result = self._call("copy", copy, bucket_name=self.bucket, object_name=key,
                            **({"source": sources} if size <= SINGLE_COPY_LIMIT else {"sources": [sources]}))
        return result.version_id or NULL_VERSION

    def _stat(self, key: str, version_id: str | None = None):
        try:
            return self.client.stat_object(bucket_name=self.bucket, object_name=key, version_id=_version(version_id))
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"):
                return None
            raise StorageUnavailable(f"stat: {error.code}") from None
        except (HTTPError, OSError) as error:
            raise StorageUnavailable(f"stat: S3 server unreachable ({error})") from None

    def _extend_retention(self, key: str, version_id: str, retain_until: date) -> None:
        current = self.state(key, version_id)
        if current.retain_until is None or current.retain_until < retain_until:
            self._call("retention", self.client.set_object_retention, bucket_name=self.bucket, object_name=key,
                       version_id=_version(version_id), config=Retention(COMPLIANCE, _until(retain_until)))

    def read(self, key: str, version_id: str | None) -> Iterator[bytes]:
        response = self._call("read", self.client.get_object, bucket_name=self.bucket, object_name=key, version_id=_version(version_id))
        try:
            yield from response.stream(CHUNK)
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

    def put_sidecar(self, key: str, content: bytes, retain_until: date) -> None:
        self._call("sidecar", self.client.put_object, bucket_name=self.bucket, object_name=key,
                   data=io.BytesIO(content), length=len(content), content_type="application/json",
                   retention=Retention(COMPLIANCE, _until(retain_until)))

    def read_sidecar(self, key: str) -> bytes | None:
        if self._stat(key) is None:
            return None
        return b"".join(self.read(key, None))

    def keys(self) -> Iterator[str]:
        listing = self.client.list_objects(bucket_name=self.bucket, prefix="originals/", recursive=True)
        yield from (item.object_name for item in self._call("list", list, listing))

    def delete(self, key: str, version_id: str) -> None:
        self._call("delete", self.client.remove_object, bucket_name=self.bucket, object_name=key, version_id=_version(version_id))

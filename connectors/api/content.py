"""Stored bytes as HTTP represents them: validators and digests (an original's SHA-256 as its strong
`ETag` and its `Repr-Digest`, RFC 9530), a single byte range (RFC 9110 §14), a file name for people
in `Content-Disposition` (RFC 6266, RFC 8187), and the request body read as a blocking file."""

from __future__ import annotations

import base64
import io
import mimetypes
import re
import unicodedata
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from anyio import from_thread
from starlette.requests import ClientDisconnect

from zwgk.domain.errors import DomainError

# RFC 8187 attr-char beyond letters and digits: what stays unencoded in filename*.
ATTR_CHAR = "!#$&+-.^_`|~"
UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]')
ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


class RangeNotSatisfiable(Exception):
    """No byte of the range asked for exists (416 with `Content-Range: bytes */size`)."""


def etag(sha256_hex: str) -> str:
    return f'"{sha256_hex}"'


def repr_digest(sha256_hex: str) -> str:
    """`Repr-Digest` (RFC 9530): a dictionary of algorithm to the digest as a structured-field byte sequence."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode('ascii')}:"


def none_match(header: str, current: str) -> bool:
    """`If-None-Match` (RFC 9110 §13.1.2, weak comparison): whether `current` is among the tags, or the header is `*`."""
    if header.strip() == "*":
        return True
    return current in (m.group(1) for m in ENTITY_TAG.finditer(header))


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range of `Range: bytes=…` as (start, stop), stop exclusive; None when the whole should be sent:
    another unit, several ranges, or a malformed header are ignored, as RFC 9110 §14.2 allows."""
    unit, _, ranges = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in ranges:
        return None
    match = re.fullmatch(r"\s*(\d*)\s*-\s*(\d*)\s*", ranges)
    if not match or not (match[1] or match[2]):
        return None
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - suffix, 0), size
    start = int(match[1])
    if match[2] and int(match[2]) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(match[2]) + 1, size) if match[2] else size


def attachment(name: str, media_type: str, fallback: str) -> str:
    """`Content-Disposition: attachment` naming the file for people (`filename*`, UTF-8) with an ASCII
    `filename` for clients that know only that; the extension follows the media type."""
    extension = mimetypes.guess_extension(media_type) or ".bin"
    readable = UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or fallback
    ascii_name = UNSAFE_IN_NAMES.sub("_", fallback).encode("ascii", "replace").decode("ascii").replace("?", "_")
    return (f'attachment; filename="{ascii_name}{extension}"; '
            f"filename*=UTF-8''{quote(readable + extension, safe=ATTR_CHAR)}")


def too_large(limit: int) -> DomainError:
    return DomainError("PAYLOAD_TOO_LARGE", f"上传内容超过上限（{limit} 字节），未存储、未记录。",
                       f"upload larger than the limit of {limit} bytes; nothing stored or recorded")


class RequestBody(io.RawIOBase):
    """The request body as a blocking file for a worker thread: each read takes the next chunks from
    the event loop as the reader asks for them, so the body arrives only as fast as the store takes it
    and about one read's worth waits in memory. More than `limit` bytes in all: PAYLOAD_TOO_LARGE."""

    def __init__(self, chunks: AsyncIterator[bytes], limit: int) -> None:
        super().__init__()
        self._chunks = chunks
        self._limit = limit
        self._pending = memoryview(b"")
        self._ended = False
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            if self._ended:
                return 0
            self._pending = memoryview(from_thread.run(self._take, len(buffer)))
            if not self._pending:
                self._ended = True
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    async def _take(self, wanted: int) -> bytes:
        parts: list[bytes] = []
        taken = 0
        while taken < wanted:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                break
            except ClientDisconnect:
                raise DomainError("UPLOAD_INCOMPLETE", "上传未完成（连接中断），未存储、未记录。",
                                  "the client went away before the upload was complete") from None
            parts.append(chunk)
            taken += len(chunk)
            self.received += len(chunk)
            if self.received > self._limit:
                raise too_large(self._limit)
        return b"".join(parts)

"""Hand-over packages 移交: BagIt (RFC 8493) bags, made with the Library of Congress
`bagit` package, holding each original (verified on the way out) with its metadata; and a bag
packed as one tar or zip stream, for the service to send."""

from __future__ import annotations

import io
import mimetypes
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import bagit

from zwgk.archive.service import Archivist, sidecar_of
from zwgk.archive.store import CHUNK
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.errors import DomainError


def export_bag(archivist: Archivist, originals: Iterable[ArchivedOriginal], directory: Path, source: str) -> bagit.Bag:
    """One folder per original under data/: the original and metadata.json (DA/T 46 elements)."""
    chosen = list(originals)
    if not chosen:
        raise DomainError("NOTHING_TO_EXPORT", "没有符合条件的档案原件。", "no original matches the selection")
    if directory.exists() and any(directory.iterdir()):
        raise DomainError("EXPORT_DIRECTORY_NOT_EMPTY", f"导出目录 {directory} 不为空。", f"{directory} is not empty")
    directory.mkdir(parents=True, exist_ok=True)
    for original in chosen:
        folder = directory / original.archive_number
        folder.mkdir()
        extension = mimetypes.guess_extension(original.media_type) or ".bin"
        with (folder / f"original{extension}").open("wb") as out:
            archivist.get(original, out)
        (folder / "metadata.json").write_bytes(sidecar_of(original))
    now = datetime.now(UTC)
    return bagit.make_bag(
        str(directory),
        bag_info={
            "Source-Organization": source,
            "External-Identifier": f"zwgk-export-{now:%Y%m%dT%H%M%SZ}",
            "External-Description": f"{len(chosen)} archived originals with DA/T 46 metadata, exported by zwgk",
            "Bag-Count": "1 of 1",
        },
        checksums=["sha256", "sha512"],
    )


PACKAGE_FORMATS = {"tar": "application/x-tar", "zip": "application/zip"}


@dataclass(frozen=True)
class Packed:
    """A directory packed as one archive, produced chunk by chunk as it is read."""

    length: int | None  # a tar's is known before a byte is produced; a zip's is not (its central directory ends it)
    chunks: Iterator[bytes]


def packed(directory: Path, fmt: str, root: str) -> Packed:
    """The directory as one tar (POSIX pax, UTF-8 names) or zip (stored, ZIP64 when large) archive under
    the folder `root`: no file is ever held whole in memory."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    if fmt == "tar":
        folders = sorted([directory, *(p for p in directory.rglob("*") if p.is_dir())])
        return _tar(directory, folders, files, root)
    if fmt == "zip":
        return Packed(None, _zip(directory, files, root))
    raise ValueError(f"unknown package format {fmt!r}")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def _tar(directory: Path, folders: list[Path], files: list[Path], root: str) -> Packed:
    def header(path: Path, size: int) -> bytes:
        entry = tarfile.TarInfo(PurePosixPath(root, path.relative_to(directory).as_posix()).as_posix())
        entry.type = tarfile.REGTYPE if path.is_file() else tarfile.DIRTYPE
        entry.size, entry.mode, entry.mtime = size, 0o644 if path.is_file() else 0o755, int(path.stat().st_mtime)
        return entry.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")

    entries: list[tuple[bytes, Path | None, int]] = [(header(folder, 0), None, 0) for folder in folders]
    entries += [(header(path, size), path, size) for path in files for size in [path.stat().st_size]]
    body = sum(len(head) + size + (-size % tarfile.BLOCKSIZE) for head, _, size in entries)
    end = 2 * tarfile.BLOCKSIZE
    end += -(body + end) % tarfile.RECORDSIZE

    def chunks() -> Iterator[bytes]:
        for head, path, size in entries:
            yield head
            if path is None:
                continue
            sent = 0
            for chunk in _chunks(path):
                sent += len(chunk)
                if sent > size:
                    break
                yield chunk
            if sent != size:
                raise OSError(f"{path} changed while it was packed")
            yield b"\0" * (-size % tarfile.BLOCKSIZE)
        yield b"\0" * end

    return Packed(body + end, chunks())


class _Sink(io.RawIOBase):
    """Where zipfile writes: kept until taken, never seekable (so zipfile writes data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        self._position += len(self._parts[-1])
        return len(self._parts[-1])

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken


def _zip(directory: Path, files: list[Path], root: str) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
        for path in files:
            entry = zipfile.ZipInfo.from_file(path, PurePosixPath(root, path.relative_to(directory).as_posix()).as_posix())
            with package.open(entry, "w", force_zip64=entry.file_size >= zipfile.ZIP64_LIMIT) as member:
                for chunk in _chunks(path):
                    member.write(chunk)
                    if taken := sink.take():
                        yield taken
            if taken := sink.take():
                yield taken
    yield sink.take()

"""Hand-over packages 移交: BagIt 1.0 (RFC 8493) bags, made with the Library of Congress
`bagit` package, holding each original (verified on the way out) with its metadata and the ledger's
proof that it was archived; and a bag
packed as one tar or zip stream, for the service to send."""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import bagit

from zwgk.archive.service import Archivist, sidecar_of
from zwgk.archive.store import CHUNK
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.errors import DomainError


@dataclass(frozen=True)
class LedgerProof:
    """What lets the receiving archive check a bag against the ledger offline: the signed checkpoint, the
    key it verifies with, and for each original the inclusion proof of the event that archived it."""

    checkpoint: str
    public_key: str
    of: Callable[[ArchivedOriginal], tuple[dict[str, Any], bytes]]  # the proof (JSON) and the event's canonical bytes


Progress = Callable[[int, int], None]  # originals copied into the bag so far, and in all


def export_bag(archivist: Archivist, originals: Iterable[ArchivedOriginal], directory: Path, proofs: LedgerProof,
               progress: Progress | None = None) -> bagit.Bag:
    """A BagIt 1.0 bag: one folder per original under data/ (the original and metadata.json, DA/T 46 elements),
    and a tag file per original under proofs/ with the inclusion proof of its ArchivedOriginal event against the
    checkpoint in proofs/checkpoint.txt. Made in a temporary directory beside `directory` and moved into place
    only when complete: an export that fails leaves nothing. `progress` hears each original copied."""
    chosen = list(originals)
    if not chosen:
        raise DomainError("NOTHING_TO_EXPORT", "没有符合条件的档案原件。", "no original matches the selection")
    if directory.exists() and any(directory.iterdir()):
        raise DomainError("EXPORT_DIRECTORY_NOT_EMPTY", f"导出目录 {directory} 不为空。", f"{directory} is not empty")
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partial-", dir=directory.parent))
    try:
        _fill(archivist, chosen, building, proofs, progress)
        if directory.exists():
            directory.rmdir()
        building.rename(directory)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return bagit.Bag(str(directory))


def _fill(archivist: Archivist, chosen: list[ArchivedOriginal], building: Path, proofs: LedgerProof,
          progress: Progress | None) -> None:
    for copied, original in enumerate(chosen, start=1):
        folder = building / original.archive_number
        folder.mkdir()
        extension = mimetypes.guess_extension(original.media_type) or ".bin"
        with (folder / f"original{extension}").open("wb") as out:
            archivist.get(original, out)
        (folder / "metadata.json").write_bytes(sidecar_of(original))
        if progress:
            progress(copied, len(chosen))
    now = datetime.now(UTC)
    bagit.make_bag(
        str(building),
        bag_info={
            "Source-Organization": sorted({o.responsible_unit for o in chosen}),
            "External-Identifier": f"zwgk-export-{now:%Y%m%dT%H%M%SZ}",
            "External-Description": f"{len(chosen)} archived originals with DA/T 46 metadata and ledger inclusion proofs, "
                                    "exported by zwgk",
            "Bag-Count": "1 of 1",
        },
        checksums=["sha256", "sha512"],
    )
    (building / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    tags = building / "proofs"
    tags.mkdir()
    (tags / "checkpoint.txt").write_text(proofs.checkpoint, encoding="utf-8")
    (tags / "public-key.txt").write_text(proofs.public_key + "\n", encoding="utf-8")
    for original in chosen:
        proof, event = proofs.of(original)
        (tags / f"{original.archive_number}.json").write_text(json.dumps(
            {"archive_number": original.archive_number, "sha256": original.sha256, "inclusion_proof": proof,
             "event": base64.b64encode(event).decode()}, ensure_ascii=False, indent=2), encoding="utf-8")
    bagit.Bag(str(building)).save()  # the tag manifests, over bagit.txt and the proofs too


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

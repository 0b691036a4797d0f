"""Hand-over packages 移交: BagIt (RFC 8493) bags, made with the Library of Congress
`bagit` package, holding each original (verified on the way out) with its metadata."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import bagit

from zwgk.archive.service import Archivist, sidecar_of
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

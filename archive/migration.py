"""Migration between stores 迁移 (PREMIS migration): every original copied from one store to the other with
its lock and legal hold, both digests verified on arrival, and a `Migrated` event per original. Resumable:
an original already recorded in the target is skipped, and one copied but not recorded (a crash between the
two) is copied again, which the content-addressed store takes as the same object."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from zwgk.archive.service import Archivist
from zwgk.archive.store import OriginalMissing, OriginalStore, sidecar_key
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal


class _Chunks(io.RawIOBase):
    """An iterator of chunks as a stream the target store reads."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            self._left = next(self._chunks, b"")
            if not self._left:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


@dataclass
class MigrationReport:
    migrated: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in neither store: reported, not recorded

    def as_dict(self) -> dict[str, list[str]]:
        return {"migrated": self.migrated, "already": self.already, "missing": self.missing}


def migrate(archivist: Archivist, source: OriginalStore, target: OriginalStore, from_store: str, to_store: str, actor: Actor,
            progress: Callable[[ArchivedOriginal], None] | None = None) -> MigrationReport:
    """Copy every original not yet in `target` from `source`, verify it, record it."""
    report = MigrationReport()
    for original in archivist.originals():
        if original.location == to_store or (not original.location and target.state(original.storage_key, original.version_id).exists):
            report.already.append(original.archive_number)
            continue
        try:
            stream = io.BufferedReader(_Chunks(source.read(original.storage_key, original.version_id)))
            receipt = target.put(stream, original.media_type, original.retain_until)
        except OriginalMissing:
            report.missing.append(original.archive_number)
            continue
        if original.legal_hold:
            target.set_legal_hold(receipt.key, receipt.version_id, True)
        original.migrate(actor=actor, from_store=from_store, to_store=to_store, storage_key=receipt.key, version_id=receipt.version_id,
                         size=receipt.size, sha256=receipt.sha256, sm3=receipt.sm3)
        archivist.ledger.record(original)
        target.put_sidecar(sidecar_key(original.archive_number), archivist.sidecar(original), original.retain_until)
        report.migrated.append(original.archive_number)
        if progress:
            progress(original)
    return report

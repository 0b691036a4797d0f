"""The archive catalogue 档案目录: every original by its archive number, document number and digest,
with its retention, legal hold and last fixity check, so that archivists search and retrieve without
reading every record's history (R1, R2, D8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zwgk.domain.archival import ArchivedOriginal
from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent, by_type, event_type, events_of
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction

COLUMNS = ("archive_number", "original_id", "position", "doc_number", "title", "responsible_unit", "doc_date", "doc_type",
           "retention", "retain_until", "media_type", "size", "sha256", "sm3", "disclosure_id", "archived_at", "legal_hold",
           "last_checked_at", "last_fixity")
LATER = ("legal_hold", "last_checked_at", "last_fixity")  # set by events after the original is archived
ARCHIVED = tuple(c for c in COLUMNS if c not in LATER)
HOLDS = by_type({ArchivedOriginal.LegalHoldPlaced: 1, ArchivedOriginal.LegalHoldReleased: 0})
ORIGINAL_EVENTS = events_of(ArchivedOriginal)
ARCHIVED_EVENT, FIXITY_CHECKED = event_type(ArchivedOriginal.Archived), event_type(ArchivedOriginal.FixityChecked)


class ArchiveView(Projection):
    name = "archive"
    tables = {
        "archive_catalogue": """CREATE TABLE IF NOT EXISTS archive_catalogue (
            archive_number TEXT PRIMARY KEY, original_id TEXT NOT NULL UNIQUE, position BIGINT NOT NULL,
            doc_number TEXT NOT NULL, title TEXT NOT NULL, responsible_unit TEXT NOT NULL, doc_date TEXT NOT NULL,
            doc_type TEXT NOT NULL, retention TEXT NOT NULL, retain_until TEXT NOT NULL, media_type TEXT NOT NULL,
            size BIGINT NOT NULL, sha256 TEXT NOT NULL, sm3 TEXT NOT NULL, disclosure_id TEXT, archived_at TEXT NOT NULL,
            legal_hold INTEGER NOT NULL DEFAULT 0, last_checked_at TEXT, last_fixity TEXT)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS archive_by_doc_number ON archive_catalogue (doc_number, position)",
        "CREATE INDEX IF NOT EXISTS archive_by_sha256 ON archive_catalogue (sha256, position)",
    )
    export_order = {"archive_catalogue": "archive_number"}

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        for event in events:
            if event.type not in ORIGINAL_EVENTS:
                continue
            r = event.record
            if event.type == ARCHIVED_EVENT:
                row = {**{c: r.get(c) for c in ARCHIVED}, "original_id": event.aggregate_id, "position": event.position,
                       "doc_date": str(r["doc_date"]), "retain_until": str(r["retain_until"]), "archived_at": ts(event.occurred_at)}
                tx.write(f"INSERT INTO archive_catalogue ({', '.join(ARCHIVED)}) VALUES ({', '.join('?' * len(ARCHIVED))})",
                         tuple(row[c] for c in ARCHIVED))
            elif event.type == FIXITY_CHECKED:
                tx.write("UPDATE archive_catalogue SET last_checked_at = ?, last_fixity = ? WHERE original_id = ?",
                         (ts(event.occurred_at), r["outcome"], event.aggregate_id))
            elif event.type in HOLDS:
                tx.write("UPDATE archive_catalogue SET legal_hold = ? WHERE original_id = ?", (HOLDS[event.type], event.aggregate_id))


def archive_catalogue(
    tx: Transaction, *, unit: str = "", year: int | None = None, retention: str = "", title_contains: str = "",
    doc_type: str = "", doc_number: str = "", sha256: str = "",
) -> list[dict[str, Any]]:
    """The originals that match every criterion given, in the order they were archived."""
    where, params = [], []
    for column, value in (("responsible_unit", unit), ("retention", retention), ("doc_type", doc_type),
                          ("doc_number", doc_number), ("sha256", sha256.lower())):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if year is not None:
        where.append("doc_date >= ? AND doc_date < ?")
        params += [f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]
    sql = f"SELECT {', '.join(COLUMNS)} FROM archive_catalogue {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY position"
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in tx.execute(sql, params).cursor.fetchall()]
    return [{**row, "legal_hold": bool(row["legal_hold"])} for row in rows if title_contains in row["title"]]

"""Complaints as the complaints office works them: status and deadlines of handling, the
complainant's identity kept sealed in the view too (Q3), feedback publication (Q4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from zwgk.domain.complaints import Complaint
from zwgk.domain.privacy import ERASED, REDACTED, KeyStore
from zwgk.projections.catalogue import ts
from zwgk.projections.events import Handlers, ProjectedEvent
from zwgk.projections.keyset import Key, keyset
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

FOLD: Handlers[Callable[[Transaction, ProjectedEvent], None]] = Handlers()
SEALED = ("complainant_name", "complainant_contact", "account")


class ComplaintsView(Projection):
    name = "complaints"
    tables = {
        "complaints": """CREATE TABLE IF NOT EXISTS complaints (
            complaint_id TEXT PRIMARY KEY, category TEXT NOT NULL, form TEXT NOT NULL, major INTEGER NOT NULL,
            respondent_unit TEXT NOT NULL, handler_unit TEXT, status TEXT NOT NULL, registered_at TEXT NOT NULL,
            sealed TEXT NOT NULL, substantiated INTEGER, published_summary TEXT)""",
    }
    export_order = {"complaints": "complaint_id"}

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        FOLD.dispatch(tx, event)


@FOLD.on(Complaint.Registered)
def _registered(tx: Transaction, event: ProjectedEvent) -> None:
    r = event.record
    tx.execute(
        "INSERT INTO complaints (complaint_id, category, form, major, respondent_unit, status, registered_at, sealed) "
        "VALUES (?, ?, ?, ?, ?, 'registered', ?, ?)",
        (event.aggregate_id, r["category"], r["form"], int(r["major"]), r["respondent_unit"], ts(event.occurred_at),
         to_json({field: r[field] for field in SEALED})),
    )


def _status(tx: Transaction, event: ProjectedEvent, status: str) -> None:
    tx.execute("UPDATE complaints SET status = ? WHERE complaint_id = ?", (status, event.aggregate_id))


@FOLD.on(Complaint.Assigned)
def _assigned(tx: Transaction, event: ProjectedEvent) -> None:
    _status(tx, event, "assigned")
    tx.execute("UPDATE complaints SET handler_unit = ? WHERE complaint_id = ?", (event.record["handler_unit"], event.aggregate_id))


@FOLD.on(Complaint.Handled)
def _handled(tx: Transaction, event: ProjectedEvent) -> None:
    _status(tx, event, "handled")
    tx.execute("UPDATE complaints SET substantiated = ? WHERE complaint_id = ?",
               (int(event.record["substantiated"]), event.aggregate_id))


@FOLD.on(Complaint.FeedbackGiven)
def _answered(tx: Transaction, event: ProjectedEvent) -> None:
    _status(tx, event, "answered")


@FOLD.on(Complaint.FeedbackPublished)
def _published(tx: Transaction, event: ProjectedEvent) -> None:
    """Q4: the handling and feedback made public."""
    _status(tx, event, "published")
    tx.execute("UPDATE complaints SET published_summary = ? WHERE complaint_id = ?", (event.record["summary"], event.aggregate_id))


def complaints(tx: Transaction, keys: KeyStore) -> list[dict[str, Any]]:
    """Complaints with their sealed fields as markers (sealed, or erased once the key is gone): a complainant's
    identity is read one field at a time, with a stated purpose, and that read is recorded (Q3).
    Q4: feedback given but not published is flagged."""
    cursor = tx.execute("SELECT * FROM complaints ORDER BY registered_at, complaint_id").cursor
    columns = [c[0] for c in cursor.description]
    result = []
    for row in cursor.fetchall():
        item = dict(zip(columns, row, strict=True))
        sealed = json.loads(item.pop("sealed"))
        for field in SEALED:
            item[field] = REDACTED if keys.find(sealed[field]["subject_id"]) else ERASED
        item["feedback_unpublished"] = item["status"] == "answered"
        result.append(item)
    return result


OPEN_COLUMNS = ("complaint_id", "category", "form", "major", "respondent_unit", "handler_unit", "status", "registered_at",
                "substantiated", "published_summary")


def complaints_without_identities(tx: Transaction, unit: str = "", after: Key | None = None,
                                  limit: int | None = None) -> list[dict[str, Any]]:
    """Complaints without their sealed fields, which are not even read (Q3): for lists that anyone may see;
    a page after the complaint `after` = (registered_at, complaint_id). Q4: feedback given but not
    published is flagged."""
    where, params = (["respondent_unit = ?"], [unit]) if unit else ([], [])
    rows = keyset(tx, f"SELECT {', '.join(OPEN_COLUMNS)} FROM complaints", where, params, ("registered_at", "complaint_id"),
                  after, limit)
    return [{**dict(zip(OPEN_COLUMNS, row, strict=True)), "feedback_unpublished": row[6] == "answered"} for row in rows]

"""The audit timeline 审计时间线: every event touching a record, a unit or a person, in order,
with who acted in which role, business time and recorded time, and the rule outcomes.

The ledger is bitemporal: an event's business time (`occurred_at`, when the act happened, given on
import of old records) and its recording time (`recorded_at`, when the ledger took it). The timeline
is read along either; a record's state is replayed as of either."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from zwgk.domain.data_subjects import DataSubject, PersonalDataReading
from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent, by_type
from zwgk.projections.keyset import Key, keyset
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

UNIT_FIELDS = ("unit", "responsible_unit", "subject_unit", "respondent_unit")
# Events of one record that change others, by the field naming them: they belong to those records' histories too.
MENTIONS = by_type({DataSubject.Erased: "records", PersonalDataReading.Read: "record_id"})
# The two times the timeline is read along: business time, and the time the ledger recorded the event.
TIME_COLUMNS = {"business": "occurred_at", "recorded": "recorded_at"}
EVENT_COLUMNS = ("position", "aggregate_id", "version", "event_type", "subject_unit", "actor_id", "actor_role", "actor_unit",
                 "occurred_at", "recorded_at", "event_id", "rule_outcomes")


class TimelineView(Projection):
    name = "timeline"
    tables = {
        "timeline_events": """CREATE TABLE IF NOT EXISTS timeline_events (
            position BIGINT PRIMARY KEY, aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, event_type TEXT NOT NULL,
            subject_unit TEXT NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, actor_unit TEXT NOT NULL,
            occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, event_id TEXT NOT NULL, rule_outcomes TEXT NOT NULL)""",
        "timeline_subjects": """CREATE TABLE IF NOT EXISTS timeline_subjects (
            aggregate_id TEXT PRIMARY KEY, unit TEXT NOT NULL)""",
        "timeline_mentions": """CREATE TABLE IF NOT EXISTS timeline_mentions (
            aggregate_id TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (aggregate_id, position))""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS timeline_by_aggregate ON timeline_events (aggregate_id, occurred_at)",
        "CREATE INDEX IF NOT EXISTS timeline_by_unit ON timeline_events (subject_unit, occurred_at)",
        "CREATE INDEX IF NOT EXISTS timeline_by_actor_unit ON timeline_events (actor_unit, occurred_at)",
        "CREATE INDEX IF NOT EXISTS timeline_by_actor ON timeline_events (actor_id, occurred_at)",
        "CREATE INDEX IF NOT EXISTS timeline_by_recorded ON timeline_events (recorded_at, position)",
    )
    export_order = {"timeline_events": "position", "timeline_subjects": "aggregate_id",
                    "timeline_mentions": "aggregate_id, position"}

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        """One row an event, written together; a record's unit is named by its first event, and the
        units of records first seen in earlier batches are read together."""
        subjects: dict[str, str] = {}
        units = []
        for event in events:
            r = event.record
            unit = (next((r[f] for f in UNIT_FIELDS if isinstance(r.get(f), str)), None)
                    or (r.get("elements") or {}).get("responsible_unit"))
            if unit and event.version == 1:
                subjects[event.aggregate_id] = unit
            units.append(unit)
        earlier = {a: row[0] for a, row in tx.by_key("timeline_subjects", "aggregate_id", ("unit",), (
            e.aggregate_id for e, unit in zip(events, units, strict=True) if not unit and e.aggregate_id not in subjects)).items()}
        rows = []
        for event, unit in zip(events, units, strict=True):
            r = event.record
            if not unit:
                unit = subjects.get(event.aggregate_id) or earlier.get(event.aggregate_id) or event.actor.get("unit", "")
            outcomes = r.get("rule_outcomes")
            rows.append((event.position, event.aggregate_id, event.version, event.type, unit, event.actor.get("id", ""),
                         event.actor.get("role", ""), event.actor.get("unit", ""), ts(event.occurred_at), ts(r["recorded_at"]),
                         str(r["event_id"]), to_json(outcomes) if outcomes else "{}"))
        mentions = [(record, event.position) for event in events if event.type in MENTIONS
                    for record in _listed(event.record[MENTIONS[event.type]])]
        tx.insert("timeline_subjects", ("aggregate_id", "unit"), list(subjects.items()))
        tx.insert("timeline_events", EVENT_COLUMNS, rows)
        tx.insert("timeline_mentions", ("aggregate_id", "position"), mentions)


def _listed(value: Any) -> list[Any]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def timeline(tx: Transaction, *, aggregate: str = "", unit: str = "", actor: str = "",
             start: datetime | None = None, end: datetime | None = None, after: Key | None = None,
             limit: int | None = None, by: str = "business") -> list[dict[str, Any]]:
    """Events in the order of one of the two times (`by`: business or recorded), `start` and `end` on that
    time too; a page: after the event `after` = (that time, position). Rule outcomes as an object."""
    column = TIME_COLUMNS[by]
    where, params = [], []
    if aggregate:
        where.append("(aggregate_id = ? OR position IN (SELECT position FROM timeline_mentions WHERE aggregate_id = ?))")
        params += [aggregate, aggregate]
    if unit:
        where.append("(subject_unit = ? OR actor_unit = ?)")
        params += [unit, unit]
    if actor:
        where.append("actor_id = ?")
        params.append(actor)
    if start:
        where.append(f"{column} >= ?")
        params.append(ts(start))
    if end:
        where.append(f"{column} <= ?")
        params.append(ts(end))
    rows = keyset(tx, f"SELECT {', '.join(EVENT_COLUMNS)} FROM timeline_events", where, params, (column, "position"), after, limit)
    return [{**dict(zip(EVENT_COLUMNS, row, strict=True)), "rule_outcomes": json.loads(row[-1])} for row in rows]


def unit_of(tx: Transaction, aggregate: str) -> str | None:
    """The unit a record is about, as its first event named it (None: no such record in the view)."""
    row = tx.one("SELECT subject_unit FROM timeline_events WHERE aggregate_id = ? ORDER BY version LIMIT 1", (aggregate,))
    return row[0] if row else None


def version_as_of(tx: Transaction, aggregate: str, instant: datetime | None = None,
                  recorded: datetime | None = None) -> int | None:
    """The record's last version whose event happened by `instant` (business time) and was recorded by
    `recorded` (what the ledger held then), either or both; None when no event qualifies."""
    where, params = ["aggregate_id = ?"], [aggregate]
    for column, moment in (("occurred_at", instant), ("recorded_at", recorded)):
        if moment is not None:
            where.append(f"{column} <= ?")
            params.append(ts(moment))
    row = tx.one(f"SELECT MAX(version) FROM timeline_events WHERE {' AND '.join(where)}", params)
    return row[0] if row and row[0] else None

"""The disclosure register 公开登记: each act, where it stands in review, when and where
it was published, and whether its original is archived (D1–D8); a policy's interpretations (D9);
a withheld act's yearly re-checks (D10)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

COLUMNS = ("act_id", "unit", "title", "doc_number", "kind", "attribute", "reason", "drafted_at", "signatures", "rejected",
           "pre_review", "signed_off_at", "deadline", "published_at", "channels", "d3_outcome", "corrections", "withdrawn",
           "original_sha256", "interprets", "interpretation_due", "interpretations", "d9_outcome", "rechecks", "version")
JSON_COLUMNS = ("signatures", "channels", "interpretations", "rechecks")
RESET_REVIEW = {"signatures": {}, "rejected": 0, "pre_review": None, "signed_off_at": None, "deadline": None}
UPSERT = (f"INSERT INTO disclosure_register ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          f"ON CONFLICT (act_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}")


class RegisterView(Projection):
    name = "register"
    tables = {
        "disclosure_register": """CREATE TABLE IF NOT EXISTS disclosure_register (
            act_id TEXT PRIMARY KEY, unit TEXT NOT NULL, title TEXT NOT NULL, doc_number TEXT NOT NULL,
            kind TEXT NOT NULL, attribute TEXT NOT NULL, reason TEXT, drafted_at TEXT NOT NULL,
            signatures TEXT NOT NULL, rejected INTEGER NOT NULL, pre_review TEXT, signed_off_at TEXT, deadline TEXT,
            published_at TEXT, channels TEXT NOT NULL, d3_outcome TEXT, corrections INTEGER NOT NULL,
            withdrawn INTEGER NOT NULL, original_sha256 TEXT, interprets TEXT, interpretation_due TEXT,
            interpretations TEXT NOT NULL, d9_outcome TEXT, rechecks TEXT NOT NULL, version INTEGER NOT NULL)""",
    }
    export_order = {"disclosure_register": "act_id"}
    revision = 2  # 2: a D9 deadline recomputed with the official calendar

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        """The acts a batch touches are read once, changed in memory and written once."""
        rows: dict[str, dict[str, Any]] = {}
        drafted = {e.aggregate_id for e in events if e.type == "DisclosureAct.Drafted"}
        stored = tx.by_key("disclosure_register", "act_id", COLUMNS[1:],
                           {e.aggregate_id for e in events if e.type.startswith("DisclosureAct.")} - drafted)
        for event in events:
            if event.type.startswith("DisclosureAct."):
                act = event.aggregate_id
                new = event.type == "DisclosureAct.Drafted"
                row = rows[act] = {} if new else rows.get(act) or self._row(stored, act) or {}
                self._apply(row, event)
        tx.executemany(UPSERT, [tuple(to_json(r[c]) if c in JSON_COLUMNS else r[c] for c in COLUMNS) for r in rows.values()])

    @staticmethod
    def _row(stored: dict[str, tuple[Any, ...]], act: str) -> dict[str, Any] | None:
        if act not in stored:
            return None
        row = dict(zip(COLUMNS, (act, *stored[act])))
        return {**row, **{c: json.loads(row[c]) for c in JSON_COLUMNS}}

    @staticmethod
    def _apply(row: dict[str, Any], event: ProjectedEvent) -> None:
        r, kind, at = event.record, event.type.removeprefix("DisclosureAct."), ts(event.occurred_at)
        if kind == "Drafted":
            row.update(act_id=event.aggregate_id, unit=r["unit"], title=r["title"], doc_number=r["doc_number"], kind=r["kind"],
                       attribute=r["attribute"], reason=r["reason"], drafted_at=at, signatures={}, rejected=0,
                       pre_review=None, signed_off_at=None, deadline=None, published_at=None, channels={}, d3_outcome=None,
                       corrections=0, withdrawn=0, original_sha256=None, interprets=r["interprets"],
                       interpretation_due=None, interpretations=[], d9_outcome=None, rechecks={})
        elif kind == "Revised":
            row.update(title=r["title"], attribute=r["attribute"], reason=r["reason"], **RESET_REVIEW)
        elif kind == "ReviewSigned":
            row["signatures"] = {**row["signatures"],
                                 r["sheet_role"]: {"signer": event.actor.get("id"), "decision": r["decision"], "at": at}}
            row["rejected"] = max(row["rejected"], int(r["decision"] == "rejected"))
        elif kind == "PreReviewed":
            row["pre_review"] = r["decision"]
        elif kind in ("SignedOff", "PublicationDeadlineRecomputed"):
            row["deadline"] = to_json(r["deadline"])
            if kind == "SignedOff":
                row["signed_off_at"] = at
        elif kind == "Published":
            row["channels"] = {**row["channels"], r["channel"]: {"at": at, "location": r["location"]}}
            row["published_at"] = row["published_at"] or at
            row["d3_outcome"] = row["d3_outcome"] or next(iter(r["rule_outcomes"].values()), None)
            due = r["interpretation_due"]
            row["interpretation_due"] = row["interpretation_due"] or (due["due"].isoformat() if due else None)
        elif kind == "InterpretationDeadlineRecomputed":
            row["interpretation_due"] = r["deadline"]["due"].isoformat()
        elif kind == "Interpreted":
            row["interpretations"] = [*row["interpretations"], r["interpretation_id"]]
            row["d9_outcome"] = row["d9_outcome"] or r["rule_outcomes"].get("D9")
        elif kind == "Corrected":
            row["corrections"] += 1
        elif kind == "Withdrawn":
            row["withdrawn"] = 1
        elif kind == "OriginalLinked":
            row["original_sha256"] = r["sha256"]
        elif kind == "WithholdingRechecked":
            row["rechecks"] = {**row["rechecks"], str(r["year"]): {"still_withheld": r["still_withheld"], "at": at,
                                                                    "d10_outcome": r["rule_outcomes"]["D10"]}}
        row["version"] = event.version


def disclosure_register(tx: Transaction, unit: str = "") -> list[dict[str, Any]]:
    """The register's rows by act, one unit's or every unit's, as stored (JSON columns as text)."""
    where, params = ("WHERE unit = ?", (unit,)) if unit else ("", ())
    rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM disclosure_register {where} ORDER BY act_id", params)
    return [dict(zip(COLUMNS, row)) for row in rows]

"""The disclosure register 公开登记: each act, where it stands in review, when and where
it was published, and whether its original is archived (D1–D8); a policy's interpretations (D9);
a withheld act's yearly re-checks (D10)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.rules import Rule
from zwgk.projections.catalogue import ts
from zwgk.projections.events import Handlers, ProjectedEvent, event_type, events_of
from zwgk.projections.keyset import Key, keyset
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

COLUMNS = ("act_id", "unit", "title", "doc_number", "kind", "attribute", "reason", "drafted_at", "signatures", "rejected",
           "pre_review", "signed_off_at", "deadline", "published_at", "channels", "publication_outcome", "corrections",
           "withdrawn", "original_sha256", "interprets", "interpretation_due", "interpretations", "d9_outcome", "rechecks",
           "version")
JSON_COLUMNS = ("signatures", "channels", "interpretations", "rechecks")
RESET_REVIEW = {"signatures": {}, "rejected": 0, "pre_review": None, "signed_off_at": None, "deadline": None}
UPSERT = (f"INSERT INTO disclosure_register ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          f"ON CONFLICT (act_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}")
ACT_EVENTS = events_of(DisclosureAct)
DRAFTED = event_type(DisclosureAct.Drafted)

APPLY: Handlers[Callable[[dict[str, Any], ProjectedEvent], None]] = Handlers()


class RegisterView(Projection):
    name = "register"
    tables = {
        "disclosure_register": """CREATE TABLE IF NOT EXISTS disclosure_register (
            act_id TEXT PRIMARY KEY, unit TEXT NOT NULL, title TEXT NOT NULL, doc_number TEXT NOT NULL,
            kind TEXT NOT NULL, attribute TEXT NOT NULL, reason TEXT, drafted_at TEXT NOT NULL,
            signatures TEXT NOT NULL, rejected INTEGER NOT NULL, pre_review TEXT, signed_off_at TEXT, deadline TEXT,
            published_at TEXT, channels TEXT NOT NULL, publication_outcome TEXT, corrections INTEGER NOT NULL,
            withdrawn INTEGER NOT NULL, original_sha256 TEXT, interprets TEXT, interpretation_due TEXT,
            interpretations TEXT NOT NULL, d9_outcome TEXT, rechecks TEXT NOT NULL, version INTEGER NOT NULL)""",
    }
    indexes = ("CREATE INDEX IF NOT EXISTS register_by_unit ON disclosure_register (unit, act_id)",)
    export_order = {"disclosure_register": "act_id"}
    revision = 3  # 2: a D9 deadline recomputed with the official calendar; 3: d3_outcome is publication_outcome (D3 or D11)

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        """The acts a batch touches are read once, changed in memory and written once."""
        rows: dict[str, dict[str, Any]] = {}
        drafted = {e.aggregate_id for e in events if e.type == DRAFTED}
        stored = tx.by_key("disclosure_register", "act_id", COLUMNS[1:],
                           {e.aggregate_id for e in events if e.type in ACT_EVENTS} - drafted)
        for event in events:
            if event.type in ACT_EVENTS:
                act = event.aggregate_id
                new = event.type == DRAFTED
                row = rows[act] = {} if new else rows.get(act) or self._row(stored, act) or {}
                APPLY.dispatch(row, event)
                row["version"] = event.version
        tx.executemany(UPSERT, [tuple(to_json(r[c]) if c in JSON_COLUMNS else r[c] for c in COLUMNS) for r in rows.values()])

    @staticmethod
    def _row(stored: dict[str, tuple[Any, ...]], act: str) -> dict[str, Any] | None:
        if act not in stored:
            return None
        row = dict(zip(COLUMNS, (act, *stored[act]), strict=True))
        return {**row, **{c: json.loads(row[c]) for c in JSON_COLUMNS}}


@APPLY.on(DisclosureAct.Drafted)
def _drafted(row: dict[str, Any], event: ProjectedEvent) -> None:
    r = event.record
    row.update(act_id=event.aggregate_id, unit=r["unit"], title=r["title"], doc_number=r["doc_number"], kind=r["kind"],
               attribute=r["attribute"], reason=r["reason"], drafted_at=ts(event.occurred_at), signatures={}, rejected=0,
               pre_review=None, signed_off_at=None, deadline=None, published_at=None, channels={}, publication_outcome=None,
               corrections=0, withdrawn=0, original_sha256=None, interprets=r["interprets"],
               interpretation_due=None, interpretations=[], d9_outcome=None, rechecks={})


@APPLY.on(DisclosureAct.Revised)
def _revised(row: dict[str, Any], event: ProjectedEvent) -> None:
    r = event.record
    row.update(title=r["title"], attribute=r["attribute"], reason=r["reason"], **RESET_REVIEW)


@APPLY.on(DisclosureAct.ReviewSigned)
def _review_signed(row: dict[str, Any], event: ProjectedEvent) -> None:
    r = event.record
    signature = {"signer": event.actor.get("id"), "decision": r["decision"], "at": ts(event.occurred_at)}
    row["signatures"] = {**row["signatures"], r["sheet_role"]: signature}
    row["rejected"] = max(row["rejected"], int(r["decision"] == "rejected"))


@APPLY.on(DisclosureAct.PreReviewed)
def _pre_reviewed(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["pre_review"] = event.record["decision"]


@APPLY.on(DisclosureAct.SignedOff)
def _signed_off(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["deadline"] = to_json(event.record["deadline"])
    row["signed_off_at"] = ts(event.occurred_at)


@APPLY.on(DisclosureAct.PublicationDeadlineRecomputed)
def _deadline_recomputed(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["deadline"] = to_json(event.record["deadline"])


@APPLY.on(DisclosureAct.Published)
def _published(row: dict[str, Any], event: ProjectedEvent) -> None:
    """The first publication's outcome under the act's publication rule, D3 or D11."""
    r, at = event.record, ts(event.occurred_at)
    row["channels"] = {**row["channels"], r["channel"]: {"at": at, "location": r["location"]}}
    row["published_at"] = row["published_at"] or at
    row["publication_outcome"] = row["publication_outcome"] or next(iter(r["rule_outcomes"].values()), None)
    due = r["interpretation_due"]
    row["interpretation_due"] = row["interpretation_due"] or (due["due"].isoformat() if due else None)


@APPLY.on(DisclosureAct.InterpretationDeadlineRecomputed)
def _interpretation_recomputed(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["interpretation_due"] = event.record["deadline"]["due"].isoformat()


@APPLY.on(DisclosureAct.Interpreted)
def _interpreted(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["interpretations"] = [*row["interpretations"], event.record["interpretation_id"]]
    row["d9_outcome"] = row["d9_outcome"] or event.record["rule_outcomes"].get(Rule.D9)


@APPLY.on(DisclosureAct.Corrected)
def _corrected(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["corrections"] += 1


@APPLY.on(DisclosureAct.Withdrawn)
def _withdrawn(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["withdrawn"] = 1


@APPLY.on(DisclosureAct.OriginalLinked)
def _original_linked(row: dict[str, Any], event: ProjectedEvent) -> None:
    row["original_sha256"] = event.record["sha256"]


@APPLY.on(DisclosureAct.WithholdingRechecked)
def _withholding_rechecked(row: dict[str, Any], event: ProjectedEvent) -> None:
    r = event.record
    row["rechecks"] = {**row["rechecks"], str(r["year"]): {"still_withheld": r["still_withheld"], "at": ts(event.occurred_at),
                                                           "d10_outcome": r["rule_outcomes"][Rule.D10]}}


def disclosure_register(tx: Transaction, unit: str = "", after: Key | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The register's rows by act, one unit's or every unit's, as stored (JSON columns as text); a page
    of them after the act `after` = (act_id,)."""
    where, params = (["unit = ?"], [unit]) if unit else ([], [])
    rows = keyset(tx, f"SELECT {', '.join(COLUMNS)} FROM disclosure_register", where, params, ("act_id",), after, limit)
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

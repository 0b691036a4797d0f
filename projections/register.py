"""The disclosure register 公开登记: each act, where it stands in review, when and where
it was published, and whether its original is archived (D1–D8); a policy's interpretations (D9)."""

from __future__ import annotations

import json

from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

RESET_REVIEW = "signatures = '{}', rejected = 0, pre_review = NULL, signed_off_at = NULL, deadline = NULL"


class RegisterView(Projection):
    name = "register"
    tables = {
        "disclosure_register": """CREATE TABLE IF NOT EXISTS disclosure_register (
            act_id TEXT PRIMARY KEY, unit TEXT NOT NULL, title TEXT NOT NULL, doc_number TEXT NOT NULL,
            kind TEXT NOT NULL, attribute TEXT NOT NULL, reason TEXT, drafted_at TEXT NOT NULL,
            signatures TEXT NOT NULL, rejected INTEGER NOT NULL, pre_review TEXT, signed_off_at TEXT, deadline TEXT,
            published_at TEXT, channels TEXT NOT NULL, d3_outcome TEXT, corrections INTEGER NOT NULL,
            withdrawn INTEGER NOT NULL, original_sha256 TEXT, interprets TEXT, interpretation_due TEXT,
            interpretations TEXT NOT NULL, d9_outcome TEXT, version INTEGER NOT NULL)""",
    }
    export_order = {"disclosure_register": "act_id"}

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        r, act = event.record, event.aggregate_id
        kind = event.type.removeprefix("DisclosureAct.")
        if not event.type.startswith("DisclosureAct."):
            return
        if kind == "Drafted":
            tx.execute(
                "INSERT INTO disclosure_register (act_id, unit, title, doc_number, kind, attribute, reason, drafted_at, "
                "signatures, rejected, channels, corrections, withdrawn, interprets, interpretations, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, '{}', 0, 0, ?, '[]', ?)",
                (act, r["unit"], r["title"], r["doc_number"], r["kind"], r["attribute"], r["reason"], ts(event.occurred_at),
                 r["interprets"], event.version),
            )
            return
        if kind == "Revised":
            tx.execute(f"UPDATE disclosure_register SET title = ?, attribute = ?, reason = ?, {RESET_REVIEW} WHERE act_id = ?",
                       (r["title"], r["attribute"], r["reason"], act))
        elif kind == "ReviewSigned":
            signatures = json.loads(tx.one("SELECT signatures FROM disclosure_register WHERE act_id = ?", (act,))[0])
            signatures[r["sheet_role"]] = {"signer": event.actor.get("id"), "decision": r["decision"], "at": ts(event.occurred_at)}
            tx.execute("UPDATE disclosure_register SET signatures = ?, rejected = CASE WHEN rejected > ? THEN rejected ELSE ? END WHERE act_id = ?",
                       (to_json(signatures), *(int(r["decision"] == "rejected"),) * 2, act))
        elif kind == "PreReviewed":
            tx.execute("UPDATE disclosure_register SET pre_review = ? WHERE act_id = ?", (r["decision"], act))
        elif kind in ("SignedOff", "PublicationDeadlineRecomputed"):
            signed = ", signed_off_at = ?" if kind == "SignedOff" else ""
            params = (to_json(r["deadline"]), *((ts(event.occurred_at),) if signed else ()), act)
            tx.execute(f"UPDATE disclosure_register SET deadline = ?{signed} WHERE act_id = ?", params)
        elif kind == "Published":
            channels = json.loads(tx.one("SELECT channels FROM disclosure_register WHERE act_id = ?", (act,))[0])
            channels[r["channel"]] = {"at": ts(event.occurred_at), "location": r["location"]}
            outcome = next(iter(r["rule_outcomes"].values()), None)
            tx.execute("UPDATE disclosure_register SET channels = ?, published_at = COALESCE(published_at, ?), "
                       "d3_outcome = COALESCE(d3_outcome, ?), interpretation_due = COALESCE(interpretation_due, ?) "
                       "WHERE act_id = ?",
                       (to_json(channels), ts(event.occurred_at), outcome,
                        r["interpretation_due"]["due"].isoformat() if r["interpretation_due"] else None, act))
        elif kind == "Interpreted":
            interpretations = json.loads(tx.one("SELECT interpretations FROM disclosure_register WHERE act_id = ?", (act,))[0])
            interpretations.append(r["interpretation_id"])
            tx.execute("UPDATE disclosure_register SET interpretations = ?, d9_outcome = COALESCE(d9_outcome, ?) "
                       "WHERE act_id = ?", (to_json(interpretations), r["rule_outcomes"].get("D9"), act))
        elif kind == "Corrected":
            tx.execute("UPDATE disclosure_register SET corrections = corrections + 1 WHERE act_id = ?", (act,))
        elif kind == "Withdrawn":
            tx.execute("UPDATE disclosure_register SET withdrawn = 1 WHERE act_id = ?", (act,))
        elif kind == "OriginalLinked":
            tx.execute("UPDATE disclosure_register SET original_sha256 = ? WHERE act_id = ?", (r["sha256"], act))
        tx.execute("UPDATE disclosure_register SET version = ? WHERE act_id = ?", (event.version, act))

"""Every deadline a rule sets, as stored in the event that started it,
with its provisional flag; closed as met or breached when its act is done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction


# Events that start a deadline stored in one of their fields (M1, P4).
OPENED_BY = {"RepresentedMeeting.Held": "feedback_due", "MajorDecision.CommentsAbsorbed": "report_due"}
# Events whose rule outcomes close deadlines; a policy's first publication also opens D9.
CLOSED_BY_OUTCOMES = ("DisclosureAct.Published", "DisclosureAct.Interpreted", "RepresentedMeeting.FeedbackPublished",
                      "MajorDecision.AdoptionReportPublished")


class DeadlinesView(Projection):
    name = "deadlines"
    tables = {
        "deadlines": """CREATE TABLE IF NOT EXISTS deadlines (
            deadline_id TEXT PRIMARY KEY, source_id TEXT NOT NULL, rule TEXT NOT NULL, unit TEXT NOT NULL,
            subject TEXT NOT NULL, start TEXT NOT NULL, due TEXT NOT NULL, working_days INTEGER NOT NULL,
            provisional INTEGER NOT NULL, calendar_version TEXT NOT NULL, status TEXT NOT NULL, closed_at TEXT)""",
        "deadline_subjects": """CREATE TABLE IF NOT EXISTS deadline_subjects (
            source_id TEXT PRIMARY KEY, unit TEXT NOT NULL, subject TEXT NOT NULL)""",
    }
    export_order = {"deadlines": "deadline_id", "deadline_subjects": "source_id"}

    def __init__(self) -> None:
        self._subjects: dict[str, tuple[str, str]] = {}  # what the batch already knows, not asked again

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        r = event.record
        if event.type in ("DisclosureAct.Drafted", "RepresentedMeeting.Invited", "MajorDecision.Proposed"):
            self._subjects[event.aggregate_id] = (r["unit"], r["title"])
            tx.write("INSERT INTO deadline_subjects (source_id, unit, subject) VALUES (?, ?, ?)",
                     (event.aggregate_id, r["unit"], r["title"]))
        elif event.type == "DisclosureAct.Revised":
            self._subjects[event.aggregate_id] = (self._subject(tx, event.aggregate_id)[0], r["title"])
            tx.write("UPDATE deadline_subjects SET subject = ? WHERE source_id = ?", (r["title"], event.aggregate_id))
            tx.write("DELETE FROM deadlines WHERE source_id = ? AND status = 'open'", (event.aggregate_id,))
        elif event.type in ("DisclosureAct.SignedOff", "DisclosureAct.PublicationDeadlineRecomputed") and r["deadline"]:
            self._open(tx, event.aggregate_id, *self._subject(tx, event.aggregate_id), r["deadline"])
        elif event.type == "InformationRequest.Received":
            self._open(tx, event.aggregate_id, r["unit"], "政府信息公开申请", r["deadline"])
        elif event.type in ("InformationRequest.Completed", "InformationRequest.ConsultationEnded", "InformationRequest.Extended"):
            self._open(tx, event.aggregate_id, *tx.one("SELECT unit, subject FROM deadlines WHERE deadline_id = ?",
                                                         (f"{event.aggregate_id}:A1",)), r["deadline"])
        elif event.type in ("InformationRequest.Answered", "InformationRequest.Abandoned"):
            self._close(tx, f"{event.aggregate_id}:A1", r["rule_outcomes"]["A1"] if "rule_outcomes" in r else "met", event)
        elif event.type == "Assessment.SelfAssessed":
            self._subjects[event.aggregate_id] = (r["unit"], f"{r['period']} 考核整改")
            tx.write("INSERT INTO deadline_subjects (source_id, unit, subject) VALUES (?, ?, ?)",
                     (event.aggregate_id, r["unit"], f"{r['period']} 考核整改"))
        elif event.type == "Assessment.RectificationOrdered":
            set_by_office = {"rule": "E4", "start": event.occurred_at.astimezone(CST).date(), "due": r["deadline"],
                             "working_days": 0, "provisional": False, "calendar_version": "set by the leading group office"}
            self._open(tx, event.aggregate_id, *self._subject(tx, event.aggregate_id), set_by_office)
        elif event.type == "Assessment.Reassessed":
            self._close(tx, f"{event.aggregate_id}:E4", "met" if r["on_time"] else "breached", event)
        elif event.type in OPENED_BY:
            self._open(tx, event.aggregate_id, *self._subject(tx, event.aggregate_id), r[OPENED_BY[event.type]])
        elif event.type in CLOSED_BY_OUTCOMES:
            for rule, outcome in r["rule_outcomes"].items():
                self._close(tx, f"{event.aggregate_id}:{rule}", outcome, event)
            if r.get("interpretation_due"):
                unit, title = self._subject(tx, event.aggregate_id)
                self._open(tx, event.aggregate_id, unit, f"{title}（解读）", r["interpretation_due"])

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        self._subjects = {}
        super().fold_batch(tx, events)

    def _subject(self, tx: Transaction, source: str) -> tuple[str, str]:
        if source not in self._subjects:
            self._subjects[source] = tx.one("SELECT unit, subject FROM deadline_subjects WHERE source_id = ?", (source,))
        return self._subjects[source]

    @staticmethod
    def _open(tx: Transaction, source: str, unit: str, subject: str, d: dict) -> None:
        """A deadline as its event stored it; a later event for the same rule replaces it."""
        deadline_id = f"{source}:{d['rule']}"
        tx.write("DELETE FROM deadlines WHERE deadline_id = ?", (deadline_id,))
        tx.write(
            "INSERT INTO deadlines (deadline_id, source_id, rule, unit, subject, start, due, working_days, provisional, "
            "calendar_version, status, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL)",
            (deadline_id, source, d["rule"], unit, subject, d["start"].isoformat(), d["due"].isoformat(), d["working_days"],
             int(d["provisional"]), d["calendar_version"]),
        )

    @staticmethod
    def _close(tx: Transaction, deadline_id: str, status: str, event: ProjectedEvent) -> None:
        tx.write("UPDATE deadlines SET status = ?, closed_at = ? WHERE deadline_id = ? AND status = 'open'",
                   (status, ts(event.occurred_at), deadline_id))


def deadlines(tx: Transaction, calendar: WorkingDayCalendar, today: date, unit: str = "", overdue: bool = False) -> list[dict[str, Any]]:
    """Open and closed deadlines, with working days left for the open ones (negative: overdue)."""
    rows = tx.all("SELECT deadline_id, source_id, rule, unit, subject, start, due, working_days, provisional, "
                  "calendar_version, status, closed_at FROM deadlines ORDER BY due, deadline_id")
    result = []
    for (deadline_id, source, rule, owner, subject, start, due, days, provisional, version, status, closed) in rows:
        due_date = date.fromisoformat(due)
        left = calendar.working_days_between(today, due_date) if status == "open" else None
        late = status == "breached" or (status == "open" and today > due_date)
        if (unit and owner != unit) or (overdue and not late):
            continue
        result.append({"deadline_id": deadline_id, "source_id": source, "rule": rule, "unit": owner, "subject": subject,
                       "start": start, "due": due, "working_days": days, "provisional": bool(provisional),
                       "calendar_version": version, "status": status, "closed_at": closed,
                       "working_days_left": left, "overdue": late})
    return result


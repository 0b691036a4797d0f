"""Every deadline a rule sets, as stored in the event that started it,
with its provisional flag; closed as met or breached when its act is done.

Most run in working days and fall due on a date; N2's run in hours from an emergency
and fall due at an instant (stored in China Standard Time, to the minute)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from zwgk.domain.assessment import Assessment
from zwgk.domain.calendar import CST, WorkingDayCalendar, cst_date
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.emergencies import Emergency
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.records import DeadlineRecomputed
from zwgk.domain.requests import InformationRequest
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.catalogue import ts
from zwgk.projections.events import Handlers, ProjectedEvent, event_type, subclasses
from zwgk.projections.keyset import Key, keyset
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction

# N2: an emergency opens two deadlines in hours, each closed by an event of its own: step → (due field, closing event, name).
N2_STEPS = {"information": ("information_due", Emergency.InformationReleased, "权威信息发布"),
            "press_conference": ("press_conference_due", Emergency.PressConferenceHeld, "新闻发布会")}
N2_CLOSED_BY = {event_type(closing): step for step, (_, closing, _) in N2_STEPS.items()}

COLUMNS = ("deadline_id", "source_id", "rule", "unit", "subject", "start", "due", "working_days", "provisional",
           "calendar_version", "status", "closed_at")
UPSERT = (f"INSERT INTO deadlines ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          f"ON CONFLICT (deadline_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}")
UPSERT_SUBJECT = ("INSERT INTO deadline_subjects (source_id, unit, subject) VALUES (?, ?, ?) "
                  "ON CONFLICT (source_id) DO UPDATE SET unit = excluded.unit, subject = excluded.subject")

FOLD: Handlers[Callable[[_Batch, ProjectedEvent], None]] = Handlers()


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
    indexes = ("CREATE INDEX IF NOT EXISTS deadlines_by_due ON deadlines (due, deadline_id)",
               "CREATE INDEX IF NOT EXISTS deadlines_by_unit ON deadlines (unit, due, deadline_id)")
    export_order = {"deadlines": "deadline_id", "deadline_subjects": "source_id"}
    revision = 4  # 2: N2's deadlines in hours; 3: A5's consultations; 4: every provisional deadline recomputed

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        batch = _Batch(tx)
        for event in events:
            FOLD.dispatch(batch, event)
        batch.write()


@FOLD.on(DisclosureAct.Drafted, RepresentedMeeting.Invited, MajorDecision.Proposed)
def _named(batch: _Batch, event: ProjectedEvent) -> None:
    batch.set_subject(event.aggregate_id, event.record["unit"], event.record["title"])


@FOLD.on(DisclosureAct.Revised)
def _revised(batch: _Batch, event: ProjectedEvent) -> None:
    source = event.aggregate_id
    batch.set_subject(source, batch.subject(source)[0], event.record["title"])
    batch.drop_open(source)


@FOLD.on(DisclosureAct.SignedOff)
def _signed_off(batch: _Batch, event: ProjectedEvent) -> None:
    """D3, D11: the publication deadline, where the act's attribute calls for publication."""
    if event.record["deadline"]:
        batch.open(event.aggregate_id, *batch.subject(event.aggregate_id), event.record["deadline"])


@FOLD.on(RepresentedMeeting.Held)
def _meeting_held(batch: _Batch, event: ProjectedEvent) -> None:
    """M1: the feedback the meeting calls for."""
    batch.open(event.aggregate_id, *batch.subject(event.aggregate_id), event.record["feedback_due"])


@FOLD.on(MajorDecision.CommentsAbsorbed)
def _comments_absorbed(batch: _Batch, event: ProjectedEvent) -> None:
    """P4: the adoption report the absorbed comments call for."""
    batch.open(event.aggregate_id, *batch.subject(event.aggregate_id), event.record["report_due"])


@FOLD.on(*subclasses(DeadlineRecomputed))
def _recomputed(batch: _Batch, event: ProjectedEvent) -> None:
    """A provisional deadline settled once the official calendar of its year is loaded replaces the running one
    (a minimum period recomputed, H1 or N1, is no deadline of this view: nothing runs under its rule)."""
    running = batch.deadline(f"{event.aggregate_id}:{event.record['deadline']['rule']}")
    if running and running["status"] == "open":
        batch.open(event.aggregate_id, running["unit"], running["subject"], event.record["deadline"])


@FOLD.on(InformationRequest.Received)
def _received(batch: _Batch, event: ProjectedEvent) -> None:
    batch.open(event.aggregate_id, event.record["unit"], "政府信息公开申请", event.record["deadline"])


@FOLD.on(InformationRequest.ConsultationStarted)
def _consultation_started(batch: _Batch, event: ProjectedEvent) -> None:
    """A5: the third party's time to reply."""
    r, source = event.record, event.aggregate_id
    reply = batch.existing(f"{source}:{Rule.A1}")
    batch.open(source, reply["unit"], f"{reply['subject']}（征求意见：{r['consulted']}）", r["reply_due"])


@FOLD.on(InformationRequest.Completed, InformationRequest.Extended)
def _reply_moved(batch: _Batch, event: ProjectedEvent) -> None:
    """A1: the reply due again from the completed request, or later by the extension."""
    reply = batch.existing(f"{event.aggregate_id}:{Rule.A1}")
    batch.open(event.aggregate_id, reply["unit"], reply["subject"], event.record["deadline"])


@FOLD.on(InformationRequest.ConsultationEnded)
def _consultation_ended(batch: _Batch, event: ProjectedEvent) -> None:
    """A5: the reply due later by the time the consultation took, which closes on time or late."""
    _reply_moved(batch, event)
    consulting = batch.deadline(f"{event.aggregate_id}:{Rule.A5}")
    ended = cst_date(event.occurred_at).isoformat()
    batch.close(f"{event.aggregate_id}:{Rule.A5}", RuleOutcome.of(consulting is not None and ended <= consulting["due"]), event)


@FOLD.on(InformationRequest.Answered, InformationRequest.Abandoned)
def _request_concluded(batch: _Batch, event: ProjectedEvent) -> None:
    r = event.record
    batch.close(f"{event.aggregate_id}:{Rule.A1}", r["rule_outcomes"][Rule.A1] if "rule_outcomes" in r else RuleOutcome.MET, event)


@FOLD.on(Assessment.SelfAssessed)
def _self_assessed(batch: _Batch, event: ProjectedEvent) -> None:
    batch.set_subject(event.aggregate_id, event.record["unit"], f"{event.record['period']} 考核整改")


@FOLD.on(Assessment.RectificationOrdered)
def _rectification_ordered(batch: _Batch, event: ProjectedEvent) -> None:
    """E4: a rectification by the day the leading group office sets."""
    set_by_office = {"rule": Rule.E4, "start": cst_date(event.occurred_at), "due": event.record["deadline"],
                     "working_days": 0, "provisional": False, "calendar_version": "set by the leading group office"}
    batch.open(event.aggregate_id, *batch.subject(event.aggregate_id), set_by_office)


@FOLD.on(Assessment.Reassessed)
def _reassessed(batch: _Batch, event: ProjectedEvent) -> None:
    batch.close(f"{event.aggregate_id}:{Rule.E4}", RuleOutcome.of(event.record["on_time"]), event)


@FOLD.on(Emergency.Reported)
def _emergency_reported(batch: _Batch, event: ProjectedEvent) -> None:
    r, source = event.record, event.aggregate_id
    batch.set_subject(source, r["unit"], r["title"])
    for step, (due, _, name) in N2_STEPS.items():
        batch.open(source, r["unit"], f"{r['title']}（{name}）", {
            "rule": Rule.N2, "start": r["happened_at"], "due": r[due], "working_days": 0, "provisional": False,
            "calendar_version": ""}, key=f"{Rule.N2}:{step}")


@FOLD.on(*(closing for _, closing, _ in N2_STEPS.values()))
def _emergency_step(batch: _Batch, event: ProjectedEvent) -> None:
    batch.close(f"{event.aggregate_id}:{Rule.N2}:{N2_CLOSED_BY[event.type]}", event.record["rule_outcomes"][Rule.N2], event)


@FOLD.on(DisclosureAct.Published, DisclosureAct.Interpreted, RepresentedMeeting.FeedbackPublished,
         MajorDecision.AdoptionReportPublished)
def _closed_by_outcomes(batch: _Batch, event: ProjectedEvent) -> None:
    """The event's rule outcomes close the deadlines of those rules; a policy's first publication also opens D9."""
    r, source = event.record, event.aggregate_id
    for rule, outcome in r["rule_outcomes"].items():
        batch.close(f"{source}:{rule}", outcome, event)
    if r.get("interpretation_due"):
        unit, title = batch.subject(source)
        batch.open(source, unit, f"{title}（解读）", r["interpretation_due"])


class _Batch:
    """The subjects and deadlines one batch of events touches: each read at most once, changed in
    memory and written once at the end, instead of a statement for every change."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.subjects: dict[str, tuple[str, str]] = {}
        self.changed_subjects: set[str] = set()
        self.deadlines: dict[str, dict[str, Any] | None] = {}  # None: not there, or deleted

    def subject(self, source: str) -> tuple[str, str]:
        if source not in self.subjects:
            unit, subject = self.tx.single("SELECT unit, subject FROM deadline_subjects WHERE source_id = ?", (source,))
            self.subjects[source] = (unit, subject)
        return self.subjects[source]

    def set_subject(self, source: str, unit: str, subject: str) -> None:
        self.subjects[source] = (unit, subject)
        self.changed_subjects.add(source)

    def deadline(self, deadline_id: str) -> dict[str, Any] | None:
        if deadline_id not in self.deadlines:
            row = self.tx.one(f"SELECT {', '.join(COLUMNS)} FROM deadlines WHERE deadline_id = ?", (deadline_id,))
            self.deadlines[deadline_id] = dict(zip(COLUMNS, row, strict=True)) if row else None
        return self.deadlines[deadline_id]

    def existing(self, deadline_id: str) -> dict[str, Any]:
        """A deadline the events say is there."""
        deadline = self.deadline(deadline_id)
        if deadline is None:
            raise LookupError(f"deadline {deadline_id} is not in the view")
        return deadline

    def open(self, source: str, unit: str, subject: str, d: dict[str, Any], key: str = "") -> None:
        """A deadline as its event stored it; a later event for the same rule (or key, where a record has
        several deadlines of one rule) replaces it."""
        deadline_id = f"{source}:{key or d['rule']}"
        self.deadlines[deadline_id] = {
            "deadline_id": deadline_id, "source_id": source, "rule": d["rule"], "unit": unit, "subject": subject,
            "start": _text(d["start"]), "due": _text(d["due"]), "working_days": d["working_days"],
            "provisional": int(d["provisional"]), "calendar_version": d["calendar_version"], "status": "open", "closed_at": None,
        }

    def close(self, deadline_id: str, status: str, event: ProjectedEvent) -> None:
        row = self.deadline(deadline_id)
        if row is not None and row["status"] == "open":
            row.update(status=status, closed_at=ts(event.occurred_at))

    def drop_open(self, source: str) -> None:
        """A revised act starts its review again: its open deadlines go."""
        for (deadline_id,) in self.tx.all("SELECT deadline_id FROM deadlines WHERE source_id = ? AND status = 'open'", (source,)):
            self.deadline(deadline_id)
        for deadline_id, row in self.deadlines.items():
            if row is not None and row["source_id"] == source and row["status"] == "open":
                self.deadlines[deadline_id] = None

    def write(self) -> None:
        self.tx.executemany("DELETE FROM deadlines WHERE deadline_id = ?",
                            [(deadline_id,) for deadline_id, row in self.deadlines.items() if row is None])
        self.tx.executemany(UPSERT, [tuple(row[c] for c in COLUMNS) for row in self.deadlines.values() if row is not None])
        self.tx.executemany(UPSERT_SUBJECT, [(source, *self.subjects[source]) for source in self.changed_subjects])


def _text(moment: date) -> str:
    """A due date as YYYY-MM-DD; a due instant in China Standard Time, to the minute."""
    if isinstance(moment, datetime):
        return moment.astimezone(CST).isoformat(timespec="minutes")
    return moment.isoformat()


def deadlines(tx: Transaction, calendar: WorkingDayCalendar, today: date, unit: str = "", overdue: bool = False,
              now: datetime | None = None, rule: str = "", after: Key | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Open and closed deadlines by due date, with working days left for the open ones that fall due on a date and
    hours left for those due at an instant (negative: overdue). One due at an instant is overdue once
    `now` is past it (by default, the start of `today`: overdue from the day after, like the others).
    A page: after the deadline `after` = (due, deadline_id); every filter is in the SQL, so that a page
    reads its own rows off an index, however many deadlines there are."""
    now = now or datetime.combine(today, time.min, CST)
    where, params = [], []
    for column, value in (("unit", unit), ("rule", rule)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if overdue:  # a due date is past the day after it; a due minute (fixed-width CST text) once `now` is past it
        where.append("(status = ? OR (status = 'open' AND ((length(due) = 10 AND due < ?) OR (length(due) > 10 AND due < ?))))")
        params += [RuleOutcome.BREACHED, today.isoformat(), _text(_minute_up(now))]
    rows = keyset(tx, f"SELECT {', '.join(COLUMNS)} FROM deadlines", where, params, ("due", "deadline_id"), after, limit)
    result = []
    for (deadline_id, source, rule_id, owner, subject, start, due, days, provisional, version, status, closed) in rows:
        hours_left = None
        if "T" in due:
            due_at = datetime.fromisoformat(due)
            left, past = None, now > due_at
            if status == "open":
                hours_left = round((due_at - now).total_seconds() / 3600, 1)
        else:
            due_date = date.fromisoformat(due)
            left = calendar.working_days_between(today, due_date) if status == "open" else None
            past = today > due_date
        result.append({"deadline_id": deadline_id, "source_id": source, "rule": rule_id, "unit": owner, "subject": subject,
                       "start": start, "due": due, "working_days": days, "provisional": bool(provisional),
                       "calendar_version": version, "status": status, "closed_at": closed,
                       "working_days_left": left, "hours_left": hours_left,
                       "overdue": status == RuleOutcome.BREACHED or (status == "open" and past)})
    return result


def _minute_up(instant: datetime) -> datetime:
    """The first whole minute not before an instant: a due minute is before the instant exactly when it is
    before this minute."""
    minute = instant.replace(second=0, microsecond=0)
    return minute if minute == instant else minute + timedelta(minutes=1)

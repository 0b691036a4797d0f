"""Public participation as inspectors check it: each hearing, pre-disclosed decision,
meeting with representatives, open day and announcement with what its rules flag
(H3–H5, O1, N1 and every breached deadline), and the yearly counts that M2 and O1 ask for.
Members of the public stay sealed here too: the view only counts them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from zwgk.domain.announcements import Announcement
from zwgk.domain.calendar import cst_date
from zwgk.domain.hearings import Hearing
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.open_days import OpenDay
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.catalogue import ts
from zwgk.projections.events import Handlers, ProjectedEvent, by_type, events_of
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

PROCESSES = {Hearing: "hearing", MajorDecision: "decision", RepresentedMeeting: "meeting", OpenDay: "open_day",
             Announcement: "announcement"}
PROCESS_OF = {name: process for record, process in PROCESSES.items() for name in events_of(record)}
# A record's steps are named by its events' own names (Held, not Hearing.Held), as the view stores them.
HELD, RECORD_ARCHIVED = Hearing.Held.__name__, Hearing.RecordArchived.__name__
MINUTES_ISSUED, OUTCOME_PUBLISHED = Hearing.MinutesIssued.__name__, Hearing.OutcomePublished.__name__
MEETINGS_WITH_REPRESENTATIVES = 3  # plenary and executive meetings a year (M2)
COUNTED_MEETINGS = ("plenary", "executive")
MISSING_AFTER_HEARING = {"record_archived": "H4 听证笔录未归档", "minutes": "H4 听证纪要未印发",
                         "outcome_published": "H5 决策结果未公开"}


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


class ParticipationView(Projection):
    name = "participation"
    tables = {
        "participation": """CREATE TABLE IF NOT EXISTS participation (
            record_id TEXT PRIMARY KEY, process TEXT NOT NULL, unit TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
            day TEXT NOT NULL, status TEXT NOT NULL, steps TEXT NOT NULL, counts TEXT NOT NULL, rule_outcomes TEXT NOT NULL,
            related TEXT)""",
    }
    export_order = {"participation": "record_id"}

    def fold(self, tx: Transaction, event: ProjectedEvent) -> None:
        process = PROCESS_OF.get(event.type)
        if process is None:
            return
        r, record, name = event.record, event.aggregate_id, event.type.partition(".")[2]
        if event.version == 1:
            title, kind, day, related = OPENINGS[event.type](r)
            tx.execute("INSERT INTO participation (record_id, process, unit, title, kind, day, status, steps, counts, "
                       "rule_outcomes, related) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', '{}', '{}', ?)",
                       (record, process, r["unit"], title, kind, day, name, related))
        else:
            tx.execute("UPDATE participation SET status = ? WHERE record_id = ?", (name, record))
        steps, counts, outcomes = (json.loads(v) for v in tx.single(
            "SELECT steps, counts, rule_outcomes FROM participation WHERE record_id = ?", (record,)))
        steps[name] = ts(event.occurred_at)
        outcomes.update(r.get("rule_outcomes") or {})
        for field in ("attended", "opinions", "received", "adopted", "participants", "observers_count"):
            if isinstance(r.get(field), int) and not isinstance(r.get(field), bool):
                counts[field] = r[field]
        step = STEPS.get(event.type)
        if step is not None:
            step(tx, event, counts)
        tx.execute("UPDATE participation SET steps = ?, counts = ?, rule_outcomes = ? WHERE record_id = ?",
                   (to_json(steps), to_json(counts), to_json(outcomes), record))


def _hearing_noticed(r: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return r["matter"], "public" if r["public"] else "closed", _day(cst_date(r["scheduled_at"])), r["repeats"]


def _meeting_invited(r: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return r["title"], r["kind"], _day(r["meeting_on"]), None


def _open_day_planned(r: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return r["theme"], "open_day", _day(r["held_on"]), None


def _announcement_posted(r: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return r["title"], r["kind"], _day(cst_date(r["occurred_at"])), None


def _decision_proposed(r: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return r["title"], "major_decision", _day(cst_date(r["occurred_at"])), None


# Title, kind, day and related record of each process, from its first event.
OPENINGS = by_type({Hearing.Noticed: _hearing_noticed, RepresentedMeeting.Invited: _meeting_invited,
                    OpenDay.Planned: _open_day_planned, Announcement.Posted: _announcement_posted,
                    MajorDecision.Proposed: _decision_proposed})
# What a step adds to its process's counts (or, for a meeting held, its day).
STEPS: Handlers[Callable[[Transaction, ProjectedEvent, dict[str, int]], None]] = Handlers()


@STEPS.on(Hearing.RolesAssigned)
def _roles_assigned(tx: Transaction, event: ProjectedEvent, counts: dict[str, int]) -> None:
    counts.update(questioners=len(event.record["questioners"]), representatives=len(event.record["representatives"]))


@STEPS.on(OpenDay.ParticipantAdmitted)
def _participant_admitted(tx: Transaction, event: ProjectedEvent, counts: dict[str, int]) -> None:
    counts["admitted"] = counts.get("admitted", 0) + 1


@STEPS.on(MajorDecision.CommentReceived)
def _comment_received(tx: Transaction, event: ProjectedEvent, counts: dict[str, int]) -> None:
    counts["comments"] = counts.get("comments", 0) + 1


@STEPS.on(Hearing.MinutesIssued)
def _minutes_issued(tx: Transaction, event: ProjectedEvent, counts: dict[str, int]) -> None:
    counts["consensus"] = int(event.record["consensus"])


@STEPS.on(RepresentedMeeting.Held)
def _meeting_held(tx: Transaction, event: ProjectedEvent, counts: dict[str, int]) -> None:
    """A meeting counts on the day it was held, not the day it was planned for."""
    tx.execute("UPDATE participation SET day = ? WHERE record_id = ?", (_day(cst_date(event.occurred_at)), event.aggregate_id))


BREACHES_ZH = {Rule.H3: "H3 未公开举行且不涉及国家秘密", Rule.M1: "M1 意见采纳情况逾期反馈公开",
               Rule.O1: "O1 未在开放日前7个工作日内招募并公示参加代表", Rule.P4: "P4 意见采纳情况逾期公开"}


def missing_after_hearing(row: dict[str, Any], repeated: set[str]) -> list[str]:
    """H4, H5: what a held hearing still lacks; a hearing repeated for want of consensus publishes no outcome."""
    steps = row["steps"]
    if row["process"] != "hearing" or HELD not in steps:
        return []
    present = {"record_archived": RECORD_ARCHIVED in steps, "minutes": MINUTES_ISSUED in steps,
               "outcome_published": OUTCOME_PUBLISHED in steps or row["record_id"] in repeated}
    return [flag for key, flag in MISSING_AFTER_HEARING.items() if not present[key]]


def _flags(row: dict[str, Any], repeated: set[str]) -> list[str]:
    breaches = [BREACHES_ZH.get(rule, f"{rule} 未遵守") for rule, outcome in sorted(row["rule_outcomes"].items())
                if outcome == RuleOutcome.BREACHED]
    return breaches + missing_after_hearing(row, repeated)


def participation(tx: Transaction, unit: str = "", year: int | None = None, process: str = "") -> list[dict[str, Any]]:
    """Every process, with its flags; a hearing repeated for want of consensus publishes no outcome of its own (H4, H5)."""
    rows = [{"record_id": record_id, "process": kind_of, "unit": owner, "title": title, "kind": kind, "day": day,
             "status": status, "steps": json.loads(steps), "counts": json.loads(counts),
             "rule_outcomes": json.loads(outcomes), "related": related}
            for record_id, kind_of, owner, title, kind, day, status, steps, counts, outcomes, related in tx.all(
                "SELECT record_id, process, unit, title, kind, day, status, steps, counts, rule_outcomes, related "
                "FROM participation ORDER BY day, record_id")]
    repeated = {r["related"] for r in rows if r["process"] == "hearing" and r["related"]}
    result = []
    for row in rows:
        if (unit and row["unit"] != unit) or (year and not row["day"].startswith(str(year))) or (process and row["process"] != process):
            continue
        row["flags"] = _flags(row, repeated)
        row["missing"] = missing_after_hearing(row, repeated)
        result.append(row)
    return result


def yearly_counts(tx: Transaction, year: int, today: date, unit: str = "") -> list[dict[str, Any]]:
    return counts_of(participation(tx, unit=unit), year, today)


def counts_of(every: list[dict[str, Any]], year: int, today: date) -> list[dict[str, Any]]:
    """Per unit that holds such meetings: meetings with representatives (M2, at least 3 a year);
    per unit that organises open days: open days per half year (O1, at least one each), from the
    year of its first record on. A count is flagged once its period is over and short."""

    def since(process: str) -> set[str]:
        """Units with a record of the process by the end of the year: earlier years are not the ledger's to judge."""
        return {r["unit"] for r in every if r["process"] == process and int(r["day"][:4]) <= year}

    hosts, organisers = since("meeting"), since("open_day")
    halves = {1: date(year, 6, 30), 2: date(year, 12, 31)}
    result = []
    for owner in sorted(hosts | organisers):
        held = [r for r in every if r["unit"] == owner and r["day"].startswith(str(year)) and HELD in r["steps"]]
        meetings = sum(r["process"] == "meeting" and r["kind"] in COUNTED_MEETINGS for r in held)
        open_days = {h: sum(r["process"] == "open_day" and (int(r["day"][5:7]) <= 6) == (h == 1) for r in held) for h in halves}
        flags = []
        if owner in hosts and today > halves[2] and meetings < MEETINGS_WITH_REPRESENTATIVES:
            flags.append(f"M2 全年邀请列席全体会议、常务会议 {meetings} 次，少于 {MEETINGS_WITH_REPRESENTATIVES} 次")
        if owner in organisers:
            flags += [f"O1 {year} 年{'上' if h == 1 else '下'}半年未举办政务开放日" for h, end in halves.items()
                      if today > end and not open_days[h]]
        result.append({"unit": owner, "year": year, "meetings_with_representatives": meetings if owner in hosts else None,
                       "open_days_first_half": open_days[1] if owner in organisers else None,
                       "open_days_second_half": open_days[2] if owner in organisers else None, "flags": flags})
    return result

"""Government meetings with public representatives 列席 (rules M1, M2).

Representatives are invited, attend and give opinions; within 3 working days of the
meeting the adoption of their opinions is fed back and published (M1, a deadline stored
in the meeting's Held event). Plenary and executive meetings invite representatives at
least 3 times a year (M2, counted by the views). Representatives are counted by sector,
never named: no rule needs their names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Opens
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule, RuleOutcome

FEEDBACK_WITHIN = 3  # working days after the meeting (M1)


class MeetingKind(StrEnum):
    PLENARY = "plenary"  # 政府全体会议
    EXECUTIVE = "executive"  # 政府常务会议
    OTHER = "other"  # 其他会议


class RepresentedMeeting(Record):
    """A meeting to which public representatives are invited."""

    what_zh = "列席会议"
    context = "participation"

    if TYPE_CHECKING:
        meeting_on: date
        invited: int  # representatives invited, all sectors
        feedback_due: Deadline | None
        fed_back: bool

    class Invited(Record.Created):
        """Representatives invited, counted by sector (人大代表, 政协委员, 公众代表, 专家, 媒体…)."""

        unit: str
        kind: str
        title: str
        meeting_on: date
        invited: dict[str, int]

        def apply(self, m: RepresentedMeeting) -> None:
            m.unit, m.meeting_on, m.invited = self.unit, self.meeting_on, sum(self.invited.values())
            m.feedback_due, m.fed_back = None, False

    class Held(Record.Event):
        """The meeting held with its representatives; the M1 feedback deadline starts."""

        attended: int
        opinions: int
        opinions_summary: str
        feedback_due: Deadline

        def apply(self, m: RepresentedMeeting) -> None:
            m.feedback_due = self.feedback_due

    class FeedbackDeadlineRecomputed(DeadlineRecomputed):
        """A provisional deadline for the feedback on adopted views (M1) recomputed once the official calendar is known."""

        holder = "feedback_due"

    class FeedbackPublished(Record.Event):
        """The adoption of the representatives' opinions fed back and published (M1)."""

        is_public = True

        adopted: int
        feedback: str
        channel: str
        rule_outcomes: dict[str, str]

        def apply(self, m: RepresentedMeeting) -> None:
            m.fed_back = True

    @classmethod
    def invite(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, kind: str, title: str,  # noqa: A002
               meeting_on: date, invited: dict[str, int]) -> RepresentedMeeting:
        what = choice(MeetingKind, kind, "MEETING_KIND_INVALID", "会议类别无效", Rule.M2)
        if not title.strip():
            raise DomainError("TITLE_REQUIRED", "须写明会议名称。", "a title is required", Rule.M1)
        if not invited or any(n < 1 for n in invited.values()):
            raise DomainError("NO_REPRESENTATIVES_INVITED", "须写明邀请列席的各界代表人数。", "invite at least one representative", Rule.M1)
        return cls._open(cls.Invited, id=id, actor=actor, occurred_at=occurred_at, unit=actor.unit, kind=what.value,
                         title=title.strip(), meeting_on=meeting_on, invited=dict(invited))

    def hold(self, *, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar, attended: int,
             opinions: int, opinions_summary: str) -> None:
        self._check_own_unit(actor)
        if self.feedback_due is not None:
            raise DomainError("MEETING_HELD", "会议已登记召开。", "the meeting is already held", Rule.M1)
        at = occurred_at or now()
        if not 1 <= attended <= self.invited:
            raise DomainError("ATTENDANCE_INVALID", "列席人数须在 1 与邀请人数之间。", "attendance out of range", Rule.M1)
        if opinions and not opinions_summary.strip():
            raise DomainError("OPINIONS_SUMMARY_REQUIRED", "有代表意见时须写明意见摘要。", "summarise the opinions", Rule.M1)
        self._record(self.Held, actor=actor, occurred_at=at, attended=attended, opinions=opinions,
                     opinions_summary=opinions_summary.strip(),
                     feedback_due=calendar.add_working_days(cst_date(at), FEEDBACK_WITHIN, Rule.M1))

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        return [] if self.feedback_due is None or self.fed_back else [(self.feedback_due, self.FeedbackDeadlineRecomputed)]

    def publish_feedback(self, *, actor: Actor, occurred_at: datetime | None, adopted: int, feedback: str,
                         channel: str) -> None:
        self._check_own_unit(actor)
        if self.feedback_due is None:
            raise DomainError("MEETING_NOT_HELD", "会议尚未召开。", "the meeting has not been held", Rule.M1)
        if self.fed_back:
            raise DomainError("FEEDBACK_PUBLISHED", "采纳情况已反馈公开。", "feedback already published", Rule.M1)
        if adopted < 0 or not feedback.strip() or not channel.strip():
            raise DomainError("FEEDBACK_INCOMPLETE", "须写明意见采纳情况及公开渠道。", "feedback and channel are required", Rule.M1)
        at = occurred_at or now()
        self._record(self.FeedbackPublished, actor=actor, occurred_at=at, adopted=adopted, feedback=feedback.strip(),
                     channel=channel.strip(), rule_outcomes={Rule.M1: RuleOutcome.of(self.feedback_due.met_by(at))})

@dataclass(frozen=True, kw_only=True)
class InviteRepresentatives(Opens[RepresentedMeeting], name="invite_representatives", summary_zh="邀请公众代表列席会议"):
    opens = RepresentedMeeting.invite
    kind: MeetingKind
    """M2"""
    title: str
    meeting_on: date
    invited: dict[str, int]
    """sector → number invited, e.g. {"公众代表": 3}"""


@dataclass(frozen=True, kw_only=True)
class OnMeeting(Changes[RepresentedMeeting]):
    reference = ("meeting_id",)
    meeting_id: UUID


@dataclass(frozen=True, kw_only=True)
class HoldMeeting(OnMeeting, name="hold_meeting", summary_zh="召开列席会议"):
    decides = RepresentedMeeting.hold
    attended: int
    opinions: int
    opinions_summary: str = ""


@dataclass(frozen=True, kw_only=True)
class PublishMeetingFeedback(OnMeeting, name="publish_meeting_feedback", summary_zh="反馈并公开意见采纳情况"):
    decides = RepresentedMeeting.publish_feedback
    adopted: int
    feedback: str
    channel: str

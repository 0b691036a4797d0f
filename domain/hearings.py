"""Hearings 听证 (rules H1–H5, 听证制度).

Notice at least 5 working days before (H1); not held without a chair 主持人, a clerk
书记员, a questioner 主问人员 chosen by the representatives and an answerer 主答人员 chosen
by the department (H2); public unless state secrets are involved (H3, flagged); the
clerk's record archived and minutes 纪要 issued, another hearing when there is no
consensus (H4); the decision's outcome published (H5). The views flag what is missing.

Questioners and representatives are members of the public: their names are sealed with
the hearing's participants' key; officials (chair, clerk, answerers) are named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from zwgk.domain.actors import Actor, Role
from zwgk.domain.archival import linked_original
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Context, Opens
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import SealedValue, seal
from zwgk.domain.public_text import Identity, refuse_sealed_identity
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule, RuleOutcome

NOTICE_AT_LEAST = 5  # working days before the hearing (H1)
STATE_SECRET = "state_secret"  # the one reason a hearing is not public (H3)


class Hearing(Record):
    """One hearing, from its notice to its published outcome."""

    what_zh = "听证会"
    context = "participation"

    if TYPE_CHECKING:
        notice_period: Deadline
        roles_complete: bool
        held: bool
        record_archived: bool
        outcome_published: bool
        consensus: bool | None

    class Noticed(Record.Created):
        """The notice: matter, time, place, requirements (H1); public or why not (H3)."""

        unit: str
        matter: str
        scheduled_at: datetime
        place: str
        requirements: str
        public: bool
        closed_reason: str
        notice_period: Deadline
        repeats: UUID | None
        rule_outcomes: dict[str, str]

        def apply(self, h: Hearing) -> None:
            h.unit, h.notice_period = self.unit, self.notice_period
            h.roles_complete = h.held = h.record_archived = h.outcome_published = False
            h.consensus = None

    class NoticePeriodRecomputed(DeadlineRecomputed):
        """A provisional notice period (H1: the earliest day the hearing may be held) recomputed once the
        official calendar is known."""

        holder = "notice_period"

    class RolesAssigned(Record.Event):
        """The hearing's roles (H2); members of the public sealed, officials named."""

        chair: str
        clerk: str
        answerers: list[str]
        questioners: list[SealedValue]
        representatives: list[SealedValue]
        observers_count: int

        def apply(self, h: Hearing) -> None:
            h.roles_complete = True

    class Held(Record.Event):
        """The hearing held (H2 checked, H1 respected)."""

        attended: int
        summary: str

        def apply(self, h: Hearing) -> None:
            h.held = True

    class RecordArchived(Record.Event):
        """The clerk's record 听证笔录 archived, by its original's SHA-256 (H4)."""

        sha256: str
        storage_key: str

        def apply(self, h: Hearing) -> None:
            h.record_archived = True

    class MinutesIssued(Record.Event):
        """The minutes 纪要; without consensus another hearing may be held (H4)."""

        summary: str
        consensus: bool

        def apply(self, h: Hearing) -> None:
            h.consensus = self.consensus

    class OutcomePublished(Record.Event):
        """The decision's outcome published (H5)."""

        is_public = True

        decision: str
        channel: str

        def apply(self, h: Hearing) -> None:
            h.outcome_published = True

    @classmethod
    def notice(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar,  # noqa: A002
               matter: str, scheduled_at: datetime, place: str, requirements: str, public: bool = True,
               closed_reason: str = "", repeats: Hearing | None = None) -> Hearing:
        if not matter.strip() or not place.strip() or not requirements.strip():
            raise DomainError("NOTICE_INCOMPLETE", "听证公告须写明事项、时间、地点和参加要求。",
                              "the notice needs matter, time, place and requirements", Rule.H1)
        if scheduled_at.tzinfo is None:
            raise DomainError("OCCURRED_AT_WITHOUT_ZONE", "听证时间须带时区。", "scheduled_at needs a time zone", Rule.H1)
        at = occurred_at or now()
        period = calendar.add_working_days(cst_date(at), NOTICE_AT_LEAST, Rule.H1)
        if cst_date(scheduled_at) < period.due:
            raise DomainError("NOTICE_TOO_SHORT", f"听证公告须至少提前5个工作日发布：最早可于 {period.due} 举行。",
                              f"notice is less than 5 working days; earliest {period.due}", Rule.H1)
        if not public and not closed_reason.strip():
            raise DomainError("CLOSED_REASON_REQUIRED", "不公开举行的听证须写明理由。", "a closed hearing needs a reason", Rule.H3)
        if repeats is not None and repeats.consensus is not False:
            raise DomainError("REPEAT_NOT_NEEDED", "只有未形成一致意见的听证可再次举行。",
                              "only a hearing without consensus is repeated", Rule.H4)
        return cls._open(
            cls.Noticed, id=id, actor=actor, occurred_at=at, unit=actor.unit, matter=matter.strip(), scheduled_at=scheduled_at,
            place=place.strip(), requirements=requirements.strip(), public=public, closed_reason=closed_reason.strip(),
            notice_period=period, repeats=repeats.id if repeats else None,
            rule_outcomes={Rule.H3: RuleOutcome.of(public or closed_reason.strip() == STATE_SECRET)},
        )

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        return [] if self.held else [(self.notice_period, self.NoticePeriodRecomputed)]

    def assign_roles(self, *, actor: Actor, occurred_at: datetime | None, chair: str, clerk: str, answerers: list[str],
                     questioners: list[SealedValue], representatives: list[SealedValue], observers_count: int = 0) -> None:
        """Questioners are chosen by the representatives, answerers by the department (H2)."""
        self._check_own_unit(actor)
        self._check_not_held()
        if not chair.strip() or not clerk.strip() or not [a for a in answerers if a.strip()] or not questioners:
            raise DomainError("ROLES_INCOMPLETE", "听证须有主持人、书记员、主问人员和主答人员。",
                              "a hearing needs a chair, a clerk, a questioner and an answerer", Rule.H2)
        if chair.strip() == clerk.strip():
            raise DomainError("CHAIR_IS_CLERK", "主持人与书记员不能为同一人。", "chair and clerk must differ", Rule.H2)
        self._record(self.RolesAssigned, actor=actor, occurred_at=occurred_at, chair=chair.strip(), clerk=clerk.strip(),
                     answerers=[a.strip() for a in answerers if a.strip()], questioners=questioners,
                     representatives=representatives, observers_count=observers_count)

    def hold(self, *, actor: Actor, occurred_at: datetime | None, attended: int, summary: str = "") -> None:
        self._check_own_unit(actor)
        self._check_not_held()
        if not self.roles_complete:
            raise DomainError("ROLES_INCOMPLETE", "未确定主持人、书记员、主问人员和主答人员，听证不得举行。",
                              "a hearing is not held without its roles", Rule.H2)
        at = occurred_at or now()
        if cst_date(at) < self.notice_period.due:
            raise DomainError("NOTICE_TOO_SHORT", f"公告后须满5个工作日方可举行：最早 {self.notice_period.due}。",
                              "held before the notice period ran", Rule.H1)
        self._record(self.Held, actor=actor, occurred_at=at, attended=attended, summary=summary.strip())

    def archive_record(self, *, actor: Actor, occurred_at: datetime | None, sha256: str, storage_key: str) -> None:
        """The hearing's unit or an archivist links the clerk's record once it is in the archive."""
        if actor.role != Role.ARCHIVIST:
            self._check_own_unit(actor)
        self._check_held()
        digest, key = linked_original(sha256, storage_key, Rule.H4)
        self._record(self.RecordArchived, actor=actor, occurred_at=occurred_at, sha256=digest, storage_key=key)

    def issue_minutes(self, *, actor: Actor, occurred_at: datetime | None, summary: str, consensus: bool) -> None:
        self._check_own_unit(actor)
        self._check_held()
        if self.consensus is not None:
            raise DomainError("MINUTES_ISSUED", "听证纪要已印发。", "minutes already issued", Rule.H4)
        if not summary.strip():
            raise DomainError("MINUTES_EMPTY", "听证纪要须有内容。", "minutes need content", Rule.H4)
        self._record(self.MinutesIssued, actor=actor, occurred_at=occurred_at, summary=summary.strip(), consensus=consensus)

    def publish_outcome(self, *, actor: Actor, occurred_at: datetime | None, decision: str, channel: str) -> None:
        self._check_own_unit(actor)
        self._check_held()
        if self.outcome_published:
            raise DomainError("OUTCOME_PUBLISHED", "决策结果已公开。", "outcome already published", Rule.H5)
        if not decision.strip() or not channel.strip():
            raise DomainError("OUTCOME_INCOMPLETE", "须写明决策结果及公开渠道。", "decision and channel are required", Rule.H5)
        self._record(self.OutcomePublished, actor=actor, occurred_at=occurred_at, decision=decision.strip(), channel=channel.strip())

    def _check_not_held(self) -> None:
        if self.held:
            raise DomainError("HEARING_HELD", "听证会已举行。", "the hearing has been held", Rule.H2)

    def _check_held(self) -> None:
        if not self.held:
            raise DomainError("HEARING_NOT_HELD", "听证会尚未举行。", "the hearing has not been held", Rule.H4)

# Q3: the sealed fields naming members of the public at the hearing.
PARTICIPANT_IDENTITY = {
    "questioners": Identity("questioner", "主问人员姓名"),
    "representatives": Identity("representative", "听证代表姓名"),
}


@dataclass(frozen=True, kw_only=True)
class NoticeHearing(Opens[Hearing], name="notice_hearing", summary_zh="发布听证公告"):
    opens = Hearing.notice
    matter: str
    scheduled_at: datetime
    place: str
    requirements: str
    public: bool = True
    closed_reason: str = ""
    """state_secret is the one reason a hearing is closed (H3)"""
    repeats: UUID | None = None
    """the hearing without consensus this one repeats (H4)"""

    def open(self, new_id: UUID, ctx: Context) -> Hearing:
        previous = ctx.ledger.load(Hearing, self.repeats) if self.repeats else None
        return Hearing.notice(id=new_id, **ctx.at(), calendar=ctx.ledger.calendar(), **{**self.args(), "repeats": previous})


@dataclass(frozen=True, kw_only=True)
class OnHearing(Changes[Hearing]):
    reference = ("hearing_id",)
    hearing_id: UUID


@dataclass(frozen=True, kw_only=True)
class AssignHearingRoles(OnHearing, name="assign_hearing_roles", summary_zh="确定听证人员"):
    """Each questioner and representative is a data subject of their own (Q3)."""

    decides = Hearing.assign_roles
    chair: str
    clerk: str
    answerers: list[str]
    """主答人员, chosen by the department"""
    questioners: list[str]
    """主问人员, chosen by the representatives; sealed"""
    representatives: list[str]
    """听证代表; sealed"""
    observers_count: int = 0

    def decide(self, record: Hearing, ctx: Context) -> None:
        def sealed(field: str, names: list[str]) -> list[SealedValue]:
            return [seal(ctx.ledger.keys.key_for(SubjectKind.HEARING_PARTICIPANT.subject(uuid4())), field, name) for name in names]

        record.assign_roles(**ctx.at(), chair=self.chair, clerk=self.clerk, answerers=self.answerers,
                            observers_count=self.observers_count, questioners=sealed("questioner", self.questioners),
                            representatives=sealed("representative", self.representatives))


@dataclass(frozen=True, kw_only=True)
class HoldHearing(OnHearing, name="hold_hearing", summary_zh="举行听证会"):
    decides = Hearing.hold
    attended: int
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class ArchiveHearingRecord(OnHearing, name="archive_hearing_record", summary_zh="听证笔录归档"):
    """H4: the clerk's record named must be an original the archive has recorded."""

    decides = Hearing.archive_record
    archive_number: str = ""
    """档号 of the archived clerk's record"""
    sha256: str = ""
    """or its SHA-256 (with an archive number, both must be the same original's)"""

    def decide(self, record: Hearing, ctx: Context) -> None:
        original = ctx.ledger.recorded_original(Rule.H4, self.archive_number, self.sha256)
        record.archive_record(**ctx.at(), sha256=original.sha256, storage_key=original.storage_key)


@dataclass(frozen=True, kw_only=True)
class IssueHearingMinutes(OnHearing, name="issue_hearing_minutes", summary_zh="印发听证纪要"):
    decides = Hearing.issue_minutes
    summary: str
    consensus: bool


@dataclass(frozen=True, kw_only=True)
class PublishHearingOutcome(OnHearing, name="publish_hearing_outcome", summary_zh="公开决策结果"):
    decides = Hearing.publish_outcome
    decision: str
    """public: never names a questioner or representative (Q3)"""
    channel: str

    def decide(self, record: Hearing, ctx: Context) -> None:
        refuse_sealed_identity(ctx, record.id, PARTICIPANT_IDENTITY, self.decision)
        super().decide(record, ctx)

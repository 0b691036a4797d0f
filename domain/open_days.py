"""Government open days 政务开放日 (rule O1): participants are recruited
and announced within the 7 working days before the day (the announcement records whether both were); they are adults; each organiser
holds one at least every half year (the views flag a half year without one).

A participant's name and contact are personal: sealed with the open day's participants'
key. The birth date is only checked (18 or older on the day), never recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Context, Opens
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import SealedValue, seal
from zwgk.domain.records import Record, now
from zwgk.domain.rules import Rule, RuleOutcome

RECRUITMENT_WINDOW = 7  # working days before the day (O1)
ADULT_AGE = 18


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class OpenDay(Record):
    """One open day of an organiser, from its plan to the day itself."""

    what_zh = "政务开放日"
    context = "participation"

    if TYPE_CHECKING:
        held_on: date
        places: int
        window: date  # the day recruitment opens (O1)
        admitted: int
        admitted_outside_window: int  # O1: participants recruited before the window opened
        announced: bool
        held: bool

    class Planned(Record.Created):
        """The day, its theme and places; the recruitment window (O1) on the calendar then known."""

        is_public = True

        unit: str
        theme: str
        held_on: date
        places: int
        recruitment_opens_on: date
        calendar_version: str

        def apply(self, o: OpenDay) -> None:
            o.unit, o.held_on, o.places, o.window = self.unit, self.held_on, self.places, self.recruitment_opens_on
            o.admitted, o.admitted_outside_window, o.announced, o.held = 0, 0, False, False

    class ParticipantAdmitted(Record.Event):
        """An adult participant admitted (O1); who they are is sealed."""

        participant: SealedValue
        sector: str

        def apply(self, o: OpenDay) -> None:
            o.admitted += 1
            o.admitted_outside_window += not o.window <= cst_date(self.occurred_at) < o.held_on

    class ParticipantsAnnounced(Record.Event):
        """The participants announced 公示 (O1: recruited and announced within the 7 working days before the day)."""

        is_public = True

        participants: int
        channel: str
        rule_outcomes: dict[str, str]

        def apply(self, o: OpenDay) -> None:
            o.announced = True

    class Held(Record.Event):
        """The day held: who came and what was raised."""

        attended: int
        opinions: int
        summary: str

        def apply(self, o: OpenDay) -> None:
            o.held = True

    @classmethod
    def plan(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar,  # noqa: A002
             theme: str, held_on: date, places: int) -> OpenDay:
        if not theme.strip():
            raise DomainError("THEME_REQUIRED", "须写明开放日主题。", "a theme is required", Rule.O1)
        if places < 1:
            raise DomainError("PLACES_INVALID", "邀请代表人数须至少为 1。", "at least one place", Rule.O1)
        at = occurred_at or now()
        if held_on <= cst_date(at):
            raise DomainError("OPEN_DAY_NOT_AHEAD", "开放日须在计划之后举行。", "the day must come after the plan", Rule.O1)
        opens = calendar.working_day_before(held_on, RECRUITMENT_WINDOW)
        return cls._open(cls.Planned, id=id, actor=actor, occurred_at=at, unit=actor.unit, theme=theme.strip(),
                         held_on=held_on, places=places, recruitment_opens_on=opens,
                         calendar_version=calendar.source_of(held_on.year))

    def admit(self, *, actor: Actor, occurred_at: datetime | None, participant: SealedValue, birth_date: date,
              sector: str) -> None:
        self._check_own_unit(actor)
        if age_on(birth_date, self.held_on) < ADULT_AGE:
            raise DomainError("PARTICIPANT_UNDER_18", "政务开放日参加者须年满 18 周岁。", "participants must be 18 or older", Rule.O1)
        self._check_not_held()
        if self.admitted >= self.places:
            raise DomainError("PLACES_FULL", f"邀请名额（{self.places}人）已满。", "all places are taken", Rule.O1)
        self._record(self.ParticipantAdmitted, actor=actor, occurred_at=occurred_at, participant=participant,
                     sector=sector.strip())

    def announce_participants(self, *, actor: Actor, occurred_at: datetime | None, channel: str) -> None:
        self._check_own_unit(actor)
        self._check_not_held()
        if not self.admitted:
            raise DomainError("NO_PARTICIPANTS", "尚无确定的参加代表，无法公示。", "no participant admitted yet", Rule.O1)
        at = occurred_at or now()
        in_window = self.window <= cst_date(at) < self.held_on and not self.admitted_outside_window
        self._record(self.ParticipantsAnnounced, actor=actor, occurred_at=at, participants=self.admitted,
                     channel=channel.strip(), rule_outcomes={Rule.O1: RuleOutcome.of(in_window)})

    def hold(self, *, actor: Actor, occurred_at: datetime | None, attended: int, opinions: int, summary: str) -> None:
        self._check_own_unit(actor)
        self._check_not_held()
        at = occurred_at or now()
        if cst_date(at) < self.held_on:
            raise DomainError("OPEN_DAY_NOT_YET", f"开放日定于 {self.held_on} 举行。", "the day has not come", Rule.O1)
        if not 0 <= attended <= self.admitted:
            raise DomainError("ATTENDANCE_INVALID", "到场人数不能超过确定的参加代表人数。", "attended exceeds admitted", Rule.O1)
        self._record(self.Held, actor=actor, occurred_at=at, attended=attended, opinions=opinions, summary=summary.strip())

    def _check_not_held(self) -> None:
        if self.held:
            raise DomainError("OPEN_DAY_HELD", "开放日已举行。", "the open day has been held", Rule.O1)

@dataclass(frozen=True, kw_only=True)
class PlanOpenDay(Opens[OpenDay], name="plan_open_day", summary_zh="计划政务开放日"):
    opens = OpenDay.plan
    theme: str
    held_on: date
    places: int


@dataclass(frozen=True, kw_only=True)
class OnOpenDay(Changes[OpenDay]):
    reference = ("open_day_id",)
    open_day_id: UUID


@dataclass(frozen=True, kw_only=True)
class AdmitParticipant(OnOpenDay, name="admit_open_day_participant", summary_zh="确定开放日参加代表（个人信息即时加密）"):
    """Each participant is a data subject of their own (Q3); the birth date is checked, never recorded."""

    decides = OpenDay.admit
    participant: str
    """name and contact; sealed at once"""
    birth_date: date
    """checked (18 or older on the day, O1), never recorded"""
    sector: str = ""

    def decide(self, record: OpenDay, ctx: Context) -> None:
        key = ctx.ledger.keys.key_for(SubjectKind.OPEN_DAY_PARTICIPANT.subject(uuid4()))
        record.admit(**ctx.at(), participant=seal(key, "participant", self.participant), birth_date=self.birth_date,
                     sector=self.sector)


@dataclass(frozen=True, kw_only=True)
class AnnounceParticipants(OnOpenDay, name="announce_open_day_participants", summary_zh="公示开放日参加代表"):
    decides = OpenDay.announce_participants
    channel: str


@dataclass(frozen=True, kw_only=True)
class HoldOpenDay(OnOpenDay, name="hold_open_day", summary_zh="举办政务开放日"):
    decides = OpenDay.hold
    attended: int
    opinions: int = 0
    summary: str = ""

"""Major emergencies 重大突发事件舆情回应 (rule N2): authoritative information within
5 hours (the aim is 3), a press conference within 24 hours. Deadlines run in hours from
the reported instant, and are stored in the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.actors import Actor
from zwgk.domain.commands import Changes, Opens
from zwgk.domain.errors import DomainError
from zwgk.domain.records import Record, now
from zwgk.domain.rules import Rule, RuleOutcome

INFORMATION_WITHIN, INFORMATION_AIM, PRESS_WITHIN = timedelta(hours=5), timedelta(hours=3), timedelta(hours=24)


class Emergency(Record):
    """One major emergency and the government's public response to it."""

    what_zh = "重大突发事件"
    context = "emergencies"

    if TYPE_CHECKING:
        information_due: datetime
        information_aim: datetime
        press_conference_due: datetime
        informed: bool
        press_conference: bool

    class Reported(Record.Created):
        """The emergency as known; both N2 deadlines, in hours from its occurrence."""

        unit: str
        title: str
        happened_at: datetime
        information_due: datetime
        information_aim: datetime
        press_conference_due: datetime

        def apply(self, e: Emergency) -> None:
            e.information_due, e.press_conference_due = self.information_due, self.press_conference_due
            e.information_aim = self.information_aim
            e.informed = e.press_conference = False

    class InformationReleased(Record.Event):
        """Authoritative information released (N2)."""

        is_public = True

        channel: str
        summary: str
        rule_outcomes: dict[str, str]

        def apply(self, e: Emergency) -> None:
            e.informed = True

    class PressConferenceHeld(Record.Event):
        """The press conference (N2)."""

        is_public = True

        speaker: str
        rule_outcomes: dict[str, str]

        def apply(self, e: Emergency) -> None:
            e.press_conference = True

    @classmethod
    def report(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, title: str, happened_at: datetime) -> Emergency:  # noqa: A002
        if happened_at.tzinfo is None:
            raise DomainError("OCCURRED_AT_WITHOUT_ZONE", "发生时间须带时区。", "happened_at needs a time zone", Rule.N2)
        if not title.strip():
            raise DomainError("TITLE_REQUIRED", "须写明事件名称。", "a title is required", Rule.N2)
        return cls._open(cls.Reported, id=id, actor=actor, occurred_at=occurred_at, unit=actor.unit, title=title.strip(),
                         happened_at=happened_at, information_due=happened_at + INFORMATION_WITHIN,
                         information_aim=happened_at + INFORMATION_AIM, press_conference_due=happened_at + PRESS_WITHIN)

    def release_information(self, *, actor: Actor, occurred_at: datetime | None, channel: str, summary: str) -> None:
        if self.informed:
            raise DomainError("ALREADY_RELEASED", "权威信息已发布。", "already released", Rule.N2)
        if not summary.strip():
            raise DomainError("SUMMARY_REQUIRED", "须写明发布的权威信息。", "the information released is required", Rule.N2)
        at = occurred_at or now()
        outcome = RuleOutcome.of(at <= self.information_due)
        aim = RuleOutcome.MET if at <= self.information_aim else RuleOutcome.MISSED
        self._record(self.InformationReleased, actor=actor, occurred_at=at, channel=channel.strip(), summary=summary.strip(),
                     rule_outcomes={Rule.N2: outcome, "N2_aim_3h": aim})

    def hold_press_conference(self, *, actor: Actor, occurred_at: datetime | None, speaker: str) -> None:
        if self.press_conference:
            raise DomainError("ALREADY_HELD", "新闻发布会已举行。", "already held", Rule.N2)
        at = occurred_at or now()
        self._record(self.PressConferenceHeld, actor=actor, occurred_at=at, speaker=speaker.strip(),
                     rule_outcomes={Rule.N2: RuleOutcome.of(at <= self.press_conference_due)})

@dataclass(frozen=True, kw_only=True)
class ReportEmergency(Opens[Emergency], name="report_emergency", summary_zh="登记重大突发事件"):
    opens = Emergency.report
    title: str
    happened_at: datetime
    """when it happened, with its time zone: N2 counts hours from here"""


@dataclass(frozen=True, kw_only=True)
class OnEmergency(Changes[Emergency]):
    reference = ("emergency_id",)
    emergency_id: UUID


@dataclass(frozen=True, kw_only=True)
class ReleaseInformation(OnEmergency, name="release_emergency_information", summary_zh="发布权威信息"):
    decides = Emergency.release_information
    channel: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class HoldPressConference(OnEmergency, name="hold_press_conference", summary_zh="举行新闻发布会"):
    decides = Emergency.hold_press_conference
    speaker: str

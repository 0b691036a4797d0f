"""Announcements 政务事项告示 (rule N1, 告示制度): a decision is posted for at
least 20 working days, an execution for at least 7; an emergency is posted at once and
updated as it develops. Taking an announcement down early is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Opens
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule


class AnnouncementKind(StrEnum):
    DECISION = "decision"  # 决策类
    EXECUTION = "execution"  # 执行类
    EMERGENCY = "emergency"  # 应急类


# Working days an announcement stays posted at least (N1); an emergency's follows events.
POSTED_AT_LEAST = {AnnouncementKind.DECISION: 20, AnnouncementKind.EXECUTION: 7}


class Announcement(Record):
    """One announcement 告示 on a channel, from posting to taking down."""

    what_zh = "告示"
    context = "announcements"

    if TYPE_CHECKING:
        minimum: Deadline | None  # the first day it may come down; None for an emergency
        taken_down: bool

    class Posted(Record.Created):
        """Posted, with the first day it may come down (N1) computed on the calendar of the day."""

        is_public = True

        unit: str
        kind: str
        title: str
        channel: str
        posted_until_at_least: Deadline | None

        def apply(self, a: Announcement) -> None:
            a.unit, a.minimum, a.taken_down = self.unit, self.posted_until_at_least, False

    class Updated(Record.Event):
        """An emergency announcement updated as the event develops (N1: in real time)."""

        is_public = True

        update: str

    class PostingPeriodRecomputed(DeadlineRecomputed):
        """A provisional minimum posting period (N1) recomputed once the official calendar is known."""

        holder = "minimum"

    class TakenDown(Record.Event):
        """Taken down once its minimum posting period has run (N1)."""

        is_public = True

        reason: str

        def apply(self, a: Announcement) -> None:
            a.taken_down = True

    @classmethod
    def post(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar,  # noqa: A002
             kind: str, title: str, channel: str) -> Announcement:
        what = choice(AnnouncementKind, kind, "ANNOUNCEMENT_KIND_INVALID", "告示类别无效", Rule.N1)
        if not title.strip() or not channel.strip():
            raise DomainError("ANNOUNCEMENT_INCOMPLETE", "告示须写明标题和告示形式（渠道）。", "title and channel are required", Rule.N1)
        at = occurred_at or now()
        days = POSTED_AT_LEAST.get(what)
        minimum = calendar.add_working_days(cst_date(at), days, Rule.N1) if days else None
        return cls._open(cls.Posted, id=id, actor=actor, occurred_at=at, unit=actor.unit, kind=what.value,
                         title=title.strip(), channel=channel.strip(), posted_until_at_least=minimum)

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        return [] if self.minimum is None or self.taken_down else [(self.minimum, self.PostingPeriodRecomputed)]

    def update(self, *, actor: Actor, occurred_at: datetime | None, update: str) -> None:
        self._check_own_unit(actor)
        self._check_posted()
        if self.minimum is not None:
            raise DomainError("NOT_AN_EMERGENCY", "只有应急类告示随事态实时更新；其他告示请撤下后重新告示。",
                              "only an emergency announcement is updated in place", Rule.N1)
        self._record(self.Updated, actor=actor, occurred_at=occurred_at, update=update.strip())

    def take_down(self, *, actor: Actor, occurred_at: datetime | None, reason: str) -> None:
        self._check_own_unit(actor)
        at = occurred_at or now()
        if self.minimum is not None and self.minimum.met_by(at):
            raise DomainError(
                "POSTING_PERIOD_NOT_OVER",
                f"告示须至少公示{self.minimum.working_days}个工作日，{self.minimum.due.isoformat()} 24时后方可撤下。",
                f"posted until {self.minimum.due} at least", Rule.N1)
        self._check_posted()
        self._record(self.TakenDown, actor=actor, occurred_at=at, reason=reason.strip())

    def _check_posted(self) -> None:
        if self.taken_down:
            raise DomainError("ANNOUNCEMENT_TAKEN_DOWN", "告示已撤下。", "already taken down", Rule.N1)

@dataclass(frozen=True, kw_only=True)
class PostAnnouncement(Opens[Announcement], name="post_announcement", summary_zh="发布政务事项告示"):
    opens = Announcement.post
    kind: AnnouncementKind
    """decision (≥ 20 working days) | execution (≥ 7) | emergency (real time) (N1)"""
    title: str
    channel: str
    """告示形式: website | document | media | notice_board | other"""


@dataclass(frozen=True, kw_only=True)
class OnAnnouncement(Changes[Announcement]):
    reference = ("announcement_id",)
    announcement_id: UUID


@dataclass(frozen=True, kw_only=True)
class UpdateAnnouncement(OnAnnouncement, name="update_announcement", summary_zh="实时更新应急类告示"):
    decides = Announcement.update
    update: str


@dataclass(frozen=True, kw_only=True)
class TakeDownAnnouncement(OnAnnouncement, name="take_down_announcement", summary_zh="撤下告示"):
    decides = Announcement.take_down
    reason: str = ""

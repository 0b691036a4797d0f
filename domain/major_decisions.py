"""Pre-disclosure of major administrative decisions 重大行政决策预公开 (rules P1–P4).

A secrecy review and a collective discussion of the leadership come first (P1); the
draft is published with its drafting explanation 起草说明: background, legal and policy
basis, main content (P2); comments are open at least 30 days, or at least 7 with a stated
reason (P3); within 10 working days of absorbing the comments, the unit publishes what
it received, what it adopted and why it did not adopt widely held opinions (P4, a
deadline stored in the Absorbed event).

Commenters are members of the public: who they are and what they wrote are sealed with
the decision's commenters' key. Each comment carries a topic, in clear, so that widely
held opinions can be counted: a topic raised by at least two comments."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date, end_of_day_cst
from zwgk.domain.commands import Changes, Context, Opens
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.privacy import SealedValue, seal
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule, RuleOutcome

COMMENT_DAYS, SHORTENED_COMMENT_DAYS = 30, 7  # calendar days (P3)
REPORT_WITHIN = 10  # working days after absorption (P4)
WIDELY_HELD = 2  # comments on one topic that make it widely held
EXPLANATION = {"background": "起草背景", "basis": "法律政策依据", "main_content": "主要内容"}  # P2


class SecrecyDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class MajorDecision(Record):
    """A major administrative decision from its secrecy review to the adoption report."""

    what_zh = "重大行政决策"
    context = "participation"

    if TYPE_CHECKING:
        secrecy: SecrecyDecision | None
        discussed: bool
        closes_at: datetime | None
        topics: Counter[str]
        absorbed: bool
        report_due: Deadline | None
        reported: bool

    class Proposed(Record.Created):
        """A major decision the unit intends to pre-disclose."""

        unit: str
        title: str

        def apply(self, d: MajorDecision) -> None:
            d.unit, d.secrecy, d.discussed = self.unit, None, False
            d.closes_at, d.topics, d.absorbed, d.report_due, d.reported = None, Counter(), False, None, False

    class SecrecyReviewed(Record.Event):
        """The secrecy review 保密审查 before pre-disclosure (P1)."""

        decision: str
        comment: str

        def apply(self, d: MajorDecision) -> None:
            d.secrecy = SecrecyDecision(self.decision)

    class CollectivelyDiscussed(Record.Event):
        """The leadership's collective discussion 集体讨论 (P1)."""

        meeting: str
        conclusion: str

        def apply(self, d: MajorDecision) -> None:
            d.discussed = True

    class PreDisclosed(Record.Event):
        """The draft published with its explanation (P2), comments open until the end of closes_on (P3)."""

        is_public = True

        draft_title: str
        explanation: dict[str, str]
        channel: str
        comment_days: int
        shortened_reason: str
        closes_on: date

        def apply(self, d: MajorDecision) -> None:
            d.closes_at = end_of_day_cst(self.closes_on)

    class CommentReceived(Record.Event):
        """One comment from the public: commenter and text sealed, topic in clear."""

        commenter: SealedValue
        text: SealedValue
        topic: str
        channel: str

        def apply(self, d: MajorDecision) -> None:
            d.topics[self.topic] += 1

    class CommentsAbsorbed(Record.Event):
        """The comments studied and absorbed; the P4 report deadline starts."""

        received: int
        summary: str
        report_due: Deadline

        def apply(self, d: MajorDecision) -> None:
            d.absorbed, d.report_due = True, self.report_due

    class ReportDeadlineRecomputed(DeadlineRecomputed):
        """A provisional deadline for the adoption report (P4) recomputed once the official calendar is known."""

        holder = "report_due"

    class AdoptionReportPublished(Record.Event):
        """What was received and adopted, and why widely held opinions were not (P4)."""

        is_public = True

        received: int
        adopted_topics: list[str]
        not_adopted_reasons: dict[str, str]
        channel: str
        rule_outcomes: dict[str, str]

        def apply(self, d: MajorDecision) -> None:
            d.reported = True

    @classmethod
    def propose(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, title: str) -> MajorDecision:  # noqa: A002
        if not title.strip():
            raise DomainError("TITLE_REQUIRED", "须写明决策事项名称。", "a title is required", Rule.P1)
        return cls._open(cls.Proposed, id=id, actor=actor, occurred_at=occurred_at, unit=actor.unit, title=title.strip())

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        return [] if self.report_due is None or self.reported else [(self.report_due, self.ReportDeadlineRecomputed)]

    def review_secrecy(self, *, actor: Actor, occurred_at: datetime | None, decision: str, comment: str = "") -> None:
        self._check_own_unit(actor)
        self._check_not_disclosed()
        checked = choice(SecrecyDecision, decision, "DECISION_INVALID", "审查结论无效", Rule.P1)
        self._record(self.SecrecyReviewed, actor=actor, occurred_at=occurred_at, decision=checked.value, comment=comment.strip())

    def discuss(self, *, actor: Actor, occurred_at: datetime | None, meeting: str, conclusion: str) -> None:
        self._check_own_unit(actor)
        self._check_not_disclosed()
        if not meeting.strip() or not conclusion.strip():
            raise DomainError("DISCUSSION_INCOMPLETE", "须写明集体讨论的会议及结论。", "meeting and conclusion are required", Rule.P1)
        self._record(self.CollectivelyDiscussed, actor=actor, occurred_at=occurred_at, meeting=meeting.strip(),
                     conclusion=conclusion.strip())

    def pre_disclose(self, *, actor: Actor, occurred_at: datetime | None, draft_title: str, explanation: dict[str, str],
                     channel: str, comment_days: int = COMMENT_DAYS, shortened_reason: str = "") -> None:
        self._check_own_unit(actor)
        missing = [zh for key, zh in EXPLANATION.items() if not str(explanation.get(key, "")).strip()]
        if not draft_title.strip() or missing:
            raise DomainError("DRAFTING_EXPLANATION_INCOMPLETE", f"须同时公开草案及起草说明（缺：{'、'.join(missing) or '草案'}）。",
                              f"draft and explanation are required; missing {missing}", Rule.P2)
        if comment_days < COMMENT_DAYS and (comment_days < SHORTENED_COMMENT_DAYS or not shortened_reason.strip()):
            raise DomainError("COMMENT_PERIOD_TOO_SHORT", "征求意见期限不少于30日；确需缩短的须说明理由，且不少于7日。",
                              "comments stay open 30 days, or at least 7 with a stated reason", Rule.P3)
        self._check_not_disclosed()
        if self.secrecy is not SecrecyDecision.APPROVED or not self.discussed:
            raise DomainError("PRE_DISCLOSURE_NOT_CLEARED", "预公开前须经保密审查通过并经领导集体讨论。",
                              "a secrecy review and a collective discussion come first", Rule.P1)
        at = occurred_at or now()
        self._record(self.PreDisclosed, actor=actor, occurred_at=at, draft_title=draft_title.strip(),
                     explanation={k: str(explanation[k]).strip() for k in EXPLANATION}, channel=channel.strip(),
                     comment_days=comment_days, shortened_reason=shortened_reason.strip(),
                     closes_on=cst_date(at) + timedelta(days=comment_days))

    def receive_comment(self, *, actor: Actor, occurred_at: datetime | None, commenter: SealedValue, text: SealedValue,
                        topic: str, channel: str) -> None:
        self._check_own_unit(actor)
        at = occurred_at or now()
        if self.closes_at is None or at >= self.closes_at or self.absorbed:
            raise DomainError("COMMENTS_NOT_OPEN", "不在征求意见期内。", "comments are not open", Rule.P3)
        if not topic.strip():
            raise DomainError("TOPIC_REQUIRED", "须标明意见所涉问题，以便统计集中意见。", "a topic is required", Rule.P4)
        self._record(self.CommentReceived, actor=actor, occurred_at=at, commenter=commenter, text=text,
                     topic=topic.strip(), channel=channel.strip())

    def absorb_comments(self, *, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar, summary: str) -> None:
        self._check_own_unit(actor)
        at = occurred_at or now()
        if self.closes_at is None or at < self.closes_at:
            raise DomainError("COMMENTS_STILL_OPEN", "征求意见期届满后方可汇总吸纳意见。", "the comment period has not ended", Rule.P3)
        if self.absorbed:
            raise DomainError("COMMENTS_ABSORBED", "意见已汇总吸纳。", "comments already absorbed", Rule.P4)
        self._record(self.CommentsAbsorbed, actor=actor, occurred_at=at, received=sum(self.topics.values()),
                     summary=summary.strip(), report_due=calendar.add_working_days(cst_date(at), REPORT_WITHIN, Rule.P4))

    def publish_adoption_report(self, *, actor: Actor, occurred_at: datetime | None, adopted_topics: list[str],
                                not_adopted_reasons: dict[str, str], channel: str) -> None:
        self._check_own_unit(actor)
        if self.report_due is None:
            raise DomainError("COMMENTS_NOT_ABSORBED", "意见汇总吸纳后方可公开采纳情况。", "absorb the comments first", Rule.P4)
        if self.reported:
            raise DomainError("ADOPTION_REPORT_PUBLISHED", "意见采纳情况已公开。", "already published", Rule.P4)
        unexplained = sorted(t for t, n in self.topics.items()
                             if n >= WIDELY_HELD and t not in adopted_topics and not not_adopted_reasons.get(t, "").strip())
        if unexplained:
            raise DomainError("NOT_ADOPTED_REASON_REQUIRED", f"对集中意见未予采纳的，须说明理由：{'、'.join(unexplained)}。",
                              f"give reasons for not adopting widely held opinions: {unexplained}", Rule.P4)
        at = occurred_at or now()
        self._record(self.AdoptionReportPublished, actor=actor, occurred_at=at, received=sum(self.topics.values()),
                     adopted_topics=list(adopted_topics), not_adopted_reasons={t: r.strip() for t, r in not_adopted_reasons.items()},
                     channel=channel.strip(), rule_outcomes={Rule.P4: RuleOutcome.of(self.report_due.met_by(at))})

    def _check_not_disclosed(self) -> None:
        if self.closes_at is not None:
            raise DomainError("ALREADY_PRE_DISCLOSED", "决策草案已预公开。", "already pre-disclosed", Rule.P1)

@dataclass(frozen=True, kw_only=True)
class ProposeDecision(Opens[MajorDecision], name="propose_decision", summary_zh="登记重大行政决策事项"):
    opens = MajorDecision.propose
    title: str


@dataclass(frozen=True, kw_only=True)
class OnDecision(Changes[MajorDecision]):
    reference = ("decision_id",)
    decision_id: UUID


@dataclass(frozen=True, kw_only=True)
class ReviewDecisionSecrecy(OnDecision, name="review_decision_secrecy", summary_zh="预公开前保密审查"):
    decides = MajorDecision.review_secrecy
    decision: SecrecyDecision
    """P1"""
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class DiscussDecision(OnDecision, name="discuss_decision", summary_zh="领导集体讨论"):
    decides = MajorDecision.discuss
    meeting: str
    conclusion: str


@dataclass(frozen=True, kw_only=True)
class PreDiscloseDecision(OnDecision, name="pre_disclose_decision", summary_zh="预公开决策草案及起草说明"):
    decides = MajorDecision.pre_disclose
    draft_title: str
    explanation: dict[str, str]
    """起草说明: background, basis, main_content (P2)"""
    channel: str
    comment_days: int = COMMENT_DAYS
    """at least 30; 7 to 29 with shortened_reason (P3)"""
    shortened_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReceiveComment(OnDecision, name="receive_decision_comment", summary_zh="登记公众意见（意见人信息即时加密）"):
    """Each commenter is a data subject of their own, sealed under their own key (Q3)."""

    decides = MajorDecision.receive_comment
    commenter: str
    """name and contact; sealed at once"""
    text: str
    """the comment; sealed"""
    topic: str
    """the question it is about, in clear, to count widely held opinions (P4)"""
    channel: str = ""

    def decide(self, record: MajorDecision, ctx: Context) -> None:
        key = ctx.ledger.keys.key_for(SubjectKind.COMMENTER.subject(uuid4()))
        record.receive_comment(**ctx.at(), commenter=seal(key, "commenter", self.commenter), text=seal(key, "text", self.text),
                               topic=self.topic, channel=self.channel)


@dataclass(frozen=True, kw_only=True)
class AbsorbComments(OnDecision, name="absorb_decision_comments", summary_zh="汇总吸纳公众意见"):
    decides = MajorDecision.absorb_comments
    summary: str


@dataclass(frozen=True, kw_only=True)
class PublishAdoptionReport(OnDecision, name="publish_adoption_report", summary_zh="公开意见采纳情况"):
    decides = MajorDecision.publish_adoption_report
    adopted_topics: list[str] = field(default_factory=list)
    not_adopted_reasons: dict[str, str] = field(default_factory=dict)
    """topic → reason (P4)"""
    channel: str

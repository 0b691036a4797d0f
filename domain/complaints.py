"""Complaints 投诉 (rules Q1–Q4, 投诉制度): registered by the complaints office with
the complainant's identity sealed (Q3), assigned, handled, answered, and the handling
and feedback published (Q4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.actors import Actor, Role
from zwgk.domain.commands import Changes, Context, Opens
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import SealedValue, require_complaints_office, seal
from zwgk.domain.public_text import Identity, refuse_sealed_identity
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule


class ComplaintCategory(StrEnum):
    """Q1: what a complaint may be about."""

    DELAY = "delay_without_reason"
    ATTITUDE = "bad_attitude"
    PROCEDURE_LOSS = "procedure_breach_loss"
    RETALIATION = "retaliation"
    OTHER_MISCONDUCT = "other_misconduct"


CATEGORIES_ZH = {ComplaintCategory.DELAY: "无故拖延", ComplaintCategory.ATTITUDE: "态度恶劣、刁难",
                 ComplaintCategory.PROCEDURE_LOSS: "违反程序造成损失", ComplaintCategory.RETALIATION: "打击报复",
                 ComplaintCategory.OTHER_MISCONDUCT: "其他违纪违规"}


class ComplaintForm(StrEnum):
    ORAL = "oral"  # 口头
    WRITTEN = "written"  # 书面


# Q3: the sealed fields that identify the complainant.
COMPLAINANT_IDENTITY = {
    "complainant_name": Identity("complainant_name", "投诉人姓名"),
    "complainant_contact": Identity("complainant_contact", "投诉人联系方式"),
    "account": Identity("account", "投诉人陈述", by_part=False),
}


class Complaint(Record):
    """One complaint from registration to published feedback."""

    what_zh = "投诉"
    context = "complaints"

    if TYPE_CHECKING:
        respondent_unit: str
        category: str
        subject_id: str
        assigned_to: str | None
        handled: bool
        substantiated: bool  # once handled
        answered: bool
        published: bool

    class Registered(Record.Created):
        """A complaint registered; the complainant and the account are sealed (Q1–Q3)."""

        category: str
        form: str
        signed: bool
        major: bool
        respondent_unit: str
        channel: str
        complainant_name: SealedValue
        complainant_contact: SealedValue
        account: SealedValue

        def apply(self, complaint: Complaint) -> None:
            complaint.respondent_unit = self.respondent_unit
            complaint.category = self.category
            complaint.subject_id = self.complainant_name.subject_id
            complaint.assigned_to = None
            complaint.handled = False
            complaint.answered = False
            complaint.published = False

    class Assigned(Record.Event):
        handler_unit: str
        instructions: str

        def apply(self, complaint: Complaint) -> None:
            complaint.assigned_to = self.handler_unit

    class Handled(Record.Event):
        """Findings and outcome of the handling 处理结果."""

        findings: str
        substantiated: bool
        outcome: str

        def apply(self, complaint: Complaint) -> None:
            complaint.handled = True
            complaint.substantiated = self.substantiated

    class FeedbackGiven(Record.Event):
        """The answer to the complainant, sealed like the complaint."""

        feedback: SealedValue

        def apply(self, complaint: Complaint) -> None:
            complaint.answered = True

    class FeedbackPublished(Record.Event):
        """Q4: the handling and feedback published, without the complainant."""

        is_public = True

        category: str
        respondent_unit: str
        substantiated: bool
        summary: str

        def apply(self, complaint: Complaint) -> None:
            complaint.published = True

    @classmethod
    def register(
        cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, category: str, form: str, signed: bool,  # noqa: A002
        major: bool, respondent_unit: str, channel: str, complainant_name: SealedValue,
        complainant_contact: SealedValue, account: SealedValue,
    ) -> Complaint:
        require_complaints_office(actor)
        try:
            checked = ComplaintCategory(category)
        except ValueError:
            raise DomainError(
                "COMPLAINT_CATEGORY_INVALID",
                "投诉类别须为：无故拖延、态度恶劣刁难、违反程序造成损失、打击报复、其他违纪违规之一。",
                f"unknown complaint category {category!r}", Rule.Q1,
            ) from None
        try:
            checked_form = ComplaintForm(form)
        except ValueError:
            raise DomainError("COMPLAINT_FORM_INVALID", "投诉形式须为口头或书面。", f"unknown form {form!r}", Rule.Q2) from None
        if major and (checked_form is not ComplaintForm.WRITTEN or not signed):
            raise DomainError(
                "MAJOR_COMPLAINT_NOT_SIGNED_IN_WRITING", "重大事项的投诉须以书面形式并署名提出。",
                "a complaint about a major matter must be written and signed", Rule.Q2,
            )
        if not respondent_unit.strip():
            raise DomainError("RESPONDENT_REQUIRED", "须写明被投诉单位。", "the respondent unit is required", Rule.Q1)
        return cls._open(
            cls.Registered, id=id, actor=actor, occurred_at=occurred_at, category=checked.value, form=checked_form.value,
            signed=signed, major=major, respondent_unit=respondent_unit.strip(), channel=channel.strip(),
            complainant_name=complainant_name, complainant_contact=complainant_contact, account=account,
        )

    def assign(self, *, actor: Actor, occurred_at: datetime | None, handler_unit: str, instructions: str = "") -> None:
        require_complaints_office(actor)
        if self.handled:
            raise DomainError("COMPLAINT_ALREADY_HANDLED", "投诉已处理完毕。", "already handled", Rule.Q4)
        self._record(self.Assigned, actor=actor, occurred_at=occurred_at, handler_unit=handler_unit.strip(),
                     instructions=instructions.strip())

    def handle(self, *, actor: Actor, occurred_at: datetime | None, findings: str, substantiated: bool, outcome: str) -> None:
        if self.assigned_to is None:
            raise DomainError("COMPLAINT_NOT_ASSIGNED", "投诉尚未交办。", "the complaint has not been assigned", Rule.Q4)
        if actor.unit != self.assigned_to and actor.role != Role.COMPLAINTS_OFFICE:
            raise DomainError(
                "NOT_HANDLER", "只有承办单位或投诉受理机构可以登记处理结果。", "only the handler records the handling", Rule.Q4
            )
        if self.handled:
            raise DomainError("COMPLAINT_ALREADY_HANDLED", "投诉已处理完毕。", "already handled", Rule.Q4)
        if not findings.strip() or not outcome.strip():
            raise DomainError("HANDLING_INCOMPLETE", "须写明调查情况和处理结果。", "findings and outcome are required", Rule.Q4)
        self._record(self.Handled, actor=actor, occurred_at=occurred_at, findings=findings.strip(),
                     substantiated=substantiated, outcome=outcome.strip())

    def give_feedback(self, *, actor: Actor, occurred_at: datetime | None, feedback: SealedValue) -> None:
        require_complaints_office(actor)
        if not self.handled:
            raise DomainError("COMPLAINT_NOT_HANDLED", "投诉处理完毕后才能反馈。", "feedback follows the handling", Rule.Q4)
        self._record(self.FeedbackGiven, actor=actor, occurred_at=occurred_at, feedback=feedback)

    def publish_feedback(self, *, actor: Actor, occurred_at: datetime | None, summary: str) -> None:
        """Q4; the summary is written for the public and must not identify the complainant."""
        require_complaints_office(actor)
        if not self.answered:
            raise DomainError("COMPLAINT_NOT_ANSWERED", "向投诉人反馈后才能公开处理情况。", "publish after the feedback", Rule.Q4)
        if self.published:
            raise DomainError("ALREADY_PUBLISHED", "处理情况已公开。", "already published", Rule.Q4)
        if not summary.strip():
            raise DomainError("SUMMARY_REQUIRED", "须写明公开的处理情况摘要。", "a public summary is required", Rule.Q4)
        self._record(self.FeedbackPublished, actor=actor, occurred_at=occurred_at, category=self.category,
                     respondent_unit=self.respondent_unit, substantiated=self.substantiated, summary=summary.strip())


@dataclass(frozen=True, kw_only=True)
class RegisterComplaint(Opens[Complaint], name="register_complaint", summary_zh="登记投诉（投诉人信息即时加密）"):
    """A new data subject per complainant: their key seals name, contact and account (Q3)."""

    opens = Complaint.register
    category: ComplaintCategory
    """Q1"""
    form: ComplaintForm
    """Q2"""
    signed: bool = False
    major: bool = False
    respondent_unit: str
    channel: str = ""
    complainant_name: str
    """sealed at once with the complainant's own key (Q3)"""
    complainant_contact: str = ""
    account: str
    """what happened, in the complainant's words; sealed (Q3)"""

    def open(self, new_id: UUID, ctx: Context) -> Complaint:
        require_complaints_office(ctx.actor)
        key = ctx.ledger.keys.key_for(SubjectKind.COMPLAINANT.subject(new_id))
        sealed = {name: seal(key, name, getattr(self, name)) for name in ("complainant_name", "complainant_contact", "account")}
        return Complaint.register(id=new_id, **ctx.at(), **{**self.args(), **sealed})


@dataclass(frozen=True, kw_only=True)
class OnComplaint(Changes[Complaint]):
    reference = ("complaint_id",)
    complaint_id: UUID


@dataclass(frozen=True, kw_only=True)
class AssignComplaint(OnComplaint, name="assign_complaint", summary_zh="交办投诉"):
    decides = Complaint.assign
    handler_unit: str
    instructions: str = ""


@dataclass(frozen=True, kw_only=True)
class HandleComplaint(OnComplaint, name="handle_complaint", summary_zh="登记投诉处理结果"):
    decides = Complaint.handle
    findings: str
    substantiated: bool
    outcome: str


@dataclass(frozen=True, kw_only=True)
class GiveFeedback(OnComplaint, name="give_complaint_feedback", summary_zh="向投诉人反馈"):
    """The feedback is sealed under the complainant's key: once they are forgotten, none can be given."""

    decides = Complaint.give_feedback
    feedback: str

    def decide(self, record: Complaint, ctx: Context) -> None:
        require_complaints_office(ctx.actor)
        key = ctx.ledger.keys.find(record.subject_id)
        if key is None:
            raise DomainError("SUBJECT_FORGOTTEN", "该投诉人的个人信息已删除，无法再向其反馈。",
                              "the complainant has been forgotten", Rule.Q3)
        record.give_feedback(**ctx.at(), feedback=seal(key, "feedback", self.feedback))


@dataclass(frozen=True, kw_only=True)
class PublishFeedback(OnComplaint, name="publish_complaint_feedback", summary_zh="公开投诉处理及反馈情况"):
    decides = Complaint.publish_feedback
    summary: str
    """written for the public: never names the complainant (Q3, Q4)"""

    def decide(self, record: Complaint, ctx: Context) -> None:
        refuse_sealed_identity(ctx, record.id, COMPLAINANT_IDENTITY, self.summary)
        record.publish_feedback(**ctx.at(), summary=self.summary)

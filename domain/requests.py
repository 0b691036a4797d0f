"""Applications for disclosure 依申请公开 (rules A1–A6; 政府信息公开条例 2019, Art. 30–37, 49–50).

A request is received on a date that depends on its channel (Art. 31); the answer is due
within 20 working days (A1). A notice to complete 补正 goes out once, within 7 working
days, and the clock restarts on the completed request; missing the completion deadline
means abandonment (A4). Consulting a third party or another agency pauses the clock (A5).
One extension of at most 20 working days needs the head's approval and a notice (A2).
The answer is one of the types of Art. 36/37 with its required fields (A3), and counts in
one row of the annual report (A6). The applicant's identity is sealed (Q3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Context, Opens
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import SealedValue, seal
from zwgk.domain.public_text import Identity, refuse_sealed_identity
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule, RuleOutcome


class Channel(StrEnum):
    """Art. 31: how the request arrived decides the day it counts as received."""

    IN_PERSON = "in_person"  # 当面提交：提交之日
    POST = "post"  # 邮寄：签收之日
    INTERNET = "internet"  # 互联网：双方确认之日
    FAX = "fax"  # 传真：双方确认之日


class ApplicantKind(StrEnum):
    """The annual report's columns."""

    NATURAL_PERSON = "natural_person"  # 自然人
    COMMERCIAL_ENTERPRISE = "commercial_enterprise"  # 商业企业
    RESEARCH_INSTITUTION = "research_institution"  # 科研机构
    SOCIAL_WELFARE = "social_welfare_organisation"  # 社会公益组织
    LAW_FIRM = "legal_service_organisation"  # 法律服务机构
    OTHER_ORGANISATION = "other_organisation"  # 其他


# A3: answer type → (annual report row, sub-row options, fields the answer must carry).
ANSWERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "already_public": ("disclosed", (), ("where",)),  # Art. 36(1) 已主动公开：告知获取方式和途径
    "disclosed": ("disclosed", (), ("how_and_when",)),  # Art. 36(2) 予以公开
    "partially_disclosed": ("partially_disclosed", (), ("how_and_when", "withheld_reason")),  # Art. 37
    "withheld": ("withheld", (  # Art. 36(3) 不予公开，告知理由
        "state_secret", "law_prohibited", "security_stability", "third_party_rights",
        "internal_affairs", "process_information", "enforcement_file", "administrative_query",
    ), ("reason",)),
    "cannot_provide": ("cannot_provide", ("not_held", "needs_creation", "unclear_after_completion"), ("reason",)),  # Art. 36(4)(5)
    "not_processed": ("not_processed", (  # Art. 36(6) and others 不予处理
        "petition_or_complaint", "repeated", "publication", "excessive", "confirmation",
    ), ("reason",)),
    "special_law": ("other", ("other",), ("which_law",)),  # Art. 36(7) 按特别规定办理
}
SUB_REASONS_ZH = {
    "state_secret": "属于国家秘密", "law_prohibited": "其他法律行政法规禁止公开", "security_stability": "危及“三安全一稳定”",
    "third_party_rights": "保护第三方合法权益", "internal_affairs": "属于三类内部事务信息",
    "process_information": "属于四类过程性信息", "enforcement_file": "属于行政执法案卷", "administrative_query": "属于行政查询事项",
    "not_held": "本机关不掌握相关政府信息", "needs_creation": "没有现成信息需要另行制作",
    "unclear_after_completion": "补正后申请内容仍不明确",
    "petition_or_complaint": "信访举报投诉类申请", "repeated": "重复申请", "publication": "要求提供公开出版物",
    "excessive": "无正当理由大量反复申请", "confirmation": "要求行政机关确认或重新出具已获取信息",
    "abandoned": "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "fees_unpaid": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other": "其他",
}

REPLY_DAYS, COMPLETION_NOTICE_DAYS, THIRD_PARTY_DAYS, MAX_EXTENSION = 20, 7, 15, 20


def _business_day(occurred_at: datetime | None) -> date:
    return cst_date(occurred_at or now())


class InformationRequest(Record):
    """One application for government information, from receipt to answer."""

    what_zh = "政府信息公开申请"
    context = "requests"

    if TYPE_CHECKING:
        applicant_kind: str
        received_on: date
        deadline: Deadline
        completion: Literal["requested", "completed"] | None
        completion_due: date | None
        paused_since: datetime | None
        consultation_due: Deadline | None
        extended: bool
        outcome: str | None  # the annual report row, once closed

    class Received(Record.Created):
        """Received on the day its channel makes count (Art. 31); the reply is due in 20 working days (A1)."""

        unit: str
        channel: str
        received_on: date
        applicant_kind: str
        applicant: SealedValue
        request: SealedValue
        deadline: Deadline

        def apply(self, r: InformationRequest) -> None:
            r.unit, r.applicant_kind, r.received_on = self.unit, self.applicant_kind, self.received_on
            r.deadline = self.deadline
            r.completion = None
            r.completion_due = None
            r.paused_since = None
            r.consultation_due = None
            r.extended = False
            r.outcome = None

    class CompletionRequested(Record.Event):
        """补正: one notice listing everything to complete (A4)."""

        items: str
        completion_due: date
        on_time: bool

        def apply(self, r: InformationRequest) -> None:
            r.completion, r.completion_due = "requested", self.completion_due

    class Completed(Record.Event):
        """The completed request arrived: the 20 working days start again (A4)."""

        completed_on: date
        deadline: Deadline

        def apply(self, r: InformationRequest) -> None:
            r.completion, r.deadline = "completed", self.deadline

    class ConsultationStarted(Record.Event):
        """A third party or another agency consulted: the clock pauses (A5)."""

        consulted: str
        reply_due: Deadline

        def apply(self, r: InformationRequest) -> None:
            r.paused_since, r.consultation_due = self.occurred_at, self.reply_due

    class ConsultationEnded(Record.Event):
        """The clock resumes; the due date moves by the working days paused (A5)."""

        paused_working_days: int
        deadline: Deadline

        def apply(self, r: InformationRequest) -> None:
            r.paused_since, r.deadline = None, self.deadline

    class Extended(Record.Event):
        """The one extension, approved and notified (A2)."""

        working_days: int
        approver: str
        notice: str
        deadline: Deadline

        def apply(self, r: InformationRequest) -> None:
            r.extended, r.deadline = True, self.deadline

    class ReplyDeadlineRecomputed(DeadlineRecomputed):
        """A provisional reply deadline (A1, as extended or paused) recomputed once the official calendar is known."""

        holder = "deadline"

    class ConsultationDeadlineRecomputed(DeadlineRecomputed):
        """A provisional deadline for the consulted party's reply (A5) recomputed once the official calendar is known."""

        holder = "consultation_due"

    class Answered(Record.Event):
        """The answer, of a type of Art. 36/37 with its fields (A3), and whether it was on time (A1)."""

        answer: str
        report_row: str
        sub_reason: str
        details: dict[str, str]
        rule_outcomes: dict[str, str]

        def apply(self, r: InformationRequest) -> None:
            r.outcome = self.report_row

    class Abandoned(Record.Event):
        """No completion by its deadline: deemed abandoned (A4)."""

        completion_due: date

        def apply(self, r: InformationRequest) -> None:
            r.outcome = "other"

    @classmethod
    def receive(
        cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, channel: str, received_on: date,  # noqa: A002
        applicant_kind: str, applicant: SealedValue, request: SealedValue, calendar: WorkingDayCalendar,
    ) -> InformationRequest:
        try:
            Channel(channel)
        except ValueError:
            raise DomainError(
                "CHANNEL_INVALID", "收到方式须为当面、邮寄、互联网或传真。", f"unknown channel {channel!r}", Rule.A1
            ) from None
        try:
            ApplicantKind(applicant_kind)
        except ValueError:
            raise DomainError(
                "APPLICANT_KIND_INVALID", "申请人须为自然人或一类法人、其他组织。",
                f"unknown applicant kind {applicant_kind!r}", Rule.A6,
            ) from None
        if received_on > _business_day(occurred_at):
            raise DomainError("RECEIVED_IN_FUTURE", "收到日期不能晚于登记之日。", "received_on is after the recording day", Rule.A1)
        return cls._open(
            cls.Received, id=id, actor=actor, occurred_at=occurred_at, unit=actor.unit, channel=channel,
            received_on=received_on, applicant_kind=applicant_kind, applicant=applicant, request=request,
            deadline=calendar.add_working_days(received_on, REPLY_DAYS, Rule.A1),
        )

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        if self.outcome is not None:
            return []
        running: list[tuple[Deadline, type[DeadlineRecomputed]]] = [(self.deadline, self.ReplyDeadlineRecomputed)]
        if self.paused_since is not None and self.consultation_due is not None:
            running.append((self.consultation_due, self.ConsultationDeadlineRecomputed))
        return running

    def _open_only(self) -> None:
        if self.outcome is not None:
            raise DomainError("REQUEST_CLOSED", "该申请已办结。", "the request is closed", Rule.A1)

    def request_completion(self, *, actor: Actor, occurred_at: datetime | None, items: str, completion_due: date,
                           calendar: WorkingDayCalendar) -> None:
        self._open_only()
        if self.completion is not None:
            raise DomainError(
                "COMPLETION_ONCE", "补正通知只能发出一次，并一次性告知需要补正的事项。", "one notice to complete only", Rule.A4
            )
        if not items.strip():
            raise DomainError("COMPLETION_ITEMS_REQUIRED", "补正通知须写明需要补正的事项。", "list what to complete", Rule.A4)
        sent_on = _business_day(occurred_at)
        limit = calendar.add_working_days(self.received_on, COMPLETION_NOTICE_DAYS, Rule.A4)
        self._record(self.CompletionRequested, actor=actor, occurred_at=occurred_at, items=items.strip(),
                     completion_due=completion_due, on_time=sent_on <= limit.due)

    def complete(self, *, actor: Actor, occurred_at: datetime | None, completed_on: date, calendar: WorkingDayCalendar) -> None:
        self._open_only()
        if self.completion != "requested" or self.completion_due is None:
            raise DomainError("NO_COMPLETION_REQUESTED", "未发出补正通知。", "no completion was requested", Rule.A4)
        if completed_on > self.completion_due:
            raise DomainError("COMPLETION_LATE", "补正期限已过，申请视为放弃。", "the completion deadline has passed", Rule.A4)
        self._record(self.Completed, actor=actor, occurred_at=occurred_at, completed_on=completed_on,
                     deadline=calendar.add_working_days(completed_on, REPLY_DAYS, Rule.A1))

    def abandon(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        self._open_only()
        if self.completion != "requested" or self.completion_due is None or _business_day(occurred_at) <= self.completion_due:
            raise DomainError("NOT_ABANDONED", "补正期限届满前不能视为放弃。", "only after the completion deadline", Rule.A4)
        self._record(self.Abandoned, actor=actor, occurred_at=occurred_at, completion_due=self.completion_due)

    def start_consultation(self, *, actor: Actor, occurred_at: datetime | None, consulted: str, calendar: WorkingDayCalendar) -> None:
        self._open_only()
        if self.paused_since is not None:
            raise DomainError("ALREADY_CONSULTING", "正在征求意见。", "a consultation is running", Rule.A5)
        self._record(self.ConsultationStarted, actor=actor, occurred_at=occurred_at, consulted=consulted.strip(),
                     reply_due=calendar.add_working_days(_business_day(occurred_at), THIRD_PARTY_DAYS, Rule.A5))

    def end_consultation(self, *, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar) -> None:
        if self.paused_since is None:
            raise DomainError("NOT_CONSULTING", "没有进行中的征求意见。", "no consultation is running", Rule.A5)
        paused = calendar.working_days_between(cst_date(self.paused_since), _business_day(occurred_at))
        self._record(self.ConsultationEnded, actor=actor, occurred_at=occurred_at, paused_working_days=paused,
                     deadline=calendar.extend(self.deadline, paused))

    def extend(self, *, actor: Actor, occurred_at: datetime | None, working_days: int, approver: str, notice: str,
               calendar: WorkingDayCalendar) -> None:
        if self.extended:
            raise DomainError("EXTENSION_ONCE", "答复期限只能延长一次。", "one extension only", Rule.A2)
        self._open_only()
        if not 1 <= working_days <= MAX_EXTENSION:
            raise DomainError("EXTENSION_TOO_LONG", "延长期限最长不得超过20个工作日。", "at most 20 working days", Rule.A2)
        if not approver.strip() or not notice.strip():
            raise DomainError("EXTENSION_UNAPPROVED", "延长答复期限须经政府信息公开工作机构负责人同意，并告知申请人。",
                              "an extension needs the head's approval and a notice to the applicant", Rule.A2)
        self._record(self.Extended, actor=actor, occurred_at=occurred_at, working_days=working_days, approver=approver.strip(),
                     notice=notice.strip(), deadline=calendar.extend(self.deadline, working_days))

    def answer(self, *, actor: Actor, occurred_at: datetime | None, answer: str, sub_reason: str = "",
               details: dict[str, Any] | None = None) -> None:
        self._open_only()
        if self.completion == "requested":
            raise DomainError("AWAITING_COMPLETION", "申请人补正前不能答复。", "waiting for the completed request", Rule.A4)
        if self.paused_since is not None:
            raise DomainError("CONSULTATION_RUNNING", "征求意见期间不能答复，请先结束征求意见。", "end the consultation first", Rule.A5)
        if answer not in ANSWERS:
            raise DomainError("ANSWER_TYPE_INVALID", "答复须为条例第三十六条、第三十七条规定的类型之一。",
                              f"unknown answer type {answer!r}", Rule.A3)
        row, sub_reasons, required = ANSWERS[answer]
        given = {k: str(v).strip() for k, v in (details or {}).items() if str(v).strip()}
        missing = [f for f in required if f not in given]
        if missing:
            raise DomainError("ANSWER_INCOMPLETE", f"此类答复须写明：{'、'.join(missing)}", f"answer {answer} needs {missing}", Rule.A3)
        if sub_reasons and sub_reason not in sub_reasons:
            raise DomainError("ANSWER_REASON_INVALID", f"此类答复须给出理由类别：{'、'.join(sub_reasons)}",
                              f"answer {answer} needs a sub-reason among {sub_reasons}", Rule.A3)
        on_time = _business_day(occurred_at) <= self.deadline.due
        self._record(self.Answered, actor=actor, occurred_at=occurred_at, answer=answer, report_row=row,
                     sub_reason=sub_reason, details=given, rule_outcomes={Rule.A1: RuleOutcome.of(on_time)})

# Q3: the sealed field that identifies the applicant.
APPLICANT_IDENTITY = {"applicant": Identity("applicant", "申请人姓名或名称")}


@dataclass(frozen=True, kw_only=True)
class ReceiveRequest(Opens[InformationRequest], name="receive_request", summary_zh="登记政府信息公开申请"):
    """The applicant is a data subject of their own: their key seals who they are and what they ask (Q3)."""

    channel: Channel
    """how it arrived (Art. 31)"""
    received_on: date
    """the day the channel makes count as received"""
    applicant_kind: ApplicantKind
    applicant: str
    """name and contact; sealed at once (Q3)"""
    request: str
    """the information requested; sealed"""

    opens = InformationRequest.receive

    def open(self, new_id: UUID, ctx: Context) -> InformationRequest:
        key = ctx.ledger.keys.key_for(SubjectKind.APPLICANT.subject(new_id))
        return InformationRequest.receive(
            id=new_id, **ctx.at(), channel=self.channel, received_on=self.received_on, applicant_kind=self.applicant_kind,
            applicant=seal(key, "applicant", self.applicant), request=seal(key, "request", self.request),
            calendar=ctx.ledger.calendar(),
        )


@dataclass(frozen=True, kw_only=True)
class OnRequest(Changes[InformationRequest]):
    reference = ("request_id",)
    request_id: UUID


@dataclass(frozen=True, kw_only=True)
class RequestCompletion(OnRequest, name="request_completion", summary_zh="发出补正通知"):
    decides = InformationRequest.request_completion
    items: str
    completion_due: date


@dataclass(frozen=True, kw_only=True)
class CompleteRequest(OnRequest, name="complete_request", summary_zh="申请人补正"):
    decides = InformationRequest.complete
    completed_on: date


@dataclass(frozen=True, kw_only=True)
class AbandonRequest(OnRequest, name="abandon_request", summary_zh="逾期未补正，视为放弃"):
    decides = InformationRequest.abandon


@dataclass(frozen=True, kw_only=True)
class StartConsultation(OnRequest, name="start_consultation", summary_zh="征求第三方或其他机关意见"):
    decides = InformationRequest.start_consultation
    consulted: str


@dataclass(frozen=True, kw_only=True)
class EndConsultation(OnRequest, name="end_consultation", summary_zh="征求意见结束"):
    decides = InformationRequest.end_consultation


@dataclass(frozen=True, kw_only=True)
class ExtendRequest(OnRequest, name="extend_request", summary_zh="延长答复期限"):
    decides = InformationRequest.extend
    working_days: int
    approver: str
    notice: str


@dataclass(frozen=True, kw_only=True)
class AnswerRequest(OnRequest, name="answer_request", summary_zh="作出答复"):
    decides = InformationRequest.answer
    answer: str
    """one of the answer types of Art. 36 and 37 (A3)"""
    sub_reason: str = ""
    details: dict[str, str] = field(default_factory=dict)
    """the fields of the answer type; they go public, so never the applicant's name (Q3)"""

    def decide(self, record: InformationRequest, ctx: Context) -> None:
        refuse_sealed_identity(ctx, record.id, APPLICANT_IDENTITY, *self.details.values())
        super().decide(record, ctx)

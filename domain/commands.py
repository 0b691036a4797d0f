"""The command catalogue: every command the ledger accepts, by name, with the JSON
schema of its arguments. Files of commands (`zwgk apply`), the demo and scripted
migrations of legacy records all go through here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zwgk.archive.service import Archivist
from zwgk.archive.store import OriginalStore
from zwgk.domain.actors import Actor
from zwgk.domain.applications import (
    AccountabilityApplication,
    AnnouncementsApplication,
    ArchiveApplication,
    AssessmentApplication,
    AuditApplication,
    CalendarApplication,
    CatalogueApplication,
    ComplaintsApplication,
    DisclosureApplication,
    EmergenciesApplication,
    ParticipationApplication,
    PrivacyApplication,
    RequestsApplication,
)
from zwgk.domain.assessment import assessment_id
from zwgk.domain.calendar import cst_date
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Outcome


@dataclass
class Services:
    """The bounded contexts' applications, wired to one event store."""

    catalogue: CatalogueApplication
    disclosure: DisclosureApplication
    calendar: CalendarApplication
    archive: ArchiveApplication
    requests: RequestsApplication
    emergencies: EmergenciesApplication
    announcements: AnnouncementsApplication
    participation: ParticipationApplication
    complaints: ComplaintsApplication
    privacy: PrivacyApplication
    accountability: AccountabilityApplication
    assessment: AssessmentApplication
    audit: AuditApplication
    # How the archive's store is opened, once, by the first command that moves originals: the others
    # never wait on it nor fail with it.
    originals: Callable[[], OriginalStore]

    def archivist(self) -> Archivist:
        return Archivist(self.archive, self.originals())

    def close(self) -> None:
        for app in (self.catalogue, self.disclosure, self.calendar, self.archive, self.requests, self.emergencies,
                    self.announcements, self.participation, self.complaints, self.privacy, self.accountability,
                    self.assessment, self.audit):
            app.close()


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdRef(Args):
    """Args that name an existing record by its one id field."""

    ref_fields: ClassVar[set[str]]

    def target(self, actor: Actor) -> UUID:
        (field,) = self.ref_fields
        return getattr(self, field)


class ListCatalogueItem(Args):
    elements: dict[str, Any] = Field(description="十项要素 the ten elements (C1)")
    reason: str = Field(description="law_changed | element_changed | function_changed | other (C2)")
    reason_text: str = ""


class ItemRef(Args):
    """An item of the acting unit, by id or by its matter 公开事项 name."""

    item_id: UUID | None = None
    matter: str | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> ItemRef:
        if (self.item_id is None) == (self.matter is None):
            raise ValueError("give exactly one of item_id or matter")
        return self

    ref_fields: ClassVar[set[str]] = {"item_id", "matter"}

    def target(self, actor: Actor) -> UUID:
        return self.item_id or CatalogueApplication.id_for(actor.unit, self.matter or "")


class AmendCatalogueItem(ItemRef):
    changes: dict[str, Any]
    reason: str
    reason_text: str = ""


class WithdrawCatalogueItem(ItemRef):
    reason: str
    reason_text: str = ""


class FileCatalogueAdjustments(ItemRef):
    adjusted_content: str
    basis: str


class DraftDisclosure(Args):
    id: UUID | None = Field(None, description="optional id, to make a migration re-runnable")
    title: str
    attribute: str = Field(description="proactive | partial | on_request | withheld (D1)")
    kind: str = Field("general", description="general | policy | interpretation | enforcement_decision | licensing | penalty")
    doc_number: str = ""
    doc_type: str = ""
    reason: str | None = Field(None, description="legal reason when not proactive (D2)")
    reason_basis: str = ""
    interprets: UUID | None = Field(None, description="for an interpretation 解读: the policy document it interprets (D9)")


class ActRef(IdRef):
    act_id: UUID
    ref_fields: ClassVar[set[str]] = {"act_id"}


class ReviseDisclosure(ActRef):
    title: str | None = None
    attribute: str | None = None
    reason: str | None = None
    reason_basis: str | None = None
    note: str = ""


class SignReview(ActRef):
    sheet_role: str = Field(description="compiler | issuer | publisher (D4)")
    decision: str = "approved"
    comment: str = ""


class PreReviewDisclosure(ActRef):
    decision: str = Field(description="approved | rejected (D5)")
    comment: str = ""


class SignOffDisclosure(ActRef):
    comment: str = ""


class PublishDisclosure(ActRef):
    channel: str = Field(description="website | gazette | bulletin_board | new_media | service_hall | press")
    location: str = ""


class CorrectDisclosure(ActRef):
    reason: str
    correction: str


class WithdrawDisclosure(ActRef):
    reason: str


class LinkOriginal(ActRef):
    sha256: str
    storage_key: str


class RecheckWithholding(ActRef):
    year: int = Field(description="the year whose November re-check this is (D10)")
    still_withheld: bool = Field(description="true: the legal reason still applies; false: to be revised to a public attribute")
    note: str = ""


class LoadCalendar(Args):
    year: int
    days: list[dict[str, Any]] = Field(description='[{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, …]')


class NoArgs(Args):
    pass


class ArchiveOriginal(Args):
    """An original 原件 to archive from a file, with its DA/T 46 core metadata (R1)."""

    file: str = Field(description="the original's file; a relative path is read from the working directory")
    archive_number: str = Field(description="档号 in the DA/T 22 structure, e.g. Z001-WS·2022-D30-BGS-0006")
    title: str
    responsible_unit: str = Field(description="责任者")
    retention: str = Field(description="Y | D30 | D10 (R2)")
    doc_number: str = ""
    doc_date: date | None = Field(None, description="the document's date; by default the day of occurred_at, or today")
    doc_type: str = Field("", description="文种, e.g. 通知")
    media_type: str = Field("", description="by default from the file's name")
    disclosure_id: UUID | None = Field(None, description="the disclosure act it is the original of (D8)")
    hearing_id: UUID | None = Field(None, description="the hearing whose clerk's record it is (H4)")


class LegalHold(Args):
    archive_number: str
    reason: str = Field(description="e.g. 行政复议, 行政诉讼")


class ReceiveRequest(Args):
    id: UUID | None = None
    channel: str = Field(description="in_person | post | internet | fax (Art. 31)")
    received_on: date = Field(description="the day the channel makes count as received")
    applicant_kind: str = Field(description="natural_person | commercial_enterprise | research_institution | "
                                "social_welfare_organisation | legal_service_organisation | other_organisation")
    applicant: str = Field(description="name and contact; sealed at once (Q3)")
    request: str = Field(description="the information requested; sealed")


class RequestRef(IdRef):
    request_id: UUID
    ref_fields: ClassVar[set[str]] = {"request_id"}


class RequestCompletion(RequestRef):
    items: str
    completion_due: date


class CompleteRequest(RequestRef):
    completed_on: date


class StartConsultation(RequestRef):
    consulted: str


class ExtendRequest(RequestRef):
    working_days: int
    approver: str
    notice: str


class AnswerRequest(RequestRef):
    answer: str = Field(description="already_public | disclosed | partially_disclosed | withheld | cannot_provide | "
                        "not_processed | special_law (A3)")
    sub_reason: str = ""
    details: dict[str, str] = Field(default_factory=dict)


class PublishAnnualReport(Args):
    year: int
    channel: str
    table: dict[str, dict[str, int]] = Field(description="the application table by line (1, 2, 3.1 … 3.7, 4) and column, "
                                             "as `zwgk report annual --format json` gives it; 一+二=三（七）+四 must hold (A6)")


class ReportEmergency(Args):
    id: UUID | None = None
    title: str
    happened_at: datetime = Field(description="when it happened, with its time zone: N2 counts hours from here")


class EmergencyRef(IdRef):
    emergency_id: UUID
    ref_fields: ClassVar[set[str]] = {"emergency_id"}


class ReleaseInformation(EmergencyRef):
    channel: str
    summary: str


class HoldPressConference(EmergencyRef):
    speaker: str


class PostAnnouncement(Args):
    id: UUID | None = None
    kind: str = Field(description="decision (≥ 20 working days) | execution (≥ 7) | emergency (real time) (N1)")
    title: str
    channel: str = Field(description="告示形式: website | document | media | notice_board | other")


class AnnouncementRef(IdRef):
    announcement_id: UUID
    ref_fields: ClassVar[set[str]] = {"announcement_id"}


class UpdateAnnouncement(AnnouncementRef):
    update: str


class TakeDownAnnouncement(AnnouncementRef):
    reason: str = ""


class ProposeDecision(Args):
    id: UUID | None = None
    title: str


class DecisionRef(IdRef):
    decision_id: UUID
    ref_fields: ClassVar[set[str]] = {"decision_id"}


class ReviewDecisionSecrecy(DecisionRef):
    decision: str = Field(description="approved | rejected (P1)")
    comment: str = ""


class DiscussDecision(DecisionRef):
    meeting: str
    conclusion: str


class PreDiscloseDecision(DecisionRef):
    draft_title: str
    explanation: dict[str, str] = Field(description="起草说明: background, basis, main_content (P2)")
    channel: str
    comment_days: int = Field(30, description="at least 30; 7 to 29 with shortened_reason (P3)")
    shortened_reason: str = ""


class ReceiveComment(DecisionRef):
    commenter: str = Field(description="name and contact; sealed at once")
    text: str = Field(description="the comment; sealed")
    topic: str = Field(description="the question it is about, in clear, to count widely held opinions (P4)")
    channel: str = ""


class AbsorbComments(DecisionRef):
    summary: str


class PublishAdoptionReport(DecisionRef):
    adopted_topics: list[str] = Field(default_factory=list)
    not_adopted_reasons: dict[str, str] = Field(default_factory=dict, description="topic → reason (P4)")
    channel: str


class NoticeHearing(Args):
    id: UUID | None = None
    matter: str
    scheduled_at: datetime
    place: str
    requirements: str
    public: bool = True
    closed_reason: str = Field("", description="state_secret is the one reason a hearing is closed (H3)")
    repeats: UUID | None = Field(None, description="the hearing without consensus this one repeats (H4)")


class HearingRef(IdRef):
    hearing_id: UUID
    ref_fields: ClassVar[set[str]] = {"hearing_id"}


class AssignHearingRoles(HearingRef):
    chair: str
    clerk: str
    answerers: list[str] = Field(description="主答人员, chosen by the department")
    questioners: list[str] = Field(description="主问人员, chosen by the representatives; sealed")
    representatives: list[str] = Field(description="听证代表; sealed")
    observers_count: int = 0


class HoldHearing(HearingRef):
    attended: int
    summary: str = ""


class ArchiveHearingRecord(HearingRef):
    sha256: str
    storage_key: str


class IssueHearingMinutes(HearingRef):
    summary: str
    consensus: bool


class PublishHearingOutcome(HearingRef):
    decision: str
    channel: str


class InviteRepresentatives(Args):
    id: UUID | None = None
    kind: str = Field(description="plenary | executive | other (M2)")
    title: str
    meeting_on: date
    invited: dict[str, int] = Field(description="sector → number invited, e.g. {\"公众代表\": 3}")


class MeetingRef(IdRef):
    meeting_id: UUID
    ref_fields: ClassVar[set[str]] = {"meeting_id"}


class HoldMeeting(MeetingRef):
    attended: int
    opinions: int
    opinions_summary: str = ""


class PublishMeetingFeedback(MeetingRef):
    adopted: int
    feedback: str
    channel: str


class PlanOpenDay(Args):
    id: UUID | None = None
    theme: str
    held_on: date
    places: int


class OpenDayRef(IdRef):
    open_day_id: UUID
    ref_fields: ClassVar[set[str]] = {"open_day_id"}


class AdmitParticipant(OpenDayRef):
    participant: str = Field(description="name and contact; sealed at once")
    birth_date: date = Field(description="checked (18 or older on the day, O1), never recorded")
    sector: str = ""


class AnnounceParticipants(OpenDayRef):
    channel: str


class HoldOpenDay(OpenDayRef):
    attended: int
    opinions: int = 0
    summary: str = ""


class RegisterComplaint(Args):
    id: UUID | None = None
    category: str = Field(description="delay_without_reason | bad_attitude | procedure_breach_loss | retaliation | other_misconduct (Q1)")
    form: str = Field(description="oral | written (Q2)")
    signed: bool = False
    major: bool = False
    respondent_unit: str
    channel: str = ""
    complainant_name: str = Field(description="sealed at once with the complainant's own key (Q3)")
    complainant_contact: str = ""
    account: str = Field(description="what happened, in the complainant's words; sealed (Q3)")


class ErasePersonalData(Args):
    subject_id: str = Field(description="the data subject, e.g. complainant-<complaint id>, applicant-<request id>")
    basis: str = Field(description="purpose_fulfilled | retention_expired | consent_withdrawn | unlawful_processing | "
                                   "other_legal_ground (PIPL art. 47)")
    note: str = Field("", description="required with other_legal_ground: the law relied on; never personal data (it is not sealed)")


class ComplaintRef(IdRef):
    complaint_id: UUID
    ref_fields: ClassVar[set[str]] = {"complaint_id"}


class AssignComplaint(ComplaintRef):
    handler_unit: str
    instructions: str = ""


class HandleComplaint(ComplaintRef):
    findings: str
    substantiated: bool
    outcome: str


class GiveFeedback(ComplaintRef):
    feedback: str


class PublishFeedback(ComplaintRef):
    summary: str = Field(description="written for the public: never names the complainant (Q3, Q4)")


class OpenCase(Args):
    id: UUID | None = None
    subject_kind: str = Field(description="person | unit_head | unit (K1)")
    subject_id: str = ""
    subject_unit: str
    violation: str = Field(description="one of the ten violations (K2)")
    origin: str = Field(description="complaint | inspection | assessment_failure | overdue_deadline")
    evidence: list[str] = Field(default_factory=list, description="ids of the events the case is about")
    description: str = ""


class CaseRef(IdRef):
    case_id: UUID
    ref_fields: ClassVar[set[str]] = {"case_id"}


class Investigate(CaseRef):
    working_group: list[str]
    findings: str


class GiveOpinion(CaseRef):
    opinion: str


class DecideCase(CaseRef):
    sanctions: list[str] = Field(description="one or several of the five sanctions (K4)")
    decision: str
    meeting: str = Field(description="the leading group's meeting that decided (K3)")


class FileCase(CaseRef):
    filed_with: str


class SelfAssess(Args):
    period: str = Field(description="2022 or 2022-Q1")
    self_score: Decimal
    report: str


class AssessmentRef(Args):
    unit: str
    period: str
    ref_fields: ClassVar[set[str]] = {"unit", "period"}

    def target(self, actor: Actor) -> UUID:
        return assessment_id(self.unit, self.period)


class Assess(AssessmentRef):
    scores: dict[str, Decimal] = Field(description="points per criterion of seed 000 附件7 第四条")
    opinion: str = ""


class OrderRectification(AssessmentRef):
    deadline: date
    requirements: str


class Reassess(AssessmentRef):
    total: Decimal
    on: date


Handler = Callable[[Services, Actor, datetime | None, Any], Outcome | list[Outcome]]


@dataclass(frozen=True)
class Command:
    name: str
    summary_zh: str
    args: type[Args]
    handle: Handler


def _on(app: str, method: str) -> Handler:
    """A command on an existing record: its args name the record; the rest go to the method."""

    def handle(s: Services, actor: Actor, at: datetime | None, a: Any) -> Outcome:
        fields = a.model_dump(exclude=a.ref_fields, exclude_none=True)
        return getattr(getattr(s, app), method)(a.target(actor), actor, at, **fields)

    return handle


def _new(app: str, method: str) -> Handler:
    """A command that opens a new record: all its args go to the method."""

    def handle(s: Services, actor: Actor, at: datetime | None, a: Any) -> Outcome:
        return getattr(getattr(s, app), method)(actor, at, **a.model_dump())

    return handle


def _load_calendar(s: Services, actor: Actor, at: datetime | None, a: Any) -> list[Outcome]:
    loaded = s.calendar.load_year(actor, at, a.model_dump())
    return [loaded, *s.calendar.settle_provisional_deadlines(at)]


def _archive_original(s: Services, actor: Actor, at: datetime | None, a: ArchiveOriginal) -> Outcome:
    path = Path(a.file)
    try:
        source = path.open("rb")
    except OSError as error:
        raise DomainError("ORIGINAL_FILE_UNREADABLE", f"无法读取原件文件：{a.file}", f"cannot read {a.file}: {error.strerror}", "R1") from None
    with source:
        outcome, _ = s.archivist().put(
            source, actor=actor, occurred_at=at, filename=path.name,
            doc_date=a.doc_date or cst_date(at or datetime.now(timezone.utc)),
            **a.model_dump(exclude={"file", "doc_date"}),
        )
    return outcome


def _legal_hold(on: bool) -> Handler:
    def handle(s: Services, actor: Actor, at: datetime | None, a: LegalHold) -> Outcome:
        return s.archivist().hold(s.archive.original(a.archive_number), actor, a.reason, on, occurred_at=at)

    return handle


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in [
        Command(
            "list_catalogue_item",
            "新增公开事项",
            ListCatalogueItem,
            lambda s, actor, at, a: s.catalogue.list_item(actor, at, a.elements, a.reason, a.reason_text),
        ),
        Command("amend_catalogue_item", "调整公开事项要素", AmendCatalogueItem, _on("catalogue", "amend_item")),
        Command("withdraw_catalogue_item", "删除公开事项", WithdrawCatalogueItem, _on("catalogue", "withdraw_item")),
        Command("file_catalogue_adjustments", "公开事项调整备案", FileCatalogueAdjustments, _on("catalogue", "file_adjustments")),
        Command("draft_disclosure", "起草拟公开文件并标明公开属性", DraftDisclosure, _new("disclosure", "draft")),
        Command("revise_disclosure", "修订拟公开文件", ReviseDisclosure, _on("disclosure", "revise")),
        Command("sign_review", "公开信息审查表签字", SignReview, _on("disclosure", "sign_review")),
        Command("pre_review_disclosure", "预审小组审查", PreReviewDisclosure, _on("disclosure", "pre_review")),
        Command("sign_off_disclosure", "分管领导审核签发", SignOffDisclosure, _on("disclosure", "sign_off")),
        Command("publish_disclosure", "在公开渠道发布", PublishDisclosure, _on("disclosure", "publish")),
        Command("correct_disclosure", "更正已公开信息", CorrectDisclosure, _on("disclosure", "correct")),
        Command("withdraw_disclosure", "撤回已公开信息", WithdrawDisclosure, _on("disclosure", "withdraw")),
        Command("link_original", "关联存档原件", LinkOriginal, _on("disclosure", "link_original")),
        Command("recheck_withholding", "不予公开文件年度复核", RecheckWithholding, _on("disclosure", "recheck_withholding")),
        Command("archive_original", "存档原件（按保管期限锁定）", ArchiveOriginal, _archive_original),
        Command("place_legal_hold", "对原件实施法律保全", LegalHold, _legal_hold(True)),
        Command("release_legal_hold", "解除原件法律保全", LegalHold, _legal_hold(False)),
        Command("load_calendar", "载入官方节假日安排并重算临时期限", LoadCalendar, _load_calendar),
        Command("receive_request", "登记政府信息公开申请", ReceiveRequest, _new("requests", "receive")),
        Command("request_completion", "发出补正通知", RequestCompletion, _on("requests", "request_completion")),
        Command("complete_request", "申请人补正", CompleteRequest, _on("requests", "complete")),
        Command("abandon_request", "逾期未补正，视为放弃", RequestRef, _on("requests", "abandon")),
        Command("start_consultation", "征求第三方或其他机关意见", StartConsultation, _on("requests", "start_consultation")),
        Command("end_consultation", "征求意见结束", RequestRef, _on("requests", "end_consultation")),
        Command("extend_request", "延长答复期限", ExtendRequest, _on("requests", "extend")),
        Command("answer_request", "作出答复", AnswerRequest, _on("requests", "answer")),
        Command("publish_annual_report", "公开政府信息公开工作年度报告", PublishAnnualReport,
                _new("requests", "publish_annual_report")),
        Command("report_emergency", "登记重大突发事件", ReportEmergency, _new("emergencies", "report")),
        Command("release_emergency_information", "发布权威信息", ReleaseInformation, _on("emergencies", "release_information")),
        Command("hold_press_conference", "举行新闻发布会", HoldPressConference, _on("emergencies", "hold_press_conference")),
        Command("post_announcement", "发布政务事项告示", PostAnnouncement, _new("announcements", "post")),
        Command("update_announcement", "实时更新应急类告示", UpdateAnnouncement, _on("announcements", "update")),
        Command("take_down_announcement", "撤下告示", TakeDownAnnouncement, _on("announcements", "take_down")),
        Command("propose_decision", "登记重大行政决策事项", ProposeDecision, _new("participation", "propose_decision")),
        Command("review_decision_secrecy", "预公开前保密审查", ReviewDecisionSecrecy, _on("participation", "review_decision_secrecy")),
        Command("discuss_decision", "领导集体讨论", DiscussDecision, _on("participation", "discuss_decision")),
        Command("pre_disclose_decision", "预公开决策草案及起草说明", PreDiscloseDecision, _on("participation", "pre_disclose")),
        Command("receive_decision_comment", "登记公众意见（意见人信息即时加密）", ReceiveComment, _on("participation", "receive_comment")),
        Command("absorb_decision_comments", "汇总吸纳公众意见", AbsorbComments, _on("participation", "absorb_comments")),
        Command("publish_adoption_report", "公开意见采纳情况", PublishAdoptionReport, _on("participation", "publish_adoption_report")),
        Command("notice_hearing", "发布听证公告", NoticeHearing, _new("participation", "notice_hearing")),
        Command("assign_hearing_roles", "确定听证人员", AssignHearingRoles, _on("participation", "assign_hearing_roles")),
        Command("hold_hearing", "举行听证会", HoldHearing, _on("participation", "hold_hearing")),
        Command("archive_hearing_record", "听证笔录归档", ArchiveHearingRecord, _on("participation", "archive_hearing_record")),
        Command("issue_hearing_minutes", "印发听证纪要", IssueHearingMinutes, _on("participation", "issue_hearing_minutes")),
        Command("publish_hearing_outcome", "公开决策结果", PublishHearingOutcome, _on("participation", "publish_hearing_outcome")),
        Command("invite_representatives", "邀请公众代表列席会议", InviteRepresentatives, _new("participation", "invite_representatives")),
        Command("hold_meeting", "召开列席会议", HoldMeeting, _on("participation", "hold_meeting")),
        Command("publish_meeting_feedback", "反馈并公开意见采纳情况", PublishMeetingFeedback, _on("participation", "publish_meeting_feedback")),
        Command("plan_open_day", "计划政务开放日", PlanOpenDay, _new("participation", "plan_open_day")),
        Command("admit_open_day_participant", "确定开放日参加代表（个人信息即时加密）", AdmitParticipant,
                _on("participation", "admit_participant")),
        Command("announce_open_day_participants", "公示开放日参加代表", AnnounceParticipants, _on("participation", "announce_participants")),
        Command("hold_open_day", "举办政务开放日", HoldOpenDay, _on("participation", "hold_open_day")),
        Command("register_complaint", "登记投诉（投诉人信息即时加密）", RegisterComplaint, _new("complaints", "register")),
        Command("assign_complaint", "交办投诉", AssignComplaint, _on("complaints", "assign")),
        Command("handle_complaint", "登记投诉处理结果", HandleComplaint, _on("complaints", "handle")),
        Command("give_complaint_feedback", "向投诉人反馈", GiveFeedback, _on("complaints", "give_feedback")),
        Command("publish_complaint_feedback", "公开投诉处理及反馈情况", PublishFeedback, _on("complaints", "publish_feedback")),
        Command("erase_personal_data", "删除数据主体的个人信息（销毁其密钥）", ErasePersonalData, _new("privacy", "erase")),
        Command("open_case", "立案追究责任", OpenCase, _new("accountability", "open_case")),
        Command("investigate_case", "工作组调查", Investigate, _on("accountability", "investigate")),
        Command("give_case_opinion", "提出初步处理意见", GiveOpinion, _on("accountability", "give_opinion")),
        Command("decide_case", "领导小组集体决定", DecideCase, _on("accountability", "decide")),
        Command("file_case", "备案", FileCase, _on("accountability", "file")),
        Command("self_assess", "单位自查自评", SelfAssess, _new("assessment", "self_assess")),
        Command("assess_unit", "政府办公室考核评分", Assess, _on("assessment", "assess")),
        Command("approve_grade", "领导小组办公室审定等次", AssessmentRef, _on("assessment", "approve_grade")),
        Command("publish_assessment", "通报考核结果", AssessmentRef, _on("assessment", "publish")),
        Command("order_rectification", "责令限期整改", OrderRectification, _on("assessment", "order_rectification")),
        Command("reassess_unit", "整改后复核", Reassess, _on("assessment", "reassess")),
        Command(
            "recompute_deadlines",
            "按已载入日历重算临时期限",
            NoArgs,
            lambda s, actor, at, a: s.calendar.settle_provisional_deadlines(at),
        ),
    ]
}


class Envelope(BaseModel):
    """One command as written in a file: who, when (optional), what."""

    model_config = ConfigDict(extra="forbid")

    command: str
    actor: dict[str, str]
    occurred_at: datetime | None = None
    args: dict[str, Any] = {}


# pydantic's error types, by the prefix of their name, as a person reads them; the log keeps pydantic's English.
_INSTANT_ZH = "应为带时区的 ISO 8601 时间，例如 2022-01-14T09:00:00+08:00"
_ONE_OF_ZH = "应为以下之一：{expected}"
_PROBLEMS_ZH = [
    ("missing", "缺少此项"),
    ("extra_forbidden", "不接受此项"),
    ("string_too_short", "不能为空"),
    ("string_too_long", "过长（至多 {max_length} 字）"),
    ("string", "应为文本"),
    ("int", "应为整数"),
    ("float", "应为数字"),
    ("decimal", "应为数字"),
    ("bool", "应为 true 或 false"),
    ("datetime", _INSTANT_ZH),
    ("timezone", _INSTANT_ZH),
    ("date", "应为日期，例如 2022-01-14"),
    ("uuid", "应为 UUID"),
    ("enum", _ONE_OF_ZH),
    ("literal_error", _ONE_OF_ZH),
    ("greater_than_equal", "应不小于 {ge}"),
    ("greater_than", "应大于 {gt}"),
    ("less_than_equal", "应不大于 {le}"),
    ("less_than", "应小于 {lt}"),
    ("too_short", "项数不足（至少 {min_length} 项）"),
    ("too_long", "项数过多（至多 {max_length} 项）"),
    ("list_type", "应为列表"),
    ("dict_type", "应为对象"),
    ("model", "应为对象"),
]
_ITEM_REFERENCE_ZH = {"give exactly one of item_id or matter": "须给出 item_id 或 matter 之一，且只给一个"}


def _problem_zh(error: Mapping[str, Any]) -> str:
    context = {k: str(v).replace(" or ", ", ") for k, v in (error.get("ctx") or {}).items()}
    if error["type"] == "value_error":
        reason = str(error["ctx"]["error"])
        return _ITEM_REFERENCE_ZH.get(reason, f"取值无效（{reason}）")
    for prefix, text in _PROBLEMS_ZH:
        if error["type"].startswith(prefix):
            try:
                return text.format(**context)
            except KeyError:
                break
    return "取值无效"


def _invalid(error: ValidationError, what: str) -> DomainError:
    def where(e: Mapping[str, Any]) -> str:
        return ".".join(str(p) for p in e["loc"]) or what

    zh = "；".join(f"{where(e)}：{_problem_zh(e)}" for e in error.errors())
    en = "; ".join(f"{where(e)}: {e['msg']}" for e in error.errors())
    return DomainError("INVALID_ARGUMENTS", f"参数无效（{zh}）", f"invalid {what}: {en}")


def execute(services: Services, envelope: Mapping[str, Any]) -> list[Outcome]:
    """Run one command; a refusal raises `DomainError` and records nothing. An unknown command name is
    told before anything else about the line."""
    name = envelope.get("command") if isinstance(envelope, Mapping) else None
    if isinstance(name, str) and name not in COMMANDS:
        raise DomainError("UNKNOWN_COMMAND", f"未知命令：{name}（zwgk commands 列出全部命令）", f"unknown command {name}")
    try:
        parsed = Envelope.model_validate(envelope)
    except ValidationError as error:
        raise _invalid(error, "command") from None
    command = COMMANDS[parsed.command]
    try:
        actor = Actor(**parsed.actor)
    except TypeError:
        raise DomainError(
            "ACTOR_INCOMPLETE", "操作人须包含 id、role、unit。", "actor needs id, role and unit"
        ) from None
    try:
        args = command.args.model_validate(parsed.args)
    except ValidationError as error:
        raise _invalid(error, "args") from None
    result = command.handle(services, actor, parsed.occurred_at, args)
    return result if isinstance(result, list) else [result]


def catalogue() -> list[dict[str, Any]]:
    """Every command with the JSON schema of its args, for `zwgk commands`."""
    return [
        {"command": c.name, "summary": c.summary_zh, "args": c.args.model_json_schema()}
        for c in COMMANDS.values()
    ]



"""Disclosure acts 公开行为 (rules D1–D9, D11).

A document is drafted with its disclosure attribute (D1, D2), reviewed on the
secrecy review sheet 公开信息审查表 by three different people (D4), approved by the
pre-review group 预审小组 (D5), signed off by the leader in charge 分管领导 (D6), and
published on a channel within the deadline that signing starts (D3, D11). Content
under D7 is never published. Corrections and withdrawals are new events; the
archived original is linked by its SHA-256 (D8). A policy document's interpretation
解读 is an act of its own, linked to the policy and due within 3 working days of the
policy's publication (D9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.actors import Actor, Role
from zwgk.domain.archival import linked_original
from zwgk.domain.calendar import Deadline, WorkingDayCalendar, cst_date
from zwgk.domain.commands import Changes, Context, Opens, Outcome
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.plausible import Year
from zwgk.domain.records import DeadlineRecomputed, Record, now
from zwgk.domain.rules import Rule, RuleOutcome


class Attribute(StrEnum):
    """D1: the disclosure attribute 公开属性 every draft states."""

    PROACTIVE = "proactive"  # 主动公开
    PARTIAL = "partial"  # 部分公开
    ON_REQUEST = "on_request"  # 依申请公开
    WITHHELD = "withheld"  # 不予公开


ATTRIBUTES_ZH = {
    Attribute.PROACTIVE: "主动公开",
    Attribute.PARTIAL: "部分公开",
    Attribute.ON_REQUEST: "依申请公开",
    Attribute.WITHHELD: "不予公开",
}


class LegalReason(StrEnum):
    """D2: legal reasons for not disclosing proactively (政府信息公开条例 第十四至十六条)."""

    STATE_SECRET = "state_secret"  # 国家秘密
    LAW_PROHIBITED = "law_prohibited"  # 法律、行政法规禁止公开
    SECURITY_STABILITY = "security_stability"  # 危及国家安全、公共安全、经济安全、社会稳定
    COMMERCIAL_SECRET = "commercial_secret"  # 商业秘密
    PERSONAL_PRIVACY = "personal_privacy"  # 个人隐私
    INTERNAL_AFFAIRS = "internal_affairs"  # 内部事务信息
    PROCESS_INFORMATION = "process_information"  # 过程性信息
    ENFORCEMENT_FILE = "enforcement_file"  # 行政执法案卷信息


# D7: content that is never published.
NEVER_PUBLISHED = {
    LegalReason.STATE_SECRET,
    LegalReason.COMMERCIAL_SECRET,
    LegalReason.PERSONAL_PRIVACY,
}


class Kind(StrEnum):
    """What the document is; it sets the publication deadline (D3, D11)."""

    GENERAL = "general"  # 一般主动公开文件
    POLICY = "policy"  # 政策文件
    ENFORCEMENT_DECISION = "enforcement_decision"  # 执法决定 (执法公示)
    LICENSING = "licensing"  # 行政许可
    PENALTY = "penalty"  # 行政处罚
    INTERPRETATION = "interpretation"  # 政策解读 (D9)


# (rule, working days from signing) per kind.
PUBLICATION_DEADLINES = {
    Kind.GENERAL: (Rule.D3, 3),
    Kind.POLICY: (Rule.D3, 3),
    Kind.ENFORCEMENT_DECISION: (Rule.D11, 20),
    Kind.LICENSING: (Rule.D11, 7),
    Kind.PENALTY: (Rule.D11, 7),
    Kind.INTERPRETATION: (Rule.D3, 3),
}
INTERPRETATION_WITHIN = 3  # working days after the policy's publication (D9)


class SheetRole(StrEnum):
    """D4: the three signatures of the secrecy review sheet."""

    COMPILER = "compiler"  # 组稿人
    ISSUER = "issuer"  # 签发人
    PUBLISHER = "publisher"  # 推送人


SHEET_ROLES_ZH = {
    SheetRole.COMPILER: "组稿人",
    SheetRole.ISSUER: "签发人",
    SheetRole.PUBLISHER: "推送人",
}


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


DECISIONS_ZH = {Decision.APPROVED: "通过", Decision.REJECTED: "退回"}


class Channel(StrEnum):
    """Where a disclosure is published 公开渠道."""

    WEBSITE = "website"  # 政府网站
    GAZETTE = "gazette"  # 政府公报
    BULLETIN_BOARD = "bulletin_board"  # 公开栏
    NEW_MEDIA = "new_media"  # 政务新媒体
    SERVICE_HALL = "service_hall"  # 政务服务大厅
    PRESS = "press"  # 新闻发布会、报刊广播电视


CHANNELS_ZH = {
    Channel.WEBSITE: "政府网站",
    Channel.GAZETTE: "政府公报",
    Channel.BULLETIN_BOARD: "公开栏",
    Channel.NEW_MEDIA: "政务新媒体",
    Channel.SERVICE_HALL: "政务服务大厅",
    Channel.PRESS: "新闻发布会及媒体",
}


def check_attribute(attribute: str, reason: str | None, basis: str) -> tuple[Attribute, LegalReason | None]:
    """D1, D2: a stated attribute; anything but 主动公开 needs a legal reason."""
    checked = choice(Attribute, attribute, "ATTRIBUTE_REQUIRED", "公开属性须为主动公开、部分公开、依申请公开或不予公开", Rule.D1)
    if checked is Attribute.PROACTIVE:
        if reason:
            raise DomainError(
                "ATTRIBUTE_REASON_UNEXPECTED",
                "主动公开的文件不应附不公开理由。",
                "a proactive document has no reason for withholding",
                Rule.D2,
            )
        return checked, None
    if not reason or not basis.strip():
        raise DomainError(
            "ATTRIBUTE_REASON_REQUIRED",
            f"公开属性为“{ATTRIBUTES_ZH[checked]}”的文件须写明法定理由及依据，否则退文。",
            f"attribute {checked} needs a legal reason and its basis",
            Rule.D2,
        )
    return checked, choice(LegalReason, reason, "ATTRIBUTE_REASON_INVALID", "不公开理由须为法定理由", Rule.D2)


class DisclosureAct(Record):
    """One document on its way to publication, and what happens to it afterwards."""

    what_zh = "公开行为"
    context = "disclosure"

    if TYPE_CHECKING:
        interprets: UUID | None
        interpretation_due: Deadline | None
        interpretations: list[UUID]
        title: str
        doc_number: str
        kind: Kind
        attribute: Attribute
        reason: LegalReason | None
        reason_basis: str
        signatures: dict[str, str]  # sheet role: signer's id
        rejected: bool
        pre_review_decision: Decision | None
        signed_off: bool
        deadline: Deadline | None
        publications: dict[str, datetime]  # channel: when
        withdrawn: bool
        original: str | None  # its SHA-256
        rechecked_years: list[int]

    class Drafted(Record.Created):
        """A document drafted with its disclosure attribute and, if not proactive, the legal reason (D1, D2)."""

        unit: str
        title: str
        doc_number: str
        doc_type: str
        kind: str
        attribute: str
        reason: str | None
        reason_basis: str
        interprets: UUID | None = None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v2 links an interpretation to its policy (D9); earlier drafts interpret nothing."""
            state["interprets"] = None

        def apply(self, act: DisclosureAct) -> None:
            act.unit = self.unit
            act.interprets = self.interprets
            act.interpretation_due = None
            act.interpretations = []
            act.title = self.title
            act.doc_number = self.doc_number
            act.kind = Kind(self.kind)
            act.attribute = Attribute(self.attribute)
            act.reason = LegalReason(self.reason) if self.reason else None
            act.reason_basis = self.reason_basis
            act.reset_review()
            act.publications = {}
            act.withdrawn = False
            act.original = None
            act.rechecked_years = []

    class Revised(Record.Event):
        """A new draft: the review sheet, pre-review and sign-off start again."""

        title: str
        attribute: str
        reason: str | None
        reason_basis: str
        note: str

        def apply(self, act: DisclosureAct) -> None:
            act.title = self.title
            act.attribute = Attribute(self.attribute)
            act.reason = LegalReason(self.reason) if self.reason else None
            act.reason_basis = self.reason_basis
            act.reset_review()

    class ReviewSigned(Record.Event):
        """One signature on the secrecy review sheet 公开信息审查表 (D4)."""

        sheet_role: str
        decision: str
        comment: str

        def apply(self, act: DisclosureAct) -> None:
            act.signatures[self.sheet_role] = self.actor.id
            if self.decision == Decision.REJECTED:
                act.rejected = True

    class PreReviewed(Record.Event):
        """The pre-review group's decision 预审 (D5)."""

        decision: str
        comment: str

        def apply(self, act: DisclosureAct) -> None:
            act.pre_review_decision = Decision(self.decision)

    class SignedOff(Record.Event):
        """The leader in charge signs 签发 (D6); the publication deadline starts (D3, D11)."""

        comment: str
        deadline: Deadline | None

        def apply(self, act: DisclosureAct) -> None:
            act.signed_off = True
            act.deadline = self.deadline

    class PublicationDeadlineRecomputed(DeadlineRecomputed):
        """A provisional deadline recomputed once the official calendar is known."""

        holder = "deadline"

    class Published(Record.Event):
        """Published on a channel; self-contained, as the public streams carry it (D3 outcome)."""

        is_public = True

        unit: str
        title: str
        doc_number: str
        attribute: str
        kind: str
        channel: str
        location: str
        rule_outcomes: dict[str, str]
        interpretation_due: Deadline | None = None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v2 carries the D9 deadline a policy's first publication starts; none before."""
            state["interpretation_due"] = None

        def apply(self, act: DisclosureAct) -> None:
            act.publications[self.channel] = self.occurred_at
            act.interpretation_due = act.interpretation_due or self.interpretation_due

    class InterpretationDeadlineRecomputed(DeadlineRecomputed):
        """A provisional D9 deadline recomputed once the official calendar is known."""

        holder = "interpretation_due"

    class Interpreted(Record.Event):
        """The policy's interpretation 解读 published, linked both ways (D9 outcome on the first)."""

        is_public = True

        interpretation_id: UUID
        title: str
        rule_outcomes: dict[str, str]

        def apply(self, act: DisclosureAct) -> None:
            act.interpretations.append(self.interpretation_id)

    class Corrected(Record.Event):
        """A published disclosure corrected: what and why."""

        is_public = True

        reason: str
        correction: str

    class Withdrawn(Record.Event):
        """A publication withdrawn 撤回, and why."""

        is_public = True

        reason: str

        def apply(self, act: DisclosureAct) -> None:
            act.withdrawn = True

    class WithholdingRechecked(Record.Event):
        """The annual re-check 年度复核 of a withheld document (D10), on time in November of the year.

        Whether its legal reason still applies; if not, the unit then revises it to a public attribute."""

        year: int
        still_withheld: bool
        note: str
        rule_outcomes: dict[str, str]

        def apply(self, act: DisclosureAct) -> None:
            act.rechecked_years = [*act.rechecked_years, self.year]

    class OriginalLinked(Record.Event):
        """D8: the archived original, by content address."""

        sha256: str
        storage_key: str

        def apply(self, act: DisclosureAct) -> None:
            act.original = self.sha256

    @classmethod
    def draft(
        cls,
        *,
        id: UUID,  # noqa: A002
        actor: Actor,
        occurred_at: datetime | None,
        title: str,
        attribute: str,
        kind: str = Kind.GENERAL,
        doc_number: str = "",
        doc_type: str = "",
        reason: str | None = None,
        reason_basis: str = "",
        interprets: DisclosureAct | None = None,
    ) -> DisclosureAct:
        if not title.strip():
            raise DomainError("TITLE_REQUIRED", "文件须有标题。", "a draft needs a title")
        checked, legal_reason = check_attribute(attribute, reason, reason_basis)
        kind = choice(Kind, kind, "KIND_INVALID", "文件类别无效", None)
        if (kind is Kind.INTERPRETATION) != (interprets is not None):
            raise DomainError("INTERPRETED_POLICY_REQUIRED", "政策解读须关联其解读的政策文件，其他文件不关联。",
                              "an interpretation, and only an interpretation, names the policy it interprets", Rule.D9)
        if interprets is not None and interprets.kind is not Kind.POLICY:
            raise DomainError("NOT_A_POLICY", "只能解读政策文件。", "only a policy document is interpreted", Rule.D9)
        return cls._open(
            cls.Drafted,
            id=id,
            actor=actor,
            occurred_at=occurred_at,
            unit=actor.unit,
            title=title.strip(),
            doc_number=doc_number.strip(),
            doc_type=doc_type.strip(),
            kind=kind.value,
            attribute=checked.value,
            reason=legal_reason.value if legal_reason else None,
            reason_basis=reason_basis.strip(),
            interprets=interprets.id if interprets else None,
        )

    def reset_review(self) -> None:
        """A new draft starts the review sheet, the pre-review and the sign-off again."""
        self.signatures = {}
        self.rejected = False
        self.pre_review_decision = None
        self.signed_off = False
        self.deadline = None

    @property
    def published(self) -> bool:
        return bool(self.publications)

    @property
    def review_complete(self) -> bool:
        return len(self.signatures) == len(SheetRole) and not self.rejected

    def _check_own_unit(self, actor: Actor) -> None:
        if actor.unit != self.unit:
            raise DomainError(
                "NOT_RESPONSIBLE_UNIT",
                f"只有起草单位“{self.unit}”可以进行此操作（谁发布、谁负责）。",
                f"only the drafting unit {self.unit} may do this",
                Rule.C3,
            )

    def _check_before_publication(self) -> None:
        if self.published or self.withdrawn:
            raise DomainError(
                "ALREADY_PUBLISHED",
                "文件已公开或已撤回，不能再修改审核流程；请用更正或撤回。",
                "the act is already published or withdrawn",
            )

    def revise(
        self,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        title: str | None = None,
        attribute: str | None = None,
        reason: str | None = None,
        reason_basis: str | None = None,
        note: str = "",
    ) -> None:
        """A new draft; the attribute's reason is kept unless a new attribute or reason is given."""
        self._check_own_unit(actor)
        self._check_before_publication()
        keep = attribute is None and reason is None and reason_basis is None
        checked, legal_reason = check_attribute(
            attribute or self.attribute.value,
            (self.reason.value if self.reason else None) if keep else reason,
            self.reason_basis if keep else (reason_basis or ""),
        )
        self._record(
            self.Revised,
            actor=actor,
            occurred_at=occurred_at,
            title=(title or self.title).strip(),
            attribute=checked.value,
            reason=legal_reason.value if legal_reason else None,
            reason_basis=self.reason_basis if keep else (reason_basis or "").strip(),
            note=note.strip(),
        )

    def sign_review(
        self,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        sheet_role: str,
        decision: str = Decision.APPROVED,
        comment: str = "",
    ) -> None:
        """D4: compiler, issuer and publisher sign; three different people."""
        self._check_before_publication()
        role = choice(SheetRole, sheet_role, "SHEET_ROLE_INVALID", "审查表签字角色须为组稿人、签发人或推送人", Rule.D4)
        verdict = choice(Decision, decision, "DECISION_INVALID", "审核意见须为同意或不同意", None)
        if role.value in self.signatures:
            raise DomainError(
                "ALREADY_SIGNED",
                f"审查表上“{SHEET_ROLES_ZH[role]}”已签字。",
                f"sheet role {role} is already signed",
                Rule.D4,
            )
        if actor.id in self.signatures.values():
            raise DomainError(
                "SIGNERS_NOT_DISTINCT",
                "公开信息审查表须由组稿人、签发人、推送人三个不同的人签字，同一人不能兼签。",
                f"{actor.id} has already signed this sheet in another role",
                Rule.D4,
            )
        if verdict is Decision.REJECTED and not comment.strip():
            raise DomainError(
                "REJECTION_REASON_REQUIRED",
                "不同意时须写明意见。",
                "a rejection needs a comment",
                Rule.D4,
            )
        self._record(
            self.ReviewSigned,
            actor=actor,
            occurred_at=occurred_at,
            sheet_role=role.value,
            decision=verdict.value,
            comment=comment.strip(),
        )

    def pre_review(
        self, *, actor: Actor, occurred_at: datetime | None, decision: str, comment: str = ""
    ) -> None:
        """D5: the pre-review group approves or rejects the reviewed content."""
        self._check_before_publication()
        actor.require(Role.PRE_REVIEWER, Rule.D5)
        verdict = choice(Decision, decision, "DECISION_INVALID", "预审意见须为同意或不同意", Rule.D5)
        if not self.review_complete:
            raise DomainError(
                "REVIEW_SHEET_INCOMPLETE",
                "公开信息审查表尚未由组稿人、签发人、推送人全部签字同意，不能提交预审。",
                "the secrecy review sheet lacks approving signatures",
                Rule.D4,
            )
        if self.pre_review_decision is not None:
            raise DomainError("ALREADY_PRE_REVIEWED", "预审小组已作出决定。", "already pre-reviewed", Rule.D5)
        self._record(
            self.PreReviewed,
            actor=actor,
            occurred_at=occurred_at,
            decision=verdict.value,
            comment=comment.strip(),
        )

    def sign_off(
        self,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        calendar: WorkingDayCalendar,
        comment: str = "",
    ) -> None:
        """D6: the leader in charge signs; D3/D11: the publication clock starts."""
        self._check_before_publication()
        actor.require(Role.LEADER, Rule.D6)
        self._check_own_unit(actor)
        if self.pre_review_decision is not Decision.APPROVED:
            raise DomainError(
                "PRE_REVIEW_NOT_APPROVED",
                "未经预审小组审查通过的内容不得签发公开。",
                "the pre-review group has not approved this content",
                Rule.D5,
            )
        if self.signed_off:
            raise DomainError("ALREADY_SIGNED_OFF", "分管领导已签发。", "already signed off", Rule.D6)
        signed = occurred_at or now()
        self._record(
            self.SignedOff,
            actor=actor,
            occurred_at=signed,
            comment=comment.strip(),
            deadline=self._publication_deadline(calendar, signed),
        )

    def _publication_deadline(self, calendar: WorkingDayCalendar, signed: datetime) -> Deadline | None:
        if self.attribute not in (Attribute.PROACTIVE, Attribute.PARTIAL):
            return None
        rule, days = PUBLICATION_DEADLINES[self.kind]
        return calendar.add_working_days(cst_date(signed), days, rule)

    def _running_deadlines(self) -> list[tuple[Deadline, type[DeadlineRecomputed]]]:
        running: list[tuple[Deadline, type[DeadlineRecomputed]]] = []
        if self.deadline is not None and not self.published:
            running.append((self.deadline, self.PublicationDeadlineRecomputed))
        if self.interpretation_due is not None and not self.interpretations:
            running.append((self.interpretation_due, self.InterpretationDeadlineRecomputed))
        return running

    def publish(
        self, *, actor: Actor, occurred_at: datetime | None, calendar: WorkingDayCalendar, channel: str,
        location: str = "", policy: DisclosureAct | None = None,
    ) -> None:
        """Publish on a channel; an interpretation also needs its policy, published already (D9)."""
        self._check_own_unit(actor)
        where = choice(Channel, channel, "CHANNEL_INVALID", "公开渠道无效", None)
        if self.withdrawn:
            raise DomainError("ACT_WITHDRAWN", "文件已撤回，不能公开。", "the act has been withdrawn")
        if self.attribute is Attribute.WITHHELD or self.reason in NEVER_PUBLISHED:
            raise DomainError(
                "CONFIDENTIAL_NOT_PUBLISHABLE",
                "涉及国家秘密、商业秘密、个人隐私或属不予公开的内容，不得公开。",
                "withheld content (state secret, commercial secret, privacy) is never published",
                Rule.D7,
            )
        if self.attribute is Attribute.ON_REQUEST:
            raise DomainError(
                "NOT_PROACTIVE",
                "依申请公开的信息只向申请人提供，不在公开渠道发布。",
                "information disclosed on request is not published on a channel",
                Rule.D1,
            )
        if not self.review_complete:
            raise DomainError(
                "REVIEW_SHEET_INCOMPLETE",
                "公开信息审查表须经组稿人、签发人、推送人签字确认后方可公开。",
                "the secrecy review sheet lacks approving signatures",
                Rule.D4,
            )
        if self.pre_review_decision is not Decision.APPROVED:
            raise DomainError(
                "PRE_REVIEW_NOT_APPROVED",
                "未经预审小组审查通过的内容不得公开。",
                "the pre-review group has not approved this content",
                Rule.D5,
            )
        if not self.signed_off:
            raise DomainError(
                "LEADER_SIGN_OFF_MISSING",
                "须经分管领导审核签字后方可公开。",
                "the leader in charge has not signed off",
                Rule.D6,
            )
        if where.value in self.publications:
            raise DomainError(
                "ALREADY_PUBLISHED",
                "该文件已在此渠道公开。",
                f"already published on {where}",
            )
        if (policy is None) != (self.interprets is None) or (policy is not None and policy.id != self.interprets):
            raise ValueError("an interpretation is published with the policy it interprets, and only then")
        if policy is not None and not policy.published:
            raise DomainError("POLICY_NOT_PUBLISHED", "政策文件公开后方可发布其解读。",
                              "the policy is not published yet", Rule.D9)
        at = occurred_at or now()
        first = not self.published
        outcomes: dict[str, str] = {}
        if self.deadline is not None and first:
            outcomes[self.deadline.rule] = RuleOutcome.of(self.deadline.met_by(at))
        interpretation_due = None
        if self.kind is Kind.POLICY and first:
            interpretation_due = calendar.add_working_days(cst_date(at), INTERPRETATION_WITHIN, Rule.D9)
        self._record(
            self.Published,
            actor=actor,
            occurred_at=at,
            unit=self.unit,
            title=self.title,
            doc_number=self.doc_number,
            attribute=self.attribute.value,
            kind=self.kind.value,
            channel=where.value,
            location=location.strip(),
            rule_outcomes=outcomes,
            interpretation_due=interpretation_due,
        )
        if policy is not None and first:
            policy.record_interpretation(actor=actor, occurred_at=at, interpretation=self)

    def record_interpretation(self, *, actor: Actor, occurred_at: datetime, interpretation: DisclosureAct) -> None:
        outcomes = {}
        if self.interpretation_due is not None and not self.interpretations:
            outcomes[Rule.D9] = RuleOutcome.of(self.interpretation_due.met_by(occurred_at))
        self._record(self.Interpreted, actor=actor, occurred_at=occurred_at, interpretation_id=interpretation.id,
                     title=interpretation.title, rule_outcomes=outcomes)

    def correct(self, *, actor: Actor, occurred_at: datetime | None, reason: str, correction: str) -> None:
        self._check_own_unit(actor)
        if not self.published:
            raise DomainError("NOT_PUBLISHED", "尚未公开的文件请用修订，不用更正。", "only a published act is corrected")
        if not reason.strip() or not correction.strip():
            raise DomainError("CORRECTION_INCOMPLETE", "更正须写明理由和更正内容。", "a correction needs a reason and its content")
        self._record(self.Corrected, actor=actor, occurred_at=occurred_at, reason=reason.strip(), correction=correction.strip())

    def withdraw(self, *, actor: Actor, occurred_at: datetime | None, reason: str) -> None:
        """Withdraw a publication 撤回; a draft that is never published simply stays unpublished."""
        self._check_own_unit(actor)
        if not self.published:
            raise DomainError("NOT_PUBLISHED", "尚未公开的文件无需撤回。", "only a published act is withdrawn")
        if self.withdrawn:
            raise DomainError("ACT_WITHDRAWN", "文件已撤回。", "already withdrawn")
        if not reason.strip():
            raise DomainError("WITHDRAWAL_REASON_REQUIRED", "撤回须写明理由。", "a withdrawal needs a reason")
        self._record(self.Withdrawn, actor=actor, occurred_at=occurred_at, reason=reason.strip())

    def recheck_withholding(self, *, actor: Actor, occurred_at: datetime | None, year: int, still_withheld: bool,
                            note: str = "") -> None:
        """D10: each November a unit re-checks its withheld documents, once a year each."""
        self._check_own_unit(actor)
        if self.attribute is not Attribute.WITHHELD:
            raise DomainError("NOT_WITHHELD", "只有不予公开的文件需要年度复核。", "only a withheld document is re-checked", Rule.D10)
        if year in self.rechecked_years:
            raise DomainError("ALREADY_RECHECKED", f"该文件 {year} 年已复核。", f"already re-checked for {year}", Rule.D10)
        at = occurred_at or now()
        day = cst_date(at)
        if year > day.year:
            raise DomainError("RECHECK_YEAR_AHEAD", f"不能复核尚未到来的 {year} 年。", f"{year} has not come yet", Rule.D10)
        if not still_withheld and not note.strip():
            raise DomainError("CONVERSION_REASON_REQUIRED", "转为公开须说明理由（不予公开的理由已不再适用的原因）。",
                              "a conversion needs its reason", Rule.D10)
        self._record(self.WithholdingRechecked, actor=actor, occurred_at=at, year=year, still_withheld=still_withheld,
                     note=note.strip(), rule_outcomes={Rule.D10: RuleOutcome.of((day.year, day.month) == (year, 11))})

    def link_original(self, *, actor: Actor, occurred_at: datetime | None, sha256: str, storage_key: str) -> None:
        """D8: every disclosure's content goes to the archive; its unit or an archivist links it."""
        if actor.role != Role.ARCHIVIST:
            self._check_own_unit(actor)
        digest, key = linked_original(sha256, storage_key, Rule.D8)
        if self.original == digest:
            raise DomainError("ALREADY_LINKED", "该原件已关联。", "this original is already linked", Rule.D8)
        self._record(self.OriginalLinked, actor=actor, occurred_at=occurred_at, sha256=digest, storage_key=key)


@dataclass(frozen=True, kw_only=True)
class DraftDisclosure(Opens[DisclosureAct], name="draft_disclosure", summary_zh="起草拟公开文件并标明公开属性"):
    title: str
    attribute: Attribute
    """D1"""
    kind: Kind = Kind.GENERAL
    doc_number: str = ""
    doc_type: str = ""
    reason: LegalReason | None = None
    """legal reason when not proactive (D2)"""
    reason_basis: str = ""
    interprets: UUID | None = None
    """for an interpretation 解读: the policy document it interprets (D9)"""

    opens = DisclosureAct.draft

    def open(self, new_id: UUID, ctx: Context) -> DisclosureAct:
        policy = ctx.ledger.load(DisclosureAct, self.interprets) if self.interprets else None
        return DisclosureAct.draft(id=new_id, **ctx.at(), **{**self.args(), "interprets": policy})


@dataclass(frozen=True, kw_only=True)
class OnAct(Changes[DisclosureAct]):
    reference = ("act_id",)
    act_id: UUID


@dataclass(frozen=True, kw_only=True)
class ReviseDisclosure(OnAct, name="revise_disclosure", summary_zh="修订拟公开文件"):
    decides = DisclosureAct.revise
    title: str | None = None
    attribute: Attribute | None = None
    reason: LegalReason | None = None
    reason_basis: str | None = None
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class SignReview(OnAct, name="sign_review", summary_zh="公开信息审查表签字"):
    decides = DisclosureAct.sign_review
    sheet_role: SheetRole
    """the signature on the secrecy review sheet (D4)"""
    decision: Decision = Decision.APPROVED
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class PreReviewDisclosure(OnAct, name="pre_review_disclosure", summary_zh="预审小组审查"):
    decides = DisclosureAct.pre_review
    decision: Decision
    """D5"""
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class SignOffDisclosure(OnAct, name="sign_off_disclosure", summary_zh="分管领导审核签发"):
    decides = DisclosureAct.sign_off
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class PublishDisclosure(OnAct, name="publish_disclosure", summary_zh="在公开渠道发布"):
    """An interpretation's publication also records, on its policy, that it is interpreted (D9)."""

    decides = DisclosureAct.publish
    channel: Channel
    location: str = ""

    def handle(self, ctx: Context) -> Outcome:
        act = ctx.ledger.load(DisclosureAct, self.act_id)
        policy = ctx.ledger.load(DisclosureAct, act.interprets) if act.interprets else None
        act.publish(**ctx.at(), calendar=ctx.ledger.calendar(), policy=policy, channel=self.channel, location=self.location)
        return ctx.ledger.record(act, *([policy] if policy else []))


@dataclass(frozen=True, kw_only=True)
class CorrectDisclosure(OnAct, name="correct_disclosure", summary_zh="更正已公开信息"):
    decides = DisclosureAct.correct
    reason: str
    correction: str


@dataclass(frozen=True, kw_only=True)
class WithdrawDisclosure(OnAct, name="withdraw_disclosure", summary_zh="撤回已公开信息"):
    decides = DisclosureAct.withdraw
    reason: str


@dataclass(frozen=True, kw_only=True)
class LinkOriginal(OnAct, name="link_original", summary_zh="关联存档原件"):
    decides = DisclosureAct.link_original
    sha256: str
    storage_key: str


@dataclass(frozen=True, kw_only=True)
class RecheckWithholding(OnAct, name="recheck_withholding", summary_zh="不予公开文件年度复核"):
    decides = DisclosureAct.recheck_withholding
    year: Year
    """the year whose November re-check this is (D10)"""
    still_withheld: bool
    """true: the legal reason still applies; false: to be revised to a public attribute"""
    note: str = ""

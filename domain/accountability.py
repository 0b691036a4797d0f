"""Accountability 责任追究 (rules K1–K4, 责任追究制度): a case names its
subject, its violation and where it came from, then goes through investigation by a
working group, a preliminary opinion, the leading group's collective decision with its
sanctions, and the filing 备案. It can cite the events it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from zwgk.domain.actors import Actor, Role
from zwgk.domain.commands import Changes, Opens
from zwgk.domain.errors import DomainError, choice
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule


class SubjectKind(StrEnum):
    """K1: who is held responsible."""

    PERSON = "person"  # 直接责任人
    UNIT_HEAD = "unit_head"  # 单位负责人
    UNIT = "unit"  # 单位


class Violation(StrEnum):
    """K2: the ten violations its article lists."""

    PERFUNCTORY = "perfunctory"  # 工作迟缓、流于形式
    NO_ORGANISATION = "no_organisation"  # 无组织、无制度
    NO_CARRIERS = "no_carriers"  # 公开载体缺失
    NOT_DISCLOSED = "not_disclosed"  # 未按目录公开
    PROCEDURE_OR_TIME = "procedure_or_time_limit"  # 违反程序或时限
    APPLICATION_REFUSED = "application_not_accepted"  # 不受理申请
    COMMITMENT_BROKEN = "commitment_broken"  # 不兑现承诺
    SUBJECTIVE_ERROR = "subjective_error"  # 主观过错
    OBSTRUCTION = "obstruction_or_falsification"  # 阻挠检查或弄虚作假
    OTHER = "other"  # 其他


class Origin(StrEnum):
    COMPLAINT = "complaint"
    INSPECTION = "inspection"
    ASSESSMENT_FAILURE = "assessment_failure"
    OVERDUE_DEADLINE = "overdue_deadline"


class Sanction(StrEnum):
    """K4: one or several, together."""

    CRITICISM_EDUCATION = "criticism_education"  # 批评教育
    WRITTEN_SELF_CRITICISM = "written_self_criticism"  # 责令书面检查
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    AWARD_INELIGIBILITY = "award_ineligibility"  # 取消当年评先评优资格
    REASSIGNMENT = "reassignment"  # 调整工作岗位


class AccountabilityCase(Record):
    """One accountability case."""

    what_zh = "责任追究案件"
    context = "accountability"

    if TYPE_CHECKING:
        stage: Literal["opened", "investigated", "opinion", "decided", "filed"]
        subject_unit: str

    class Opened(Record.Created):
        """A case opened against a person, a unit head or a unit, citing its evidence (K1, K2)."""

        subject_kind: str
        subject_id: str
        subject_unit: str
        violation: str
        origin: str
        evidence: list[str]  # event ids the case is about
        description: str

        def apply(self, case: AccountabilityCase) -> None:
            case.stage = "opened"
            case.subject_unit = self.subject_unit

    class Investigated(Record.Event):
        """The working group's findings (K3)."""

        working_group: list[str]
        findings: str

        def apply(self, case: AccountabilityCase) -> None:
            case.stage = "investigated"

    class OpinionGiven(Record.Event):
        """The preliminary opinion (K3)."""

        opinion: str

        def apply(self, case: AccountabilityCase) -> None:
            case.stage = "opinion"

    class Decided(Record.Event):
        """The leading group's collective decision and its sanctions (K3, K4)."""

        sanctions: list[str]
        decision: str
        meeting: str

        def apply(self, case: AccountabilityCase) -> None:
            case.stage = "decided"

    class Filed(Record.Event):
        """备案 (K3)."""

        filed_with: str

        def apply(self, case: AccountabilityCase) -> None:
            case.stage = "filed"

    @classmethod
    def open(
        cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, subject_kind: str, subject_id: str,  # noqa: A002
        subject_unit: str, violation: str, origin: str, evidence: list[str], description: str,
    ) -> AccountabilityCase:
        kind = choice(SubjectKind, subject_kind, "CASE_SUBJECT_INVALID", "追究对象须为直接责任人、单位负责人或单位", Rule.K1)
        if not subject_unit.strip() or (kind is not SubjectKind.UNIT and not subject_id.strip()):
            raise DomainError("CASE_SUBJECT_REQUIRED", "案件须写明追究对象及其单位。", "a case names its subject", Rule.K1)
        checked = choice(Violation, violation, "VIOLATION_INVALID", "违规情形须为规定的十种之一", Rule.K2)
        source = choice(Origin, origin, "CASE_ORIGIN_INVALID", "案件来源无效", Rule.K3)
        return cls._open(
            cls.Opened, id=id, actor=actor, occurred_at=occurred_at, subject_kind=kind.value, subject_id=subject_id.strip(),
            subject_unit=subject_unit.strip(), violation=checked.value, origin=source.value, evidence=list(evidence),
            description=description.strip(),
        )

    def investigate(self, *, actor: Actor, occurred_at: datetime | None, working_group: list[str], findings: str) -> None:
        actor.require(Role.INSPECTOR, Rule.K3)
        if self.stage != "opened":
            raise DomainError("CASE_OUT_OF_ORDER", "调查已完成。", "already investigated", Rule.K3)
        if len(working_group) < 2 or not findings.strip():
            raise DomainError("INVESTIGATION_INCOMPLETE", "调查须由工作组（至少二人）进行并写明调查结论。",
                              "an investigation needs a working group and findings", Rule.K3)
        self._record(self.Investigated, actor=actor, occurred_at=occurred_at, working_group=list(working_group), findings=findings.strip())

    def give_opinion(self, *, actor: Actor, occurred_at: datetime | None, opinion: str) -> None:
        if self.stage != "investigated":
            raise DomainError("INVESTIGATION_REQUIRED", "须先由工作组调查，再提出初步处理意见。",
                              "a preliminary opinion follows the investigation", Rule.K3)
        self._record(self.OpinionGiven, actor=actor, occurred_at=occurred_at, opinion=opinion.strip())

    def decide(self, *, actor: Actor, occurred_at: datetime | None, sanctions: list[str], decision: str, meeting: str) -> None:
        """K3: no decision without an investigation; the leading group decides collectively."""
        actor.require(Role.LEADING_GROUP_OFFICE, Rule.K3)
        if self.stage in ("opened",):
            raise DomainError("INVESTIGATION_REQUIRED", "未经调查不得作出处理决定。", "no decision without an investigation", Rule.K3)
        if self.stage != "opinion":
            raise DomainError("CASE_OUT_OF_ORDER", "须先提出初步处理意见。", "a decision follows the preliminary opinion", Rule.K3)
        if not meeting.strip():
            raise DomainError("COLLECTIVE_DECISION_REQUIRED", "处理决定须经领导小组集体研究，写明会议。",
                              "the decision names the leading group's meeting", Rule.K3)
        checked = [choice(Sanction, s, "SANCTION_INVALID", "处理方式须为规定的五种之一", Rule.K4).value for s in sanctions]
        if not checked or len(set(checked)) != len(checked):
            raise DomainError("SANCTIONS_REQUIRED", "须给出一种或几种不重复的处理方式。", "one or several distinct sanctions", Rule.K4)
        self._record(self.Decided, actor=actor, occurred_at=occurred_at, sanctions=checked,
                     decision=decision.strip(), meeting=meeting.strip())

    def file(self, *, actor: Actor, occurred_at: datetime | None, filed_with: str) -> None:
        if self.stage != "decided":
            raise DomainError("CASE_OUT_OF_ORDER", "须作出处理决定后备案。", "filing follows the decision", Rule.K3)
        self._record(self.Filed, actor=actor, occurred_at=occurred_at, filed_with=filed_with.strip())


@dataclass(frozen=True, kw_only=True)
class OpenCase(Opens[AccountabilityCase], name="open_case", summary_zh="立案追究责任"):
    opens = AccountabilityCase.open
    subject_kind: SubjectKind
    """K1"""
    subject_id: str = ""
    subject_unit: str
    violation: Violation
    """one of the ten violations (K2)"""
    origin: Origin
    evidence: list[str] = field(default_factory=list)
    """ids of the events the case is about"""
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class OnCase(Changes[AccountabilityCase]):
    reference = ("case_id",)
    case_id: UUID


@dataclass(frozen=True, kw_only=True)
class Investigate(OnCase, name="investigate_case", summary_zh="工作组调查"):
    decides = AccountabilityCase.investigate
    working_group: list[str]
    findings: str


@dataclass(frozen=True, kw_only=True)
class GiveOpinion(OnCase, name="give_case_opinion", summary_zh="提出初步处理意见"):
    decides = AccountabilityCase.give_opinion
    opinion: str


@dataclass(frozen=True, kw_only=True)
class DecideCase(OnCase, name="decide_case", summary_zh="领导小组集体决定"):
    decides = AccountabilityCase.decide
    sanctions: list[Sanction]
    """one or several of the five sanctions (K4)"""
    decision: str
    meeting: str
    """the leading group's meeting that decided (K3)"""


@dataclass(frozen=True, kw_only=True)
class FileCase(OnCase, name="file_case", summary_zh="备案"):
    decides = AccountabilityCase.file
    filed_with: str

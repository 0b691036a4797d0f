"""The annual and quarterly assessment 考核 (rules E1–E4):
self-assessment with a self-score, scores per criterion by the government office on a
100-point scale, the grade approved by the leading group office, publication; a failing
unit rectifies by a deadline and, failing again, loses its award eligibility."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor, Role
from zwgk.domain.commands import Changes, Command, Context, Outcome
from zwgk.domain.errors import AlreadyExists, DomainError, NotFound
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule

# 资雁府办发〔2022〕6号 附件7 第四条 lists eight criteria; it gives no weights, these default ones add up to 100.
CRITERIA: dict[str, tuple[str, int]] = {
    "organisation": ("组织机构是否健全，领导责任是否明确", 10),
    "scope": ("公开的范围是否全面，重点是否突出", 15),
    "content": ("公开的内容是否齐全，是否明确具体", 15),
    "form": ("公开的形式是否完备，是否实用有效", 10),
    "supervision": ("监督保障制度是否完善健全", 10),
    "effect": ("公开的效果是否显著，群众是否满意", 15),
    "accountability": ("落实责任追究制度、群众的投诉处理是否得当", 10),
    "priorities": ("年度政务公开工作要点是否落实", 15),
}


class Grade(StrEnum):
    """E1: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格 < 60."""

    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


GRADES_ZH = {Grade.EXCELLENT: "优秀", Grade.GOOD: "良好", Grade.PASS: "合格", Grade.FAIL: "不合格"}


def grade_of(total: Decimal) -> Grade:
    if total >= 90:
        return Grade.EXCELLENT
    if total >= 80:
        return Grade.GOOD
    if total >= 60:
        return Grade.PASS
    return Grade.FAIL


def assessment_id(unit: str, period: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"zwgk:assessment:{unit}:{period}")


def check_period(period: str) -> str:
    if not (len(period) == 4 and period.isdigit()) and not (
        len(period) == 7 and period[:4].isdigit() and period[4:6] == "-Q" and period[6] in "1234"
    ):
        raise DomainError("PERIOD_INVALID", "考核期间须为年度（如 2022）或季度（如 2022-Q1）。", f"bad period {period!r}", Rule.E2)
    return period


def check_score(value: Decimal, maximum: Decimal, what: str) -> Decimal:
    if not (0 <= value <= maximum):
        raise DomainError("SCORE_OUT_OF_RANGE", f"{what}须在 0 至 {maximum} 分之间。", f"{what} must be within 0..{maximum}", Rule.E1)
    return value


class Assessment(Record):
    """One unit's assessment for one period."""

    what_zh = "考核"
    context = "assessment"

    if TYPE_CHECKING:
        period: str
        stage: Literal["self_assessed", "assessed", "approved", "published", "reassessed"]
        total: Decimal | None
        grade: Grade | None
        rectification_due: date | None
        award_eligible: bool

    class SelfAssessed(Record.Created):
        """The unit's self-assessment and self-score (E3)."""

        unit: str
        period: str
        self_score: Decimal
        report: str

        def apply(self, a: Assessment) -> None:
            a.unit, a.period = self.unit, self.period
            a.stage, a.total, a.grade = "self_assessed", None, None
            a.rectification_due = None
            a.award_eligible = True

    class Assessed(Record.Event):
        """The government office's scores per criterion (E1, E3)."""

        scores: dict[str, Decimal]
        total: Decimal
        opinion: str

        def apply(self, a: Assessment) -> None:
            a.stage, a.total = "assessed", self.total

    class GradeApproved(Record.Event):
        """The leading group office approves the grade (E1, E3)."""

        total: Decimal
        grade: str

        def apply(self, a: Assessment) -> None:
            a.stage, a.grade = "approved", Grade(self.grade)

    class Published(Record.Event):
        """The result made public 通报 (E2, E3)."""

        is_public = True

        unit: str
        period: str
        total: Decimal
        grade: str

        def apply(self, a: Assessment) -> None:
            a.stage = "published"

    class RectificationOrdered(Record.Event):
        """不合格: criticism and rectification by a deadline (E4)."""

        deadline: date
        requirements: str

        def apply(self, a: Assessment) -> None:
            a.rectification_due = self.deadline

    class Reassessed(Record.Event):
        """The result after rectification (E4)."""

        total: Decimal
        passed: bool
        on_time: bool

        def apply(self, a: Assessment) -> None:
            a.stage = "reassessed"
            a.total = self.total

    class AwardEligibilityLost(Record.Event):
        """Still failing after rectification: no awards this year, and accountability follows (E4)."""

        unit: str
        period: str

        def apply(self, a: Assessment) -> None:
            a.award_eligible = False

    @classmethod
    def self_assess(cls, *, actor: Actor, occurred_at: datetime | None, period: str, self_score: Decimal, report: str) -> Assessment:
        check_score(self_score, Decimal(100), "自评分")
        if not report.strip():
            raise DomainError("SELF_ASSESSMENT_REPORT_REQUIRED", "自查须形成书面材料。", "a self-assessment needs its report", Rule.E3)
        return cls._open(cls.SelfAssessed, id=assessment_id(actor.unit, check_period(period)), actor=actor,
                         occurred_at=occurred_at, unit=actor.unit, period=period, self_score=self_score, report=report.strip())

    def assess(self, *, actor: Actor, occurred_at: datetime | None, scores: Mapping[str, Decimal], opinion: str) -> None:
        actor.require(Role.GOVERNMENT_OFFICE, Rule.E3)
        if self.stage != "self_assessed":
            raise DomainError("ASSESSMENT_OUT_OF_ORDER", "已评分。", "already assessed", Rule.E3)
        unknown, missing = set(scores) - set(CRITERIA), set(CRITERIA) - set(scores)
        if unknown or missing:
            raise DomainError("CRITERIA_MISMATCH", "须对八项考核内容逐项评分：" + "、".join(sorted(missing | unknown)),
                              f"scores must cover exactly the criteria; missing {sorted(missing)}, unknown {sorted(unknown)}", Rule.E1)
        checked = {k: check_score(Decimal(v), Decimal(CRITERIA[k][1]), CRITERIA[k][0]) for k, v in scores.items()}
        self._record(self.Assessed, actor=actor, occurred_at=occurred_at, scores=checked,
                     total=sum(checked.values(), Decimal(0)), opinion=opinion.strip())

    def approve_grade(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        actor.require(Role.LEADING_GROUP_OFFICE, Rule.E3)
        if self.stage != "assessed" or self.total is None:
            raise DomainError("ASSESSMENT_OUT_OF_ORDER", "须先由政府办公室评分，再由领导小组办公室审定等次。",
                              "the grade follows the government office's scores", Rule.E3)
        self._record(self.GradeApproved, actor=actor, occurred_at=occurred_at, total=self.total, grade=grade_of(self.total).value)

    def publish(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        if self.stage != "approved" or self.grade is None:
            raise DomainError("ASSESSMENT_OUT_OF_ORDER", "等次审定后方可通报。", "publication follows the approved grade", Rule.E3)
        self._record(self.Published, actor=actor, occurred_at=occurred_at, unit=self.unit, period=self.period,
                     total=self.total, grade=self.grade.value)

    def order_rectification(self, *, actor: Actor, occurred_at: datetime | None, deadline: date, requirements: str) -> None:
        if self.grade is not Grade.FAIL or self.stage != "published":
            raise DomainError("RECTIFICATION_NOT_DUE", "只有通报为不合格的单位须限期整改。", "only a published fail is rectified", Rule.E4)
        if self.rectification_due is not None:
            raise DomainError("RECTIFICATION_ALREADY_ORDERED", "已责令整改。", "rectification already ordered", Rule.E4)
        self._record(self.RectificationOrdered, actor=actor, occurred_at=occurred_at, deadline=deadline, requirements=requirements.strip())

    def reassess(self, *, actor: Actor, occurred_at: datetime | None, total: Decimal, on: date) -> None:
        actor.require(Role.GOVERNMENT_OFFICE, Rule.E4)
        if self.rectification_due is None or self.stage == "reassessed":
            raise DomainError("RECTIFICATION_NOT_DUE", "未责令整改或已复核。", "nothing to reassess", Rule.E4)
        check_score(total, Decimal(100), "整改后得分")
        passed = grade_of(total) is not Grade.FAIL
        self._record(self.Reassessed, actor=actor, occurred_at=occurred_at, total=total, passed=passed,
                     on_time=on <= self.rectification_due)
        if not passed:
            self._record(self.AwardEligibilityLost, actor=actor, occurred_at=occurred_at, unit=self.unit, period=self.period)


@dataclass(frozen=True, kw_only=True)
class SelfAssess(Command, name="self_assess", summary_zh="单位自查自评"):
    """Under the id its unit and period derive: a period is self-assessed once."""

    period: str
    """2022 or 2022-Q1"""
    self_score: Decimal
    report: str

    def handle(self, ctx: Context) -> Outcome:
        assessment = Assessment.self_assess(**ctx.at(), **self.args())
        if ctx.ledger.exists(assessment.id):
            raise AlreadyExists("考核", "assessment", f"{ctx.actor.unit} {self.period}", Rule.E3)
        return ctx.ledger.record(assessment)


@dataclass(frozen=True, kw_only=True)
class OnAssessment(Changes[Assessment]):
    """A unit's assessment for a period, named by both."""

    reference = ("unit", "period")
    unit: str
    period: str

    def target(self, ctx: Context) -> UUID:
        return assessment_id(self.unit, self.period)

    def handle(self, ctx: Context) -> Outcome:
        """E3: every later step needs the unit's self-assessment for the period first."""
        try:
            return super().handle(ctx)
        except NotFound:
            raise DomainError("NOT_SELF_ASSESSED", f"{self.unit} {self.period} 尚未自查自评，不能进行此步。",
                              f"{self.unit} has no self-assessment for {self.period}", Rule.E3) from None


@dataclass(frozen=True, kw_only=True)
class Assess(OnAssessment, name="assess_unit", summary_zh="政府办公室考核评分"):
    decides = Assessment.assess
    scores: dict[str, Decimal]
    """points per criterion of the assessment rules (E1)"""
    opinion: str = ""


@dataclass(frozen=True, kw_only=True)
class ApproveGrade(OnAssessment, name="approve_grade", summary_zh="领导小组办公室审定等次"):
    decides = Assessment.approve_grade


@dataclass(frozen=True, kw_only=True)
class PublishAssessment(OnAssessment, name="publish_assessment", summary_zh="通报考核结果"):
    decides = Assessment.publish


@dataclass(frozen=True, kw_only=True)
class OrderRectification(OnAssessment, name="order_rectification", summary_zh="责令限期整改"):
    decides = Assessment.order_rectification
    deadline: date
    requirements: str


@dataclass(frozen=True, kw_only=True)
class Reassess(OnAssessment, name="reassess_unit", summary_zh="整改后复核"):
    decides = Assessment.reassess
    total: Decimal
    on: date

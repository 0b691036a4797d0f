"""The annual report 政府信息公开工作年度报告 (rule A6; 条例 Art. 49, 50): a department
publishes its report for a year by 31 January of the next, with the application table
of the national format, whose check 一 + 二 = 三（七）+ 四 must hold in every column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import end_of_day_cst
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import AlreadyExists, DomainError
from zwgk.domain.plausible import Year
from zwgk.domain.records import Record, now
from zwgk.domain.rules import Rule, RuleOutcome

TOTAL_LINES = ("1", "2", "3.7", "4")  # 一, 二, 三（七）, 四: the lines the check adds up


def annual_report_id(unit: str, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"zwgk:annual-report:{unit}:{year}")


class AnnualReport(Record):
    """One unit's report for one year, as published."""

    what_zh = "政府信息公开工作年度报告"
    context = "requests"

    class Published(Record.Created):
        """The report published, with its application table by line and column (A6 outcome)."""

        is_public = True

        unit: str
        year: int
        channel: str
        due: date
        table: dict[str, dict[str, int]]
        rule_outcomes: dict[str, str]

    @classmethod
    def publish(cls, *, actor: Actor, occurred_at: datetime | None, year: int, channel: str,
                table: dict[str, dict[str, int]]) -> AnnualReport:
        if not channel.strip():
            raise DomainError("CHANNEL_REQUIRED", "须写明公开渠道。", "a channel is required", Rule.A6)
        missing = [line for line in TOTAL_LINES if line not in table]
        if missing:
            raise DomainError("ANNUAL_TABLE_INCOMPLETE", f"申请情况表缺少第 {'、'.join(missing)} 行。",
                              f"the table lacks lines {missing}", Rule.A6)
        columns = set().union(*(table[line] for line in TOTAL_LINES))
        unbalanced = sorted(c for c in columns if table["1"].get(c, 0) + table["2"].get(c, 0)
                            != table["3.7"].get(c, 0) + table["4"].get(c, 0))
        if unbalanced:
            raise DomainError("ANNUAL_TABLE_UNBALANCED", f"申请情况表校验 一+二=三（七）+四 不成立：{'、'.join(unbalanced)}。",
                              f"check 1 + 2 = 3.7 + 4 fails for {unbalanced}", Rule.A6)
        at = occurred_at or now()
        due = date(year + 1, 1, 31)
        return cls._open(cls.Published, id=annual_report_id(actor.unit, year), actor=actor, occurred_at=at,
                         unit=actor.unit, year=year, channel=channel.strip(), due=due, table=table,
                         rule_outcomes={Rule.A6: RuleOutcome.of(at < end_of_day_cst(due))})

@dataclass(frozen=True, kw_only=True)
class PublishAnnualReport(Command, name="publish_annual_report", summary_zh="公开政府信息公开工作年度报告"):
    """Under the id its unit and year derive: a year's report is published once."""

    year: Year
    channel: str
    table: dict[str, dict[str, int]]
    """the application table by line (1, 2, 3.1 … 3.7, 4) and column, as `zwgk report annual --format json`
    gives it; 一+二=三（七）+四 must hold (A6)"""

    def handle(self, ctx: Context) -> Outcome:
        report = AnnualReport.publish(**ctx.at(), **self.args())
        if ctx.ledger.exists(report.id):
            raise AlreadyExists("年度报告", "annual report", f"{ctx.actor.unit} {self.year}")
        return ctx.ledger.record(report)

"""Administrative organs 行政机关 and their kind (rule A6): whether a unit is a government 人民政府 or one of
its departments 政府部门 decides when its annual report on government information disclosure is due —
a department's by 31 January, a government's own by 31 March (政府信息公开条例 第四十九条、第五十条).
The kind is a property of the unit, recorded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import AlreadyExists, DomainError
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule


class OrganKind(StrEnum):
    DEPARTMENT = "department"  # 县级以上人民政府部门
    GOVERNMENT = "government"  # 县级以上地方人民政府（其本级年度报告）


ORGAN_KINDS_ZH = {OrganKind.DEPARTMENT: "政府部门", OrganKind.GOVERNMENT: "人民政府"}
# The day of the next year by which the report for a year is published, as (month, day).
REPORT_DUE = {OrganKind.DEPARTMENT: (1, 31), OrganKind.GOVERNMENT: (3, 31)}


def report_due(kind: OrganKind, year: int) -> date:
    """A6: when the annual report for `year` is due; a unit whose kind is not recorded is held to the earlier date."""
    month, day = REPORT_DUE[kind]
    return date(year + 1, month, day)


def organ_id(unit: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"zwgk:organ:{unit}")


class Organ(Record):
    """One unit as an administrative organ: its kind."""

    what_zh = "行政机关"
    context = "requests"

    if TYPE_CHECKING:
        kind: OrganKind

    class KindRecorded(Record.Created):
        """Whether the unit is a government or a department (A6: when its annual report is due)."""

        unit: str
        kind: str

        def apply(self, organ: Organ) -> None:
            organ.unit, organ.kind = self.unit, OrganKind(self.kind)

    @classmethod
    def record_kind(cls, *, actor: Actor, occurred_at: datetime | None, unit: str, kind: str) -> Organ:
        if not unit.strip():
            raise DomainError("UNIT_REQUIRED", "须写明单位名称。", "the unit is required", Rule.A6)
        try:
            checked = OrganKind(kind)
        except ValueError:
            raise DomainError("ORGAN_KIND_INVALID", "单位类别须为 department（政府部门）或 government（人民政府）。",
                              f"unknown organ kind {kind!r}", Rule.A6) from None
        return cls._open(cls.KindRecorded, id=organ_id(unit.strip()), actor=actor, occurred_at=occurred_at,
                         unit=unit.strip(), kind=checked.value)


@dataclass(frozen=True, kw_only=True)
class RecordOrganKind(Command, name="record_organ_kind", summary_zh="登记单位类别（人民政府或政府部门）"):
    """Once per unit, under the id the unit derives: the due date of every report it publishes depends on it."""

    unit: str
    kind: OrganKind
    """department: report due 31 January; government: 31 March (A6)"""

    def handle(self, ctx: Context) -> Outcome:
        organ = Organ.record_kind(**ctx.at(), unit=self.unit, kind=self.kind)
        if ctx.ledger.exists(organ.id):
            raise AlreadyExists("单位类别", "organ kind", self.unit.strip(), Rule.A6)
        return ctx.ledger.record(organ)

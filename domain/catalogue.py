"""Catalogue items 公开事项清单 (rules C1–C4, 政务公开事项清单动态管理制度).

Each item states its ten elements (C1); every adjustment — listing, amending,
withdrawing — has a reason (C2), is made only by the responsible unit (C3) and is
then filed 备案 with the leading group (C4; missing filings are flagged, not blocked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import Actor
from zwgk.domain.commands import Changes, Command, Context, Outcome
from zwgk.domain.errors import AlreadyExists, DomainError
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule

# C1: the ten elements, in the order its article lists them.
ELEMENTS_ZH = {
    "matter": "公开事项",
    "content": "公开内容",
    "update_limit": "信息更新时间",
    "responsible_unit": "公开主体",
    "support_unit": "信息保障单位",
    "channels": "公开渠道",
    "column": "公开栏目",
    "legal_basis": "公开依据",
    "audience": "公开对象",
    "mode": "公开方式",
}
MODES_ZH = {"proactive": "主动公开", "on_request": "依申请公开"}


class AdjustmentReason(StrEnum):
    """C2: why the catalogue changes (the four cases of its article)."""

    LAW_CHANGED = "law_changed"  # 法律法规新立、修订或废止
    ELEMENT_CHANGED = "element_changed"  # 公开要素发生变化
    FUNCTION_CHANGED = "function_changed"  # 机构职能调整或职权变化
    OTHER = "other"  # 其他情形 (with text)


def item_id(responsible_unit: str, matter: str) -> UUID:
    """One item per matter and unit: listing it twice is refused, not duplicated."""
    return uuid5(NAMESPACE_URL, f"zwgk:catalogue:{responsible_unit}:{matter}")


def check_elements(elements: Mapping[str, Any]) -> dict[str, Any]:
    """C1: all ten elements present and non-empty; channels is a list of names."""
    missing = [
        key
        for key in ELEMENTS_ZH
        if not elements.get(key) or (isinstance(elements.get(key), str) and not elements[key].strip())
    ]
    if missing:
        raise DomainError(
            "CATALOGUE_ELEMENTS_MISSING",
            "公开事项须具备全部十项要素，缺少：" + "、".join(ELEMENTS_ZH[k] for k in missing),
            f"catalogue item lacks elements: {', '.join(missing)}",
            Rule.C1,
        )
    unknown = sorted(set(elements) - set(ELEMENTS_ZH))
    if unknown:
        raise DomainError(
            "CATALOGUE_ELEMENT_UNKNOWN",
            f"未知要素：{'、'.join(unknown)}",
            f"unknown elements: {', '.join(unknown)}",
            Rule.C1,
        )
    channels = elements["channels"]
    if isinstance(channels, str) or not all(isinstance(c, str) and c.strip() for c in channels):
        raise DomainError(
            "CATALOGUE_CHANNELS_INVALID",
            "公开渠道须为渠道名称的列表。",
            "channels must be a list of channel names",
            Rule.C1,
        )
    if elements["mode"] not in MODES_ZH:
        raise DomainError(
            "CATALOGUE_MODE_INVALID",
            "公开方式须为 proactive（主动公开）或 on_request（依申请公开）。",
            f"mode must be proactive or on_request, not {elements['mode']!r}",
            Rule.C1,
        )
    normalised = {k: (v.strip() if isinstance(v, str) else v) for k, v in elements.items()}
    normalised["channels"] = [c.strip() for c in channels]
    return normalised


def check_reason(reason: str, reason_text: str) -> AdjustmentReason:
    """C2: an adjustment states one of the reasons; "other" explains itself."""
    try:
        category = AdjustmentReason(reason)
    except ValueError:
        raise DomainError(
            "ADJUSTMENT_REASON_REQUIRED",
            "调整公开事项须说明理由：法律法规立改废、要素变化、职能调整或其他（须写明）。",
            f"adjustment needs a reason category, got {reason!r}",
            Rule.C2,
        ) from None
    if category is AdjustmentReason.OTHER and not reason_text.strip():
        raise DomainError(
            "ADJUSTMENT_REASON_TEXT_REQUIRED",
            "理由为“其他”时须写明具体情形。",
            "reason 'other' needs an explanation",
            Rule.C2,
        )
    return category


def _check_unit(actor: Actor, unit: str) -> None:
    """C3 谁发布、谁负责: only the responsible unit adjusts its items."""
    if actor.unit != unit:
        raise DomainError(
            "NOT_RESPONSIBLE_UNIT",
            f"只有公开主体“{unit}”可以调整该事项（谁发布、谁负责）。",
            f"only the responsible unit {unit} may adjust this item",
            Rule.C3,
        )


class CatalogueItem(Record):
    """One item of a unit's disclosure catalogue."""

    what_zh = "公开事项"
    context = "catalogue"

    if TYPE_CHECKING:
        elements: dict[str, Any]
        withdrawn: bool
        adjustments: list[int]  # versions of the events that adjusted it
        unfiled: list[int]  # those not filed yet (C4)

    class Listed(Record.Created):
        """An item added to the catalogue with its ten elements and the reason (C1, C2)."""

        is_public = True

        elements: dict[str, Any]
        reason: str
        reason_text: str

        def apply(self, item: CatalogueItem) -> None:
            item.elements = dict(self.elements)
            item.withdrawn = False
            item.adjustments = [self.originator_version]
            item.unfiled = [self.originator_version]

    class Amended(Record.Event):
        """Elements of an item changed, for a stated reason (C2)."""

        is_public = True

        changes: dict[str, Any]
        reason: str
        reason_text: str

        def apply(self, item: CatalogueItem) -> None:
            item.elements = {**item.elements, **self.changes}
            item.adjustments.append(self.originator_version)
            item.unfiled.append(self.originator_version)

    class Withdrawn(Record.Event):
        """An item removed from the catalogue, for a stated reason (C2)."""

        is_public = True

        reason: str
        reason_text: str

        def apply(self, item: CatalogueItem) -> None:
            item.withdrawn = True
            item.adjustments.append(self.originator_version)
            item.unfiled.append(self.originator_version)

    class AdjustmentFiled(Record.Event):
        """C4 备案 with the leading group: what changed, on what basis, and the result."""

        adjustments: list[int]
        adjusted_content: str
        basis: str
        content_after: dict[str, Any]

        def apply(self, item: CatalogueItem) -> None:
            item.unfiled = [v for v in item.unfiled if v not in self.adjustments]

    @classmethod
    def list_item(
        cls,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        elements: Mapping[str, Any],
        reason: str,
        reason_text: str = "",
    ) -> CatalogueItem:
        checked = check_elements(elements)
        category = check_reason(reason, reason_text)
        _check_unit(actor, checked["responsible_unit"])
        return cls._open(
            cls.Listed,
            id=item_id(checked["responsible_unit"], checked["matter"]),
            actor=actor,
            occurred_at=occurred_at,
            elements=checked,
            reason=category.value,
            reason_text=reason_text.strip(),
        )

    @property
    def responsible_unit(self) -> str:
        unit: str = self.elements["responsible_unit"]
        return unit

    def _check_open(self) -> None:
        if self.withdrawn:
            raise DomainError(
                "CATALOGUE_ITEM_WITHDRAWN",
                "该公开事项已删除，不能再调整。",
                "the item has been withdrawn",
            )

    def amend(
        self,
        *,
        actor: Actor,
        occurred_at: datetime | None,
        changes: Mapping[str, Any],
        reason: str,
        reason_text: str = "",
    ) -> None:
        self._check_open()
        _check_unit(actor, self.responsible_unit)
        category = check_reason(reason, reason_text)
        after = check_elements({**self.elements, **changes})
        effective = {k: after[k] for k in changes if after[k] != self.elements.get(k)}
        if not effective:
            raise DomainError(
                "AMENDMENT_EMPTY",
                "调整内容与现有要素相同，无需调整。",
                "the amendment changes nothing",
                Rule.C2,
            )
        self._record(
            self.Amended,
            actor=actor,
            occurred_at=occurred_at,
            changes=effective,
            reason=category.value,
            reason_text=reason_text.strip(),
        )

    def withdraw(
        self, *, actor: Actor, occurred_at: datetime | None, reason: str, reason_text: str = ""
    ) -> None:
        self._check_open()
        _check_unit(actor, self.responsible_unit)
        category = check_reason(reason, reason_text)
        self._record(
            self.Withdrawn,
            actor=actor,
            occurred_at=occurred_at,
            reason=category.value,
            reason_text=reason_text.strip(),
        )

    def file_adjustments(
        self, *, actor: Actor, occurred_at: datetime | None, adjusted_content: str, basis: str
    ) -> None:
        _check_unit(actor, self.responsible_unit)
        if not self.unfiled:
            raise DomainError(
                "NOTHING_TO_FILE",
                "该事项没有待备案的调整。",
                "no adjustment awaits filing",
                Rule.C4,
            )
        if not adjusted_content.strip() or not basis.strip():
            raise DomainError(
                "FILING_INCOMPLETE",
                "备案材料须包括调整的内容、调整依据以及调整后的内容。",
                "a filing needs the adjusted content, the basis and the content after",
                Rule.C4,
            )
        self._record(
            self.AdjustmentFiled,
            actor=actor,
            occurred_at=occurred_at,
            adjustments=list(self.unfiled),
            adjusted_content=adjusted_content.strip(),
            basis=basis.strip(),
            content_after=dict(self.elements),
        )


@dataclass(frozen=True, kw_only=True)
class ListCatalogueItem(Command, name="list_catalogue_item", summary_zh="新增公开事项"):
    """An item of the acting unit, under the id its unit and matter derive: never listed twice."""

    elements: dict[str, Any]
    """十项要素 the ten elements (C1)"""
    reason: AdjustmentReason
    """why it is listed (C2)"""
    reason_text: str = ""

    def handle(self, ctx: Context) -> Outcome:
        item = CatalogueItem.list_item(**ctx.at(), **self.args())
        if ctx.ledger.exists(item.id):
            raise AlreadyExists("公开事项", "catalogue item", f"{self.elements.get('responsible_unit')}/{self.elements.get('matter')}",
                                Rule.C2)
        return ctx.ledger.record(item)


@dataclass(frozen=True, kw_only=True)
class OnItem(Changes[CatalogueItem]):
    """An item of the acting unit, by id or by its matter 公开事项 name."""

    reference = ("item_id", "matter")
    item_id: UUID | None = None
    matter: str | None = None

    def __post_init__(self) -> None:
        if (self.item_id is None) == (self.matter is None):
            raise ValueError("give exactly one of item_id or matter")

    def target(self, ctx: Context) -> UUID:
        return self.item_id or item_id(ctx.actor.unit, self.matter or "")


@dataclass(frozen=True, kw_only=True)
class AmendCatalogueItem(OnItem, name="amend_catalogue_item", summary_zh="调整公开事项要素"):
    decides = CatalogueItem.amend
    changes: dict[str, Any]
    reason: AdjustmentReason
    reason_text: str = ""


@dataclass(frozen=True, kw_only=True)
class WithdrawCatalogueItem(OnItem, name="withdraw_catalogue_item", summary_zh="删除公开事项"):
    decides = CatalogueItem.withdraw
    reason: AdjustmentReason
    reason_text: str = ""


@dataclass(frozen=True, kw_only=True)
class FileCatalogueAdjustments(OnItem, name="file_catalogue_adjustments", summary_zh="公开事项调整备案"):
    decides = CatalogueItem.file_adjustments
    adjusted_content: str
    basis: str

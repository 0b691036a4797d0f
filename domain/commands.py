"""The command catalogue: every command the ledger accepts, by name, with the JSON
schema of its arguments. Files of commands (`zwgk apply`), the demo and scripted
migrations of legacy records all go through here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zwgk.domain.actors import Actor
from zwgk.domain.applications import (
    ArchiveApplication,
    AuditApplication,
    CalendarApplication,
    CatalogueApplication,
    DisclosureApplication,
)
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Outcome


@dataclass
class Services:
    """The bounded contexts' applications, wired to one event store."""

    catalogue: CatalogueApplication
    disclosure: DisclosureApplication
    calendar: CalendarApplication
    archive: ArchiveApplication
    audit: AuditApplication

    def close(self) -> None:
        for app in (self.catalogue, self.disclosure, self.calendar, self.archive, self.audit):
            app.close()


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


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

    def resolve(self, actor: Actor) -> UUID:
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
    kind: str = "general"
    doc_number: str = ""
    doc_type: str = ""
    reason: str | None = Field(None, description="legal reason when not proactive (D2)")
    reason_basis: str = ""


class ActRef(Args):
    act_id: UUID


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


class LoadCalendar(Args):
    year: int
    days: list[dict[str, Any]] = Field(description='[{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, …]')


class NoArgs(Args):
    pass


Handler = Callable[[Services, Actor, datetime | None, Any], Outcome | list[Outcome]]


@dataclass(frozen=True)
class Command:
    name: str
    summary_zh: str
    args: type[Args]
    handle: Handler


def _item(method: str) -> Handler:
    def handle(s: Services, actor: Actor, at: datetime | None, a: Any) -> Outcome:
        fields = a.model_dump(exclude={"item_id", "matter"})
        return getattr(s.catalogue, method)(a.resolve(actor), actor, at, **fields)

    return handle


def _act(method: str) -> Handler:
    def handle(s: Services, actor: Actor, at: datetime | None, a: Any) -> Outcome:
        fields = a.model_dump(exclude={"act_id"}, exclude_none=True)
        return getattr(s.disclosure, method)(a.act_id, actor, at, **fields)

    return handle


def _load_calendar(s: Services, actor: Actor, at: datetime | None, a: Any) -> list[Outcome]:
    loaded = s.calendar.load_year(actor, at, a.model_dump())
    return [loaded, *s.disclosure.recompute_provisional_deadlines()]


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in [
        Command(
            "list_catalogue_item",
            "新增公开事项",
            ListCatalogueItem,
            lambda s, actor, at, a: s.catalogue.list_item(actor, at, a.elements, a.reason, a.reason_text),
        ),
        Command("amend_catalogue_item", "调整公开事项要素", AmendCatalogueItem, _item("amend_item")),
        Command("withdraw_catalogue_item", "删除公开事项", WithdrawCatalogueItem, _item("withdraw_item")),
        Command("file_catalogue_adjustments", "公开事项调整备案", FileCatalogueAdjustments, _item("file_adjustments")),
        Command(
            "draft_disclosure",
            "起草拟公开文件并标明公开属性",
            DraftDisclosure,
            lambda s, actor, at, a: s.disclosure.draft(actor, at, **a.model_dump()),
        ),
        Command("revise_disclosure", "修订拟公开文件", ReviseDisclosure, _act("revise")),
        Command("sign_review", "公开信息审查表签字", SignReview, _act("sign_review")),
        Command("pre_review_disclosure", "预审小组审查", PreReviewDisclosure, _act("pre_review")),
        Command("sign_off_disclosure", "分管领导审核签发", SignOffDisclosure, _act("sign_off")),
        Command("publish_disclosure", "在公开渠道发布", PublishDisclosure, _act("publish")),
        Command("correct_disclosure", "更正已公开信息", CorrectDisclosure, _act("correct")),
        Command("withdraw_disclosure", "撤回已公开信息", WithdrawDisclosure, _act("withdraw")),
        Command("link_original", "关联存档原件", LinkOriginal, _act("link_original")),
        Command("load_calendar", "载入官方节假日安排并重算临时期限", LoadCalendar, _load_calendar),
        Command(
            "recompute_deadlines",
            "按已载入日历重算临时期限",
            NoArgs,
            lambda s, actor, at, a: s.disclosure.recompute_provisional_deadlines(),
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


def _invalid(error: ValidationError, what: str) -> DomainError:
    fields = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or what}: {e['msg']}" for e in error.errors()
    )
    return DomainError("INVALID_ARGUMENTS", f"参数无效（{fields}）", f"invalid {what}: {fields}")


def execute(services: Services, envelope: Mapping[str, Any]) -> list[Outcome]:
    """Run one command; a refusal raises `DomainError` and records nothing."""
    try:
        parsed = Envelope.model_validate(envelope)
    except ValidationError as error:
        raise _invalid(error, "command") from None
    command = COMMANDS.get(parsed.command)
    if command is None:
        raise DomainError(
            "UNKNOWN_COMMAND", f"未知命令：{parsed.command}", f"unknown command {parsed.command}"
        )
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



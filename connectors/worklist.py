"""The workbench's worklist 待办: where each disclosure act stands along the workflow (review sheet D4,
pre-review D5, sign-off D6, publication) and which acts wait for the person asking, read from the register.
The steps are the domain's; this only says whose turn it is, for a page to offer the command."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from zwgk.connectors import queries
from zwgk.connectors.pages import Keyset, Rows
from zwgk.connectors.services import Services
from zwgk.domain.actors import Actor, Role
from zwgk.domain.disclosure import SHEET_ROLES_ZH, Attribute, Decision, SheetRole
from zwgk.projections.runner import ProjectionRunner

Row = dict[str, Any]
STAGES_ZH = {
    "review": "审查表签字中", "rejected": "审查未通过", "pre_review": "待预审", "pre_review_rejected": "预审退回",
    "sign_off": "待分管领导签发", "publish": "待发布", "not_on_channel": "已签发（不在渠道发布）", "published": "已发布",
    "withdrawn": "已撤回",
}
NOT_ON_CHANNELS = {Attribute.WITHHELD.value, Attribute.ON_REQUEST.value}
LIMIT = 200  # acts a worklist shows: the oldest first, as they wait longest


def _signatures(row: Row) -> dict[str, Any]:
    given = row["signatures"]
    return json.loads(given) if isinstance(given, str) else dict(given)


def stage(row: Row) -> str:
    """Where a register row's act stands, as a key of STAGES_ZH."""
    if row["withdrawn"]:
        return "withdrawn"
    if row["published_at"]:
        return "published"
    if row["rejected"]:
        return "rejected"
    if len(_signatures(row)) < len(SheetRole):
        return "review"
    if row["pre_review"] is None:
        return "pre_review"
    if row["pre_review"] != Decision.APPROVED.value:
        return "pre_review_rejected"
    if not row["signed_off_at"]:
        return "sign_off"
    return "not_on_channel" if row["attribute"] in NOT_ON_CHANNELS else "publish"


@dataclass(frozen=True)
class Task:
    act_id: str
    unit: str
    doc_number: str
    title: str
    stage: str
    action_zh: str  # what the step is called, on its button
    task_zh: str  # the step with what it still lacks
    command: str
    prefill: dict[str, str]


def _task(actor: Actor, row: Row) -> Task | None:
    where = stage(row)

    def task(action_zh: str, command: str, detail_zh: str = "", **prefill: str) -> Task:
        return Task(row["act_id"], row["unit"], row["doc_number"], row["title"], where, action_zh, action_zh + detail_zh, command,
                    {"act_id": row["act_id"], **prefill})

    if actor.role is Role.OFFICER and where == "review":
        signed = _signatures(row)
        if any(s.get("signer") == actor.id for s in signed.values()):
            return None  # D4: one person signs one place of the sheet
        missing = [r for r in SheetRole if r.value not in signed]
        return task("审查表签字", "sign_review", f"（尚缺：{'、'.join(SHEET_ROLES_ZH[r] for r in missing)}）", sheet_role=missing[0].value)
    if actor.role is Role.OFFICER and where == "publish":
        return task("发布", "publish_disclosure")
    if actor.role is Role.PRE_REVIEWER and where == "pre_review":
        return task("预审", "pre_review_disclosure")
    if actor.role is Role.LEADER and where == "sign_off":
        return task("签发", "sign_off_disclosure")
    return None


def waiting_for(s: Services, runner: ProjectionRunner, actor: Actor, unit: str, at_least: int = 0) -> list[Task]:
    """The acts of `unit` (every unit: "") whose next step is the actor's to take."""
    tasks = []
    for row in queries.register_pages(s, runner, unit, at_least=at_least):
        found = _task(actor, row)
        if found is not None:
            tasks.append(found)
            if len(tasks) == LIMIT:
                break
    return tasks


TASK_ORDER = Keyset("tasks", lambda r: (r["position"],), (int,))


def task_pages(s: Services, runner: ProjectionRunner, actor: Actor, unit: str, cursor: str = "", at_least: int = 0) -> Rows:
    """What waits for the actor as a list to page through and download, in the register's order."""
    rows = [{"position": n, **asdict(task)} for n, task in enumerate(waiting_for(s, runner, actor, unit, at_least))]
    return Rows.listed(TASK_ORDER, rows, TASK_ORDER.after(cursor))


def falling_due(s: Services, runner: ProjectionRunner, unit: str, limit: int, at_least: int = 0) -> list[Row]:
    """The unit's deadlines still open, the soonest due first (overdue ones among them)."""
    due = []
    for row in queries.deadline_pages(s, runner, unit, at_least=at_least):
        if row["status"] == "open":
            due.append(row)
            if len(due) == limit:
                break
    return due

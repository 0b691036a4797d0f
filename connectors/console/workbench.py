"""The workbench 工作台 of officers, leaders and the pre-review group: what falls due (working days left,
overdue in red, provisional deadlines marked), what waits for me, my unit's register of acts with each act's
state, and the forms of the commands I may run. Each part reads what the API would give the same person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from zwgk.connectors import queries, worklist
from zwgk.connectors.api import sheets, spreadsheet
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.scope import unit_for
from zwgk.connectors.api.spreadsheet import Sheet
from zwgk.connectors.console.command_forms import form_url
from zwgk.connectors.console.tables import PAGE_ROWS, Action, Columns, listed, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, may_query, nav, page, query_string
from zwgk.domain.actors import Actor, Role
from zwgk.domain.commands import COMMANDS

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
WORKBENCH_PATH = "/workbench"
TASKS_PATH = "/tasks"
TASKS_CSV = "/tasks.csv"
WORKBENCH_ROLES = frozenset({Role.OFFICER, Role.LEADER, Role.PRE_REVIEWER})
AtLeast = Annotated[int, Query(ge=0)]
SOON = 3  # working days: a deadline this close is shown as falling due


def _at_workbench(actor: Actor) -> bool:
    return actor.role in WORKBENCH_ROLES


nav(WORKBENCH_PATH, "工作台", _at_workbench, order=10)
nav("/register", "公开行为台账", may_query("register"), order=20)
nav("/deadlines", "期限", may_query("deadlines"), order=30)

REGISTER = Sheet(sheets.REGISTER.name, sheets.REGISTER.title_zh, (
    ("流程状态", lambda r: worklist.STAGES_ZH[worklist.stage(r)]), *sheets.REGISTER.columns))
TASKS = Sheet("tasks", "待我办理", (
    ("单位", lambda r: r["unit"]), ("文号", lambda r: r["doc_number"]), ("题名", lambda r: r["title"]),
    ("流程状态", lambda r: worklist.STAGES_ZH[r["stage"]]), ("待办事项", lambda r: r["task_zh"])))


def _deadline_mark(row: dict[str, object]) -> str:
    return " ".join(filter(None, ["overdue" if row["overdue"] else "", "provisional" if row["provisional"] else ""]))


def _left(row: dict[str, Any]) -> str:
    """Working days (or hours) left, or how far past due: a negative count read as such."""
    for key, unit in (("working_days_left", "个工作日"), ("hours_left", "小时")):
        if row[key] is not None:
            return f"逾期 {-row[key]} {unit}" if row[key] < 0 else f"剩 {row[key]} {unit}"
    return ""


DEADLINES = Sheet(sheets.DEADLINES.name, sheets.DEADLINES.title_zh,
                  tuple((header, _left if header == "剩余" else cell) for header, cell in sheets.DEADLINES.columns))
DEADLINE_COLUMNS = Columns(DEADLINES, mark=_deadline_mark, hidden=frozenset({"记录编号"}))
REGISTER_COLUMNS = Columns(REGISTER, hidden=frozenset({"记录编号", "撤回"}))


def _notice(request: Request) -> str:
    done = request.query_params.get("done", "")
    return f"已完成：{COMMANDS[done].summary_zh}。" if done in COMMANDS else ""


@router.get(WORKBENCH_PATH, response_class=HTMLResponse)
def workbench(request: Request, actor: Viewer, rt: RuntimeDep, at_least: AtLeast = 0) -> HTMLResponse:
    if not _at_workbench(actor):
        return page(request, "error.html", actor, "工作台", 403, message="工作台供政务公开专员、分管领导和预审小组使用。")
    unit = unit_for(rt, request, actor, "register")
    tasks = worklist.task_pages(rt.services, rt.views, actor, unit, at_least=at_least)
    first = tasks.page(PAGE_ROWS)
    due = []
    if may_query("deadlines")(actor):
        due = worklist.falling_due(rt.services, rt.views, unit_for(rt, request, actor, "deadlines"), 10, at_least)
    register = queries.register_pages(rt.services, rt.views, unit, request.query_params.get("cursor", ""), at_least)
    overdue = sum(1 for d in due if d["overdue"])
    soon = sum(1 for d in due if not d["overdue"] and d["working_days_left"] is not None and d["working_days_left"] <= SOON)
    return page(
        request, "workbench.html", actor, "工作台", notice=_notice(request), unit=unit or "各单位",
        counts=(sum(1 for _ in tasks), overdue, soon),
        tasks=listed("待我办理", _task_columns(WORKBENCH_PATH), first.items, TASKS_CSV, empty="暂无待办。",
                     next_url=f"{TASKS_PATH}?{query_string(cursor=first.next_cursor)}" if first.next_cursor else None),
        due=listed("未完成的期限（按到期日）", DEADLINE_COLUMNS, due, _csv("deadlines", unit), empty="暂无未完成的期限。")
        if may_query("deadlines")(actor) else None,
        register=table(request, f"{unit or '各单位'}的公开行为（含流程状态）", REGISTER_COLUMNS, register, _csv("register", unit)),
    )


def _task_columns(back_to: str) -> Columns:
    return Columns(TASKS, actions=lambda r: [Action(r["action_zh"], form_url(r["command"], back_to, **r["prefill"]))])


@router.get(TASKS_PATH, response_class=HTMLResponse)
def tasks(request: Request, actor: Viewer, rt: RuntimeDep, at_least: AtLeast = 0,
          cursor: Annotated[str, Query(max_length=4096)] = "") -> HTMLResponse:
    if not _at_workbench(actor):
        return page(request, "error.html", actor, "待我办理", 403, message="待办事项供政务公开专员、分管领导和预审小组使用。")
    rows = worklist.task_pages(rt.services, rt.views, actor, unit_for(rt, request, actor, "register"), cursor, at_least)
    return page(request, "list.html", actor, "待我办理", notice=_notice(request),
                table=table(request, "待我办理（按台账顺序）", _task_columns(TASKS_PATH), rows, TASKS_CSV))


@router.get(TASKS_CSV)
def tasks_csv(request: Request, actor: Viewer, rt: RuntimeDep) -> Response:
    if not _at_workbench(actor):
        return page(request, "error.html", actor, "待我办理", 403, message="待办事项供政务公开专员、分管领导和预审小组使用。")
    return spreadsheet.response(TASKS, worklist.task_pages(rt.services, rt.views, actor, unit_for(rt, request, actor, "register")))


def _csv(query: str, unit: str) -> str:
    return f"/api/v1/{query}?{query_string(format='csv', unit=unit)}"


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, actor: Viewer, rt: RuntimeDep, at_least: AtLeast = 0,
             cursor: Annotated[str, Query(max_length=4096)] = "") -> HTMLResponse:
    unit = unit_for(rt, request, actor, "register")
    rows = queries.register_pages(rt.services, rt.views, unit, cursor, at_least)
    return page(request, "list.html", actor, "公开行为台账", notice=_notice(request),
                table=table(request, f"{unit or '各单位'}的公开行为（含流程状态）", REGISTER_COLUMNS, rows, _csv("register", unit)))


@router.get("/deadlines", response_class=HTMLResponse)
def deadlines(request: Request, actor: Viewer, rt: RuntimeDep, at_least: AtLeast = 0,
              cursor: Annotated[str, Query(max_length=4096)] = "") -> HTMLResponse:
    unit = unit_for(rt, request, actor, "deadlines")
    rows = queries.deadline_pages(rt.services, rt.views, unit, cursor=cursor, at_least=at_least)
    return page(request, "list.html", actor, "期限",
                intro="按到期日排列；逾期的以红色标出，临时期限（官方日历未载入时按周末推算）注明“临时”。",
                table=table(request, f"{unit or '各单位'}的期限", DEADLINE_COLUMNS, rows, _csv("deadlines", unit)))

"""Every command as a form 办理: the list of what the signed-in role may do, and one page per command whose
form the one renderer (`forms`) makes from the command catalogue. A post runs through the application
layer exactly as `POST /api/v1/commands/{name}` does (the access table, the unit scope, the security log)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from zwgk.connectors.api.commands import NOT_OVER_HTTP
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.api.scope import refusals_logged
from zwgk.connectors.commands import execute
from zwgk.connectors.console import forms
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, csrf_ok, nav, page, query_string, redirect, safe_next
from zwgk.domain.access import COMMAND_ACCESS, permit_command
from zwgk.domain.actors import Actor
from zwgk.domain.commands import COMMANDS, Outcome
from zwgk.domain.errors import DomainError, NotFound

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
FORMS_PATH = "/commands"


# The commands' records, by the module that defines them, as the work's parts are called.
WORK_ZH = {
    "disclosure": "公开行为", "catalogue": "公开事项清单", "requests": "依申请公开", "annual_reports": "年度报告",
    "announcements": "告示", "emergencies": "重大突发事件", "major_decisions": "重大行政决策预公开", "hearings": "听证",
    "meetings": "公众代表列席会议", "open_days": "政务开放日", "complaints": "投诉", "data_subjects": "个人信息",
    "accountability": "责任追究", "assessment": "考核", "official_calendar": "工作日历", "commands": "档案", "accounts": "账户",
}


def _permitted(actor: Actor) -> list[tuple[str, str]]:
    return [(name, command.summary_zh) for name, command in COMMANDS.items()
            if actor.role in COMMAND_ACCESS.get(name, {}) and name not in NOT_OVER_HTTP]


def _grouped(actor: Actor) -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {heading: [] for heading in WORK_ZH.values()}
    for name, summary in _permitted(actor):
        work = COMMANDS[name].__module__.rsplit(".", 1)[-1]
        groups.setdefault(WORK_ZH.get(work, "其他"), []).append((name, summary))
    return {heading: commands for heading, commands in groups.items() if commands}


nav(FORMS_PATH, "全部操作", lambda actor: bool(_permitted(actor)), order=90)


def form_url(command: str, back_to: str, **prefill: str) -> str:
    """The link to a command's form, filled in, that comes back to `back_to` when done."""
    return f"{FORMS_PATH}/{command}?{query_string(**prefill, next=back_to)}"


def done_url(back_to: str, command: str, outcomes: list[Outcome]) -> str:
    """Where a done command returns: the page it came from, fresh enough to show what was just recorded."""
    target = safe_next(back_to)
    position = outcomes[-1].notification_id if outcomes else 0
    return f"{target}{'&' if '?' in target else '?'}{query_string(done=command, at_least=position or None)}"


@router.get(FORMS_PATH, response_class=HTMLResponse)
def command_list(request: Request, actor: Viewer) -> HTMLResponse:
    return page(request, "commands.html", actor, "全部操作", groups=_grouped(actor))


def _allowed(rt: Runtime, request: Request, actor: Actor, name: str) -> type[Any]:
    if name not in COMMANDS or name in NOT_OVER_HTTP:
        raise NotFound("操作", "command", name)
    with refusals_logged(rt, request, actor):
        permit_command(actor, name)
    return COMMANDS[name]


@router.get(FORMS_PATH + "/{name}", response_class=HTMLResponse)
def command_form(request: Request, name: str, actor: Viewer, rt: RuntimeDep) -> HTMLResponse:
    command = _allowed(rt, request, actor, name)
    prefill = {k: v for k, v in request.query_params.items() if k != "next"}
    form = forms.blank(name, command, prefill)
    return page(request, "command.html", actor, command.summary_zh, form=form, submit="提交",
                next=safe_next(request.query_params.get("next", "/")))


@router.post(FORMS_PATH + "/{name}", response_class=HTMLResponse)
async def command_post(request: Request, name: str, actor: Viewer, rt: RuntimeDep) -> Response:
    command = _allowed(rt, request, actor, name)
    data = await request.form()
    back_to = safe_next(str(data.get("next", "/")))
    form = forms.blank(name, command)
    if not csrf_ok(request, data):
        form.error = "页面已过期或来源不明，未作任何记录。请重新提交。"
        return page(request, "command.html", actor, command.summary_zh, 400, form=form, submit="提交", next=back_to)
    args = forms.posted(form, data)
    try:
        outcomes = await run_in_threadpool(_run, rt, request, actor, name, args)
    except DomainError as error:
        return page(request, "command.html", actor, command.summary_zh, 422, form=forms.refused(form, error), submit="提交",
                    next=back_to)
    return redirect(done_url(back_to, name, outcomes))


def _run(rt: Runtime, request: Request, actor: Actor, name: str, args: dict[str, Any]) -> list[Outcome]:
    with refusals_logged(rt, request, actor):
        return execute(rt.services, {"command": name, "args": args}, actor)

"""The complaints office's page 投诉: complaints with their state, the complainant sealed in the list
(Q3); one of the complainant's fields revealed only on request with a stated purpose, by the application's
`read_personal_data`, which records the read (who, whose, which field, why) before showing it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from zwgk.connectors import queries
from zwgk.connectors.api import sheets
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.api.scope import refusals_logged, unit_for
from zwgk.connectors.console.tables import Action, Columns, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, csrf_ok, may_query, nav, page
from zwgk.domain.access import COMMAND_ACCESS, permit_command
from zwgk.domain.actors import Actor
from zwgk.domain.errors import DomainError

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
COMPLAINTS_PATH = "/complaints"
Cursor = Annotated[str, Query(max_length=4096)]
AtLeast = Annotated[int, Query(ge=0)]
SEALED_ZH = {"complainant_name": "投诉人姓名", "complainant_contact": "投诉人联系方式", "account": "投诉陈述"}
NO_STORE = {"Cache-Control": "no-store"}  # a revealed value is kept by no cache


def _may_reveal(actor: Actor) -> bool:
    return actor.role in COMMAND_ACCESS.get("read_personal_data", {})


nav(COMPLAINTS_PATH, "投诉", may_query("complaints"), order=60)


def _columns(actor: Actor) -> Columns:
    reveal = _may_reveal(actor)
    return Columns(sheets.COMPLAINTS, hidden=frozenset({"记录编号"}),
                   actions=lambda r: [Action("查阅投诉人信息", f"{COMPLAINTS_PATH}/{r['complaint_id']}/reveal")] if reveal else [])


@router.get(COMPLAINTS_PATH, response_class=HTMLResponse)
def complaints(request: Request, actor: Viewer, rt: RuntimeDep, cursor: Cursor = "", at_least: AtLeast = 0) -> HTMLResponse:
    unit = unit_for(rt, request, actor, "complaints")
    rows = queries.complaint_pages(rt.services, rt.views, unit, cursor, at_least)
    return page(request, "list.html", actor, "投诉",
                intro="投诉人的身份在列表中一律隐去（Q3）；投诉受理机构确有需要时，写明目的逐项查阅，每次查阅均记入台账。",
                table=table(request, f"{unit or '各单位'}的投诉（按登记时间）", _columns(actor), rows, "/api/v1/complaints?format=csv"))


def _allowed(rt: Runtime, request: Request, actor: Actor) -> None:
    with refusals_logged(rt, request, actor):
        permit_command(actor, "read_personal_data")


def _form(request: Request, actor: Actor, complaint_id: UUID, status: int = 200, error: str = "", field: str = "",
          purpose: str = "", revealed: dict[str, str] | None = None) -> HTMLResponse:
    response = page(request, "reveal.html", actor, "查阅投诉人信息", status, complaint_id=complaint_id, fields=SEALED_ZH,
                    error=error, field=field, purpose=purpose, revealed=revealed)
    response.headers.update(NO_STORE)
    return response


@router.get(COMPLAINTS_PATH + "/{complaint_id}/reveal", response_class=HTMLResponse)
def reveal_form(request: Request, complaint_id: UUID, actor: Viewer, rt: RuntimeDep) -> HTMLResponse:
    _allowed(rt, request, actor)
    return _form(request, actor, complaint_id)


@router.post(COMPLAINTS_PATH + "/{complaint_id}/reveal", response_class=HTMLResponse)
async def reveal(request: Request, complaint_id: UUID, actor: Viewer, rt: RuntimeDep) -> HTMLResponse:
    _allowed(rt, request, actor)
    data = await request.form()
    field, purpose = str(data.get("field", "")), str(data.get("purpose", "")).strip()
    if not csrf_ok(request, data):
        return _form(request, actor, complaint_id, 400, "页面已过期或来源不明，未作任何记录。请重新提交。", field, purpose)
    if field not in SEALED_ZH or not purpose:
        return _form(request, actor, complaint_id, 422, "请选择要查阅的项目并写明查阅目的。", field, purpose)
    try:
        with refusals_logged(rt, request, actor):
            read = await run_in_threadpool(queries.read_personal_data, rt.services, actor, complaint_id, field, purpose, True)
    except DomainError as error:
        return _form(request, actor, complaint_id, 422, error.message_zh, field, purpose)
    return _form(request, actor, complaint_id, field=field, purpose=purpose,
                 revealed={"label": SEALED_ZH[field], "value": read["value"], "read_id": read["read_id"]})

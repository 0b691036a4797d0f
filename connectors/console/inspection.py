"""The inspector's pages 纪检监察: the violation report by unit, year and rule; a record's history as a
timeline; the record as it stood at an instant and what changed between two; the ledger's verification
and latest signed checkpoint; an event's proof bundle to check offline (docs/audit.md). Each reads what
the API's queries and audit routes would give the same person."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, Response

from zwgk.connectors import queries
from zwgk.connectors.api import sheets
from zwgk.connectors.api.filters import instant, rule
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.queries import replayed
from zwgk.connectors.api.scope import any_unit, permitted, record_for, unit_for
from zwgk.connectors.api.spreadsheet import Sheet
from zwgk.connectors.console.tables import Action, Columns, listed, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, may_query, nav, page, query_string, year_given
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
Text = Annotated[str, Query(max_length=200)]
Instant = Annotated[str, Query(max_length=64)]
Cursor = Annotated[str, Query(max_length=4096)]
Since = Annotated[str, Query(alias="from", max_length=64)]
Until = Annotated[str, Query(alias="to", max_length=64)]

nav("/violations", "违规情况", may_query("violations"), order=40)
nav("/audit", "审计核验", may_query("audit_verify"), order=45)
nav("/personal-data", "个人信息", may_query("data_subjects"), order=47)


def _timeline_link(row: dict[str, Any]) -> list[Action]:
    return [Action("时间线", f"/records/{row['record_id']}/timeline")] if row["record_id"] else []


VIOLATION_COLUMNS = Columns(sheets.VIOLATIONS, actions=_timeline_link, hidden=frozenset({"记录编号"}))
FIELDS = Sheet("state", "记录状态", (("字段", lambda r: r["field"]), ("值", lambda r: _shown(r["value"]))))
CHANGED = Sheet("changed", "改变的字段", (
    ("字段", lambda r: r["field"]), ("之前", lambda r: _shown(r["before"])), ("之后", lambda r: _shown(r["after"]))))


def _shown(value: Any) -> str:
    if value is None:
        return "（无）"
    return value if isinstance(value, str) else json.dumps(jsonable_encoder(value), ensure_ascii=False)


@router.get("/violations", response_class=HTMLResponse)
def violations(request: Request, actor: Viewer, rt: RuntimeDep, unit: Text = "", year: Text = "", rule_id: Text = "",
               cursor: Cursor = "") -> HTMLResponse:
    unit = unit_for(rt, request, actor, "violations", unit.strip())
    rule_id = rule(rule_id.strip())
    rows = queries.violation_pages(rt.services, rt.views, unit, year_given(year), rule_id, cursor)
    csv_url = f"/api/v1/violations?{query_string(format='csv', unit=unit, year=year_given(year), rule_id=rule_id)}"
    return page(request, "violations.html", actor, "违规情况报告", unit=unit, year=year if year_given(year) else "", rule_id=rule_id,
                table=table(request, f"{unit or '各单位'}的违规情况", VIOLATION_COLUMNS, rows, csv_url))


def _timeline_columns(actor: Actor) -> Columns:
    """The timeline's columns; the proof bundle offered to those who may read events and proofs."""
    proofs = may_query("audit_event")(actor) and may_query("audit_proofs")(actor)
    return Columns(sheets.TIMELINE, hidden=frozenset({"记录编号", "台账位置"}),
                   actions=lambda r: [Action("证明包", f"/audit/bundle?{query_string(event_id=r['event_id'])}")] if proofs else [])


@router.get("/records/{record_id}/timeline", response_class=HTMLResponse)
def timeline(request: Request, record_id: UUID, actor: Viewer, rt: RuntimeDep, cursor: Cursor = "") -> HTMLResponse:
    record_for(rt, request, actor, "timeline", record_id)
    rows = queries.timeline_pages(rt.services, rt.views, str(record_id), cursor=cursor)
    csv_url = f"/api/v1/timeline?{query_string(format='csv', aggregate_id=record_id)}"
    return page(request, "timeline.html", actor, "记录的时间线", record_id=record_id,
                table=table(request, "全部事件（按业务时间）", _timeline_columns(actor), rows, csv_url))


def _moment(text: str, name: str) -> datetime:
    return instant(text.strip(), name) or datetime.now(CST)


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_as_of(request: Request, record_id: UUID, actor: Viewer, rt: RuntimeDep, as_of: Instant = "",
                 as_recorded: Instant = "") -> HTMLResponse:
    """As of business time (what had happened by then), as recorded (what the ledger held then), or both."""
    record_for(rt, request, actor, "record_as_of", record_id)
    recorded = instant(as_recorded.strip(), "as_recorded")
    business = _moment(as_of, "as_of") if as_of.strip() or recorded is None else None
    moment = min(m for m in (business, recorded) if m is not None)
    state = replayed(record_id, moment, lambda: queries.record_as_of(rt.services, rt.views, record_id, business,
                                                                     as_recorded=recorded))
    kind = state.pop("type")
    rows = [{"field": field, "value": value} for field, value in state.items()]
    caption = "、".join([*([f"{business.isoformat()}（业务时间）"] if business else []),
                        *([f"{recorded.isoformat()} 台账所记"] if recorded else [])])
    return page(request, "record.html", actor, "记录在某一时刻的状态", record_id=record_id, kind=kind,
                as_of=business.isoformat() if business else "", as_recorded=recorded.isoformat() if recorded else "",
                table=listed(f"{caption}时的状态", Columns(FIELDS), rows, ""))


@router.get("/records/{record_id}/changes", response_class=HTMLResponse)
def record_changes(request: Request, record_id: UUID, actor: Viewer, rt: RuntimeDep, start: Since = "", end: Until = "") -> HTMLResponse:
    record_for(rt, request, actor, "record_as_of", record_id)
    since, until = _moment(start, "from"), _moment(end, "to")
    changes = replayed(record_id, until, lambda: queries.record_changes(rt.services, rt.views, record_id, since, until))
    changed = [{"field": field, **values} for field, values in changes["changed"].items()]
    caption = f"{since.isoformat()} 至 {until.isoformat()}（业务时间）"
    return page(request, "changes.html", actor, "两时刻之间的变化", record_id=record_id,
                changed=listed(f"改变的字段：{caption}", Columns(CHANGED), changed, "", empty="两时刻之间没有改变。"),
                events=listed(f"其间的事件：{caption}", _timeline_columns(actor), changes["events"], ""))


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, actor: Viewer, rt: RuntimeDep) -> HTMLResponse:
    permitted(rt, request, actor, "audit_verify")
    with rt.audit_lock:
        report = queries.audit(rt.services, rt.merkle, rt.settings, bring_up_to_date=True).as_dict()
        checkpoint = queries.latest_checkpoint(rt.services, rt.merkle, rt.settings)
    return page(request, "audit.html", actor, "审计核验", report=report, checkpoint=checkpoint,
                public_key=queries.verifier_key(rt.settings), proofs=may_query("audit_proofs")(actor) and may_query("audit_event")(actor))


@router.get("/audit/bundle")
def proof_bundle(request: Request, actor: Viewer, rt: RuntimeDep, event_id: Text) -> Response:
    """One event's proof bundle (zip): its canonical bytes, its inclusion proof, the checkpoint it is proved
    against and the public key, as `zwgk audit verify-proof` takes them."""
    permitted(rt, request, actor, "audit_event")
    permitted(rt, request, actor, "audit_proofs")
    with rt.audit_lock:
        note = queries.latest_checkpoint(rt.services, rt.merkle, rt.settings)
        proved = queries.inclusion(rt.services, rt.merkle, rt.settings, event_id.strip(), checkpoint=note)
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("event.bin", proved.event)
        z.writestr("proof.json", json.dumps(proved.proof, ensure_ascii=False, indent=1))
        z.writestr("checkpoint.txt", note or "")
        z.writestr("public-key.txt", queries.verifier_key(rt.settings) + "\n")
    name = f"zwgk-proof-{proved.proof['event_id']}.zip"
    return Response(bundle.getvalue(), media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _subject_columns(actor: Actor) -> Columns:
    """The inventory's columns; each record holding the data opens its timeline, where every read of it
    (who, when, which field) is an event, to those who may read timelines."""
    timelines = may_query("timeline")(actor)
    return Columns(sheets.DATA_SUBJECTS, actions=lambda r: [
        Action(f"时间线 {str(p['record_id'])[:8]}", f"/records/{p['record_id']}/timeline")
        for p in {p["record_id"]: p for p in r["places"]}.values()] if timelines else [])


@router.get("/personal-data", response_class=HTMLResponse)
def personal_data(request: Request, actor: Viewer, rt: RuntimeDep, cursor: Cursor = "") -> HTMLResponse:
    any_unit(rt, request, actor, "data_subjects")
    rows = queries.data_subject_pages(rt.services, cursor=cursor)
    return page(request, "list.html", actor, "个人信息清单与查阅记录",
                intro="每个数据主体的个人信息在哪些记录的哪些字段中（只列编号，不含个人信息）。"
                      "每次查阅都记入所在记录的时间线（事件 PersonalDataReading.Read：查阅人、时间）。",
                table=table(request, "个人信息清单", _subject_columns(actor), rows, "/api/v1/privacy/subjects?format=csv"))

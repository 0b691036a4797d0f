"""The archivist's long operations and reports 核验与导出: a fixity check of the whole archive and a BagIt
export started from the browser (`jobs`: in a thread of the server, the progress in the views' database), each
on a page of its own that reloads itself while the job runs (the `Refresh` header: no JavaScript, and the
page offers to stop reloading, WCAG 2.2.1), the export downloaded from it when finished; and the four-property
report 四性检测 with its CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from zwgk.archive.bagit_export import PACKAGE_FORMATS
from zwgk.archive.four_properties import PROPERTIES
from zwgk.connectors import jobs, queries
from zwgk.connectors.api import sheets
from zwgk.connectors.api.content import attachment
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.scope import unit_for
from zwgk.connectors.console.tables import Columns, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, csrf_ok, may_query, nav, page, query_string, redirect
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
OPERATIONS_PATH = "/archive/operations"
FOUR_PROPERTIES_PATH = "/archive/four-properties"
JOBS_PATH = "/archive/jobs"
RELOAD_SECONDS = 2
Cursor = Annotated[str, Query(max_length=4096)]
STALE_FORM = "页面已过期或来源不明，未开始任何任务。请重新提交。"

nav(OPERATIONS_PATH, "核验与导出", lambda actor: may_query("fixity_report")(actor) or may_query("bagit_export")(actor), order=56)
nav(FOUR_PROPERTIES_PATH, "四性检测", may_query("four_properties"), order=57)


def _job_url(job_id: str) -> str:
    return f"{JOBS_PATH}/{job_id}"


def _operations_page(request: Request, actor: Actor, status: int = 200, error: str = "") -> HTMLResponse:
    return page(request, "operations.html", actor, "核验与导出", status, error=error, formats=list(PACKAGE_FORMATS),
                may_check=may_query("fixity_report")(actor), may_export=may_query("bagit_export")(actor))


@router.get(OPERATIONS_PATH, response_class=HTMLResponse)
def operations(request: Request, actor: Viewer) -> HTMLResponse:
    return _operations_page(request, actor)


@router.post(JOBS_PATH + "/fixity", response_class=HTMLResponse)
async def start_fixity(request: Request, actor: Viewer, rt: RuntimeDep) -> Response:
    unit = unit_for(rt, request, actor, "fixity_report")
    if not csrf_ok(request, await request.form()):
        return _operations_page(request, actor, 400, STALE_FORM)
    return redirect(_job_url(jobs.start_fixity(rt.jobs, rt.services, actor, unit)))


@router.post(JOBS_PATH + "/export", response_class=HTMLResponse)
async def start_export(request: Request, actor: Viewer, rt: RuntimeDep,
                       package_format: Annotated[str, Form(alias="format", pattern="^(tar|zip)$")] = "tar") -> Response:
    unit = unit_for(rt, request, actor, "bagit_export")
    if not csrf_ok(request, await request.form()):
        return _operations_page(request, actor, 400, STALE_FORM)
    return redirect(_job_url(jobs.start_export(rt.jobs, rt.services, rt.views, rt.settings, actor, package_format, unit)))


def _job(rt: RuntimeDep, request: Request, actor: Actor, job_id: str) -> jobs.Job | HTMLResponse:
    found = rt.jobs.of(job_id, actor.id)
    if found is None:  # another person's job is as unknown as one that never was
        return page(request, "error.html", actor, "任务", 404, message="没有这项任务，或它不是您开始的。")
    return found


def _beijing(instant: datetime) -> str:
    return instant.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S（北京时间）")


@router.get(JOBS_PATH + "/{job_id}", response_class=HTMLResponse)
def job(request: Request, job_id: str, actor: Viewer, rt: RuntimeDep, reload: str = "") -> HTMLResponse:
    found = _job(rt, request, actor, job_id)
    if isinstance(found, HTMLResponse):
        return found
    running = found.state is jobs.JobState.RUNNING
    reloading = running and reload != "off"
    shown = page(request, "job.html", actor, jobs.KINDS_ZH[found.kind], job=found, state_zh=jobs.STATES_ZH[found.state],
                 running=running, reloading=reloading, reload_seconds=RELOAD_SECONDS, here=_job_url(found.job_id),
                 stop_url=f"{_job_url(found.job_id)}?{query_string(reload='off')}",
                 download=f"{_job_url(found.job_id)}/package" if found.package else "",
                 started=_beijing(found.started_at), updated=_beijing(found.updated_at))
    if reloading:
        shown.headers["Refresh"] = str(RELOAD_SECONDS)
    shown.headers["Cache-Control"] = "no-store"
    return shown


@router.get(JOBS_PATH + "/{job_id}/package")
def package(request: Request, job_id: str, actor: Viewer, rt: RuntimeDep) -> Response:
    found = _job(rt, request, actor, job_id)
    if isinstance(found, HTMLResponse):
        return found
    path = found.package_path
    if path is None or not path.is_file():
        return page(request, "error.html", actor, "移交包", 404,
                    message="移交包不在本服务器上：已超过保留期限（一天），或由另一台服务器生成。请重新导出。")
    name = path.name.removeprefix(f"{found.job_id}-")
    stem, _, extension = name.rpartition(".")
    return FileResponse(path, media_type=PACKAGE_FORMATS[extension],
                        headers={"Content-Disposition": attachment(stem, PACKAGE_FORMATS[extension], stem)})


COLUMNS = Columns(sheets.FOUR_PROPERTIES, mark=lambda r: "" if r["ok"] else "overdue")


@router.get(FOUR_PROPERTIES_PATH, response_class=HTMLResponse)
def four_properties(request: Request, actor: Viewer, rt: RuntimeDep, cursor: Cursor = "") -> HTMLResponse:
    unit = unit_for(rt, request, actor, "four_properties")
    report = queries.four_property_check(rt.services, unit)
    failed = {prop: sum(1 for o in report.originals if not o.passed(prop)) for prop in PROPERTIES}
    return page(request, "four_properties.html", actor, "四性检测", report=report, failed=failed, properties=PROPERTIES,
                table=table(request, f"{unit or '全部'}原件的四性检测（DA/T 70-2018）", COLUMNS,
                            queries.four_property_rows(report, cursor), "/api/v1/archive/four-properties?format=csv"))

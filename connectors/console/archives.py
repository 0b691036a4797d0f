"""The archivist's pages 档案: the archive catalogue searched by 文号, 题名, unit, year and retention; an
original's page (its DA/T 46 metadata, digests, every fixity check, retention and legal hold, the download);
archiving an original from the browser by the API's own upload (`operations.archive_upload`: arguments,
access and metadata checked before a byte is stored); holds placed and released by their command forms."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from zwgk.archive.service import METADATA_ZH
from zwgk.connectors import operations, queries
from zwgk.connectors.api import sheets
from zwgk.connectors.api.archive import CONTENT_ROUTE
from zwgk.connectors.api.content import too_large
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.api.scope import refusals_logged, unit_for
from zwgk.connectors.console.command_forms import form_url
from zwgk.connectors.console.tables import Action, Columns, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, csrf_ok, may_query, nav, page, query_string, redirect, year_given
from zwgk.connectors.labels import FIXITY_ZH
from zwgk.domain.access import COMMAND_ACCESS, permit_command, permit_query
from zwgk.domain.actors import Actor
from zwgk.domain.archival import RETENTION_ZH, ArchivedOriginal, FixityOutcome, RetentionClass
from zwgk.domain.calendar import CST
from zwgk.domain.errors import DomainError

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
ARCHIVE_PATH = "/archive"
UPLOAD_PATH = ARCHIVE_PATH + "/upload"
Text = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str, Query(max_length=4096)]
AtLeast = Annotated[int, Query(ge=0)]
RETENTIONS = [(r.value, RETENTION_ZH[r]) for r in RetentionClass]
UPLOAD_FIELDS = ("archive_number", "title", "responsible_unit", "retention", "doc_number", "doc_date", "doc_type")


def _may(command: str) -> Any:
    return lambda actor: actor.role in COMMAND_ACCESS.get(command, {})


nav(ARCHIVE_PATH, "档案检索", may_query("archive_search"), order=50)
nav(UPLOAD_PATH, "存档原件", _may("archive_original"), order=55)


def _original_url(archive_number: str) -> str:
    return f"{ARCHIVE_PATH}/originals/{quote(archive_number)}"


COLUMNS = Columns(sheets.ARCHIVE, hidden=frozenset({"SHA-256"}),
                  actions=lambda r: [Action("查看", _original_url(r["archive_number"]))])


@router.get(ARCHIVE_PATH, response_class=HTMLResponse)
def search(request: Request, actor: Viewer, rt: RuntimeDep, doc_number: Text = "", title: Text = "", words: Text = "",
           unit: Text = "", year: Text = "", retention: Text = "", hold: Text = "", cursor: Cursor = "",
           at_least: AtLeast = 0) -> HTMLResponse:
    unit = unit_for(rt, request, actor, "archive_search", unit.strip())
    retention = retention if retention in RetentionClass._value2member_map_ else ""
    hold = hold if hold in ("yes", "no") else ""
    query = queries.ArchiveQuery(unit=unit, year=year_given(year), retention=retention, doc_number=doc_number.strip(),
                                 title=title.strip(), words=words.strip(), legal_hold={"yes": True, "no": False}.get(hold))
    rows = queries.archive_pages(rt.services, rt.views, query, cursor, at_least)
    return page(request, "archive.html", actor, "档案检索", doc_number=doc_number, title_contains=title, words=words, unit=unit,
                year=year if year_given(year) else "", retention=retention, hold=hold, retentions=RETENTIONS,
                table=table(request, f"{unit or '各单位'}的档案原件（按相关程度）", COLUMNS, rows, _archive_csv(query)))


def _archive_csv(query: queries.ArchiveQuery) -> str:
    """The API's CSV of the same search: every original found, not only the page shown."""
    legal_hold = "" if query.legal_hold is None else str(query.legal_hold).lower()
    return "/api/v1/archive/search?" + query_string(
        format="csv", unit=query.unit, year=query.year, retention=query.retention, doc_number=query.doc_number,
        title_contains=query.title, words=query.words, legal_hold=legal_hold)


FIXITY_COLUMNS = Columns(sheets.FIXITY_HISTORY, mark=lambda r: "" if r["outcome"] == FixityOutcome.INTACT else "overdue",
                         hidden=frozenset({"重算的 SHA-256", "重算的 SM3"}))


@router.get(ARCHIVE_PATH + "/originals/{archive_number}", response_class=HTMLResponse)
def original(request: Request, archive_number: str, actor: Viewer, rt: RuntimeDep, cursor: Cursor = "") -> HTMLResponse:
    with refusals_logged(rt, request, actor):
        found = queries.readable_original(rt.services, permit_query(actor, "archive_metadata"), actor, archive_number)
    metadata = queries.original_metadata(rt.services, found.archive_number)
    back_to = _original_url(found.archive_number)
    hold = "release_legal_hold" if found.legal_hold else "place_legal_hold"
    return page(request, "original.html", actor, f"档案原件 {found.archive_number}", notice=_notice(request),
                facts=[(label, metadata[name]) for name, label in METADATA_ZH.items()],
                retention_zh=RETENTION_ZH[found.retention], metadata=metadata, fixity=_fixity(found),
                download=CONTENT_ROUTE.format(quote(found.archive_number)) if may_query("archive_download")(actor) else "",
                hold_url=form_url(hold, back_to, archive_number=found.archive_number) if _may(hold)(actor) else "",
                hold_label="解除法律保全" if found.legal_hold else "实施法律保全",
                timeline=f"/records/{found.id}/timeline" if may_query("timeline")(actor) else "",
                history=table(request, "固定性核验记录（最近的在前）", FIXITY_COLUMNS, queries.fixity_history(rt.services, found, cursor),
                              f"/api/v1/archive/originals/{quote(found.archive_number)}/fixity?format=csv"))


def _fixity(found: ArchivedOriginal) -> str:
    if found.last_fixity is None:
        return "尚未核验"
    checked = found.last_checked_at.astimezone(CST).strftime("%Y-%m-%d %H:%M") if found.last_checked_at else ""
    return f"{FIXITY_ZH[found.last_fixity]}（{checked}，重算 SHA-256 与 SM3 比对）"


def _notice(request: Request) -> str:
    done = request.query_params.get("done", "")
    return {"archive_original": "已存档。", "place_legal_hold": "已实施法律保全。", "release_legal_hold": "已解除法律保全。"}.get(done, "")


def _upload_page(request: Request, actor: Actor, status: int = 200, error: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    return page(request, "upload.html", actor, "存档原件", status, error=error, values=values or {}, retentions=RETENTIONS)


def _allowed(rt: Runtime, request: Request, actor: Actor) -> None:
    with refusals_logged(rt, request, actor):
        permit_command(actor, "archive_original")


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
def upload_form(request: Request, actor: Viewer, rt: RuntimeDep) -> HTMLResponse:
    _allowed(rt, request, actor)
    return _upload_page(request, actor)


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def upload(request: Request, actor: Viewer, rt: RuntimeDep) -> Response:
    """The original and its metadata as one multipart form, archived as the API's upload archives it."""
    _allowed(rt, request, actor)
    limit = rt.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    data = await request.form()
    values = {name: str(data.get(name, "")).strip() for name in UPLOAD_FIELDS}
    if not csrf_ok(request, data):
        return _upload_page(request, actor, 400, "页面已过期或来源不明，未作任何记录。请重新提交。", values)
    original = data.get("original")
    if not isinstance(original, UploadFile) or not original.filename:
        return _upload_page(request, actor, 422, "请选择要存档的原件文件。", values)
    if (original.size or 0) > limit:  # a body sent without its length: as large as it came
        raise too_large(limit)
    args = {**values, "doc_date": values["doc_date"] or None, "file": original.filename,
            "media_type": (original.content_type or "").split(";")[0].strip().lower().replace("application/octet-stream", ""),
            "disclosure_id": None, "hearing_id": None}
    try:
        with refusals_logged(rt, request, actor):
            outcome, metadata = await run_in_threadpool(operations.archive_upload, rt.services, actor, original.file, args)
    except DomainError as error:
        rule = f"（规则 {error.rule}）" if error.rule else ""
        return _upload_page(request, actor, 422, f"{error.message_zh}{rule}", values)
    finally:
        await original.close()
    done = query_string(done="archive_original", at_least=outcome.notification_id)
    return redirect(f"{_original_url(metadata['archive_number'])}?{done}")

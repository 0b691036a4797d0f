"""The archive 档案 over HTTP: originals uploaded as a stream with their DA/T 46 metadata, found,
downloaded as a stream (validators, digests, ranges), held and released, checked for fixity and for
the four properties, and exported as a BagIt transfer package in one tar or zip stream."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from zwgk.archive.store import CHUNK
from zwgk.connectors import operations, queries
from zwgk.connectors.api import sheets, spreadsheet
from zwgk.connectors.api.content import (
    RangeNotSatisfiable,
    RequestBody,
    attachment,
    byte_range,
    etag,
    none_match,
    repr_digest,
    too_large,
)
from zwgk.connectors.api.identity import RuntimeDep, SignedIn
from zwgk.connectors.api.problems import PROBLEM_RESPONSES, problem, problem_response
from zwgk.connectors.api.scope import refusals_logged
from zwgk.connectors.commands import execute
from zwgk.domain.access import permit_query
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal

MEDIA_TYPE = r"^([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*( *;[ -~]*)?)?$"  # RFC 6838, or none
router = APIRouter(prefix="/api/v1/archive", tags=["archive 档案"], responses=PROBLEM_RESPONSES)
POSITION_HEADER = "Zwgk-Position"
OCTET_STREAM = "application/octet-stream"
CONTENT_ROUTE = "/api/v1/archive/originals/{}/content"


def _problem_response(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: problem_response(description)}


class Recorded(BaseModel):
    aggregate_id: str
    version: int
    notification_id: int = Field(description="the log position: pass it as at_least to read one's own write")


class HoldReason(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="如 行政复议、行政诉讼")


class FixityRun(BaseModel):
    archive_numbers: list[str] | None = Field(default=None, max_length=10_000, description="only these originals")
    due_days: int | None = Field(default=None, ge=0, description="only originals not checked within so many days")


def _readable(rt: Any, request: Request, actor: Actor, query: str, archive_number: str) -> ArchivedOriginal:
    """The original, if the access table lets the actor run this query on it (a refusal is logged)."""
    with refusals_logged(rt, request, actor):
        return queries.readable_original(rt.services, permit_query(actor, query), actor, archive_number)


def _unit(rt: Any, request: Request, actor: Actor, query: str, unit: str = "") -> str:
    """The unit the actor's query is confined to, if any (a refusal is logged)."""
    with refusals_logged(rt, request, actor):
        return queries.own_unit_only(permit_query(actor, query), actor, unit)


def _recorded(outcome: Any, **extra: Any) -> JSONResponse:
    body = {**outcome.as_dict(), **extra}
    return JSONResponse(body, status_code=201, headers={POSITION_HEADER: str(outcome.notification_id)})


@router.put(
    "/originals/{archive_number}", status_code=201, summary="存档原件：请求正文即原件字节，流式写入存储并同时计算 SHA-256 与 SM3（档案员）",
    description="The body is the original's bytes, streamed to the archive's store as it arrives (never held whole in memory); "
                "its DA/T 46 metadata are query parameters. `Content-Type` is the original's format (otherwise guessed from "
                "`filename`). Refused before a byte is read: bad metadata, an archive number archived already, a declared "
                "`Content-Length` over the limit (ZWGK_MAX_UPLOAD_BYTES); a body that grows over it is refused with 413 and "
                "nothing stored or recorded.",
    openapi_extra={"requestBody": {"required": True, "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
    responses={201: {"description": "archived: what was recorded, and the original's metadata"},
               **_problem_response(413, "larger than ZWGK_MAX_UPLOAD_BYTES")},
)
async def upload(
    archive_number: str, request: Request, actor: SignedIn, rt: RuntimeDep,
    title: Annotated[str, Query(description="题名")],
    responsible_unit: Annotated[str, Query(description="责任者")],
    retention: Annotated[str, Query(description="保管期限：Y、D30、D10")],
    doc_number: Annotated[str, Query(description="文号")] = "",
    doc_date: Annotated[date | None, Query(description="文件形成日期，须在档号的年度内（R3）；关联公开行为时可省略，取其签发日期")] = None,
    doc_type: Annotated[str, Query(description="文种，如 通知")] = "",
    classification: Annotated[str, Query(description="密级：公开、内部、秘密、机密、绝密")] = "公开",
    pages: Annotated[int | None, Query(ge=1, description="页数（PDF、OFD、DOCX、图像从文件读出，所填不符则拒绝）")] = None,
    filename: Annotated[str, Query(description="原件的文件名（缺省的格式按它判断）")] = "",
    disclosure_id: Annotated[UUID | None, Query(description="关联的公开行为（D8）")] = None,
    hearing_id: Annotated[UUID | None, Query(description="作为听证笔录关联的听证会（H4）")] = None,
    occurred_at: Annotated[datetime | None, Query(description="业务时间，补录历史存档时")] = None,
    content_type: Annotated[str, Header(pattern=MEDIA_TYPE, description="the original's format, e.g. application/pdf")] = "",
) -> JSONResponse:
    limit = rt.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")  # the transport's, not a parameter of the route
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    media_type = content_type.split(";")[0].strip().lower()
    args = {"file": filename, "archive_number": archive_number, "title": title, "responsible_unit": responsible_unit,
            "retention": retention, "doc_number": doc_number, "doc_date": doc_date, "doc_type": doc_type,
            "classification": classification, "pages": pages, "media_type": "" if media_type == OCTET_STREAM else media_type,
            "disclosure_id": disclosure_id, "hearing_id": hearing_id}
    body = io.BufferedReader(RequestBody(request.stream(), limit), CHUNK)
    with refusals_logged(rt, request, actor):
        outcome, metadata = await run_in_threadpool(operations.archive_upload, rt.services, actor, body, args, occurred_at)
    response = _recorded(outcome, **metadata)
    response.headers["Location"] = f"/api/v1/archive/originals/{quote(metadata['archive_number'])}"
    response.headers["ETag"] = etag(metadata["sha256"])
    return response


@router.get("/originals", summary="检索档案原件（档案目录视图）")
def search(actor: SignedIn, rt: RuntimeDep, request: Request, unit: str = "", year: int | None = None, retention: str = "",
           title_contains: str = "", doc_type: str = "", doc_number: str = "", sha256: str = "",
           at_least: Annotated[int, Query(ge=0, description="read-your-writes: the Zwgk-Position of one's last write")] = 0,
           ) -> list[dict[str, Any]]:
    unit = _unit(rt, request, actor, "archive_search", unit)
    return queries.archive_search(rt.services, rt.views, unit, year, retention, title_contains, doc_type, at_least, doc_number, sha256)


@router.get("/originals/{archive_number}", summary="原件的 DA/T 46 元数据、法律保全状态与最近一次固定性核验")
def metadata(archive_number: str, actor: SignedIn, rt: RuntimeDep, request: Request) -> dict[str, Any]:
    original = _readable(rt, request, actor, "archive_metadata", archive_number)
    return {**queries.original_metadata(rt.services, original.archive_number),
            "content": CONTENT_ROUTE.format(quote(original.archive_number))}


def _representation(original: ArchivedOriginal) -> dict[str, str]:
    return {"ETag": etag(original.sha256), "Repr-Digest": repr_digest(original.sha256), "Accept-Ranges": "bytes",
            "Content-Disposition": attachment(original.title, original.media_type, original.archive_number)}


def _started(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The stream with its first chunk already read: a missing original or an unreachable store is a
    problem answer, not a broken response."""
    first = next(chunks, b"")
    return itertools.chain([first] if first else [], chunks)


@router.get(
    "/originals/{archive_number}/content", summary="取回原件（流式；支持 Range、If-None-Match）",
    description="Byte-identical, streamed from the store. `ETag` is the SHA-256 recorded when archived and `Repr-Digest` "
                "(RFC 9530) the same digest, so a client checks what it received, whole or assembled from ranges. A whole "
                "original is checked on the way out: should it differ from what was recorded, the response is cut short "
                "before its last bytes. One range (`Range: bytes=a-b`) is answered 206; several, or a malformed header, "
                "get the whole original. HEAD answers the same headers without the bytes.",
    response_class=Response,
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}, "description": "the original"},
               206: {"description": "the range asked for"}, 304: {"description": "the client's copy is current (If-None-Match)"},
               **_problem_response(410, "the original's bytes are gone from the store (ORIGINAL_MISSING)"),
               **_problem_response(416, "no byte of the range exists")},
)
def download(
    archive_number: str, request: Request, actor: SignedIn, rt: RuntimeDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    original = _readable(rt, request, actor, "archive_download", archive_number)
    headers = _representation(original)
    if if_none_match is not None and none_match(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    span = None
    if range_header is not None and (if_range is None or if_range.strip() == headers["ETag"]):
        try:
            span = byte_range(range_header, original.size)
        except RangeNotSatisfiable:
            return problem(request, "RANGE_NOT_SATISFIABLE", f"所请求的字节范围不存在：原件共 {original.size} 字节。", 416,
                           headers={"Content-Range": f"bytes */{original.size}"})
    start, stop = span or (0, original.size)
    status = 206 if span else 200
    headers["Content-Type"] = original.media_type
    headers["Content-Length"] = str(stop - start)
    if span:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{original.size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    chunks = _started(queries.original_content(rt.services, original, start, stop))
    return StreamingResponse(chunks, status_code=status, headers=headers)


router.add_api_route("/originals/{archive_number}/content", download, methods=["HEAD"], include_in_schema=False,
                     name="download_headers")


def _hold(name: str, archive_number: str, body: HoldReason, actor: Any, rt: Any, request: Request) -> JSONResponse:
    with refusals_logged(rt, request, actor):
        (outcome, *_) = execute(rt.services, {"command": name, "args": {"archive_number": archive_number, "reason": body.reason}}, actor)
    return _recorded(outcome)


@router.post("/originals/{archive_number}/hold", status_code=201, response_model=Recorded, summary="对原件实施法律保全（档案员）")
def hold(archive_number: str, body: HoldReason, actor: SignedIn, rt: RuntimeDep, request: Request) -> JSONResponse:
    return _hold("place_legal_hold", archive_number, body, actor, rt, request)


@router.post("/originals/{archive_number}/release", status_code=201, response_model=Recorded, summary="解除原件法律保全（档案员）")
def release(archive_number: str, body: HoldReason, actor: SignedIn, rt: RuntimeDep, request: Request) -> JSONResponse:
    return _hold("release_legal_hold", archive_number, body, actor, rt, request)


@router.post("/fixity", summary="固定性核验：按版本重读原件，重算 SHA-256 与 SM3 并比对；每次核验记为事件",
             description="All originals, or those named, or those not checked within `due_days` days. The answer comes "
                         "when every original asked for has been read and its check recorded.")
def fixity(body: FixityRun, actor: SignedIn, rt: RuntimeDep, request: Request) -> dict[str, Any]:
    unit = _unit(rt, request, actor, "fixity_report")
    with refusals_logged(rt, request, actor):
        report = operations.fixity_run(rt.services, actor, body.archive_numbers, body.due_days, unit)
    return report.as_dict()


@router.get("/originals/{archive_number}/fixity", summary="原件的全部固定性核验记录：时间、结果、说明、执行者（最近的在前）",
            responses=spreadsheet.CSV_RESPONSE)
def fixity_history(archive_number: str, actor: SignedIn, rt: RuntimeDep, request: Request,
                   format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None) -> Any:  # noqa: A002
    original = _readable(rt, request, actor, "archive_metadata", archive_number)
    rows = queries.fixity_history(rt.services, original)
    if spreadsheet.wanted(request, format):
        return spreadsheet.response(sheets.FIXITY_HISTORY, rows, original.archive_number)
    return {"items": list(rows)}


@router.get("/four-properties", summary="四性检测（DA/T 70-2018）：真实性、完整性、可用性、安全性，逐件报告",
            responses=spreadsheet.CSV_RESPONSE)
def four_properties(actor: SignedIn, rt: RuntimeDep, request: Request,
                    format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None) -> Any:  # noqa: A002
    unit = _unit(rt, request, actor, "four_properties")
    report = queries.four_property_check(rt.services, unit)
    if spreadsheet.wanted(request, format):
        return spreadsheet.response(sheets.FOUR_PROPERTIES, queries.four_property_rows(report), unit)
    return report.as_dict()


@router.get("/due", summary="到期鉴定：保管期限已届满、尚未鉴定为销毁的原件，及每份销毁清册（R4、R5）")
def appraisal_due(actor: SignedIn, rt: RuntimeDep, request: Request) -> dict[str, Any]:
    _unit(rt, request, actor, "appraisal_due")
    return {"due": queries.appraisal_due(rt.services), "destruction_lists": queries.destruction_lists(rt.services)}


@router.get(
    "/export", summary="导出 BagIt（RFC 8493）移交包，打包为一个 tar 或 zip 流",
    description="The originals the archive catalogue selects, each verified on the way out, with their metadata, in one "
                "BagIt bag (SHA-256 and SHA-512 manifests); made in a temporary directory on the server, sent as it is "
                "packed, deleted once sent.",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-tar": {}, "application/zip": {}}, "description": "the bag"}},
)
def export(actor: SignedIn, rt: RuntimeDep, request: Request,
           package_format: Annotated[str, Query(alias="format", pattern="^(tar|zip)$")] = "tar",
           unit: str = "", year: int | None = None, retention: str = "",
           archive_number: Annotated[list[str] | None, Query(description="only these originals")] = None) -> StreamingResponse:
    unit = _unit(rt, request, actor, "bagit_export", unit)
    package = operations.transfer_package(rt.services, rt.views, rt.settings, package_format, unit, year, retention, archive_number)
    headers = {"Content-Disposition": f'attachment; filename="{package.filename}"', "Zwgk-Originals": str(package.originals)}
    if package.length is not None:  # a stream cut short is then an error at the client, never a shorter package
        headers["Content-Length"] = str(package.length)
    return StreamingResponse(package.chunks, media_type=package.media_type, headers=headers, background=BackgroundTask(package.close))

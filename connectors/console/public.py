"""The public page 公开信息, without sign-in: what a citizen may see. The documents published proactively,
by unit and year, with where they were published; and the latest signed checkpoint of the audit log with
how to verify it (docs/audit.md), so anyone can hold zwgk to what it has shown."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from zwgk.connectors import queries
from zwgk.connectors.api import spreadsheet
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.api.spreadsheet import Sheet
from zwgk.connectors.console.tables import Columns, table
from zwgk.connectors.console.web import CONSOLE_TAG, page, query_string
from zwgk.domain.disclosure import CHANNELS_ZH, Channel
from zwgk.projections.catalogue import cst_day

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
PUBLIC_PATH = "/public"
Unit = Annotated[str, Query(max_length=200)]
Year = Annotated[str, Query(max_length=4, description="a year; anything else: every year")]
Cursor = Annotated[str, Query(max_length=4096)]
PUBLICATIONS = Sheet("publications", "主动公开的政府信息", (
    ("发布日期", lambda r: cst_day(r["published_at"])), ("单位", lambda r: r["unit"]), ("文号", lambda r: r["doc_number"]),
    ("题名", lambda r: r["title"]),
    ("发布渠道", lambda r: "、".join(CHANNELS_ZH.get(Channel(c), c) for c in _channels(r["channels"]))),
))


def _channels(stored: str | list[str]) -> list[str]:
    return json.loads(stored) if isinstance(stored, str) else stored


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) == 4 else None


def _checkpoint(rt: Runtime) -> tuple[str | None, str]:
    with rt.audit_lock:
        return queries.latest_checkpoint(rt.services, rt.merkle, rt.settings), queries.verifier_key(rt.settings)


@router.get(PUBLIC_PATH, response_class=HTMLResponse)
async def public(request: Request, rt: RuntimeDep, unit: Unit = "", year: Year = "", cursor: Cursor = "") -> HTMLResponse:
    rows = await run_in_threadpool(queries.publication_pages, rt.services, rt.views, unit.strip(), _year(year), cursor)
    checkpoint, key = await run_in_threadpool(_checkpoint, rt)
    csv_url = f"{PUBLIC_PATH}/documents.csv?{query_string(unit=unit.strip(), year=_year(year))}".rstrip("?")
    return page(request, "public.html", None, "政府信息主动公开", unit=unit, year=year if _year(year) else "", checkpoint=checkpoint,
                public_key=key,
                table=table(request, "主动公开的政府信息（按发布日期）", Columns(PUBLICATIONS), rows, csv_url))


@router.get(PUBLIC_PATH + "/documents.csv")
def documents_csv(rt: RuntimeDep, unit: Unit = "", year: Year = "") -> Response:
    rows = queries.publication_pages(rt.services, rt.views, unit.strip(), _year(year))
    return spreadsheet.response(PUBLICATIONS, rows, unit.strip(), str(_year(year) or ""))


@router.get(PUBLIC_PATH + "/checkpoint.txt", response_class=PlainTextResponse)
def checkpoint_text(rt: RuntimeDep) -> PlainTextResponse:
    note, _ = _checkpoint(rt)
    return PlainTextResponse(note or "", status_code=200 if note else 404)


@router.get(PUBLIC_PATH + "/public-key.txt", response_class=PlainTextResponse)
def public_key_text(rt: RuntimeDep) -> PlainTextResponse:
    return PlainTextResponse(queries.verifier_key(rt.settings) + "\n")

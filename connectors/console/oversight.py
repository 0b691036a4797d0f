"""The leading-group office's pages 政务公开领导小组办公室: the catalogue of disclosure items with the
adjustments not yet filed (C4); the assessment table (E1–E4); a unit's annual report table of
applications (A6) with its check, downloadable as CSV from the API. Each reads what the API would give
the same person (officers and leaders: their own unit's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from zwgk.connectors import queries
from zwgk.connectors.api import sheets
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.api.scope import unit_for
from zwgk.connectors.console.tables import PAGE_ROWS, Columns, listed, table
from zwgk.connectors.console.web import CONSOLE_TAG, Viewer, may_query, nav, page, query_string
from zwgk.domain.calendar import CST

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
Text = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str, Query(max_length=4096)]
AtLeast = Annotated[int, Query(ge=0)]

nav("/catalogue", "公开事项清单", may_query("catalogue"), order=65)
nav("/assessment", "考核", may_query("assessment"), order=70)
nav("/annual-report", "年度报告", may_query("annual_report"), order=75)

CATALOGUE_COLUMNS = Columns(sheets.CATALOGUE, mark=lambda r: "unfiled" if any(h["filed_at"] is None for h in r["history"]) else "",
                            hidden=frozenset({"记录编号"}))
UNFILED_COLUMNS = Columns(sheets.UNFILED, mark=lambda r: "overdue", hidden=frozenset({"记录编号"}))


def _year(text: str) -> int:
    """The year asked for; by default last year, the one reports and assessments are about."""
    return int(text) if text.isdigit() and len(text) == 4 else datetime.now(CST).year - 1


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue(request: Request, actor: Viewer, rt: RuntimeDep, unit: Text = "", cursor: Cursor = "", at_least: AtLeast = 0) -> HTMLResponse:
    unit = unit_for(rt, request, actor, "catalogue", unit.strip())
    items = queries.catalogue_pages(rt.services, rt.views, unit, None, cursor, at_least)
    unfiled = None
    if may_query("unfiled_adjustments")(actor):
        unfiled_unit = unit_for(rt, request, actor, "unfiled_adjustments", unit)
        first = queries.unfiled_pages(rt.services, unfiled_unit).page(PAGE_ROWS)
        unfiled = listed("已调整但尚未备案的事项（C4）", UNFILED_COLUMNS, first.items,
                         f"/api/v1/catalogue/unfiled?{query_string(format='csv', unit=unfiled_unit)}",
                         empty="没有未备案的调整。")
    return page(request, "catalogue.html", actor, "公开事项清单", unit=unit, unfiled=unfiled,
                table=table(request, f"{unit or '各单位'}的公开事项", CATALOGUE_COLUMNS, items,
                            f"/api/v1/catalogue?{query_string(format='csv', unit=unit)}"))


@router.get("/assessment", response_class=HTMLResponse)
def assessment(request: Request, actor: Viewer, rt: RuntimeDep, year: Text = "", unit: Text = "", quarterly: bool = False,
               cursor: Cursor = "", at_least: AtLeast = 0) -> HTMLResponse:
    unit = unit_for(rt, request, actor, "assessment", unit.strip())
    chosen = _year(year)
    rows = queries.assessment_pages(rt.services, rt.views, chosen, unit, quarterly, cursor, at_least)
    csv_url = f"/api/v1/assessment?{query_string(format='csv', year=chosen, unit=unit, quarterly='true' if quarterly else '')}"
    caption = f"{chosen} 年{'各季度' if quarterly else ''}考核（按名次）"
    return page(request, "assessment.html", actor, "考核", year=chosen, unit=unit, quarterly=quarterly,
                table=table(request, caption, Columns(sheets.ASSESSMENT), rows, csv_url))


@router.get("/annual-report", response_class=HTMLResponse)
def annual_report(request: Request, actor: Viewer, rt: RuntimeDep, year: Text = "", unit: Text = "",
                  at_least: AtLeast = 0) -> HTMLResponse:
    unit = unit_for(rt, request, actor, "annual_report", unit.strip())
    chosen = _year(year)
    report = queries.annual_report(rt.services, rt.views, unit, chosen, at_least) if unit else None
    csv_url = f"/api/v1/annual-report?{query_string(format='csv', unit=unit, year=chosen)}"
    return page(request, "annual_report.html", actor, "年度报告申请情况表", year=chosen, unit=unit, report=report,
                table=listed(f"{unit}{chosen} 年政府信息公开申请情况", Columns(sheets.ANNUAL_REPORT), report["rows"], csv_url)
                if report else None)

"""Queries over HTTP: every view the CLI reads, as `GET /api/v1/…` with the CLI's filters, a page at a time
(`limit`, an opaque `cursor`), fresh enough to show one's own writes (`at_least`: a write's
`Zwgk-Position`), as JSON or as a spreadsheet (`?format=csv` or `Accept: text/csv`). A route checks who may
read what (`scope`), then calls one application query: none holds query logic or SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from zwgk.connectors import queries
from zwgk.connectors.api import sheets, spreadsheet
from zwgk.connectors.api.filters import DEFAULT_LIMIT, INSTANT_HELP, Fresh, Paging, Reading, instant, one_of, rule
from zwgk.connectors.api.identity import RuntimeDep, SignedIn
from zwgk.connectors.api.problems import PROBLEM_RESPONSES
from zwgk.connectors.api.rows import (
    AnnualReport,
    ArchiveRow,
    AssessmentRow,
    CatalogueRow,
    ComplaintRow,
    DataSubjectRow,
    DeadlineRow,
    ErasureRow,
    Page,
    ParticipationCountRow,
    ParticipationRow,
    ProjectionRow,
    RecordChanges,
    RecordState,
    RegisterRow,
    RequestRow,
    TimelineRow,
    UnfiledRow,
    ViolationRow,
)
from zwgk.connectors.api.scope import any_unit, permitted, record_for, unit_for
from zwgk.connectors.api.spreadsheet import Sheet
from zwgk.connectors.pages import Rows
from zwgk.domain.access import Scope
from zwgk.domain.archival import Classification, RetentionClass
from zwgk.domain.calendar import CST
from zwgk.domain.data_subjects import SubjectKind
from zwgk.domain.errors import DomainError, NotFound
from zwgk.projections.participation import PROCESSES

router = APIRouter(prefix="/api/v1", tags=["queries 查询"], responses={**PROBLEM_RESPONSES, **spreadsheet.CSV_RESPONSE})
Pages = Annotated[Paging, Query()]
Unit = Annotated[str, Query(max_length=200, description="the unit (公开主体); own-unit readers: their own, whether given or not")]
Year = Annotated[int, Query(ge=1949, le=2100)]
AnyYear = Annotated[int | None, Query(ge=1949, le=2100)]
Instant = Annotated[str | None, Query(description=INSTANT_HELP, max_length=64)]
RuleId = Annotated[str, Query(alias="rule", max_length=8, description="a rule ID, e.g. D3 (docs/rules.md)")]


def _answer(request: Request, rows: Rows, paging: Paging, sheet: Sheet, *qualifiers: str) -> Any:
    """A page as JSON, or the rows from the cursor on as a streamed spreadsheet (all of them unless `limit`)."""
    if spreadsheet.wanted(request, paging.format):
        return spreadsheet.response(sheet, rows if paging.limit is None else islice(rows, paging.limit), *qualifiers)
    page = rows.page(paging.limit or DEFAULT_LIMIT)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/register", response_model=Page[RegisterRow], summary="公开登记簿：每件公开行为的属性、审查签字、预审、签发、发布与存档")
def register(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "") -> Any:
    unit = unit_for(rt, request, actor, "register", unit)
    return _answer(request, queries.register_pages(rt.services, rt.views, unit, paging.cursor, paging.at_least), paging,
                   sheets.REGISTER, unit)


@router.get("/catalogue", response_model=Page[CatalogueRow], summary="公开事项清单：当前或任一过去时刻，含调整历史与备案状态（C1–C4）")
def catalogue(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "",
              as_of: Annotated[str | None, Query(description=f"the catalogue as it stood then; {INSTANT_HELP}")] = None) -> Any:
    unit = unit_for(rt, request, actor, "catalogue", unit)
    rows = queries.catalogue_pages(rt.services, rt.views, unit, instant(as_of, "as_of"), paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.CATALOGUE, unit, (as_of or "")[:10])


@router.get("/catalogue/unfiled", response_model=Page[UnfiledRow], summary="已调整但尚未备案的公开事项（C4）")
def unfiled(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "") -> Any:
    unit = unit_for(rt, request, actor, "unfiled_adjustments", unit)
    return _answer(request, queries.unfiled_pages(rt.services, unit, paging.cursor), paging, sheets.UNFILED, unit)


@router.get("/deadlines", response_model=Page[DeadlineRow],
            summary="期限（D3、D9、D11、A1–A5、M1、P4、N2、E4）：到期日、是否临时、剩余工作日或小时、是否逾期；按到期日排序")
def deadlines(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "", rule_id: RuleId = "",
              overdue: Annotated[bool, Query(description="only those closed late or open past their due date")] = False) -> Any:
    unit = unit_for(rt, request, actor, "deadlines", unit)
    rows = queries.deadline_pages(rt.services, rt.views, unit, rule(rule_id), overdue, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.DEADLINES, unit, rule_id)


@router.get("/violations", response_model=Page[ViolationRow],
            summary="违规情况：事件记录的违规、逾期未完成的期限、规则要求而缺失的（C4、D8、D10、A6、E2、H4/H5、Q4、M2、O1）")
def violations(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, year: AnyYear = None, rule_id: RuleId = "",
               unit: Annotated[str, Query(max_length=200, description="a unit (公开主体) or the start of its name (资阳市: "
                                          "every unit of the city); own-unit readers: their own only")] = "") -> Any:
    unit = unit_for(rt, request, actor, "violations", unit)
    any_unit_reader = permitted(rt, request, actor, "violations") is Scope.ANY_UNIT  # an own-unit reader: no prefix
    rows = queries.violation_pages(rt.services, rt.views, unit, year, rule(rule_id), paging.cursor, paging.at_least,
                                   any_unit_reader)
    return _answer(request, rows, paging, sheets.VIOLATIONS, unit, str(year or ""), rule_id)


TimeAxis = Annotated[str, Query(description="business: order and bound by business time; recorded: by the time the ledger "
                                          "recorded the event")]


@router.get("/timeline", response_model=Page[TimelineRow],
            summary="审计时间线：某记录、单位或人员在两时刻间的全部事件，按业务时间或记录时间排序")
def timeline(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "",
             aggregate_id: Annotated[UUID | None, Query(description="one record's events, and events of others about it")] = None,
             actor_id: Annotated[str, Query(max_length=128, description="one person's acts")] = "",
             start: Annotated[str | None, Query(alias="from", description=f"from, on the time `by` names; {INSTANT_HELP}")] = None,
             end: Annotated[str | None, Query(alias="to", description=f"to (inclusive); {INSTANT_HELP}")] = None,
             by: TimeAxis = "business") -> Any:
    unit = unit_for(rt, request, actor, "timeline", unit)
    by = one_of(by, ["business", "recorded"], "by", "时间轴")
    if aggregate_id:
        record_for(rt, request, actor, "timeline", aggregate_id, paging.at_least)
    rows = queries.timeline_pages(rt.services, rt.views, str(aggregate_id or ""), unit, actor_id, instant(start, "from"),
                                  instant(end, "to"), paging.cursor, paging.at_least, by)
    return _answer(request, rows, paging, sheets.TIMELINE, unit, actor_id)


RecordId = Annotated[UUID, Path(description="the record's id, as lists and the timeline give it")]


def replayed(record_id: UUID, as_of: datetime, replay: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A record replayed; no such record, or none yet at the instant, refused in Chinese (the console's too)."""
    try:
        return replay()
    except queries.RecordUnknown:
        raise NotFound("记录", "record", record_id) from None
    except queries.RecordNotYet:
        raise DomainError("NOT_FOUND", f"记录 {record_id} 在 {as_of.isoformat()} 时尚不存在（它最早的事件晚于该时刻）。",
                          f"record {record_id} has no event at or before {as_of.isoformat()}") from None


@router.get("/records/{record_id}", response_model=RecordState,
            summary="某记录在某一时刻的状态，由其事件重放：按业务时间（as_of）、按台账记录时间（as_recorded），或两者同时")
def record_as_of(request: Request, actor: SignedIn, rt: RuntimeDep, record_id: RecordId, reading: Annotated[Fresh, Query()],
                 as_of: Annotated[str | None, Query(description=f"business time; default: now; {INSTANT_HELP}")] = None,
                 as_recorded: Annotated[str | None, Query(description=f"what the ledger had recorded by then; {INSTANT_HELP}")]
                 = None) -> Any:
    record_for(rt, request, actor, "record_as_of", record_id, reading.at_least)
    business, recorded = instant(as_of, "as_of"), instant(as_recorded, "as_recorded")
    if business is None and recorded is None:
        business = datetime.now(CST)
    moment = min(m for m in (business, recorded) if m is not None)
    return replayed(record_id, moment, lambda: queries.replay(rt.services, rt.views, record_id, business, recorded,
                                                               reading.at_least))


@router.get("/records/{record_id}/changes", response_model=RecordChanges,
            summary="某记录在两时刻（业务时间）之间的变化：两时刻的状态、改变的字段、其间的事件")
def record_changes(request: Request, actor: SignedIn, rt: RuntimeDep, record_id: RecordId, reading: Annotated[Fresh, Query()],
                   start: Annotated[str, Query(alias="from", description=INSTANT_HELP, max_length=64)],
                   end: Annotated[str | None, Query(alias="to", description=f"default: now; {INSTANT_HELP}")] = None) -> Any:
    record_for(rt, request, actor, "record_as_of", record_id, reading.at_least)
    since, until = instant(start, "from"), instant(end, "to") or datetime.now(CST)
    if since is None:
        raise DomainError("INVALID_ARGUMENTS", "请给出起始时刻（from）。", "from is empty")
    changes = replayed(record_id, until, lambda: queries.record_changes(rt.services, rt.views, record_id, since, until,
                                                                          reading.at_least))
    return {"record_id": str(record_id), **changes}


@router.get("/assessment", response_model=Page[AssessmentRow],
            summary="考核：事件所示指标与考核评分、等次（E1–E4）并列，按期间内名次排序")
def assessment(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, year: Year, unit: Unit = "",
               quarterly: Annotated[bool, Query(description="by quarter")] = False) -> Any:
    unit = unit_for(rt, request, actor, "assessment", unit)
    rows = queries.assessment_pages(rt.services, rt.views, year, unit, quarterly, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.ASSESSMENT, unit, str(year))


@router.get("/annual-report", response_model=AnnualReport,
            summary="政府信息公开年度报告的申请情况表（国办公开办函〔2021〕30号格式）及 一+二=三（七）+四 的校验（A6）")
def annual_report(request: Request, actor: SignedIn, rt: RuntimeDep, reading: Annotated[Reading, Query()], year: Year,
                  unit: Unit = "") -> Any:
    unit = unit_for(rt, request, actor, "annual_report", unit)
    if not unit:
        raise DomainError("INVALID_ARGUMENTS", "请给出单位（unit）：年度报告按单位编制。", "the annual report needs a unit")
    report = queries.annual_report(rt.services, rt.views, unit, year, reading.at_least)
    if spreadsheet.wanted(request, reading.format):
        return spreadsheet.response(sheets.ANNUAL_REPORT, report["rows"], unit, str(year))
    return report


@router.get("/participation", response_model=Page[ParticipationRow],
            summary="公众参与与告示：听证、重大行政决策预公开、列席会议、政务开放日、告示及其问题（H3–H5、O1、M1、P4、N1）")
def participation(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "", year: AnyYear = None,
                  process: Annotated[str, Query(description=" | ".join(PROCESSES.values()))] = "",
                  flagged: Annotated[bool, Query(description="only those with a problem")] = False) -> Any:
    unit = unit_for(rt, request, actor, "participation", unit)
    process = one_of(process, PROCESSES.values(), "process", "类别")
    rows = queries.participation_pages(rt.services, rt.views, unit, year, process, flagged, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.PARTICIPATION, unit, str(year or ""), process)


@router.get("/participation/counts", response_model=Page[ParticipationCountRow],
            summary="年度次数：邀请列席全体会议、常务会议（M2，每年不少于 3 次），政务开放日（O1，每半年至少 1 次）")
def participation_counts(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, year: Year, unit: Unit = "") -> Any:
    unit = unit_for(rt, request, actor, "participation_counts", unit)
    rows = queries.participation_count_pages(rt.services, rt.views, year, unit, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.PARTICIPATION_COUNTS, unit, str(year))


@router.get("/complaints", response_model=Page[ComplaintRow],
            summary="投诉（Q1–Q4）：投诉人信息在列表中一律保密，无论谁查阅；按登记时间排序")
def complaints(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages,
               unit: Annotated[str, Query(max_length=200, description="the unit complained about")] = "") -> Any:
    unit = unit_for(rt, request, actor, "complaints", unit)
    return _answer(request, queries.complaint_pages(rt.services, rt.views, unit, paging.cursor, paging.at_least), paging,
                   sheets.COMPLAINTS, unit)


@router.get("/requests", response_model=Page[RequestRow], summary="政府信息公开申请：收到日期、答复期限、办理结果（A1–A6）；申请人保密")
def requests(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "",
             year: Annotated[int | None, Query(ge=1949, le=2100, description="received that year")] = None,
             concluded: Annotated[bool | None, Query(description="true: concluded only; false: still open")] = None) -> Any:
    unit = unit_for(rt, request, actor, "requests", unit)
    rows = queries.request_pages(rt.services, rt.views, unit, year, concluded, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.REQUESTS, unit, str(year or ""))


@router.get("/privacy/subjects", response_model=Page[DataSubjectRow],
            summary="个人信息清单：每个数据主体的个人信息在哪些记录的哪些字段中、是否已删除（只列编号，不含个人信息）")
def data_subjects(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages,
                  kind: Annotated[str, Query(description=" | ".join(k.value for k in SubjectKind))] = "",
                  record_id: Annotated[UUID | None, Query(description="only subjects with data in this record")] = None) -> Any:
    any_unit(rt, request, actor, "data_subjects")
    kind = one_of(kind, [k.value for k in SubjectKind], "kind", "数据主体类别")
    rows = queries.data_subject_pages(rt.services, kind, str(record_id or ""), paging.cursor)
    return _answer(request, rows, paging, sheets.DATA_SUBJECTS, kind)


@router.get("/privacy/erasures", response_model=Page[ErasureRow], summary="已删除个人信息的数据主体：谁、何时、依何法定事由删除")
def erasures(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages,
             unit: Annotated[str, Query(max_length=200, description="erased by someone of this unit")] = "") -> Any:
    unit = unit_for(rt, request, actor, "erasures", unit)
    return _answer(request, queries.erasure_pages(rt.services, unit, paging.cursor), paging, sheets.ERASURES, unit)


@router.get("/archive/search", response_model=Page[ArchiveRow],
            summary="档案检索：按文号（精确或部分）、题名、责任者、年度、保管期限、密级、法律保全及原件正文中的词句；按相关度、再按存档先后排序")
def archive_search(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages, unit: Unit = "", year: AnyYear = None,
                   retention: Annotated[str, Query(description="Y | D30 | D10")] = "",
                   doc_number: Annotated[str, Query(max_length=200, description="文号，全部或一部分")] = "",
                   title_contains: Annotated[str, Query(max_length=200, description="题名中的词句")] = "",
                   words: Annotated[str, Query(max_length=200, description="题名或原件正文中的词句（中文按字串匹配）")] = "",
                   classification: Annotated[str, Query(max_length=8, description="密级")] = "",
                   legal_hold: Annotated[bool | None, Query(description="true: 仅法律保全中的；false: 仅未保全的")] = None,
                   doc_type: Annotated[str, Query(max_length=64, description="文种")] = "") -> Any:
    unit = unit_for(rt, request, actor, "archive_search", unit)
    retention = one_of(retention, [r.value for r in RetentionClass], "retention", "保管期限")
    classification = one_of(classification, [c.value for c in Classification], "classification", "密级")
    query = queries.ArchiveQuery(unit=unit, year=year, retention=retention, classification=classification, doc_type=doc_type,
                         doc_number=doc_number, title=title_contains, words=words, legal_hold=legal_hold)
    rows = queries.archive_pages(rt.services, rt.views, query, paging.cursor, paging.at_least)
    return _answer(request, rows, paging, sheets.ARCHIVE, unit, str(year or ""))


@router.get("/projections", response_model=Page[ProjectionRow], summary="视图状态：每个视图的位置及落后于台账的事件数")
def projection_status(request: Request, actor: SignedIn, rt: RuntimeDep, paging: Pages) -> Any:
    permitted(rt, request, actor, "projection_status")
    return _answer(request, queries.projection_status_pages(rt.services, rt.views, paging.cursor), paging, sheets.PROJECTIONS)

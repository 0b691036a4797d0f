"""The query routes of `zwgk serve`, a real process on SQLite and on PostgreSQL, over the demo district's
year: each answers the rows its CLI query gives, a page at a time, fresh after one's own write, as JSON or
as a spreadsheet, and only to readers allowed them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx
import pytest
from pydantic import BaseModel

from tests.api import ZwgkServer, token_for
from zwgk.connectors import queries
from zwgk.connectors.api import rows as models
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.demo import archive_originals, sections
from zwgk.connectors.wiring import services, views
from zwgk.domain.errors import DomainError
from zwgk.domain.requests import InformationRequest

ZIYANG, DAZHOU = "资阳市人民政府办公室", "达州市人民政府办公室"
DRAFT = {"title": "关于2023年政务公开工作要点的通知", "attribute": "proactive", "doc_number": "资府办发〔2023〕1号"}


@dataclass
class District:
    settings: Settings
    server: ZwgkServer
    inspector: str
    officer: str  # of ZIYANG

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        return self.server.client(token or self.inspector, **headers)

    def draft(self, *titles: str) -> None:
        """Acts drafted in this process, as another server or the CLI would record them."""
        with services(self.settings) as s:
            for title in titles:
                execute(s, {"command": "draft_disclosure", "actor": {"id": "zy-officer", "role": "officer", "unit": ZIYANG},
                            "args": {**DRAFT, "title": title}})

    def local(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        """The application query the CLI calls, in this process."""
        with services(self.settings) as s, views(self.settings, s) as runner:
            return query(s, runner, *args, **kwargs)


@pytest.fixture
def district(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[District]:
    """The demo's records, its originals archived and a complainant erased, served by `zwgk serve` (cwd: tmp_path)."""
    keys = settings.database_url if settings.database_url.startswith("postgresql") else f"sqlite:///{tmp_path}/keys.sqlite3"
    settings = replace(settings, keystore_url=keys)
    monkeypatch.chdir(tmp_path)  # the local archive store is var/archive/ under the working directory, the server's too
    with services(settings) as s:
        for n, (_, steps) in enumerate(sections()):
            for step in steps:
                try:
                    execute(s, step.envelope)
                except DomainError as error:
                    assert error.code == step.refused_with
            if n == 0:  # the seed documents' originals, archived on their publication day (D8), as the demo does
                archive_originals(s.archivist())
        complainant = next(h.subject_id for h in s.ledger.personal_data() if h.kind == "complainant")
        execute(s, {"command": "erase_personal_data", "actor": {"id": "office-1", "role": "complaints_office", "unit": "县投诉中心"},
                    "args": {"subject_id": complainant, "basis": "consent_withdrawn"}})
    server = ZwgkServer.start(settings, tmp_path)
    try:
        yield District(settings, server, token_for(settings, "inspector-1", "inspector", "县纪委监委"),
                       token_for(settings, "zy-officer", "officer", ZIYANG))
    finally:
        server.stop()


def _json(model: type[BaseModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the route's model sends them (JSON the views store as text, as JSON)."""
    return [model.model_validate(row).model_dump(mode="json") for row in rows]


def _every(http: httpx.Client, path: str, limit: int = 1000, **params: Any) -> list[dict[str, Any]]:
    """Every row of a list, page after page."""
    items, cursor = [], ""
    while True:
        answer = http.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return items
        assert len(answer.json()["items"]) == limit


def _unordered(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)


def _problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    return answer.json()


def test_each_route_answers_the_rows_of_the_cli_query(district):
    d = district
    with d.client() as http:
        assert _every(http, "/api/v1/register") == _json(models.RegisterRow, d.local(queries.register))
        assert _every(http, "/api/v1/deadlines") == _json(models.DeadlineRow, d.local(queries.deadlines))
        assert _every(http, "/api/v1/deadlines", rule="D3", overdue=True, unit=DAZHOU) == _json(
            models.DeadlineRow, d.local(queries.deadlines, DAZHOU, "D3", True))
        assert _every(http, "/api/v1/timeline", unit=ZIYANG) == _json(models.TimelineRow, d.local(queries.timeline, unit=ZIYANG))
        assert _every(http, "/api/v1/participation") == _json(models.ParticipationRow, d.local(queries.participation))
        assert _every(http, "/api/v1/assessment", year=2022) == _json(models.AssessmentRow, d.local(queries.assessment, 2022))
        for path, params, model, rows in [
            ("/api/v1/catalogue", {}, models.CatalogueRow, d.local(queries.catalogue_items)),
            ("/api/v1/catalogue/unfiled", {}, models.UnfiledRow, d.local(lambda s, _: queries.unfiled_adjustments(s))),
            ("/api/v1/violations", {}, models.ViolationRow, d.local(queries.violations)),
            ("/api/v1/participation/counts", {"year": 2022}, models.ParticipationCountRow, d.local(queries.participation_counts, 2022)),
            ("/api/v1/privacy/subjects", {}, models.DataSubjectRow, d.local(lambda s, _: queries.data_subjects(s))),
            ("/api/v1/privacy/erasures", {}, models.ErasureRow, d.local(lambda s, _: queries.erasures(s))),
            ("/api/v1/archive/search", {}, models.ArchiveRow, d.local(queries.archive_search)),
            ("/api/v1/archive/search", {"words": "政务公开", "year": 2020, "legal_hold": False}, models.ArchiveRow,
             d.local(lambda s, r: list(queries.archive_pages(s, r, queries.ArchiveQuery(words="政务公开", year=2020, legal_hold=False))))),
        ]:
            assert rows, path
            assert _unordered(_every(http, path, **params)) == _unordered(_json(model, rows)), path
        past = _every(http, "/api/v1/catalogue", as_of="2022-01-14T00:00+08:00")
        assert _unordered(past) == _unordered(_json(models.CatalogueRow, d.local(queries.catalogue_items, as_of=datetime.fromisoformat(
            "2022-01-14T00:00+08:00"))))
        report = http.get("/api/v1/annual-report", params={"unit": "资阳市雁江区人民政府办公室", "year": 2022}).json()
        assert report == d.local(queries.annual_report, "资阳市雁江区人民政府办公室", 2022)
        with services(d.settings) as s:
            received = len(list(s.ledger.ids_of(InformationRequest.Received)))
        assert len(_every(http, "/api/v1/requests")) == received
        assert {v["view"] for v in _every(http, "/api/v1/projections")} >= {"register", "deadlines", "timeline"}


def test_timeline_rows_link_to_records_replayed_as_of_an_instant_and_between_two(district):
    d = district
    with d.client() as http:
        events = _every(http, "/api/v1/timeline", unit=DAZHOU)
        act = next(e for e in events if e["event_type"] == "DisclosureAct.Published")
        instant = act["occurred_at"]
        state = http.get(act["record_href"], params={"as_of": instant})
        assert state.status_code == 200, state.text
        expected = d.local(queries.record_as_of, UUID(act["aggregate_id"]), datetime.fromisoformat(instant.replace("Z", "+00:00")))
        assert state.json()["type"] == expected["type"] == "DisclosureAct"
        assert state.json()["version"] == act["version"] and state.json()["state"]["title"] == expected["title"]
        assert http.get(state.json()["timeline_href"]).json()["items"][0]["aggregate_id"] == act["aggregate_id"]
        drafted = next(e["occurred_at"] for e in events if e["aggregate_id"] == act["aggregate_id"] and e["version"] == 1)
        changes = http.get(f"{act['record_href']}/changes", params={"from": drafted, "to": instant}).json()
        assert changes["before"]["version"] == 1 and changes["after"]["version"] == act["version"]
        assert changes["changed"]["publications"]["before"] == {} and changes["changed"]["publications"]["after"]
        assert [e["version"] for e in changes["events"]] == list(range(2, act["version"] + 1))
        _problem(http.get(act["record_href"], params={"as_of": "1990-01-01"}), 404, "NOT_FOUND")
        _problem(http.get("/api/v1/records/00000000-0000-0000-0000-000000000001"), 404, "NOT_FOUND")


def test_d3_violations_by_the_start_of_a_unit_name_for_inspectors_and_the_whole_name_only_for_a_unit(district):
    """`unit=资阳市人民政府` gives an inspector every unit whose name starts so (the office, the press office …);
    an officer of a unit of that very name reads only their own unit's rows, never its namesakes'."""
    d = district
    with d.client() as http:
        city = _every(http, "/api/v1/violations", unit="资阳市人民政府")
        assert {v["unit"] for v in city} >= {ZIYANG, "资阳市人民政府新闻办公室"}
        d3 = next(v for v in city if v["rule"] == "D3")
        assert d3["detail"] == "逾期公开：应于2020-07-15前公开，实际2020-07-20公开，逾期3个工作日（D3）" and d3["record_id"]
    namesake = token_for(d.settings, "zy-gov-officer", "officer", "资阳市人民政府")
    with d.client(namesake) as http:
        assert _every(http, "/api/v1/violations") == []
    with d.client(d.officer) as http:
        assert {v["unit"] for v in _every(http, "/api/v1/violations")} == {ZIYANG}


def test_bitemporal_record_and_timeline_by_recording_time_answer_as_the_cli_does(district):
    """`?as_recorded=` beside `?as_of=`, and the timeline along recording time: the documents of `zwgk audit replay
    --format json` and `audit timeline --by recorded`, objects and ISO 8601 throughout."""
    d = district
    with d.client() as http:
        recorded = _every(http, "/api/v1/timeline", unit=DAZHOU, by="recorded")
        assert recorded == _json(models.TimelineRow, d.local(queries.timeline, unit=DAZHOU, by="recorded"))
        assert _every(http, "/api/v1/timeline", limit=7, unit=DAZHOU, by="recorded") == recorded  # its own cursors
        assert [e["recorded_at"] for e in recorded] == sorted(e["recorded_at"] for e in recorded)
        assert all(isinstance(e["rule_outcomes"], dict) for e in recorded)
        act = recorded[0]
        then = act["recorded_at"]
        answer = http.get(act["record_href"], params={"as_recorded": then})
        assert answer.status_code == 200, answer.text
        expected = d.local(queries.replay, UUID(act["aggregate_id"]), None, datetime.fromisoformat(then.replace("Z", "+00:00")))
        assert {k: v for k, v in answer.json().items() if k != "timeline_href"} == expected
        assert answer.json()["version"] == act["version"] and answer.json()["as_of"] is None
        _problem(http.get(act["record_href"], params={"as_recorded": "2000-01-01"}), 404, "NOT_FOUND")
        _problem(http.get("/api/v1/timeline", params={"unit": DAZHOU, "by": "published"}), 422, "INVALID_ARGUMENTS")


def test_pages_walk_every_row_exactly_once_even_as_rows_are_added(district):
    d = district
    d.draft(*(f"第 {n} 号通知" for n in range(120)))
    before = {row["act_id"] for row in d.local(queries.register)}
    with d.client() as http:
        walked, cursor, added = [], None, 0
        while True:
            page = http.get("/api/v1/register", params={"limit": 17, **({"cursor": cursor} if cursor else {})}).json()
            walked += [row["act_id"] for row in page["items"]]
            if added < 3:  # written between two pages: seen once or not at all, and nothing else repeated or lost
                d.draft(f"翻页时新增 {added}")
                added += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(walked) == len(set(walked)) and before <= set(walked) and len(before) > 120
        assert set(walked) <= {row["act_id"] for row in d.local(queries.register)}
        for path, params in [("/api/v1/deadlines", {}), ("/api/v1/timeline", {}), ("/api/v1/violations", {}),
                             ("/api/v1/catalogue", {}), ("/api/v1/privacy/subjects", {})]:
            small, whole = _every(http, path, limit=4, **params), _every(http, path, **params)
            assert small == whole and len(whole) > 4, path
        deadlines = http.get("/api/v1/deadlines", params={"limit": 2}).json()
        _problem(http.get("/api/v1/register", params={"cursor": deadlines["next_cursor"]}), 422, "INVALID_CURSOR")
        _problem(http.get("/api/v1/register", params={"cursor": "not-a-cursor"}), 422, "INVALID_CURSOR")
        _problem(http.get("/api/v1/register", params={"limit": 1001}), 422, "INVALID_ARGUMENTS")


def test_a_reader_passing_the_position_of_their_write_reads_it(district):
    d = district
    with d.client(d.officer) as http:
        written = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
        assert written.status_code == 201, written.text
        position = int(written.headers["Zwgk-Position"])
        rows = _every(http, "/api/v1/register", at_least=position)
        assert written.json()["aggregate_id"] in {r["act_id"] for r in rows}
        events = http.get("/api/v1/timeline", params={"aggregate_id": written.json()["aggregate_id"], "at_least": position}).json()
        assert [e["position"] for e in events["items"]] == [position]
        unrecorded = _problem(http.get("/api/v1/register", params={"at_least": position + 1000}), 422, "POSITION_NOT_RECORDED")
        assert str(position + 1000) in unrecorded["detail"]


def test_a_spreadsheet_starts_with_the_bom_and_chinese_headers_and_quotes_formulas(district):
    d = district
    d.draft("=HYPERLINK(\"http://example.com\")")
    with d.client() as http:
        answer = http.get("/api/v1/register", params={"format": "csv"})
        by_accept = http.get("/api/v1/register", headers={"Accept": "text/csv"})
        as_json = _every(http, "/api/v1/register")
        report = http.get("/api/v1/annual-report", params={"unit": "资阳市雁江区人民政府办公室", "year": 2022, "format": "csv"})
        limited = http.get("/api/v1/deadlines", params={"format": "csv", "limit": 2})
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf") and by_accept.content[3:] == answer.content[3:]
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="register.csv"; ') and f"filename*=UTF-8''{quote('公开登记簿-')}" in disposition
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["单位", "文号", "题名", "属性"] and table[0][-1] == "记录编号"
    assert [row[-1] for row in table[1:]] == [r["act_id"] for r in as_json]
    assert "'=HYPERLINK(\"http://example.com\")" in [row[2] for row in table]
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["行", "项目", "自然人"] and lines[1][:2] == ["1", "一、本年新收政府信息公开申请数量"]
    assert len(list(csv.reader(io.StringIO(limited.content.decode("utf-8-sig"))))) == 3


def test_an_officer_reads_their_own_unit_only_and_is_refused_another_units(district):
    d = district
    with d.client(d.officer) as http:
        own = _every(http, "/api/v1/deadlines")
        assert own and {r["unit"] for r in own} == {ZIYANG}
        assert {r["unit"] for r in _every(http, "/api/v1/register")} == {ZIYANG}
        refused = _problem(http.get("/api/v1/deadlines", params={"unit": DAZHOU}), 403, "NOT_RESPONSIBLE_UNIT")
        assert ZIYANG in refused["detail"]
        _problem(http.get("/api/v1/register", params={"unit": DAZHOU}), 403, "NOT_RESPONSIBLE_UNIT")
    with services(d.settings) as s:
        assert [e.user_id for e in s.security_log.entries(kind="access_refused")] == ["zy-officer", "zy-officer"]


def test_complaints_are_listed_with_the_complainant_sealed_whoever_reads_and_integrators_are_refused(district):
    d = district
    office = token_for(d.settings, "office-2", "complaints_office", "县投诉中心")
    integrator = token_for(d.settings, "bridge", "integrator", "县大数据中心")
    cli = d.local(queries.complaints)
    for token in (d.inspector, office):
        with d.client(token) as http:
            listed = _every(http, "/api/v1/complaints")
        assert [c["complaint_id"] for c in listed] == [c["complaint_id"] for c in cli]
        assert all(c["complainant_sealed"] and c["complainant_name"] is None and c["complainant_contact"] is None
                   and c["account"] is None for c in listed)
        sealed = {"complainant_name", "complainant_contact", "account", "complainant_sealed"}
        assert [{k: v for k, v in c.items() if k not in sealed} for c in listed] == [
            {k: v for k, v in c.items() if k not in sealed} for c in _json(models.ComplaintRow, [
                {**c, "complainant_name": None, "complainant_contact": None, "account": None, "complainant_sealed": True} for c in cli])]
    with d.client(integrator) as http:
        _problem(http.get("/api/v1/complaints"), 403, "ROLE_NOT_PERMITTED")
        _problem(http.get("/api/v1/deadlines"), 403, "ROLE_NOT_PERMITTED")
        assert http.get("/api/v1/register").status_code == 200


def test_bad_filters_are_refused_in_chinese(district):
    with district.client() as http:
        rule = _problem(http.get("/api/v1/deadlines", params={"rule": "Z9"}), 422, "UNKNOWN_RULE")
        assert "未知规则编号" in rule["detail"]
        instant = _problem(http.get("/api/v1/catalogue", params={"as_of": "2022-13-45"}), 422, "INVALID_ARGUMENTS")
        assert "不是有效的时刻" in instant["detail"]
        assert "未知类别" in _problem(http.get("/api/v1/participation", params={"process": "party"}), 422, "INVALID_ARGUMENTS")["detail"]
        _problem(http.get("/api/v1/annual-report", params={"year": 2022}), 422, "INVALID_ARGUMENTS")
        with district.server.client() as anonymous:
            _problem(anonymous.get("/api/v1/register"), 401, "UNAUTHENTICATED")


def test_the_openapi_document_describes_the_rows(district):
    with district.client() as http:
        document = http.get("/openapi.json").json()
    register = document["paths"]["/api/v1/register"]["get"]
    assert {"limit", "cursor", "at_least", "format", "unit"} <= {p["name"] for p in register["parameters"]}
    assert "text/csv" in register["responses"]["200"]["content"]
    row = document["components"]["schemas"]["RegisterRow"]["properties"]
    assert row["attribute"]["description"].startswith("公开属性") and row["signatures"]["type"] == "object"
    assert document["components"]["schemas"]["ComplaintRow"]["properties"]["complainant_sealed"]["description"]

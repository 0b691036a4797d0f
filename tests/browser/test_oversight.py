"""The leading-group office's pages in a real browser: the catalogue with the adjustment left unfiled
(C4), the 2022 assessment, and a unit's annual report table (A6) downloaded as CSV. An archivist is not
offered them; an officer reads only their own unit's annual report."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.harness import Console, Visitor
from tests.integration.test_ledger import run_scenario
from zwgk.connectors.demo import CATALOGUE
from zwgk.connectors.wiring import services

YANJIANG = "资阳市雁江区人民政府办公室"


def test_the_leading_group_office_sees_the_unfiled_adjustment_the_assessment_and_an_annual_report_C4_E3_A6(
        console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("lg-office", "leading_group_office", "市政务公开领导小组办公室"))
    assert {"公开事项清单", "考核", "年度报告"} <= set(visitor.nav())
    visitor.goto("/catalogue", "catalogue")
    unfiled_unit, unfiled_matter = CATALOGUE[2][0], CATALOGUE[2][1]
    assert visitor.row("尚未备案", unfiled_matter)[0] == unfiled_unit
    expect(page.get_by_role("table", name=re.compile("尚未备案")).get_by_role("row")).to_have_count(2)  # the header and one
    items = page.get_by_role("table", name=re.compile("的公开事项"))
    expect(items.get_by_role("row").filter(has_text=unfiled_matter)).to_have_class("unfiled")

    visitor.goto("/assessment?year=2022", "assessment")
    expect(page.get_by_role("table", name=re.compile("2022 年考核"))).to_contain_text("达州市人民政府办公室")

    visitor.goto("/annual-report", "annual-report-empty")
    page.get_by_label("单位", exact=True).fill(YANJIANG)
    page.get_by_label("年度", exact=True).fill("2022")
    page.get_by_role("button", name="查看").click()
    visitor.checked("annual-report")
    expect(page.get_by_role("status")).to_contain_text("校验通过")
    received = visitor.row("政府信息公开申请情况", "本年新收")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部")).click()
    sheet = download.value.path().read_bytes().decode("utf-8-sig")
    assert "本年新收" in sheet and received[-1] in sheet.splitlines()[2].split(",")


def test_an_archivist_is_not_offered_them_and_an_officer_reads_only_their_units_report(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("da-archivist", "archivist", "市档案馆"))
    assert not {"公开事项清单", "考核", "年度报告"} & set(visitor.nav())
    for path in ("/catalogue", "/assessment", "/annual-report"):
        visitor.goto(path, f"archivist{path.replace('/', '-')}")
        expect(page.get_by_role("alert")).to_contain_text("无权")
    visitor.sign_out()
    page = visitor.sign_in(console.person("yj-officer", "officer", YANJIANG))
    visitor.goto("/annual-report?year=2022", "officer-own-report")
    expect(page.get_by_role("table", name=re.compile(f"{YANJIANG}2022"))).to_be_visible()
    visitor.goto("/annual-report?year=2022&unit=资阳市人民政府办公室", "officer-other-unit-refused")
    expect(page.get_by_role("alert")).to_contain_text("只能查阅本单位")

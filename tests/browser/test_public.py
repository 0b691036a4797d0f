"""The public page, without sign-in: the documents published proactively by unit and year (D1, D3), with
where they were published, downloadable as CSV; and the latest signed checkpoint with how to verify it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.harness import Console, Visitor
from tests.integration.test_ledger import run_scenario
from zwgk.connectors.wiring import services

PUBLISHED = "关于印发雁江区政务公开相关制度的通知"  # 资阳市雁江区人民政府办公室, published 2022-01-14 on the website
OTHER_YEAR = "关于切实做好2009年政务公开工作的通知"


def test_a_citizen_finds_published_documents_by_unit_and_year_and_the_signed_checkpoint_D1(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.goto("/public", "public")
    assert visitor.row("主动公开的政府信息", PUBLISHED) == [
        "2022-01-14", "资阳市雁江区人民政府办公室", "资雁府办发〔2022〕6号", PUBLISHED, "政府网站"]
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)
    expect(page.get_by_label("签名检查点")).to_contain_text("zwgk.local/ledger")

    page.get_by_role("textbox", name="年度").fill("2022")
    page.get_by_role("button", name="查找").click()
    visitor.checked("public-2022")
    expect(page).to_have_url(re.compile(r"year=2022"))
    expect(page.get_by_role("table", name=re.compile("主动公开"))).to_contain_text(PUBLISHED)
    expect(page.get_by_role("table", name=re.compile("主动公开"))).not_to_contain_text(OTHER_YEAR)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部")).click()
    content = download.value.path().read_bytes()
    assert content.startswith("\ufeff发布日期,单位,文号,题名,发布渠道".encode())
    assert PUBLISHED.encode() in content and OTHER_YEAR.encode() not in content

    checkpoint = visitor.context.request.get("/public/checkpoint.txt")
    assert checkpoint.ok and checkpoint.text() in page.get_by_label("签名检查点").inner_text()

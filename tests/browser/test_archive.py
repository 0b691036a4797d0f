"""The archivist's pages in a real browser: a PDF archived from the browser with its metadata, found again
in the archive catalogue, downloaded byte for byte; a hold placed by its form. Roles without the archive's
commands are not offered them, and an officer reads only their own unit's originals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.api import ZwgkServer, isolated
from tests.browser.harness import ON_BOTH_STORES, Console, Visitor
from zwgk.connectors.config import Settings

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(256)) * 40
NUMBER, DOC_NUMBER = "Z001-WS·2026-D30-JYJ-0001", "示教〔2026〕7号"
TITLE = "关于2026年秋季学期招生工作的通知"
UNIT = "示范县教育局"


def _archived(console: Console, visitor: Visitor) -> None:
    page = visitor.sign_in(console.person("da-archivist", "archivist", "县档案馆"))
    assert "档案检索" in visitor.nav() and "存档原件" in visitor.nav()
    page.get_by_role("link", name="存档原件").click()
    visitor.checked("upload-form")
    page.get_by_label("原件文件").set_input_files(files=[{"name": "zhaosheng.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("档号").fill(NUMBER)
    page.get_by_label("题名").fill(TITLE)
    page.get_by_label("责任者").fill(UNIT)
    page.get_by_label("保管期限").select_option("D30")
    page.get_by_label("文号").fill(DOC_NUMBER)
    page.get_by_label("文件日期").fill("2026-08-20")
    page.get_by_role("button", name="存档").click()
    visitor.checked("archived")


@ON_BOTH_STORES
def test_the_archivist_archives_a_pdf_finds_it_and_downloads_the_same_bytes_R1(console: Console, visitor: Visitor):
    _archived(console, visitor)
    page = visitor.page
    expect(page.get_by_role("status")).to_have_text("已存档。")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"档案原件 {NUMBER}")
    expect(page.locator("dl.facts").first).to_contain_text(DOC_NUMBER)

    visitor.goto("/archive", "archive")
    page.get_by_label("文号").fill("〔2026〕7")  # a part of the 文号, as an archivist remembers it
    page.get_by_role("button", name="检索").click()
    visitor.checked("found-by-partial-doc-number")
    found = page.get_by_role("table", name=re.compile("档案原件")).get_by_role("row").filter(has_text=DOC_NUMBER)
    expect(found).to_have_count(1)
    page.get_by_label("文号").fill("")
    page.get_by_label("题名（包含）").fill("秋季学期")
    page.get_by_role("button", name="检索").click()
    visitor.checked("found-by-title")
    found.get_by_role("link", name="查看").click()
    visitor.checked("original")
    expect(page.get_by_role("link", name="时间线")).to_have_count(0)  # timelines are the inspector's and the unit's
    with page.expect_download() as download:
        page.get_by_role("link", name="下载原件").click()
    assert download.value.path().read_bytes() == PDF

    visitor.sent(page.get_by_role("link", name="实施法律保全"), "hold-form", {"理由": "行政复议"}, "提交", "held")
    expect(page.get_by_role("status")).to_have_text("已实施法律保全。")
    expect(page.get_by_role("link", name="解除法律保全")).to_be_visible()


def test_a_refused_upload_keeps_what_was_typed_and_stores_nothing_R1(console: Console, visitor: Visitor):
    page = visitor.sign_in(console.person("da-archivist", "archivist", "县档案馆"), "/archive/upload")
    page.get_by_label("原件文件").set_input_files(files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("档号").fill("不是档号")
    page.get_by_label("题名").fill(TITLE)
    page.get_by_label("责任者").fill(UNIT)
    page.get_by_role("button", name="存档").click()
    visitor.checked("refused")
    expect(page.get_by_role("alert")).to_contain_text("档号")
    expect(page.get_by_label("题名")).to_have_value(TITLE)
    visitor.goto("/archive", "nothing-archived")
    expect(page.get_by_role("table", name=re.compile("档案原件"))).to_contain_text("暂无记录")


def test_an_inspector_may_not_archive_and_an_officer_reads_only_their_units_originals(console: Console, visitor: Visitor):
    _archived(console, visitor)
    visitor.sign_out()
    page = visitor.sign_in(console.person("jw-inspector", "inspector", "县纪委监委"))
    assert "存档原件" not in visitor.nav()
    visitor.goto("/archive/upload", "inspector-upload-refused")
    expect(page.get_by_role("alert")).to_contain_text("无权")
    visitor.goto(f"/archive/originals/{NUMBER}", "inspector-original")
    expect(page.get_by_role("link", name="实施法律保全")).to_have_count(0)
    page.get_by_role("link", name="时间线").click()
    visitor.checked("inspector-original-timeline")
    expect(page.get_by_role("table", name=re.compile("全部事件"))).to_contain_text("ArchivedOriginal.Archived")
    visitor.sign_out()
    page = visitor.sign_in(console.person("wj-officer", "officer", "示范县卫生健康局"))
    visitor.goto(f"/archive/originals/{NUMBER}", "other-units-original-refused")
    expect(page.get_by_role("alert")).to_contain_text("只能查阅本单位的档案")


@pytest.fixture
def small_uploads(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Console]:
    """A console whose uploads may be 4 KiB at most."""
    settings = isolated(sqlite_settings, tmp_path, max_upload_bytes=4096)
    server = ZwgkServer.start(settings, tmp_path, extra_env={"ZWGK_MAX_UPLOAD_BYTES": "4096"})
    yield Console(settings, server)
    server.stop()


def test_an_original_over_the_upload_limit_is_refused_and_nothing_archived(small_uploads: Console, chromium: Browser, axe: str):
    visitor = Visitor(chromium, axe, small_uploads.server.url, "upload-over-the-limit")
    try:
        page = visitor.sign_in(small_uploads.person("da-archivist", "archivist", "县档案馆"), "/archive/upload")
        page.get_by_label("原件文件").set_input_files(files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        page.get_by_label("档号").fill(NUMBER)
        page.get_by_label("题名").fill(TITLE)
        page.get_by_label("责任者").fill(UNIT)
        page.get_by_role("button", name="存档").click()
        visitor.checked("too-large")
        expect(page.get_by_role("alert")).to_contain_text("超过上限（4096 字节）")
        visitor.goto("/archive", "nothing-archived")
        expect(page.get_by_role("table", name=re.compile("档案原件"))).to_contain_text("暂无记录")
    finally:
        visitor.close()

"""The archivist's long operations in a real browser: a fixity check of the whole archive and a BagIt export
started from the console, followed on their job page (a progress bar, the page reloading itself until the job
ends) and the package downloaded; every check then in the original's fixity history; the four-property report
and its CSV. A job is its starter's alone."""

from __future__ import annotations

import codecs
import io
import re
import tarfile

from playwright.sync_api import expect

from tests.browser.harness import ON_BOTH_STORES, Console, Visitor
from tests.browser.test_archive import DOC_NUMBER, NUMBER, PDF, _archived

FINISHED = 30_000  # ms: a job of one small original ends within a few reloads


def _job_finished(visitor: Visitor, what: str) -> None:
    page = visitor.page
    expect(page.get_by_role("status")).to_contain_text("已完成", timeout=FINISHED)
    visitor.checked(what)
    progress = page.get_by_role("progressbar", name="进度")
    expect(progress).to_have_attribute("value", "1")
    expect(progress).to_have_attribute("max", "1")
    expect(progress).to_have_text("1/1")  # the one original, counted as the job reported it
    expect(page.get_by_role("link", name="停止自动刷新")).to_have_count(0)


@ON_BOTH_STORES
def test_the_archivist_checks_the_whole_archive_and_exports_it_with_progress_R2(console: Console, visitor: Visitor):
    _archived(console, visitor)
    page = visitor.page
    page.get_by_role("link", name="核验与导出").click()
    visitor.checked("operations")
    page.get_by_role("button", name="核验全部原件").click()
    visitor.checked("fixity-job")
    expect(page).to_have_url(re.compile(r"/archive/jobs/[A-Za-z0-9_-]{22}$"))
    _job_finished(visitor, "fixity-finished")
    expect(page.get_by_role("status")).to_contain_text("共核验 1 件：完好 1 件")
    fixity_job = page.url

    visitor.goto(f"/archive/originals/{NUMBER}", "original-with-fixity-history")
    history = page.get_by_role("table", name=re.compile("固定性核验记录"))
    expect(history.get_by_role("row")).to_have_count(2)
    expect(history).to_contain_text("完好")
    expect(history).to_contain_text("SHA-256 与 SM3 均与存档时相符")
    expect(history).to_contain_text("da-archivist")
    expect(history).to_contain_text("档案员")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部（CSV")).click()
    sheet = download.value.path().read_bytes()
    assert sheet.startswith(codecs.BOM_UTF8) and "完好" in sheet.decode("utf-8-sig")

    visitor.goto("/archive/operations", "operations-again")
    page.get_by_label("打包格式").select_option("tar")
    page.get_by_role("button", name="导出移交包").click()
    visitor.checked("export-job")
    _job_finished(visitor, "export-finished")
    expect(page.get_by_role("status")).to_contain_text("含原件 1 件")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载移交包").click()
    assert re.fullmatch(r"zwgk-export-[0-9TZ]+\.tar", download.value.suggested_filename)
    with tarfile.open(fileobj=io.BytesIO(download.value.path().read_bytes())) as bag:
        names = bag.getnames()
        original = next(n for n in names if n.endswith(f"{NUMBER}/original.pdf"))
        assert bag.extractfile(original).read() == PDF
        assert any(n.endswith("/bagit.txt") for n in names)

    visitor.sign_out()
    visitor.sign_in(console.person("da-archivist-2", "archivist", "县档案馆"))
    visitor.goto(fixity_job, "another-persons-job")
    expect(page.get_by_role("alert")).to_contain_text("没有这项任务")


def test_an_export_of_an_empty_archive_fails_and_says_why(console: Console, visitor: Visitor):
    page = visitor.sign_in(console.person("da-archivist", "archivist", "县档案馆"), "/archive/operations")
    page.get_by_role("button", name="导出移交包").click()
    expect(page.get_by_role("status")).to_contain_text("失败", timeout=FINISHED)
    visitor.checked("export-failed")
    expect(page.get_by_role("status")).to_contain_text("没有符合条件的档案原件")
    expect(page.get_by_role("link", name="下载移交包")).to_have_count(0)


def test_the_four_property_report_and_its_csv_R2(console: Console, visitor: Visitor):
    _archived(console, visitor)
    page = visitor.page
    page.get_by_role("link", name="四性检测").click()
    visitor.checked("four-properties")
    expect(page.get_by_role("status")).to_contain_text("检测发现问题")  # the test's PDF has bytes after its %%EOF
    row = visitor.row("四性检测", NUMBER)
    assert row[2:4] == ["通过", "通过"] and "PDF 文件不完整" in row[4] and row[5:] == ["通过", "未通过"]
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部（CSV")).click()
    lines = download.value.path().read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "档号,题名,真实性,完整性,可用性,安全性,结论" and lines[1].startswith(NUMBER) and lines[1].endswith(",未通过")

    visitor.goto("/archive", "archive-search")
    page.get_by_label("文号").fill("〔2026〕7")
    page.get_by_role("button", name="检索").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部（CSV")).click()
    found = download.value.path().read_bytes().decode("utf-8-sig").splitlines()
    assert len(found) == 2 and DOC_NUMBER in found[1]


def test_roles_without_the_archive_are_offered_neither_the_operations_nor_the_report(console: Console, visitor: Visitor):
    page = visitor.sign_in(console.person("jy-officer", "officer", "示范县教育局"))
    assert "核验与导出" not in visitor.nav() and "四性检测" not in visitor.nav()
    visitor.goto("/archive/four-properties", "officer-four-properties")
    expect(page.get_by_role("alert")).to_contain_text("无权")

"""The workbench in a real browser (D4, D5, D6): the officer signs a review sheet and sees the act move on;
the pre-review group then finds it waiting for them. Every page passes axe-core and is photographed."""

from __future__ import annotations

import codecs
import re

from playwright.sync_api import expect

from tests.browser.harness import ON_BOTH_STORES, Console, Visitor
from tests.integration.test_ledger import run_scenario
from zwgk.connectors import queries
from zwgk.connectors.wiring import services, views

UNIT = "示范县教育局"
TITLE = "关于2026年秋季学期招生工作的通知"


def _drafted_with_two_signatures(console: Console) -> str:
    compiler = console.person("jy-compiler", "officer", UNIT)
    issuer = console.person("jy-issuer", "officer", UNIT)
    act = console.record(compiler, "draft_disclosure", title=TITLE, attribute="proactive", doc_number="示教〔2026〕3号")
    console.record(compiler, "sign_review", act_id=act, sheet_role="compiler")
    console.record(issuer, "sign_review", act_id=act, sheet_role="issuer")
    return act


@ON_BOTH_STORES
def test_the_officer_signs_a_review_sheet_and_sees_the_act_move_on_D4_D5(console: Console, visitor: Visitor):
    _drafted_with_two_signatures(console)
    publisher = console.person("jy-publisher", "officer", UNIT)
    console.person("yushen", "pre_reviewer", "县政务公开办")
    page = visitor.sign_in(publisher)
    expect(page).to_have_url(re.compile("/workbench$"))
    assert visitor.row("待我办理", TITLE)[3:5] == ["审查表签字中", "审查表签字（尚缺：推送人）"]
    assert visitor.row("公开行为", TITLE)[0] == "审查表签字中"
    visitor.goto("/tasks", "tasks")
    assert visitor.row("待我办理", TITLE)[3] == "审查表签字中"
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载全部（CSV")).click()
    sheet = download.value.path().read_bytes()
    assert sheet.startswith(codecs.BOM_UTF8) and "审查表签字（尚缺：推送人）" in sheet.decode("utf-8-sig")
    visitor.goto("/workbench", "workbench")

    page.get_by_role("row").filter(has_text=TITLE).first.get_by_role("link", name="审查表签字").click()
    visitor.checked("sign-review-form")
    expect(page.get_by_label("签字栏")).to_have_value("publisher")  # the place still unsigned, filled in
    page.get_by_role("button", name="提交").click()

    visitor.checked("workbench-after-signing")
    expect(page.get_by_role("status")).to_have_text("已完成：公开信息审查表签字。")
    expect(page.get_by_role("table", name="待我办理")).to_contain_text("暂无待办")
    assert visitor.row("公开行为", TITLE)[0] == "待预审"
    assert visitor.row("公开行为", TITLE)[5] == "3/3"

    visitor.sign_out()
    visitor.sign_in(console.people["yushen"])
    assert visitor.row("待我办理", TITLE)[3:5] == ["待预审", "预审"]


def test_a_refusal_is_shown_in_chinese_beside_the_field_or_at_the_top_D2(console: Console, visitor: Visitor):
    officer = console.person("jy-officer", "officer", UNIT)
    page = visitor.sign_in(officer, "/commands/draft_disclosure")
    page.get_by_label("公开属性").select_option("partial")
    page.get_by_role("button", name="提交").click()
    visitor.checked("draft-missing-title")
    expect(page.locator("#e-title")).to_have_text("缺少此项")
    expect(page.get_by_label("题名")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("题名").fill(TITLE)
    page.get_by_role("button", name="提交").click()
    visitor.checked("draft-refused-D2")
    expect(page.get_by_role("alert")).to_contain_text("须写明法定理由及依据")
    expect(page.get_by_role("alert")).to_contain_text("规则 D2")
    assert "部分公开" in page.get_by_label("公开属性").locator("option:checked").inner_text()  # what was typed stays


def test_after_the_demo_an_officer_sees_an_overdue_interpretation_in_red_D9(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    officer = console.person("yj-officer", "officer", "资阳市雁江区人民政府办公室")
    page = visitor.sign_in(officer)
    overdue = page.get_by_role("table", name=re.compile("未完成的期限")).get_by_role("row").filter(has_text="D9")
    expect(overdue).to_have_class("overdue")
    assert visitor.row("未完成的期限", "D9")[5:7] == ["逾期未完成", f"逾期 {-_working_days_left(console)} 个工作日"]
    expect(page.locator(".card.late")).to_contain_text("已逾期1")
    assert visitor.row("公开行为", "资雁府办发〔2022〕6号")[0] == "已发布"


def _working_days_left(console: Console) -> int:
    with services(console.settings) as s, views(console.settings, s) as runner:
        (due,) = [d for d in queries.deadlines(s, runner, "资阳市雁江区人民政府办公室") if d["status"] == "open"]
    return int(due["working_days_left"])


def test_the_act_goes_from_pre_review_to_sign_off_to_the_public_page_D5_D6(console: Console, visitor: Visitor):
    act = _drafted_with_two_signatures(console)
    console.record(console.person("jy-publisher", "officer", UNIT), "sign_review", act_id=act, sheet_role="publisher")
    steps = [(console.person("yushen", "pre_reviewer", "县政务公开办"), "预审", "pre-review", {"决定": "approved"}),
             (console.person("jy-leader", "leader", UNIT), "签发", "sign-off", {}),
             (console.people["jy-compiler"], "发布", "publish", {"渠道": "website"})]
    for person, task, shot, choices in steps:
        page = visitor.sign_in(person)
        page.get_by_role("row").filter(has_text=TITLE).first.get_by_role("link", name=task).click()
        visitor.checked(f"{shot}-form")
        for label, value in choices.items():
            page.get_by_label(label).select_option(value)
        page.get_by_role("button", name="提交").click()
        visitor.checked(f"{shot}-done")
        expect(page.get_by_role("status")).to_contain_text("已完成")
        expect(page.get_by_role("table", name="待我办理")).not_to_contain_text(TITLE)
        visitor.sign_out()
    visitor.goto("/public", "public")
    assert visitor.row("主动公开的政府信息", TITLE)[1:] == [UNIT, "示教〔2026〕3号", TITLE, "政府网站"]

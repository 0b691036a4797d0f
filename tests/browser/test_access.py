"""Who sees what, checked in the browser and not only in the API: the nav shows only what the role may use,
a page or a command the access table refuses is refused as a page (and logged), own-unit readers see no other
unit's acts (C3, 谁发布、谁负责), and the three administrators sign in with a second factor (三员, GB/T 22239-2019)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.harness import OFFICER_NAV, PASSWORD, Console, Visitor
from zwgk.connectors import accounts
from zwgk.connectors.wiring import services
from zwgk.domain.actors import SYSTEM

UNIT, OTHER_UNIT = "示范县教育局", "示范县卫生健康局"
OURS, THEIRS = "关于2026年秋季学期招生工作的通知", "关于2026年流感疫苗接种的通告"


def _two_units(console: Console) -> None:
    ours = console.person("jy-officer", "officer", UNIT)
    theirs = console.person("wj-officer", "officer", OTHER_UNIT)
    console.record(ours, "draft_disclosure", title=OURS, attribute="proactive")
    console.record(theirs, "draft_disclosure", title=THEIRS, attribute="proactive")


def test_an_officer_sees_their_own_units_acts_and_only_the_commands_of_their_role_C3(console: Console, visitor: Visitor):
    _two_units(console)
    page = visitor.sign_in(console.people["jy-officer"])
    assert visitor.nav() == OFFICER_NAV
    visitor.goto("/register", "register")
    expect(page.get_by_role("table", name=re.compile("公开行为"))).to_contain_text(OURS)
    expect(page.get_by_role("main")).not_to_contain_text(THEIRS)
    visitor.goto("/register?unit=" + OTHER_UNIT, "register-other-unit-asked")  # a unit in the URL changes nothing
    expect(page.get_by_role("main")).not_to_contain_text(THEIRS)

    visitor.goto("/commands", "commands")
    expect(page.get_by_role("link", name="起草拟公开文件并标明公开属性")).to_be_visible()
    expect(page.get_by_role("link", name="预审小组审查")).to_have_count(0)
    visitor.goto("/commands/pre_review_disclosure", "pre-review-refused")
    expect(page.get_by_role("alert")).to_contain_text("政务公开专员无权进行“预审小组审查”")
    with services(console.settings) as s:  # refused as the API refuses: on the security log
        refusals = s.security_log.entries("access_refused", "jy-officer")
    assert [e.detail.split(";")[0] for e in refusals] == ["role officer may not run pre_review_disclosure"], refusals


def test_the_pre_review_group_reads_every_units_acts_but_no_deadlines_D5(console: Console, visitor: Visitor):
    _two_units(console)
    console.person("yushen", "pre_reviewer", "县政务公开办")
    page = visitor.sign_in(console.people["yushen"])
    assert visitor.nav() == ["工作台", "公开行为台账", "全部操作"]
    expect(page.get_by_role("heading", name="期限")).to_have_count(0)
    expect(page.get_by_role("table", name=re.compile("各单位的公开行为"))).to_contain_text(THEIRS)
    visitor.goto("/deadlines", "deadlines-refused")
    expect(page.get_by_role("alert")).to_contain_text("无权")


def test_a_leader_is_offered_the_sign_off_and_not_the_drafting_D6(console: Console, visitor: Visitor):
    console.person("jy-leader", "leader", UNIT)
    page = visitor.sign_in(console.people["jy-leader"])
    visitor.goto("/commands", "commands")
    expect(page.get_by_role("link", name="分管领导审核签发")).to_be_visible()
    expect(page.get_by_role("link", name="起草拟公开文件并标明公开属性")).to_have_count(0)


def test_an_administrator_signs_in_with_a_one_time_code_and_sees_no_business_page(console: Console, visitor: Visitor):
    auditor = console.person("sj-auditor", "security_auditor", "县政务公开办")
    visitor.goto("/signin", "sign-in")
    page = visitor.page
    page.get_by_label("人员编号").fill(auditor.user_id)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    visitor.checked("no-one-time-code")
    expect(page.get_by_role("alert")).to_contain_text("动态验证码")

    visitor.sign_in(auditor)
    assert visitor.nav() == []
    expect(page.get_by_role("alert")).to_contain_text("暂无供您的角色使用的页面")
    for path in ("/register", "/workbench", "/commands/draft_disclosure"):
        visitor.goto(path, path.strip("/").replace("/", "-"))
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_role("main")).not_to_contain_text(OURS)


def test_signed_out_pages_send_to_sign_in_and_a_post_without_the_csrf_token_records_nothing(console: Console, visitor: Visitor):
    officer = console.person("jy-officer", "officer", UNIT)
    page = visitor.goto("/workbench", "signed-out-workbench")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fworkbench"))
    visitor.sign_in(officer, "/workbench")
    expect(page).to_have_url(re.compile("/workbench$"))

    forged = visitor.context.request.post("/commands/draft_disclosure", form={"title": OURS, "attribute": "proactive"})
    assert forged.status == 400
    visitor.goto("/register", "register-after-forged-post")
    expect(page.get_by_role("main")).not_to_contain_text(OURS)

    visitor.sign_out()
    expect(page.get_by_role("status")).to_have_text("已退出登录。")
    visitor.goto("/workbench", "after-sign-out")
    expect(page).to_have_url(re.compile("/signin"))


def test_a_session_ended_on_the_server_sends_the_next_page_to_sign_in(console: Console, visitor: Visitor):
    """As idle expiry does: the session is gone on the server while the browser still holds its cookie."""
    officer = console.person("jy-officer", "officer", UNIT)
    page = visitor.sign_in(officer, "/workbench")
    with services(console.settings) as s:
        accounts.set_password(s, officer.user_id, PASSWORD + "-新", SYSTEM)  # ends the account's sessions
    visitor.goto("/register", "session-ended")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fregister"))
    expect(page.get_by_role("status")).to_have_text("登录已超时或已失效，请重新登录。")

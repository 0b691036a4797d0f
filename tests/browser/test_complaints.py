"""The complaints page in a real browser (Q3): the complaints office sees complaints sealed, reveals a
complainant's name only by stating a purpose, and the read is on the ledger; an inspector sees the
complaints without the means to reveal, a leader not at all."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.harness import Console, Visitor
from tests.integration.test_ledger import run_scenario
from zwgk.connectors import queries
from zwgk.connectors.demo import COMPLAINT_ID
from zwgk.connectors.wiring import services, views

RESPONDENT = "清原满族自治县国土资源局"
PURPOSE = "核实投诉人身份以便电话回访"


def test_the_complaints_office_reveals_a_complainant_only_with_a_purpose_and_the_read_is_recorded_Q3(console: Console,
                                                                                                      visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("ts-office", "complaints_office", "县政务公开办公室"))
    assert "投诉" in visitor.nav()
    visitor.goto("/complaints", "complaints")
    listed = page.get_by_role("table", name=re.compile("投诉")).get_by_role("row").filter(has_text=RESPONDENT)
    expect(listed).to_contain_text("已公开")
    expect(page.get_by_role("main")).not_to_contain_text("示例投诉人甲")
    visitor.sent(listed.get_by_role("link", name="查阅投诉人信息"), "reveal-form", {"查阅项目": "complainant_name"}, "记录并查阅",
                 "reveal-without-purpose")
    expect(page.get_by_role("alert")).to_contain_text("写明查阅目的")
    expect(page.get_by_role("main")).not_to_contain_text("示例投诉人甲")

    page.get_by_label("查阅目的").fill(PURPOSE)
    page.get_by_role("button", name="记录并查阅").click()
    visitor.checked("revealed")
    expect(page.locator("dl.facts")).to_contain_text("示例投诉人甲")
    read_id = page.get_by_role("status").locator("code").inner_text()
    with services(console.settings) as s, views(console.settings, s) as runner:
        (recorded,) = queries.timeline(s, runner, aggregate=read_id)
    assert (recorded["event_type"], recorded["actor_id"]) == ("PersonalDataReading.Read", "ts-office")


def test_an_inspector_sees_complaints_sealed_and_a_leader_not_at_all(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("jw-inspector", "inspector", "县纪委监委"))
    visitor.goto("/complaints", "inspector-complaints")
    expect(page.get_by_role("table", name=re.compile("投诉"))).to_contain_text(RESPONDENT)
    expect(page.get_by_role("link", name="查阅投诉人信息")).to_have_count(0)
    visitor.goto(f"/complaints/{COMPLAINT_ID}/reveal", "inspector-reveal-refused")
    expect(page.get_by_role("alert")).to_contain_text("无权")
    visitor.sign_out()
    page = visitor.sign_in(console.person("qy-leader", "leader", RESPONDENT))
    assert "投诉" not in visitor.nav()
    visitor.goto("/complaints", "leader-refused")
    expect(page.get_by_role("alert")).to_contain_text("无权")

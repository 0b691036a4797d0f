"""The inspector's pages in a real browser: from a late publication (D3) in the violation report to the
act's timeline and its state the day before it was published; the ledger verified and an event's proof
bundle downloaded. Roles that may not read them are refused as pages."""

from __future__ import annotations

import io
import json
import re
import zipfile

from playwright.sync_api import expect

from tests.browser.harness import Console, Visitor
from tests.integration.test_ledger import run_scenario
from zwgk.connectors.demo import COMPLAINT_ID
from zwgk.connectors.wiring import services

LATE = "资府办发〔2020〕31号"  # signed off 2020-07-10, published 2020-07-20: late (D3)


def test_the_inspector_goes_from_a_late_publication_to_the_acts_state_the_day_before_D3(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("jw-inspector", "inspector", "市纪委监委派驻纪检监察组"))
    assert "违规情况" in visitor.nav() and "审计核验" in visitor.nav()
    visitor.goto("/violations", "violations")
    page.get_by_label("规则", exact=True).fill("D3")
    page.get_by_label("单位", exact=True).fill("资阳市人民政府办公室")
    page.get_by_role("button", name="筛选").click()
    visitor.checked("violations-D3")
    report = page.get_by_role("table", name=re.compile("资阳市人民政府办公室的违规情况"))
    late = report.get_by_role("row").filter(has_text="D3")
    expect(late).to_have_count(1)
    late.get_by_role("link", name="时间线").click()

    visitor.checked("timeline")
    events = page.get_by_role("table", name=re.compile("全部事件"))
    expect(events.get_by_role("row").filter(has_text="2020-07-20")).not_to_have_count(0)
    expect(events).to_contain_text("D3")
    page.get_by_label("时刻（业务时间）").fill("2020-07-19")
    page.get_by_role("button", name="查看状态").click()
    visitor.checked("state-before-publication")
    state = page.get_by_role("table", name=re.compile("2020-07-19T00:00:00\\+08:00"))
    expect(state).to_contain_text(LATE)
    assert visitor.row("时的状态", "publications")[1] == "{}"  # not yet published anywhere

    # As the ledger held it: the 2020 act was recorded (imported) today, so on 2020-07-19 the ledger had nothing of it.
    page.get_by_label("时刻（业务时间").fill("")
    page.get_by_label("台账记录时刻").fill("2020-07-19")
    page.get_by_role("button", name="查看状态").click()
    visitor.checked("as-recorded-before-the-import")
    expect(page.get_by_role("main")).to_contain_text("时尚不存在")
    page.go_back()
    page.get_by_label("台账记录时刻").fill("")

    page.get_by_label("起始时刻").fill("2020-07-19")
    page.get_by_label("结束时刻（空：现在）").fill("2020-07-21")
    page.get_by_role("button", name="比较").click()
    visitor.checked("changes-over-publication")
    assert visitor.row("改变的字段", "publications")[1] == "{}"
    expect(page.get_by_role("table", name=re.compile("其间的事件"))).to_contain_text("D3")

    with page.expect_download() as download:
        page.get_by_role("table", name=re.compile("其间的事件")).get_by_role("link", name="证明包").first.click()
    bundle = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert sorted(bundle.namelist()) == ["checkpoint.txt", "event.bin", "proof.json", "public-key.txt"]
    assert json.loads(bundle.read("proof.json"))["format"] == "zwgk-inclusion-proof/1"

    visitor.goto("/audit", "audit")
    expect(page.get_by_role("status")).to_contain_text("核验通过")
    expect(page.get_by_label("签名检查点")).to_contain_text("—")


def test_an_archivist_has_no_violation_report_and_an_officer_no_other_units_timeline(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    page = visitor.sign_in(console.person("da-archivist", "archivist", "市档案馆"))
    assert "违规情况" not in visitor.nav()
    for path, shot in (("/violations", "violations-refused"), ("/audit", "audit-refused")):
        visitor.goto(path, shot)
        expect(page.get_by_role("alert")).to_contain_text("无权")
        expect(page.get_by_role("table")).to_have_count(0)
    visitor.sign_out()

    page = visitor.sign_in(console.person("zy-officer", "officer", "资阳市人民政府办公室"))
    visitor.goto("/violations?rule_id=D3", "officer-violations")
    late = page.get_by_role("row").filter(has_text="D3").first
    late.get_by_role("link", name="时间线").click()
    timeline_path = page.url.removeprefix(console.server.url)
    visitor.checked("officer-own-timeline")
    expect(page.get_by_role("link", name="证明包")).to_have_count(0)  # events and proofs are the inspector's
    visitor.sign_out()
    page = visitor.sign_in(console.person("yj-officer", "officer", "资阳市雁江区人民政府办公室"))
    visitor.goto(timeline_path, "other-units-timeline-refused")
    expect(page.get_by_role("alert")).to_contain_text("不属于本单位")


def test_the_inspector_follows_a_read_of_personal_data_to_the_complaints_timeline_Q3(console: Console, visitor: Visitor):
    with services(console.settings) as s:
        run_scenario(s)
    office = console.person("ts-office", "complaints_office", "县政务公开办公室")
    console.record(office, "read_personal_data", record_id=str(COMPLAINT_ID), field="complainant_name", purpose="核实身份以便回访")
    page = visitor.sign_in(console.person("jw-inspector", "inspector", "市纪委监委派驻纪检监察组"))
    page.get_by_role("link", name="个人信息").click()
    visitor.checked("personal-data")
    expect(page.get_by_role("main")).not_to_contain_text("示例投诉人甲")
    page.get_by_role("row").filter(has_text=str(COMPLAINT_ID)).get_by_role("link", name=re.compile("时间线")).click()
    visitor.checked("complaint-timeline")
    read = visitor.row("全部事件", "PersonalDataReading.Read")
    assert read[4:6] == ["ts-office", "投诉受理机构"]

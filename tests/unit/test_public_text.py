"""Q3: public text — a complaint's published feedback, an application's answer, a hearing's outcome — never
carries the sealed identity of the people in its record; a refusal records nothing."""

from datetime import date, datetime

import pytest

from tests.keys import KeysInMemory
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST
from zwgk.domain.complaints import AssignComplaint, GiveFeedback, HandleComplaint, PublishFeedback, RegisterComplaint
from zwgk.domain.errors import DomainError
from zwgk.domain.hearings import AssignHearingRoles, HoldHearing, NoticeHearing, PublishHearingOutcome
from zwgk.domain.ledger import Ledger
from zwgk.domain.requests import AnswerRequest, ReceiveRequest
from zwgk.domain.rules import Rule

OFFICE = Actor("qy-complaints", "complaints_office", "清原满族自治县政务公开办公室")
OFFICER = Actor("yj-officer", "officer", "资阳市雁江区人民政府办公室")


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CST)


def refused_and_nothing_recorded(ledger: Ledger, command, actor: Actor, day: str) -> None:
    before = ledger.recorder.max_notification_id()
    with pytest.raises(DomainError) as refused:
        ledger.execute(command, actor, at(day))
    assert (refused.value.code, refused.value.rule) == ("PUBLIC_TEXT_IDENTIFIES_PERSON", Rule.Q3)
    assert "温如言" not in refused.value.message_zh + refused.value.message_en  # the refusal never repeats it
    assert ledger.recorder.max_notification_id() == before


def test_q3_published_complaint_feedback_naming_the_complainant_is_refused():
    ledger = Ledger(keys=KeysInMemory())
    complaint = ledger.execute(RegisterComplaint(
        category="delay_without_reason", form="written", signed=True, respondent_unit="县国土资源局",
        complainant_name="温如言测试", complainant_contact="13900000000", account="申请公开的征收信息逾期未答复",
    ), OFFICE, at("2026-03-02"))[0].aggregate_id
    ledger.execute(AssignComplaint(complaint_id=complaint, handler_unit="县国土资源局"), OFFICE, at("2026-03-03"))
    ledger.execute(HandleComplaint(complaint_id=complaint, findings="逾期属实", substantiated=True, outcome="已答复"),
                   OFFICE, at("2026-03-04"))
    ledger.execute(GiveFeedback(complaint_id=complaint, feedback="您反映的问题属实。"), OFFICE, at("2026-03-05"))
    for summary in ("温如言测试反映的申请逾期问题属实，已责令改正。", "来电 139 0000 0000 反映的问题属实。".replace(" ", ""),
                    "投诉人称：申请公开的征收信息逾期未答复。"):
        refused_and_nothing_recorded(ledger, PublishFeedback(complaint_id=complaint, summary=summary), OFFICE, "2026-03-06")
    ledger.execute(PublishFeedback(complaint_id=complaint, summary="一件申请逾期的投诉经查属实，已责令改正。"), OFFICE, at("2026-03-06"))


def test_q3_an_answer_naming_the_applicant_is_refused():
    ledger = Ledger(keys=KeysInMemory())
    request = ledger.execute(ReceiveRequest(
        channel="post", received_on=date(2025, 3, 3), applicant_kind="natural_person", applicant="温如言 13900000000",
        request="某批复",
    ), OFFICER, at("2025-03-03"))[0].aggregate_id
    refused_and_nothing_recorded(
        ledger, AnswerRequest(request_id=request, answer="disclosed", details={"how_and_when": "已邮寄给温如言本人"}),
        OFFICER, "2025-03-10")
    ledger.execute(AnswerRequest(request_id=request, answer="disclosed", details={"how_and_when": "2025年3月10日邮寄"}),
                   OFFICER, at("2025-03-10"))


def test_q3_a_hearing_outcome_naming_a_representative_is_refused():
    ledger = Ledger(keys=KeysInMemory())
    hearing = ledger.execute(NoticeHearing(
        matter="停车收费标准调整", scheduled_at=at("2025-03-17"), place="区政府三楼会议室", requirements="凭身份证件入场",
    ), OFFICER, at("2025-03-03"))[0].aggregate_id
    ledger.execute(AssignHearingRoles(hearing_id=hearing, chair="主持人", clerk="书记员", answerers=["主答人"],
                                      questioners=["代表甲某"], representatives=["代表甲某", "温如言"]), OFFICER, at("2025-03-05"))
    ledger.execute(HoldHearing(hearing_id=hearing, attended=3), OFFICER, at("2025-03-17"))
    refused_and_nothing_recorded(
        ledger, PublishHearingOutcome(hearing_id=hearing, decision="采纳温如言代表的意见，按修改后的方案执行", channel="门户网站"),
        OFFICER, "2025-03-20")
    ledger.execute(PublishHearingOutcome(hearing_id=hearing, decision="按听证修改后的方案执行", channel="门户网站"),
                   OFFICER, at("2025-03-20"))

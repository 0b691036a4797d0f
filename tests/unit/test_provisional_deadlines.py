"""Deadlines computed provisionally (weekdays less the statutory holidays, the year not covered yet) are
settled by a new event once the official calendar is loaded, on every record that keeps one, while it
still runs; the event that started a deadline keeps it as it was recorded. 2026 stands in for the uncovered year: its
National Day week (10-01..07 off, Saturday 10-10 worked) moves every deadline across it."""

from datetime import date, datetime
from uuid import uuid4

import pytest

from tests.calendars import official_2026, provisional_2026
from zwgk.domain.actors import SYSTEM, Actor
from zwgk.domain.announcements import Announcement
from zwgk.domain.calendar import CST
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.errors import DomainError
from zwgk.domain.hearings import Hearing
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.privacy import SubjectKey, seal
from zwgk.domain.requests import InformationRequest

UNIT = "资阳市雁江区人民政府办公室"
OFFICER = Actor("yj-officer", "officer", UNIT)
LEADER = Actor("yj-leader", "leader", UNIT)
PROVISIONAL, OFFICIAL = provisional_2026(), official_2026()
KEY = SubjectKey("subject-1", "k", bytes(32))


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


OFFICIAL_LOADED = at("2026-09-01")


def settled(record, start: str, working_days: int, rule: str, loaded_at: datetime = OFFICIAL_LOADED) -> list:
    """Settle the record's deadlines as the official calendar is loaded; the new events, once the one for
    `rule` is checked to have moved as the official calendar says. They happen at the loading, or with the
    record's latest step if that came later."""
    latest = record.last_occurred_at
    assert record.settle_deadlines(actor=SYSTEM, calendar=OFFICIAL, occurred_at=loaded_at)
    events = record.collect_events()
    assert events and all(e.occurred_at == max(latest, loaded_at) for e in events)
    moved = next(e for e in events if e.deadline.rule == rule)
    assert moved.previous == PROVISIONAL.add_working_days(date.fromisoformat(start), working_days, rule)
    assert moved.previous.provisional and not moved.deadline.provisional
    assert moved.deadline == OFFICIAL.add_working_days(date.fromisoformat(start), working_days, rule)
    assert moved.deadline.due > moved.previous.due
    assert not record.settle_deadlines(actor=SYSTEM, calendar=OFFICIAL)  # settled once
    return events


def received(on: str = "2026-09-28") -> InformationRequest:
    request = InformationRequest.receive(
        id=uuid4(), actor=OFFICER, occurred_at=at(on), channel="post", received_on=date.fromisoformat(on),
        applicant_kind="natural_person", applicant=seal(KEY, "applicant", "申请人甲"), request=seal(KEY, "request", "某批复"),
        calendar=PROVISIONAL,
    )
    request.collect_events()
    return request


def test_a1_a_reply_deadline_is_settled_and_then_answered_on_time_by_it():
    request = received()
    assert request.deadline.provisional and request.deadline.due == date(2026, 10, 29)  # 10-01, 10-02 and 10-05 off
    settled(request, "2026-09-28", 20, "A1", loaded_at=at("2026-09-28", 16))
    assert request.deadline.due == date(2026, 10, 30)
    request.answer(actor=OFFICER, occurred_at=at("2026-10-30"), answer="disclosed", details={"how_and_when": "邮寄"})
    assert request.collect_events()[-1].rule_outcomes == {"A1": "met"}  # late by the provisional deadline
    assert not request.settle_deadlines(actor=SYSTEM, calendar=OFFICIAL)


def test_a5_a_running_consultation_and_the_paused_reply_are_both_settled():
    request = received("2026-09-21")
    request.start_consultation(actor=OFFICER, occurred_at=at("2026-09-28"), consulted="第三方某公司", calendar=PROVISIONAL)
    request.collect_events()
    events = settled(request, "2026-09-28", 15, "A5")
    assert [type(e).__name__ for e in events] == ["ReplyDeadlineRecomputed", "ConsultationDeadlineRecomputed"]
    assert request.consultation_due == events[-1].deadline


def test_a1_an_answered_request_keeps_its_deadline():
    request = received()
    request.answer(actor=OFFICER, occurred_at=at("2026-10-09"), answer="disclosed", details={"how_and_when": "邮寄"})
    request.collect_events()
    assert not request.settle_deadlines(actor=SYSTEM, calendar=OFFICIAL)


def test_h1_a_settled_notice_period_moves_the_earliest_hearing_day():
    hearing = Hearing.notice(id=uuid4(), actor=OFFICER, occurred_at=at("2026-09-28"), calendar=PROVISIONAL,
                             matter="城区居民用水价格调整", scheduled_at=at("2026-10-08", 14), place="区政府三楼会议室",
                             requirements="听证代表须携带身份证件")
    hearing.collect_events()
    hearing.assign_roles(actor=OFFICER, occurred_at=at("2026-09-29"), chair="主持人甲", clerk="书记员乙", answerers=["局长丙"],
                         questioners=[seal(KEY, "name", "代表丁")],
                         representatives=[seal(KEY, "name", "代表丁"), seal(KEY, "name", "代表戊")], observers_count=2)
    hearing.collect_events()
    settled(hearing, "2026-09-28", 5, "H1")
    assert hearing.notice_period.due == date(2026, 10, 10)
    with pytest.raises(DomainError) as refused:
        hearing.hold(actor=OFFICER, occurred_at=at("2026-10-08", 14), attended=5)
    assert refused.value.code == "NOTICE_TOO_SHORT"


def test_n1_a_settled_posting_period_keeps_an_announcement_up_longer():
    announcement = Announcement.post(id=uuid4(), actor=OFFICER, occurred_at=at("2026-09-21"), calendar=PROVISIONAL,
                                     kind="execution", title="关于城区停车收费调整的告示", channel="notice_board")
    announcement.collect_events()
    settled(announcement, "2026-09-21", 7, "N1")
    with pytest.raises(DomainError) as refused:
        announcement.take_down(actor=OFFICER, occurred_at=at("2026-10-05"), reason="期满")
    assert refused.value.code == "POSTING_PERIOD_NOT_OVER"


def test_m1_feedback_on_time_by_the_settled_deadline():
    meeting = RepresentedMeeting.invite(id=uuid4(), actor=OFFICER, occurred_at=at("2026-09-21"), kind="executive",
                                        title="区政府常务会议", meeting_on=date(2026, 9, 29), invited={"公众代表": 2})
    meeting.hold(actor=OFFICER, occurred_at=at("2026-09-29", 15), calendar=PROVISIONAL, attended=2, opinions=0, opinions_summary="")
    meeting.collect_events()
    settled(meeting, "2026-09-29", 3, "M1")
    meeting.publish_feedback(actor=OFFICER, occurred_at=at("2026-10-08"), adopted=0, feedback="无意见", channel="门户网站")
    assert meeting.collect_events()[-1].rule_outcomes == {"M1": "met"}
    assert not meeting.settle_deadlines(actor=SYSTEM, calendar=OFFICIAL)


def test_p4_an_adoption_report_deadline_is_settled():
    decision = MajorDecision.propose(id=uuid4(), actor=OFFICER, occurred_at=at("2026-08-03"), title="城区供水价格改革方案")
    decision.review_secrecy(actor=OFFICER, occurred_at=at("2026-08-04"), decision="approved")
    decision.discuss(actor=OFFICER, occurred_at=at("2026-08-05"), meeting="局党组会议", conclusion="同意预公开")
    decision.pre_disclose(actor=OFFICER, occurred_at=at("2026-08-06"), draft_title="供水价格改革方案（征求意见稿）",
                          explanation={"background": "现行标准已施行十年", "basis": "《价格法》第二十三条", "main_content": "分三档调整"},
                          channel="门户网站", comment_days=30, shortened_reason="")
    decision.absorb_comments(actor=OFFICER, occurred_at=at("2026-09-28"), calendar=PROVISIONAL, summary="无意见")
    decision.collect_events()
    settled(decision, "2026-09-28", 10, "P4")


def signed_policy() -> DisclosureAct:
    act = DisclosureAct.draft(id=uuid4(), actor=OFFICER, occurred_at=at("2026-09-21"), title="关于印发实施意见的通知",
                              attribute="proactive", kind="policy", doc_number="雁府办发〔2026〕1号")
    for role in ("compiler", "issuer", "publisher"):
        act.sign_review(actor=Actor(f"yj-{role}", "officer", UNIT), occurred_at=at("2026-09-22"), sheet_role=role)
    act.pre_review(actor=Actor("yj-pre", "pre_reviewer", "预审小组"), occurred_at=at("2026-09-23"), decision="approved")
    act.sign_off(actor=LEADER, occurred_at=at("2026-09-29"), calendar=PROVISIONAL)
    act.collect_events()
    return act


def test_d3_a_signed_act_has_its_publication_deadline_settled():
    act = signed_policy()
    events = settled(act, "2026-09-29", 3, "D3")
    assert [type(e).__name__ for e in events] == ["PublicationDeadlineRecomputed"]


def test_d9_a_published_policy_has_its_interpretation_deadline_settled_until_interpreted():
    act = signed_policy()
    act.publish(actor=OFFICER, occurred_at=at("2026-09-30"), calendar=PROVISIONAL, channel="website")
    started = act.collect_events()[-1]
    events = settled(act, "2026-09-30", 3, "D9")
    assert [type(e).__name__ for e in events] == ["InterpretationDeadlineRecomputed"]
    assert started.interpretation_due == events[0].previous  # the starting event keeps what it recorded
    assert act.interpretation_due.due == date(2026, 10, 10)

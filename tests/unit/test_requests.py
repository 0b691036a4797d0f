"""Applications for disclosure 依申请公开: A1–A5 on the aggregate, deadlines across holidays."""

from datetime import date, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import SubjectKey, seal
from zwgk.domain.requests import ANSWERS, InformationRequest

CAL = WorkingDayCalendar()
OFFICER = Actor("yj-ysq", "officer", "资阳市雁江区人民政府办公室")
KEY = SubjectKey("applicant-1", "k", bytes(32))


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


def received(on: str = "2026-09-28", channel: str = "post", kind: str = "natural_person") -> InformationRequest:
    return InformationRequest.receive(
        id=uuid4(), actor=OFFICER, occurred_at=at(on), channel=channel, received_on=date.fromisoformat(on),
        applicant_kind=kind, applicant=seal(KEY, "applicant", "申请人乙"), request=seal(KEY, "request", "某项目批复"), calendar=CAL,
    )


def refused(code, rule, call):
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)


def test_a1_reply_due_in_20_working_days_across_national_day():
    r = received("2026-09-28")
    # 09-29, 09-30, then 10-08, 10-09, 10-10 (Saturday worked), 10-12 … the 20th working day is 10-30.
    assert r.deadline.due == date(2026, 10, 30) and r.deadline.rule == "A1"
    r.answer(actor=OFFICER, occurred_at=at("2026-10-30", 20), answer="disclosed", details={"how_and_when": "电子邮件发送"})
    assert r.collect_events()[-1].rule_outcomes == {"A1": "met"}


def test_a1_channel_and_applicant_kind_are_known():
    refused("CHANNEL_INVALID", "A1", lambda: received(channel="pigeon"))
    refused("APPLICANT_KIND_INVALID", "A6", lambda: received(kind="robot"))


def test_a2_one_extension_of_at_most_20_days_approved_and_notified():
    r = received("2026-03-02")
    refused("EXTENSION_TOO_LONG", "A2",
            lambda: r.extend(actor=OFFICER, occurred_at=at("2026-03-20"), working_days=21, approver="主任", notice="n", calendar=CAL))
    refused("EXTENSION_UNAPPROVED", "A2",
            lambda: r.extend(actor=OFFICER, occurred_at=at("2026-03-20"), working_days=10, approver="", notice="n", calendar=CAL))
    due = r.deadline.due
    r.extend(actor=OFFICER, occurred_at=at("2026-03-20"), working_days=20, approver="办公室主任", notice="已告知申请人", calendar=CAL)
    assert r.deadline.due == CAL.add_working_days(due, 20, "A2").due
    refused("EXTENSION_ONCE", "A2",
            lambda: r.extend(actor=OFFICER, occurred_at=at("2026-03-21"), working_days=1, approver="主任", notice="n", calendar=CAL))


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_a3_each_answer_type_requires_its_fields(answer):
    row, sub_reasons, required = ANSWERS[answer]
    r = received("2026-03-02")
    refused("ANSWER_INCOMPLETE", "A3", lambda: r.answer(actor=OFFICER, occurred_at=at("2026-03-05"), answer=answer, details={}))
    details = {f: "已写明" for f in required}
    if sub_reasons:
        refused("ANSWER_REASON_INVALID", "A3",
                lambda: r.answer(actor=OFFICER, occurred_at=at("2026-03-05"), answer=answer, details=details))
    r.answer(actor=OFFICER, occurred_at=at("2026-03-05"), answer=answer, sub_reason=sub_reasons[0] if sub_reasons else "", details=details)
    assert r.outcome == row
    refused("ANSWER_TYPE_INVALID", "A3", lambda: received().answer(actor=OFFICER, occurred_at=None, answer="maybe", details={}))


def test_a4_completion_once_clock_restarts_and_abandonment():
    r = received("2026-03-02")
    r.request_completion(actor=OFFICER, occurred_at=at("2026-03-13"), items="请明确所需信息的名称、文号", completion_due=date(2026, 3, 27),
                         calendar=CAL)
    assert r.collect_events()[-1].on_time is False  # 7 working days after 03-02 end on 03-11: late, flagged
    refused("COMPLETION_ONCE", "A4",
            lambda: r.request_completion(actor=OFFICER, occurred_at=at("2026-03-14"), items="x", completion_due=date(2026, 3, 30),
                                         calendar=CAL))
    refused("AWAITING_COMPLETION", "A4",
            lambda: r.answer(actor=OFFICER, occurred_at=at("2026-03-16"), answer="disclosed", details={"how_and_when": "x"}))
    refused("NOT_ABANDONED", "A4", lambda: r.abandon(actor=OFFICER, occurred_at=at("2026-03-20")))
    r.complete(actor=OFFICER, occurred_at=at("2026-03-20"), completed_on=date(2026, 3, 20), calendar=CAL)
    assert r.deadline.start == date(2026, 3, 20) and r.deadline.due == CAL.add_working_days(date(2026, 3, 20), 20, "A1").due
    late = received("2026-03-02")
    late.request_completion(actor=OFFICER, occurred_at=at("2026-03-04"), items="x", completion_due=date(2026, 3, 18), calendar=CAL)
    refused("COMPLETION_LATE", "A4",
            lambda: late.complete(actor=OFFICER, occurred_at=at("2026-03-19"), completed_on=date(2026, 3, 19), calendar=CAL))
    late.abandon(actor=OFFICER, occurred_at=at("2026-03-19"))
    assert late.outcome == "other"


def test_a5_consultation_pauses_the_clock_by_the_working_days_consulted():
    r = received("2026-09-14")
    due = r.deadline.due
    r.start_consultation(actor=OFFICER, occurred_at=at("2026-09-21"), consulted="第三方：某公司", calendar=CAL)
    assert r.collect_events()[-1].reply_due.due == CAL.add_working_days(date(2026, 9, 21), 15, "A5").due
    refused("CONSULTATION_RUNNING", "A5",
            lambda: r.answer(actor=OFFICER, occurred_at=at("2026-09-22"), answer="disclosed", details={"how_and_when": "x"}))
    r.end_consultation(actor=OFFICER, occurred_at=at("2026-10-12"), calendar=CAL)
    paused = CAL.working_days_between(date(2026, 9, 21), date(2026, 10, 12))
    assert r.collect_events()[-1].paused_working_days == paused
    assert r.deadline.due == CAL.add_working_days(due, paused, "A1").due


@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 20)))
def test_a1_any_receipt_day_gets_exactly_20_working_days(day):
    r = InformationRequest.receive(
        id=uuid4(), actor=OFFICER, occurred_at=None, channel="internet", received_on=day, applicant_kind="natural_person",
        applicant=seal(KEY, "applicant", "x"), request=seal(KEY, "request", "y"), calendar=CAL,
    )
    assert CAL.working_days_between(day, r.deadline.due) == 20 and CAL.is_working_day(r.deadline.due)


def test_a5_reading_the_day_a_consultation_starts_counts_the_day_it_ends_is_paused():
    """Received Monday 2025-03-03; consulting from Monday 03-10 to Wednesday 03-12: Tuesday and Wednesday are paused,
    so the reply is due 2 working days later; the third party's 15 working days count from Tuesday."""
    r = received("2025-03-03")
    due = r.deadline.due
    r.start_consultation(actor=OFFICER, occurred_at=at("2025-03-10"), consulted="第三方：某公司", calendar=CAL)
    assert r.collect_events()[-1].reply_due.due == date(2025, 3, 31)
    r.end_consultation(actor=OFFICER, occurred_at=at("2025-03-12"), calendar=CAL)
    assert r.collect_events()[-1].paused_working_days == 2
    assert due == date(2025, 3, 31) and r.deadline.due == date(2025, 4, 2)

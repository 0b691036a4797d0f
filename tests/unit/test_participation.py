"""Public participation and announcements: N1, O1, M1, H1–H5, P1–P4 (M2 and the flags of
H3–H5 and O1's cadence are counted by the views: tests/test_participation_views.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.announcements import Announcement
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.errors import DomainError
from zwgk.domain.hearings import Hearing
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.open_days import OpenDay
from zwgk.domain.privacy import SubjectKey, seal

UNIT = "资阳市雁江区发展和改革局"
OFFICER = Actor("yj-fgj", "officer", UNIT)
ARCHIVIST = Actor("yj-daj", "archivist", "雁江区档案馆")
OTHER = Actor("yj-jyj", "officer", "雁江区教育局")
CALENDAR = WorkingDayCalendar()
KEY = SubjectKey("participant-1", "k", bytes(32))
SHA = "ab" * 32


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


def sealed(value: str):
    return seal(KEY, "name", value)


def refused(code, rule, call):
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)
    assert error.value.message_zh


# N1 announcements 告示

def posted(kind: str, day: str = "2020-07-06") -> Announcement:
    return Announcement.post(id=uuid4(), actor=OFFICER, occurred_at=at(day), calendar=CALENDAR, kind=kind,
                             title="关于城区停车收费调整的告示", channel="notice_board")


@pytest.mark.parametrize(("kind", "last_day", "working_days"), [("decision", "2020-08-03", 20), ("execution", "2020-07-15", 7)])
def test_n1_decisions_stay_posted_20_working_days_executions_7(kind, last_day, working_days):
    a = posted(kind)
    minimum = a.collect_events()[0].posted_until_at_least
    assert (minimum.rule, minimum.working_days, minimum.due) == ("N1", working_days, date.fromisoformat(last_day))
    refused("POSTING_PERIOD_NOT_OVER", "N1", lambda: a.take_down(actor=OFFICER, occurred_at=at(last_day, 23), reason="到期"))
    a.take_down(actor=OFFICER, occurred_at=at(last_day, 23) + timedelta(hours=1), reason="到期")
    refused("ANNOUNCEMENT_TAKEN_DOWN", "N1", lambda: a.take_down(actor=OFFICER, occurred_at=None, reason=""))


def test_n1_posting_period_skips_national_day_and_counts_the_adjusted_saturday():
    """Posted 2020-09-30: 10-01…10-08 are off, Saturday 10-10 is a working day (调休)."""
    assert posted("execution", "2020-09-30").minimum.due == date(2020, 10, 16)


def test_n1_emergencies_are_posted_at_once_and_updated_in_real_time():
    a = posted("emergency")
    assert a.minimum is None
    a.update(actor=OFFICER, occurred_at=at("2020-07-06", 11), update="积水路段已恢复通行")
    a.take_down(actor=OFFICER, occurred_at=at("2020-07-06", 18), reason="事态结束")
    refused("NOT_AN_EMERGENCY", "N1", lambda: posted("decision").update(actor=OFFICER, occurred_at=None, update="x"))
    refused("ANNOUNCEMENT_KIND_INVALID", "N1", lambda: posted("rumour"))
    refused("NOT_RESPONSIBLE_UNIT", "C3", lambda: a.update(actor=OTHER, occurred_at=None, update="x"))


# O1 open days 政务开放日

def planned(held_on: date = date(2020, 10, 12), places: int = 2) -> OpenDay:
    return OpenDay.plan(id=uuid4(), actor=OFFICER, occurred_at=at("2020-09-01"), calendar=CALENDAR,
                        theme="走进发改局", held_on=held_on, places=places)


@given(age_days=st.integers(min_value=0, max_value=365 * 40))
@settings(max_examples=60)
def test_o1_participants_are_18_or_older_on_the_day(age_days):
    o = planned()
    birth = o.held_on - timedelta(days=age_days)
    adult = (o.held_on.year - birth.year - ((o.held_on.month, o.held_on.day) < (birth.month, birth.day))) >= 18
    try:
        o.admit(actor=OFFICER, occurred_at=at("2020-09-25"), participant=sealed("张三"), birth_date=birth, sector="居民")
    except DomainError as error:
        assert not adult and (error.code, error.rule) == ("PARTICIPANT_UNDER_18", "O1")
    else:
        assert adult
        assert "birth" not in str(o.collect_events()[-1].__dict__), "the birth date is checked, never recorded"


def test_o1_eighteenth_birthday_on_the_day_counts():
    o = planned()
    o.admit(actor=OFFICER, occurred_at=at("2020-09-25"), participant=sealed("李四"), birth_date=date(2002, 10, 12), sector="学生")
    refused("PARTICIPANT_UNDER_18", "O1", lambda: o.admit(
        actor=OFFICER, occurred_at=at("2020-09-25"), participant=sealed("王五"), birth_date=date(2002, 10, 13), sector="学生"))


@pytest.mark.parametrize(("announced", "outcome"), [("2020-09-24", "breached"), ("2020-09-25", "met"), ("2020-10-10", "met"),
                                                     ("2020-10-12", "breached")])
def test_o1_participants_announced_within_the_7_working_days_before(announced, outcome):
    """Open day Monday 2020-10-12: its 7 working days before start on 09-25 (Sunday 09-27 and Saturday 10-10 are 调休)."""
    o = planned()
    assert o.window == date(2020, 9, 25)
    o.admit(actor=OFFICER, occurred_at=at(announced), participant=sealed("赵六"), birth_date=date(1980, 1, 1), sector="企业")
    o.announce_participants(actor=OFFICER, occurred_at=at(announced, 15), channel="门户网站")
    assert o.collect_events()[-1].rule_outcomes == {"O1": outcome}


@pytest.mark.parametrize(("admitted", "outcome"), [("2020-09-24", "breached"), ("2020-09-25", "met")])
def test_o1_participants_recruited_before_the_7_working_days_are_flagged_though_announced_in_time(admitted, outcome):
    """Recruited 18 days early (09-24 is a working day before the window that opens on 09-25), announced in time: a breach."""
    o = planned()
    o.admit(actor=OFFICER, occurred_at=at(admitted), participant=sealed("赵六"), birth_date=date(1980, 1, 1), sector="企业")
    o.admit(actor=OFFICER, occurred_at=at("2020-09-28"), participant=sealed("周九"), birth_date=date(1980, 1, 1), sector="居民")
    o.announce_participants(actor=OFFICER, occurred_at=at("2020-09-29"), channel="门户网站")
    assert o.collect_events()[-1].rule_outcomes == {"O1": outcome}


def test_o1_places_and_the_day_itself():
    o = planned(places=1)
    o.admit(actor=OFFICER, occurred_at=at("2020-09-25"), participant=sealed("钱七"), birth_date=date(1990, 5, 5), sector="居民")
    refused("PLACES_FULL", "O1", lambda: o.admit(
        actor=OFFICER, occurred_at=at("2020-09-25"), participant=sealed("孙八"), birth_date=date(1990, 5, 5), sector="居民"))
    refused("OPEN_DAY_NOT_YET", "O1", lambda: o.hold(actor=OFFICER, occurred_at=at("2020-10-10"), attended=1, opinions=0, summary=""))
    refused("ATTENDANCE_INVALID", "O1", lambda: o.hold(actor=OFFICER, occurred_at=at("2020-10-12"), attended=2, opinions=0, summary=""))
    o.hold(actor=OFFICER, occurred_at=at("2020-10-12", 15), attended=1, opinions=2, summary="建议延长窗口服务时间")
    refused("OPEN_DAY_HELD", "O1", lambda: o.hold(actor=OFFICER, occurred_at=None, attended=1, opinions=0, summary=""))


# M1 meetings with representatives 列席

def invited() -> RepresentedMeeting:
    return RepresentedMeeting.invite(id=uuid4(), actor=OFFICER, occurred_at=at("2020-07-01"), kind="executive",
                                     title="区政府第12次常务会议", meeting_on=date(2020, 7, 6), invited={"公众代表": 2, "人大代表": 1})


@pytest.mark.parametrize(("published", "outcome"), [(at("2020-07-09", 23), "met"), (at("2020-07-10"), "breached")])
def test_m1_feedback_published_within_3_working_days_of_the_meeting(published, outcome):
    m = invited()
    m.hold(actor=OFFICER, occurred_at=at("2020-07-06", 15), calendar=CALENDAR, attended=3, opinions=2,
           opinions_summary="建议公开收费依据")
    assert m.feedback_due.due == date(2020, 7, 9)
    m.publish_feedback(actor=OFFICER, occurred_at=published, adopted=1, feedback="采纳公开收费依据的建议", channel="门户网站")
    assert m.collect_events()[-1].rule_outcomes == {"M1": outcome}
    refused("FEEDBACK_PUBLISHED", "M1", lambda: m.publish_feedback(
        actor=OFFICER, occurred_at=None, adopted=1, feedback="x", channel="门户网站"))


def test_m1_meeting_needs_representatives_and_is_held_before_feedback():
    refused("NO_REPRESENTATIVES_INVITED", "M1", lambda: RepresentedMeeting.invite(
        id=uuid4(), actor=OFFICER, occurred_at=None, kind="plenary", title="全体会议", meeting_on=date(2020, 7, 6), invited={}))
    refused("MEETING_KIND_INVALID", "M2", lambda: RepresentedMeeting.invite(
        id=uuid4(), actor=OFFICER, occurred_at=None, kind="party", title="会", meeting_on=date(2020, 7, 6), invited={"公众代表": 1}))
    m = invited()
    refused("MEETING_NOT_HELD", "M1", lambda: m.publish_feedback(actor=OFFICER, occurred_at=None, adopted=0, feedback="x", channel="y"))
    refused("ATTENDANCE_INVALID", "M1", lambda: m.hold(
        actor=OFFICER, occurred_at=at("2020-07-06"), calendar=CALENDAR, attended=4, opinions=0, opinions_summary=""))


# H1–H5 hearings 听证

def noticed(notice_day: str = "2020-07-06", hearing_day: str = "2020-07-13", **kwargs) -> Hearing:
    return Hearing.notice(id=uuid4(), actor=OFFICER, occurred_at=at(notice_day), calendar=CALENDAR,
                          matter="城区居民用水价格调整", scheduled_at=at(hearing_day, 14), place="区政府三楼会议室",
                          requirements="听证代表须携带身份证件", **kwargs)


def with_roles(h: Hearing) -> Hearing:
    h.assign_roles(actor=OFFICER, occurred_at=at("2020-07-08"), chair="主持人甲", clerk="书记员乙", answerers=["局长丙"],
                   questioners=[sealed("代表丁")], representatives=[sealed("代表丁"), sealed("代表戊")], observers_count=2)
    return h


def test_h1_notice_at_least_5_working_days_before():
    refused("NOTICE_TOO_SHORT", "H1", lambda: noticed(hearing_day="2020-07-10"))
    assert noticed(hearing_day="2020-07-13").notice_period.due == date(2020, 7, 13)
    refused("NOTICE_INCOMPLETE", "H1", lambda: Hearing.notice(
        id=uuid4(), actor=OFFICER, occurred_at=at("2020-07-06"), calendar=CALENDAR, matter="水价", scheduled_at=at("2020-07-20"),
        place="", requirements="x"))


@given(notice=st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 12, 20)), gap=st.integers(min_value=1, max_value=20))
@settings(max_examples=80)
def test_h1_notice_period_follows_holidays_and_adjusted_days(notice, gap):
    hearing = notice + timedelta(days=gap)
    working_days = CALENDAR.working_days_between(notice, hearing)
    try:
        noticed(notice.isoformat(), hearing.isoformat())
    except DomainError as error:
        assert error.code == "NOTICE_TOO_SHORT" and working_days < 5
    else:
        assert working_days >= 5


def test_h2_not_held_without_chair_clerk_questioner_and_answerer():
    h = noticed()
    refused("ROLES_INCOMPLETE", "H2", lambda: h.hold(actor=OFFICER, occurred_at=at("2020-07-13", 14), attended=5, summary=""))
    refused("ROLES_INCOMPLETE", "H2", lambda: h.assign_roles(
        actor=OFFICER, occurred_at=None, chair="甲", clerk="乙", answerers=[" "], questioners=[sealed("丁")], representatives=[]))
    refused("ROLES_INCOMPLETE", "H2", lambda: h.assign_roles(
        actor=OFFICER, occurred_at=None, chair="甲", clerk="乙", answerers=["丙"], questioners=[], representatives=[]))
    refused("CHAIR_IS_CLERK", "H2", lambda: h.assign_roles(
        actor=OFFICER, occurred_at=None, chair="甲", clerk="甲", answerers=["丙"], questioners=[sealed("丁")], representatives=[]))
    with_roles(h)
    refused("NOTICE_TOO_SHORT", "H1", lambda: h.hold(actor=OFFICER, occurred_at=at("2020-07-10", 14), attended=5, summary=""))
    h.hold(actor=OFFICER, occurred_at=at("2020-07-13", 14), attended=5, summary="各方陈述意见")
    assert h.held


def test_h2_members_of_the_public_are_sealed_officials_named():
    roles = next(e for e in with_roles(noticed()).collect_events() if type(e).__name__ == "RolesAssigned")
    assert roles.chair == "主持人甲" and roles.answerers == ["局长丙"]
    assert "代表丁" not in repr(roles.questioners) + repr(roles.representatives)


def test_h3_closed_hearing_is_flagged_unless_state_secrets():
    assert noticed().collect_events()[0].rule_outcomes == {"H3": "met"}
    assert noticed(public=False, closed_reason="state_secret").collect_events()[0].rule_outcomes == {"H3": "met"}
    assert noticed(public=False, closed_reason="内部讨论").collect_events()[0].rule_outcomes == {"H3": "breached"}
    refused("CLOSED_REASON_REQUIRED", "H3", lambda: noticed(public=False))


def test_h4_record_archived_minutes_and_a_repeat_only_without_consensus():
    h = with_roles(noticed())
    refused("HEARING_NOT_HELD", "H4", lambda: h.archive_record(actor=OFFICER, occurred_at=None, sha256=SHA, storage_key="k"))
    h.hold(actor=OFFICER, occurred_at=at("2020-07-13", 14), attended=5, summary="")
    refused("SHA256_INVALID", "H4", lambda: h.archive_record(actor=ARCHIVIST, occurred_at=None, sha256="abc", storage_key="k"))
    h.archive_record(actor=ARCHIVIST, occurred_at=at("2020-07-14"), sha256=SHA.upper(), storage_key=f"originals/{SHA}")
    assert h.record_archived
    refused("REPEAT_NOT_NEEDED", "H4", lambda: noticed("2020-07-14", "2020-07-27", repeats=h))
    h.issue_minutes(actor=OFFICER, occurred_at=at("2020-07-15"), summary="未形成一致意见", consensus=False)
    refused("MINUTES_ISSUED", "H4", lambda: h.issue_minutes(actor=OFFICER, occurred_at=None, summary="x", consensus=True))
    again = noticed("2020-07-15", "2020-07-27", repeats=h)
    assert again.collect_events()[0].repeats == h.id


def test_h5_outcome_published_once():
    h = with_roles(noticed())
    refused("HEARING_NOT_HELD", "H4", lambda: h.publish_outcome(actor=OFFICER, occurred_at=None, decision="x", channel="y"))
    h.hold(actor=OFFICER, occurred_at=at("2020-07-13", 14), attended=5, summary="")
    h.publish_outcome(actor=OFFICER, occurred_at=at("2020-07-20"), decision="水价按方案二调整", channel="门户网站")
    refused("OUTCOME_PUBLISHED", "H5", lambda: h.publish_outcome(actor=OFFICER, occurred_at=None, decision="x", channel="y"))


# P1–P4 major-decision pre-disclosure 重大行政决策预公开

EXPLANATION = {"background": "现行标准已施行十年", "basis": "《价格法》第二十三条", "main_content": "分三档调整"}


def proposed() -> MajorDecision:
    return MajorDecision.propose(id=uuid4(), actor=OFFICER, occurred_at=at("2020-06-01"), title="城区供水价格改革方案")


def cleared() -> MajorDecision:
    d = proposed()
    d.review_secrecy(actor=OFFICER, occurred_at=at("2020-06-02"), decision="approved")
    d.discuss(actor=OFFICER, occurred_at=at("2020-06-03"), meeting="局党组会议", conclusion="同意预公开")
    return d


def disclosed(days: int = 30, reason: str = "") -> MajorDecision:
    d = cleared()
    d.pre_disclose(actor=OFFICER, occurred_at=at("2020-06-05"), draft_title="供水价格改革方案（征求意见稿）",
                   explanation=EXPLANATION, channel="门户网站", comment_days=days, shortened_reason=reason)
    return d


def comment(d: MajorDecision, topic: str, day: str = "2020-06-10") -> None:
    d.receive_comment(actor=OFFICER, occurred_at=at(day), commenter=sealed("市民"), text=sealed("意见"), topic=topic, channel="信函")


def test_p1_secrecy_review_and_collective_discussion_come_first():
    d = proposed()
    go = lambda: d.pre_disclose(actor=OFFICER, occurred_at=None, draft_title="稿", explanation=EXPLANATION, channel="网站")  # noqa: E731
    refused("PRE_DISCLOSURE_NOT_CLEARED", "P1", go)
    d.review_secrecy(actor=OFFICER, occurred_at=None, decision="approved")
    refused("PRE_DISCLOSURE_NOT_CLEARED", "P1", go)
    d.discuss(actor=OFFICER, occurred_at=None, meeting="局长办公会", conclusion="同意")
    go()
    rejected = proposed()
    rejected.review_secrecy(actor=OFFICER, occurred_at=None, decision="rejected", comment="涉密")
    rejected.discuss(actor=OFFICER, occurred_at=None, meeting="局长办公会", conclusion="同意")
    refused("PRE_DISCLOSURE_NOT_CLEARED", "P1", lambda: rejected.pre_disclose(
        actor=OFFICER, occurred_at=None, draft_title="稿", explanation=EXPLANATION, channel="网站"))


@pytest.mark.parametrize("missing", ["background", "basis", "main_content"])
def test_p2_draft_published_with_the_whole_drafting_explanation(missing):
    refused("DRAFTING_EXPLANATION_INCOMPLETE", "P2", lambda: cleared().pre_disclose(
        actor=OFFICER, occurred_at=None, draft_title="稿", explanation={**EXPLANATION, missing: " "}, channel="网站"))


@given(days=st.integers(min_value=1, max_value=60), reason=st.sampled_from(["", "汛期供水安全需要尽快实施"]))
@settings(max_examples=60)
def test_p3_comment_period_30_days_or_7_with_a_reason(days, reason):
    valid = days >= 30 or (days >= 7 and reason)
    try:
        d = disclosed(days, reason)
    except DomainError as error:
        assert not valid and (error.code, error.rule) == ("COMMENT_PERIOD_TOO_SHORT", "P3")
    else:
        assert valid
        assert d.collect_events()[-1].closes_on == date(2020, 6, 5) + timedelta(days=days)


def test_p3_comments_only_while_open_and_absorbed_after():
    d = disclosed()  # published 06-05, open until the end of 07-05
    comment(d, "阶梯水价", "2020-07-05")
    refused("COMMENTS_NOT_OPEN", "P3", lambda: comment(d, "阶梯水价", "2020-07-06"))
    refused("COMMENTS_STILL_OPEN", "P3", lambda: d.absorb_comments(
        actor=OFFICER, occurred_at=at("2020-07-05", 23), calendar=CALENDAR, summary="汇总"))
    d.absorb_comments(actor=OFFICER, occurred_at=at("2020-07-06"), calendar=CALENDAR, summary="汇总")
    assert d.report_due.due == date(2020, 7, 20)


@pytest.mark.parametrize(("published", "outcome"), [(at("2020-07-20", 23), "met"), (at("2020-07-21"), "breached")])
def test_p4_adoption_report_within_10_working_days_with_reasons_for_widely_held_opinions(published, outcome):
    d = disclosed()
    for topic in ("阶梯水价", "阶梯水价", "低保户减免", "水质公开"):
        comment(d, topic)
    d.absorb_comments(actor=OFFICER, occurred_at=at("2020-07-06"), calendar=CALENDAR, summary="共收到意见4条")
    refused("NOT_ADOPTED_REASON_REQUIRED", "P4", lambda: d.publish_adoption_report(
        actor=OFFICER, occurred_at=published, adopted_topics=["低保户减免"], not_adopted_reasons={}, channel="门户网站"))
    d.publish_adoption_report(actor=OFFICER, occurred_at=published, adopted_topics=["低保户减免"],
                              not_adopted_reasons={"阶梯水价": "阶梯水价为国家统一要求"}, channel="门户网站")
    report = d.collect_events()[-1]
    assert (report.received, report.rule_outcomes) == (4, {"P4": outcome})


def test_h1_reading_a_hearing_may_be_held_on_the_5th_working_day_after_its_notice():
    """Noticed Monday 2020-07-06: Tuesday to Friday are 4 working days, Monday 07-13 the 5th — held then, not on the Friday."""
    h = with_roles(noticed("2020-07-06", "2020-07-13"))
    refused("NOTICE_TOO_SHORT", "H1", lambda: h.hold(actor=OFFICER, occurred_at=at("2020-07-10", 14), attended=5, summary=""))
    h.hold(actor=OFFICER, occurred_at=at("2020-07-13", 9), attended=5, summary="")


def test_o1_reading_born_on_29_february_is_18_on_1_march_of_a_common_year():
    def admit(held_on: date) -> None:
        planned(held_on=held_on, places=1).admit(actor=OFFICER, occurred_at=at("2022-02-21"), participant=sealed("吴十"),
                                                 birth_date=date(2004, 2, 29), sector="学生")

    refused("PARTICIPANT_UNDER_18", "O1", lambda: admit(date(2022, 2, 28)))
    admit(date(2022, 3, 1))

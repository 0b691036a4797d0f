"""Major emergencies (N2): deadlines in hours from the reported instant, not working days."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST
from zwgk.domain.emergencies import Emergency
from zwgk.domain.errors import DomainError

OFFICE = Actor("zy-xwb", "officer", "资阳市人民政府新闻办公室")
HAPPENED = datetime(2020, 8, 18, 14, 0, tzinfo=CST)


def reported() -> Emergency:
    return Emergency.report(id=uuid4(), actor=OFFICE, occurred_at=HAPPENED + timedelta(minutes=30), title="某地强降雨灾害",
                            happened_at=HAPPENED)


def test_n2_deadlines_are_5_and_24_hours_stored_in_the_report():
    e = reported()
    event = e.collect_events()[0]
    assert event.information_due == HAPPENED + timedelta(hours=5)
    assert event.information_aim == HAPPENED + timedelta(hours=3)
    assert event.press_conference_due == HAPPENED + timedelta(hours=24)


@given(minutes=st.integers(min_value=31, max_value=60 * 30))
def test_n2_outcomes_follow_the_hours_whatever_the_calendar(minutes):
    e = reported()
    at = HAPPENED + timedelta(minutes=minutes)
    e.release_information(actor=OFFICE, occurred_at=at, channel="政务微博", summary="权威发布")
    outcomes = e.collect_events()[-1].rule_outcomes
    assert outcomes["N2"] == ("met" if minutes <= 300 else "breached")
    assert outcomes["N2_aim_3h"] == ("met" if minutes <= 180 else "missed")


def test_n2_press_conference_within_24_hours_and_once():
    e = reported()
    e.hold_press_conference(actor=OFFICE, occurred_at=HAPPENED + timedelta(hours=26), speaker="市政府新闻发言人")
    assert e.collect_events()[-1].rule_outcomes == {"N2": "breached"}
    with pytest.raises(DomainError) as again:
        e.hold_press_conference(actor=OFFICE, occurred_at=HAPPENED + timedelta(hours=27), speaker="x")
    assert again.value.code == "ALREADY_HELD"


def test_n2_happened_at_needs_a_zone():
    with pytest.raises(DomainError) as refused:
        Emergency.report(id=uuid4(), actor=OFFICE, occurred_at=None, title="t", happened_at=datetime(2020, 1, 1))
    assert refused.value.rule == "N2"
    assert Emergency.report(id=uuid4(), actor=OFFICE, occurred_at=None, title="t",
                            happened_at=datetime(2020, 1, 1, tzinfo=UTC)).collect_events()

"""Disclosure acts 公开行为: rules D1–D8, D10 and D11, on the aggregate alone."""

import copy
from datetime import date, datetime, timedelta
from itertools import pairwise
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST, WorkingDayCalendar
from zwgk.domain.disclosure import Attribute, DisclosureAct, LegalReason
from zwgk.domain.errors import DomainError

UNIT = "资阳市人民政府办公室"
OFFICER = Actor("zy-officer", "officer", UNIT)
SIGNERS = {role: Actor(f"zy-{role}", "officer", UNIT) for role in ("compiler", "issuer", "publisher")}
PRE_REVIEWER = Actor("zy-prereview", "pre_reviewer", "资阳市政务公开预审小组")
LEADER = Actor("zy-leader", "leader", UNIT)
CALENDAR = WorkingDayCalendar()


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


def drafted(attribute="proactive", kind="general", reason=None, basis="", interprets=None) -> DisclosureAct:
    return DisclosureAct.draft(
        id=uuid4(), actor=OFFICER, occurred_at=at("2020-07-06"), title="关于印发实施意见的通知",
        attribute=attribute, kind=kind, doc_number="资府办发〔2020〕31号", reason=reason, reason_basis=basis, interprets=interprets,
    )


def reviewed(act: DisclosureAct) -> DisclosureAct:
    for role, signer in SIGNERS.items():
        act.sign_review(actor=signer, occurred_at=at("2020-07-07"), sheet_role=role)
    act.pre_review(actor=PRE_REVIEWER, occurred_at=at("2020-07-08"), decision="approved")
    return act


def signed(act: DisclosureAct, day="2020-07-10") -> DisclosureAct:
    reviewed(act).sign_off(actor=LEADER, occurred_at=at(day), calendar=CALENDAR)
    return act


def refused(code, rule, call):
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)
    assert error.value.message_zh


def test_d1_draft_states_a_known_attribute():
    refused("ATTRIBUTE_REQUIRED", "D1", lambda: drafted(attribute=""))
    refused("ATTRIBUTE_REQUIRED", "D1", lambda: drafted(attribute="secret-ish"))
    assert drafted().attribute is Attribute.PROACTIVE


@given(
    attribute=st.sampled_from([a.value for a in Attribute]),
    reason=st.one_of(st.none(), st.sampled_from([r.value for r in LegalReason]), st.just("because")),
    basis=st.sampled_from(["", "  ", "《条例》第十四条"]),
)
def test_d2_attribute_other_than_proactive_needs_legal_reason(attribute, reason, basis):
    needs_reason = attribute != "proactive"
    valid = (
        (not needs_reason and reason is None)
        or (needs_reason and reason in {r.value for r in LegalReason} and basis.strip() != "")
    )
    try:
        act = drafted(attribute=attribute, reason=reason, basis=basis)
    except DomainError as error:
        assert not valid
        assert error.rule == "D2"
    else:
        assert valid
        assert act.attribute == attribute


def test_d2_missing_reason_returns_the_draft():
    refused("ATTRIBUTE_REASON_REQUIRED", "D2", lambda: drafted(attribute="partial"))


def test_d4_three_different_people_sign_the_review_sheet():
    act = drafted()
    act.sign_review(actor=SIGNERS["compiler"], occurred_at=None, sheet_role="compiler")
    refused("SIGNERS_NOT_DISTINCT", "D4", lambda: act.sign_review(actor=SIGNERS["compiler"], occurred_at=None, sheet_role="issuer"))
    refused("ALREADY_SIGNED", "D4", lambda: act.sign_review(actor=SIGNERS["issuer"], occurred_at=None, sheet_role="compiler"))
    refused("SHEET_ROLE_INVALID", "D4", lambda: act.sign_review(actor=SIGNERS["issuer"], occurred_at=None, sheet_role="janitor"))


@given(
    signers=st.lists(
        st.tuples(st.sampled_from(["compiler", "issuer", "publisher"]), st.sampled_from(["a", "b", "c", "d"])),
        max_size=6,
    )
)
def test_d4_any_signature_sequence_keeps_roles_and_people_distinct(signers):
    act = drafted()
    for role, person in signers:
        try:
            act.sign_review(actor=Actor(person, "officer", UNIT), occurred_at=None, sheet_role=role)
        except DomainError as error:
            assert error.code in {"SIGNERS_NOT_DISTINCT", "ALREADY_SIGNED"}
    people = list(act.signatures.values())
    assert len(people) == len(set(people))
    assert act.review_complete == (len(people) == 3)


def test_d4_publication_needs_the_complete_review_sheet():
    act = drafted()
    act.sign_review(actor=SIGNERS["compiler"], occurred_at=None, sheet_role="compiler")
    refused("REVIEW_SHEET_INCOMPLETE", "D4", lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))
    refused("REVIEW_SHEET_INCOMPLETE", "D4", lambda: act.pre_review(actor=PRE_REVIEWER, occurred_at=None, decision="approved"))


def test_d4_a_rejecting_signature_blocks_until_revised():
    act = drafted()
    act.sign_review(actor=SIGNERS["compiler"], occurred_at=at("2020-07-06", 10), sheet_role="compiler")
    act.sign_review(actor=SIGNERS["issuer"], occurred_at=at("2020-07-06", 10), sheet_role="issuer", decision="rejected",
                    comment="涉及个人信息")
    act.sign_review(actor=SIGNERS["publisher"], occurred_at=at("2020-07-06", 10), sheet_role="publisher")
    assert not act.review_complete
    act.revise(actor=OFFICER, occurred_at=at("2020-07-06", 12), title="关于印发实施意见的通知（删除个人信息）", note="按审查意见修改")
    assert act.signatures == {}
    reviewed(act)
    assert act.review_complete


def test_d5_pre_review_group_must_approve():
    act = drafted()
    for role, signer in SIGNERS.items():
        act.sign_review(actor=signer, occurred_at=None, sheet_role=role)
    refused("ROLE_NOT_PERMITTED", "D5", lambda: act.pre_review(actor=OFFICER, occurred_at=None, decision="approved"))
    act.pre_review(actor=PRE_REVIEWER, occurred_at=None, decision="rejected")
    refused("PRE_REVIEW_NOT_APPROVED", "D5", lambda: act.sign_off(actor=LEADER, occurred_at=None, calendar=CALENDAR))
    refused("PRE_REVIEW_NOT_APPROVED", "D5", lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))


def test_d6_leader_in_charge_signs_before_publication():
    act = reviewed(drafted())
    refused("LEADER_SIGN_OFF_MISSING", "D6", lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))
    refused("ROLE_NOT_PERMITTED", "D6", lambda: act.sign_off(actor=OFFICER, occurred_at=None, calendar=CALENDAR))
    act.sign_off(actor=LEADER, occurred_at=None, calendar=CALENDAR)
    assert act.signed_off


def test_d3_publication_deadline_is_stored_in_the_sign_off_event():
    act = signed(drafted())
    sign_off = act.collect_events()[-1]
    assert type(sign_off).__name__ == "SignedOff"
    assert sign_off.deadline.rule == "D3"
    assert sign_off.deadline.due == date(2020, 7, 15)
    assert sign_off.deadline.calendar_version.startswith("chinese-calendar")


def test_d3_on_time_and_late_publication_are_recorded_as_rule_outcomes():
    on_time = signed(drafted())
    on_time.publish(actor=OFFICER, occurred_at=at("2020-07-15", 23), calendar=CALENDAR, channel="website")
    assert on_time.collect_events()[-1].rule_outcomes == {"D3": "met"}
    late = signed(drafted())
    late.publish(actor=OFFICER, occurred_at=at("2020-07-20", 10), calendar=CALENDAR, channel="gazette")
    assert late.collect_events()[-1].rule_outcomes == {"D3": "breached"}


def test_d11_licensing_seven_and_enforcement_twenty_working_days():
    licensing = signed(drafted(kind="licensing"))
    assert (licensing.deadline.rule, licensing.deadline.working_days) == ("D11", 7)
    assert licensing.deadline.due == date(2020, 7, 21)
    enforcement = signed(drafted(kind="enforcement_decision"))
    assert (enforcement.deadline.rule, enforcement.deadline.due) == ("D11", date(2020, 8, 7))


@pytest.mark.parametrize("reason", ["state_secret", "commercial_secret", "personal_privacy"])
def test_d7_confidential_content_is_never_published(reason):
    act = signed(drafted(attribute="withheld", reason=reason, basis="《条例》第十四条、第十五条"))
    assert act.deadline is None
    refused("CONFIDENTIAL_NOT_PUBLISHABLE", "D7",
            lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))


def test_d7_partial_disclosure_publishes_the_redacted_version():
    act = signed(drafted(attribute="partial", reason="personal_privacy", basis="《条例》第十五条"))
    refused("CONFIDENTIAL_NOT_PUBLISHABLE", "D7",
            lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))
    internal = signed(drafted(attribute="partial", reason="internal_affairs", basis="《条例》第十六条"))
    internal.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")
    assert internal.published


def test_d1_on_request_information_is_not_published_on_a_channel():
    act = signed(drafted(attribute="on_request", reason="process_information", basis="《条例》第十六条"))
    refused("NOT_PROACTIVE", "D1", lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="website"))


def test_d8_archived_original_is_linked_by_sha256():
    act = signed(drafted())
    refused("SHA256_INVALID", "D8", lambda: act.link_original(actor=OFFICER, occurred_at=None, sha256="abc", storage_key="k"))
    digest = "a" * 64
    act.link_original(actor=OFFICER, occurred_at=None, sha256=digest.upper(), storage_key=f"sha256/{digest}")
    assert act.original == digest


def test_corrections_and_withdrawals_are_new_events():
    act = signed(drafted())
    refused("NOT_PUBLISHED", None, lambda: act.correct(actor=OFFICER, occurred_at=None, reason="错字", correction="第三条"))
    act.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")
    act.correct(actor=OFFICER, occurred_at=at("2020-07-14"), reason="错字", correction="第三条“应当”改为“应”")
    act.withdraw(actor=OFFICER, occurred_at=at("2020-07-15"), reason="政策调整")
    kinds = [type(e).__name__ for e in act.collect_events()]
    assert kinds[-3:] == ["Published", "Corrected", "Withdrawn"]
    refused("ACT_WITHDRAWN", None, lambda: act.publish(actor=OFFICER, occurred_at=None, calendar=CALENDAR, channel="gazette"))


def test_business_time_cannot_run_backwards_or_into_the_future():
    act = drafted()
    refused("OCCURRED_AT_BEFORE_PREVIOUS", None,
            lambda: act.sign_review(actor=SIGNERS["compiler"], occurred_at=at("2020-07-01"), sheet_role="compiler"))
    future = datetime.now(CST) + timedelta(days=1)
    refused("OCCURRED_AT_IN_FUTURE", None, lambda: act.sign_review(actor=SIGNERS["compiler"], occurred_at=future, sheet_role="compiler"))
    refused("OCCURRED_AT_WITHOUT_ZONE", None,
            lambda: act.sign_review(actor=SIGNERS["compiler"], occurred_at=datetime(2020, 7, 8), sheet_role="compiler"))


def test_every_event_carries_actor_times_and_chain():
    act = signed(drafted())
    events = act.collect_events()
    assert events[0].prev_hash == "0" * 64
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    assert {e.actor.id for e in events} >= {"zy-officer", "zy-compiler", "zy-leader"}
    assert all(e.recorded_at.tzinfo is not None and e.occurred_at.tzinfo is not None for e in events)
    assert len({e.event_id for e in events}) == len(events)


def test_d9_interpretation_names_a_policy_and_only_an_interpretation_does():
    policy = drafted(kind="policy")
    refused("INTERPRETED_POLICY_REQUIRED", "D9", lambda: drafted(kind="interpretation"))
    refused("INTERPRETED_POLICY_REQUIRED", "D9", lambda: drafted(interprets=policy))
    refused("NOT_A_POLICY", "D9", lambda: drafted(kind="interpretation", interprets=drafted()))
    assert drafted(kind="interpretation", interprets=policy).interprets == policy.id


def test_d9_interpretation_waits_for_its_policy():
    policy = signed(drafted(kind="policy"))
    interpretation = signed(drafted(kind="interpretation", interprets=policy))
    refused("POLICY_NOT_PUBLISHED", "D9", lambda: interpretation.publish(
        actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website", policy=policy))
    with pytest.raises(ValueError):
        interpretation.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")


@pytest.mark.parametrize(("published", "outcome"), [(at("2020-07-16", 23), "met"), (at("2020-07-17", 9), "breached")])
def test_d9_interpretation_within_three_working_days_of_the_policy(published, outcome):
    """Policy published on Monday 2020-07-13: its interpretation is due by the end of Thursday 07-16."""
    policy = signed(drafted(kind="policy"))
    policy.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")
    started = policy.collect_events()[-1]
    assert started.interpretation_due.rule == "D9"
    assert started.interpretation_due.due == date(2020, 7, 16)
    interpretation = signed(drafted(kind="interpretation", interprets=policy))
    interpretation.publish(actor=OFFICER, occurred_at=published, calendar=CALENDAR, channel="website", policy=policy)
    linked = policy.collect_events()[-1]
    assert type(linked).__name__ == "Interpreted"
    assert (linked.interpretation_id, linked.rule_outcomes) == (interpretation.id, {"D9": outcome})


def test_d9_only_the_first_publication_of_a_policy_starts_the_clock():
    policy = signed(drafted(kind="policy"))
    policy.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")
    policy.publish(actor=OFFICER, occurred_at=at("2020-07-14"), calendar=CALENDAR, channel="gazette")
    first, second = policy.collect_events()[-2:]
    assert first.interpretation_due is not None and second.interpretation_due is None
    general = signed(drafted())
    general.publish(actor=OFFICER, occurred_at=at("2020-07-13"), calendar=CALENDAR, channel="website")
    assert general.collect_events()[-1].interpretation_due is None


def test_a_command_on_a_copy_leaves_the_cached_record_untouched():
    """The repository hands each command a deep copy of its cached record; sharing the unchanging values
    must not let a command's changes reach the cache."""
    act = reviewed(drafted())
    act.collect_events()
    act.nested = {"lists": [[1]], "dicts": [{"a": 1}]}  # state of a shape no record has yet: copied all the way down
    before = {name: copy.deepcopy(value) for name, value in vars(act).items()}
    clone = copy.deepcopy(act)
    assert type(clone) is DisclosureAct and vars(clone) == vars(act)
    assert clone.signatures is not act.signatures and clone.rechecked_years is not act.rechecked_years
    clone.sign_off(actor=LEADER, occurred_at=at("2020-07-10"), calendar=CALENDAR)
    clone.signatures["compiler"] = "someone else"
    clone.rechecked_years.append(2020)
    clone.nested["lists"][0].append(2)
    clone.nested["dicts"][0]["a"] = 2
    assert vars(act) == before and clone.version == act.version + 1


def test_d10_a_withheld_document_is_rechecked_once_a_year_on_time_in_november():
    act = drafted(attribute="withheld", reason="state_secret", basis="《保守国家秘密法》第九条")
    act.recheck_withholding(actor=OFFICER, occurred_at=at("2020-11-16"), year=2020, still_withheld=True)
    act.recheck_withholding(actor=OFFICER, occurred_at=at("2022-01-05"), year=2021, still_withheld=False, note="已解密")
    first, late = act.collect_events()[-2:]
    assert (first.rule_outcomes, late.rule_outcomes) == ({"D10": "met"}, {"D10": "breached"})
    assert act.rechecked_years == [2020, 2021]
    refused = [
        (lambda: act.recheck_withholding(actor=OFFICER, occurred_at=at("2022-11-02"), year=2021, still_withheld=True), "ALREADY_RECHECKED"),
        (lambda: act.recheck_withholding(actor=OFFICER, occurred_at=at("2022-11-02"), year=2023, still_withheld=True),
         "RECHECK_YEAR_AHEAD"),
        (lambda: act.recheck_withholding(actor=OFFICER, occurred_at=at("2022-11-02"), year=2022, still_withheld=False),
         "CONVERSION_REASON_REQUIRED"),
        (lambda: act.recheck_withholding(actor=Actor("x", "officer", "别的单位"), occurred_at=at("2022-11-02"), year=2022,
                                         still_withheld=True), "NOT_RESPONSIBLE_UNIT"),
        (lambda: drafted().recheck_withholding(actor=OFFICER, occurred_at=at("2022-11-02"), year=2022, still_withheld=True),
         "NOT_WITHHELD"),
    ]
    for attempt, code in refused:
        with pytest.raises(DomainError) as error:
            attempt()
        assert (error.value.code, error.value.rule) in ((code, "D10"), (code, "C3"))
    assert act.rechecked_years == [2020, 2021]


@pytest.mark.parametrize(("kind", "rule", "working_days"), [
    ("general", "D3", 3), ("policy", "D3", 3), ("interpretation", "D3", 3),
    ("enforcement_decision", "D11", 20), ("licensing", "D11", 7), ("penalty", "D11", 7),
])
def test_d3_d11_reading_each_document_kind_has_one_publication_rule(kind, rule, working_days):
    """The special rule (D11) before the general one (D3); the clock starts at the sign-off 签发."""
    act = signed(drafted(kind=kind, interprets=drafted(kind="policy") if kind == "interpretation" else None))
    assert (act.deadline.rule, act.deadline.working_days, act.deadline.start) == (rule, working_days, date(2020, 7, 10))

"""Complaints (Q1–Q4), accountability (K1–K4) and assessment (E1–E4), on the aggregates."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.accountability import AccountabilityCase, Sanction, Violation
from zwgk.domain.actors import Actor
from zwgk.domain.assessment import CRITERIA, Assessment, Grade, grade_of
from zwgk.domain.complaints import Complaint, ComplaintCategory
from zwgk.domain.data_subjects import DataSubject, ErasureBasis, PersonalDataReading, data_subject_id
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import ERASED, SubjectKey, seal, unseal

OFFICE = Actor("qy-complaints", "complaints_office", "清原满族自治县政务公开办")
OFFICER = Actor("qy-officer", "officer", "清原满族自治县人民政府")
INSPECTOR = Actor("jw-1", "inspector", "纪委监委派驻组")
LEADING = Actor("lg-1", "leading_group_office", "政务公开领导小组办公室")
GOV = Actor("gov-1", "government_office", "县政府办公室")
KEY = SubjectKey("complainant-1", "k1", bytes(range(32)))
COMPLAINT = uuid4()


class MemoryKeys:
    def __init__(self, *keys: SubjectKey) -> None:
        self.keys = {k.subject_id: k for k in keys}

    def key_for(self, subject_id):
        return self.keys[subject_id]

    def find(self, subject_id):
        return self.keys.get(subject_id)

    def forget(self, subject_id):
        return self.keys.pop(subject_id, None) is not None

    def keep_new(self) -> None:
        """Kept as made: these tests are not about refused commands' keys."""

    def discard_new(self) -> None:
        """As above."""


def refused(code, rule, call):
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)


def registered(**changes) -> Complaint:
    fields = dict(id=uuid4(), actor=OFFICE, occurred_at=None, category="delay_without_reason", form="oral", signed=False,
                  major=False, respondent_unit="县自然资源局", channel="电话",
                  complainant_name=seal(KEY, "complainant_name", "王某某"),
                  complainant_contact=seal(KEY, "complainant_contact", "139****0000"),
                  account=seal(KEY, "account", "申请信息逾期未答复"))
    fields.update(changes)
    return Complaint.register(**fields)


@given(category=st.text(max_size=25) | st.sampled_from([c.value for c in ComplaintCategory]))
def test_q1_complaint_category_is_one_of_five(category):
    try:
        registered(category=category)
    except DomainError as error:
        assert category not in {c.value for c in ComplaintCategory} and error.rule == "Q1"
    else:
        assert category in {c.value for c in ComplaintCategory}


@given(form=st.sampled_from(["oral", "written"]), signed=st.booleans(), major=st.booleans())
def test_q2_major_matters_are_signed_and_in_writing(form, signed, major):
    allowed = not major or (form == "written" and signed)
    try:
        registered(form=form, signed=signed, major=major)
    except DomainError as error:
        assert not allowed and error.code == "MAJOR_COMPLAINT_NOT_SIGNED_IN_WRITING" and error.rule == "Q2"
    else:
        assert allowed


def test_q3_identity_is_sealed_and_only_the_complaints_office_reads_it():
    complaint = registered()
    event = complaint.collect_events()[0]
    assert "王某某" not in repr(event)
    keys = MemoryKeys(KEY)
    assert unseal(keys, "complainant_name", event.complainant_name) == "王某某"
    assert unseal(keys, "account", event.complainant_name) == ERASED  # bound to its field
    refused("PERSONAL_DATA_RESTRICTED", "Q3", lambda: registered(actor=OFFICER))
    keys.forget(KEY.subject_id)
    assert unseal(keys, "complainant_name", event.complainant_name) == ERASED


def test_q3_a_read_of_personal_data_is_the_complaints_office_s_and_states_its_purpose():
    sealed = seal(KEY, "complainant_name", "王某某")
    read = {"id": uuid4(), "occurred_at": None, "sealed": sealed, "record_id": COMPLAINT, "record_type": "Complaint",
            "field": "complainant_name"}
    refused("PERSONAL_DATA_RESTRICTED", "Q3", lambda: PersonalDataReading.read(actor=INSPECTOR, purpose="核查办理情况", **read))
    refused("PURPOSE_REQUIRED", "Q3", lambda: PersonalDataReading.read(actor=OFFICE, purpose=" 看 ", **read))
    (event,) = PersonalDataReading.read(actor=OFFICE, purpose="回访投诉人", **read).collect_events()
    assert (event.subject_id, event.record_id, event.field, event.purpose) == (KEY.subject_id, COMPLAINT, "complainant_name", "回访投诉人")
    assert "王某某" not in repr(event)


@given(basis=st.text(max_size=20) | st.sampled_from([b.value for b in ErasureBasis]), note=st.sampled_from(["", "  ", "依据某条例"]))
def test_q3_an_erasure_names_its_legal_basis(basis, note):
    allowed = basis in {b.value for b in ErasureBasis} and (basis != "other_legal_ground" or note.strip())
    try:
        subject = DataSubject.erase(actor=OFFICE, occurred_at=None, subject_id=KEY.subject_id, key_id=KEY.key_id,
                                    basis=basis, note=note, records=[COMPLAINT])
    except DomainError as error:
        assert not allowed and error.rule == "Q3"
    else:
        assert allowed and subject.id == data_subject_id(KEY.subject_id)
        (erased,) = subject.collect_events()
        assert (erased.basis, erased.note, erased.key_id, erased.records) == (basis, note.strip(), KEY.key_id, [COMPLAINT])


def test_q3_only_the_complaints_office_erases_personal_data():
    refused("PERSONAL_DATA_RESTRICTED", "Q3", lambda: DataSubject.erase(
        actor=INSPECTOR, occurred_at=None, subject_id=KEY.subject_id, key_id=KEY.key_id, basis="purpose_fulfilled", note="",
        records=[COMPLAINT]))


def test_q4_handling_feedback_and_publication_in_order():
    complaint = registered()
    refused("COMPLAINT_NOT_ASSIGNED", "Q4",
            lambda: complaint.handle(actor=OFFICE, occurred_at=None, findings="f", substantiated=True, outcome="o"))
    complaint.assign(actor=OFFICE, occurred_at=None, handler_unit="县自然资源局")
    refused("COMPLAINT_NOT_HANDLED", "Q4",
            lambda: complaint.give_feedback(actor=OFFICE, occurred_at=None, feedback=seal(KEY, "feedback", "x")))
    complaint.handle(actor=Actor("zr-1", "officer", "县自然资源局"), occurred_at=None, findings="答复超期 5 个工作日", substantiated=True,
                     outcome="责令整改")
    refused("COMPLAINT_NOT_ANSWERED", "Q4", lambda: complaint.publish_feedback(actor=OFFICE, occurred_at=None, summary="s"))
    complaint.give_feedback(actor=OFFICE, occurred_at=None, feedback=seal(KEY, "feedback", "已责令整改"))
    complaint.publish_feedback(actor=OFFICE, occurred_at=None, summary="一件申请答复超期的投诉属实，已责令整改。")
    published = complaint.collect_events()[-1]
    assert (published.category, published.respondent_unit, published.substantiated) == ("delay_without_reason", "县自然资源局", True)


def opened(**changes) -> AccountabilityCase:
    fields = dict(id=uuid4(), actor=INSPECTOR, occurred_at=None, subject_kind="person", subject_id="zr-1",
                  subject_unit="县自然资源局", violation="procedure_or_time_limit", origin="complaint",
                  evidence=["6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11"], description="答复超期")
    fields.update(changes)
    return AccountabilityCase.open(**fields)


def test_k1_case_names_its_subject():
    refused("CASE_SUBJECT_INVALID", "K1", lambda: opened(subject_kind="department"))
    refused("CASE_SUBJECT_REQUIRED", "K1", lambda: opened(subject_id=""))
    assert opened(subject_kind="unit", subject_id="").collect_events()


@given(violation=st.sampled_from([v.value for v in Violation]) | st.text(max_size=12))
def test_k2_violation_is_one_of_ten(violation):
    try:
        opened(violation=violation)
    except DomainError as error:
        assert violation not in {v.value for v in Violation} and error.rule == "K2"
    else:
        assert len(Violation) == 10


def test_k3_no_decision_without_investigation_and_in_order():
    case = opened()
    refused("INVESTIGATION_REQUIRED", "K3",
            lambda: case.decide(actor=LEADING, occurred_at=None, sanctions=["criticism_education"], decision="d", meeting="m"))
    refused("INVESTIGATION_REQUIRED", "K3", lambda: case.give_opinion(actor=INSPECTOR, occurred_at=None, opinion="o"))
    refused("INVESTIGATION_INCOMPLETE", "K3",
            lambda: case.investigate(actor=INSPECTOR, occurred_at=None, working_group=["jw-1"], findings="x"))
    case.investigate(actor=INSPECTOR, occurred_at=None, working_group=["jw-1", "jw-2"], findings="属实")
    refused("CASE_OUT_OF_ORDER", "K3",
            lambda: case.decide(actor=LEADING, occurred_at=None, sanctions=["criticism_education"], decision="d", meeting="m"))
    case.give_opinion(actor=INSPECTOR, occurred_at=None, opinion="建议通报批评")
    refused("COLLECTIVE_DECISION_REQUIRED", "K3",
            lambda: case.decide(actor=LEADING, occurred_at=None, sanctions=["circulated_criticism"], decision="d", meeting=""))
    case.decide(actor=LEADING, occurred_at=None, sanctions=["circulated_criticism", "written_self_criticism"],
                decision="通报批评并书面检查", meeting="领导小组2026年第3次会议")
    case.file(actor=LEADING, occurred_at=None, filed_with="县纪委监委")
    assert case.stage == "filed"


@given(sanctions=st.lists(st.sampled_from([s.value for s in Sanction] + ["dismissal"]), max_size=6))
def test_k4_sanctions_one_or_several_of_five(sanctions):
    case = opened()
    case.investigate(actor=INSPECTOR, occurred_at=None, working_group=["a", "b"], findings="f")
    case.give_opinion(actor=INSPECTOR, occurred_at=None, opinion="o")
    valid = bool(sanctions) and len(set(sanctions)) == len(sanctions) and "dismissal" not in sanctions
    try:
        case.decide(actor=LEADING, occurred_at=None, sanctions=sanctions, decision="d", meeting="m")
    except DomainError as error:
        assert not valid and error.rule == "K4"
    else:
        assert valid


@given(total=st.decimals(min_value=0, max_value=100, places=1))
def test_e1_grades_on_the_100_point_scale(total):
    grade = grade_of(total)
    expected = Grade.EXCELLENT if total >= 90 else Grade.GOOD if total >= 80 else Grade.PASS if total >= 60 else Grade.FAIL
    assert grade is expected


def scores(total_fraction: Decimal) -> dict[str, Decimal]:
    return {k: (Decimal(maximum) * total_fraction).quantize(Decimal("0.1")) for k, (_, maximum) in CRITERIA.items()}


def test_e1_scores_cover_the_eight_criteria_within_their_maxima():
    assert sum(m for _, m in CRITERIA.values()) == 100 and len(CRITERIA) == 8
    a = Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025", self_score=Decimal(92), report="自查报告")
    refused("CRITERIA_MISMATCH", "E1", lambda: a.assess(actor=GOV, occurred_at=None, scores={"organisation": Decimal(5)}, opinion=""))
    too_much = scores(Decimal(1)) | {"scope": Decimal(16)}
    refused("SCORE_OUT_OF_RANGE", "E1", lambda: a.assess(actor=GOV, occurred_at=None, scores=too_much, opinion=""))


def test_e2_period_is_a_year_or_a_quarter():
    refused("PERIOD_INVALID", "E2",
            lambda: Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025-H1", self_score=Decimal(1), report="r"))
    assert Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025-Q4", self_score=Decimal(1), report="r")


def test_e3_self_assessment_scores_approval_publication_in_order():
    a = Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025", self_score=Decimal(92), report="自查报告")
    refused("ASSESSMENT_OUT_OF_ORDER", "E3", lambda: a.approve_grade(actor=LEADING, occurred_at=None))
    refused("ROLE_NOT_PERMITTED", "E3", lambda: a.assess(actor=OFFICER, occurred_at=None, scores=scores(Decimal(1)), opinion=""))
    a.assess(actor=GOV, occurred_at=None, scores=scores(Decimal("0.85")), opinion="良")
    refused("ASSESSMENT_OUT_OF_ORDER", "E3", lambda: a.publish(actor=LEADING, occurred_at=None))
    a.approve_grade(actor=LEADING, occurred_at=None)
    a.publish(actor=LEADING, occurred_at=None)
    assert a.collect_events()[-1].grade == "good"


def test_e4_failing_twice_loses_award_eligibility():
    a = Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025", self_score=Decimal(70), report="r")
    a.assess(actor=GOV, occurred_at=None, scores=scores(Decimal("0.5")), opinion="差")
    a.approve_grade(actor=LEADING, occurred_at=None)
    a.publish(actor=LEADING, occurred_at=None)
    assert a.grade is Grade.FAIL
    a.order_rectification(actor=LEADING, occurred_at=None, deadline=date(2026, 3, 31), requirements="限期整改")
    a.reassess(actor=GOV, occurred_at=None, total=Decimal(55), on=date(2026, 4, 2))
    kinds = [type(e).__name__ for e in a.collect_events()[-2:]]
    assert kinds == ["Reassessed", "AwardEligibilityLost"] and not a.award_eligible


def test_e4_rectification_only_for_a_published_fail():
    a = Assessment.self_assess(actor=OFFICER, occurred_at=None, period="2025", self_score=Decimal(95), report="r")
    a.assess(actor=GOV, occurred_at=None, scores=scores(Decimal("0.95")), opinion="优")
    a.approve_grade(actor=LEADING, occurred_at=None)
    a.publish(actor=LEADING, occurred_at=None)
    refused("RECTIFICATION_NOT_DUE", "E4",
            lambda: a.order_rectification(actor=LEADING, occurred_at=None, deadline=date(2026, 3, 31), requirements="x"))

"""Commands declared once, beside their records: registration, dispatch by type, schemas from the class."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import pytest

from zwgk.connectors.commands import arguments, catalogue, parse
from zwgk.domain.actors import Actor, Role
from zwgk.domain.assessment import Assess
from zwgk.domain.commands import COMMANDS, Changes, Command, Opens
from zwgk.domain.contexts import records
from zwgk.domain.disclosure import DisclosureAct, OnAct, SignOffDisclosure, SignReview
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Ledger
from zwgk.domain.requests import InformationRequest, ReceiveRequest
from zwgk.domain.rules import Rule

ACT = "2f0e6c1a-1d2b-4c3d-8e4f-5a6b7c8d9e0f"


def test_every_command_is_registered_under_its_own_name_and_knows_its_record():
    assert len(COMMANDS) == len({c.name for c in COMMANDS.values()}) == len(catalogue())
    assert COMMANDS["sign_review"] is SignReview
    known = set(records())
    for command in COMMANDS.values():
        if issubclass(command, Changes | Opens):
            assert command.record_type in known, command.name
    assert SignReview.record_type is DisclosureAct and not SignReview.takes_calendar
    assert SignOffDisclosure.takes_calendar  # D3: the sign-off starts the publication clock
    assert ReceiveRequest.record_type is InformationRequest and ReceiveRequest.takes_calendar  # A1


def test_a_name_is_declared_once():
    with pytest.raises(TypeError, match="declared twice"):
        @dataclass(frozen=True, kw_only=True)
        class Again(Command, name="sign_review", summary_zh="重复"):
            pass
    assert COMMANDS["sign_review"] is SignReview


def test_a_decision_that_is_not_a_records_method_is_refused_at_declaration():
    with pytest.raises(TypeError, match="not a decision of a record"):
        @dataclass(frozen=True, kw_only=True)
        class Elsewhere(OnAct):
            decides = str.strip


def test_d4_the_schema_lists_the_allowed_values_from_the_enum_and_the_fields_descriptions():
    schema = arguments(SignReview).json_schema()
    assert schema["additionalProperties"] is False and schema["required"] == ["act_id", "sheet_role"]
    assert schema["$defs"]["SheetRole"]["enum"] == ["compiler", "issuer", "publisher"]
    assert "(D4)" in schema["properties"]["sheet_role"]["description"]


def test_an_envelope_parses_into_its_command_class_or_is_refused_field_by_field_in_chinese():
    actor = {"id": "a", "role": "officer", "unit": "某单位"}
    command, who, at = parse({"command": "sign_review", "actor": actor, "args": {"act_id": ACT, "sheet_role": "issuer"}})
    assert isinstance(command, SignReview) and command.act_id == UUID(ACT) and who.unit == "某单位" and at is None
    with pytest.raises(DomainError) as refused:
        parse({"command": "sign_review", "actor": actor, "args": {"act_id": ACT, "sheet_role": "boss", "extra": 1}})
    assert refused.value.code == "INVALID_ARGUMENTS"
    assert "sheet_role：应为以下之一" in refused.value.message_zh and "extra：不接受此项" in refused.value.message_zh
    with pytest.raises(DomainError) as unknown:
        parse({"command": "sing_review", "actor": actor, "args": {}})
    assert unknown.value.code == "UNKNOWN_COMMAND"


def test_e3_a_step_of_the_assessment_before_the_self_assessment_is_refused_under_e3_and_records_nothing():
    ledger = Ledger()
    office = Actor("office", Role.GOVERNMENT_OFFICE, "某县政府办公室")
    with pytest.raises(DomainError) as refused:
        ledger.execute(Assess(unit="某县财政局", period="2025", scores={}), office)
    assert (refused.value.code, refused.value.rule) == ("NOT_SELF_ASSESSED", Rule.E3)
    assert ledger.recorder.max_notification_id() in (None, 0)


def test_e3_a6_a_second_self_assessment_or_annual_report_of_the_same_period_is_refused_under_its_rule():
    from zwgk.domain.annual_reports import PublishAnnualReport
    from zwgk.domain.assessment import SelfAssess

    ledger = Ledger()
    officer = Actor("o", Role.OFFICER, "某县财政局")
    table = {line: {"total": 0} for line in ("1", "2", "3.7", "4")}
    for command, rule in ((SelfAssess(period="2025", self_score=Decimal(90), report="自查"), Rule.E3),
                          (PublishAnnualReport(year=2025, channel="门户网站", table=table), Rule.A6)):
        ledger.execute(command, officer)
        before = ledger.recorder.max_notification_id()
        with pytest.raises(DomainError) as refused:
            ledger.execute(command, officer)
        assert (refused.value.code, refused.value.rule) == ("ALREADY_EXISTS", rule)
        assert ledger.recorder.max_notification_id() == before

"""Access 授权: every role against every command and every query, from an expectation written here by role
(not read back from the table), and the unit scope enforced on the records commands open and change."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

import zwgk.archive.commands  # noqa: F401 - registers the archive's commands
from tests.keys import KeysInMemory
from zwgk.archive.commands import ArchiveContext
from zwgk.connectors.commands import import_directory, parse
from zwgk.connectors.config import Settings
from zwgk.connectors.demo import scenario
from zwgk.connectors.wiring import open_services
from zwgk.domain import contexts
from zwgk.domain.access import COMMAND_ACCESS, QUERY_ACCESS, Scope, permit_command, permit_query
from zwgk.domain.accountability import AccountabilityCase, OpenCase
from zwgk.domain.actors import ADMINISTRATORS, SYSTEM, Actor, Role
from zwgk.domain.annual_reports import AnnualReport, PublishAnnualReport
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.assessment import Assessment, SelfAssess
from zwgk.domain.catalogue import AmendCatalogueItem, CatalogueItem, ListCatalogueItem
from zwgk.domain.commands import COMMANDS, Changes, Command, Context, Opens
from zwgk.domain.complaints import AssignComplaint, Complaint, HandleComplaint, RegisterComplaint
from zwgk.domain.data_subjects import DataSubject, PersonalDataReading
from zwgk.domain.disclosure import DraftDisclosure, PublishDisclosure, ReviseDisclosure
from zwgk.domain.emergencies import ReleaseInformation, ReportEmergency
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Ledger
from zwgk.domain.official_calendar import OfficialCalendarYear
from zwgk.domain.rules import Rule
from zwgk.projections.policies import AccountabilityForPersistentFailure

OWN, ANY = Scope.OWN_UNIT, Scope.ANY_UNIT

# The expectation, by role: what each role does, and for which units.

ACCOUNT_COMMANDS = {"open_account", "grant_role", "revoke_role", "disable_account", "enable_account", "issue_token",
                    "revoke_token", "set_password"}

UNIT_DISCLOSURE_WORK = {
    # catalogue (C1–C4)
    "list_catalogue_item", "amend_catalogue_item", "withdraw_catalogue_item", "file_catalogue_adjustments",
    # disclosure acts (D1–D11)
    "draft_disclosure", "revise_disclosure", "sign_review", "publish_disclosure", "correct_disclosure", "withdraw_disclosure",
    "recheck_withholding", "link_original",
    # applications and the annual report (A1–A6)
    "receive_request", "request_completion", "complete_request", "abandon_request", "start_consultation", "end_consultation",
    "extend_request", "answer_request", "publish_annual_report",
    # emergencies, announcements, major decisions, hearings, meetings, open days
    "report_emergency", "release_emergency_information", "hold_press_conference",
    "post_announcement", "update_announcement", "take_down_announcement",
    "propose_decision", "review_decision_secrecy", "discuss_decision", "pre_disclose_decision", "receive_decision_comment",
    "absorb_decision_comments", "publish_adoption_report",
    "notice_hearing", "assign_hearing_roles", "hold_hearing", "archive_hearing_record", "issue_hearing_minutes",
    "publish_hearing_outcome",
    "invite_representatives", "hold_meeting", "publish_meeting_feedback",
    "plan_open_day", "admit_open_day_participant", "announce_open_day_participants", "hold_open_day",
    # a complaint assigned to the unit; the unit's self-assessment
    "handle_complaint", "self_assess",
}

EXPECTED_COMMANDS: dict[Role, dict[str, Scope]] = {
    Role.OFFICER: dict.fromkeys(UNIT_DISCLOSURE_WORK, OWN),
    Role.LEADER: {"sign_off_disclosure": OWN},
    Role.PRE_REVIEWER: {"pre_review_disclosure": ANY},
    Role.LEADING_GROUP_OFFICE: dict.fromkeys(("decide_case", "file_case", "approve_grade", "publish_assessment",
                                              "order_rectification", "load_calendar", "recompute_deadlines",
                                              "record_organ_kind"), ANY),
    Role.ARCHIVIST: dict.fromkeys(("archive_original", "place_legal_hold", "release_legal_hold", "link_original",
                                   "archive_hearing_record", "appraise_original", "draft_destruction_list", "destroy_originals"),
                                  ANY),
    Role.AGENCY_HEAD: {"approve_destruction_list": ANY},
    Role.INSPECTOR: dict.fromkeys(("open_case", "investigate_case", "give_case_opinion"), ANY),
    Role.COMPLAINTS_OFFICE: dict.fromkeys(("register_complaint", "assign_complaint", "handle_complaint", "give_complaint_feedback",
                                           "publish_complaint_feedback", "erase_personal_data",
                                           "read_personal_data"), ANY),
    Role.GOVERNMENT_OFFICE: dict.fromkeys(("assess_unit", "reassess_unit"), ANY),
    Role.INTEGRATOR: {},
    Role.SYSTEM_ADMIN: {},
    Role.SECURITY_ADMIN: dict.fromkeys(ACCOUNT_COMMANDS, ANY),
    Role.SECURITY_AUDITOR: {},
    Role.SYSTEM: dict.fromkeys(("open_case", "recompute_deadlines"), ANY),
}

QUERIES = {
    "register", "catalogue", "unfiled_adjustments", "deadlines", "violations", "timeline", "record_as_of", "assessment",
    "annual_report", "participation", "participation_counts", "complaints", "requests", "data_subjects",
    "erasures", "archive_search", "archive_download", "archive_metadata", "fixity_report", "four_properties", "bagit_export",
    "appraisal_due", "audit_verify", "audit_checkpoint", "audit_proofs", "audit_event", "projection_status", "security_log",
    "accounts", "contract",
}
ADMINISTRATION = {"projection_status", "security_log", "accounts"}
NO_UNITS = {"audit_checkpoint", "contract"}  # read across units by whoever reads them
UNIT_VIEWS = {"register", "catalogue", "unfiled_adjustments", "deadlines", "violations", "assessment", "annual_report",
              "participation", "participation_counts", "requests"}
ACROSS_UNITS = UNIT_VIEWS - {"requests"}
HISTORIES = {"timeline", "record_as_of"}  # a unit's own records' histories  # what those leading, assessing and inspecting the work read

EXPECTED_QUERIES: dict[Role, dict[str, Scope]] = {
    Role.OFFICER: {**dict.fromkeys(UNIT_VIEWS | HISTORIES | {"complaints", "archive_search", "archive_download", "archive_metadata"},
                                   OWN),
                   **dict.fromkeys(NO_UNITS, ANY)},
    Role.LEADER: {**dict.fromkeys(UNIT_VIEWS | HISTORIES, OWN), **dict.fromkeys(NO_UNITS, ANY)},
    Role.PRE_REVIEWER: dict.fromkeys({"register"} | NO_UNITS, ANY),
    Role.LEADING_GROUP_OFFICE: dict.fromkeys(ACROSS_UNITS | NO_UNITS, ANY),
    Role.GOVERNMENT_OFFICE: dict.fromkeys(ACROSS_UNITS | NO_UNITS, ANY),
    Role.ARCHIVIST: dict.fromkeys({"register", "participation", "archive_search", "archive_download", "archive_metadata",
                                   "fixity_report", "four_properties", "bagit_export", "appraisal_due"} | NO_UNITS, ANY),
    Role.AGENCY_HEAD: dict.fromkeys({"appraisal_due"} | NO_UNITS, ANY),
    Role.INSPECTOR: dict.fromkeys(QUERIES - {"security_log", "accounts"}, ANY),
    Role.COMPLAINTS_OFFICE: dict.fromkeys({"complaints", "data_subjects", "erasures"} | NO_UNITS, ANY),
    Role.INTEGRATOR: dict.fromkeys({"register", "catalogue", "participation", "annual_report", "audit_checkpoint", "audit_proofs",
                                    "contract"}, ANY),
    Role.SYSTEM_ADMIN: {"projection_status": ANY},
    Role.SECURITY_ADMIN: {"accounts": ANY},
    Role.SECURITY_AUDITOR: {"security_log": ANY, "accounts": ANY},
    Role.SYSTEM: {},
}

ALL_COMMANDS = sorted(set(COMMANDS) | ACCOUNT_COMMANDS)


ROLE_ZH = {Role.OFFICER: "政务公开专员", Role.LEADER: "分管领导", Role.PRE_REVIEWER: "预审小组成员",
           Role.LEADING_GROUP_OFFICE: "政务公开领导小组办公室", Role.ARCHIVIST: "档案员", Role.AGENCY_HEAD: "机关负责人",
           Role.INSPECTOR: "纪检监察人员",
           Role.COMPLAINTS_OFFICE: "投诉受理机构", Role.GOVERNMENT_OFFICE: "政府办公室", Role.INTEGRATOR: "数据对接方",
           Role.SYSTEM_ADMIN: "系统管理员", Role.SECURITY_ADMIN: "安全管理员", Role.SECURITY_AUDITOR: "安全审计员", Role.SYSTEM: "系统"}

# Where a role restriction restates a rule, the refusal names it, as the domain's own check does.
RULE_OF_ROLE = {"pre_review_disclosure": Rule.D5, "sign_off_disclosure": Rule.D6, "investigate_case": Rule.K3,
                "decide_case": Rule.K3, "assess_unit": Rule.E3, "approve_grade": Rule.E3, "reassess_unit": Rule.E4,
                "archive_original": Rule.R1, "place_legal_hold": Rule.R2, "release_legal_hold": Rule.R2,
                "appraise_original": Rule.R4, "draft_destruction_list": Rule.R5, "approve_destruction_list": Rule.R5,
                "destroy_originals": Rule.R5,
                **dict.fromkeys(("register_complaint", "assign_complaint", "give_complaint_feedback", "publish_complaint_feedback",
                                 "erase_personal_data", "read_personal_data"), Rule.Q3)}


def error_rule(name: str) -> Rule | None:
    return RULE_OF_ROLE.get(name)


def someone(role: Role, unit: str = "某县人民政府办公室") -> Actor:
    return Actor(f"{role}-1", role, unit)


def refused(code: str, rule: Rule | None, call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)
    assert error.value.message_zh and error.value.message_en
    return error.value


def test_the_expectation_names_every_role_and_only_known_names():
    assert set(EXPECTED_COMMANDS) == set(EXPECTED_QUERIES) == set(Role)
    assert set().union(*EXPECTED_COMMANDS.values()) <= set(ALL_COMMANDS)
    assert set().union(*EXPECTED_QUERIES.values()) <= QUERIES
    assert not UNIT_DISCLOSURE_WORK - set(COMMANDS)


def test_the_command_table_has_every_registered_command_and_beside_them_only_the_account_commands():
    assert set(COMMANDS) <= set(COMMAND_ACCESS)
    assert set(COMMAND_ACCESS) - set(COMMANDS) <= ACCOUNT_COMMANDS
    assert ACCOUNT_COMMANDS <= set(COMMAND_ACCESS)


def test_the_query_table_has_exactly_the_reads_the_api_uses():
    assert set(QUERY_ACCESS) == QUERIES


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", ALL_COMMANDS)
def test_every_role_against_every_command(role: Role, name: str):
    actor = someone(role)
    expected = EXPECTED_COMMANDS[role].get(name)
    if expected is None:
        error = refused("ROLE_NOT_PERMITTED", error_rule(name), lambda: permit_command(actor, name))
        assert error.message_zh.startswith(ROLE_ZH[role])
    else:
        assert permit_command(actor, name) is expected


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_role_against_every_query(role: Role, name: str):
    actor = someone(role)
    expected = EXPECTED_QUERIES[role].get(name)
    if expected is None:
        with pytest.raises(DomainError) as error:
            permit_query(actor, name)
        assert error.value.code == "ROLE_NOT_PERMITTED" and error.value.message_zh.startswith(ROLE_ZH[role])
    else:
        assert permit_query(actor, name) is expected


def test_the_three_administrators_act_in_no_disclosure_command_and_read_no_business_view():
    """三员分立: accounts are the security administrator's alone, the security log the auditor's."""
    for role in ADMINISTRATORS:
        administrator = someone(role, "信息中心")
        for name in set(COMMANDS) - ACCOUNT_COMMANDS:
            refused("ROLE_NOT_PERMITTED", error_rule(name), lambda: permit_command(administrator, name))  # noqa: B023
        for name in QUERIES - ADMINISTRATION:
            with pytest.raises(DomainError, match="ROLE_NOT_PERMITTED"):
                permit_query(administrator, name)
    for name in ACCOUNT_COMMANDS:
        assert {r for r in Role if _permits(permit_command, r, name)} == {Role.SECURITY_ADMIN}
    assert {r for r in Role if _permits(permit_query, r, "security_log")} == {Role.SECURITY_AUDITOR}
    assert {r for r in Role if _permits(permit_command, r, "read_personal_data")} == {Role.COMPLAINTS_OFFICE}  # Q3


def _permits(permit: Callable[[Actor, str], Scope], role: Role, name: str) -> bool:
    try:
        permit(someone(role), name)
    except DomainError:
        return False
    return True


def test_a_refusal_names_the_role_and_the_command_or_view_in_chinese_and_its_rule():
    error = refused("ROLE_NOT_PERMITTED", Rule.D5, lambda: permit_command(someone(Role.OFFICER), "pre_review_disclosure"))
    assert "政务公开专员无权进行“预审小组审查”（pre_review_disclosure）" in error.message_zh and "预审小组成员" in error.message_zh
    assert "officer" in error.message_en and "pre_review_disclosure" in error.message_en
    error = refused("ROLE_NOT_PERMITTED", None, lambda: permit_command(someone(Role.SYSTEM_ADMIN), "grant_role"))
    assert "系统管理员无权进行“授予角色”" in error.message_zh and "安全管理员" in error.message_zh
    error = refused("ROLE_NOT_PERMITTED", Rule.Q3, lambda: permit_command(someone(Role.INSPECTOR), "read_personal_data"))
    assert "纪检监察人员无权进行“查阅个人信息" in error.message_zh
    error = refused("ROLE_NOT_PERMITTED", None, lambda: permit_query(someone(Role.INTEGRATOR), "complaints"))
    assert "数据对接方无权查阅“投诉”" in error.message_zh


def test_an_unknown_name_is_refused_as_unknown():
    refused("UNKNOWN_COMMAND", None, lambda: permit_command(someone(Role.OFFICER), "sing_review"))
    refused("UNKNOWN_QUERY", None, lambda: permit_query(someone(Role.INSPECTOR), "everything"))


# The table never permits what the domain refuses for role reasons: the role checks are read from the domain's code.

DELEGATED = {"archive_original": ArchivedOriginal.archive, "place_legal_hold": ArchivedOriginal.place_hold,
             "release_legal_hold": ArchivedOriginal.release_hold}  # through the Archivist, which the source does not name
RECORDS = {record.__name__: record for record in contexts.records()}


def _code_of(command: type[Command]) -> Iterator[Callable[..., object]]:
    for cls in command.__mro__:
        if cls in (Command, Opens, Changes) or not issubclass(cls, Command):
            continue
        # its own methods, not the special ones dataclasses generate
        yield from (f for name, f in vars(cls).items() if inspect.isfunction(f) and not name.startswith("__"))
    for attribute in ("decides", "opens"):
        if (f := getattr(command, attribute, None)) is not None:
            yield inspect.unwrap(getattr(f, "__func__", f))
    if command.name in DELEGATED:
        yield DELEGATED[command.name]


def domain_requires(command: type[Command]) -> set[Role]:
    """The roles the command's own code and its record's decisions require (`actor.require`, Q3's check)."""
    required: set[Role] = set()
    seen: set[object] = set()
    todo = list(_code_of(command))
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        source = inspect.getsource(f)
        required |= {Role[name] for name in re.findall(r"\brequire\(Role\.(\w+)", source)}
        if "require_complaints_office(" in source:
            required.add(Role.COMPLAINTS_OFFICE)
        for record, method in re.findall(r"\b([A-Z]\w+)\.(\w+)\(", source):  # e.g. Assessment.self_assess(
            if record in RECORDS and inspect.isroutine(found := getattr(RECORDS[record], method, None)):
                todo.append(getattr(found, "__func__", found))
    return required


def test_the_table_never_permits_what_the_domain_refuses_for_role_reasons():
    required = {name: domain_requires(command) for name, command in COMMANDS.items()}
    assert required["pre_review_disclosure"] == {Role.PRE_REVIEWER} and required["sign_off_disclosure"] == {Role.LEADER}
    assert required["register_complaint"] == required["erase_personal_data"] == {Role.COMPLAINTS_OFFICE}
    assert required["archive_original"] == {Role.ARCHIVIST} and required["assess_unit"] == {Role.GOVERNMENT_OFFICE}
    for name, roles in required.items():
        if roles:
            assert set(COMMAND_ACCESS[name]) <= roles, name


# The unit scope: a role acting for its own unit opens and changes only records its unit answers for (C3).

UNIT_A, UNIT_B = "资阳市人民政府新闻办公室", "资阳市应急管理局"
OFFICER_A, OFFICER_B = Actor("a-officer", Role.OFFICER, UNIT_A), Actor("b-officer", Role.OFFICER, UNIT_B)
HAPPENED = datetime.fromisoformat("2020-08-18T14:00:00+08:00")


def through_the_table(ledger: Ledger, command: Command, actor: Actor) -> UUID:
    """As the API runs a command: in the scope the table gives the actor's role."""
    (outcome, *_) = Ledger.run(command, Context(ledger, actor, None, scope=permit_command(actor, command.name)))
    return outcome.aggregate_id


def position(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def refused_for_unit(ledger: Ledger, command: Command, actor: Actor, unit: str | None) -> DomainError:
    before = position(ledger)
    error = refused("NOT_RESPONSIBLE_UNIT", Rule.C3, lambda: through_the_table(ledger, command, actor))
    assert position(ledger) == before  # nothing recorded
    assert (unit or "不属于任何单位") in error.message_zh
    return error


def test_c3_an_officer_changing_another_units_record_is_refused_and_nothing_is_recorded():
    ledger = Ledger()
    emergency = through_the_table(ledger, ReportEmergency(title="强降雨洪涝灾害", happened_at=HAPPENED), OFFICER_A)
    release = ReleaseInformation(emergency_id=emergency, channel="政务微博", summary="转移安置情况")
    # The emergency's own rules do not check the unit: the scope does.
    refused_for_unit(ledger, release, OFFICER_B, UNIT_A)
    through_the_table(ledger, release, OFFICER_A)
    # Without a scope (the command line, an operator), the records' own rules decide, as before.
    other = through_the_table(ledger, ReportEmergency(title="山体滑坡", happened_at=HAPPENED), OFFICER_A)
    ledger.execute(ReleaseInformation(emergency_id=other, channel="政务微博", summary="已封闭道路"), OFFICER_B)


def test_c3_the_scope_is_checked_before_the_records_own_rules_and_in_their_words():
    ledger = Ledger()
    act = through_the_table(ledger, DraftDisclosure(title="关于做好防汛工作的通知", attribute="proactive"), OFFICER_A)
    error = refused_for_unit(ledger, ReviseDisclosure(act_id=act, title="新标题"), OFFICER_B, UNIT_A)
    assert "起草单位" in error.message_zh  # the disclosure act's wording of C3
    # publish_disclosure loads the act itself (with the policy it interprets), and the act refuses every other unit.
    refused_for_unit(ledger, PublishDisclosure(act_id=act, channel="website"), OFFICER_B, UNIT_A)


def test_c3_a_catalogue_item_answers_to_its_responsible_unit():
    ledger = Ledger()
    elements = {"matter": "防汛信息", "content": "雨情、水情", "update_limit": "实时", "responsible_unit": UNIT_A,
                "support_unit": UNIT_A, "channels": ["政府网站"], "column": "应急管理", "legal_basis": "《条例》第二十条",
                "audience": "全社会", "mode": "proactive"}
    item = through_the_table(ledger, ListCatalogueItem(elements=elements, reason="law_changed"), OFFICER_A)
    assert ledger.load(CatalogueItem, item).answering_unit() == UNIT_A
    amend = AmendCatalogueItem(item_id=item, changes={"update_limit": "每日"}, reason="element_changed")
    refused_for_unit(ledger, amend, OFFICER_B, UNIT_A)
    through_the_table(ledger, amend, OFFICER_A)
    # list_catalogue_item opens under the unit its elements name, which the item's own rule keeps to the actor's (C3).
    refused("NOT_RESPONSIBLE_UNIT", Rule.C3, lambda: through_the_table(ledger, ListCatalogueItem(
        elements={**elements, "matter": "其他"}, reason="law_changed"), OFFICER_B))


def test_c3_a_complaint_answers_to_the_unit_it_is_assigned_to_once_it_is():
    ledger = Ledger(keys=KeysInMemory())
    office = Actor("complaints", Role.COMPLAINTS_OFFICE, "资阳市政务公开办公室")
    complaint = through_the_table(ledger, RegisterComplaint(
        category="delay_without_reason", form="oral", respondent_unit=UNIT_A, complainant_name="示例投诉人",
        account="申请逾期未答复"), office)
    handle = HandleComplaint(complaint_id=complaint, findings="属实", substantiated=True, outcome="已答复")
    refused_for_unit(ledger, handle, OFFICER_A, None)  # not assigned yet: no unit answers for it
    through_the_table(ledger, AssignComplaint(complaint_id=complaint, handler_unit=UNIT_A), office)
    assert ledger.load(Complaint, complaint).answering_unit() == UNIT_A
    refused_for_unit(ledger, handle, OFFICER_B, UNIT_A)
    through_the_table(ledger, handle, OFFICER_A)


def test_c3_a_record_opened_in_an_own_unit_scope_is_checked_before_it_is_saved():
    """An opened record under a unit an argument names, or under none, is refused to a role acting for its own unit.
    No role acts for its own unit on cases or complaints; the check holds whatever the table says."""
    ledger = Ledger(keys=KeysInMemory())
    own = Context(ledger, Actor("jw", Role.INSPECTOR, UNIT_B), None, scope=OWN)
    case = OpenCase(subject_kind="unit", subject_unit=UNIT_B, violation="perfunctory", origin="inspection")
    refused("NOT_RESPONSIBLE_UNIT", Rule.C3, lambda: Ledger.run(case, own))
    office = Context(ledger, Actor("complaints", Role.COMPLAINTS_OFFICE, UNIT_B), None, scope=OWN)
    complaint = RegisterComplaint(category="bad_attitude", form="oral", respondent_unit=UNIT_B, complainant_name="某",
                                  account="态度恶劣")
    refused("NOT_RESPONSIBLE_UNIT", Rule.C3, lambda: Ledger.run(complaint, office))
    assert position(ledger) == 0


def test_the_own_unit_commands_that_do_not_go_through_the_generic_check_keep_to_the_actors_unit():
    """Commands a role runs for its own unit whose own `handle` replaces the one that checks the scope: each
    opens its record under the actor's unit, or its record's rules refuse another unit (C3)."""
    generic = {Opens.handle, Changes.handle}
    bypassing = {name for name, command in COMMANDS.items()
                 if OWN in COMMAND_ACCESS[name].values() and command.handle not in generic}
    assert bypassing == {"list_catalogue_item", "self_assess", "publish_annual_report", "publish_disclosure"}
    ledger = Ledger()
    assessed = through_the_table(ledger, SelfAssess(period="2022", self_score=Decimal(90), report="自查报告"), OFFICER_A)
    assert ledger.load(Assessment, assessed).answering_unit() == UNIT_A
    zero = {"natural_person": 0, "total": 0}
    report = through_the_table(ledger, PublishAnnualReport(year=2022, channel="website",
                                                           table=dict.fromkeys(("1", "2", "3.7", "4"), zero)), OFFICER_A)
    assert ledger.load(AnnualReport, report).answering_unit() == UNIT_A
    # list_catalogue_item and publish_disclosure: see the catalogue and disclosure tests above.


# Every workflow the demo runs, and every other command's line, runs through the table in its scope.

def test_the_demo_and_every_commands_line_run_in_the_scopes_the_table_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.e2e.test_every_command import the_rest

    monkeypatch.chdir(tmp_path)  # the embedded archive store lives under ./var/
    original = tmp_path / "原件.txt"
    original.write_text("原件正文", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3")
    services = open_services(settings)
    files = import_directory(settings, tmp_path)
    ran: set[str] = set()

    def run(envelope: dict[str, object]) -> None:
        command, actor, occurred_at = parse(envelope)
        scope = permit_command(actor, command.name)
        Ledger.run(command, ArchiveContext(services.ledger, actor, occurred_at, services.archivist, scope=scope, files=files))
        ran.add(command.name)

    try:
        for step in scenario():
            try:
                run(step.envelope)
            except DomainError as error:
                assert error.code == step.refused_with, (step.envelope["command"], error.message_en)
        for made in the_rest(original, services):
            run(made() if callable(made) else made)
    finally:
        services.close()
    assert ran == set(COMMANDS)
    # What the demo and zwgk itself run outside the command lines: the annual report, the originals, the E4 case.
    assert permit_command(Actor("yanjiang-ysq", Role.OFFICER, "资阳市雁江区人民政府办公室"), "publish_annual_report") is OWN
    assert permit_command(Actor("YJ01-archivist", Role.ARCHIVIST, "资阳市雁江区人民政府办公室"), "archive_original") is ANY
    assert "OpenCase" in inspect.getsource(AccountabilityForPersistentFailure) and permit_command(SYSTEM, "open_case") is ANY


def test_every_record_is_opened_for_a_unit_but_those_no_unit_answers_for():
    """Where a record's unit comes from (`Record.answering_unit`): the event that opens it, or, for a complaint,
    its assignment; an accountability case, a data subject's erasure, a read of personal data and an official calendar
    year have none."""
    answering_no_unit = {AccountabilityCase, DataSubject, PersonalDataReading, OfficialCalendarYear, Complaint}
    for record in contexts.records():
        fields = set().union(*(typing.get_type_hints(created) for created in record.creating_events()))
        opened_for_unit = bool(fields & {"unit", "responsible_unit"}) or record is CatalogueItem  # its 公开主体 element
        assert opened_for_unit is (record not in answering_no_unit), record.__name__

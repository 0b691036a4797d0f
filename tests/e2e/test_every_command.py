"""Every command of the catalogue is executed, and accepted, at least once: the demo scenario first,
then one line for each command the demo does not run. A command added to the catalogue fails this
test until it is given a line here (C, D, A, H, R, Q and calendar rules, each through `execute`)."""

from __future__ import annotations

import hashlib
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from zwgk.connectors.accounts import create_token
from zwgk.connectors.commands import catalogue, execute, import_directory
from zwgk.connectors.config import Settings
from zwgk.connectors.demo import COMPLAINT_ID, HEARING_IDS, scenario
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import open_services
from zwgk.domain.archival import DestructionList
from zwgk.domain.chain import framed
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Ledger
from zwgk.domain.stored_form import LedgerMapper, is_library_form, split

UNIT = "乐山市市中区人民政府办公室"
ACT, WITHHELD = "5d7c1e20-0a41-4b6e-9c2d-7e8f9a0b1c21", "5d7c1e20-0a41-4b6e-9c2d-7e8f9a0b1c22"
ITEM_MATTER = "行政事业性收费目录"
REQUESTS = ("5d7c1e20-0a41-4b6e-9c2d-7e8f9a0b1c31", "5d7c1e20-0a41-4b6e-9c2d-7e8f9a0b1c32")
ARCHIVE_NUMBER = "LS01-WS·2025-D30-BGS-0001"


def actor(name: str, role: str = "officer", unit: str = UNIT) -> dict[str, str]:
    return {"id": f"szq-{name}", "role": role, "unit": unit}


def line(command: str, args: dict[str, Any], day: str, who: dict[str, str] | None = None, hour: int = 9) -> dict[str, Any]:
    return {"command": command, "actor": who or actor("officer"), "occurred_at": f"{day}T{hour:02d}:00:00+08:00", "args": args}


def the_rest(original: Path, services: Services) -> Iterator[dict[str, Any] | Callable[[], dict[str, Any]]]:
    """The lines the demo does not have, in an order the rules accept; a callable stands for a line that
    needs what an earlier line recorded."""
    item = {"elements": {"matter": ITEM_MATTER, "content": "收费项目、依据、标准", "update_limit": "20个工作日内",
                         "responsible_unit": UNIT, "support_unit": UNIT, "channels": ["政府网站"], "column": "财政信息",
                         "legal_basis": "《政府信息公开条例》第二十条", "audience": "全社会", "mode": "proactive"},
            "reason": "law_changed"}
    yield line("list_catalogue_item", item, "2025-02-10")
    yield line("withdraw_catalogue_item", {"matter": ITEM_MATTER, "reason": "function_changed"}, "2025-02-11")
    ref = {"act_id": ACT}
    yield line("draft_disclosure", {"id": ACT, "title": "市中区2025年重点民生实事", "attribute": "proactive"}, "2025-03-03")
    yield line("revise_disclosure", {**ref, "title": "市中区2025年十件民生实事", "note": "标题修订"}, "2025-03-03", hour=10)
    for role in ("compiler", "issuer", "publisher"):
        yield line("sign_review", {**ref, "sheet_role": role}, "2025-03-03", actor(role), 15)
    yield line("pre_review_disclosure", {**ref, "decision": "approved"}, "2025-03-03", actor("pre", "pre_reviewer", "预审小组"), 17)
    yield line("sign_off_disclosure", ref, "2025-03-04", actor("leader", "leader"))
    yield line("publish_disclosure", {**ref, "channel": "website"}, "2025-03-05")
    yield line("correct_disclosure", {**ref, "reason": "第三项金额有误", "correction": "第三项为 1200 万元"}, "2025-03-06")
    yield line("withdraw_disclosure", {**ref, "reason": "依上级通知撤回"}, "2025-03-07")
    yield line("archive_original", {"file": str(original), "archive_number": ARCHIVE_NUMBER, "title": "市中区2025年十件民生实事",
                                    "responsible_unit": UNIT, "retention": "D30", "doc_date": "2025-03-04"},
               "2025-03-10", actor("archivist", "archivist"))
    yield line("link_original", {**ref, "sha256": hashlib.sha256(original.read_bytes()).hexdigest()},
               "2025-03-10", actor("archivist", "archivist"), 10)
    yield line("place_legal_hold", {"archive_number": ARCHIVE_NUMBER, "reason": "行政复议"}, "2025-04-01", actor("archivist", "archivist"))
    yield line("release_legal_hold", {"archive_number": ARCHIVE_NUMBER, "reason": "复议终结"}, "2025-06-01",
               actor("archivist", "archivist"))
    legacy = original.with_name("旧档.txt")
    legacy.write_text("2012年到期文件", encoding="utf-8")
    old = "LS01-WS·2012-D10-BGS-0001"  # its period ended on 2023-01-01: due for appraisal (R4)
    archivist = actor("archivist", "archivist")
    yield line("archive_original", {"file": str(legacy), "archive_number": old, "title": "2012年临时通知", "responsible_unit": UNIT,
                                    "retention": "D10", "doc_date": "2012-05-04"}, "2012-05-10", archivist)
    yield line("appraise_original", {"archive_number": old, "decision": "destroy", "reasons": "期满，无继续保存价值",
                                     "appraisers": ["szq-appraiser"]}, "2025-02-10", archivist)
    yield line("draft_destruction_list", {"title": "2025年第1号销毁清册", "archive_numbers": [old]}, "2025-02-11", archivist)

    def listed() -> str:
        return str(next(iter(services.ledger.ids_of(DestructionList.Drafted))))

    yield lambda: line("approve_destruction_list", {"list_id": listed(), "comment": "同意"}, "2025-02-12",
                       actor("head", "agency_head"))
    yield lambda: line("destroy_originals", {"list_id": listed(), "supervisors": ["szq-s1", "szq-s2"]}, "2025-02-13", archivist)
    yield line("archive_hearing_record", {"hearing_id": str(HEARING_IDS[1]), "archive_number": ARCHIVE_NUMBER},
               "2025-03-11", {"id": "yj-daj", "role": "archivist", "unit": "雁江区档案馆"})
    yield line("record_organ_kind", {"unit": "乐山市市中区人民政府", "kind": "government"}, "2025-01-02",
               actor("lg", "leading_group_office", "市中区政务公开领导小组办公室"))
    yield line("draft_disclosure", {"id": WITHHELD, "title": "某企业生产工艺资料", "attribute": "withheld",
                                    "reason": "commercial_secret", "reason_basis": "《政府信息公开条例》第十五条"}, "2025-01-06")
    yield line("recheck_withholding", {"act_id": WITHHELD, "year": 2025, "still_withheld": True}, "2025-11-10")
    for request in REQUESTS:
        yield line("receive_request", {"id": request, "channel": "in_person", "received_on": "2025-05-06",
                                       "applicant_kind": "natural_person", "applicant": "申请人", "request": "某项目批复"}, "2025-05-06")
        yield line("request_completion", {"request_id": request, "items": "请写明所需信息的名称", "completion_due": "2025-05-20"},
                   "2025-05-07")
    yield line("complete_request", {"request_id": REQUESTS[0], "completed_on": "2025-05-15"}, "2025-05-15")
    yield line("abandon_request", {"request_id": REQUESTS[1]}, "2025-05-21")
    zero = {"natural_person": 0, "total": 0}
    yield line("publish_annual_report", {"year": 2025, "channel": "website", "table": dict.fromkeys(("1", "2", "3.7", "4"), zero)},
               "2026-01-20")
    yield line("load_calendar", {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]},
               "2026-11-20", actor("office", "leading_group_office", "政务公开领导小组办公室"))
    yield line("recompute_deadlines", {}, "2026-11-20", actor("office", "leading_group_office", "政务公开领导小组办公室"))
    complaints = actor("complaints", "complaints_office", "市中区投诉受理中心")
    yield line("read_personal_data", {"record_id": str(COMPLAINT_ID), "field": "complainant_name", "purpose": "回访投诉人"},
               "2026-11-19", complaints)
    yield line("erase_personal_data", {"subject_id": f"complainant-{COMPLAINT_ID}", "basis": "purpose_fulfilled"}, "2026-11-20",
               complaints)
    security = actor("security", "security_admin", "市中区政务公开办")
    yield line("open_account", {"user_id": "szq-new-officer", "unit": UNIT, "role": "officer"}, "2026-11-20", security)
    yield line("grant_role", {"user_id": "szq-new-officer", "role": "pre_reviewer"}, "2026-11-20", security)
    yield line("revoke_role", {"user_id": "szq-new-officer", "role": "pre_reviewer"}, "2026-11-20", security)
    yield line("disable_account", {"user_id": "szq-new-officer", "reason": "调离"}, "2026-11-21", security)
    yield line("enable_account", {"user_id": "szq-new-officer"}, "2026-11-22", security)
    yield lambda: {"command": "revoke_token", "actor": security,  # now: the token was issued now
                   "args": {"user_id": "szq-new-officer", "token_id": create_token(services, "szq-new-officer", None).token_id}}


@pytest.fixture(scope="module")
def every_command(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, set[str], dict[tuple[UUID, int], dict[str, Any]]]:
    """A store in which every command of the catalogue was accepted, the names of the commands accepted, and each
    event's values as they were when it was stored."""
    tmp_path = tmp_path_factory.mktemp("every-command")
    accepted: set[str] = set()
    stored: dict[tuple[UUID, int], dict[str, Any]] = {}
    run, to_stored_event = Ledger.run, LedgerMapper.to_stored_event

    def recording(command: Command, ctx: Context) -> list[Outcome]:
        outcomes = run(command, ctx)
        accepted.add(command.name)
        return outcomes

    def keeping(mapper: LedgerMapper, event: Any) -> Any:
        stored[event.originator_id, event.originator_version] = dict(vars(event))
        return to_stored_event(mapper, event)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(Ledger, "run", staticmethod(recording))
        monkeypatch.setattr(LedgerMapper, "to_stored_event", keeping)
        monkeypatch.chdir(tmp_path)  # the embedded archive store lives under ./var/
        original = tmp_path / "民生实事.txt"
        original.write_text("市中区2025年十件民生实事（正文）", encoding="utf-8")
        settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3")
        services = open_services(settings)
        try:
            for step in scenario():
                try:
                    execute(services, step.envelope)
                except DomainError as error:
                    assert error.code == step.refused_with
            for made in the_rest(original, services):
                outcomes = execute(services, made() if callable(made) else made, files=import_directory(settings, tmp_path))
                assert all(isinstance(o.aggregate_id, UUID) for o in outcomes)
        finally:
            services.close()
    return settings, accepted, stored


def test_every_command_in_the_catalogue_is_executed(every_command: tuple[Settings, set[str], Any]):
    never_run = sorted({c["command"] for c in catalogue()} - every_command[1])
    assert never_run == [], f"commands no test executes: {never_run}"


def conforms(value: Any, hint: Any) -> bool:
    """Whether a value read back is of its field's declared type, all the way down."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (types.UnionType, typing.Union):
        return any(conforms(value, a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(v, args[1]) for k, v in value.items())
    if hint is type(None):
        return value is None
    return isinstance(value, hint) and (hint is not date or not isinstance(value, datetime))


def test_every_kind_of_event_is_stored_once_encoded_and_read_back_as_declared(every_command: tuple[Settings, set[str], Any]):
    """Each event the catalogue's commands record is stored as its hash and the canonical JSON its hash covers,
    is read back equal to what was stored, with every field of its declared type, and encodes again to the very
    bytes stored."""
    services = open_services(every_command[0])
    try:
        ledger, kinds = services.ledger, set()
        for notification in ledger.notifications():
            assert not is_library_form(notification.state)
            event_hash, body = split(notification.state)
            event = ledger.record_event(notification)
            kinds.add(type(event))
            assert event.hash == event_hash
            assert hashlib.sha256(framed(notification.topic, notification.originator_id, notification.originator_version,
                                         body)).hexdigest() == event_hash
            for name, hint in typing.get_type_hints(type(event)).items():
                if name in vars(event) and name != "originator_id":
                    assert conforms(vars(event)[name], hint), (type(event).__qualname__, name, vars(event)[name])
            assert vars(event) == every_command[2][event.originator_id, event.originator_version]
            assert ledger.mapper.to_stored_event(event).state == notification.state
        assert len(kinds) > 80  # most kinds; that every kind has a stored form is a unit test
        assert ledger.verify().ok
    finally:
        services.close()

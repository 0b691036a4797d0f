"""The commands that change or close a record after it is opened — revise_disclosure,
correct_disclosure, withdraw_disclosure, withdraw_catalogue_item, complete_request and
abandon_request — run through `zwgk apply` on the embedded SQLite store, each with the effect
the register, catalogue, deadlines or annual report show, and with the refusals the rules make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli import apply, zwgk

UNIT = "眉山市东坡区人民政府办公室"
ACT = "3b0a4c55-1d7e-4f6a-9a3e-5c1f2b7d8e01"
REQUEST = "9d2e6f10-4b3a-4c8d-8e7f-1a2b3c4d5e6f"


def person(name: str, role: str = "officer", unit: str = UNIT) -> dict[str, str]:
    return {"id": f"dp-{name}", "role": role, "unit": unit}


OFFICER, OTHER_UNIT = person("officer"), person("officer", unit="眉山市彭山区人民政府办公室")


def at(day: str, hour: int = 9) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


def envelope(command: str, args: dict[str, Any], day: str, actor: dict[str, str] = OFFICER, hour: int = 9) -> dict[str, Any]:
    return {"command": command, "actor": actor, "occurred_at": at(day, hour), "args": args}


def draft() -> dict[str, Any]:
    return envelope("draft_disclosure", {"id": ACT, "title": "东坡区2025年政务公开工作要点", "attribute": "proactive"}, "2025-03-03")


def published() -> list[dict[str, Any]]:
    """Draft, three signatures (D4), pre-review (D5), sign-off (D6) and publication of ACT."""
    ref = {"act_id": ACT}
    pre_reviewer = person("prereview", "pre_reviewer", f"{UNIT}政务公开预审小组")
    return [
        draft(),
        *(envelope("sign_review", {**ref, "sheet_role": role}, "2025-03-03", person(role), 15)
          for role in ("compiler", "issuer", "publisher")),
        envelope("pre_review_disclosure", {**ref, "decision": "approved"}, "2025-03-03", pre_reviewer, 17),
        envelope("sign_off_disclosure", ref, "2025-03-04", person("leader", "leader")),
        envelope("publish_disclosure", {**ref, "channel": "website"}, "2025-03-05", hour=10),
    ]


def register(cwd: Path) -> dict[str, Any]:
    (row,) = [r for r in json.loads(zwgk("register", "--format", "json", cwd=cwd).stdout) if r["act_id"] == ACT]
    return row


def refused(result: dict[str, Any]) -> tuple[str, str | None]:
    assert result["ok"] is False, result
    return result["code"], result["rule"]


def test_c3_d1_d2_d4_revise_disclosure_is_a_new_draft_whose_review_starts_again(tmp_path: Path):
    compiler = envelope("sign_review", {"act_id": ACT, "sheet_role": "compiler"}, "2025-03-03", person("compiler"), 15)
    signed = apply(tmp_path, draft(), compiler)
    assert all(r["ok"] for r in signed)
    assert set(json.loads(register(tmp_path)["signatures"])) == {"compiler"}

    unknown, no_reason, other_unit, revised = apply(
        tmp_path,
        envelope("revise_disclosure", {"act_id": ACT, "attribute": "secret"}, "2025-03-04"),
        envelope("revise_disclosure", {"act_id": ACT, "attribute": "withheld"}, "2025-03-04"),
        envelope("revise_disclosure", {"act_id": ACT, "title": "改稿"}, "2025-03-04", OTHER_UNIT),
        envelope("revise_disclosure", {"act_id": ACT, "title": "东坡区2025年政务公开工作要点（修订稿）", "attribute": "partial",
                                       "reason": "personal_privacy", "reason_basis": "《政府信息公开条例》第十五条",
                                       "note": "删去申请人名单"}, "2025-03-04"),
    )
    assert refused(unknown) == ("INVALID_ARGUMENTS", None)  # the attribute is one of D1's four, checked with the arguments
    assert refused(no_reason) == ("ATTRIBUTE_REASON_REQUIRED", "D2")
    assert refused(other_unit) == ("NOT_RESPONSIBLE_UNIT", "C3")
    assert revised["ok"] and revised["version"] == 3
    row = register(tmp_path)
    assert (row["title"], row["attribute"], row["reason"]) == ("东坡区2025年政务公开工作要点（修订稿）", "partial", "personal_privacy")
    assert json.loads(row["signatures"]) == {}  # the revised draft is signed again, by all three (D4)


def test_revise_disclosure_is_refused_once_the_act_is_published(tmp_path: Path):
    assert all(r["ok"] for r in apply(tmp_path, *published()))
    (late,) = apply(tmp_path, envelope("revise_disclosure", {"act_id": ACT, "title": "改稿"}, "2025-03-06"))
    assert refused(late) == ("ALREADY_PUBLISHED", None)


def test_c3_correct_disclosure_only_of_a_published_act_by_its_own_unit(tmp_path: Path):
    correction = {"act_id": ACT, "reason": "联系电话有误", "correction": "咨询电话更正为 028-38100000"}
    (too_early,) = apply(tmp_path, draft(), envelope("correct_disclosure", correction, "2025-03-04"))[1:]
    assert refused(too_early) == ("NOT_PUBLISHED", None)
    assert all(r["ok"] for r in apply(tmp_path, *published()[1:]))

    other_unit, no_content, corrected = apply(
        tmp_path,
        envelope("correct_disclosure", correction, "2025-03-06", OTHER_UNIT),
        envelope("correct_disclosure", {**correction, "correction": " "}, "2025-03-06"),
        envelope("correct_disclosure", correction, "2025-03-06"),
    )
    assert refused(other_unit) == ("NOT_RESPONSIBLE_UNIT", "C3")
    assert refused(no_content) == ("CORRECTION_INCOMPLETE", None)
    assert corrected["ok"]
    row = register(tmp_path)
    assert (row["corrections"], row["withdrawn"]) == (1, 0)
    timeline = json.loads(zwgk("audit", "timeline", "--aggregate", ACT, "--format", "json", cwd=tmp_path).stdout)
    assert timeline[-1]["event_type"] == "DisclosureAct.Corrected"


def test_c3_withdraw_disclosure_once_of_a_published_act_with_a_reason(tmp_path: Path):
    withdrawal = {"act_id": ACT, "reason": "所依据的文件已废止"}
    (too_early,) = apply(tmp_path, draft(), envelope("withdraw_disclosure", withdrawal, "2025-03-04"))[1:]
    assert refused(too_early) == ("NOT_PUBLISHED", None)
    assert all(r["ok"] for r in apply(tmp_path, *published()[1:]))

    other_unit, no_reason, withdrawn, again = apply(
        tmp_path,
        envelope("withdraw_disclosure", withdrawal, "2025-04-01", OTHER_UNIT),
        envelope("withdraw_disclosure", {"act_id": ACT, "reason": ""}, "2025-04-01"),
        envelope("withdraw_disclosure", withdrawal, "2025-04-01"),
        envelope("withdraw_disclosure", withdrawal, "2025-04-02"),
    )
    assert refused(other_unit) == ("NOT_RESPONSIBLE_UNIT", "C3")
    assert refused(no_reason) == ("WITHDRAWAL_REASON_REQUIRED", None)
    assert withdrawn["ok"]
    assert refused(again) == ("ACT_WITHDRAWN", None)
    assert register(tmp_path)["withdrawn"] == 1


def test_c2_c3_withdraw_catalogue_item_with_a_reason_by_the_responsible_unit(tmp_path: Path):
    elements = {
        "matter": "政府信息公开指南", "content": "申请渠道、办理流程与时限", "update_limit": "变更后5个工作日内",
        "responsible_unit": UNIT, "support_unit": UNIT, "channels": ["政府网站"], "column": "政府信息公开指南",
        "legal_basis": "《中华人民共和国政府信息公开条例》第十二条", "audience": "全社会", "mode": "proactive",
    }
    (listed,) = apply(tmp_path, envelope("list_catalogue_item", {"elements": elements, "reason": "other",
                                                                "reason_text": "首次编制公开事项清单"}, "2025-01-06"))
    assert listed["ok"]
    item = {"item_id": listed["aggregate_id"]}
    no_text, other_unit, withdrawn, amended = apply(
        tmp_path,
        envelope("withdraw_catalogue_item", {**item, "reason": "other"}, "2025-06-02"),
        envelope("withdraw_catalogue_item", {**item, "reason": "law_changed"}, "2025-06-02", OTHER_UNIT),
        envelope("withdraw_catalogue_item", {"matter": "政府信息公开指南", "reason": "function_changed"}, "2025-06-03"),
        envelope("amend_catalogue_item", {**item, "changes": {"channels": ["政府网站", "政务新媒体"]}, "reason": "element_changed"},
                 "2025-06-04"),
    )
    assert refused(no_text) == ("ADJUSTMENT_REASON_TEXT_REQUIRED", "C2")
    assert refused(other_unit) == ("NOT_RESPONSIBLE_UNIT", "C3")
    assert withdrawn["ok"] and withdrawn["aggregate_id"] == item["item_id"]
    assert refused(amended) == ("CATALOGUE_ITEM_WITHDRAWN", None)

    def catalogue(*options: str) -> list[dict[str, Any]]:
        return json.loads(zwgk("catalogue", "list", "--unit", UNIT, "--format", "json", *options, cwd=tmp_path).stdout)

    assert catalogue() == []
    (before,) = catalogue("--as-of", at("2025-06-02"))  # in force until withdrawn, and the withdrawal in its history
    assert before["elements"]["matter"] == "政府信息公开指南"
    assert [(h["adjustment"], h["reason"]) for h in before["history"]] == [("listed", "other"), ("withdrawn", "function_changed")]


def receive() -> dict[str, Any]:
    return envelope("receive_request", {"id": REQUEST, "channel": "in_person", "received_on": "2025-05-06",
                                        "applicant_kind": "natural_person", "applicant": "申请人丁", "request": "某路段改造工程的招标文件"},
                    "2025-05-06")


def notice_to_complete() -> dict[str, Any]:
    return envelope("request_completion", {"request_id": REQUEST, "items": "请写明所需信息的名称或文号", "completion_due": "2025-05-20"},
                    "2025-05-08")


def a1_due(cwd: Path) -> list[tuple[str, str]]:
    return [(d["due"], d["status"]) for d in json.loads(zwgk("deadlines", "--rule", "A1", "--format", "json", cwd=cwd).stdout)]


def test_a4_complete_request_restarts_the_a1_reply_clock_from_the_completion(tmp_path: Path):
    completion = envelope("complete_request", {"request_id": REQUEST, "completed_on": "2025-05-07"}, "2025-05-07")
    received, unasked = apply(tmp_path, receive(), completion)
    assert received["ok"]
    assert refused(unasked) == ("NO_COMPLETION_REQUESTED", "A4")
    assert a1_due(tmp_path) == [("2025-06-04", "open")]  # 20 working days from receipt

    noticed, late, completed = apply(
        tmp_path,
        notice_to_complete(),
        envelope("complete_request", {"request_id": REQUEST, "completed_on": "2025-05-21"}, "2025-05-21"),
        envelope("complete_request", {"request_id": REQUEST, "completed_on": "2025-05-15"}, "2025-05-22"),  # recorded late
    )
    assert noticed["ok"] and completed["ok"]
    assert refused(late) == ("COMPLETION_LATE", "A4")
    assert a1_due(tmp_path) == [("2025-06-13", "open")]  # 20 working days from the completion (2 June a holiday)


def test_a4_abandon_request_only_after_the_completion_deadline_closes_it(tmp_path: Path):
    assert all(r["ok"] for r in apply(tmp_path, receive(), notice_to_complete()))
    early, abandoned, answered = apply(
        tmp_path,
        envelope("abandon_request", {"request_id": REQUEST}, "2025-05-20"),
        envelope("abandon_request", {"request_id": REQUEST}, "2025-05-21"),
        envelope("answer_request", {"request_id": REQUEST, "answer": "cannot_provide", "sub_reason": "does_not_exist"}, "2025-05-22"),
    )
    assert refused(early) == ("NOT_ABANDONED", "A4")
    assert abandoned["ok"]
    assert refused(answered) == ("REQUEST_CLOSED", "A1")
    assert a1_due(tmp_path) == [("2025-06-04", "met")]
    report = json.loads(zwgk("report", "annual", "--unit", UNIT, "--year", "2025", "--format", "json", cwd=tmp_path).stdout)
    lines = {r["line"]: r["total"] for r in report["rows"]}
    assert (lines["3.6.1"], lines["3.7"], lines["4"]) == (1, 1, 0)  # 三（六）1: deemed abandoned, concluded

"""The console's one form renderer, over the whole command catalogue: every command's JSON schema becomes a
form with Chinese labels and Chinese choices, and a posted form becomes the arguments the command checks (D2, D4)."""

from __future__ import annotations

import re

import pytest
from starlette.datastructures import FormData

from zwgk.connectors.api.commands import NOT_OVER_HTTP
from zwgk.connectors.commands import InvalidArguments, parse
from zwgk.connectors.console import forms
from zwgk.domain.actors import Actor, Role
from zwgk.domain.commands import COMMANDS
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule

CJK = re.compile(r"[\u4e00-\u9fff]")
OFFICER = Actor("jy-officer", Role.OFFICER, "示范县教育局")


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - NOT_OVER_HTTP))
def test_every_command_has_a_form_with_chinese_labels_and_choices(name: str):
    form = forms.blank(name, COMMANDS[name])
    assert form.fields or name == "recompute_deadlines", name  # a command without arguments: a form with a button only
    for field in form.fields:
        assert CJK.search(field.label), f"{name}.{field.name} has no Chinese label"
        assert all(CJK.search(label) or label == value and value in ("Y", "D30", "D10") for value, label in field.choices), (
            f"{name}.{field.name}: {field.choices}")


def test_a_link_fills_the_form_and_a_post_gives_the_commands_arguments_D4():
    act = "6c3f0b1e-6f0a-4c55-9d0e-2d8f3b1c7a10"
    form = forms.blank("sign_review", COMMANDS["sign_review"], {"act_id": act, "sheet_role": "publisher"})
    assert {f.name: f.value for f in form.fields} == {"act_id": "6c3f0b1e-6f0a-4c55-9d0e-2d8f3b1c7a10", "sheet_role": "publisher",
                                                       "decision": "approved", "comment": ""}
    args = forms.posted(form, FormData([("act_id", " 6c3f0b1e-6f0a-4c55-9d0e-2d8f3b1c7a10 "), ("sheet_role", "publisher"),
                                        ("decision", "approved"), ("comment", "")]))
    assert args == {"act_id": "6c3f0b1e-6f0a-4c55-9d0e-2d8f3b1c7a10", "sheet_role": "publisher", "decision": "approved"}
    command, _, _ = parse({"command": "sign_review", "args": args}, OFFICER)
    assert command.sheet_role == "publisher"


def test_lists_json_checkboxes_and_local_times_are_posted_as_the_schema_wants():
    hearing = forms.blank("notice_hearing", COMMANDS["notice_hearing"])
    widgets = {f.name: f.widget for f in hearing.fields}
    assert widgets["scheduled_at"] == "datetime"
    args = forms.posted(hearing, FormData([("scheduled_at", "2026-12-01T09:30"), ("matter", "关于调整水价的听证会")]))
    assert args["scheduled_at"] == "2026-12-01T09:30+08:00"  # China Standard Time
    decide = forms.blank("decide_case", COMMANDS["decide_case"])
    assert {f.name: f.widget for f in decide.fields}["sanctions"] == "checkboxes"
    assert forms.posted(decide, FormData([("sanctions", "criticism_education"), ("sanctions", "circulated_criticism")]))[
        "sanctions"] == ["criticism_education", "circulated_criticism"]


def test_numbers_are_posted_as_numbers_and_anything_else_as_typed():
    assess = forms.blank("self_assess", COMMANDS["self_assess"])
    numbers = [f.name for f in assess.fields if f.widget == "number"]
    assert numbers, [(f.name, f.widget) for f in assess.fields]
    args = forms.posted(assess, FormData([(numbers[0], "85"), *[(n, "八十") for n in numbers[1:]]]))
    assert args[numbers[0]] == 85 and all(args[n] == "八十" for n in numbers[1:])


def test_a_refusal_goes_beside_the_field_it_names_or_to_the_top_D2():
    form = forms.blank("draft_disclosure", COMMANDS["draft_disclosure"])
    with pytest.raises(InvalidArguments) as invalid:
        parse({"command": "draft_disclosure", "args": forms.posted(form, FormData([("attribute", "partial")]))}, OFFICER)
    forms.refused(form, invalid.value)
    assert {f.name: f.error for f in form.fields if f.error} == {"title": "缺少此项"} and not form.error

    words = "公开属性为“部分公开”的文件须写明法定理由及依据，否则退文。"
    rule_refusal = DomainError("ATTRIBUTE_REASON_REQUIRED", words, "reason required", Rule.D2)
    fresh = forms.refused(forms.blank("draft_disclosure", COMMANDS["draft_disclosure"]), rule_refusal)
    assert fresh.error == f"{words}（规则 D2）"
    assert not any(f.error for f in fresh.fields)

"""Bad input to `zwgk apply`, as an attacker or a careless export writes it: every line gets its result line
with a stable code (no traceback, no hang), nothing is recorded for it, and what a record's text holds can
neither take over the inspector's terminal nor forge a log line."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import pytest

from tests.cli import events_in, zwgk
from zwgk.connectors.commands import parse
from zwgk.domain import plausible
from zwgk.domain.errors import DomainError

OFFICE = {"id": "bad-input-officer", "role": "officer", "unit": "资阳市人民政府办公室"}


def draft(title: object = "关于某事项的通知", *, actor: dict | None = None, at: object = "2024-03-01T09:00:00+08:00") -> dict:
    return {"command": "draft_disclosure", "actor": actor or OFFICE, "occurred_at": at,
            "args": {"id": str(uuid4()), "title": title, "attribute": "proactive"}}


def hostile_lines() -> list[bytes]:
    """One line each; the comment is what the original finding saw."""
    encode = lambda envelope: json.dumps(envelope, ensure_ascii=True).encode()  # noqa: E731  # \\u escapes kept as such
    return [
        b'{"command": "draft_disclosure", "args": {"title": "\xff\xfe"}}',  # invalid UTF-8: a traceback
        b"[" * 100_000 + b"]" * 100_000,  # nested beyond any command: a traceback
        encode(draft("\ud800 标题")),  # a lone surrogate: a traceback
        encode(draft(at="0001-01-01T00:00:00+08:00")),  # year 1 with a zone: a traceback
        encode(draft(at="0001-01-01T00:00:00Z")),  # year 1: recorded
        encode(draft(at=1_600_000_000)),  # a bare number as business time: recorded
        encode(draft(at="2023-05-01T10:00:00")),  # no zone: a traceback once the bounds were checked
        encode(draft(at="2999-01-01T00:00:00+08:00")),  # after the recording: recorded
        encode({"command": "report_emergency", "actor": OFFICE, "occurred_at": "2024-03-01T09:00:00+08:00",
                "args": {"id": str(uuid4()), "title": "强降雨", "happened_at": "9999-12-31T23:00:00+08:00"}}),  # traceback
        encode({"command": "plan_open_day", "actor": OFFICE, "occurred_at": "2024-03-01T09:00:00+08:00",
                "args": {"id": str(uuid4()), "theme": "开放日", "held_on": "2024-04-12", "places": True}}),  # stored as 1
        encode({"command": "plan_open_day", "actor": OFFICE, "occurred_at": "2024-03-01T09:00:00+08:00",
                "args": {"id": str(uuid4()), "theme": "开放日", "held_on": "2024-04-12", "places": 2**63}}),
        encode({"command": "plan_open_day", "actor": OFFICE, "occurred_at": "2024-03-01T09:00:00+08:00",
                "args": {"id": str(uuid4()), "theme": "开放日", "held_on": "9999-04-12", "places": 3}}),
        encode({"command": "load_calendar", "actor": {**OFFICE, "role": "leading_group_office"},
                "args": {"year": -1, "days": []}}),  # a calendar for year -1: recorded
        encode(draft("标题\x00后半")),  # NUL
        encode(draft("\x1b[2J\x1b[H一切正常")),  # clears the screen
        encode(draft("\u202e知通\u202c")),  # right-to-left override
        encode(draft("\u200b\u200d\u2060")),  # only zero-width characters
        encode(draft(actor={**OFFICE, "unit": "资阳市\n人民政府办公室"})),  # a newline in the unit
        encode(draft(actor={**OFFICE, "id": "x" * 1_000_000})),  # a 1 MB actor id
        encode(draft("长" * 3_000_000)),  # a title larger than a broker message
        encode({"command": "nope\nINFO zwgk: relayed 999 events", "args": {}}),  # a forged log line
    ]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(draft(), ensure_ascii=False) + "\n", encoding="utf-8")
    assert zwgk("apply", str(good), cwd=tmp_path).returncode == 0
    return tmp_path


def test_every_bad_line_gets_a_coded_refusal_and_records_nothing(workdir: Path):
    before = events_in(workdir / "var" / "zwgk.sqlite3")
    lines = hostile_lines()
    file = workdir / "hostile.jsonl"
    file.write_bytes(b"\n".join(lines) + b"\n")

    result = zwgk("apply", str(file), cwd=workdir)

    assert "Traceback" not in result.stderr
    results = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in results] == list(range(1, len(lines) + 1))
    assert not [r for r in results if r["ok"]], [r for r in results if r["ok"]]
    codes = {r["line"]: r["code"] for r in results}
    assert codes[1] == codes[2] == "INVALID_JSON"
    assert codes[len(lines)] == "UNKNOWN_COMMAND"
    assert codes[len(lines) - 1] == "COMMAND_TOO_LARGE"
    assert {codes[n] for n in range(3, len(lines) - 1)} <= {"IMPLAUSIBLE_INPUT", "INVALID_ARGUMENTS", "COMMAND_TOO_LARGE",
                                                            "OCCURRED_AT_WITHOUT_ZONE"}
    assert events_in(workdir / "var" / "zwgk.sqlite3") == before
    # The forged line stays inside the refusal's own log line.
    assert not any(line.startswith("INFO zwgk: relayed") for line in result.stderr.splitlines())


def test_record_text_in_a_terminal_table_cannot_move_the_cursor(workdir: Path):
    """Text recorded before these checks existed (or by another writer) is shown escaped, and taken literally."""
    from zwgk.connectors.render import printable

    assert printable("\x1b[2J一切正常\u202e") == "\\u001b[2J一切正常\\u202e"
    shown = zwgk("register", cwd=workdir)
    assert shown.returncode == 0 and "\x1b" not in shown.stdout


@pytest.mark.parametrize(("text", "fragment"), [
    ("\x07", "控制字符"), ("\u2067", "文字方向"), ("\ufeff\u200b", "不可见"), ("a" * (plausible.MAX_TEXT + 1), "过长"),
])
def test_text_a_person_could_not_have_written_is_refused_with_the_field_named(text: str, fragment: str):
    with pytest.raises(DomainError) as refused:
        parse(draft(text))
    assert refused.value.code == "IMPLAUSIBLE_INPUT"
    assert refused.value.message_zh.startswith("args.title：") and fragment in refused.value.message_zh


def test_text_is_stored_in_one_normal_form():
    """NFC: the same words typed on two systems are the same bytes, in the chain and in every search."""
    command, _, _ = parse(draft("Cafe\u0301 通知"))
    assert command.title == "Caf\u00e9 通知"  # type: ignore[attr-defined]


def test_business_time_lies_between_the_republics_founding_and_the_recording():
    assert parse(draft(at="1949-10-01T00:00:00+08:00"))[2] is not None
    for refused_at in ("1949-09-30T12:00:00+08:00", "2999-01-01T00:00:00+08:00"):
        with pytest.raises(DomainError, match="occurred_at"):
            parse(draft(at=refused_at))

"""How `zwgk audit verify --views` and `zwgk projections verify` tell views that differ from the log folded
afresh: per view, how many rows are missing, extra or differ, then a few of them, every line readable in 80
columns (a Chinese character two of them); `--format json` keeps every row whole."""

from __future__ import annotations

import json
import unicodedata

from zwgk.connectors import render
from zwgk.connectors.queries import ViewDifference, view_drifts

TITLE = "关于做好2026年秋季学期义务教育阶段招生入学工作的通知（" + "附件说明" * 30 + "）"
DEADLINES, SUBJECTS = ("deadline_id",), ("source_id",)
DIFFERENCES = [
    ViewDifference("deadlines", "deadlines", "extra", {"deadline_id": "dl-1", "status": "met", "title": TITLE, "note": "按期"},
                   DEADLINES),
    ViewDifference("deadlines", "deadlines", "missing", {"deadline_id": "dl-1", "status": "breached", "title": TITLE,
                                                         "note": "逾期三个工作日，" * 10 + "未说明理由"}, DEADLINES),
    *(ViewDifference("deadlines", "deadline_subjects", "missing", {"source_id": f"src-{i}", "title": TITLE}, SUBJECTS)
      for i in range(5)),
    ViewDifference("timeline", "timeline_events", "extra", {"position": 7, "payload": {"title": TITLE}}, ("position",)),
]


def columns(line: str) -> int:
    """What a terminal may take for the line: wide and ambiguous characters two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F", "A") else 1 for c in line)


def test_an_edited_row_is_one_differing_row_and_rows_without_a_match_stay_missing_or_extra():
    deadlines, timeline = view_drifts(DIFFERENCES)
    assert (deadlines.view, len(deadlines.missing), len(deadlines.extra), len(deadlines.differing)) == ("deadlines", 5, 0, 1)
    ((folded, stored),) = deadlines.differing
    assert (folded.row["status"], stored.row["status"]) == ("breached", "met")
    assert (timeline.view, len(timeline.missing), len(timeline.extra), len(timeline.differing)) == ("timeline", 0, 1, 0)
    keyless = [ViewDifference("v", "t", kind, {"a": kind}) for kind in ("extra", "missing")]
    (drift,) = view_drifts(keyless)
    assert (len(drift.missing), len(drift.extra), drift.differing) == (1, 1, ())
    twice = [ViewDifference("v", "t", kind, {"k": 1, "a": a}, ("k",)) for kind, a in (("missing", 1), ("extra", 2), ("extra", 3))]
    (drift,) = view_drifts(twice)
    assert ([d.row["a"] for d in drift.extra], drift.missing, len(drift.differing)) == ([3], (), 1)


def test_the_differences_are_told_per_view_within_80_columns(capsys):
    render.view_differences(42, DIFFERENCES, "text")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "视图与事件日志不一致（至位置 42，7 行差异）："  # an edited row counts once
    assert max(columns(line) for line in lines) <= 80, "\n".join(lines)
    assert "视图 deadlines：缺少 5 行，多出 0 行，不同 1 行" in lines
    assert "  不同 deadlines（deadline_id=dl-1）" in lines
    assert "    status：breached → met" in lines and not any(line.startswith("    title：") for line in lines)
    (note,) = [line for line in lines if line.startswith("    note：逾期三个工作日")]
    assert note.endswith("... → 按期")  # a long value cut short, the other side still shown
    assert "  缺少 deadline_subjects（source_id=src-0）" in lines and "  ……另有 3 行" in lines
    assert "视图 timeline：缺少 0 行，多出 1 行，不同 0 行" in lines and "  多出 timeline_events（position=7）" in lines


def test_two_long_values_differing_late_are_shown_from_where_they_part(capsys):
    edited = [ViewDifference("register", "disclosure_register", kind, {"act_id": "a-1", "title": title}, ("act_id",))
              for kind, title in (("missing", TITLE), ("extra", TITLE + "（改）"))]
    render.view_differences(9, edited, "text")
    (title,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("    title：")]
    was, now = title.removeprefix("    title：").split(" → ")
    assert was != now and now.endswith("（改）") and was.startswith("…") and columns(title) <= 80


def test_json_keeps_every_row_whole(capsys):
    render.view_differences(42, DIFFERENCES, "json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["position"] == 42
    assert report["differences"] == [d.as_dict() for d in DIFFERENCES]
    assert report["differences"][0]["row"]["title"] == TITLE

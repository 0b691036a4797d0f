"""The `zwgk` command as a user runs it: a real process, a real store."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from zwgk.connectors import accounts
from zwgk.connectors.accounts import Caller, SecondFactorRequired
from zwgk.connectors.config import Settings
from zwgk.connectors.demo_accounts import DEMO_ACCOUNTS, DEMO_UNIT
from zwgk.connectors.wiring import services
from zwgk.domain.accounts import GRANTABLE

ZWGK = [sys.executable, "-c", "from zwgk.connectors.cli import main; main()"]
OFFICER = {"id": "o1", "role": "officer", "unit": "达州市人民政府办公室"}


def zwgk(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    return subprocess.run([*ZWGK, *args], cwd=cwd, env={**environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


def test_demo_runs_on_embedded_default_and_is_idempotent(tmp_path: Path):
    started = time.monotonic()
    first = zwgk("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert time.monotonic() - started < 30
    store = tmp_path / "var" / "zwgk.sqlite3"
    recorded = events_in(store)
    assert "逾期 1 件" in first.stdout and "资府办发〔2020〕31号" in first.stdout
    assert "ATTRIBUTE_REASON_REQUIRED（D2）" in first.stdout
    assert "审计核验：ok" in first.stdout
    assert "个人信息：28 个数据主体" in first.stdout and "听证参加人 20" in first.stdout  # Q3: every member of the public

    assessed = {r["unit"]: r for r in json.loads(zwgk("assessment", "show", "--year", "2022", "--format", "json", cwd=tmp_path).stdout)}
    assert (assessed["达州市人民政府办公室"]["grade"], assessed["达州市人民政府办公室"]["award_eligible"]) == ("fail", False)
    assert assessed["资阳市雁江区人民政府办公室"]["grade"] == "excellent"  # E1–E4 beside the indicators
    scored = sorted((r["rank"], r["unit"]) for r in assessed.values() if r["score"] is not None)
    assert scored == [(1, "资阳市雁江区人民政府办公室"), (2, "达州市人民政府办公室")]  # scored units first, by score
    table = zwgk("deadlines", cwd=tmp_path, env={"COLUMNS": "200"}).stdout
    assert all(status in table for status in ("按时完成", "逾期完成", "逾期未完成")), table
    n2_deadlines = json.loads(zwgk("deadlines", "--rule", "N2", "--format", "json", cwd=tmp_path).stdout)
    assert [(d["due"], d["status"]) for d in n2_deadlines] == [("2020-08-18T19:00+08:00", "met"), ("2020-08-19T14:00+08:00", "breached")]
    n2 = json.loads(zwgk("audit", "violations", "--rule", "N2", "--format", "json", cwd=tmp_path).stdout)
    assert [(v["subject"], v["kind"]) for v in n2] == [("资阳市强降雨洪涝灾害", "breached")]
    emergency = zwgk("audit", "timeline", "--unit", "资阳市人民政府新闻办公室", cwd=tmp_path, env={"COLUMNS": "220"}).stdout
    assert all(text in emergency for text in ("2020-08-18 14:30:00", "政务公开专员", "N2 逾期")), emergency  # Beijing time
    register = zwgk("register", cwd=tmp_path, env={"COLUMNS": "200"}).stdout
    assert all(label in register for label in ("主动公开", "不予公开", "通过", "按时", "逾期")), register

    second = zwgk("demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert events_in(store) == recorded
    assert "本次新记录事件 0 个" in second.stdout
    summary, _, console = first.stdout.partition("  控制台")
    assert summary.splitlines()[2:] == second.stdout.partition("  控制台")[0].splitlines()[2:]
    assert " 密码 " not in second.stdout.partition("  控制台")[2]  # the passwords are shown once only
    _demo_accounts_sign_in(tmp_path, console)


def _demo_accounts_sign_in(tmp_path: Path, printed: str) -> None:
    """The demo opens an account per role and prints its password once; the administrators' also need the one-time code."""
    passwords = dict(re.findall(r"(demo-[a-z-]+)\s.*? 密码 (\S+)", printed))
    uris = {pyotp.parse_uri(uri).name: uri for uri in re.findall(r"otpauth://totp/\S+", printed)}
    assert {role for _, role, _ in DEMO_ACCOUNTS} == set(GRANTABLE) and set(passwords) == {u for u, _, _ in DEMO_ACCOUNTS}
    assert set(uris) == {"demo-system-admin", "demo-security-admin", "demo-security-auditor"}
    settings = Settings(database_url=f"sqlite:///{tmp_path}/var/zwgk.sqlite3", keystore_url=f"sqlite:///{tmp_path}/var/keys.sqlite3")
    with services(settings) as s:
        assert accounts.sign_in(s, "demo-officer", passwords["demo-officer"], None, Caller())[1].unit == DEMO_UNIT
        with pytest.raises(SecondFactorRequired):
            accounts.sign_in(s, "demo-security-auditor", passwords["demo-security-auditor"], None, Caller())
        code = pyotp.parse_uri(uris["demo-security-auditor"]).now()
        assert accounts.sign_in(s, "demo-security-auditor", passwords["demo-security-auditor"], None, Caller(), code)[0]


def test_apply_reports_each_line_and_refused_lines_record_nothing(tmp_path: Path):
    act = "6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11"
    lines = [
        {"command": "draft_disclosure", "actor": OFFICER, "occurred_at": "2009-04-09T09:00:00+08:00",
         "args": {"id": act, "title": "关于切实做好2009年政务公开工作的通知", "attribute": "proactive"}},
        {"command": "draft_disclosure", "actor": OFFICER, "args": {"title": "部分公开稿", "attribute": "partial"}},
        {"command": "sign_review", "actor": {**OFFICER, "id": "c"}, "occurred_at": "2009-04-10T09:00:00+08:00",
         "args": {"act_id": act, "sheet_role": "compiler"}},
    ]
    file = tmp_path / "commands.jsonl"
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\nnot json\n", encoding="utf-8")
    result = zwgk("apply", str(file), cwd=tmp_path)
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["ok"] for r in out] == [True, False, True, False]
    assert out[0]["aggregate_id"] == act and out[0]["notification_id"] == 1
    assert (out[1]["code"], out[1]["rule"]) == ("ATTRIBUTE_REASON_REQUIRED", "D2")
    assert out[2]["notification_id"] == 2 and out[2]["version"] == 2
    assert out[3]["code"] == "INVALID_JSON"
    assert "refused" in result.stderr  # English in logs
    assert events_in(tmp_path / "var" / "zwgk.sqlite3") == 2

    replayed = zwgk("audit", "replay", act, "--as-of", "2009-04-09T12:00:00+08:00", "--format", "json", cwd=tmp_path)
    state = json.loads(replayed.stdout)
    assert (state["type"], state["version"], state["state"]["signatures"]) == ("DisclosureAct", 1, {})
    assert state["state"]["last_occurred_at"] == "2009-04-09T01:00:00.000000Z" and state["as_recorded"] is None  # ISO 8601, UTC
    assert "关于切实做好2009年政务公开工作的通知" in replayed.stdout  # UTF-8, not escaped
    assert "DisclosureAct" in zwgk("audit", "replay", act, "--as-of", "2009-04-09T12:00:00+08:00", cwd=tmp_path).stdout
    too_early = zwgk("audit", "replay", act, "--as-of", "2009-01-01T00:00:00+08:00", cwd=tmp_path)
    assert too_early.returncode == 1 and "尚不存在" in too_early.stderr
    unknown = zwgk("audit", "replay", "00000000-0000-4000-8000-000000000000", "--as-of", "2009-05-01", cwd=tmp_path)
    assert unknown.returncode == 1 and "未找到记录" in unknown.stderr
    assert zwgk("audit", "replay", "not-an-id", "--as-of", "2009-05-01", cwd=tmp_path).returncode == 2


def test_apply_stop_on_error_stops_at_the_first_refusal(tmp_path: Path):
    file = tmp_path / "commands.jsonl"
    lines = [
        {"command": "draft_disclosure", "actor": OFFICER, "args": {"title": "无理由", "attribute": "withheld"}},
        {"command": "draft_disclosure", "actor": OFFICER, "args": {"title": "正常", "attribute": "proactive"}},
    ]
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = zwgk("apply", "--stop-on-error", str(file), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert events_in(tmp_path / "var" / "zwgk.sqlite3") == 0


def test_commands_lists_every_command_with_its_json_schema(tmp_path: Path):
    result = zwgk("commands", "--format", "json", cwd=tmp_path)
    commands = {c["command"]: c for c in json.loads(result.stdout)}
    assert {"draft_disclosure", "sign_review", "publish_disclosure", "list_catalogue_item", "load_calendar"} <= set(commands)
    schema = commands["sign_review"]["args"]
    assert schema["type"] == "object" and {"act_id", "sheet_role"} <= set(schema["required"])


def test_audit_verify_exit_code_reports_a_break_and_all_breaks_lists_every_broken_record(tmp_path: Path):
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    ok = zwgk("audit", "verify", "--format", "json", cwd=tmp_path)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    with sqlite3.connect(tmp_path / "var" / "zwgk.sqlite3") as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid IN (20, 100)")  # events of two records
    broken = zwgk("audit", "verify", cwd=tmp_path)
    assert broken.returncode == 1
    assert broken.stderr.count("发现断链") == 1 and "另有 1 条记录断链" in broken.stderr
    assert "缺少事件" in broken.stderr  # the reason in Chinese; in English in the log line
    assert "审计日志不一致：日志位置 20。原因：有事件被删除或插入" in broken.stderr
    every = zwgk("audit", "verify", "--all-breaks", cwd=tmp_path)
    assert every.returncode == 1 and every.stderr.count("发现断链") == 2
    listed = json.loads(zwgk("audit", "verify", "--all-breaks", "--format", "json", cwd=tmp_path).stdout)
    assert listed["broken_records"] == 2 and [b["kind"] for b in listed["breaks"]] == ["missing", "missing"]
    assert listed["breaks"][0] == listed["first_break"]


def test_calendar_load_is_recorded_and_bad_files_are_refused(tmp_path: Path):
    good = tmp_path / "2027.json"
    good.write_text(json.dumps({"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]}), encoding="utf-8")
    loaded = zwgk("calendar", "load", str(good), "--actor", "office-1", "--unit", "领导小组办公室", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "已载入 2027 年官方日历" in loaded.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "days": [{"name": "x", "date": "2026-01-01", "isOffDay": True}]}), encoding="utf-8")
    refused = zwgk("calendar", "load", str(bad), "--actor", "office-1", "--unit", "领导小组办公室", cwd=tmp_path)
    assert refused.returncode == 1 and "CALENDAR_INVALID" in refused.stderr
    assert events_in(tmp_path / "var" / "zwgk.sqlite3") == 1


def test_config_prints_effective_settings_with_secrets_masked(tmp_path: Path):
    result = zwgk(
        "config", cwd=tmp_path,
        env={"ZWGK_DATABASE_URL": "postgresql://zwgk:s3cret@db:5432/zwgk", "ZWGK_S3_SECRET_KEY": "minio-secret",
             "ZWGK_SCHEMA_REGISTRY_URL": "https://registry-user:registry-pass@registry.example:8081"},
    )
    assert not [secret for secret in ("s3cret", "minio-secret", "registry-pass") if secret in result.stdout]
    assert "ZWGK_DATABASE_URL=postgresql://zwgk:****@db:5432/zwgk" in result.stdout
    assert "ZWGK_S3_SECRET_KEY=****" in result.stdout
    assert "ZWGK_SCHEMA_REGISTRY_URL=https://registry-user:****@registry.example:8081" in result.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/x.sqlite3", {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": "var/x.sqlite3"}),
        ("postgresql://u:p%40ss@h:6543/db?schema=ledger",
         {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": "h", "POSTGRES_PORT": "6543",
          "POSTGRES_USER": "u", "POSTGRES_PASSWORD": "p@ss", "POSTGRES_DBNAME": "db", "POSTGRES_SCHEMA": "ledger"}),
    ],
)
def test_database_url_maps_onto_the_library_settings(url, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = Settings.from_env({"ZWGK_DATABASE_URL": url}).eventsourcing_env()
    assert expected.items() <= env.items()


def test_unknown_database_scheme_is_a_clear_configuration_error(tmp_path: Path):
    result = zwgk("audit", "verify", cwd=tmp_path, env={"ZWGK_DATABASE_URL": "mysql://x/y"})
    assert result.returncode == 2
    assert "配置错误" in result.stderr


def test_h4_d3_inspectors_query_participation_and_violations_after_the_demo(tmp_path: Path):
    assert zwgk("demo", cwd=tmp_path).returncode == 0
    flagged = json.loads(zwgk("participation", "list", "--process", "hearing", "--flagged", "--format", "json", cwd=tmp_path).stdout)
    assert [r["flags"] for r in flagged] == [["H4 听证笔录未归档"]]  # the demo archived the first hearing's record only
    counts = json.loads(zwgk("participation", "counts", "--year", "2020", "--format", "json", cwd=tmp_path).stdout)
    assert [(r["unit"], r["meetings_with_representatives"]) for r in counts] == [("资阳市人民政府办公室", 2)]
    late = json.loads(zwgk("audit", "violations", "--rule", "D3", "--format", "json", cwd=tmp_path).stdout)
    assert [(v["unit"], v["on"], v["kind"]) for v in late] == [("资阳市人民政府办公室", "2020-07-20", "breached")]
    table = zwgk("audit", "violations", "--year", "2022", cwd=tmp_path)
    assert table.returncode == 0 and "违规情况" in table.stdout and "H4" in table.stdout
    assert zwgk("participation", "list", "--process", "party", cwd=tmp_path).returncode == 2

"""Q3 end to end: a complainant's name never in clear in the event store, on Kafka, in logs or
in exports; readable by the complaints office only; unreadable everywhere once forgotten,
with every event and chain intact. And the E4 policy opening a case exactly once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.integration.test_ledger import run_scenario
from tests.servers import SeaweedServer, TansuBroker
from zwgk.connectors.relay import init_topics
from zwgk.connectors.services import Services
from zwgk.domain.actors import Actor
from zwgk.domain.commands import Outcome
from zwgk.domain.complaints import Complaint, RegisterComplaint
from zwgk.domain.data_subjects import ErasePersonalData, SubjectKind
from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import ERASED, unseal

NAME, CONTACT = "欧阳明远", "13912345678"
OFFICE = {"id": "qy-complaints", "role": "complaints_office", "unit": "清原满族自治县政务公开办"}


def zwgk(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=180)


def apply(cwd: Path, lines: list[dict], env: dict[str, str] | None = None) -> list[dict]:
    file = cwd / f"{uuid4().hex}.jsonl"
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = zwgk(cwd, "apply", str(file), env=env)
    assert NAME not in result.stderr and CONTACT not in result.stderr, "personal data in the logs"
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.kafka
def test_q3_complainant_never_in_clear_and_forgetting_erases_everywhere(tmp_path: Path, seaweed: SeaweedServer):
    broker = TansuBroker.start(seaweed, bucket=f"tansu-{uuid4().hex[:12]}")
    env = {"ZWGK_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}
    try:
        init_topics(broker.bootstrap)
        complaint = str(uuid4())
        results = apply(tmp_path, [
            {"command": "register_complaint", "actor": OFFICE, "args": {
                "id": complaint, "category": "delay_without_reason", "form": "written", "signed": True, "major": True,
                "respondent_unit": "县自然资源局", "channel": "信函", "complainant_name": NAME,
                "complainant_contact": CONTACT, "account": f"{NAME}申请的信息逾期未答复"}},
            {"command": "assign_complaint", "actor": OFFICE, "args": {"complaint_id": complaint, "handler_unit": "县自然资源局"}},
            {"command": "handle_complaint", "actor": {"id": "zr-1", "role": "officer", "unit": "县自然资源局"},
             "args": {"complaint_id": complaint, "findings": "答复超期", "substantiated": True, "outcome": "责令整改"}},
            {"command": "give_complaint_feedback", "actor": OFFICE, "args": {"complaint_id": complaint,
                                                                             "feedback": f"{NAME}您好，已责令整改"}},
            {"command": "publish_complaint_feedback", "actor": OFFICE, "args": {"complaint_id": complaint,
                                                                                "summary": "一件答复超期投诉属实，已整改。"}},
        ], env)
        assert all(r["ok"] for r in results), results
        relayed = zwgk(tmp_path, "relay", "--once", env=env)
        assert relayed.returncode == 0 and NAME not in relayed.stderr

        store = tmp_path / "var" / "zwgk.sqlite3"
        with sqlite3.connect(store) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert NAME.encode() not in store.read_bytes() and CONTACT.encode() not in store.read_bytes()

        from kafka import KafkaConsumer

        from zwgk.connectors.contract import topics

        consumer = KafkaConsumer(*topics(), bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=3000)
        raw = b"".join(m.value + b"".join(v for _, v in m.headers) for m in consumer)
        consumer.close()
        assert b"zwgk.complaints" in raw or len(raw) > 1000
        assert NAME.encode() not in raw and CONTACT.encode() not in raw

        for view in ("complaints", "timeline", "register"):
            assert zwgk(tmp_path, "projections", "export", view, "-o", f"{view}.json").returncode == 0
            assert NAME not in (tmp_path / f"{view}.json").read_text(encoding="utf-8")

        def listing() -> dict:
            return json.loads(zwgk(tmp_path, "complaints", "list", "--format", "json").stdout)[0]

        def read(field: str, purpose: str = "核实投诉人身份以便回访"):
            return zwgk(tmp_path, "privacy", "read", complaint, field, "--purpose", purpose, "--actor", OFFICE["id"],
                        "--unit", OFFICE["unit"])

        assert listing()["complainant_name"] == "［保密］" and listing()["status"] == "published"
        table = zwgk(tmp_path, "complaints", "list", env={"COLUMNS": "200"}).stdout
        assert "已公开" in table and "［保密］" in table and NAME not in table
        assert read("complainant_name", "看看").returncode == 1  # no purpose worth the name, nothing shown
        shown = read("complainant_name")
        assert shown.returncode == 0 and shown.stdout.strip() == NAME
        timeline = json.loads(zwgk(tmp_path, "audit", "timeline", "--aggregate", complaint, "--format", "json").stdout)
        reads = [row for row in timeline if row["event_type"] == "PersonalDataReading.Read"]
        assert [(r["actor_id"], r["actor_role"]) for r in reads] == [(OFFICE["id"], "complaints_office")]

        forget = ("privacy", "forget", f"complainant-{complaint}", "--actor", OFFICE["id"], "--unit", OFFICE["unit"])
        refused = zwgk(tmp_path, *forget, "--basis", "other_legal_ground")
        assert refused.returncode == 1 and "ERASURE_BASIS_UNSTATED" in refused.stderr
        assert read("account").stdout.strip() == f"{NAME}申请的信息逾期未答复"  # a refused erasure erases nothing
        forgot = zwgk(tmp_path, *forget, "--basis", "consent_withdrawn", "--note", "投诉人书面撤回同意")
        assert forgot.returncode == 0, forgot.stderr
        erased = listing()
        assert erased["complainant_name"] == erased["complainant_contact"] == erased["account"] == "［已删除］"
        assert read("complainant_name").stdout.strip() == "［已删除］"
        verified = zwgk(tmp_path, "audit", "verify")
        assert verified.returncode == 0, verified.stderr  # every event and chain still there
        again = zwgk(tmp_path, *forget, "--basis", "consent_withdrawn")
        assert again.returncode == 1 and "SUBJECT_ALREADY_ERASED" in again.stderr
        (erasure,) = json.loads(zwgk(tmp_path, "privacy", "erasures", "--format", "json").stdout)
        assert (erasure["subject_id"], erasure["basis"], erasure["actor"]) == (f"complainant-{complaint}", "consent_withdrawn",
                                                                               OFFICE["id"])
        assert erasure["records"] == [complaint]
        timeline = json.loads(zwgk(tmp_path, "audit", "timeline", "--actor", OFFICE["id"], "--format", "json").stdout)
        # inspectors see who erased whose data, and each read, even of what was erased
        assert [e["event_type"] for e in timeline][-2:] == ["DataSubject.Erased", "PersonalDataReading.Read"]
        with sqlite3.connect(tmp_path / "var" / "keys.sqlite3") as keys:
            assert keys.execute("SELECT COUNT(*) FROM subject_keys").fetchone()[0] == 0
    finally:
        broker.stop()


def test_e4_persistent_failure_opens_one_accountability_case(tmp_path: Path):
    unit = {"id": "tn-officer", "role": "officer", "unit": "常州市天宁区某局"}
    gov = {"id": "gov-1", "role": "government_office", "unit": "区政府办公室"}
    office = {"id": "lg-1", "role": "leading_group_office", "unit": "政务公开领导小组办公室"}
    criteria = ["organisation", "scope", "content", "form", "supervision", "effect", "accountability", "priorities"]
    ref = {"unit": unit["unit"], "period": "2025"}
    results = apply(tmp_path, [
        {"command": "self_assess", "actor": unit, "args": {"period": "2025", "self_score": "75", "report": "自查报告"}},
        {"command": "assess_unit", "actor": gov, "args": {**ref, "scores": {c: "5" for c in criteria}, "opinion": "多项未落实"}},
        {"command": "approve_grade", "actor": office, "args": ref},
        {"command": "publish_assessment", "actor": office, "args": ref},
        {"command": "order_rectification", "actor": office, "args": {**ref, "deadline": "2026-03-31", "requirements": "限期整改"}},
        {"command": "reassess_unit", "actor": gov, "args": {**ref, "total": "52", "on": "2026-04-01"}},
    ])
    assert all(r["ok"] for r in results), results
    for _ in range(2):  # running the policy again opens nothing more
        assert zwgk(tmp_path, "projections", "run", "--once").returncode == 0
    timeline = json.loads(zwgk(tmp_path, "audit", "timeline", "--unit", unit["unit"], "--format", "json").stdout)
    opened = [e for e in timeline if e["event_type"] == "AccountabilityCase.Opened"]
    lost = [e for e in timeline if e["event_type"] == "Assessment.AwardEligibilityLost"]
    assert len(opened) == 1 and len(lost) == 1
    assert opened[0]["actor_role"] == "system"
    with sqlite3.connect(tmp_path / "var" / "zwgk.sqlite3") as conn:
        state = conn.execute("SELECT state FROM stored_events WHERE topic LIKE '%AccountabilityCase.Opened'").fetchone()[0]
    assert lost[0]["event_id"] in state.decode() if isinstance(state, bytes) else state  # the case cites the evidence


def test_q3_an_erasure_records_who_erased_whose_data_and_why_before_the_key_goes(
    services: Services, monkeypatch: pytest.MonkeyPatch
):
    office = Actor(**OFFICE)
    complaint = uuid4()
    services.ledger.execute(RegisterComplaint(id=complaint, category="delay_without_reason", form="written", signed=True, major=False,
                                              respondent_unit="县自然资源局", channel="信函", complainant_name=NAME,
                                              complainant_contact=CONTACT, account="逾期未答复"), office, None)
    subject, keys = f"complainant-{complaint}", services.ledger.keys
    key = keys.find(subject)

    def erase(actor: Actor = office, basis: str = "purpose_fulfilled", note: str = "", at: datetime | None = None) -> Outcome:
        return services.ledger.execute(ErasePersonalData(subject_id=subject, basis=basis, note=note), actor, at)[0]

    for refusal, code in [
        (lambda: erase(actor=Actor("zr-1", "officer", "县自然资源局")), "PERSONAL_DATA_RESTRICTED"),
        (lambda: erase(basis="no_longer_wanted"), "ERASURE_BASIS_INVALID"),
        (lambda: erase(basis="other_legal_ground", note=" "), "ERASURE_BASIS_UNSTATED"),
        (lambda: services.ledger.execute(ErasePersonalData(subject_id=f"complainant-{uuid4()}", basis="purpose_fulfilled"),
                                         office, None)[0],
         "SUBJECT_UNKNOWN"),
    ]:
        with pytest.raises(DomainError) as error:
            refusal()
        assert (error.value.code, error.value.rule) == (code, "Q3")
    assert keys.find(subject) == key and list(services.ledger.erasures()) == []

    class Crash(Exception):
        pass

    def crash(subject_id: str) -> bool:
        raise Crash

    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    with monkeypatch.context() as patched:  # the process dies after recording, before the key is forgotten
        patched.setattr(keys, "forget", crash)
        with pytest.raises(Crash):
            erase(basis="retention_expired", note="办结满三年", at=at)
    assert keys.find(subject) == key
    finished = erase()  # erasing again finishes the erasure and records nothing more
    assert keys.find(subject) is None
    (erased,) = services.ledger.erasures()
    assert (erased.subject_id, erased.key_id, erased.basis, erased.note) == (subject, key.key_id, "retention_expired", "办结满三年")
    assert erased.records == [complaint]  # what became unreadable
    assert (erased.actor, erased.occurred_at) == (office, at)
    assert (finished.aggregate_id, finished.version) == (erased.originator_id, erased.originator_version)
    assert finished.notification_id == max(n.id for n in services.ledger.notifications())
    with pytest.raises(DomainError) as again:
        erase()
    assert again.value.code == "SUBJECT_ALREADY_ERASED"
    (registered,) = services.ledger.created_events(Complaint.Registered)
    assert unseal(keys, "complainant_name", registered.complainant_name) == ERASED


def test_q3_the_personal_data_inventory_finds_every_subject_and_follows_erasures(services: Services):
    run_scenario(services)
    held = services.ledger.personal_data()
    assert {h.kind for h in held} == set(SubjectKind)
    assert all(h.readable and h.erased is None and h.places for h in held)
    assert all(h.subject_id == SubjectKind(h.kind).subject(UUID(h.subject_id[len(h.kind) + 1:])) for h in held)
    (complainant,) = (h for h in held if h.kind == "complainant")
    (complaint,) = services.ledger.all_of(Complaint)
    assert {(p.record_type, p.record_id, p.field) for p in complainant.places} == {
        ("Complaint", complaint.id, f) for f in ("complainant_name", "complainant_contact", "account", "feedback")}
    assert services.ledger.load(Complaint, complaint.id).subject_id == complainant.subject_id

    commenter = next(h for h in held if h.kind == "commenter")
    services.ledger.execute(ErasePersonalData(subject_id=commenter.subject_id, basis="purpose_fulfilled"), Actor(**OFFICE), None)
    after = {h.subject_id: h for h in services.ledger.personal_data()}
    assert after.keys() == {h.subject_id for h in held}
    erased = after[commenter.subject_id]
    assert not erased.readable and erased.erased.basis == "purpose_fulfilled" and erased.places == commenter.places
    assert all(h.readable for s, h in after.items() if s != commenter.subject_id)


def test_q3_the_complaints_office_finds_a_subject_in_the_inventory_and_erases_them(tmp_path: Path):
    assert zwgk(tmp_path, "demo").returncode == 0

    def subjects(*options: str) -> list[dict]:
        out = zwgk(tmp_path, "privacy", "subjects", "--format", "json", *options)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    hearing_people = subjects("--kind", "hearing-participant")
    assert hearing_people and {h["kind"] for h in hearing_people} == {"hearing-participant"}
    record = hearing_people[0]["places"][0]["record_id"]
    in_record = subjects("--record", record)
    assert in_record and all(any(p["record_id"] == record for p in h["places"]) for h in in_record)
    subject = in_record[0]["subject_id"]
    forgot = zwgk(tmp_path, "privacy", "forget", subject, "--actor", OFFICE["id"], "--unit", OFFICE["unit"],
                  "--basis", "other_legal_ground", "--note", "依据《政府信息公开条例》第三十二条")
    assert forgot.returncode == 0, forgot.stderr
    (now,) = (h for h in subjects("--record", record) if h["subject_id"] == subject)
    assert now["erased"]["basis"] == "other_legal_ground" and not now["readable"]
    table = zwgk(tmp_path, "privacy", "subjects", "--record", record, env={"COLUMNS": "250"}).stdout
    assert "已删除（法律、行政法规规定的其他情形）" in table and "听证参加人" in table
    assert zwgk(tmp_path, "projections", "run", "--once").returncode == 0
    history = json.loads(zwgk(tmp_path, "audit", "timeline", "--aggregate", record, "--format", "json").stdout)
    assert history[-1]["event_type"] == "DataSubject.Erased"  # the hearing's history shows its participant's erasure
    assert [e["aggregate_id"] for e in history[:-1]] == [record] * (len(history) - 1)
    assert zwgk(tmp_path, "projections", "export", "timeline", "-o", "incremental.json").returncode == 0
    assert zwgk(tmp_path, "projections", "rebuild", "timeline").returncode == 0
    assert zwgk(tmp_path, "projections", "export", "timeline", "-o", "rebuilt.json").returncode == 0
    assert (tmp_path / "rebuilt.json").read_bytes() == (tmp_path / "incremental.json").read_bytes()
    mentions = json.loads((tmp_path / "rebuilt.json").read_text(encoding="utf-8"))["timeline_mentions"]
    assert {m["aggregate_id"] for m in mentions} == {record}

"""`zwgk serve` as a real process, on SQLite and on PostgreSQL, spoken to over HTTP."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import pyotp
import pytest

from tests.api import ZwgkServer, isolated, token_for
from zwgk.connectors import accounts
from zwgk.connectors.api.app import create_app
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services
from zwgk.domain.disclosure import DisclosureAct

UNIT = "示范县教育局"
DRAFT = {"title": "关于2022年秋季学期招生工作的通知", "attribute": "proactive", "doc_number": "示教〔2022〕3号"}


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ZwgkServer]]:
    settings = replace(settings, keystore_url=settings.keystore_url if "var/keys" not in settings.keystore_url
                       else f"sqlite:///{tmp_path}/keys.sqlite3")
    if settings.database_url.startswith("postgresql"):
        settings = replace(settings, keystore_url=settings.database_url)
    server = ZwgkServer.start(settings, tmp_path)
    yield settings, server
    server.stop()


def _problem(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["type"] == f"urn:zwgk:problem:{body['code'].lower()}" and body["status"] == response.status_code
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_a_command_is_recorded_as_the_signed_in_actor_and_answers_its_log_position(served):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    with server.client(officer) as http:
        answer = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Zwgk-Position"] == str(answer.json()["notification_id"])
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    with services(settings) as s:
        notification = next(s.ledger.notifications(after=answer.json()["notification_id"] - 1))
        event = s.ledger.record_event(notification)
    assert isinstance(event, DisclosureAct.Drafted) and str(event.originator_id) == answer.json()["aggregate_id"]
    assert (event.actor.id, event.actor.role, event.actor.unit) == ("edu-officer", "officer", UNIT)


def test_refusals_are_problem_details_with_code_rule_and_chinese_detail(served):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    inspector = token_for(settings, "inspector-1", "inspector", "县纪委监委")
    with server.client() as anonymous:
        unsigned = anonymous.post("/api/v1/commands/draft_disclosure", json=DRAFT)
    assert unsigned.status_code == 401 and unsigned.headers["WWW-Authenticate"].startswith("Bearer")
    assert _problem(unsigned)["code"] == "UNAUTHENTICATED"
    with server.client(officer) as http:
        invalid = http.post("/api/v1/commands/draft_disclosure", json={**DRAFT, "attribute": "secret"})
        assert invalid.status_code == 422
        assert _problem(invalid)["code"] == "INVALID_ARGUMENTS" and "attribute" in invalid.json()["detail"]
        unknown = http.post("/api/v1/commands/sign_review",
                            json={"act_id": "00000000-0000-0000-0000-000000000001", "sheet_role": "compiler", "decision": "approved"})
        assert unknown.status_code == 404 and _problem(unknown)["code"] == "NOT_FOUND"
        drafted = http.post("/api/v1/commands/draft_disclosure", json={**DRAFT, "attribute": "withheld"})
        assert drafted.status_code == 422 and _problem(drafted)["rule"] == "D2"
    with server.client(inspector) as http:
        forbidden = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
    assert forbidden.status_code == 403 and _problem(forbidden)["code"] == "ROLE_NOT_PERMITTED"
    with services(settings) as s:
        logged = s.security_log.entries(kind="access_refused")
    assert [e.user_id for e in logged] == ["inspector-1"]
    assert logged[0].request_id == forbidden.headers["X-Request-Id"]
    auditor = token_for(settings, "auditor-1", "security_auditor", "县政务公开办")
    with server.client(auditor) as http:
        entries = http.get("/api/v1/security-log", params={"kind": "access_refused"}).json()["items"]
    assert [(e["user_id"], e["kind_zh"]) for e in entries] == [("inspector-1", "越权访问被拒绝")]
    with server.client(inspector) as http:
        assert http.get("/api/v1/security-log").status_code == 403  # the auditor's alone (三员分立)


def test_c3_an_officer_acts_only_for_their_own_unit(served):
    settings, server = served
    mine = token_for(settings, "edu-officer", "officer", UNIT)
    other = token_for(settings, "health-officer", "officer", "示范县卫生健康局")
    with server.client(mine) as http:
        act = http.post("/api/v1/commands/draft_disclosure", json=DRAFT).json()["aggregate_id"]
    with server.client(other) as http:
        refused = http.post("/api/v1/commands/revise_disclosure", json={"act_id": act, "title": "改"})
    assert refused.status_code == 403 and _problem(refused)["code"] == "NOT_RESPONSIBLE_UNIT"


def test_a_retried_request_with_its_idempotency_key_gets_the_first_answer_and_records_nothing_twice(served, tmp_path):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    with server.client(officer, **{"Idempotency-Key": "draft-1"}) as http:
        first = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
        again = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
        other = http.post("/api/v1/commands/draft_disclosure", json={**DRAFT, "title": "另一份"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and _problem(other)["code"] == "IDEMPOTENCY_KEY_REUSED"
    server.stop()
    restarted = ZwgkServer.start(settings, tmp_path)
    try:
        with restarted.client(officer, **{"Idempotency-Key": "draft-1"}) as http:
            assert http.post("/api/v1/commands/draft_disclosure", json=DRAFT).json() == first.json()
    finally:
        restarted.stop()
    with services(settings) as s:
        assert len(list(s.ledger.ids_of(DisclosureAct.Drafted))) == 1


def test_a_revoked_token_is_refused_at_its_next_use_and_that_use_is_on_the_security_log(served):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    admin = token_for(settings, "sec-admin", "security_admin", "县政务公开办")
    with server.client(officer) as http:  # signed in once: the server has read the token's row
        assert http.post("/api/v1/commands/draft_disclosure", json=DRAFT).status_code == 201
    with server.client(admin) as http:
        token_id = officer.split("_")[1]
        revoked = http.post("/api/v1/commands/revoke_token", json={"user_id": "edu-officer", "token_id": token_id})
        assert revoked.status_code == 201, revoked.text
    with server.client(officer) as http:
        refused = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
    assert refused.status_code == 401
    with services(settings) as s:
        assert [e.kind for e in s.security_log.entries(user_id="edu-officer")] == ["token_revoked_used"]


def test_a_caller_not_signed_in_is_told_so_before_anything_else_is_checked(served):
    """401 and the security log for a command without valid credentials, whatever else is wrong with the request;
    signed in, the same request's faults are told (422)."""
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    faulty = {"params": {"occurred_at": "not-an-instant"}, "headers": {"Idempotency-Key": "k" * 300}}
    with server.client("zwgk_forged_token") as http:
        forged = http.post("/api/v1/commands/draft_disclosure", json=DRAFT, **faulty)
    with server.client() as http:
        anonymous = http.post("/api/v1/commands/draft_disclosure", json=DRAFT, **faulty)
    assert (forged.status_code, anonymous.status_code) == (401, 401)
    with services(settings) as s:
        assert len(s.security_log.entries(kind="credentials_invalid")) == 1
    with server.client(officer) as http:
        late = http.post("/api/v1/commands/draft_disclosure", json=DRAFT, params={"occurred_at": "not-an-instant"})
        keyed = http.post("/api/v1/commands/draft_disclosure", json=DRAFT, headers={"Idempotency-Key": "k" * 300})
    assert late.status_code == 422 and _problem(late)["code"] == "INVALID_ARGUMENTS" and "occurred_at" in late.json()["detail"]
    assert keyed.status_code == 422 and "Idempotency-Key" in keyed.json()["detail"]


def test_password_sign_in_opens_a_session_and_repeated_failures_lock_the_account(served):
    settings, server = served
    token_for(settings, "edu-officer", "officer", UNIT, password="一个足够长的密码-2022")
    with server.client() as http:
        signed = http.post("/api/v1/sessions", json={"user_id": "edu-officer", "password": "一个足够长的密码-2022"})
        assert signed.status_code == 201 and signed.json()["role"] == "officer"
        assert "httponly" in signed.headers["set-cookie"].lower()
        assert http.get("/api/v1/me").json()["unit"] == UNIT  # by the session cookie
        http.cookies.clear()
        for _ in range(5):
            assert http.post("/api/v1/sessions", json={"user_id": "edu-officer", "password": "wrong"}).status_code == 401
        locked = http.post("/api/v1/sessions", json={"user_id": "edu-officer", "password": "一个足够长的密码-2022"})
    assert locked.status_code == 401
    with services(settings) as s:
        kinds = [e.kind for e in s.security_log.entries(user_id="edu-officer")]
    assert kinds == ["signed_in"] + ["sign_in_failed"] * 4 + ["account_locked", "sign_in_failed"]


def test_an_administrators_one_time_code_signs_in_once(served):
    settings, server = served
    with services(settings) as s:
        accounts.add_user(s, "sec-admin", "security_admin", "县政务公开办", "至少十二位的安全管理员的密码")
        totp = pyotp.TOTP(pyotp.parse_uri(accounts.enrol_second_factor(s, "sec-admin")).secret)
    admin = {"user_id": "sec-admin", "password": "至少十二位的安全管理员的密码", "one_time_code": totp.now()}
    with server.client() as http:
        assert http.post("/api/v1/sessions", json=admin).status_code == 201
        replayed = http.post("/api/v1/sessions", json=admin)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "SECOND_FACTOR_REQUIRED")
    assert "已使用过" in replayed.json()["detail"]


def test_a_batch_of_json_lines_answers_one_result_a_line(served):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    lines = [json.dumps({"command": "draft_disclosure", "args": DRAFT}, ensure_ascii=False), "not json",
             json.dumps({"command": "draft_disclosure", "actor": {"id": "x", "role": "officer", "unit": UNIT}, "args": DRAFT})]
    with server.client(officer) as http:
        answer = http.post("/api/v1/batch", content="\n".join(lines).encode(), headers={"Content-Type": "application/x-ndjson"})
    results = [json.loads(line) for line in answer.text.splitlines()]
    assert [(r["line"], r["ok"], r.get("code")) for r in results] == [(1, True, None), (2, False, "INVALID_JSON"),
                                                                        (3, False, "ACTOR_MISMATCH")]


def test_the_openapi_document_carries_each_command_schema(served):
    _, server = served
    with server.client() as http:
        document = http.get("/openapi.json").json()
    body = document["paths"]["/api/v1/commands/draft_disclosure"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"title", "attribute"} <= set(body["required"])
    assert body["properties"]["attribute"]["$ref"].startswith("#/components/schemas/")
    assert "/api/v1/commands/archive_original" not in document["paths"]


@pytest.mark.postgres
def test_two_servers_on_one_database_let_exactly_one_of_two_concurrent_changes_win(postgres_settings, tmp_path):
    settings = replace(postgres_settings, keystore_url=postgres_settings.database_url)
    first, second = ZwgkServer.start(settings, tmp_path), ZwgkServer.start(settings, tmp_path)
    try:
        officer = token_for(settings, "edu-officer", "officer", UNIT)
        with first.client(officer) as http:
            act = http.post("/api/v1/commands/draft_disclosure", json=DRAFT).json()["aggregate_id"]
        answers: list[int] = []
        barrier = threading.Barrier(2)

        def revise(server: ZwgkServer, title: str) -> None:
            with server.client(officer) as http:
                barrier.wait()
                answers.append(http.post("/api/v1/commands/revise_disclosure", json={"act_id": act, "title": title}).status_code)

        for _ in range(10):
            answers.clear()
            threads = [threading.Thread(target=revise, args=(server, title)) for server, title in ((first, "甲"), (second, "乙"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if sorted(answers) == [201, 409]:
                break
            assert answers == [201, 201]  # one after the other: both are fine, try again for an overlap
        assert sorted(answers) == [201, 409]
    finally:
        first.stop()
        second.stop()


def test_a_complainant_s_identity_is_read_one_field_at_a_time_with_a_purpose_and_the_read_is_recorded(served):
    settings, server = served
    office = token_for(settings, "complaints-1", "complaints_office", "县政务公开办")
    with server.client(office) as http:
        complaint = http.post("/api/v1/commands/register_complaint", json={
            "category": "delay_without_reason", "form": "written", "signed": True, "respondent_unit": "县自然资源局",
            "complainant_name": "王某某", "complainant_contact": "139xxxx0000", "account": "申请逾期未答复"})
        assert complaint.status_code == 201, complaint.text
        complaint_id = complaint.json()["aggregate_id"]
        unstated = http.post(f"/api/v1/records/{complaint_id}/personal-data/complainant_name", json={"purpose": "看"})
        assert unstated.status_code == 422 and _problem(unstated)["code"] == "PURPOSE_REQUIRED"
        read = http.post(f"/api/v1/records/{complaint_id}/personal-data/complainant_name", json={"purpose": "回访投诉人"})
        assert read.status_code == 200 and read.json()["value"] == "王某某", read.text
    with services(settings) as s:
        event = s.ledger.record_event(next(s.ledger.notifications(after=read.json()["notification_id"] - 1)))
    assert (event.actor.id, event.record_id, event.field, event.purpose) == \
        ("complaints-1", UUID(complaint_id), "complainant_name", "回访投诉人")


def test_health_readiness_metrics_and_the_request_id(served):
    settings, server = served
    officer = token_for(settings, "edu-officer", "officer", UNIT)
    with server.client(officer, **{"X-Request-Id": "trace-42"}) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200 and set(ready.json()["checks"]) == {"event_store", "views", "archive_store"}
        written = http.post("/api/v1/commands/draft_disclosure", json=DRAFT)
        assert written.headers["X-Request-Id"] == "trace-42"
        metrics = http.get("/metrics").text
    assert 'zwgk_http_requests_total{method="POST",route="/api/v1/commands/draft_disclosure",status="201"} 1.0' in metrics
    assert "zwgk_projection_lag_events" in metrics and "zwgk_audit_log_lag_events" in metrics
    assert any(json.loads(line).get("request_id") == "trace-42" and json.loads(line).get("status") == 201
               for line in server.log.read_text(encoding="utf-8").splitlines() if line.startswith("{"))


def test_what_the_service_made_as_it_started_is_kept_out_of_the_collector_s_way(sqlite_settings: Settings, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch):
    """A full collection walks every object the collector watches: the routes, models and stores made at start
    are frozen out of its sight while the service runs, so that no request waits the 100 ms of walking them."""
    monkeypatch.chdir(tmp_path)
    app = create_app(isolated(sqlite_settings, tmp_path))

    async def frozen_while_serving() -> int:
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    gc.unfreeze()
    try:  # on a thread of its own: the browser tests' Playwright keeps an event loop running on this one
        with ThreadPoolExecutor(1) as thread:
            assert thread.submit(asyncio.run, frozen_while_serving()).result() > 0
    finally:
        gc.unfreeze()


def test_readiness_fails_while_kafka_is_configured_but_unreachable(settings: Settings, tmp_path: Path):
    from tests.servers import free_port

    unreachable = replace(settings, keystore_url=f"sqlite:///{tmp_path}/keys.sqlite3", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    server = ZwgkServer.start(unreachable, tmp_path)
    try:
        with server.client() as http:
            ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["kafka"] != "ok"
        assert ready.json()["checks"]["event_store"] == "ok"
    finally:
        server.stop()


def test_with_an_openid_provider_its_signed_tokens_sign_in_through_expiry_and_key_rotation(sqlite_settings, oidc_provider, tmp_path):
    settings = replace(sqlite_settings, keystore_url=f"sqlite:///{tmp_path}/keys.sqlite3", oidc_issuer=oidc_provider.issuer,
                       oidc_audience=oidc_provider.audience)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        def draft(token: str):
            with server.client(token) as http:
                return http.post("/api/v1/commands/draft_disclosure", json=DRAFT)

        drafted = draft(oidc_provider.token("zhang.san", "officer", UNIT))
        assert drafted.status_code == 201, drafted.text
        with services(settings) as s:
            event = s.ledger.record_event(next(s.ledger.notifications(after=drafted.json()["notification_id"] - 1)))
        assert (event.actor.id, event.actor.role, event.actor.unit) == ("zhang.san", "officer", UNIT)
        assert draft(oidc_provider.token("zhang.san", "officer", UNIT, expires_in=-120)).status_code == 401  # past the leeway
        assert draft(oidc_provider.token("zhang.san", "officer", UNIT, audience="urn:another:api")).status_code == 401
        assert draft(oidc_provider.token("zhang.san", "system", UNIT)).status_code == 401
        old = oidc_provider.token("zhang.san", "officer", UNIT)
        oidc_provider.rotate_keys()
        rotated = oidc_provider.token("zhang.san", "officer", UNIT)
        deadline = time.monotonic() + 40  # the verifier refetches keys at most every 30 s
        while (answer := draft(rotated)).status_code == 401 and time.monotonic() < deadline:
            time.sleep(1)
        assert answer.status_code == 201, answer.text
        assert draft(old).status_code == 401
        with services(settings) as s:
            reasons = [e.detail for e in s.security_log.entries(kind="credentials_invalid")]
        assert "OpenID token refused: token expired" in reasons
    finally:
        server.stop()


@pytest.mark.postgres
def test_a_write_through_one_server_is_read_through_another_with_at_least(postgres_settings, tmp_path):
    settings = replace(postgres_settings, keystore_url=postgres_settings.database_url)
    writer, reader = ZwgkServer.start(settings, tmp_path), ZwgkServer.start(settings, tmp_path)
    try:
        officer = token_for(settings, "edu-officer", "officer", UNIT)
        for n in range(5):
            with writer.client(officer) as http:
                written = http.post("/api/v1/commands/draft_disclosure", json={**DRAFT, "title": f"通知（{n}）"})
            with reader.client(officer) as http:
                page = http.get("/api/v1/register", params={"at_least": written.headers["Zwgk-Position"], "limit": 1000}).json()
            assert written.json()["aggregate_id"] in {row["act_id"] for row in page["items"]}
    finally:
        writer.stop()
        reader.stop()

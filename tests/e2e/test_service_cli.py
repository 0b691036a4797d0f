"""The operator's commands for the service, as typed on the server: first accounts, tokens, the
OpenAPI document, and `zwgk serve` answering with them."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pyotp

from tests.cli import ZWGK, zwgk
from tests.servers import free_port


def test_the_operator_opens_accounts_issues_and_revokes_tokens_and_serves(tmp_path: Path):
    short = subprocess.run([str(ZWGK), "users", "add", "sec-admin", "--role", "security_admin", "--unit", "县政务公开办",
                            "--password-stdin"], input="太短的密码\n", cwd=tmp_path, capture_output=True, text=True)
    assert short.returncode == 1 and "PASSWORD_TOO_SHORT" in short.stderr
    added = subprocess.run([str(ZWGK), "users", "add", "sec-admin", "--role", "security_admin", "--unit", "县政务公开办",
                            "--password-stdin"], input="至少十二位的安全管理员的密码\n", cwd=tmp_path, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    assert "已开设账户 sec-admin" in added.stdout
    assert zwgk("users", "add", "edu-officer", "--role", "officer", "--unit", "县教育局", cwd=tmp_path).returncode == 0
    doubled = zwgk("users", "add", "edu-officer", "--role", "officer", "--unit", "县教育局", cwd=tmp_path)
    assert doubled.returncode == 1 and "ALREADY_EXISTS" in doubled.stderr
    mixed = zwgk("users", "add", "x", "--role", "system", "--unit", "u", cwd=tmp_path)
    assert mixed.returncode == 1 and "ROLE_NOT_GRANTABLE" in mixed.stderr
    created = zwgk("tokens", "create", "--user", "edu-officer", "--expires", "30d", cwd=tmp_path)
    assert created.returncode == 0 and "无法再次显示" in created.stderr
    token = created.stdout.strip()
    listed = json.loads(zwgk("users", "list", "--format", "json", cwd=tmp_path).stdout)
    assert {a["user_id"]: a["roles"] for a in listed} == {"sec-admin": ["security_admin"], "edu-officer": ["officer"]}
    assert token not in (tmp_path / "var" / "keys.sqlite3").read_bytes().decode("latin-1")  # only its hash is kept

    enrolled = zwgk("users", "totp", "sec-admin", cwd=tmp_path)
    assert enrolled.returncode == 0 and "无法再次显示" in enrolled.stderr
    second_factor = pyotp.parse_uri(enrolled.stdout.strip())
    assert second_factor.secret.encode() not in (tmp_path / "var" / "keys.sqlite3").read_bytes()  # kept sealed

    document = json.loads(zwgk("api", "openapi", cwd=tmp_path).stdout)
    assert "/api/v1/commands/draft_disclosure" in document["paths"]

    port = free_port()
    server = subprocess.Popen([str(ZWGK), "serve", "--port", str(port)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{url}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        me = httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"id": "edu-officer", "role": "officer", "role_zh": "政务公开专员", "unit": "县教育局"}
        admin = {"user_id": "sec-admin", "password": "至少十二位的安全管理员的密码"}
        refused = httpx.post(f"{url}/api/v1/sessions", json=admin)  # 三员: a password alone does not sign in
        assert (refused.status_code, refused.json()["code"]) == (401, "SECOND_FACTOR_REQUIRED")
        signed = httpx.post(f"{url}/api/v1/sessions", json={**admin, "one_time_code": second_factor.now()})
        assert signed.status_code == 201 and signed.json()["role"] == "security_admin"
        token_id = token.split("_")[1]
        assert zwgk("tokens", "revoke", "--user", "edu-officer", token_id, cwd=tmp_path).returncode == 0
        assert httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        server.terminate()
        said = server.communicate(timeout=15)[1]
    assert f"控制台 http://127.0.0.1:{port}/" in said  # the operator is told where the service answers
    assert f"running on http://127.0.0.1:{port}" in said

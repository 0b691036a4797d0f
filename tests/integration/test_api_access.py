"""The access table as the service enforces it: every role against every command route, answered 403
exactly where the table refuses (tests/unit/test_access.py holds the table's own expectations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import ZwgkServer, token_for
from zwgk.connectors.api.commands import NOT_OVER_HTTP
from zwgk.connectors.config import Settings
from zwgk.domain.access import COMMAND_ACCESS, QUERY_ACCESS
from zwgk.domain.actors import Role
from zwgk.domain.commands import COMMANDS

ROLES = [role for role in Role if role is not Role.SYSTEM]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ZwgkServer, dict[Role, str]]]:
    root: Path = tmp_path_factory.mktemp("access")
    settings = Settings(database_url=f"sqlite:///{root}/zwgk.sqlite3", keystore_url=f"sqlite:///{root}/keys.sqlite3")
    tokens = {role: token_for(settings, f"user-{role.value}", role.value, "示范县教育局") for role in ROLES}
    server = ZwgkServer.start(settings, root)
    yield server, tokens
    server.stop()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_every_command_route_refuses_exactly_the_roles_the_table_refuses(served, role):
    server, tokens = served
    wrong = []
    with server.client(tokens[role]) as http:
        for name in sorted(set(COMMANDS) - NOT_OVER_HTTP):
            answer = http.post(f"/api/v1/commands/{name}", json={})
            refused = answer.status_code == 403 and answer.json()["code"] == "ROLE_NOT_PERMITTED"
            if refused == (role in COMMAND_ACCESS[name]):
                wrong.append((name, answer.status_code, answer.json().get("code")))
    assert wrong == [], f"{role}: the service disagrees with the table on {wrong}"


UNIT = "示范县教育局"
RECORD = "00000000-0000-4000-8000-000000000001"
QUERY_ROUTES = {
    "register": "/api/v1/register",
    "catalogue": "/api/v1/catalogue",
    "unfiled_adjustments": "/api/v1/catalogue/unfiled",
    "deadlines": "/api/v1/deadlines",
    "violations": "/api/v1/violations",
    "timeline": f"/api/v1/timeline?unit={UNIT}",
    "record_as_of": f"/api/v1/records/{RECORD}",
    "assessment": "/api/v1/assessment?year=2025",
    "annual_report": f"/api/v1/annual-report?unit={UNIT}&year=2025",
    "participation": "/api/v1/participation",
    "participation_counts": "/api/v1/participation/counts?year=2025",
    "complaints": "/api/v1/complaints",
    "requests": "/api/v1/requests",
    "data_subjects": "/api/v1/privacy/subjects",
    "erasures": "/api/v1/privacy/erasures",
    "archive_search": "/api/v1/archive/search",
    "projection_status": "/api/v1/projections",
    "security_log": "/api/v1/security-log",
    "accounts": "/api/v1/accounts",
    "contract": "/api/v1/contract/asyncapi",
    "archive_download": "/api/v1/archive/originals/Z001-WS·2022-D30-BGS-0006/content",
    "archive_metadata": "/api/v1/archive/originals/Z001-WS·2022-D30-BGS-0006",
    "fixity_report": ("POST", "/api/v1/archive/fixity", {"archive_numbers": []}),
    "four_properties": "/api/v1/archive/four-properties",
    "appraisal_due": "/api/v1/archive/due",
    "bagit_export": "/api/v1/archive/export?archive_number=Z001-WS·2022-D30-BGS-0006",
    "audit_verify": "/api/v1/audit/verify",
    "audit_checkpoint": "/api/v1/audit/checkpoint",
    "audit_proofs": "/api/v1/audit/proofs/consistency?old_size=1",
    "audit_event": f"/api/v1/audit/events/{RECORD}",
}


def test_every_query_of_the_table_has_a_route():
    assert set(QUERY_ACCESS) - set(QUERY_ROUTES) == set()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_every_query_route_refuses_exactly_the_roles_the_table_refuses(served, role):
    server, tokens = served
    wrong = []
    with server.client(tokens[role]) as http:
        for name, route in sorted(QUERY_ROUTES.items()):
            method, path, body = route if isinstance(route, tuple) else ("GET", route, None)
            answer = http.request(method, path, json=body)
            refused = answer.status_code == 403 and answer.json()["code"] == "ROLE_NOT_PERMITTED"
            if refused == (role in QUERY_ACCESS[name]) or answer.status_code >= 500:
                wrong.append((name, answer.status_code, answer.text[:200]))
    assert wrong == [], f"{role}: the service disagrees with the table on {wrong}"

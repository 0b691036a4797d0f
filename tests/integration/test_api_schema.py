"""Every route of the served OpenAPI document, exercised by schemathesis as a signed-in officer: no
5xx answer, and every answer (refusals included) as the document describes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import ZwgkServer, token_for
from zwgk.connectors.config import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ZwgkServer, str]]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    served = Settings(database_url=f"sqlite:///{root}/zwgk.sqlite3", keystore_url=f"sqlite:///{root}/keys.sqlite3")
    token = token_for(served, "edu-officer", "officer", "示范县教育局", password="一个足够长的密码-2022")
    process = ZwgkServer.start(served, root)
    yield process, token
    process.stop()


@pytest.fixture(scope="module")
def api(server: tuple[ZwgkServer, str]):
    return schemathesis.openapi.from_url(f"{server[0].url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_route_answers_as_documented(case, server):
    process, token = server
    case.call_and_validate(base_url=process.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

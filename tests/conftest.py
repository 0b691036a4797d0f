from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import ContainerBroker, OidcProvider, PostgresServer, SeaweedServer, TansuBroker, docker_answers
from zwgk.connectors.config import Settings
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import catch_up, open_services, views

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3")


@pytest.fixture
def demo_views(sqlite_settings: Settings):
    """The demo scenario recorded on SQLite and folded into every view."""
    from tests.integration.test_ledger import run_scenario

    services = open_services(sqlite_settings)
    run_scenario(services)
    with views(sqlite_settings) as runner:
        catch_up(services, runner)
        yield services, runner
    services.close()


@pytest.fixture
def postgres_settings(postgres: PostgresServer) -> Settings:
    return Settings(database_url=postgres.create_database(f"zwgk_test_{next(_databases)}"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> Settings:
    """The same tests on the embedded default and on a real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    opened = open_services(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedServer]:
    server = SeaweedServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kafka(seaweed: SeaweedServer) -> Iterator[str]:
    """A Kafka-protocol broker: ZWGK_TEST_BROKER=tansu|kafka, by default Apache Kafka in a
    container where a Docker engine answers, Tansu (durable on SeaweedFS) where none does."""
    choice = os.environ.get("ZWGK_TEST_BROKER", "auto")
    if choice == "kafka" or (choice == "auto" and docker_answers()):
        broker = ContainerBroker.start()
    else:
        broker = TansuBroker.start(seaweed, bucket="tansu-shared")
    yield broker.bootstrap
    broker.stop()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """A real OpenID Connect provider (Node.js oidc-provider) minting JWT access tokens for urn:zwgk:api."""
    provider = OidcProvider.start()
    yield provider
    provider.stop()

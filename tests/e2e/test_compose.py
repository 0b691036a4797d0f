"""docker-compose.yml cannot run here (no Docker engine), so it is checked by construction:
the services, ports, volumes and settings agree with one another and with zwgk's settings."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from zwgk.connectors.config import Settings
from zwgk.connectors.contract import SCHEMA_DIR

COMPOSE = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
SETTINGS = {f"ZWGK_{f.name.upper()}" for f in fields(Settings)}


def zwgk_services():
    return {name: s for name, s in SERVICES.items() if any(k.startswith("ZWGK_") for k in s.get("environment", {}))}


def substituted(value: str) -> str:
    """The value with ${VAR:?…} and ${VAR:-default} replaced as Compose would, using placeholders."""
    return re.sub(r"\$\{(\w+)(:[?-][^}]*)?\}", lambda m: f"<{m.group(1)}>", str(value))


def test_stack_has_the_four_components_with_health_checks():
    assert {"postgres", "kafka", "minio", "relay"} <= set(SERVICES)
    assert SERVICES["kafka"]["image"].startswith("apache/kafka")
    assert "broker,controller" in SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    for name in ("postgres", "kafka", "minio"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_zwgk_services_use_only_known_settings_and_no_literal_secrets():
    assert zwgk_services()
    for name, service in zwgk_services().items():
        env = service["environment"]
        unknown = {k for k in env if k.startswith("ZWGK_")} - SETTINGS
        assert not unknown, f"{name} sets unknown settings {unknown}"
        assert "${MINIO_ROOT_PASSWORD" in env["ZWGK_S3_SECRET_KEY"]
        assert "${ZWGK_POSTGRES_PASSWORD" in env["ZWGK_DATABASE_URL"]
        assert env["ZWGK_SIGNING_KEY_FILE"].startswith("/run/secrets/")
        settings = Settings.from_env({k: substituted(v) for k, v in env.items()})
        assert settings.eventsourcing_env()["PERSISTENCE_MODULE"] == "eventsourcing.postgres"


def test_zwgk_settings_point_at_the_services_that_exist():
    postgres = SERVICES["postgres"]["environment"]
    for service in zwgk_services().values():
        env = {k: substituted(v) for k, v in service["environment"].items()}
        db = urlsplit(env["ZWGK_DATABASE_URL"])
        assert (db.hostname, db.port, db.path.strip("/"), db.username) == ("postgres", 5432, postgres["POSTGRES_DB"],
                                                                           postgres["POSTGRES_USER"])
        host, port = env["ZWGK_KAFKA_BOOTSTRAP_SERVERS"].split(":")
        assert f"PLAINTEXT://{host}:{port}" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
        assert env["ZWGK_S3_ENDPOINT"] == "minio:9000" and "server" in SERVICES["minio"]["command"]
        assert env["ZWGK_S3_ACCESS_KEY"] == SERVICES["minio"]["environment"]["MINIO_ROOT_USER"]
        init = " ".join(SERVICES["minio-init"]["entrypoint"])
        assert f"--with-lock zwgk/{env['ZWGK_S3_BUCKET']}" in init  # Object Lock on the originals' bucket
        for dependency, condition in service["depends_on"].items():
            assert dependency in SERVICES and condition["condition"].startswith("service_")
        assert "zwgk_signing_key" in COMPOSE["secrets"]


def test_ports_are_published_and_volumes_declared():
    assert "5432:5432" in SERVICES["postgres"]["ports"]
    assert "9000:9000" in SERVICES["minio"]["ports"]
    assert any(p.startswith("29092") for p in SERVICES["kafka"]["ports"])
    declared = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_relay_creates_topics_then_follows_the_log():
    command = " ".join(SERVICES["relay"]["command"])
    assert command.index("zwgk kafka init-topics") < command.index("zwgk relay")
    assert SCHEMA_DIR.is_dir()

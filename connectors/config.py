"""Configuration: every setting comes from the environment, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/zwgk.sqlite3"
SECRET = "****"
# Cached aggregates are fast-forwarded from the store before use, so other writers are seen.
CACHE = {"AGGREGATE_CACHE_MAXSIZE": "1000", "AGGREGATE_CACHE_FASTFORWARD": "y"}
GiB = 1024**3


class ConfigurationError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    kafka_bootstrap_servers: str = ""
    schema_registry_url: str = ""
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "zwgk-originals"
    signing_key_file: str = ""
    log_origin: str = "zwgk.local/ledger"
    views_database_url: str = ""
    keystore_url: str = "sqlite:///var/keys.sqlite3"
    # OpenID Connect sign-in: the identity provider whose JWT access tokens for this audience are accepted.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_role_claim: str = "zwgk_role"
    oidc_unit_claim: str = "zwgk_unit"
    oidc_client_id: str = ""  # the console's public client at the provider: sign-in by authorization code with PKCE
    max_upload_bytes: int = 2 * GiB  # the largest original the service takes in one upload (larger: 413)

    @property
    def views_url(self) -> str:
        """Read models live beside the event store unless configured apart."""
        return self.views_database_url or self.database_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, str | int] = {}
        for field in fields(cls):
            name = f"ZWGK_{field.name.upper()}"
            value = environ.get(name, "").strip()
            if value:
                values[field.name] = _number(name, value) if field.type == "int" else value
        return cls(**values)  # type: ignore[arg-type]  # each value has its field's type

    def eventsourcing_env(self) -> dict[str, str]:
        """`ZWGK_DATABASE_URL` mapped onto the eventsourcing library's settings."""
        url = urlsplit(self.database_url)
        if url.scheme == "sqlite":
            # sqlite:///relative/path or sqlite:////absolute/path
            path = Path(unquote(url.path[1:] if url.path.startswith("/") else url.path))
            if not path.name:
                raise ConfigurationError(f"ZWGK_DATABASE_URL names no SQLite file: {self.database_url}")
            path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
                **CACHE,
            }
        if url.scheme in ("postgresql", "postgres"):
            if not url.hostname or not url.path.strip("/"):
                raise ConfigurationError("ZWGK_DATABASE_URL needs a host and a database name")
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": unquote(url.path.strip("/")),
                "POSTGRES_HOST": url.hostname,
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": unquote(url.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(url.password or ""),
                "POSTGRES_POOL_SIZE": "5",
                "POSTGRES_MAX_OVERFLOW": "10",
                **CACHE,
            }
            schema = parse_qs(url.query).get("schema")
            if schema:
                env["POSTGRES_SCHEMA"] = schema[0]
            return env
        raise ConfigurationError(
            f"ZWGK_DATABASE_URL must start with sqlite:/// or postgresql://, not {url.scheme or '(none)'}"
        )

    def masked(self) -> dict[str, str]:
        """The effective settings for display, secrets replaced."""
        shown = {f"ZWGK_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}
        for key, value in shown.items():  # any URL's credentials: stores, the schema registry, endpoints
            if "@" in value and "://" in value:
                credentials = urlsplit(value).netloc.rpartition("@")[0]
                user = credentials.partition(":")[0]
                shown[key] = value.replace(f"{credentials}@", f"{user}:{SECRET}@" if user else f"{SECRET}@", 1)
        if self.s3_secret_key:
            shown["ZWGK_S3_SECRET_KEY"] = SECRET
        return shown


def _number(name: str, value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return number

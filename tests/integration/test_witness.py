"""Witnesses (C2SP tlog-witness) against a real `zwgk witness serve` process: the ledger gets each new
checkpoint cosigned; the witness keeps its state across restarts; and the attack it stops — a ledger
store rolled back and grown differently — gets no cosignature, so a verifier requiring the witness
rejects its checkpoint."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.api import ZWGK, ServerProcess
from tests.integration.test_ledger import run_scenario
from tests.servers import free_port
from zwgk.connectors import queries
from zwgk.connectors.config import Settings
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, open_services
from zwgk.domain.actors import Actor
from zwgk.domain.checkpoint import CheckpointError, Verifier, open_signed, parse_verifier, read_unverified
from zwgk.domain.disclosure import DraftDisclosure
from zwgk.domain.witness import submission

NAME = "inspectors.example/witness"


@dataclass
class WitnessServer(ServerProcess):
    args: list[str]
    name = "zwgk witness serve"
    health = ""

    @classmethod
    def start(cls, key: Path, db: Path, log_key: str, cwd: Path) -> WitnessServer:
        port = free_port()
        args = [ZWGK, "witness", "serve", "--key", str(key), "--db", str(db), "--log", log_key, "--name", NAME, "--port", str(port)]
        log = cwd / f"witness-{port}.log"
        server = cls(f"http://127.0.0.1:{port}", cls._run(args, log), log, args)
        server.wait_ready()
        return server

    @staticmethod
    def _run(args: list[str], log: Path) -> subprocess.Popen:
        return subprocess.Popen(args, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def restart(self) -> None:
        self.stop()
        self.process = self._run(self.args, self.log)
        self.wait_ready()


@dataclass
class Setup:
    ledger: Settings
    witness: WitnessServer
    witness_key: Verifier
    log_key: str


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    ledger_key, witness_pem = tmp_path / "ledger.pem", tmp_path / "witness.pem"
    write_new_key(ledger_key)
    write_new_key(witness_pem)
    (tmp_path / "ledger").mkdir()
    ledger = Settings(database_url=f"sqlite:///{tmp_path}/ledger/zwgk.sqlite3", signing_key_file=str(ledger_key))
    log_key = Notary.from_settings(ledger).verifier_key
    witness = WitnessServer.start(witness_pem, tmp_path / "witness.sqlite3", log_key, tmp_path)
    witness_key = parse_verifier(httpx.get(witness.url).text)
    yield Setup(replace(ledger, witnesses=f"{witness.url} {witness_key}"), witness, witness_key, log_key)
    witness.stop()


def grow(settings: Settings, titles: list[str]) -> str:
    services = open_services(settings)
    try:
        for title in titles:
            services.ledger.execute(DraftDisclosure(title=title, attribute="proactive"), Actor("o", "officer", "某单位"), None)
        with audit_log(settings) as log:
            bring_log_up_to_date(services, log, settings, policy=None)
            return queries.latest_checkpoint(services, log, settings) or ""
    finally:
        services.close()


def logs_own(note: str) -> str:
    """The checkpoint with the log's own signature only, as the ledger first submits it."""
    body, _, signatures = note.partition("\n\n")
    return body + "\n\n" + signatures.splitlines(keepends=True)[0]


def copy_store(settings: Settings, to: Path) -> Settings:
    """What an operator with the files can do: keep a copy of the whole store (events, audit log) to roll back to."""
    source = sqlite3.connect(settings.eventsourcing_env()["SQLITE_DBNAME"])
    target = sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()
    return replace(settings, database_url=f"sqlite:///{to}")


def test_each_new_checkpoint_is_cosigned_and_a_rolled_back_fork_is_refused(setup: Setup, tmp_path: Path):
    services = open_services(setup.ledger)
    run_scenario(services)
    services.close()
    first = grow(setup.ledger, [])
    log = parse_verifier(setup.log_key)
    assert open_signed(first, log, (setup.witness_key,), quorum=1)  # cosigned as it was made
    size = read_unverified(first).size

    rolled_back = copy_store(setup.ledger, tmp_path / "rolled-back.sqlite3")
    second = grow(setup.ledger, [f"真实的文件 {n}" for n in range(5)])
    assert open_signed(second, log, (setup.witness_key,), quorum=1).size == size + 5

    setup.witness.restart()  # the witness remembers what it cosigned
    again = httpx.post(f"{setup.witness.url}/add-checkpoint", content=submission(0, [], logs_own(first)))
    assert again.status_code == 409 and again.text == f"{size + 5}\n" and again.headers["content-type"].startswith("text/x.tlog.size")

    forked = grow(rolled_back, [f"改写的文件 {n}" for n in range(7)])
    assert read_unverified(forked).size == size + 7  # validly signed by the ledger's own key...
    assert open_signed(forked, log).size == size + 7
    with pytest.raises(CheckpointError, match="quorum"):  # ...but the witness refused it
        open_signed(forked, log, (setup.witness_key,), quorum=1)

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    (tmp_path / "log.key").write_text(setup.log_key, encoding="utf-8")
    verify = [ZWGK, "audit", "verify", "--public-key", str(tmp_path / "log.key"), "--witness", str(setup.witness_key), "--quorum", "1"]
    inspector = subprocess.run(verify, env={**env, "ZWGK_DATABASE_URL": rolled_back.database_url}, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert inspector.returncode == 1 and "quorum" in inspector.stderr
    honest = subprocess.run(verify, env={**env, "ZWGK_DATABASE_URL": setup.ledger.database_url}, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert honest.returncode == 0, honest.stderr


def test_the_witness_refuses_a_smaller_tree_and_a_bad_signature(setup: Setup):
    services = open_services(setup.ledger)
    run_scenario(services)
    services.close()
    note = grow(setup.ledger, [])
    plain = logs_own(note)
    size = read_unverified(note).size
    smaller = httpx.post(f"{setup.witness.url}/add-checkpoint", content=submission(size + 1, [], plain))
    assert smaller.status_code == 400
    forged = read_unverified(note)
    other = Ed25519PrivateKey.generate()
    bad = httpx.post(f"{setup.witness.url}/add-checkpoint", content=submission(size, [], forged.sign(forged.origin, other)))
    assert bad.status_code == 403
    elsewhere = replace(forged, origin="other.example/log").sign("other.example/log", other)
    unknown = httpx.post(f"{setup.witness.url}/add-checkpoint", content=submission(0, [], elsewhere))
    assert unknown.status_code == 404


def test_simultaneous_submissions_of_one_checkpoint_are_cosigned_once(setup: Setup):
    """The check and the update are one transaction: of eight requests from size 0, one is cosigned, the others
    learn the size it now holds."""
    services = open_services(setup.ledger)
    run_scenario(services)
    services.close()
    note = logs_own(grow(replace(setup.ledger, witnesses=""), []))  # signed, not yet sent to the witness
    body = submission(0, [], note)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: httpx.post(f"{setup.witness.url}/add-checkpoint", content=body, timeout=30), range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    assert {a.text for a in answers if a.status_code == 409} == {f"{read_unverified(note).size}\n"}

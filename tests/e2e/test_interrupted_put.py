"""A `zwgk archive put` killed while it copies an original leaves its partial spool in var/archive/incoming: the
next start of the store removes it, and `archive check` and `archive verify` say they found it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cli import ZWGK, zwgk

WHO = ("--archivist", "zy-archivist", "--archivist-unit", "资阳市人民政府办公室")
SIZE = 512 * 1024 * 1024  # sparse: read fast, hashed (SM3) and spooled for a few seconds


def killed_put(workdir: Path, number: int) -> Path:
    """Start a put of a large original, SIGKILL it once its spool holds some of it; the spool it left."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    put = subprocess.Popen([str(ZWGK), "archive", "put", "large.bin", "--archive-number", f"ZY01-WS·2020-Y-BGS-{number:04d}",
                            "--title", "大文件", "--unit", "资阳市人民政府办公室", "--retention", "Y", "--date", "2020-07-10",
                            "--media-type", "application/octet-stream", *WHO], cwd=workdir, env=environ,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incoming = workdir / "var" / "archive" / "incoming"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and put.poll() is None:
            spools = [p for p in incoming.iterdir() if p.stat().st_size > 16 * 1024 * 1024] if incoming.is_dir() else []
            if spools:
                put.send_signal(signal.SIGKILL)
                put.wait(10)
                return spools[0]
            time.sleep(0.01)
    finally:
        if put.poll() is None:
            put.kill()
            put.wait(10)
    pytest.fail("the put finished or never spooled before it could be killed")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    with (tmp_path / "large.bin").open("wb") as large:
        large.truncate(SIZE)
    return tmp_path


def test_r2_a_killed_puts_spool_is_its_users_alone_and_reported_and_removed_by_check_and_verify(workdir: Path):
    spool = killed_put(workdir, 1)
    assert spool.exists() and stat.S_IMODE(spool.stat().st_mode) == 0o600

    checked = zwgk("archive", "check", "--format", "json", cwd=workdir)
    assert json.loads(checked.stdout)["leftovers"] == [f"incoming/{spool.name}"], checked.stdout + checked.stderr
    assert not spool.exists()

    again = killed_put(workdir, 1)
    verified = zwgk("archive", "verify", "--all", "--format", "json", *WHO, cwd=workdir)
    assert json.loads(verified.stdout)["leftovers"] == [f"incoming/{again.name}"], verified.stdout + verified.stderr
    for_people = zwgk("archive", "check", cwd=workdir)
    assert not again.exists() and "中断的存档" not in for_people.stdout  # reported once: nothing is left now
    assert list((workdir / "var" / "archive" / "incoming").iterdir()) == []


SIDECAR_STALLED = """
import io, sys, threading
from datetime import date
from minio import Minio
from zwgk.archive.s3 import S3Store
from zwgk.archive.service import Archivist
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import open_services
from zwgk.domain.actors import Actor

class SidecarOnItsWay(S3Store):
    def _put_sidecar(self, key, content, retain_until):
        if key.startswith("metadata/"):
            threading.Event().wait()  # still being written when the process dies
        super()._put_sidecar(key, content, retain_until)

endpoint, access_key, secret_key, bucket, database = sys.argv[1:]
store = SidecarOnItsWay(Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False), bucket)
Archivist(open_services(Settings(database_url=database)).ledger, store).put(
    io.BytesIO(b"original whose sidecar was on its way"), actor=Actor("zy-archivist", "archivist", "资阳市人民政府办公室"),
    archive_number="ZY01-WS·2020-Y-BGS-0001", doc_number="", title="通知", responsible_unit="资阳市人民政府办公室",
    retention="Y", doc_date=date(2020, 7, 10), media_type="application/octet-stream")
print("archived", flush=True)
threading.Event().wait()
"""


def test_r2_a_process_killed_before_the_sidecar_it_writes_behind_is_stored_leaves_it_missing_and_verify_writes_it(
        seaweed, sqlite_settings):
    """On S3 a put returns once the original is stored and recorded, its metadata sidecar still on its way: a process
    killed then leaves the original recorded and stored, the sidecar missing; the check reports it, verify writes it."""
    from zwgk.archive import four_properties
    from zwgk.archive.s3 import S3Store
    from zwgk.archive.service import Archivist
    from zwgk.archive.store import sidecar_key
    from zwgk.connectors.wiring import open_services
    from zwgk.domain.actors import Actor

    bucket = f"originals-{os.urandom(6).hex()}"
    store = S3Store(seaweed.client(), bucket)
    store.ensure_bucket()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    child = subprocess.Popen([sys.executable, "-c", SIDECAR_STALLED, seaweed.endpoint, seaweed.access_key, seaweed.secret_key, bucket,
                              sqlite_settings.database_url], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    late = threading.Timer(60, child.kill)  # a put that waits for its sidecar never says it archived
    late.start()
    try:
        assert child.stdout is not None and child.stdout.readline() == "archived\n", child.stderr and child.stderr.read()
    finally:
        late.cancel()
        child.send_signal(signal.SIGKILL)
        child.wait(10)

    services = open_services(sqlite_settings)
    keeper = Archivist(services.ledger, store)
    original = keeper.ledger.original("ZY01-WS·2020-Y-BGS-0001")
    assert store.state(original.storage_key, original.version_id).exists
    assert store.read_sidecar(sidecar_key(original.archive_number)) is None
    report = four_properties.check(keeper)
    assert [o.findings["integrity"] for o in report.originals] == [["元数据副本缺失（archive verify 会按台账重写）"]]
    assert not report.untracked and not report.ok
    assert keeper.verify(keeper.originals(), Actor("zy-archivist", "archivist", "资阳市人民政府办公室")).ok
    assert json.loads(store.read_sidecar(sidecar_key(original.archive_number)) or b"{}")["sha256"] == original.sha256
    assert four_properties.check(keeper).ok
    services.close()

"""A `zwgk archive put` killed while it copies an original leaves its partial spool in var/archive/incoming: the
next start of the store removes it, and `archive check` and `archive verify` say they found it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
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

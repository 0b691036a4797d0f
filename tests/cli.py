"""The `zwgk` command as a user runs it: the interface that stays while the code behind it is rewritten."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from uuid import uuid4

ZWGK = Path(sys.executable).with_name("zwgk")  # the console script installed beside the test run's Python


def zwgk(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run in `cwd` on the embedded default (./var/), whatever ZWGK_ settings the caller's shell has."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    return subprocess.run([str(ZWGK), *args], cwd=cwd, env={**environ, **(env or {})}, capture_output=True, text=True,
                          timeout=180)


def apply(cwd: Path, *lines: dict) -> list[dict]:
    """`zwgk apply` on a JSON-lines file of these command envelopes: one result per line."""
    file = cwd / f"{uuid4().hex}.jsonl"
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = zwgk("apply", str(file), cwd=cwd)
    return [json.loads(line) for line in result.stdout.splitlines()]


def events_in(store: Path) -> tuple[int, int]:
    """How many events the store holds and the last one's notification id (the library's own table)."""
    with closing(sqlite3.connect(store)) as conn:
        return conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()

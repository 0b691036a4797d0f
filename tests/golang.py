"""Go's own transparency-log code (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's
golang-golang-x-mod-dev) built into tests/interop/tlogcheck: an implementation independent of zwgk's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).parent / "interop" / "tlogcheck"
GOPATH = Path("/usr/share/gocode")


def build_tlogcheck(into: Path) -> Path:
    go = shutil.which("go") or "/usr/lib/go/bin/go"
    if not Path(go).exists() or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        raise RuntimeError("Go and golang.org/x/mod are needed: make system-packages installs golang-go golang-golang-x-mod-dev")
    binary = into / "tlogcheck"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(into / "gocache"), "GOFLAGS": ""}
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True, timeout=300)
    return binary

"""Everything zwgk writes under its data directory is readable by its own user only (0700 directories,
0600 files), whatever the umask of the shell that started it: the key store decrypts every sealed field
(Q3) and withheld originals (D2) are among the archived files."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.cli import ZWGK


def test_q3_the_demos_stores_keys_and_originals_are_private_under_a_permissive_umask(tmp_path: Path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    subprocess.run(["sh", "-c", f"umask 022 && exec {ZWGK} demo"], cwd=tmp_path, env=environ, check=True,
                   capture_output=True, timeout=600)
    written = list((tmp_path / "var").rglob("*"))
    assert {"zwgk.sqlite3", "keys.sqlite3"} <= {p.name for p in written}
    loose = [f"{p.relative_to(tmp_path)} {stat.filemode(p.stat().st_mode)}" for p in [tmp_path / "var", *written]
             if p.stat().st_mode & 0o077]
    assert not loose, loose

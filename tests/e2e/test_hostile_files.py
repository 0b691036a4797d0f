"""Files a command file may make `zwgk apply` read: only regular files in the import directory (`--files-from`,
by default the command file's), never zwgk's own data, no larger than the limit. Whatever path a line names,
it gets a coded refusal (no hang, no traceback) and nothing is recorded or stored for it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.cli import ZWGK, events_in

ARCHIVIST = {"id": "zy-archivist", "role": "archivist", "unit": "资阳市人民政府办公室"}


def archive(file: str, number: int = 1) -> dict:
    return {"command": "archive_original", "actor": ARCHIVIST, "occurred_at": "2020-07-21T09:00:00+08:00",
            "args": {"file": file, "archive_number": f"ZY01-WS·2020-Y-BGS-{number:04d}", "title": "实施意见",
                     "responsible_unit": "资阳市人民政府办公室", "retention": "Y", "doc_date": "2020-07-10"}}


def apply(cwd: Path, commands: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`zwgk apply` in `cwd`; a FIFO or a device read would hang or run on: a short timeout fails the test instead."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    return subprocess.run([str(ZWGK), "apply", str(commands), *options], cwd=cwd, env={**environ, **(env or {})},
                          capture_output=True, text=True, timeout=90)


def stored(workdir: Path) -> list[str]:
    """Every file the local archive holds: originals, retention files, sidecars, spools."""
    archive = workdir / "var" / "archive"
    return sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if not p.is_dir()) if archive.exists() else []


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The embedded default under tmp_path/var (one command recorded), and an import directory beside it."""
    imports = tmp_path / "imports"
    imports.mkdir()
    (imports / "ok.txt").write_text("实施意见正文", encoding="utf-8")
    first = imports / "first.jsonl"
    first.write_text(json.dumps(archive(str(imports / "ok.txt")), ensure_ascii=False) + "\n", encoding="utf-8")
    done = apply(tmp_path, first)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path


def hostile(workdir: Path, case: str) -> tuple[Path, str, tuple[str, ...]]:
    """The command file's directory, the path its line names and the options of `apply`, for each case."""
    imports = workdir / "imports"
    if case == "traversal":
        return imports, "../../../../../../../../etc/passwd", ()
    if case == "proc":
        return imports, "/proc/self/environ", ()
    if case == "symlink-out":
        (imports / "passwd.txt").symlink_to("/etc/passwd")
        return imports, "passwd.txt", ()
    if case == "symlink-to-keys":
        (imports / "keys.txt").symlink_to(workdir / "var" / "keys.sqlite3")
        return imports, "keys.txt", ()
    if case == "fifo":
        os.mkfifo(imports / "pipe.txt")
        return imports, "pipe.txt", ()
    if case == "directory":
        (imports / "folder").mkdir()
        return imports, "folder", ()
    if case == "dev-zero":
        return imports, "/dev/zero", ()
    if case == "dev-zero-imported":
        return imports, "zero", ("--files-from", "/dev")
    if case == "too-large":
        (imports / "big.txt").write_bytes(b"x" * 4097)
        return imports, "big.txt", ()
    if case == "data-dir":
        return workdir, "var/keys.sqlite3", ()  # the command file in the working directory, beside var/
    if case == "data-dir-store":
        return workdir, str(workdir / "var" / "zwgk.sqlite3-wal"), ("--files-from", str(workdir))
    if case == "missing":
        return imports, "absent.txt", ()
    raise AssertionError(case)


CASES = {
    "traversal": "ORIGINAL_OUTSIDE_IMPORT_DIR",
    "proc": "ORIGINAL_OUTSIDE_IMPORT_DIR",
    "symlink-out": "ORIGINAL_OUTSIDE_IMPORT_DIR",
    "symlink-to-keys": "ORIGINAL_OUTSIDE_IMPORT_DIR",
    "fifo": "ORIGINAL_NOT_REGULAR_FILE",
    "directory": "ORIGINAL_NOT_REGULAR_FILE",
    "dev-zero": "ORIGINAL_OUTSIDE_IMPORT_DIR",
    "dev-zero-imported": "ORIGINAL_NOT_REGULAR_FILE",
    "too-large": "ORIGINAL_TOO_LARGE",
    "data-dir": "ORIGINAL_IN_DATA_DIR",
    "data-dir-store": "ORIGINAL_IN_DATA_DIR",
    "missing": "ORIGINAL_FILE_UNREADABLE",
}


@pytest.mark.parametrize("case", list(CASES))
def test_r1_a_line_naming_a_file_it_may_not_read_is_refused_with_its_code_and_nothing_recorded_or_stored(workdir: Path,
                                                                                                         case: str):
    before, kept = events_in(workdir / "var" / "zwgk.sqlite3"), stored(workdir)
    directory, name, options = hostile(workdir, case)
    commands = directory / "hostile.jsonl"
    commands.write_text(json.dumps(archive(name, 2), ensure_ascii=False) + "\n", encoding="utf-8")

    result = apply(workdir, commands, *options, env={"ZWGK_MAX_UPLOAD_BYTES": "4096"})

    assert "Traceback" not in result.stderr
    [line] = [json.loads(text) for text in result.stdout.splitlines()]
    assert (result.returncode, line["ok"], line["code"]) == (1, False, CASES[case]), line
    assert line["rule"] == "R1" and re.search("[\u4e00-\u9fff]", line["message"]), line
    assert events_in(workdir / "var" / "zwgk.sqlite3") == before
    assert stored(workdir) == kept


def test_r1_relative_paths_are_read_from_the_import_directory_and_files_within_it_are_archived(workdir: Path):
    """The default import directory is the command file's; `--files-from` names another; a symlink that stays
    inside it is followed."""
    elsewhere = workdir / "scans"
    elsewhere.mkdir()
    (elsewhere / "second.txt").write_text("第二份正文", encoding="utf-8")
    (elsewhere / "alias.txt").symlink_to(elsewhere / "second.txt")
    commands = workdir / "imports" / "more.jsonl"
    commands.write_text(json.dumps(archive("alias.txt", 2), ensure_ascii=False) + "\n", encoding="utf-8")

    not_there = apply(workdir, commands)
    assert json.loads(not_there.stdout)["code"] == "ORIGINAL_FILE_UNREADABLE"  # imports/alias.txt: none
    taken = apply(workdir, commands, "--files-from", str(elsewhere))
    assert taken.returncode == 0 and json.loads(taken.stdout)["ok"], taken.stdout + taken.stderr

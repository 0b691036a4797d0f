"""The import directory's limit holds while a file is read, not only by the size it had when opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from zwgk.archive.imports import ImportDirectory
from zwgk.domain.errors import DomainError


def test_r1_a_file_that_grows_past_the_limit_while_read_is_stopped(tmp_path: Path):
    growing = tmp_path / "growing.txt"
    growing.write_bytes(b"a" * 8)
    with ImportDirectory(tmp_path, max_bytes=16).open("growing.txt") as source:
        assert source.read(4) == b"aaaa"
        with growing.open("ab") as writer:
            writer.write(b"b" * 64)
        with pytest.raises(DomainError) as refused:
            while source.read(4):
                pass
    assert refused.value.code == "ORIGINAL_TOO_LARGE"


def test_r1_a_file_of_exactly_the_limit_is_read_whole(tmp_path: Path):
    (tmp_path / "exact.txt").write_bytes(b"x" * 16)
    with ImportDirectory(tmp_path, max_bytes=16).open("exact.txt") as source:
        assert source.read() == b"x" * 16 and source.read(4) == b""


def test_r1_zwgks_own_files_and_their_sqlite_journals_are_refused_even_inside_the_import_directory(tmp_path: Path):
    (tmp_path / "zwgk.sqlite3").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "zwgk.sqlite3-wal").write_bytes(b"wal")
    (tmp_path / "zwgk.sqlite3.txt").write_text("a document named like the store")
    files = ImportDirectory(tmp_path, max_bytes=1024, own=[tmp_path / "zwgk.sqlite3"])
    for name in ("zwgk.sqlite3", "zwgk.sqlite3-wal"):
        with pytest.raises(DomainError) as refused:
            files.open(name)
        assert refused.value.code == "ORIGINAL_IN_DATA_DIR"
    with files.open("zwgk.sqlite3.txt") as source:
        assert source.read() == b"a document named like the store"

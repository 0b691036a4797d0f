"""The directory a command may read originals' files from.

A command file comes from outside: a path in one of its lines must not make zwgk archive (and so
retention-lock, beyond erasure) its own key store, a secret from /proc, or whatever a symlink points
to; nor hang on a FIFO or fill the store from /dev/zero. So a file is read only when, its symlinks
resolved, it is inside the import directory, outside zwgk's own data, a regular file, and no larger
than the limit, which is enforced again while it is read (a file that grows is stopped).
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule

PSEUDO = (Path("/proc"), Path("/sys"), Path("/dev"))  # files there are the kernel's, never a document's
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO opens without waiting for a writer


class ImportDirectory:
    """Originals' files are read from `root` (a relative name from there), at most `max_bytes` each,
    never from under `own` (zwgk's data directory and files: a SQLite file's journals with it)."""

    def __init__(self, root: Path, max_bytes: int, own: Iterable[Path] = ()) -> None:
        self.root = root.resolve()
        self.max_bytes = max_bytes
        self.own = tuple(path.resolve() for path in own)

    def open(self, name: str) -> BinaryIO:
        """The file, open for reading and bounded by the limit; refused with a stable code otherwise."""
        try:
            resolved = (self.root / name).resolve()
        except (OSError, RuntimeError, ValueError) as error:  # a symlink loop, a NUL in the name
            raise _unreadable(name, str(error)) from None
        if not resolved.is_relative_to(self.root):
            raise DomainError("ORIGINAL_OUTSIDE_IMPORT_DIR", f"原件文件须在导入目录 {self.root} 之内：{name}",
                              f"{name} resolves to {resolved}, outside the import directory {self.root}", Rule.R1)
        if any(self._own(resolved, path) for path in self.own):
            raise DomainError("ORIGINAL_IN_DATA_DIR", f"不能把 zwgk 自身的数据（数据目录、数据库、密钥）作为原件存档：{name}",
                              f"{name} is zwgk's own data ({resolved})", Rule.R1)
        if any(resolved.is_relative_to(path) for path in PSEUDO):
            raise _not_regular(name, "a kernel pseudo-file")
        try:
            descriptor = os.open(resolved, OPEN_FLAGS)
        except OSError as error:
            raise _unreadable(name, error.strerror or str(error)) from None
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise _not_regular(name, stat.filemode(status.st_mode))
            if status.st_size > self.max_bytes:
                raise too_large(name, self.max_bytes)
            os.set_blocking(descriptor, True)
        except BaseException:
            os.close(descriptor)
            raise
        return _Bounded(descriptor, name, self.max_bytes)

    @staticmethod
    def _own(resolved: Path, path: Path) -> bool:
        """Within an own directory, an own file, or that file's SQLite journal (name-wal, name-shm, name-journal)."""
        return resolved.is_relative_to(path) or (resolved.parent == path.parent and resolved.name.startswith(f"{path.name}-"))


class _Bounded(io.FileIO):
    """A file whose `read` goes no further than the limit: reading past it is refused."""

    def __init__(self, descriptor: int, name: str, limit: int) -> None:
        super().__init__(descriptor, "rb")
        self._original = name
        self._left = limit
        self._limit = limit

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        chunk = super().read(wanted) or b""
        self._left -= len(chunk)
        if self._left < 0:
            raise too_large(self._original, self._limit)
        return chunk


def too_large(name: str, limit: int) -> DomainError:
    return DomainError("ORIGINAL_TOO_LARGE", f"原件超过 {limit} 字节的上限（ZWGK_MAX_UPLOAD_BYTES）：{name}",
                       f"{name} is larger than the limit of {limit} bytes", Rule.R1)


def _not_regular(name: str, kind: str) -> DomainError:
    return DomainError("ORIGINAL_NOT_REGULAR_FILE", f"原件须为普通文件（不能是目录、管道、设备或系统伪文件）：{name}",
                       f"{name} is not a regular file ({kind})", Rule.R1)


def _unreadable(name: str, why: str) -> DomainError:
    return DomainError("ORIGINAL_FILE_UNREADABLE", f"无法读取原件文件：{name}", f"cannot read {name}: {why}", Rule.R1)

"""The running services every entrypoint uses: the ledger, and the archive's store opened once, by
the first command or read that moves originals (the others never wait on it nor fail with it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zwgk.archive.service import Archivist
from zwgk.archive.store import OriginalStore
from zwgk.domain.ledger import Ledger


@dataclass
class Services:
    ledger: Ledger
    originals: Callable[[], OriginalStore]

    def archivist(self) -> Archivist:
        return Archivist(self.ledger, self.originals())

    def close(self) -> None:
        self.ledger.close()

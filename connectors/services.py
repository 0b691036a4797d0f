"""The running services every entrypoint uses: the ledger, and what is opened once, by the first
command or read that needs it (the others never wait on it nor fail with it): the archive's store,
the credentials and the security log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from zwgk.archive.service import Archivist
from zwgk.archive.store import OriginalStore
from zwgk.connectors.credentials import CredentialStore
from zwgk.connectors.security_log import SecurityLog
from zwgk.domain.ledger import Ledger


@dataclass
class Services:
    ledger: Ledger
    originals: Callable[[], OriginalStore]
    secrets_url: str = "sqlite:///var/keys.sqlite3"
    migrated_from: Callable[[], OriginalStore | None] = lambda: None  # read while a migration is unfinished
    _credentials: CredentialStore | None = field(default=None, init=False)
    _security_log: SecurityLog | None = field(default=None, init=False)
    _opening: threading.Lock = field(default_factory=threading.Lock, init=False)

    def archivist(self) -> Archivist:
        return Archivist(self.ledger, self.originals(), self.migrated_from())

    @property
    def credentials(self) -> CredentialStore:
        with self._opening:  # the service's request threads may ask at once
            if self._credentials is None:
                self._credentials = CredentialStore(self.secrets_url)
            return self._credentials

    @property
    def security_log(self) -> SecurityLog:
        with self._opening:
            if self._security_log is None:
                self._security_log = SecurityLog(self.secrets_url)
            return self._security_log

    def close(self) -> None:
        self.ledger.close()
        for opened in (self._credentials, self._security_log):
            if opened:
                opened.close()

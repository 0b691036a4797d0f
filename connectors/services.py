"""The running services every entrypoint uses: the ledger, and what is opened once, by the first
command or read that needs it (the others never wait on it nor fail with it): the archive's store,
the credentials, the security log and the search's index of the originals' words."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from zwgk.archive.service import Archivist
from zwgk.archive.store import OriginalStore
from zwgk.connectors.credentials import CredentialStore
from zwgk.connectors.security_log import SecurityLog
from zwgk.domain.ledger import Ledger
from zwgk.projections.archive import ArchiveTexts
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk.archive")


@dataclass
class Services:
    ledger: Ledger
    originals: Callable[[], OriginalStore]
    secrets_url: str = "sqlite:///var/keys.sqlite3"
    migrated_from: Callable[[], OriginalStore | None] = lambda: None  # read while a migration is unfinished
    views_url: str = ""  # where the search's index of the originals' words lives (none: not indexed as archived)
    _views: ViewStore | None = field(default=None, init=False)
    _credentials: CredentialStore | None = field(default=None, init=False)
    _security_log: SecurityLog | None = field(default=None, init=False)
    _opening: threading.Lock = field(default_factory=threading.Lock, init=False)

    def archivist(self) -> Archivist:
        return Archivist(self.ledger, self.originals(), self.migrated_from(), self.index_text if self.views_url else None)

    def index_text(self, sha256: str, text: str) -> None:
        """An original's text into the search's index as it is archived, so that no search waits for it. Should
        the views' database fail, the original is archived all the same and `zwgk archive index` adds it later."""
        try:
            with self._opening:
                if self._views is None:
                    self._views = ViewStore(self.views_url)
                    with self._views.transaction() as tx:
                        ArchiveTexts.ensure(tx)
            with self._views.transaction() as tx:
                ArchiveTexts.add(tx, [(sha256, text)])
        except (sqlite3.Error, psycopg.Error) as error:
            log.warning("text of %s not indexed (%s); zwgk archive index adds it", sha256, error)

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
        for opened in (self._credentials, self._security_log, self._views):
            if opened:
                opened.close()

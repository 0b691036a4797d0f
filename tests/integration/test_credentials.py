"""The credentials store's access tokens: a token's row is read once a process, its secret checked at every use."""

from __future__ import annotations

import pytest

from zwgk.connectors.config import Settings
from zwgk.connectors.credentials import CredentialStore, IssuedToken, StoredToken


def test_a_token_s_row_is_read_once_and_its_secret_checked_at_every_use(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    store = CredentialStore(settings.database_url)
    try:
        issued = IssuedToken.new()
        store.keep_token(issued, "edu-officer", None)
        reads: list[int] = []
        reading = store.store.reading
        monkeypatch.setattr(store.store, "reading", lambda: reads.append(1) or reading())
        for _ in range(3):
            assert store.token(issued.token_id, issued.secret) == StoredToken("edu-officer", None)
        assert store.token(issued.token_id, "not-the-secret") is None
        assert store.token("unknown", issued.secret) is None
        assert store.token("unknown", issued.secret) is None
        assert len(reads) == 3  # the token's row once; an unknown token is looked for each time (it may be made since)
    finally:
        store.close()

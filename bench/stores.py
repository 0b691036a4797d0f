"""The two event stores a benchmark runs on: an embedded SQLite file, then a PostgreSQL
started here as the tests start it."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import PostgresServer  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402


def on_each_store(run: Callable[[str, Settings], None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3"))
    server = PostgresServer.start()
    try:
        run("PostgreSQL", Settings(database_url=server.create_database("zwgk_bench")))
    finally:
        server.stop()

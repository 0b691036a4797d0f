"""View store: SQL tables for read models, in SQLite or PostgreSQL.

Each projection saves its view rows and its position in the log in one transaction,
so that an event is folded exactly once, whatever crashes in between.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

POSITIONS = """CREATE TABLE IF NOT EXISTS projection_positions (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
)"""
DEFINITIONS = """CREATE TABLE IF NOT EXISTS projection_definitions (
    name TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
)"""
DDL = ("CREATE ", "ALTER ", "DROP ")
DEFINING = 0x7A776464  # the advisory lock a PostgreSQL transaction holds while it defines tables ("zwdd")
KEYS_PER_QUERY = 500  # keys in one `by_key` query, well under either database's limit on parameters


class Transaction:
    """SQL with `?` placeholders, whichever database is underneath. Writes whose result nobody
    reads (`write`) are sent to PostgreSQL together, in a pipeline, before the next query and at
    commit, instead of one round trip each."""

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self.cursor = cursor
        self.postgres = postgres
        self.pending: list[tuple[str, Sequence[Any]]] = []
        self.defining = False

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        if self.postgres:
            self.pending.append((self._sql(sql), params))
        else:
            self.cursor.execute(sql, params)

    def flush(self) -> None:
        if self.pending:
            with self.cursor.connection.pipeline():
                for sql, params in self.pending:
                    self.cursor.execute(sql, params)
            self.pending.clear()

    def exclusive(self, key: int) -> None:
        """Hold a lock until commit, across processes and hosts: on PostgreSQL an advisory lock (several
        servers fold the same views); SQLite's BEGIN IMMEDIATE excludes other writers already."""
        if self.postgres:
            self.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Transaction:
        self.flush()
        if self.postgres and not self.defining and sql.lstrip().upper().startswith(DDL):
            # PostgreSQL's IF NOT EXISTS is no guard against a second process defining the same table at the same
            # moment (a unique violation in its catalogue): processes starting together define one at a time.
            self.cursor.execute("SELECT pg_advisory_xact_lock(%s)", (DEFINING,))
            self.defining = True
        self.cursor.execute(self._sql(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.flush()
            self.cursor.executemany(self._sql(sql), rows)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """New rows, many at once: on PostgreSQL by COPY, which formats and sends them without a
        statement a row, several times faster than any INSERT for the rows a rebuild writes."""
        if not rows:
            return
        if self.postgres:
            self.flush()
            with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def by_key(self, table: str, key: str, columns: Sequence[str], keys: Iterable[Any]) -> dict[Any, tuple[Any, ...]]:
        """Rows of a table by their key, for many keys in a few queries: a batch's rows are read
        together, not with a round trip each."""
        wanted, found = list(dict.fromkeys(keys)), {}
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start:start + KEYS_PER_QUERY]
            for row in self.all(f"SELECT {key}, {', '.join(columns)} FROM {table} WHERE {key} IN ({', '.join('?' * len(chunk))})", chunk):
                found[row[0]] = row[1:]
        return found

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.execute(sql, params).cursor.fetchone()
        return row

    def single(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        """The row a query must find: LookupError when there is none."""
        row = self.one(sql, params)
        if row is None:
            raise LookupError(f"no row for {sql} with {list(params)}")
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).cursor.fetchall())

    def position(self, name: str) -> int:
        row = self.one("SELECT position FROM projection_positions WHERE name = ?", (name,))
        return row[0] if row else 0

    def set_position(self, name: str, position: int) -> None:
        self.execute(
            "INSERT INTO projection_positions (name, position) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (name, position),
        )


class StoreUnavailable(Exception):
    """A store's database does not answer: said at once, with where it was looked for, not after a pool's timeout."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where


def reachable(url: str) -> None:
    """One short connection to a PostgreSQL URL, so that a server that cannot be reached is told in its own words."""
    import psycopg

    parts = urlsplit(url)
    try:
        with psycopg.connect(urlunsplit(parts._replace(query="")), connect_timeout=10):
            pass
    except psycopg.OperationalError as error:
        raise StoreUnavailable(f"{parts.hostname}:{parts.port or 5432}{parts.path}", str(error).strip().splitlines()[0]) from None


class SharedPools:
    """PostgreSQL connections, one pool a database URL in a process: every store on that URL borrows a
    connection for a transaction and gives it back, so a process holds what its pool allows however many
    stores it opens. The event store's own pool (the eventsourcing library's) is shared in for its URL
    (`share`) while it is open, so that views, keys and the audit log beside the events take no connections
    of their own; a URL without one gets a pool made here, closed with the last store using it."""

    def __init__(self) -> None:
        self.size = 5  # connections a pool made here keeps at most (ZWGK_DATABASE_POOL_SIZE, set by the wiring)
        self.shared: dict[str, psycopg_pool.ConnectionPool[Any]] = {}
        self.own: dict[str, psycopg_pool.ConnectionPool[Any]] = {}
        self.users: dict[str, int] = {}
        self.lock = threading.Lock()

    def share(self, url: str, pool: psycopg_pool.ConnectionPool[Any]) -> None:
        """Lend another owner's pool to the stores on this URL, for as long as its owner keeps it open."""
        with self.lock:
            self.shared[url] = pool

    def take(self, url: str) -> None:
        with self.lock:
            self.users[url] = self.users.get(url, 0) + 1

    def pool(self, url: str) -> tuple[psycopg_pool.ConnectionPool[Any], bool]:
        """The pool to borrow from now, and whether it is another owner's (whose connections know nothing of the URL's schema)."""
        import psycopg_pool

        with self.lock:
            shared = self.shared.get(url)
            if shared is not None:
                try:
                    shared.open()  # as its owner does at each use; a pool its owner closed cannot be opened again
                    return shared, True
                except psycopg_pool.PoolClosed:
                    del self.shared[url]
            if url not in self.own:
                reachable(url)
                parts = urlsplit(url)
                schema = parse_qs(parts.query).get("schema", [""])[0]
                pool = psycopg_pool.ConnectionPool(
                    urlunsplit(parts._replace(query="")), min_size=1, max_size=self.size, open=False, timeout=30,
                    kwargs={"autocommit": True, "connect_timeout": 10}, configure=lambda conn: _search(conn, schema))
                pool.open(wait=True, timeout=10)  # an unreachable server is told now, not at the first query
                self.own[url] = pool
            return self.own[url], False

    def give_back(self, url: str) -> None:
        with self.lock:
            self.users[url] -= 1
            if self.users[url]:
                return
            del self.users[url]
            pool = self.own.pop(url, None)
        if pool is not None:
            pool.close()


def _search(connection: psycopg.Connection[Any], schema: str) -> None:
    """`schema=…` of the URL as the search path: every table of one ledger (views, audit log, keys, credentials) lives
    in its schema beside its events; public after it, for extensions (pg_trgm)."""
    if schema:
        connection.execute(f'SET search_path TO "{schema}", public')


POOLS = SharedPools()


class ViewStore:
    """The views' database, named by a `sqlite:///` or `postgresql://` URL: one connection on SQLite,
    connections borrowed from the process's pool for the URL on PostgreSQL."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self.postgres = parts.scheme in ("postgresql", "postgres")
        self.held = threading.local()  # on PostgreSQL, the connection of this thread's transaction, for nested ones
        self.lock = threading.RLock()  # SQLite: one connection, one transaction at a time
        if self.postgres:
            self.schema = parse_qs(parts.query).get("schema", [""])[0]
            POOLS.take(url)
        elif parts.scheme == "sqlite":
            path = Path(unquote(parts.path[1:]))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode=WAL")
            # Views are derived and their positions commit with their rows: a power cut may lose the last
            # batches (they are folded again), never mix rows and positions. No fsync per batch needed.
            self.connection.execute("PRAGMA synchronous=NORMAL")
        else:
            raise ValueError(f"views need a sqlite:/// or postgresql:// URL, not {parts.scheme}")
        try:
            with self.transaction() as tx:
                if self.postgres and self.schema:
                    tx.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                tx.execute(POSITIONS)
                tx.execute(DEFINITIONS)
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _borrowed(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection to the database: the one its open transaction holds, else one from the pool."""
        held = getattr(self.held, "connection", None)
        if held is not None:
            yield held
            return
        pool, lent = POOLS.pool(self.url)
        with pool.connection() as connection:
            if lent:
                _search(connection, self.schema)
            self.held.connection = connection
            try:
                yield connection
            finally:
                del self.held.connection

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        if self.postgres:
            from psycopg.rows import tuple_row  # the event store's pool gives connections made for dict rows

            with self._borrowed() as connection, connection.transaction(), connection.cursor(row_factory=tuple_row) as cursor:
                tx = Transaction(cursor, True)
                yield tx
                tx.flush()
            return
        with self.lock:
            yield from self._sqlite_transaction()

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """One read outside a transaction (both connections commit each statement by themselves): on
        PostgreSQL one round trip instead of three, for the lookups every request of the service makes."""
        if self.postgres:
            from psycopg.rows import tuple_row

            with self._borrowed() as connection, connection.cursor(row_factory=tuple_row) as cursor:
                yield Transaction(cursor, True)
            return
        with self.lock:
            sqlite_cursor = self.connection.cursor()
            try:
                yield Transaction(sqlite_cursor, False)
            finally:
                sqlite_cursor.close()

    def _sqlite_transaction(self) -> Iterator[Transaction]:
        sqlite_cursor = self.connection.cursor()
        sqlite_cursor.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(sqlite_cursor, False)
        except BaseException:
            sqlite_cursor.execute("ROLLBACK")
            raise
        sqlite_cursor.execute("COMMIT")

    def close(self) -> None:
        if self.postgres:
            POOLS.give_back(self.url)
        else:
            self.connection.close()

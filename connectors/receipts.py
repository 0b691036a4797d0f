"""Command ids and files' progress, kept in the event store beside the events, in the transaction that
records them: a command line carrying an `id` is applied at most once, and `zwgk apply --resume` continues
a file after the last line that recorded. A crash between recording and remembering cannot happen: both
commit together or neither does.

The eventsourcing library hands whatever `Application.save` is given on to its recorder's insert, within
the insert's transaction (that is how its process applications keep their tracking records); these
recorders, chosen by `APPLICATION_RECORDER_TOPIC`, write the receipt and the progress there.

Ids are the actor's own (`actor.id`), as the service's Idempotency-Keys are the caller's: two people's ids
never meet. Each save of a command is one step of its receipt, naming the record it is about and its
version; a repeat answers those records with their places in the log, looked up from the events.

The library passes on `kept`: one entry a save of a command, several when a batch of commands is recorded
in one transaction (`zwgk apply --batch`); the file's progress is then the batch's last line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from zwgk.domain.commands import Outcome


@dataclass(frozen=True)
class Receipt:
    """A command's id as its actor gave it, and what the command asked (the same id asking another is refused)."""

    actor: str
    command_id: str
    request_sha256: str


@dataclass(frozen=True)
class FileLine:
    """A file of commands, by its path and content, and the line whose events are being recorded."""

    path: str
    file_sha256: str
    line: int


@dataclass(frozen=True)
class FirstRun:
    """What a command id was first used for, and what that command recorded."""

    request_sha256: str
    outcomes: list[Outcome]


RECEIPTS = ("command_receipts (actor TEXT NOT NULL, command_id TEXT NOT NULL, step INTEGER NOT NULL, "
            "request_sha256 TEXT NOT NULL, record_id {id_type} NOT NULL, record_version BIGINT NOT NULL, "
            "recorded_at TEXT NOT NULL, PRIMARY KEY (actor, command_id, step))")
PROGRESS = "file_progress (path TEXT NOT NULL, file_sha256 TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (path, file_sha256))"
INSERT_RECEIPT = ("INSERT INTO {receipts} (actor, command_id, step, request_sha256, record_id, record_version, recorded_at) "
                  "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})")
# The last line of a file that recorded: the lines before it are never recorded again by a resumed run.
UPSERT_PROGRESS = ("INSERT INTO {progress} (path, file_sha256, line) VALUES ({p}, {p}, {p}) "
                   "ON CONFLICT (path, file_sha256) DO UPDATE SET line = excluded.line")
SELECT_RECEIPT = ("SELECT r.request_sha256, r.record_id, r.record_version, e.{position} FROM {receipts} r "
                  "LEFT JOIN {events} e ON e.originator_id = r.record_id AND e.originator_version = r.record_version "
                  "WHERE r.actor = {p} AND r.command_id = {p} ORDER BY r.step")
SELECT_PROGRESS = "SELECT file_sha256, line FROM {progress} WHERE path = {p}"


def _receipt_rows(kept: Sequence[Mapping[str, Any]], record_id: Callable[[UUID], object]) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC).isoformat()
    return [(receipt.actor, receipt.command_id, save["step"], receipt.request_sha256, record_id(save["about"][0]),
             save["about"][1], now) for save in kept if (receipt := save.get("receipt")) is not None]


def _last_progress(kept: Sequence[Mapping[str, Any]]) -> FileLine | None:
    return max((p for save in kept if (p := save.get("progress")) is not None), key=lambda p: p.line, default=None)


def _first_run(rows: Sequence[tuple[str, Any, int, int | None]]) -> FirstRun | None:
    if not rows:
        return None
    outcomes = [Outcome(record_id if isinstance(record_id, UUID) else UUID(record_id), version, position or 0)
                for _, record_id, version, position in rows]
    return FirstRun(rows[0][0], outcomes)


class SQLiteReceiptRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, which also keeps command ids and files' progress with the events."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.create_table_statements += [f"CREATE TABLE IF NOT EXISTS {RECEIPTS.format(id_type='TEXT')}",
                                         f"CREATE TABLE IF NOT EXISTS {PROGRESS}"]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        kept = kwargs.get("kept", ())
        if rows := _receipt_rows(kept, lambda record_id: record_id.hex):
            c.executemany(INSERT_RECEIPT.format(receipts="command_receipts", p="?"), rows)
        if (progress := _last_progress(kept)) is not None:
            c.execute(UPSERT_PROGRESS.format(progress="file_progress", p="?"), (progress.path, progress.file_sha256, progress.line))
        return notification_ids

    def first_run(self, actor: str, command_id: str) -> FirstRun | None:
        sql = SELECT_RECEIPT.format(position="rowid", receipts="command_receipts", events=self.events_table_name, p="?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, (actor, command_id))
            return _first_run([tuple(row) for row in c.fetchall()])

    def progress(self, path: str) -> dict[str, int]:
        """The last line recorded of each content the file at this path had when applied."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_PROGRESS.format(progress="file_progress", p="?"), (path,))
            return {row[0]: row[1] for row in c.fetchall()}


class PostgresReceiptRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, which also keeps command ids and files' progress with the events."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        self.receipts = SQL("{}.{}").format(schema, Identifier("command_receipts"))
        self.file_progress = SQL("{}.{}").format(schema, Identifier("file_progress"))
        self.sql_create_statements += [
            SQL("CREATE TABLE IF NOT EXISTS {}.").format(schema) + SQL(RECEIPTS.format(id_type="uuid")),
            SQL("CREATE TABLE IF NOT EXISTS {}.").format(schema) + SQL(PROGRESS),
        ]

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """After the events, in their transaction and pipeline: a receipt already taken fails the whole insert."""
        super()._insert_events(curs, stored_events, **kwargs)
        kept = kwargs.get("kept", ())
        if rows := _receipt_rows(kept, lambda record_id: record_id):
            curs.executemany(SQL(INSERT_RECEIPT).format(receipts=self.receipts, p=SQL("%s")), rows)
        if (progress := _last_progress(kept)) is not None:
            curs.execute(SQL(UPSERT_PROGRESS).format(progress=self.file_progress, p=SQL("%s")),
                         (progress.path, progress.file_sha256, progress.line))

    def first_run(self, actor: str, command_id: str) -> FirstRun | None:
        events = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        sql = SQL(SELECT_RECEIPT).format(position=Identifier("notification_id"), receipts=self.receipts, events=events, p=SQL("%s"))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (actor, command_id))
            return _first_run([tuple(row.values()) for row in curs.fetchall()])

    def progress(self, path: str) -> dict[str, int]:
        """The last line recorded of each content the file at this path had when applied."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL(SELECT_PROGRESS).format(progress=self.file_progress, p=SQL("%s")), (path,))
            return {row["file_sha256"]: row["line"] for row in curs.fetchall()}


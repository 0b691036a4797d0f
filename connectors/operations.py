"""The application's writes that every entrypoint shares: commands applied in order through the one
`execute`, and the work that is not a catalogue command (fixity checks, transfer packages, the audit
log and views kept current, views rebuilt)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import bagit

from zwgk.archive.bagit_export import PACKAGE_FORMATS, LedgerProof, Progress, export_bag, packed
from zwgk.archive.imports import ImportDirectory
from zwgk.archive.migration import MigrationReport, migrate
from zwgk.archive.service import Archivist, VerifyReport
from zwgk.connectors.commands import LineRules, applied_or_refused, apply_batches, execute, receipts_of
from zwgk.connectors.config import Settings
from zwgk.connectors.consumer import projection_batches
from zwgk.connectors.contract import topics
from zwgk.connectors.queries import (
    AuditReport,
    Trust,
    ViewDifference,
    ViewsReport,
    archive_search,
    audit,
    inclusion,
    latest_checkpoint,
    original_metadata,
    originals_to_check,
    verifier_key,
)
from zwgk.connectors.rebuilding import log_until, peak_rss_mb, processes_for, rebuild_in_two
from zwgk.connectors.receipts import FileLine
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import audit_log, avro_codec, bring_log_up_to_date, catch_up, kafka_bootstrap, migration_stores, views
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.commands import Outcome
from zwgk.domain.errors import DomainError
from zwgk.projections.archive import ArchiveTexts
from zwgk.projections.audit_log import MerkleLog
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.runner import ProjectionRunner, StepTimes, all_views, decoded, events_after
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk")
SCRATCH = Path("var/tmp")  # transfer packages are made here, beside the embedded archive, then sent and deleted


def json_lines(lines: Iterable[str | bytes]) -> Iterator[tuple[int, Any]]:
    """Commands by line number, blank lines skipped; a line that is no JSON object (bad UTF-8, nested beyond
    any command's shape) comes as the refusal it earns, and the lines after it are still read."""
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
        except UnicodeDecodeError as error:
            yield number, DomainError("INVALID_JSON", f"第 {number} 行不是有效的 UTF-8 文本。", f"line {number}: {error}")
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError) as error:
            yield number, DomainError("INVALID_JSON", f"第 {number} 行不是 JSON 对象。", f"line {number}: {error!r}"[:300])
        else:
            yield number, value


def apply_commands(s: Services, envelopes: Iterable[tuple[int, Any]], stop_on_error: bool,
                   signed_in: Actor | None = None, file: tuple[str, str] | None = None, batch: int = 1,
                   files: ImportDirectory | None = None) -> Iterator[dict[str, Any]]:
    """Apply commands in order; each line's result, refusals included (as a signed-in caller, when one sends them;
    originals' files read from `files` only). `file`: the path and SHA-256 of the file the lines come from, whose
    progress is kept with each line's events. `batch`: up to so many lines recorded in one transaction, each line
    judged as alone (commands.apply_batches)."""
    lines = ((line, envelope, file and FileLine(*file, line)) for line, envelope in envelopes)
    rules = LineRules(signed_in, files, stop_on_error)
    done = apply_batches(s, lines, batch, rules) if batch > 1 else \
        ((line, envelope, applied_or_refused(s, envelope, progress, rules)) for line, envelope, progress in lines)
    for line, envelope, applied in done:
        named = {"id": envelope["id"]} if isinstance(envelope, dict) and "id" in envelope else {}  # the caller's id for the line
        if isinstance(applied, DomainError):
            log.warning("line %d refused: %s (%s)", line, applied.message_en, applied.code)
            yield {"line": line, "ok": False, "command": envelope.get("command") if isinstance(envelope, dict) else None,
                   **named, **applied.as_dict()}
            if stop_on_error:
                return
            continue
        result: dict[str, Any] = {"line": line, "ok": True, "command": envelope["command"], **named}
        if applied.repeated:
            result["repeated"] = True
        if applied.outcomes:
            result.update(applied.outcomes[0].as_dict())
        if len(applied.outcomes) > 1:
            result["outcomes"] = [o.as_dict() for o in applied.outcomes]
        yield result


def apply_file(s: Services, path: Path, stop_on_error: bool, resume: bool, batch: int = 1,
               files: ImportDirectory | None = None) -> Iterator[dict[str, Any]]:
    """A file's commands in order, the file's progress kept with each line's events. Resumed, it starts after the
    last line that recorded when this same content was applied from this path; the lines after it that recorded
    nothing (refused, or nothing to record) run again, as they would have. A file changed since is refused:
    its line numbers no longer say what was applied."""
    content = path.read_bytes()
    where, digest = str(path.resolve()), hashlib.sha256(content).hexdigest()
    after = 0
    if resume:
        applied = receipts_of(s).progress(where)
        if digest not in applied and applied:
            raise DomainError("RESUME_FILE_CHANGED", f"文件 {path} 自上次执行后已被修改，无法按行续接；请改用带 id 的命令行重新执行。",
                              f"{path} changed since it was applied: cannot resume by line")
        after = applied.get(digest, 0)
        log.info("resuming %s after line %d", path, after)
    lines = ((number, envelope) for number, envelope in json_lines(io.BytesIO(content)) if number > after)
    yield from apply_commands(s, lines, stop_on_error, file=(where, digest), batch=batch, files=files)


def settle(s: Services, settings: Settings) -> None:
    """After writes: the audit log holds them (a checkpoint signed when due), the views are current and
    the process policies have acted."""
    with audit_log(settings) as merkle:
        bring_log_up_to_date(s, merkle, settings)
    with views(settings, s) as runner:
        catch_up(s, runner)


def check_fixity(s: Services, originals: list[ArchivedOriginal], actor: Actor,
                 progress: Callable[[ArchivedOriginal], None] | None = None) -> VerifyReport:
    """Each original re-read and re-hashed against its record; every check recorded (R2)."""
    return s.archivist().verify(originals, actor, progress=progress)


def fixity_run(s: Services, actor: Actor, archive_numbers: list[str] | None = None, due_days: int | None = None,
               unit: str = "", progress: Progress | None = None) -> VerifyReport:
    """A fixity run as `zwgk archive verify` does it: the originals not checked within `due_days` days, else the
    numbered ones, else all; with a unit, only that unit's (another unit's original named is refused).
    `progress` hears how many have been checked, and of how many, after each."""
    chosen = originals_to_check(s, archive_numbers, due_days)
    if unit:
        foreign = [o.archive_number for o in chosen if o.responsible_unit != unit]
        if archive_numbers and foreign:
            raise DomainError("NOT_RESPONSIBLE_UNIT", f"只能核验本单位的原件：{'、'.join(foreign)} 不属于“{unit}”。",
                              f"originals of other units named: {', '.join(foreign)}")
        chosen = [o for o in chosen if o.responsible_unit == unit]
    checked = iter(range(1, len(chosen) + 1))
    report = check_fixity(s, chosen, actor, (lambda _: progress(next(checked), len(chosen))) if progress else None)
    return VerifyReport(report.results, []) if unit else report  # objects of no original belong to no unit


def archive_upload(s: Services, actor: Actor, source: IO[bytes], args: Mapping[str, Any],
                   occurred_at: datetime | None = None) -> tuple[Outcome, dict[str, Any]]:
    """An original whose bytes arrive as a stream (an upload to the service), archived by the one
    `archive_original` command as the signed-in caller: its arguments, the caller's access and the
    metadata are checked before a byte is read; then the bytes go to the store as they arrive, hashed on
    the way, and the original is recorded. What it recorded, and the original's metadata."""
    envelope = {"command": "archive_original", "args": dict(args), **({"occurred_at": occurred_at} if occurred_at else {})}
    outcome = execute(s, envelope, actor, upload=source)[0]
    return outcome, original_metadata(s, str(args["archive_number"]))


@dataclass
class Package:
    """A transfer package on its way out: a BagIt bag packed as one tar or zip stream, read from a
    temporary directory that goes when the stream ends or is closed."""

    name: str  # the bag's External-Identifier, and its folder in the package
    format: str
    originals: int
    length: int | None  # in bytes, when known before sending (tar)
    chunks: Iterator[bytes]
    directory: Path

    @property
    def media_type(self) -> str:
        return PACKAGE_FORMATS[self.format]

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _then_removed(chunks: Iterator[bytes], directory: Path) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def transfer_package(s: Services, runner: ProjectionRunner, settings: Settings, fmt: str = "tar", unit: str = "",
                     year: int | None = None, retention: str = "", archive_numbers: list[str] | None = None,
                     progress: Progress | None = None) -> Package:
    """A BagIt transfer package of the originals the archive catalogue selects (each verified on the way
    out), made in a temporary directory and then packed as it is sent; `progress` hears each original copied."""
    if fmt not in PACKAGE_FORMATS:
        raise DomainError("PACKAGE_FORMAT_INVALID", "移交包格式须为 tar 或 zip。", f"unknown package format {fmt!r}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="zwgk-bag-", dir=SCRATCH))
    try:
        count, bag = transfer(s, runner, settings, directory / "bag", unit, year, retention, archive_numbers, progress)
        name = str(bag.info["External-Identifier"])
        package = packed(directory / "bag", fmt, name)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Package(name, fmt, count, package.length, _then_removed(package.chunks, directory), directory)


def transfer(s: Services, runner: ProjectionRunner, settings: Settings, directory: Path, unit: str = "",
             year: int | None = None, retention: str = "", archive_numbers: list[str] | None = None,
             progress: Progress | None = None) -> tuple[int, bagit.Bag]:
    """A BagIt transfer package of the originals the archive catalogue selects: how many, and the bag."""
    rows = archive_search(s, runner, unit=unit, year=year, retention=retention)
    chosen = [s.ledger.original(r["archive_number"]) for r in rows
              if not archive_numbers or r["archive_number"] in archive_numbers]
    with audit_log(settings) as merkle:
        bring_log_up_to_date(s, merkle, settings, policy=None)  # a checkpoint that reaches every original
        checkpoint = latest_checkpoint(s, merkle, settings) or ""

        def proof_of(original: ArchivedOriginal) -> tuple[dict[str, Any], bytes]:
            found = inclusion(s, merkle, settings, s.ledger.archiving_event_id(original))
            return found.proof, found.event

        proofs = LedgerProof(checkpoint, verifier_key(settings), proof_of)
        return len(chosen), export_bag(s.archivist(), [o for o in chosen if not o.destroyed], directory, proofs, progress)


class Rebuilt(NamedTuple):
    views: list[str]
    events: int
    times: dict[str, StepTimes]  # each process's step times, by what it folded


def rebuild(s: Services, everything: ProjectionRunner, names: list[str] | None,
            progress: Callable[[int, int], None] | None = None, processes: int | None = None) -> Rebuilt:
    """The named views (or all) cleared and folded again from the first event: their names, the events read and
    where the time went. `progress` hears each batch folded and the events in all. In `processes` (1 or 2; by
    default as `rebuilding.processes_for` decides): two fold the timeline and the other views side by side."""
    runner = ProjectionRunner(everything.store, [everything.view(n) for n in names] if names else None)
    total = s.ledger.recorder.max_notification_id() or 0
    heard = (lambda n: progress(n, total)) if progress else None
    if processes_for(runner, total, processes) > 1:
        times = rebuild_in_two(s.ledger, runner, total, heard)
    else:
        runner.clear()
        times = {"one process": StepTimes()}
        runner.fold(decoded(log_until(s.ledger, total), times["one process"]), progress=heard, times=times["one process"])
        times["one process"].peak_rss_mb = peak_rss_mb()
    catch_up(s, runner, progress=heard)  # what was recorded meanwhile, and the policies
    return Rebuilt([v.name for v in runner.views], total, times)


def fold_from_kafka(settings: Settings, runner: ProjectionRunner, stop: threading.Event, once: bool) -> None:
    """The views fed from Kafka's internal topics, from their stored offsets, instead of the event store."""
    internal = [t for t in topics() if ".internal." in t]
    for batch in projection_batches(kafka_bootstrap(settings), internal, runner.kafka_offsets(), avro_codec(settings),
                                    idle_polls=2 if once else None):
        runner.fold_from_kafka(batch)
        if stop.is_set():
            break


def verify_views(s: Services, settings: Settings) -> tuple[int, list[ViewDifference]]:
    """Fold the log afresh into a scratch store of the same kind as the views' (a schema of its own on PostgreSQL,
    a file on SQLite) and compare every row: an edited, added or deleted view row is named, though the views
    carry no hash chain. Returns the log position compared at and the differences."""
    with views(settings) as stored:
        catch_up(s, stored)
        position = min(stored.positions().values())
        with _scratch_store(settings) as scratch:
            fresh = ProjectionRunner(scratch, all_views())
            fresh.fold(event for event in events_after(lambda after: s.ledger.notifications(after=after, batch=5000), 0)
                       if event.position <= position)
            differences: list[ViewDifference] = []
            with stored.store.transaction() as live_tx, scratch.transaction() as fresh_tx:
                for view in fresh.views:
                    differences += _differences(view, view.export(live_tx), view.export(fresh_tx))
    return position, differences


def verify_ledger(s: Services, merkle: MerkleLog, settings: Settings, trust: Trust | None = None, held: Sequence[str] = (),
                  with_views: bool = False, bring_up_to_date: bool = False) -> AuditReport:
    """The ledger's verification (queries.audit) and, `with_views`, every view compared with the log folded afresh."""
    report = audit(s, merkle, settings, bring_up_to_date, trust, held)
    if not with_views:
        return report
    position, differences = verify_views(s, settings)
    return replace(report, views=ViewsReport(position, tuple(differences)))


def _differences(view: Projection, stored: dict[str, list[dict[str, Any]]],
                 fresh: dict[str, list[dict[str, Any]]]) -> list[ViewDifference]:
    found = []
    for table, rows in fresh.items():
        live = Counter(to_json(row) for row in stored.get(table, []))
        folded = Counter(to_json(row) for row in rows)
        key = tuple(column.split()[0] for column in view.export_order[table].split(","))
        found += [ViewDifference(view.name, table, "extra", json.loads(row), key) for row in sorted((live - folded).elements())]
        found += [ViewDifference(view.name, table, "missing", json.loads(row), key) for row in sorted((folded - live).elements())]
    return found


@contextmanager
def _scratch_store(settings: Settings) -> Iterator[ViewStore]:
    url = urlsplit(settings.views_url)
    if url.scheme == "sqlite":
        with tempfile.TemporaryDirectory(prefix="zwgk-verify-") as directory:
            store = ViewStore(f"sqlite:///{directory}/views.sqlite3")
            try:
                yield store
            finally:
                store.close()
        return
    schema = f"zwgk_verify_{uuid.uuid4().hex[:12]}"
    store = ViewStore(urlunsplit(url._replace(query=f"schema={schema}")))
    try:
        yield store
    finally:
        with store.transaction() as tx:
            tx.execute(f'DROP SCHEMA "{schema}" CASCADE')
        store.close()


def index_texts(s: Services, runner: ProjectionRunner, batch: int = 500) -> int:
    """Put into the search's index the text of every original the catalogue has and the index has not, from the
    text the archive kept when it read each original: for a store whose originals were archived before texts
    were indexed as they were archived, or while the views' database could not be written. A store out of
    reach leaves the rest for the next run."""
    catch_up(s, runner)
    indexed = 0
    archivist = s.archivist()
    while True:
        with runner.store.transaction() as tx:
            texts = [(digest, archivist.text(digest)) for digest in ArchiveTexts.unindexed(tx, batch)]
            readable = [(digest, text) for digest, text in texts if text is not None]
            ArchiveTexts.add(tx, readable)
        indexed += len(readable)
        if len(texts) < batch or len(readable) < len(texts):
            return indexed


def migrate_stores(s: Services, settings: Settings, to: str, actor: Actor,
                   progress: Callable[[ArchivedOriginal], None] | None = None) -> MigrationReport:
    """Every original copied to the `to` store (s3 or local), verified and recorded, resumable (archive/migration.py)."""
    source, target = migration_stores(settings, to)
    return migrate(Archivist(s.ledger, target, source), source, target, "local" if to == "s3" else "s3", to, actor, progress)

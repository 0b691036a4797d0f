"""The application's writes that every entrypoint shares: commands applied in order through the one
`execute`, and the work that is not a catalogue command (fixity checks, transfer packages, the audit
log and views kept current, views rebuilt)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import bagit

from zwgk.archive.bagit_export import export_bag
from zwgk.archive.service import VerifyReport
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.consumer import projection_batches
from zwgk.connectors.contract import topics
from zwgk.connectors.queries import archive_search
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import audit_log, avro_codec, bring_log_up_to_date, catch_up, kafka_bootstrap, views
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.errors import DomainError
from zwgk.projections.runner import ProjectionRunner

log = logging.getLogger("zwgk")


def command_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """A JSONL file's commands by line number; a line that is no JSON object comes as the refusal it earns."""
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
                if not isinstance(value, dict):
                    raise ValueError("not an object")
            except ValueError as error:
                yield number, DomainError("INVALID_JSON", f"第 {number} 行不是 JSON 对象。", f"line {number}: {error}")
            else:
                yield number, value


def apply_commands(s: Services, envelopes: Iterable[tuple[int, Any]], stop_on_error: bool,
                   signed_in: Actor | None = None) -> Iterator[dict[str, Any]]:
    """Apply commands in order; each line's result, refusals included (as a signed-in caller, when one sends them)."""
    for line, envelope in envelopes:
        try:
            if isinstance(envelope, DomainError):
                raise envelope
            outcomes = execute(s, envelope, signed_in)
        except DomainError as error:
            log.warning("line %d refused: %s (%s)", line, error.message_en, error.code)
            yield {"line": line, "ok": False, "command": envelope.get("command") if isinstance(envelope, dict) else None, **error.as_dict()}
            if stop_on_error:
                return
            continue
        result: dict[str, Any] = {"line": line, "ok": True, "command": envelope["command"]}
        if outcomes:
            result.update(outcomes[0].as_dict())
        if len(outcomes) > 1:
            result["outcomes"] = [o.as_dict() for o in outcomes]
        yield result


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


def transfer(s: Services, runner: ProjectionRunner, settings: Settings, directory: Path, unit: str = "",
             year: int | None = None, retention: str = "", archive_numbers: list[str] | None = None) -> tuple[int, bagit.Bag]:
    """A BagIt transfer package of the originals the archive catalogue selects: how many, and the bag."""
    rows = archive_search(s, runner, unit=unit, year=year, retention=retention)
    chosen = [s.ledger.original(r["archive_number"]) for r in rows
              if not archive_numbers or r["archive_number"] in archive_numbers]
    return len(chosen), export_bag(s.archivist(), chosen, directory, settings.log_origin)


def rebuild(s: Services, everything: ProjectionRunner, names: list[str] | None,
            progress: Callable[[int, int], None] | None = None) -> tuple[list[str], int]:
    """The named views (or all) cleared and folded again from the first event: their names and the
    events read. `progress` hears each batch folded and the events in all."""
    runner = ProjectionRunner(everything.store, [everything.view(n) for n in names] if names else None)
    runner.clear()
    total = s.ledger.recorder.max_notification_id() or 0
    catch_up(s, runner, progress=(lambda n: progress(n, total)) if progress else None)
    return [v.name for v in runner.views], total


def fold_from_kafka(settings: Settings, runner: ProjectionRunner, stop: threading.Event, once: bool) -> None:
    """The views fed from Kafka's internal topics, from their stored offsets, instead of the event store."""
    internal = [t for t in topics() if ".internal." in t]
    for batch in projection_batches(kafka_bootstrap(settings), internal, runner.kafka_offsets(), avro_codec(settings),
                                    idle_polls=2 if once else None):
        runner.fold_from_kafka(batch)
        if stop.is_set():
            break

"""Commands as entrypoints receive them: one envelope (who, when, which command, its arguments)
parsed and checked before anything is recorded, then run by the ledger. Files of commands
(`zwgk apply`), the demo and every other entrypoint go through `execute`; invalid arguments
are told field by field in Chinese, pydantic's English kept for the log.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from zwgk.archive import commands as archive_commands
from zwgk.archive.imports import ImportDirectory
from zwgk.archive.service import Archivist
from zwgk.connectors.config import Settings
from zwgk.connectors.receipts import FileLine, PostgresReceiptRecorder, Receipt, SQLiteReceiptRecorder
from zwgk.connectors.services import Services
from zwgk.domain import plausible
from zwgk.domain.access import Scope, permit_command
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST
from zwgk.domain.commands import COMMANDS, Command, Outcome
from zwgk.domain.errors import ConcurrentModification, DomainError
from zwgk.domain.ledger import Batch, BatchConflict, Ledger, RunAlone

log = logging.getLogger("zwgk")
# Strict: a JSON true is no count and a bare number no instant; dates and UUIDs still come as JSON strings.
ARGS_CONFIG = ConfigDict(extra="forbid", use_attribute_docstrings=True, strict=True)
# A command's arguments as JSON, at most: its event must fit a broker's default message limit (1 MiB) with room.
MAX_ARGUMENT_BYTES = 256 * 1024
_ARGUMENTS: dict[type[Command], TypeAdapter[Any]] = {}  # built once a command
_BUILDING = threading.Lock()


def arguments(command: type[Command]) -> TypeAdapter[Any]:
    """The command's arguments as pydantic checks them and describes them in JSON schema: the command's
    own class, its field descriptions taken from the docstrings beside the fields. Built once, by one thread
    at a time: reading those docstrings parses the class's source, which two threads cannot do at once."""
    with _BUILDING:
        return _argument_adapter(command)


def _argument_adapter(command: type[Command]) -> TypeAdapter[Any]:
    if command not in _ARGUMENTS:
        checked = type(command.__name__, (command,), {
            "__pydantic_config__": ARGS_CONFIG, "__module__": command.__module__, "__qualname__": command.__qualname__,
        })
        _ARGUMENTS[command] = TypeAdapter(checked)
    return _ARGUMENTS[command]


class Envelope(BaseModel):
    """One command as written in a file: who (left out when a signed-in caller sends it), when (optional), what."""

    model_config = ConfigDict(extra="forbid", strict=True)

    command: str
    id: str | None = None  # the sender's own id for this command: applied at most once (connectors/receipts.py)
    actor: dict[str, str] | None = None
    occurred_at: datetime | None = None
    args: dict[str, Any] = {}


# pydantic's error types, by the prefix of their name, as a person reads them; the log keeps pydantic's English.
_INSTANT_ZH = "应为带时区的 ISO 8601 时间，例如 2022-01-14T09:00:00+08:00"
_ONE_OF_ZH = "应为以下之一：{expected}"
_PROBLEMS_ZH = [
    ("missing", "缺少此项"),
    ("extra_forbidden", "不接受此项"),
    ("unexpected_keyword_argument", "不接受此项"),
    ("string_too_short", "不能为空"),
    ("string_too_long", "过长（至多 {max_length} 字）"),
    ("string", "应为文本"),
    ("int", "应为整数"),
    ("float", "应为数字"),
    ("decimal", "应为数字"),
    ("bool", "应为 true 或 false"),
    ("datetime", _INSTANT_ZH),
    ("timezone", _INSTANT_ZH),
    ("date", "应为日期，例如 2022-01-14"),
    ("uuid", "应为 UUID"),
    ("enum", _ONE_OF_ZH),
    ("literal_error", _ONE_OF_ZH),
    ("greater_than_equal", "应不小于 {ge}"),
    ("greater_than", "应大于 {gt}"),
    ("less_than_equal", "应不大于 {le}"),
    ("less_than", "应小于 {lt}"),
    ("too_short", "项数不足（至少 {min_length} 项）"),
    ("too_long", "项数过多（至多 {max_length} 项）"),
    ("list_type", "应为列表"),
    ("dict_type", "应为对象"),
    ("model", "应为对象"),
]
_ITEM_REFERENCE_ZH = {"give exactly one of item_id or matter": "须给出 item_id 或 matter 之一，且只给一个"}


def _problem_zh(error: Mapping[str, Any]) -> str:
    context = {k: str(v).replace(" or ", ", ") for k, v in (error.get("ctx") or {}).items()}
    if error["type"] == "value_error":
        reason = str(error["ctx"]["error"])
        return _ITEM_REFERENCE_ZH.get(reason, f"取值无效（{reason}）")
    for prefix, text in _PROBLEMS_ZH:
        if error["type"].startswith(prefix):
            try:
                return text.format(**context)
            except KeyError:
                break
    return "取值无效"


class InvalidArguments(DomainError):
    """Arguments refused before anything is read: what is wrong with each field, for a form to show beside it."""

    def __init__(self, fields: dict[str, str], en: str) -> None:
        zh = "；".join(f"{where}：{problem}" for where, problem in fields.items())
        super().__init__("INVALID_ARGUMENTS", f"参数无效（{zh}）", en)
        self.fields = fields


def _invalid(error: ValidationError, what: str) -> InvalidArguments:
    def where(e: Mapping[str, Any]) -> str:
        return ".".join(str(p) for p in e["loc"]) or what

    fields: dict[str, str] = {}
    for e in error.errors():
        fields[where(e)] = "；".join(filter(None, [fields.get(where(e)), _problem_zh(e)]))
    en = "; ".join(f"{where(e)}: {e['msg']}" for e in error.errors())
    return InvalidArguments(fields, f"invalid {what}: {en}")


def parse(envelope: Mapping[str, Any], signed_in: Actor | None = None) -> tuple[Command, Actor, datetime | None]:
    """The command, its actor and business time, or a refusal; an unknown command name is told
    before anything else about the line. A signed-in caller is the actor: a line naming another is refused."""
    name = envelope.get("command") if isinstance(envelope, Mapping) else None
    if isinstance(name, str) and name not in COMMANDS:
        raise DomainError("UNKNOWN_COMMAND", f"未知命令：{name!r}（zwgk commands 列出全部命令）", f"unknown command {name!r}")
    encoded = _as_json(envelope)
    try:
        parsed = Envelope.model_validate_json(encoded)
    except ValidationError as error:
        raise _invalid(error, "command") from None
    actor = signed_in or _actor(parsed.actor)
    if signed_in and parsed.actor is not None and _actor(parsed.actor) != signed_in:
        raise DomainError("ACTOR_MISMATCH", "命令中的操作人与登录身份不符：操作人即登录者本人。",
                          "the command names another actor than the signed-in one")
    args = _plausible_values(parsed.args, "args")
    try:
        command = arguments(COMMANDS[parsed.command]).validate_json(json.dumps(args, ensure_ascii=False))
    except ValidationError as error:
        raise _invalid(error, "args") from None
    now = datetime.now(UTC)
    _plausible_dates(command, "args", now)
    return command, actor, parsed.occurred_at and plausible.business_time(parsed.occurred_at, now)


def _as_json(envelope: Mapping[str, Any]) -> str:
    """The envelope as JSON text, for strict parsing; the operator's tools may hand dates and UUIDs as objects."""
    try:
        encoded = json.dumps(envelope, ensure_ascii=False, default=str)
        size = len(encoded.encode("utf-8"))
    except (ValueError, RecursionError):
        raise DomainError("INVALID_ARGUMENTS", "参数无效（嵌套过深或含有无法表示的值）", "unencodable envelope") from None
    except UnicodeEncodeError:
        raise DomainError("IMPLAUSIBLE_INPUT", "命令含有无效字符（孤立代理项）。", "the envelope holds a lone surrogate") from None
    if size > MAX_ARGUMENT_BYTES:
        raise DomainError("COMMAND_TOO_LARGE", f"命令过大（至多 {MAX_ARGUMENT_BYTES // 1024} KiB）；原件请以存档上传。",
                          f"command larger than {MAX_ARGUMENT_BYTES} bytes")
    return encoded


def _plausible_values(value: Any, where: str) -> Any:
    """Every text normalised and checked, every number bounded, before the command's own types are."""
    if isinstance(value, str):
        return plausible.text(value, where)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return plausible.count(value, where)
    if isinstance(value, dict):
        return {key: _plausible_values(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_plausible_values(item, f"{where}.{i}") for i, item in enumerate(value)]
    return value


def _plausible_dates(value: Any, where: str, now: datetime) -> None:
    if isinstance(value, datetime):
        plausible.instant(value, where, now)
    elif isinstance(value, date):
        plausible.day(value, where, now.astimezone(CST).date())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _plausible_dates(getattr(value, field.name), f"{where}.{field.name}", now)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _plausible_dates(item, f"{where}.{i}", now)


def _actor(given: dict[str, str] | None) -> Actor:
    given = dict(given or {})
    if given.get("id"):
        given["id"] = plausible.identifier(given["id"], "actor.id")
    if given.get("unit"):
        given["unit"] = plausible.unit(given["unit"], "actor.unit")
    try:
        return Actor.from_text(**given)
    except TypeError:
        raise DomainError(
            "ACTOR_INCOMPLETE", "操作人须包含 id、role、unit。", "actor needs id, role and unit"
        ) from None


def import_directory(settings: Settings, root: Path) -> ImportDirectory:
    """The directory originals' files are read from, with the settings' limit, zwgk's own data out of reach."""
    return ImportDirectory(root, settings.max_upload_bytes, settings.own_data)


@dataclass(frozen=True)
class Applied:
    """What a command line did: what it recorded, or, its id being known, what it recorded the first time."""

    outcomes: list[Outcome]
    repeated: bool = False


def execute(services: Services, envelope: Mapping[str, Any], signed_in: Actor | None = None,
            upload: IO[bytes] | None = None, files: ImportDirectory | None = None) -> list[Outcome]:
    """Run one command; a refusal raises `DomainError` and records nothing. A signed-in caller (the
    service's users) acts as permitted by the access table, within its unit where the table says so;
    the operator's own tools on the server name any actor. `upload`: an original's bytes as they
    arrive, for `archive_original` from the service, which then reads no file; `files`: where
    `archive_original` may read its file from (without it, it reads none)."""
    return apply(services, envelope, signed_in, upload, files=files).outcomes


def apply(services: Services, envelope: Mapping[str, Any], signed_in: Actor | None = None,
          upload: IO[bytes] | None = None, progress: FileLine | None = None, files: ImportDirectory | None = None,
          batch: Batch | None = None) -> Applied:
    """`execute`, telling a repeat: a line with an `id` its actor used before answers what that first run
    recorded and records nothing, or is refused if the id asked for another command. `progress`: the
    file and line being applied, kept with the line's events for `zwgk apply --resume`. `batch`: the
    command is decided into it, to be recorded with it (`RunAlone` if it cannot be: its id is already in
    the batch, it moves originals, or see `Ledger`)."""
    name = envelope.get("command")
    # Who may is told before what is wrong with the arguments: the refusal does not depend on them.
    scope = permit_command(signed_in, name) if signed_in and isinstance(name, str) and name in COMMANDS else Scope.ANY_UNIT
    command, actor, occurred_at = parse(envelope, signed_in)
    command_id = envelope.get("id")
    receipt = None
    if isinstance(command_id, str):
        receipt = Receipt(actor.id, plausible.identifier(command_id, "id"), _request_sha256(envelope, actor))
        if first := _first_run(services, receipt):
            return first
        if batch is not None and any(_same_id(receipt, kept.get("receipt")) for kept in batch.kept):
            raise RunAlone("the id is already in the batch")  # answered as a repeat once the batch is recorded
    kept = {"receipt": receipt, "progress": progress}
    archivist = services.archivist if batch is None else _archive_not_in_batch
    context = archive_commands.ArchiveContext(services.ledger, actor, occurred_at, archivist, scope=scope, upload=upload,
                                              files=files)
    try:
        with services.ledger.keeping(**{k: v for k, v in kept.items() if v}), \
                services.ledger.batched(batch) if batch is not None else nullcontext():
            return Applied(Ledger.run(command, context))
    except ConcurrentModification:
        # Another process applied the same id at the same moment: its receipt, taken first, refused this insert.
        if receipt and (first := _first_run(services, receipt)):
            return first
        raise


def _same_id(receipt: Receipt, other: Receipt | None) -> bool:
    return other is not None and (other.actor, other.command_id) == (receipt.actor, receipt.command_id)


def _archive_not_in_batch() -> Archivist:
    """Originals' bytes are stored before their events are recorded, and a batch would delay those: run alone."""
    raise RunAlone("an original is moved")


@dataclass(frozen=True)
class LineRules:
    """How a file's lines run, the same for each: as whom (a signed-in caller, or each line's own actor), where
    `archive_original` may read files from (nowhere without it), and whether a refusal stops the lines after it."""

    signed_in: Actor | None = None
    files: ImportDirectory | None = None
    stop_on_error: bool = False


Line = tuple[int, Any, FileLine | None]  # a line's number, its envelope (or the refusal reading it earned), its file's progress
Done = tuple[int, Any, Applied | DomainError]


def apply_batches(services: Services, lines: Iterable[Line], size: int, rules: LineRules) -> Iterator[Done]:
    """Lines applied `size` a transaction (`zwgk apply --batch`), each with what it did or its refusal, in order,
    told once its batch is recorded. A line is judged as it would be alone: a later command of the batch sees
    what an earlier one decided, a refused line leaves nothing in the batch and the others go on (with
    `rules.stop_on_error` the lines before it are recorded and the rest not run), a line the batch cannot hold runs
    alone after the lines before it are recorded. Should another writer come first on any of its records, the
    batch records nothing and its lines run again one a transaction, each told its own conflict. A crash loses
    the open batch only: its ids and the file's progress are recorded with its events."""
    pending = iter(lines)
    while chunk := list(islice(pending, size)):
        done = _apply_batch(services, chunk, rules)
        yield from done
        if rules.stop_on_error and _refused(done):
            return


def _apply_batch(services: Services, chunk: list[Line], rules: LineRules) -> list[Done]:
    """One batch's lines, what each did in order (up to the first refusal with `stop_on_error`)."""
    batch, held, done = Batch(), list[Done](), list[Done]()
    for line, envelope, progress in chunk:
        try:
            held.append((line, envelope, applied_or_refused(services, envelope, progress, rules, batch)))
        except RunAlone as reason:
            log.debug("line %d runs alone: %s", line, reason)
            done += _recorded(services, batch, held, chunk, rules)
            held = []
            if not (rules.stop_on_error and _refused(done)):
                done += _one_by_one(services, [(line, envelope, progress)], rules)
        if rules.stop_on_error and (_refused(held) or _refused(done)):
            break
    return done + _recorded(services, batch, held, chunk, rules)


def _refused(results: list[Done]) -> bool:
    """Whether the last line told was refused (lines stop being told at the first refusal with `stop_on_error`)."""
    return bool(results) and isinstance(results[-1][2], DomainError)


def applied_or_refused(services: Services, envelope: Any, progress: FileLine | None, rules: LineRules,
                       batch: Batch | None = None) -> Applied | DomainError:
    """`apply`, a refusal returned rather than raised; an envelope that is a refusal already (a line unread) as it is."""
    if isinstance(envelope, DomainError):
        return envelope
    try:
        return apply(services, envelope, rules.signed_in, progress=progress, files=rules.files, batch=batch)
    except DomainError as error:
        return error


def _recorded(services: Services, batch: Batch, held: list[Done], chunk: list[Line], rules: LineRules) -> list[Done]:
    """The batch recorded: its lines with the places in the log of what they recorded; or, another writer having
    come first, the same lines applied again one a transaction."""
    try:
        placed = services.ledger.record_batch(batch)
    except BatchConflict:
        log.info("another writer came first on a batch of %d lines: applied again one a transaction", len(held))
        batch.clear()
        progress = {line: given for line, _, given in chunk}
        return _one_by_one(services, [(line, envelope, progress[line]) for line, envelope, _ in held], rules)
    return [(line, envelope, _placed(applied, placed)) for line, envelope, applied in held]


def _one_by_one(services: Services, lines: list[Line], rules: LineRules) -> list[Done]:
    done: list[Done] = []
    for line, envelope, progress in lines:
        done.append((line, envelope, applied_or_refused(services, envelope, progress, rules)))
        if rules.stop_on_error and _refused(done):
            break
    return done


def _placed(applied: Applied | DomainError, placed: Mapping[tuple[UUID, int], int]) -> Applied | DomainError:
    """A line's outcomes with the places in the log its batch's events were recorded at."""
    if isinstance(applied, DomainError) or applied.repeated:
        return applied
    return Applied([replace(o, notification_id=placed.get((o.aggregate_id, o.version), o.notification_id))
                    for o in applied.outcomes])


def _request_sha256(envelope: Mapping[str, Any], actor: Actor) -> str:
    """What the line asks, canonically, whoever wrote it how: the same id asking another thing is a mistake, not a repeat."""
    asked = {"command": envelope.get("command"), "actor": [actor.id, actor.role.value, actor.unit],
             "occurred_at": envelope.get("occurred_at"), "args": envelope.get("args") or {}}
    return hashlib.sha256(json.dumps(asked, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def receipts_of(services: Services) -> SQLiteReceiptRecorder | PostgresReceiptRecorder:
    """The event store's recorder, which keeps command ids and files' progress (wired by `Settings.eventsourcing_env`)."""
    recorder = services.ledger.recorder
    if not isinstance(recorder, SQLiteReceiptRecorder | PostgresReceiptRecorder):
        raise TypeError(f"the event store's recorder keeps no command ids: {type(recorder).__name__}")
    return recorder


def _first_run(services: Services, receipt: Receipt) -> Applied | None:
    first = receipts_of(services).first_run(receipt.actor, receipt.command_id)
    if first is None:
        return None
    if first.request_sha256 != receipt.request_sha256:
        raise DomainError("COMMAND_ID_REUSED", f"命令编号 {receipt.command_id!r} 已用于另一条不同的命令；同一编号只能对应同一条命令。",
                          "command id reused for another command")
    return Applied(first.outcomes, repeated=True)


def catalogue() -> list[dict[str, Any]]:
    """Every command with the JSON schema of its args, for `zwgk commands`."""
    return [
        {"command": name, "summary": command.summary_zh, "args": arguments(command).json_schema()}
        for name, command in COMMANDS.items()
    ]

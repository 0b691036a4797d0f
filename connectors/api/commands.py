"""Commands over HTTP: `POST /api/v1/commands/{name}` with the command's arguments as the body, one
route each (so the OpenAPI document carries each one's schema), and a batch of JSON lines."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from zwgk.connectors.api.identity import Credentials, RuntimeDep, SignedIn, signed_in
from zwgk.connectors.api.problems import INTERNAL_ZH, PROBLEM_RESPONSES, domain_problem, problem, status_of
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.api.scope import refusals_logged
from zwgk.connectors.commands import arguments, catalogue, execute
from zwgk.connectors.idempotency import request_digest
from zwgk.connectors.operations import apply_commands, json_lines
from zwgk.domain.access import COMMAND_ACCESS
from zwgk.domain.actors import Actor
from zwgk.domain.commands import COMMANDS, Outcome
from zwgk.domain.errors import DomainError

log = logging.getLogger("zwgk.api")
router = APIRouter(prefix="/api/v1", tags=["commands 命令"], responses=PROBLEM_RESPONSES)
POSITION_HEADER = "Zwgk-Position"
# Read from a path on the server: the service takes originals as uploads instead (the archive's routes).
NOT_OVER_HTTP = frozenset({"archive_original"})
BATCH_LIMIT = 10_000
KEY_LENGTH = 255
# Both read as text and checked once the caller is signed in: a caller not signed in is told so (401, and the
# security log), whatever else is wrong with the request.
OccurredAt = Annotated[str | None, Query(description="business time, when recording a past act (RFC 3339)",
                                         json_schema_extra={"format": "date-time"})]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", json_schema_extra={"maxLength": KEY_LENGTH},
                                              description="a retry with the same key gets the first answer; nothing is recorded twice")]
INSTANT = TypeAdapter(datetime)


class Changed(BaseModel):
    aggregate_id: str
    version: int
    notification_id: int


class Recorded(BaseModel):
    """What a command recorded: the record it is about, its new version, its place in the log (201); a command
    that found nothing to record (e.g. no deadline to recompute) answers 200 with no outcome."""

    aggregate_id: str | None = Field(description="the record the command is about")
    version: int | None
    notification_id: int = Field(description="the log position: pass it as at_least to read one's own write")
    outcomes: list[Changed] = Field(description="every record changed, in order")


class CommandInfo(BaseModel):
    command: str
    summary: str
    roles: list[str]
    args: dict[str, Any]


def _described(command: type) -> str:
    """The command's docstring; not the signature dataclasses put there when it has none."""
    doc = (command.__doc__ or "").strip()
    return "" if doc.startswith(f"{command.__name__}(") else doc


def permitted_roles(name: str) -> list[str]:
    return sorted(role.value for role in COMMAND_ACCESS.get(name, {}))


def document(openapi: dict[str, Any]) -> None:
    """Each command route's body is the command's own JSON schema, its definitions among the components."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, command in COMMANDS.items():
        operation = openapi["paths"].get(f"/api/v1/commands/{name}", {}).get("post")
        if operation is None:
            continue
        schema = arguments(command).json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(rt: Runtime, outcomes: list[Outcome]) -> tuple[int, dict[str, Any]]:
    if not outcomes:
        return 200, {"aggregate_id": None, "version": None, "notification_id": rt.services.ledger.recorder.max_notification_id() or 0,
                     "outcomes": []}
    return 201, {**outcomes[0].as_dict(), "notification_id": outcomes[-1].notification_id, "outcomes": [o.as_dict() for o in outcomes]}


def _run(rt: Runtime, actor: Actor, name: str, args: Any, occurred_at: datetime | None, request: Request) -> tuple[int, dict[str, Any]]:
    try:
        if not isinstance(args, dict):
            raise DomainError("INVALID_ARGUMENTS", "请求正文应为 JSON 对象（命令的参数）。", "the body is not a JSON object")
        envelope = {"command": name, "args": args, **({"occurred_at": occurred_at} if occurred_at else {})}
        with refusals_logged(rt, request, actor):
            return _answer(rt, execute(rt.services, envelope, actor))
    except DomainError as error:
        return status_of(error), json.loads(bytes(domain_problem(request, error).body))
    except Exception:  # noqa: BLE001 - answered (and kept for the idempotency key) as the 500 it is
        log.exception("command %s failed", name)
        body = problem(request, "INTERNAL_ERROR", INTERNAL_ZH, 500).body
        return 500, json.loads(bytes(body))


def command_route(name: str) -> Any:
    async def run_command(request: Request, credentials: Credentials, rt: RuntimeDep, occurred_at: OccurredAt = None,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
        body = await request.body()
        return await run_in_threadpool(_signed_in_and_run, rt, name, request, credentials, body, occurred_at, idempotency_key)

    return run_command


def _signed_in_and_run(rt: Runtime, name: str, request: Request, credentials: HTTPAuthorizationCredentials | None, body: bytes,
                       occurred_at: str | None, idempotency_key: str | None) -> JSONResponse:
    """Sign-in, the command and its idempotency key in one hand-off to a worker thread: FastAPI hands each
    plain-function dependency and endpoint to one of its own (0.1-0.2 ms there and back)."""
    actor = signed_in(request, credentials)
    try:
        when = INSTANT.validate_python(occurred_at) if occurred_at is not None else None
    except ValidationError:
        return problem(request, "INVALID_ARGUMENTS", "请求参数无效（query.occurred_at）", 422)
    if idempotency_key is not None and len(idempotency_key) > KEY_LENGTH:
        return problem(request, "INVALID_ARGUMENTS", "请求参数无效（header.Idempotency-Key）", 422)
    try:
        args = json.loads(body or b"{}")
    except ValueError:
        args = None
    if idempotency_key:
        digest = request_digest(name, args, when)
        first = rt.idempotency.claim(actor.id, idempotency_key, digest)
        if first is not None:
            return _replayed(request, first, digest)
    status, answer = _run(rt, actor, name, args, when, request)
    if idempotency_key:
        rt.idempotency.answer(actor.id, idempotency_key, status, answer)
    return _response(status, answer)


def _response(status: int, body: dict[str, Any]) -> JSONResponse:
    if status < 300:
        return JSONResponse(body, status_code=status, headers={POSITION_HEADER: str(body["notification_id"])})
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _replayed(request: Request, first: Any, digest: str) -> JSONResponse:
    if first.request_sha256 != digest:
        raise DomainError("IDEMPOTENCY_KEY_REUSED", "此幂等键已用于另一个不同的请求。", "idempotency key reused for another request")
    if first.status is None:
        raise DomainError("IDEMPOTENCY_KEY_IN_USE", "使用此幂等键的请求仍在处理中，请稍后重试。", "a request with this key is in progress")
    response = _response(first.status, first.answer)
    response.headers["Idempotent-Replayed"] = "true"
    return response


for _name, _command in COMMANDS.items():
    if _name in NOT_OVER_HTTP:
        continue
    router.add_api_route(
        f"/commands/{_name}", command_route(_name), methods=["POST"], status_code=201, name=_name,
        summary=_command.summary_zh, description=_described(_command), response_model=Recorded,
        responses={200: {"model": Recorded, "description": "nothing to record"}},
        openapi_extra={"x-zwgk-command": _name, "x-zwgk-roles": permitted_roles(_name)},
    )


@router.get("/commands", response_model=list[CommandInfo], summary="命令目录：每条命令的参数模式和可执行的角色")
def list_commands(actor: SignedIn) -> list[dict[str, Any]]:
    return [{**c, "roles": permitted_roles(c["command"])} for c in catalogue() if c["command"] not in NOT_OVER_HTTP]


@router.post("/batch", summary="批量执行命令（每行一条 JSON，与 zwgk apply 的文件相同；逐行返回结果）",
             responses={200: {"content": {"application/x-ndjson": {}}, "description": "one JSON result a line, in order"},
                        **PROBLEM_RESPONSES})
async def batch(request: Request, actor: SignedIn, rt: RuntimeDep,
                stop_on_error: Annotated[bool, Query(description="stop at the first refused line")] = False,
                per_transaction: Annotated[int, Query(alias="batch", ge=1, le=BATCH_LIMIT, description=(
                    "up to so many lines recorded in one transaction, each judged as alone (as zwgk apply --batch)"))] = 1,
                ) -> StreamingResponse:
    lines = (await request.body()).splitlines()
    if len(lines) > BATCH_LIMIT:
        raise DomainError("PAYLOAD_TOO_LARGE", f"一次至多 {BATCH_LIMIT} 行命令。", f"at most {BATCH_LIMIT} lines a batch")

    def envelopes() -> Iterator[tuple[int, Any]]:
        for number, envelope in json_lines(lines):
            if isinstance(envelope, dict) and envelope.get("command") in NOT_OVER_HTTP:
                envelope = DomainError("UPLOAD_REQUIRED", f"第 {number} 行：原件通过上传存档（PUT /api/v1/archive/originals/…）。",
                                       f"line {number}: archive originals by upload")
            yield number, envelope

    def results() -> Iterator[bytes]:
        for result in apply_commands(rt.services, envelopes(), stop_on_error, actor, batch=per_transaction):
            yield (json.dumps(result, ensure_ascii=False, default=str) + "\n").encode()

    return StreamingResponse(results(), media_type="application/x-ndjson")

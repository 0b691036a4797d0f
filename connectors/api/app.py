"""The ASGI application: `create_app()` (uvicorn's factory), its middleware and its error answers."""

from __future__ import annotations

import gc
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zwgk.connectors import console
from zwgk.connectors.api import accounts, archive, audit, commands, contract, metrics, operations, privacy, problems, queries
from zwgk.connectors.api.problems import INTERNAL_ZH, domain_problem, problem
from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.config import Settings
from zwgk.domain.errors import DomainError

log = logging.getLogger("zwgk.api")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
}
HTTP_CODES = {400: "BAD_REQUEST", 404: "UNKNOWN_ROUTE", 405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE",
              413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE"}
HTTP_DETAILS_ZH = {404: "没有这个地址。", 405: "此地址不支持该请求方法。"}


def _request_log() -> None:
    """One JSON line a request on standard error, in every worker process (each runs this factory)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class EachRequest:
    """For every request: its id (the caller's, if well-formed), the security headers, the metrics and one
    JSON log line. Plain ASGI: Starlette's `BaseHTTPMiddleware` hands each request to a task of its own and
    the answer back through a memory stream, a cost every request paid for nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        answered: list[tuple[int, float]] = []

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append((message["status"], time.perf_counter() - started))
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            status, elapsed = answered[0] if answered else (500, time.perf_counter() - started)
            route = getattr(scope.get("route"), "path", "(unmatched)")
            metrics.observe(scope["method"], route, status, elapsed)
            actor = state.get("actor")
            client = scope.get("client")
            log.info(json.dumps({
                "request_id": request_id, "method": scope["method"], "route": route, "path": scope["path"],
                "status": status, "ms": round(elapsed * 1000, 2), "actor": actor.id if actor else None,
                "role": actor.role.value if actor else None, "remote": client[0] if client else None,
            }, ensure_ascii=False))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    _request_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with Runtime.open(settings) as runtime:
            app.state.runtime = runtime
            # What starting made (the routes, the models, the stores) lives as long as the process: out of the
            # collector's sight, a full collection no longer walks it (100 ms a time, a stall for every request).
            gc.collect()
            gc.freeze()
            yield

    app = FastAPI(
        title="zwgk 政务公开台账服务",
        version=version("zwgk"),
        description="政务公开的事件台账、审计与档案服务。每个写操作即一条不可更改的事件；拒绝以 RFC 9457 problem+json 说明原因与规则编号。",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    for module in (commands, accounts, queries, privacy, archive, audit, contract, operations):
        app.include_router(module.router)
    console.mount(app)
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generated()  # which keeps the document it returns
            commands.document(document)
            problems.document(document)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

    app.add_middleware(EachRequest)

    @app.exception_handler(DomainError)
    async def refused(request: Request, error: DomainError) -> Response:
        log.warning(json.dumps({"request_id": getattr(request.state, "request_id", ""), "refused": error.code,
                                "rule": str(error.rule) if error.rule else None, "message": error.message_en}))
        if console.is_page(request):
            return console.refusal_page(request, error)
        return domain_problem(request, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        code = HTTP_CODES.get(error.status_code, "BAD_REQUEST")
        return problem(request, code, HTTP_DETAILS_ZH.get(error.status_code, str(error.detail)), error.status_code,
                       headers=getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        where = "；".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
        return problem(request, "INVALID_ARGUMENTS", f"请求参数无效（{where}）", 422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> Response:
        log.exception("request %s failed", getattr(request.state, "request_id", ""))
        return problem(request, "INTERNAL_ERROR", INTERNAL_ZH, 500)

    return app

"""Refusals as RFC 9457 problem details (`application/problem+json`): the stable code, the rule,
a Chinese title and detail for people, the request id to quote when asking for help."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from zwgk.domain.errors import DomainError

PROBLEM_TYPE = "urn:zwgk:problem:"
INTERNAL_ZH = "服务内部错误，本次操作未完成；请把请求编号告知管理员。"
STATUS = {
    "UNAUTHENTICATED": 401,
    "SECOND_FACTOR_REQUIRED": 401,
    "ROLE_NOT_PERMITTED": 403,
    "NOT_RESPONSIBLE_UNIT": 403,
    "ACTOR_MISMATCH": 403,
    "NOT_FOUND": 404,
    "UNKNOWN_COMMAND": 404,
    "UNKNOWN_QUERY": 404,
    "UNKNOWN_ROUTE": 404,
    "CONCURRENT_MODIFICATION": 409,
    "ALREADY_EXISTS": 409,
    "IDEMPOTENCY_KEY_IN_USE": 409,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "RANGE_NOT_SATISFIABLE": 416,
    "EVENT_AFTER_CHECKPOINT": 409,
    "UPLOAD_INCOMPLETE": 400,
    "ORIGINAL_MISSING": 410,
    "ORIGINAL_ALTERED": 500,
    "ROLE_AMBIGUOUS": 400,
    "BAD_REQUEST": 400,
    "METHOD_NOT_ALLOWED": 405,
    "NOT_ACCEPTABLE": 406,
    "UNAVAILABLE": 503,
    "STORAGE_UNAVAILABLE": 503,
    "INTERNAL_ERROR": 500,
}
TITLES_ZH = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权进行此操作",
    404: "未找到",
    405: "不支持此请求方法",
    406: "无法提供所要求的格式",
    409: "与现有记录冲突",
    410: "已不存在",
    413: "上传内容过大",
    415: "不支持的内容类型",
    416: "请求的范围无效",
    422: "操作不符合规定，未予记录",
    500: "服务内部错误",
    503: "服务暂不可用",
}


class Problem(BaseModel):
    """A refusal or an error (RFC 9457)."""

    type: str = Field(description="urn:zwgk:problem: and the stable code")
    title: str = Field(description="the kind of problem, in Chinese")
    status: int
    detail: str = Field(description="what happened, in Chinese, as the rules word it")
    code: str = Field(description="stable machine-readable code")
    rule: str | None = Field(default=None, description="the rule ID refused under, e.g. D5")
    instance: str = Field(description="the request's path")
    request_id: str = Field(description="quote it when asking for help: the service's log line carries it")
    errors: list[dict[str, Any]] | None = Field(default=None, description="one entry a line, for a batch")


def status_of(error: DomainError) -> int:
    return STATUS.get(error.code, 422)


def problem(request: Request, code: str, detail_zh: str, status: int, rule: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(type=PROBLEM_TYPE + code.lower(), title=TITLES_ZH.get(status, "请求未能完成"), status=status, detail=detail_zh,
                   code=code, rule=rule, instance=request.url.path, request_id=getattr(request.state, "request_id", ""))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type="application/problem+json",
                        headers=headers)


def domain_problem(request: Request, error: DomainError) -> JSONResponse:
    status = status_of(error)
    headers = {"WWW-Authenticate": 'Bearer realm="zwgk"'} if status == 401 else None
    return problem(request, error.code, error.message_zh, status, str(error.rule) if error.rule else None, headers)


def problem_response(description: str) -> dict[str, Any]:
    """An answer documented as what it is: `application/problem+json` with the Problem schema (see `document`)."""
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def document(openapi: dict[str, Any]) -> None:
    """The Problem schema among the components, for the answers that name it."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}")


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_response(TITLES_ZH[status]) for status in (400, 401, 403, 404, 409, 422, 503)
}

"""The integrators' contract over HTTP: the AsyncAPI document of the streams and the Avro schemas of
their events, as `zwgk kafka asyncapi` and `zwgk kafka schemas` give them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from zwgk.connectors.api.identity import RuntimeDep, SignedIn
from zwgk.connectors.api.problems import PROBLEM_RESPONSES
from zwgk.connectors.api.scope import permitted
from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.contract import schema_files
from zwgk.domain.errors import NotFound

router = APIRouter(prefix="/api/v1/contract", tags=["contract 数据对接契约"], responses=PROBLEM_RESPONSES)


@router.get("/asyncapi", summary="事件流的 AsyncAPI 文档：主题、键、消息头与模式")
def asyncapi(request: Request, actor: SignedIn, rt: RuntimeDep) -> dict[str, Any]:
    permitted(rt, request, actor, "contract")
    return asyncapi_document(rt.settings)


@router.get("/schemas", summary="全部事件的 Avro 模式名称")
def schemas(request: Request, actor: SignedIn, rt: RuntimeDep) -> list[str]:
    permitted(rt, request, actor, "contract")
    return sorted(schema_files())


@router.get("/schemas/{name}", summary="一个事件的 Avro 模式（.avsc）")
def schema(request: Request, name: str, actor: SignedIn, rt: RuntimeDep) -> dict[str, Any]:
    permitted(rt, request, actor, "contract")
    found = schema_files().get(name)
    if found is None:
        raise NotFound("事件模式", "schema", name)
    return found

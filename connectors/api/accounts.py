"""Signing in and out, who I am, and the security administrator's and auditor's routes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from zwgk.connectors import accounts
from zwgk.connectors.api.identity import ROLE_HEADER, SESSION_COOKIE, RuntimeDep, SignedIn, caller
from zwgk.connectors.api.problems import PROBLEM_RESPONSES
from zwgk.connectors.api.scope import permitted, refusals_logged
from zwgk.domain.access import permit_command
from zwgk.domain.actors import ROLE_NAMES_ZH

router = APIRouter(prefix="/api/v1", tags=["accounts 账户与登录"], responses=PROBLEM_RESPONSES)


class SignIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)
    role: str | None = Field(default=None, description="the role to act in, when the account holds several")
    one_time_code: str = Field(default="", max_length=16, description="the three administrators: the TOTP code of their second factor")


class Me(BaseModel):
    id: str
    role: str
    role_zh: str
    unit: str


class SignedInSession(Me):
    session: str = Field(description="send as `Authorization: Bearer …` (the console keeps it in a cookie instead)")


class NewToken(BaseModel):
    expires_in_days: int | None = Field(default=90, ge=1, le=3650, description="none: never expires (revoke it instead)")


class IssuedTokenAnswer(BaseModel):
    token_id: str
    token: str = Field(description="shown this once; zwgk keeps only its hash")


class NewPassword(BaseModel):
    password: str = Field(min_length=12, max_length=1024)


def _me(actor: Any) -> dict[str, str]:
    return {"id": actor.id, "role": actor.role.value, "role_zh": ROLE_NAMES_ZH[actor.role], "unit": actor.unit}


@router.post("/sessions", status_code=201, response_model=SignedInSession, summary="以密码登录")
def sign_in(body: SignIn, request: Request, response: Response, rt: RuntimeDep) -> dict[str, str]:
    session, actor = accounts.sign_in(rt.services, body.user_id, body.password, body.role, caller(request),
                                       body.one_time_code)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path="/")
    return {**_me(actor), "session": session}


@router.delete("/sessions/current", status_code=204, summary="退出登录")
def sign_out(request: Request, actor: SignedIn, rt: RuntimeDep) -> Response:
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or request.cookies.get(SESSION_COOKIE, "")
    accounts.sign_out(rt.services, given)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, summary=f"当前登录身份（账户有多个角色时，以 {ROLE_HEADER} 请求头选择）")
def me(actor: SignedIn) -> dict[str, str]:
    return _me(actor)


@router.get("/accounts", summary="全部账户：角色、状态、有效令牌（安全管理员、安全审计员）")
def list_accounts(request: Request, actor: SignedIn, rt: RuntimeDep) -> list[dict[str, Any]]:
    permitted(rt, request, actor, "accounts")
    return accounts.accounts(rt.services)


@router.post("/accounts/{user_id}/tokens", status_code=201, response_model=IssuedTokenAnswer, summary="签发访问令牌（安全管理员）")
def issue_token(request: Request, user_id: str, body: NewToken, actor: SignedIn, rt: RuntimeDep) -> dict[str, str]:
    with refusals_logged(rt, request, actor):
        permit_command(actor, "issue_token")
    expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    issued = accounts.create_token(rt.services, user_id, expires, actor)
    return {"token_id": issued.token_id, "token": issued.text}


@router.put("/accounts/{user_id}/password", status_code=204, summary="设置密码（本人或安全管理员）")
def set_password(request: Request, user_id: str, body: NewPassword, actor: SignedIn, rt: RuntimeDep) -> Response:
    if actor.id != user_id:
        with refusals_logged(rt, request, actor):
            permit_command(actor, "set_password")
    accounts.set_password(rt.services, user_id, body.password, actor)
    return Response(status_code=204)


@router.get("/security-log", summary="安全审计日志（安全审计员）")
def security_log(request: Request, actor: SignedIn, rt: RuntimeDep, kind: str = "", user_id: str = "",
                 after: Annotated[str, Query(description="cursor: the next_cursor of the previous page")] = "",
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    permitted(rt, request, actor, "security_log")
    entries = rt.services.security_log.entries(kind, user_id, after, limit)
    return {"items": [e.as_dict() for e in entries],
            "next_cursor": f"{entries[-1].at}|{entries[-1].entry_id}" if len(entries) == limit else None}

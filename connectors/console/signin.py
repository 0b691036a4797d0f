"""Signing in and out of the console: the accounts' passwords (and the administrators' one-time codes) open
the same session the API's `POST /api/v1/sessions` opens, kept in the same HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zwgk.connectors import accounts
from zwgk.connectors.accounts import Unauthenticated
from zwgk.connectors.api.identity import SESSION_COOKIE, RuntimeDep, caller
from zwgk.connectors.console.web import (
    CONSOLE_TAG,
    CSRF_FIELD,
    SIGN_IN_CSRF_COOKIE,
    SIGN_IN_PATH,
    csrf_ok,
    new_sign_in_csrf,
    page,
    redirect,
    safe_next,
)

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
NOTICES = {"out": "已退出登录。", "expired": "登录已超时或已失效，请重新登录。"}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(request: Request, status_code: int = 200, error: str = "", user_id: str = "", next_path: str = "/") -> HTMLResponse:
    token = new_sign_in_csrf()
    response = page(request, "signin.html", None, "工作人员登录", status_code, signin_csrf=token, error=error, user_id=user_id,
                    next=safe_next(next_path), notice=NOTICES.get(request.query_params.get("notice", ""), ""))
    response.set_cookie(SIGN_IN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path=SIGN_IN_PATH)
    return response


@router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the parameter's name in the URL
    return _form(request, next_path=next)


@router.post(SIGN_IN_PATH, response_class=HTMLResponse)
async def sign_in(request: Request, rt: RuntimeDep, user_id: Annotated[str, Form(max_length=128)] = "",
                  password: Annotated[str, Form(max_length=1024)] = "", one_time_code: Annotated[str, Form(max_length=16)] = "",
                  next: Annotated[str, Form(max_length=2048)] = "/") -> Response:  # noqa: A002
    given = str((await request.form()).get(CSRF_FIELD, ""))
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, given):
        return _form(request, 400, "页面已过期，请重新输入并登录。", user_id, next)
    try:
        session, _ = await run_in_threadpool(accounts.sign_in, rt.services, user_id, password, None, caller(request), one_time_code)
    except Unauthenticated as error:
        return _form(request, 401, error.message_zh if error.code != "UNAUTHENTICATED" else "人员编号或密码不正确，或账户已停用、已锁定。",
                     user_id, next)
    response = redirect(safe_next(next))
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path=SIGN_IN_PATH)
    return response


@router.post("/signout")
async def sign_out(request: Request, rt: RuntimeDep) -> RedirectResponse:
    if csrf_ok(request, await request.form()):
        await run_in_threadpool(accounts.sign_out, rt.services, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect(f"{SIGN_IN_PATH}?notice=out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

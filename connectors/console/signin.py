"""Signing in and out of the console: the accounts' passwords (and the administrators' one-time codes) open
the same session the API's `POST /api/v1/sessions` opens, kept in the same HttpOnly, SameSite=Strict cookie.
With an OpenID provider and the console's client id configured, the page also offers the provider's sign-in
(authorization code with PKCE); the provider's access token is then the session, until it expires."""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zwgk.connectors import accounts, oidc_signin
from zwgk.connectors.accounts import Unauthenticated
from zwgk.connectors.api.identity import SESSION_COOKIE, RuntimeDep, caller
from zwgk.connectors.api.problems import status_of
from zwgk.connectors.api.runtime import Runtime
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
from zwgk.connectors.oidc import IssuerUnreachable, OidcVerifier
from zwgk.domain.errors import DomainError

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)
NOTICES = {"out": "已退出登录。", "expired": "登录已超时或已失效，请重新登录。"}
OIDC_PATH = SIGN_IN_PATH + "/oidc"
OIDC_CALLBACK = OIDC_PATH + "/callback"
OIDC_COOKIE = "zwgk_oidc"  # state, PKCE verifier and where to go, while the browser is at the provider
OIDC_PENDING_SECONDS = 600


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(request: Request, status_code: int = 200, error: str = "", user_id: str = "", next_path: str = "/") -> HTMLResponse:
    token = new_sign_in_csrf()
    response = page(request, "signin.html", None, "工作人员登录", status_code, signin_csrf=token, error=error, user_id=user_id,
                    next=safe_next(next_path), notice=NOTICES.get(request.query_params.get("notice", ""), ""),
                    provider=_provider(request) is not None)
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


def _provider(request: Request) -> tuple[OidcVerifier, str] | None:
    """The OpenID provider's verifier and the console's client id, when both are configured."""
    rt: Runtime = request.app.state.runtime
    return (rt.oidc, rt.settings.oidc_client_id) if rt.oidc and rt.settings.oidc_client_id else None


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get(OIDC_PATH)
def oidc_sign_in(request: Request, next: str = "/") -> Response:  # noqa: A002
    provider = _provider(request)
    if provider is None:
        return redirect(SIGN_IN_PATH)
    try:
        start = oidc_signin.begin(provider[0], provider[1], _redirect_uri(request))
    except IssuerUnreachable:
        return _form(request, 503, "统一身份认证服务暂不可用，请稍后重试，或以密码登录。", next_path=next)
    response = RedirectResponse(start.url, status_code=303)
    # Lax, not Strict: the provider sends the browser back by a top-level navigation from its own site.
    response.set_cookie(OIDC_COOKIE, json.dumps([start.state, start.code_verifier, safe_next(next)]), max_age=OIDC_PENDING_SECONDS,
                        httponly=True, samesite="lax", secure=_secure(request), path=OIDC_PATH)
    return response


@router.get(OIDC_CALLBACK, name="oidc_callback", response_class=HTMLResponse)
async def oidc_callback(request: Request, rt: RuntimeDep, code: str = "", state: str = "") -> Response:
    provider = _provider(request)
    try:
        expected_state, code_verifier, back_to = json.loads(request.cookies.get(OIDC_COOKIE, ""))
    except (ValueError, TypeError):
        expected_state = code_verifier = back_to = ""
    if provider is None or not code or not expected_state or not hmac.compare_digest(str(expected_state), state):
        return _form(request, 400, "统一身份认证未完成或已过期，请重新登录。")
    try:
        token, _ = await run_in_threadpool(accounts.sign_in_with_provider, rt.services, provider[0], provider[1],
                                           _redirect_uri(request), code, str(code_verifier), caller(request))
    except DomainError as error:
        return _form(request, status_of(error), error.message_zh)
    # A page of this site moves on, not a redirect: the browser arrived from the provider's site, and a
    # SameSite=Strict session cookie set now is sent only with a navigation this site starts.
    response = page(request, "continue.html", None, "正在进入控制台", next=safe_next(str(back_to)))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(OIDC_COOKIE, path=OIDC_PATH)
    return response

"""What every console page shares: who is signed in (the API's session cookie, the API's authorization),
the navigation each area registers, CSRF tokens bound to the session, and rendering a template in the layout.

A page is a route of an area's router that takes `Viewer` (or `Visitor` for the public) and answers
`page(...)`; an area adds what its nav shows with `nav(...)` and who sees the entry (`may_query(name)`: the
roles the access table lets read that query), so the nav never offers what the access table would refuse.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from zwgk.connectors.accounts import Unauthenticated
from zwgk.connectors.api.identity import SESSION_COOKIE, signed_in
from zwgk.domain.access import QUERY_ACCESS
from zwgk.domain.actors import ROLE_NAMES_ZH, Actor

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
STATIC_PATH = "/static"
SIGN_IN_PATH = "/signin"
CSRF_FIELD = "csrf_token"
SIGN_IN_CSRF_COOKIE = "zwgk_signin_csrf"  # before a session exists: double-submitted, SameSite=Strict
CONSOLE_TAG = "console"


class SignInRequired(Exception):
    """A page asked for without a valid session: the browser is sent to the sign-in page."""

    def __init__(self, back_to: str, expired: bool) -> None:
        super().__init__(back_to)
        self.back_to = back_to
        self.expired = expired  # a session cookie was sent, but its session is over (idle, signed out elsewhere)


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str
    visible: Callable[[Actor], bool]
    order: int


NAV: list[NavEntry] = []


def may_query(name: str) -> Callable[[Actor], bool]:
    return lambda actor: actor.role in QUERY_ACCESS.get(name, {})


def nav(path: str, label: str, visible: Callable[[Actor], bool], order: int = 50) -> None:
    """Add an entry to the navigation, shown to those for whom `visible` says so."""
    NAV.append(NavEntry(path, label, visible, order))
    NAV.sort(key=lambda entry: (entry.order, entry.path))


def viewer(request: Request) -> Actor:
    """The signed-in person, from the session cookie, exactly as the API reads it (disabled accounts, expired
    sessions and idle expiry included)."""
    if not request.cookies.get(SESSION_COOKIE):
        raise SignInRequired(_here(request), expired=False)
    try:
        return signed_in(request, None)
    except Unauthenticated:
        raise SignInRequired(_here(request), expired=True) from None


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


Viewer = Annotated[Actor, Depends(viewer)]


def sign_in_url(back_to: str) -> str:
    return f"{SIGN_IN_PATH}?{urlencode({'next': back_to})}"


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def csrf_token(request: Request) -> str:
    """The session's CSRF token: derived one-way from the session secret, which only the HttpOnly cookie holds."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return hmac.new(session.encode(), b"zwgk console csrf", hashlib.sha256).hexdigest() if session else ""


def csrf_ok(request: Request, form: Mapping[str, Any]) -> bool:
    expected, given = csrf_token(request), str(form.get(CSRF_FIELD, ""))
    return bool(expected) and hmac.compare_digest(expected, given)


def new_sign_in_csrf() -> str:
    return secrets.token_urlsafe(24)


def page(request: Request, template: str, actor: Actor | None, title: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template in the layout, with the nav the signed-in person may use."""
    entries = [e for e in NAV if actor is not None and e.visible(actor)]
    return TEMPLATES.TemplateResponse(request, template, {
        "title": title, "actor": actor, "role_zh": ROLE_NAMES_ZH[actor.role] if actor else "", "nav": entries,
        "current": request.url.path, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "static": STATIC_PATH,
        **context}, status_code=status_code)


def redirect(path: str) -> RedirectResponse:
    """After a form's post: the browser gets the page anew (303), so a reload posts nothing twice."""
    return RedirectResponse(path, status_code=303)


def query_string(**params: Any) -> str:
    """A page's link with these parameters (empty ones left out)."""
    given = {k: v for k, v in params.items() if v not in (None, "")}
    return urlencode(given, quote_via=quote) if given else ""


def year_given(text: str) -> int | None:
    """A four-digit year typed in a filter; anything else: none (every year)."""
    return int(text) if text.isdigit() and len(text) == 4 else None

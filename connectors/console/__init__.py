"""The console 控制台: server-rendered pages in Chinese, served by `zwgk serve` at `/` beside the API.

Pages call the same application layer as the API with the same authorization (the access table, the
own-unit scope of `api.scope`, the security log) and the same sign-in sessions. Templates are in
`templates/` (Jinja2), the one stylesheet in `static/`: no JavaScript, nothing from another origin (the
CSP is `default-src 'self'`).

A new page: in the module of its role area (or a new module, added to `AREAS`), a route on the area's
`router` that takes `Viewer` (the signed-in actor), reads through `api.scope` (`unit_for`, `permitted`,
`record_for`) and the application's queries, and answers `web.page(request, "its.html", actor, title, …)`;
its template extends `base.html`, a list goes through `tables.table` and `_table.html` (pages, CSV link),
a command through `command_forms.form_url`; `web.nav(path, label, may_query(...))` shows it to the roles
that may read it. Its browser test drives it with `tests/browser/harness.Visitor` (axe-core, screenshots).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from zwgk.connectors.api.problems import status_of
from zwgk.connectors.console import (
    archive_jobs,
    archives,
    command_forms,
    complaints,
    home,
    inspection,
    oversight,
    public,
    signin,
    workbench,
)
from zwgk.connectors.console.web import CONSOLE_TAG, HERE, STATIC_PATH, SignInRequired, page, sign_in_url
from zwgk.domain.errors import DomainError

AREAS = (home, signin, public, workbench, inspection, archives, archive_jobs, complaints, oversight, command_forms)


def mount(app: FastAPI) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="static")
    for area in AREAS:
        app.include_router(area.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        target = sign_in_url(error.back_to)
        return RedirectResponse(target + ("&notice=expired" if error.expired else ""), status_code=303)


def is_page(request: Request) -> bool:
    """Whether the request was for a console page (its refusals are pages, not problem documents)."""
    return CONSOLE_TAG in getattr(request.scope.get("route"), "tags", ())


def refusal_page(request: Request, error: DomainError) -> HTMLResponse:
    rule = f"（规则 {error.rule}）" if error.rule else ""
    return page(request, "error.html", getattr(request.state, "actor", None), "无法办理", status_of(error),
                message=f"{error.message_zh}{rule}")

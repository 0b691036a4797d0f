"""`/`: the signed-in person's first page (the first entry of their nav); the sign-in page for anyone else."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zwgk.connectors.console.web import CONSOLE_TAG, NAV, Viewer, page, redirect

router = APIRouter(tags=[CONSOLE_TAG], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: Viewer) -> Response:
    first = next((entry.path for entry in NAV if entry.visible(actor)), None)
    if first is None:
        return page(request, "error.html", actor, "控制台", message="控制台暂无供您的角色使用的页面；请通过 API 或命令行办理。")
    return redirect(first)



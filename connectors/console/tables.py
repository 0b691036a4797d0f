"""Lists on a page: a page of a query's rows under the Chinese headers of its spreadsheet (the same `Sheet`
the API's CSV uses, so the page and the download say the same), a link to the next page by the query's
cursor, and the link to download the whole list as CSV from the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from zwgk.connectors.api.spreadsheet import Cell, Sheet
from zwgk.connectors.console.web import query_string
from zwgk.connectors.pages import Rows

Row = dict[str, Any]
PAGE_ROWS = 20


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[tuple[str, list[Cell], list[Action]]]  # (css class, cells, actions)
    csv_url: str
    next_url: str | None
    first_url: str | None
    empty: str = "暂无记录。"
    has_actions: bool = False


@dataclass(frozen=True)
class Columns:
    """A sheet's columns, with what a row is marked with (a CSS class) and which actions it offers."""

    sheet: Sheet
    mark: Callable[[Row], str] = lambda row: ""
    actions: Callable[[Row], Sequence[Action]] = lambda row: ()
    hidden: frozenset[str] = field(default_factory=frozenset)  # headers not shown on the page (still in the CSV)


def listed(caption: str, columns: Columns, rows: Sequence[Row], csv_url: str, next_url: str | None = None,
           first_url: str | None = None, empty: str = "暂无记录。") -> Table:
    """Rows already read, as a table."""
    shown = [(h, cell) for h, cell in columns.sheet.columns if h not in columns.hidden]
    body = [(columns.mark(row), [cell(row) for _, cell in shown], list(columns.actions(row))) for row in rows]
    return Table(caption, [h for h, _ in shown], body, csv_url, next_url, first_url, empty,
                 has_actions=any(actions for _, _, actions in body))


def table(request: Request, caption: str, columns: Columns, rows: Rows, csv_url: str, limit: int = PAGE_ROWS) -> Table:
    """A page of a query's rows, from the request's `cursor` on, with the links to the next page and back to the first."""
    page = rows.page(limit)
    others = {k: v for k, v in request.query_params.items() if k not in ("cursor", "done", "at_least")}
    base = request.url.path
    next_url = f"{base}?{query_string(**others, cursor=page.next_cursor)}" if page.next_cursor else None
    first_url = f"{base}?{query_string(**others)}".rstrip("?") if request.query_params.get("cursor") else None
    return listed(caption, columns, page.items, csv_url, next_url, first_url)

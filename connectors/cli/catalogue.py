"""`zwgk catalogue`: the catalogue of disclosure items (公开事项清单), now or at any past instant."""

from __future__ import annotations

from datetime import datetime

import typer

from zwgk.connectors import queries, render
from zwgk.connectors.cli.shared import AT_LEAST, FORMAT, answer, served

app = typer.Typer(name="catalogue", help="公开事项清单。", no_args_is_help=True)


@app.command("unfiled")
def catalogue_unfiled(format: str = FORMAT) -> None:  # noqa: A002
    """列出已调整但尚未备案的公开事项（C4）。"""
    render.unfiled_adjustments(served(queries.unfiled_adjustments), format)


@app.command("list")
def catalogue_list(
    unit: str = typer.Option("", "--unit"),
    as_of: datetime | None = typer.Option(None, "--as-of", help="某一时刻（如 2022-01-14T00:00+08:00）的清单"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """公开事项清单：当前或任一过去时刻，含调整历史与备案状态（C4）。"""
    render.catalogue_items(answer(queries.catalogue_items, unit, as_of, at_least), format)

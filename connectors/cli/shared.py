"""What the CLI's commands share: their common options, and the ledger opened for one command."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import typer

from zwgk.connectors.config import Settings
from zwgk.connectors.operations import apply_commands
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import services, views
from zwgk.projections.runner import ProjectionRunner

FORMAT = typer.Option("table", "--format", help="table | json")
AT_LEAST = typer.Option(0, "--at-least", help="只在视图已处理到此通知编号后读取（读己之写）")
ARCHIVIST = typer.Option(..., "--archivist", help="档案员编号")
ARCHIVIST_UNIT = typer.Option(..., "--archivist-unit", help="档案员所属单位")
T = TypeVar("T")


@contextmanager
def reading(settings: Settings | None = None) -> Iterator[tuple[Services, ProjectionRunner]]:
    """The services and the views (with the process policies) a query reads, for one command."""
    settings = settings or Settings.from_env()
    with services(settings) as s, views(settings, s) as runner:
        yield s, runner


def one_command(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one command as `zwgk apply` would; a refusal is told and ends the CLI command (exit code 1)."""
    with services() as s:
        (result,) = apply_commands(s, [(1, envelope)], True)
    if not result["ok"]:
        typer.echo(f"{result['code']}：{result['message']}", err=True)
        raise typer.Exit(1)
    return result


def answer(query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A query's answer over the services and the views."""
    with reading() as (s, runner):
        return query(s, runner, *args, **kwargs)


def served(query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A query's answer over the services alone."""
    with services() as s:
        return query(s, *args, **kwargs)

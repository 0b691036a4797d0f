"""`zwgk projections`: the views folded from the log, rebuilt, watched and exported."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from zwgk.connectors import queries, render
from zwgk.connectors.cli.shared import AT_LEAST, FORMAT, answer, reading
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import fold_from_kafka, rebuild, verify_views
from zwgk.connectors.wiring import catch_up, follow, services, views
from zwgk.projections.runner import all_views

app = typer.Typer(name="projections", help="读模型（投影）：运行、重建、状态、导出。", no_args_is_help=True)


@app.command("run")
def projections_run(
    from_kafka: bool = typer.Option(False, "--from-kafka", help="从 Kafka 内部主题读取事件，而非事件库"),
    once: bool = typer.Option(False, "--once", help="处理现有事件后退出"),
) -> None:
    """持续（或一次）把新事件折叠进全部视图；位置与视图行在同一事务中保存。\
PostgreSQL 上由事件库推送新事件（LISTEN/NOTIFY），SQLite 上轮询。"""
    settings = Settings.from_env()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with reading(settings) as (s, runner):
        if from_kafka:
            fold_from_kafka(settings, runner, stop, once)
        elif once:
            catch_up(s, runner)
        else:
            logging.getLogger("zwgk").setLevel(logging.INFO)
            follow(s, runner, settings, stop)
        render.positions(runner.positions())


@app.command("rebuild")
def projections_rebuild(
    name: list[str] = typer.Argument(None, help="视图名；缺省为全部"),
    processes: int = typer.Option(None, "--processes", min=1, max=2,
                                  help="重建所用进程数；缺省：日志不少于 20 万个事件、约有两个空闲处理器核且含时间线与其他视图时为 2"),
) -> None:
    """清空视图并从第 0 个事件重建。"""
    settings = Settings.from_env()
    with services(settings) as s, views(settings) as everything:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("重建视图")
            rebuilt = rebuild(s, everything, name, lambda n, events: progress.update(task, total=events, advance=n), processes)
    typer.echo(f"已重建 {', '.join(rebuilt.views)}，处理 {rebuilt.events} 个事件。")


@app.command("status")
def projections_status(format: str = FORMAT) -> None:  # noqa: A002
    """各视图的位置与滞后（事件数）。"""
    render.projection_status(answer(queries.projection_status), format)


@app.command("export")
def projections_export(
    name: str = typer.Argument(..., help=" | ".join(v.name for v in all_views())),
    output: Path = typer.Option(..., "-o", "--output"),
    at_least: int = AT_LEAST,
) -> None:
    """把视图导出为确定性的 JSON（排序、稳定格式）。"""
    with reading() as (s, runner):
        output.write_bytes(queries.view_export(s, runner, name, at_least))
    typer.echo(f"已导出 {name} → {output}")


@app.command("verify")
def projections_verify(format: str = FORMAT) -> None:  # noqa: A002
    """把事件日志重新折叠到临时库，与每个视图逐行比较；视图被改动、增删的行逐一列出（视图没有哈希链，篡改只能这样发现）。"""
    settings = Settings.from_env()
    with services(settings) as s:
        position, differences = verify_views(s, settings)
    render.view_differences(position, differences, format)
    if differences:
        raise typer.Exit(1)

"""The ledger's own commands: apply a file of commands, list them, show the settings, run the demo."""

from __future__ import annotations

from pathlib import Path

import typer

from zwgk.connectors import demo as demo_scenario
from zwgk.connectors import render
from zwgk.connectors.cli.shared import FORMAT
from zwgk.connectors.commands import catalogue, import_directory
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import apply_file as apply_lines
from zwgk.connectors.operations import settle
from zwgk.connectors.wiring import services


def apply_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL：每行一条命令"),
    stop_on_error: bool = typer.Option(False, "--stop-on-error", help="遇到第一条被拒绝的命令即停止"),
    resume: bool = typer.Option(False, "--resume", help="续接此文件中断的执行：从上次最后记录的一行之后开始"),
    files_from: Path | None = typer.Option(
        None, "--files-from", exists=True, file_okay=False,
        help="原件文件的导入目录（缺省为命令文件所在目录）：只读取其中的普通文件，相对路径从这里算起"),
    batch: int = typer.Option(1, "--batch", min=1, max=10_000, help="每个事务至多记录的命令行数（逐行判断，被拒绝的行不记录）"),
) -> None:
    """按顺序执行文件中的命令，每行输出一条 JSON 结果；被拒绝的命令不记录任何事件；带 id 的命令只执行一次。"""
    refused = lines = 0
    settings = Settings.from_env()
    files = import_directory(settings, files_from or file.parent)
    with services(settings) as s:
        for result in apply_lines(s, file, stop_on_error, resume, batch, files=files):
            lines += 1
            refused += not result["ok"]
            render.emit_json(result)
        settle(s, settings)
    if resume and not lines:
        typer.echo(f"{file} 已全部执行，没有需要续接的行。", err=True)
    raise typer.Exit(1 if refused else 0)


def list_commands(format: str = FORMAT) -> None:  # noqa: A002
    """列出全部命令及其参数的 JSON Schema。"""
    render.commands(catalogue(), format)


def show_config() -> None:
    """显示生效的配置（密钥已隐去）。"""
    for key, value in Settings.from_env().masked().items():
        typer.echo(f"{key}={value}")


def run_demo() -> None:
    """在内嵌 SQLite 上运行演示场景：五份政务公开制度文件从起草到公开，以及依申请公开、公众参与、告示与监督。"""
    run = demo_scenario.run(Settings.from_env())
    render.demo(run)
    if not run.ok:
        raise typer.Exit(1)

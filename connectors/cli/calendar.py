"""`zwgk calendar`: the official working-day calendar, loaded a year at a time."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from zwgk.connectors.cli.shared import one_command

app = typer.Typer(name="calendar", help="工作日日历。", no_args_is_help=True)


@app.command("load")
def calendar_load(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="holiday-cn 格式的 JSON 文件"),
    actor_id: str = typer.Option(..., "--actor", help="操作人编号"),
    unit: str = typer.Option(..., "--unit", help="操作人所属单位"),
) -> None:
    """载入一年的官方节假日安排（记为事件），并重算该年的临时期限。"""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except ValueError:
        typer.echo("日历文件不是有效的 JSON。", err=True)
        raise typer.Exit(2) from None
    envelope = {"command": "load_calendar", "actor": {"id": actor_id, "role": "leading_group_office", "unit": unit},
                "args": document if isinstance(document, dict) else {}}
    result = one_command(envelope)
    recomputed = len(result.get("outcomes", [])) - 1 if "outcomes" in result else 0
    typer.echo(f"已载入 {document['year']} 年官方日历；重算临时期限 {max(recomputed, 0)} 项。")

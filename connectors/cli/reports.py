"""What units and inspectors read off the views: deadlines, the disclosure register, the annual
report, the assessment, public participation and complaints."""

from __future__ import annotations

import typer

from zwgk.connectors import queries, render
from zwgk.connectors.cli.shared import AT_LEAST, FORMAT, answer, reading
from zwgk.connectors.commands import execute
from zwgk.projections.participation import PROCESSES
from zwgk.projections.requests import as_published

report_app = typer.Typer(name="report", help="年度报告。", no_args_is_help=True)
assessment_app = typer.Typer(name="assessment", help="考核视图。", no_args_is_help=True)
participation_app = typer.Typer(name="participation", help="公众参与与告示：预公开、听证、列席、开放日、告示。", no_args_is_help=True)
complaints_app = typer.Typer(name="complaints", help="投诉（Q1–Q4）。", no_args_is_help=True)


def list_deadlines(
    overdue: bool = typer.Option(False, "--overdue", help="只列逾期的"),
    unit: str = typer.Option("", "--unit"),
    rule: str = typer.Option("", "--rule", help="只列某条规则的期限，如 N2"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """全部期限（D3、D9、D11、A1–A5、M1、P4、N2、E4）：到期日（N2 按小时计，到期时刻）、是否临时、剩余工作日或小时、是否逾期。"""
    render.deadlines(answer(queries.deadlines, unit, rule, overdue, at_least=at_least), format)


def disclosure_register(
    unit: str = typer.Option("", "--unit"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """公开登记簿：每件公开行为的属性、审查签字、预审、签发、发布渠道与时间、存档。"""
    render.register(answer(queries.register, unit, at_least), format)


@report_app.command("annual")
def report_annual(
    unit: str = typer.Option(..., "--unit"),
    year: int = typer.Option(..., "--year"),
    format: str = typer.Option("table", "--format", help="table | json | csv"),  # noqa: A002
    publish: str = typer.Option("", "--publish", help="公开年度报告并记录：公开渠道，如 website（A6：部门1月31日前，政府3月31日前）"),
    actor_id: str = typer.Option("", "--actor", help="公开人编号（与 --publish 同用）"),
) -> None:
    """政府信息公开年度报告的申请情况表（国办公开办函〔2021〕30号格式），含 一+二=三+四 的校验（A6）；--publish 记录其公开。"""
    if publish and not actor_id:
        typer.echo("公开年度报告须给出 --actor。", err=True)
        raise typer.Exit(2)
    with reading() as (s, runner):
        report = queries.annual_report(s, runner, unit, year)
        if publish:
            (outcome,) = execute(s, {"command": "publish_annual_report", "actor": {"id": actor_id, "role": "officer", "unit": unit},
                                     "args": {"year": year, "channel": publish, "table": as_published(report)}})
            typer.echo(f"已公开 {unit} {year} 年度报告（记录位置 {outcome.notification_id}）", err=True)
    render.annual_report(report, unit, year, format)
    if not report["check_holds"]:
        raise typer.Exit(1)


@assessment_app.command("show")
def assessment_show(
    year: int = typer.Option(..., "--year"),
    unit: str = typer.Option("", "--unit"),
    quarterly: bool = typer.Option(False, "--quarterly", help="按季度（并排名）"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """考核视图：事件所示指标（按时公开率 D3/D11、备案率 C4、存档率 D8/R1、解读 D9、答复 A1–A5、听证 H1–H5、投诉 Q4、追责 K1）
    与考核评分、等次（E1–E4）并列，按单位排名。"""
    render.assessment(answer(queries.assessment, year, unit, quarterly), year, format)


@participation_app.command("list")
def participation_list(
    unit: str = typer.Option("", "--unit"),
    year: int | None = typer.Option(None, "--year"),
    process: str = typer.Option("", "--process", help="hearing | decision | meeting | open_day | announcement"),
    flagged: bool = typer.Option(False, "--flagged", help="只列有问题的"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """公众参与与告示：每场听证、每项预公开决策、每次列席会议、每次开放日、每份告示及其问题（H3–H5、O1、M1、P4、N1）。"""
    if process and process not in PROCESSES.values():
        typer.echo(f"未知类别：{process}（可选：{'、'.join(PROCESSES.values())}）", err=True)
        raise typer.Exit(2)
    render.participation(answer(queries.participation, unit, year, process, flagged, at_least), format)


@participation_app.command("counts")
def participation_counts(
    year: int = typer.Option(..., "--year"),
    unit: str = typer.Option("", "--unit"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """年度次数：列席全体会议、常务会议（M2，每年不少于 3 次），政务开放日（O1，每半年至少 1 次）。"""
    render.participation_counts(answer(queries.participation_counts, year, unit, at_least=at_least), format)


@complaints_app.command("list")
def complaints_list(format: str = FORMAT) -> None:  # noqa: A002
    """投诉列表：投诉人身份保密（Q3），以“zwgk privacy read”写明目的逐项查阅，查阅本身记入台账。"""
    render.complaints(answer(queries.complaints), format)

"""`zwgk privacy`: personal data sealed under each data subject's own key, and erased by destroying it (Q3)."""

from __future__ import annotations

from uuid import UUID

import typer

from zwgk.connectors import queries, render
from zwgk.connectors.cli.shared import FORMAT, one_command, served
from zwgk.domain.actors import Actor, Role
from zwgk.domain.data_subjects import ErasureBasis, SubjectKind

app = typer.Typer(name="privacy", help="个人信息（Q3）：按数据主体加密与删除。", no_args_is_help=True)


@app.command("forget")
def privacy_forget(
    subject: str = typer.Argument(..., help="数据主体编号，如 complainant-<投诉编号>"),
    actor_id: str = typer.Option(..., "--actor", help="操作人编号（投诉受理机构）"),
    unit: str = typer.Option(..., "--unit", help="操作人所属单位"),
    basis: str = typer.Option(..., "--basis", help="法定事由：" + "、".join(b.value for b in ErasureBasis)),
    note: str = typer.Option("", "--note", help="说明；以 other_legal_ground 删除时须写明所依据的法律法规。说明不加密，勿写入个人信息"),
) -> None:
    """删除某数据主体的个人信息：记录删除事件（谁、何时、依据），再销毁其密钥；其个人信息在事件库、
    Kafka 与导出中均不可再读，事件与哈希链保持不变。"""
    envelope = {"command": "erase_personal_data", "actor": {"id": actor_id, "role": "complaints_office", "unit": unit},
                "args": {"subject_id": subject, "basis": basis, "note": note}}
    result = one_command(envelope)
    typer.echo(f"已删除数据主体 {subject} 的密钥；其个人信息已不可读（删除记录：通知序号 {result['notification_id']}）。")


@app.command("read")
def privacy_read(
    record: UUID = typer.Argument(..., help="含个人信息的记录编号，如投诉编号"),
    field: str = typer.Argument(..., help="字段，如 complainant_name、complainant_contact、account"),
    purpose: str = typer.Option(..., "--purpose", help="查阅目的（记入台账；勿写入个人信息）"),
    actor_id: str = typer.Option(..., "--actor", help="查阅人编号（投诉受理机构）"),
    unit: str = typer.Option(..., "--unit", help="查阅人所属单位"),
) -> None:
    """查阅一项个人信息：先记录谁、为何、查阅了哪条记录的哪个字段，再显示其内容（Q3）。"""
    reader = Actor(actor_id, Role.COMPLAINTS_OFFICE, unit)
    read = served(queries.read_personal_data, reader, record, field, purpose, False)
    typer.echo(read["value"])
    typer.echo(f"本次查阅已记录：通知序号 {read['notification_id']}。", err=True)


@app.command("erasures")
def privacy_erasures(format: str = FORMAT) -> None:  # noqa: A002
    """已删除个人信息的数据主体：谁、何时、依何法定事由删除。"""
    render.erasures(served(queries.erasures), format)


@app.command("subjects")
def privacy_subjects(
    kind: str = typer.Option("", "--kind", help="数据主体类别：" + "、".join(k.value for k in SubjectKind)),
    record: str = typer.Option("", "--record", help="只列出个人信息在此记录（投诉、申请、听证会…编号）中的数据主体"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """个人信息清单：每个数据主体的个人信息在哪些记录的哪些字段中，是否已删除（只列编号，不含个人信息本身）。"""
    render.data_subjects(served(queries.data_subjects, kind, record), format)

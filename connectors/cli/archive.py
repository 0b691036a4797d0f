"""`zwgk archive`: originals archived, found, retrieved byte for byte, checked for fixity and for the
four properties, held, and exported for transfer."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from zwgk.connectors import operations, queries, render
from zwgk.connectors.cli.shared import ARCHIVIST, ARCHIVIST_UNIT, AT_LEAST, FORMAT, answer, reading, served
from zwgk.connectors.commands import execute, import_directory
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import check_fixity, transfer
from zwgk.connectors.wiring import services
from zwgk.domain.actors import Actor, Role

app = typer.Typer(name="archive", help="档案：原件存档、检索、固定性核验、法律保全、四性检测、移交导出。", no_args_is_help=True)


def _archivist(archivist_id: str, archivist_unit: str) -> dict[str, str]:
    return {"id": archivist_id, "role": "archivist", "unit": archivist_unit}


@app.command("put")
def archive_put(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="原件文件"),
    files_from: Path | None = typer.Option(
        None, "--files-from", exists=True, file_okay=False, help="原件文件须在其中的导入目录（缺省为原件文件所在目录）"),
    archive_number: str = typer.Option(..., "--archive-number", help="档号，如 Z001-WS·2022-D30-BGS-0006"),
    doc_number: str = typer.Option("", "--doc-number", help="文号"),
    title: str = typer.Option(..., "--title", help="题名"),
    unit: str = typer.Option(..., "--unit", help="责任者"),
    retention: str = typer.Option(..., "--retention", help="保管期限：Y、D30、D10"),
    doc_date: datetime = typer.Option(None, "--date", formats=["%Y-%m-%d"],
                                      help="文件形成日期，须在档号的年度内（R3）；给出 --disclosure 时可省略，取其签发日期"),
    doc_type: str = typer.Option("", "--doc-type", help="文种，如 通知"),
    classification: str = typer.Option("公开", "--classification", help="密级：公开、内部、秘密、机密、绝密"),
    pages: int | None = typer.Option(None, "--pages", help="页数（PDF、OFD、DOCX、图像从文件读出，所填不符则拒绝）"),
    media_type: str = typer.Option("", "--media-type", help="格式（缺省按文件名判断）"),
    disclosure: str = typer.Option("", "--disclosure", help="关联的公开行为编号（D8）"),
    hearing: str = typer.Option("", "--hearing", help="作为听证笔录关联的听证会编号（H4）"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """存档一份原件：流式上传并同时计算 SHA-256 与 SM3，按保管期限锁定，记录 ArchivedOriginal 事件。"""
    envelope = {"command": "archive_original", "actor": _archivist(archivist_id, archivist_unit), "args": {
        "file": str(file.absolute()), "archive_number": archive_number, "doc_number": doc_number, "title": title,
        "responsible_unit": unit, "retention": retention, "doc_date": doc_date.date().isoformat() if doc_date else None,
        "doc_type": doc_type, "classification": classification, "pages": pages, "media_type": media_type,
        "disclosure_id": disclosure or None, "hearing_id": hearing or None,
    }}
    settings = Settings.from_env()
    with services(settings) as s:
        (outcome,) = execute(s, envelope, files=import_directory(settings, files_from or file.parent))
        metadata = queries.original_metadata(s, archive_number)
    render.archived(outcome.as_dict(), metadata, format)


@app.command("get")
def archive_get(
    doc_number: str = typer.Option("", "--doc-number"),
    archive_number: str = typer.Option("", "--archive-number"),
    sha256: str = typer.Option("", "--sha256"),
    output: Path | None = typer.Option(None, "-o", "--output", help="输出文件；缺省写到标准输出"),
) -> None:
    """按文号、档号或 SHA-256 取回原件，逐字节一致，输出前核验摘要。"""
    if [bool(doc_number), bool(archive_number), bool(sha256)].count(True) != 1:
        typer.echo("须且只须给出 --doc-number、--archive-number、--sha256 之一。", err=True)
        raise typer.Exit(2)
    with reading() as (s, runner):
        original = queries.archived_original(s, runner, archive_number, doc_number, sha256)
        if output is None:
            queries.copy_original(s, original, sys.stdout.buffer)
            return
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as out:
                queries.copy_original(s, original, out)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    typer.echo(f"已取回 {original.archive_number} → {output}（摘要核验一致）", err=True)


@app.command("search")
def archive_search(
    doc_number: str = typer.Option("", "--doc-number", help="文号，全部或一部分（如 〔2020〕31）；完全一致的排在前面"),
    title: str = typer.Option("", "--title", "--title-contains", help="题名中的词句"),
    words: str = typer.Option("", "--words", help="题名或原件正文（TXT、PDF、OFD、DOCX）中的词句，中文按字串匹配"),
    unit: str = typer.Option("", "--unit", help="责任者"),
    year: int | None = typer.Option(None, "--year", help="文件形成年度"),
    retention: str = typer.Option("", "--retention", help="Y、D30、D10"),
    classification: str = typer.Option("", "--classification", help="密级"),
    hold: bool | None = typer.Option(None, "--hold/--no-hold", help="仅法律保全中的／仅未保全的"),
    doc_type: str = typer.Option("", "--doc-type", help="文种"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="每页条数"),
    cursor: str = typer.Option("", "--cursor", help="上一页给出的游标"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """检索档案原件：按文号（精确或部分）、题名、正文词句、责任者、年度、保管期限、密级、法律保全；按相关度排序，分页。"""
    query = queries.ArchiveQuery(unit=unit, year=year, retention=retention, classification=classification, doc_type=doc_type,
                                 doc_number=doc_number, title=title, words=words, legal_hold=hold)
    page = answer(lambda s, runner: queries.archive_pages(s, runner, query, cursor, at_least).page(limit))
    render.archive_search(page.items, format)
    if page.items and not page.items[0]["ranked"]:
        typer.echo(f"含这些词句的原件超过 {queries.RANKED_AT_MOST} 件：按存档先后列出，未按相关度排序。", err=True)
    if page.next_cursor:
        typer.echo(f"下一页：--cursor {page.next_cursor}", err=True)


@app.command("due")
def archive_due(format: str = FORMAT) -> None:  # noqa: A002
    """到期鉴定：列出保管期限已届满、尚未鉴定为销毁的原件（R4）。"""
    render.appraisal_due(served(queries.appraisal_due), format)


def _run(command: str, actor: dict[str, str], args: dict[str, object], format: str) -> None:  # noqa: A002
    with services() as s:
        (outcome,) = execute(s, {"command": command, "actor": actor, "args": args})
    render.recorded(outcome.as_dict(), format)


@app.command("appraise")
def archive_appraise(
    archive_number: str = typer.Option(..., "--archive-number"),
    decision: str = typer.Option(..., "--decision", help="keep（继续保存）或 destroy（拟销毁）"),
    reasons: str = typer.Option(..., "--reasons", help="鉴定理由"),
    appraiser: list[str] = typer.Option(..., "--appraiser", help="鉴定人，可多次给出"),
    retention: str = typer.Option("", "--retention", help="继续保存时的新保管期限：Y、D30、D10"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """到期鉴定一件原件：继续保存（新的保管期限与保留锁）或拟销毁，写明理由与鉴定人（R4）。"""
    _run("appraise_original", _archivist(archivist_id, archivist_unit), {
        "archive_number": archive_number, "decision": decision, "reasons": reasons, "appraisers": appraiser,
        "retention": retention}, format)


@app.command("destruction-list")
def archive_destruction_list(
    title: str = typer.Option(..., "--title", help="清册题名"),
    archive_number: list[str] = typer.Option(..., "--archive-number", help="鉴定为销毁的原件，可多次给出"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """编制销毁清册：只列鉴定为销毁、未被法律保全的原件（R5）。"""
    _run("draft_destruction_list", _archivist(archivist_id, archivist_unit),
         {"title": title, "archive_numbers": archive_number}, format)


@app.command("approve-destruction")
def archive_approve_destruction(
    list_id: str = typer.Argument(..., help="销毁清册编号"),
    head: str = typer.Option(..., "--head", help="机关负责人编号"),
    head_unit: str = typer.Option(..., "--head-unit", help="机关"),
    comment: str = typer.Option("", "--comment"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """机关负责人批准销毁清册（R5）。"""
    _run("approve_destruction_list", {"id": head, "role": "agency_head", "unit": head_unit},
         {"list_id": list_id, "comment": comment}, format)


@app.command("destroy")
def archive_destroy(
    list_id: str = typer.Argument(..., help="已批准的销毁清册编号"),
    supervisor: list[str] = typer.Option(..., "--supervisor", help="监销人，至少两名，不得是鉴定人"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """按批准的清册监销：删除原件的每个版本、元数据副本与正文，记录销毁人、监销人与摘要（R5）。"""
    _run("destroy_originals", _archivist(archivist_id, archivist_unit), {"list_id": list_id, "supervisors": supervisor},
         format)


@app.command("destruction-lists")
def archive_destruction_lists(format: str = FORMAT) -> None:  # noqa: A002
    """销毁清册：批准人、监销人、是否已执行（永久保存）。"""
    render.destruction_lists(served(queries.destruction_lists), format)


@app.command("migrate")
def archive_migrate(
    to: str = typer.Option(..., "--to", help="s3 或 local"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """在本地档案目录与 S3 之间迁移全部原件：连同保留期与法律保全，到达后核验两种摘要，每件记一个迁移事件；中断后再次运行即续做。"""
    settings = Settings.from_env()
    with services(settings) as s:
        report = operations.migrate_stores(s, settings, to, Actor(archivist_id, Role.ARCHIVIST, archivist_unit))
    render.migration(report.as_dict(), format)
    if report.missing:
        raise typer.Exit(1)


@app.command("index")
def archive_index() -> None:
    """为检索补建原件正文索引：原件存档时即已索引；此前存档的（旧版本的档案库）或当时视图库不可写的，在此补入。"""
    indexed = answer(operations.index_texts)
    typer.echo(f"已补建 {indexed} 件原件的正文索引。")


@app.command("verify")
def archive_verify(
    all_: bool = typer.Option(False, "--all", help="核验全部原件"),
    archive_number: list[str] = typer.Option([], "--archive-number", help="只核验这些档号"),
    due: int | None = typer.Option(None, "--due", min=0,
                                   help="只核验 DAYS 天内未核验过的原件（供每日定时任务：每件至少每 DAYS 天核验一次）"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """固定性核验：按版本重读原件，重算 SHA-256 与 SM3 并与记录比对；每次核验记为事件。"""
    if not all_ and not archive_number and due is None:
        typer.echo("请给出 --all、--archive-number 或 --due。", err=True)
        raise typer.Exit(2)
    with services() as s:
        chosen = queries.originals_to_check(s, None if all_ else archive_number, due)
        with Progress(transient=True, console=Console(stderr=True)) as progress:
            task = progress.add_task("核验原件", total=len(chosen))
            report = check_fixity(s, chosen, Actor(archivist_id, Role.ARCHIVIST, archivist_unit),
                                  progress=lambda _: progress.advance(task))
    render.fixity(report, format)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def archive_export(
    bagit_dir: Path = typer.Option(..., "--bagit", help="新建 BagIt 包的目录（须为空或不存在）"),
    unit: str = typer.Option("", "--unit"),
    year: int | None = typer.Option(None, "--year"),
    retention: str = typer.Option("", "--retention"),
    archive_number: list[str] = typer.Option([], "--archive-number"),
) -> None:
    """导出 BagIt（RFC 8493）移交包：原件（取出时核验）与每件的元数据。"""
    settings = Settings.from_env()
    with reading(settings) as (s, runner):
        count, bag = transfer(s, runner, settings, bagit_dir, unit, year, retention, archive_number)
    typer.echo(f"已导出 {count} 件至 {bag.path}（Payload-Oxum {bag.info['Payload-Oxum']}）")


def _hold(command: str, archive_number: str, reason: str, archivist_id: str, archivist_unit: str) -> None:
    with services() as s:
        execute(s, {"command": command, "actor": _archivist(archivist_id, archivist_unit),
                    "args": {"archive_number": archive_number, "reason": reason}})


@app.command("hold")
def archive_hold(
    archive_number: str = typer.Option(..., "--archive-number"),
    reason: str = typer.Option(..., "--reason", help="如 行政复议、行政诉讼"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
) -> None:
    """对原件实施法律保全：保全期间无论保管期限如何均不可删除。"""
    _hold("place_legal_hold", archive_number, reason, archivist_id, archivist_unit)
    typer.echo(f"{archive_number}：已置于法律保全")


@app.command("release")
def archive_release(
    archive_number: str = typer.Option(..., "--archive-number"),
    reason: str = typer.Option(..., "--reason"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
) -> None:
    """解除法律保全。"""
    _hold("release_legal_hold", archive_number, reason, archivist_id, archivist_unit)
    typer.echo(f"{archive_number}：已解除法律保全")


@app.command("check")
def archive_check(format: str = FORMAT) -> None:  # noqa: A002
    """四性检测（DA/T 70-2018）：真实性、完整性、可用性、安全性，逐件报告。"""
    report = served(queries.four_property_check)
    render.four_property_report(report, format)
    if not report.ok:
        raise typer.Exit(1)

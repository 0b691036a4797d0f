"""The `zwgk` command line: messages for people in Chinese, logs in English."""

from __future__ import annotations

import csv
import json
import logging
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from zwgk.archive import four_properties
from zwgk.archive.bagit_export import export_bag
from zwgk.archive.service import metadata_of
from zwgk.connectors import demo as demo_scenario
from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.config import ConfigurationError, Settings
from zwgk.connectors.consumer import EventStream, projection_batches
from zwgk.connectors.contract import schema_files, topics, write_schema_files
from zwgk.connectors.relay import init_topics
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import (
    audit_log,
    avro_codec,
    bring_log_up_to_date,
    catch_up,
    follow,
    kafka_bootstrap,
    relay,
    services,
    views,
)
from zwgk.domain.actors import ROLE_NAMES_ZH, Actor
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.assessment import GRADES_ZH, Grade
from zwgk.domain.calendar import CST, cst_date
from zwgk.domain.chain import ChainReport
from zwgk.domain.checkpoint import CheckpointError, open_checkpoint, parse_verifier_key, read_unverified
from zwgk.domain.commands import Services, catalogue, execute
from zwgk.domain.data_subjects import ERASURE_BASIS_ZH, SUBJECT_KINDS_ZH, ErasureBasis, SubjectKind
from zwgk.domain.disclosure import ATTRIBUTES_ZH, CHANNELS_ZH, DECISIONS_ZH, Attribute, Channel, Decision, DisclosureAct
from zwgk.domain.errors import DomainError, NotFound
from zwgk.domain.proofs import CONSISTENCY, INCLUSION, ProofError, check_consistency, check_inclusion
from zwgk.projections.archive import archive_catalogue
from zwgk.projections.assessment import indicators, ranking
from zwgk.projections.audit_log import LogReport, MerkleLog, entry_of, verify_log
from zwgk.projections.catalogue import catalogue_as_of, cst_day, from_ts
from zwgk.projections.complaints import complaints as complaint_rows
from zwgk.projections.deadlines import deadlines as deadline_rows
from zwgk.projections.participation import PROCESSES as PARTICIPATION_PROCESSES
from zwgk.projections.participation import participation as participation_rows
from zwgk.projections.participation import yearly_counts
from zwgk.projections.requests import COLUMNS as REQUEST_COLUMNS
from zwgk.projections.requests import COLUMNS_ZH as REQUEST_COLUMNS_ZH
from zwgk.projections.requests import annual_table, as_published
from zwgk.projections.runner import ProjectionRunner, UnknownView, all_views
from zwgk.projections.timeline import timeline, version_as_of
from zwgk.projections.violations import violations

log = logging.getLogger("zwgk")
console = Console()
app = typer.Typer(help="zwgk 政务公开台账：事件溯源记录、审计与存档。", no_args_is_help=True, pretty_exceptions_enable=False)
audit_app = typer.Typer(help="审计核验（纪检监察）。", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日日历。", no_args_is_help=True)
catalogue_app = typer.Typer(help="公开事项清单。", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(catalogue_app, name="catalogue")
kafka_app = typer.Typer(help="Kafka 主题与事件契约（供对接方）。", no_args_is_help=True)
events_app = typer.Typer(help="读取事件流。", no_args_is_help=True)
projections_app = typer.Typer(help="读模型（投影）：运行、重建、状态、导出。", no_args_is_help=True)
assessment_app = typer.Typer(help="考核视图。", no_args_is_help=True)
app.add_typer(projections_app, name="projections")
app.add_typer(assessment_app, name="assessment")
archive_app = typer.Typer(help="档案：原件存档、检索、固定性核验、法律保全、四性检测、移交导出。", no_args_is_help=True)
app.add_typer(archive_app, name="archive")
app.add_typer(kafka_app, name="kafka")
app.add_typer(events_app, name="events")
participation_app = typer.Typer(help="公众参与与告示：预公开、听证、列席、开放日、告示。", no_args_is_help=True)
app.add_typer(participation_app, name="participation")

FORMAT = typer.Option("table", "--format", help="table | json")


def _emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))


def _run(envelopes: Iterable[tuple[int, Any]], s: Services, stop_on_error: bool) -> Iterator[dict[str, Any]]:
    """Apply commands in order; each line's result, refusals included."""
    for line, envelope in envelopes:
        try:
            if isinstance(envelope, DomainError):
                raise envelope
            outcomes = execute(s, envelope)
        except DomainError as error:
            log.warning("line %d refused: %s (%s)", line, error.message_en, error.code)
            yield {"line": line, "ok": False, "command": envelope.get("command") if isinstance(envelope, dict) else None, **error.as_dict()}
            if stop_on_error:
                return
            continue
        result: dict[str, Any] = {"line": line, "ok": True, "command": envelope["command"]}
        if outcomes:
            result.update(outcomes[0].as_dict())
        if len(outcomes) > 1:
            result["outcomes"] = [o.as_dict() for o in outcomes]
        yield result


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
                if not isinstance(value, dict):
                    raise ValueError("not an object")
            except ValueError as error:
                yield number, DomainError("INVALID_JSON", f"第 {number} 行不是 JSON 对象。", f"line {number}: {error}")
            else:
                yield number, value


@app.command("apply")
def apply_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL：每行一条命令"),
    stop_on_error: bool = typer.Option(False, "--stop-on-error", help="遇到第一条被拒绝的命令即停止"),
) -> None:
    """按顺序执行文件中的命令，每行输出一条 JSON 结果；被拒绝的命令不记录任何事件。"""
    refused = 0
    settings = Settings.from_env()
    with services(settings) as s:
        for result in _run(_read_jsonl(file), s, stop_on_error):
            refused += not result["ok"]
            _emit_json(result)
        with audit_log(settings) as merkle:
            bring_log_up_to_date(s, merkle, settings)
        with views(settings, s) as runner:
            catch_up(s, runner)  # views current, process policies applied
    raise typer.Exit(1 if refused else 0)


@app.command("commands")
def list_commands(format: str = FORMAT) -> None:  # noqa: A002
    """列出全部命令及其参数的 JSON Schema。"""
    commands = catalogue()
    if format == "json":
        typer.echo(json.dumps(commands, ensure_ascii=False, indent=2))
        return
    table = Table("命令", "说明", "参数")
    for c in commands:
        table.add_row(c["command"], c["summary"], ", ".join(c["args"].get("properties", {})))
    console.print(table)


@app.command("config")
def show_config() -> None:
    """显示生效的配置（密钥已隐去）。"""
    for key, value in Settings.from_env().masked().items():
        typer.echo(f"{key}={value}")


def _print_report(report: ChainReport, format: str, logged: LogReport, checkpoint_problem: str) -> None:  # noqa: A002
    if format == "json":
        data: dict[str, Any] = {
            "ok": report.ok and logged.ok and not checkpoint_problem,
            "events_checked": report.events_checked,
            "aggregates_checked": report.aggregates_checked,
            "log_entries_checked": logged.leaves_checked,
            "not_yet_logged": logged.not_yet_logged,
        }
        if report.first_break:
            data["first_break"] = vars(report.first_break)
        if not logged.ok:
            data["log_mismatch"] = {"position": logged.first_bad_position, "reason": logged.reason}
        if checkpoint_problem:
            data["checkpoint_problem"] = checkpoint_problem
        _emit_json(data)
        return
    if report.ok:
        typer.echo(f"ok：已核验 {report.events_checked} 个事件、{report.aggregates_checked} 条记录的哈希链，未发现篡改。")
    else:
        b = report.first_break
        typer.echo(
            f"发现断链：记录 {b.originator_id} 第 {b.originator_version} 版（日志位置 {b.position}）。原因：{b.reason}",
            err=True,
        )
    if logged.ok:
        typer.echo(f"ok：审计日志 {logged.leaves_checked} 项与事件库一致" + (f"，另有 {logged.not_yet_logged} 个新事件尚未纳入" if logged.not_yet_logged else "") + "。")
    else:
        typer.echo(f"审计日志不一致：日志位置 {logged.first_bad_position}。原因：{logged.reason}", err=True)
    if checkpoint_problem:
        typer.echo(f"签名检查点不符：{checkpoint_problem}", err=True)


@audit_app.command("verify")
def audit_verify(format: str = FORMAT) -> None:  # noqa: A002
    """核验每条记录的哈希链、审计日志（Merkle 树）与最新签名检查点，报告第一个问题。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        chains = s.audit.verify()
        logged = verify_log(merkle, s.audit.stored_records())
        checkpoint_problem = _check_latest_checkpoint(merkle, settings)
    _print_report(chains, format, logged, checkpoint_problem)
    if not chains.ok:
        log.error("hash chain broken at %s v%s", chains.first_break.originator_id, chains.first_break.originator_version)
    if not logged.ok:
        log.error("audit log mismatch: %s", logged.reason)
    if checkpoint_problem:
        log.error("checkpoint: %s", checkpoint_problem)
    if not chains.ok or not logged.ok or checkpoint_problem:
        raise typer.Exit(1)


def _check_latest_checkpoint(merkle: MerkleLog, settings: Settings) -> str:
    latest = merkle.latest_checkpoint()
    if latest is None:
        return ""
    notary = Notary.from_settings(settings)
    name, key = parse_verifier_key(notary.verifier_key)
    try:
        checkpoint = open_checkpoint(latest[1], name, key)
    except CheckpointError as error:
        return str(error)
    if checkpoint.size > merkle.size():
        return f"the log holds {merkle.size()} entries, fewer than the {checkpoint.size} its checkpoint signed"
    if merkle.root(checkpoint.size) != checkpoint.root:
        return f"the tree's root at size {checkpoint.size} differs from the signed checkpoint's"
    return ""


def _synced(s: Services, merkle: MerkleLog, settings: Settings) -> None:
    bring_log_up_to_date(s, merkle, settings, policy=None)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """把新事件纳入审计日志，必要时签发新的检查点，并输出最新的签名检查点。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        _synced(s, merkle, settings)
        latest = merkle.latest_checkpoint()
    if latest is None:
        typer.echo("台账中还没有事件，无检查点。", err=True)
        raise typer.Exit(1)
    typer.echo(latest[1], nl=False)


@audit_app.command("public-key")
def audit_public_key() -> None:
    """输出检查点签名公钥（verifier key 格式），供核验方离线使用。"""
    typer.echo(Notary.from_settings(Settings.from_env()).verifier_key)


@audit_app.command("keygen")
def audit_keygen(path: Path = typer.Argument(..., help="新私钥文件（PEM）路径，须尚不存在")) -> None:
    """生成 Ed25519 检查点签名私钥，权限仅限所有者；用 ZWGK_SIGNING_KEY_FILE 指向它。"""
    if path.exists():
        typer.echo(f"{path} 已存在，不覆盖。", err=True)
        raise typer.Exit(1)
    write_new_key(path)
    typer.echo(f"已生成 {path}")


@audit_app.command("prove")
def audit_prove(
    event_id: str = typer.Argument(..., help="事件编号 event_id"),
    checkpoint_file: Path | None = typer.Option(None, "--checkpoint", exists=True, help="按此检查点的树大小出具证明"),
    event_out: Path | None = typer.Option(None, "--event-out", help="把事件的规范字节写入此文件，供离线核验"),
) -> None:
    """输出某事件在审计日志中的包含证明（JSON）。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        _synced(s, merkle, settings)
        leaf = merkle.leaf(event_id)
        if leaf is None:
            typer.echo(f"审计日志中没有事件 {event_id}。", err=True)
            raise typer.Exit(1)
        note = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else merkle.latest_checkpoint()[1]
        size = read_unverified(note).size
        if leaf.index >= size:
            typer.echo(f"该事件晚于检查点（树大小 {size}），请用更新的检查点。", err=True)
            raise typer.Exit(1)
        proof = {
            "format": INCLUSION,
            "event_id": leaf.event_id,
            "notification_id": leaf.notification_id,
            "leaf_index": leaf.index,
            "tree_size": size,
            "hashes": [h.hex() for h in merkle.inclusion_proof(leaf.index, size)],
        }
        if event_out:
            event_out.write_bytes(entry_of(s.audit.stored_record(leaf.notification_id)))
    typer.echo(json.dumps(proof, indent=2))


def _verifier(public_key: Path) -> tuple[str, Any]:
    try:
        return parse_verifier_key(public_key.read_text(encoding="utf-8"))
    except CheckpointError as error:
        typer.echo(f"公钥无效：{error}", err=True)
        raise typer.Exit(2) from None


def _proof_failed(error: Exception) -> NoReturn:
    """For the inspector in Chinese, with the technical reason as the log has it."""
    log.warning("proof check failed: %s", error)
    typer.echo(f"核验失败（{error}）", err=True)
    raise typer.Exit(1)


@audit_app.command("verify-proof")
def audit_verify_proof(
    event: Path = typer.Option(..., "--event", exists=True, help="事件的规范字节（prove --event-out 所写）"),
    proof: Path = typer.Option(..., "--proof", exists=True, help="包含证明 JSON"),
    checkpoint: Path = typer.Option(..., "--checkpoint", exists=True, help="签名检查点"),
    public_key: Path = typer.Option(..., "--public-key", exists=True, help="verifier key 文件"),
) -> None:
    """离线核验：不连数据库，证明该事件在签名检查点所承诺的日志中。"""
    name, key = _verifier(public_key)
    try:
        signed = check_inclusion(
            event.read_bytes(), json.loads(proof.read_text(encoding="utf-8")),
            checkpoint.read_text(encoding="utf-8"), name, key,
        )
    except (ProofError, ValueError) as error:
        _proof_failed(error)
    typer.echo(f"ok：该事件是日志 {signed.origin} 的第 {json.loads(proof.read_text())['leaf_index']} 项，"
               f"包含于签名有效、树大小为 {signed.size} 的检查点。")


@audit_app.command("verify-consistency")
def audit_verify_consistency(
    old: Path = typer.Argument(..., exists=True, help="较早的签名检查点（外部保存的副本）"),
    new: Path = typer.Argument(..., exists=True, help="较新的签名检查点"),
    public_key: Path | None = typer.Option(None, "--public-key", exists=True, help="verifier key 文件；缺省用本台账的公钥"),
) -> None:
    """证明较新的检查点只是在较早的基础上追加：历史未被改写。"""
    settings = Settings.from_env()
    name, key = _verifier(public_key) if public_key else parse_verifier_key(Notary.from_settings(settings).verifier_key)
    old_note, new_note = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
    try:
        old_size, new_size = read_unverified(old_note).size, read_unverified(new_note).size
    except CheckpointError as error:
        _proof_failed(error)
    with audit_log(settings) as merkle:
        if not 0 < old_size <= new_size <= merkle.size():
            _proof_failed(ProofError(f"this ledger's log ({merkle.size()} entries) cannot prove sizes {old_size} → {new_size}"))
        proof = {"format": CONSISTENCY, "old_size": old_size, "new_size": new_size,
                 "hashes": [h.hex() for h in merkle.consistency_proof(old_size, new_size)]}
    try:
        check_consistency(old_note, new_note, proof, name, key)
    except ProofError as error:
        _proof_failed(error)
    typer.echo(f"ok：日志从 {old_size} 项增长到 {new_size} 项，此前的内容未被改写。")


@calendar_app.command("load")
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
    with services() as s:
        results = list(_run([(1, envelope)], s, True))
    result = results[0]
    if not result["ok"]:
        typer.echo(f"{result['code']}：{result['message']}", err=True)
        raise typer.Exit(1)
    recomputed = len(result.get("outcomes", [])) - 1 if "outcomes" in result else 0
    typer.echo(f"已载入 {document['year']} 年官方日历；重算临时期限 {max(recomputed, 0)} 项。")


@catalogue_app.command("unfiled")
def catalogue_unfiled(format: str = FORMAT) -> None:  # noqa: A002
    """列出已调整但尚未备案的公开事项（C4）。"""
    with services() as s:
        items = s.catalogue.unfiled()
    rows = [
        {"item_id": str(i.id), "unit": i.responsible_unit, "matter": i.elements["matter"], "unfiled_adjustments": i.unfiled}
        for i in items
    ]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("公开主体", "公开事项", "未备案的调整（版本）")
    for r in rows:
        table.add_row(r["unit"], r["matter"], ", ".join(map(str, r["unfiled_adjustments"])))
    console.print(table)


def _late(acts: list[DisclosureAct]) -> list[tuple[DisclosureAct, Any]]:
    return [
        (act, act.deadline)
        for act in acts
        if act.deadline and act.publications and not act.deadline.met_by(min(act.publications.values()))
    ]


@app.command("demo")
def run_demo() -> None:
    """在内嵌 SQLite 上运行演示场景：五份政务公开制度文件从起草到公开，以及依申请公开、公众参与、告示与监督。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        before = s.audit.recorder.max_notification_id() or 0
        sections = [(s.audit.exists(marker), steps) for marker, steps in demo_scenario.sections()]
        recorded = all(done for done, _ in sections)
        keeper = s.archivist()
        todo, results = [], []
        for n, (done, steps) in enumerate(sections):
            run = [step for step in steps if step.refused_with or not done]
            results += _run(((len(todo) + i, step.envelope) for i, step in enumerate(run, start=1)), s, False)
            todo += run
            if n == 0:  # the seed documents' originals, archived on their publication day (D8)
                demo_scenario.archive_originals(keeper)
        demo_scenario.archive_hearing_record(keeper)
        archive_report = four_properties.check(keeper)
        with views(settings, s) as runner:
            catch_up(s, runner)  # views, and the E4 policy's case
            demo_scenario.publish_annual_report(s, runner)
            catch_up(s, runner)
            with runner.store.transaction() as tx:
                complaints_seen = complaint_rows(tx, s.complaints.keys, Actor("demo", "inspector", "demo"))
                cases = [e for e in timeline(tx, unit="达州市人民政府办公室") + timeline(tx, unit="资阳市人民政府办公室")
                         if e["event_type"] == "AccountabilityCase.Opened"]
                assessed = indicators(tx, 2022)
                requests_2022 = annual_table(tx, "资阳市雁江区人民政府办公室", 2022)
                today = cst_date(datetime.now(CST))
                demo_deadlines = deadline_rows(tx, s.calendar.calendar(), today)
                late_replies = [d for d in demo_deadlines if d["rule"] == "A1"]
                engaged = participation_rows(tx)
                counted = (yearly_counts(tx, 2020, today, "资阳市人民政府办公室")
                           + yearly_counts(tx, 2022, today, "资阳市雁江区人民政府办公室"))
                breaches = Counter(v["rule"] for v in violations(tx, s.calendar.calendar(), today))
        after = s.audit.recorder.max_notification_id() or 0
        bring_log_up_to_date(s, merkle, settings)
        items = list(s.catalogue.items())
        acts = list(s.disclosure.acts())
        subjects = Counter(h.kind for h in s.privacy.personal_data())
        report = s.audit.verify()
        logged = verify_log(merkle, s.audit.stored_records())
        checkpoint = read_unverified(merkle.latest_checkpoint()[1])
    refused = [r for r in results if not r["ok"] and r["code"] not in demo_scenario.ALREADY_RECORDED]
    published = [a for a in acts if a.publications]
    late = _late(acts)
    channels = Counter(ch for a in published for ch in a.publications)

    typer.echo("zwgk 演示：五份政务公开制度文件的公开全过程，以及依申请公开、公众参与、告示与监督")
    typer.echo(f"  本次新记录事件 {after - before} 个" + ("（场景此前已记录，未重复记录）" if recorded else ""))
    typer.echo(f"  公开事项清单：{len(items)} 项，其中调整后未备案 {sum(1 for i in items if i.unfiled)} 项（C4）")
    typer.echo(
        f"  公开行为：{len(acts)} 件，已公开 {len(published)} 件（按时 {len(published) - len(late)} 件，逾期 {len(late)} 件），"
        f"未公开 {len(acts) - len(published)} 件（其中不予公开 {sum(1 for a in acts if a.attribute == Attribute.WITHHELD)} 件），"
        f"已存档原件 {sum(1 for a in acts if a.original)} 件"
    )
    typer.echo("  公开渠道：" + "，".join(f"{CHANNELS_ZH[Channel(k)]} {v} 次" for k, v in sorted(channels.items())))
    for act, deadline in late:
        published_on = cst_date(min(act.publications.values()))
        typer.echo(
            f"  逾期公开：{act.doc_number or act.title}《{act.title}》于 {deadline.start} 签发，"
            f"应于 {deadline.due} 前公开（{deadline.rule}，{deadline.working_days} 个工作日），实际 {published_on} 公开"
        )
    passed = {p: sum(o.passed(p) for o in archive_report.originals) for p in four_properties.PROPERTIES}
    typer.echo(
        f"  档案四性检测（本地存档 var/archive/）：{len(archive_report.originals)} 件，"
        + "，".join(f"{zh}通过 {passed[p]} 件" for p, zh in four_properties.PROPERTIES.items())
        + ("" if archive_report.ok else "；存在问题，见 zwgk archive check")
    )
    typer.echo(f"  投诉：{len(complaints_seen)} 件，处理情况已公开 {sum(c['status'] == 'published' for c in complaints_seen)} 件；"
               f"投诉人身份加密存储，非投诉受理机构查阅显示“{complaints_seen[0]['complainant_name'] if complaints_seen else ''}”（Q3）")
    typer.echo(f"  个人信息：{sum(subjects.values())} 个数据主体各用自己的密钥加密（"
               + "、".join(f"{SUBJECT_KINDS_ZH[kind]} {n}" for kind, n in sorted(subjects.items()))
               + "），见 zwgk privacy subjects；可按法定事由删除（zwgk privacy forget）")
    typer.echo(f"  责任追究：{len(cases)} 件，其中考核整改后仍不合格自动立案 {sum(c['actor_role'] == 'system' for c in cases)} 件（E4）")
    typer.echo(f"  考核：2022 年度 2 个单位评定等次（优秀、不合格各 1）；事件所示的考核指标（按时公开率、备案率、存档率）"
               f"涉及 {len(assessed)} 个单位，见 zwgk assessment show --year 2022")
    rows = {r["line"]: r["total"] for r in requests_2022["rows"]}
    typer.echo(f"  依申请公开（雁江区 2022）：收到 {rows['1']} 件，办结 {rows['3.7']} 件（予以公开 {rows['3.1']}、部分公开 {rows['3.2']}），"
               f"按时答复 {sum(d['status'] == 'met' for d in late_replies)} 件、逾期 {sum(d['status'] == 'breached' for d in late_replies)} 件；"
               f"年报申请情况表校验 一+二=三+四 {'成立' if requests_2022['check_holds'] else '不成立'}（zwgk report annual）")
    d9 = Counter(d["status"] if not d["overdue"] or d["status"] != "open" else "overdue" for d in demo_deadlines if d["rule"] == "D9")
    typer.echo(f"  政策解读（D9）：按时 {d9['met']} 件、逾期 {d9['breached']} 件、逾期未解读 {d9['overdue']} 件")
    for process in ("announcement", "decision", "hearing", "meeting", "open_day"):
        own = [r for r in engaged if r["process"] == process]
        flags = sorted({f for r in own for f in r["flags"]})
        typer.echo(f"  {PROCESSES_ZH[process]}：{len(own)} 项" + (f"；问题：{'，'.join(flags)}" if flags else "；无问题"))
    for row in counted:
        typer.echo(f"  {row['unit']} {row['year']} 年：{_yearly_counts_zh(row)}")
    typer.echo(f"  违规情况：{sum(breaches.values())} 项（" + "，".join(f"{r} {n}" for r, n in sorted(breaches.items()))
               + "），见 zwgk audit violations")
    typer.echo(f"  被规则拒绝的命令：{len(refused)} 条（均未记录事件）")
    for r in refused:
        typer.echo(f"    - {r['code']}（{r['rule']}）：{r['message']}")
    unexpected = [r for r, step in zip(results, todo) if not r["ok"] and r["code"] != step.refused_with
                  and r["code"] not in demo_scenario.ALREADY_RECORDED]
    if report.ok and logged.ok:
        typer.echo(
            f"  审计核验：ok，{report.events_checked} 个事件、{report.aggregates_checked} 条记录的哈希链完整；"
            f"审计日志 {logged.leaves_checked} 项与事件库一致"
        )
    else:
        typer.echo(f"  审计核验：失败，{report.first_break or logged.reason}")
    typer.echo(f"  签名检查点：树大小 {checkpoint.size}，根 {checkpoint.root.hex()[:16]}…（zwgk audit checkpoint 查看全文）")
    if unexpected or not report.ok or not logged.ok or not archive_report.ok:
        raise typer.Exit(1)


@app.command("relay")
def run_relay(
    once: bool = typer.Option(False, "--once", help="转发现有事件后退出"),
    batch: int = typer.Option(500, "--batch", help="每批事件数"),
) -> None:
    """按通知日志顺序把每个事件发布到 Kafka（事务性发件箱，崩溃后从断点继续，不重不漏）。"""
    settings = Settings.from_env()
    logging.getLogger("zwgk").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with services(settings) as s, relay(settings, s, batch) as r, audit_log(settings) as merkle:
        log.info("relay starting at position %d", r.position())
        try:
            r.run(stop, once=once, checkpoints=(merkle, settings.log_origin),
                  on_batch=lambda n: log.info("relayed %d events, position %d", n, r.position()))
        except KeyboardInterrupt:
            stop.set()
        typer.echo(f"已转发至日志位置 {r.position()}。")


@kafka_app.command("init-topics")
def kafka_init_topics(
    partitions: int = typer.Option(3, "--partitions", help="每个事件主题的分区数"),
    replication: int = typer.Option(1, "--replication", help="副本数"),
) -> None:
    """创建全部 zwgk 主题（永久保留）；已存在的不变。"""
    settings = Settings.from_env()
    created = init_topics(kafka_bootstrap(settings), partitions, replication)
    for topic in topics():
        typer.echo(f"{topic}\t{'新建' if topic in created else '已存在'}")


@kafka_app.command("schemas")
def kafka_schemas(write: bool = typer.Option(False, "--write", help="按事件类重新生成 .avsc 文件")) -> None:
    """列出（或重新生成）事件的 Avro 模式文件。"""
    if write:
        for path in write_schema_files():
            typer.echo(str(path))
        return
    for name in sorted(schema_files()):
        typer.echo(name)


@kafka_app.command("asyncapi")
def kafka_asyncapi() -> None:
    """输出描述全部主题、键、消息头与模式的 AsyncAPI 3 文档（JSON）。"""
    typer.echo(json.dumps(asyncapi_document(), ensure_ascii=False, indent=2))


@events_app.command("tail")
def events_tail(
    topic: list[str] = typer.Option(..., "--topic", help="主题，可多次给出"),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="从头读取"),
    format: str = FORMAT,  # noqa: A002
    max_messages: int = typer.Option(0, "--max-messages", help="读满即停；0 为不限"),
    idle_timeout: float = typer.Option(0, "--idle-timeout", help="空闲多少秒后停止；0 为一直等待"),
) -> None:
    """读取并解码主题上的事件，每行一个。"""
    settings = Settings.from_env()
    stream = EventStream(kafka_bootstrap(settings), topic, from_beginning=from_beginning, codec=avro_codec(settings),
                         idle_timeout_ms=int(idle_timeout * 1000) if idle_timeout else None)
    try:
        for count, event in enumerate(stream, start=1):
            if format == "json":
                _emit_json(event.as_json())
            else:
                typer.echo(f"{event.topic}[{event.partition}]@{event.offset} {event.type} {event.aggregate_id} {event.event_id}")
            if max_messages and count >= max_messages:
                break
    finally:
        stream.close()


@contextmanager
def fresh_views(at_least: int = 0) -> Iterator[tuple[Services, ProjectionRunner]]:
    """Views at least as fresh as the caller's last write (read-your-writes), for a query."""
    settings = Settings.from_env()
    with services(settings) as s, views(settings, s) as runner:
        catch_up(s, runner)
        if at_least:
            runner.wait_for(at_least, lambda: catch_up(s, runner))
        yield s, runner


AT_LEAST = typer.Option(0, "--at-least", help="只在视图已处理到此通知编号后读取（读己之写）")


@projections_app.command("run")
def projections_run(
    from_kafka: bool = typer.Option(False, "--from-kafka", help="从 Kafka 内部主题读取事件，而非事件库"),
    once: bool = typer.Option(False, "--once", help="处理现有事件后退出"),
) -> None:
    """持续（或一次）把新事件折叠进全部视图；位置与视图行在同一事务中保存。PostgreSQL 上由事件库推送新事件（LISTEN/NOTIFY），SQLite 上轮询。"""
    settings = Settings.from_env()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with services(settings) as s, views(settings, s) as runner:
        if from_kafka:
            internal = [t for t in topics() if ".internal." in t]
            for batch in projection_batches(kafka_bootstrap(settings), internal, runner.kafka_offsets(),
                                            avro_codec(settings), idle_polls=2 if once else None):
                runner.fold_from_kafka(batch)
                if stop.is_set():
                    break
        elif once:
            catch_up(s, runner)
        else:
            logging.getLogger("zwgk").setLevel(logging.INFO)
            follow(s, runner, settings, stop)
        typer.echo("视图位置：" + "，".join(f"{k} {v}" for k, v in runner.positions().items()))


@projections_app.command("rebuild")
def projections_rebuild(name: list[str] = typer.Argument(None, help="视图名；缺省为全部")) -> None:
    """清空视图并从第 0 个事件重建。"""
    settings = Settings.from_env()
    with services(settings) as s, views(settings) as everything:
        runner = ProjectionRunner(everything.store, [everything.view(n) for n in name] if name else None)
        runner.clear()
        total = s.audit.recorder.max_notification_id() or 0
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("重建视图", total=total)
            catch_up(s, runner, progress=lambda n: progress.advance(task, n))
        typer.echo(f"已重建 {', '.join(v.name for v in runner.views)}，处理 {total} 个事件。")


@projections_app.command("status")
def projections_status(format: str = FORMAT) -> None:  # noqa: A002
    """各视图的位置与滞后（事件数）。"""
    settings = Settings.from_env()
    with services(settings) as s, views(settings, s) as runner:
        head = s.audit.recorder.max_notification_id() or 0
        rows = [{"view": k, "position": v, "lag": head - v} for k, v in runner.positions().items()]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("视图", "位置", "滞后")
    for r in rows:
        table.add_row(r["view"], str(r["position"]), str(r["lag"]))
    console.print(table)


@projections_app.command("export")
def projections_export(
    name: str = typer.Argument(..., help=" | ".join(v.name for v in all_views())),
    output: Path = typer.Option(..., "-o", "--output"),
    at_least: int = AT_LEAST,
) -> None:
    """把视图导出为确定性的 JSON（排序、稳定格式）。"""
    with fresh_views(at_least) as (s, runner):
        output.write_bytes(runner.export(name))
    typer.echo(f"已导出 {name} → {output}")


@catalogue_app.command("list")
def catalogue_list(
    unit: str = typer.Option("", "--unit"),
    as_of: datetime | None = typer.Option(None, "--as-of", help="某一时刻（如 2022-01-14T00:00+08:00）的清单"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """公开事项清单：当前或任一过去时刻，含调整历史与备案状态（C4）。"""
    with fresh_views(at_least) as (s, runner):
        with runner.store.transaction() as tx:
            items = catalogue_as_of(tx, _aware(as_of), unit)
    if format == "json":
        _emit_json(items)
        return
    table = Table("公开主体", "公开事项", "公开渠道", "更新时限", "调整次数", "未备案")
    for item in items:
        e = item["elements"]
        unfiled = [h for h in item["history"] if h["filed_at"] is None]
        table.add_row(e["responsible_unit"], e["matter"], "、".join(e["channels"]), e["update_limit"],
                      str(len(item["history"])), str(len(unfiled)) if unfiled else "")
    console.print(table)


def _aware(instant: datetime | None) -> datetime | None:
    """An instant given without a zone is China Standard Time."""
    if instant is not None and instant.tzinfo is None:
        return instant.replace(tzinfo=CST)
    return instant


DEADLINE_STATUS_ZH = {("open", False): "未到期", ("open", True): "逾期未完成", ("met", False): "按时完成",
                      ("breached", True): "逾期完成"}


@app.command("deadlines")
def list_deadlines(
    overdue: bool = typer.Option(False, "--overdue", help="只列逾期的"),
    unit: str = typer.Option("", "--unit"),
    rule: str = typer.Option("", "--rule", help="只列某条规则的期限，如 N2"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """全部期限（D3、D9、D11、A1–A5、M1、P4、N2、E4）：到期日（N2 按小时计，到期时刻）、是否临时、剩余工作日或小时、是否逾期。"""
    with fresh_views(at_least) as (s, runner):
        calendar = s.calendar.calendar()
        with runner.store.transaction() as tx:
            now = datetime.now(CST)
            rows = [r for r in deadline_rows(tx, calendar, cst_date(now), unit, overdue, now) if not rule or r["rule"] == rule]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("规则", "单位", "事项", "起算", "到期", "状态", "剩余", "临时")
    for r in rows:
        left = (f"{r['working_days_left']} 个工作日" if r["working_days_left"] is not None
                else f"{r['hours_left']} 小时" if r["hours_left"] is not None else "")
        table.add_row(r["rule"], r["unit"], r["subject"][:30], r["start"], r["due"], DEADLINE_STATUS_ZH[(r["status"], r["overdue"])],
                      left, "是" if r["provisional"] else "")
    console.print(table)


PROCESSES_ZH = {"hearing": "听证", "decision": "重大行政决策预公开", "meeting": "列席会议", "open_day": "政务开放日",
                "announcement": "告示"}
STATUS_ZH = {"Noticed": "已公告", "RolesAssigned": "已确定人员", "Held": "已举行", "RecordArchived": "笔录已归档",
             "MinutesIssued": "纪要已印发", "OutcomePublished": "结果已公开", "Proposed": "已立项", "SecrecyReviewed": "已保密审查",
             "CollectivelyDiscussed": "已集体讨论", "PreDisclosed": "征求意见中", "CommentReceived": "征求意见中",
             "CommentsAbsorbed": "已汇总吸纳", "AdoptionReportPublished": "采纳情况已公开", "Invited": "已邀请",
             "FeedbackPublished": "反馈已公开", "Planned": "已计划", "ParticipantAdmitted": "招募中", "ParticipantsAnnounced": "已公示",
             "Posted": "公示中", "Updated": "公示中", "TakenDown": "已撤下"}


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
    if process and process not in PARTICIPATION_PROCESSES.values():
        typer.echo(f"未知类别：{process}（可选：{'、'.join(PARTICIPATION_PROCESSES.values())}）", err=True)
        raise typer.Exit(2)
    with fresh_views(at_least) as (s, runner):
        with runner.store.transaction() as tx:
            rows = [r for r in participation_rows(tx, unit, year, process) if r["flags"] or not flagged]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("类别", "单位", "事项", "日期", "进度", "问题")
    for r in rows:
        table.add_row(PROCESSES_ZH[r["process"]], r["unit"], r["title"], r["day"], STATUS_ZH.get(r["status"], r["status"]),
                      "；".join(r["flags"]))
    console.print(table)


@participation_app.command("counts")
def participation_counts(
    year: int = typer.Option(..., "--year"),
    unit: str = typer.Option("", "--unit"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """年度次数：列席全体会议、常务会议（M2，每年不少于 3 次），政务开放日（O1，每半年至少 1 次）。"""
    with fresh_views(at_least) as (s, runner):
        with runner.store.transaction() as tx:
            rows = yearly_counts(tx, year, cst_date(datetime.now(CST)), unit)
    if format == "json":
        _emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['unit']} {r['year']} 年：{_yearly_counts_zh(r)}")


def _yearly_counts_zh(row: dict[str, Any]) -> str:
    parts = []
    if row["meetings_with_representatives"] is not None:
        parts.append(f"邀请列席全体会议、常务会议 {row['meetings_with_representatives']} 次")
    if row["open_days_first_half"] is not None:
        parts.append(f"政务开放日 上半年 {row['open_days_first_half']} 次、下半年 {row['open_days_second_half']} 次")
    return "，".join(parts) + (f"；问题：{'，'.join(row['flags'])}" if row["flags"] else "")


@audit_app.command("violations")
def audit_violations(
    unit: str = typer.Option("", "--unit"),
    year: int | None = typer.Option(None, "--year"),
    rule: str = typer.Option("", "--rule", help="只列某条规则，如 D3"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """违规情况：事件记录的违规、逾期未完成的期限、规则要求而缺失的（C4 备案、D8 存档、H4/H5、Q4、M2、O1）。"""
    with fresh_views(at_least) as (s, runner):
        with runner.store.transaction() as tx:
            now = datetime.now(CST)
            rows = violations(tx, s.calendar.calendar(), cst_date(now), unit, year, rule, now)
    if format == "json":
        _emit_json(rows)
        return
    kinds = {"breached": "违规", "overdue": "逾期未办", "missing": "缺失"}
    table = Table("日期", "规则", "类别", "单位", "事项", "情况", title=f"违规情况（{len(rows)} 项）")
    for r in rows:
        table.add_row(r["on"], r["rule"], kinds[r["kind"]], r["unit"], r["subject"], r["detail"])
    console.print(table)


@audit_app.command("timeline")
def audit_timeline(
    aggregate: str = typer.Option("", "--aggregate"),
    unit: str = typer.Option("", "--unit"),
    actor: str = typer.Option("", "--actor"),
    start: datetime | None = typer.Option(None, "--from"),
    end: datetime | None = typer.Option(None, "--to"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """审计时间线：某记录、单位或人员在两时刻间的全部事件，按时间排序。"""
    if not (aggregate or unit or actor):
        typer.echo("请给出 --aggregate、--unit 或 --actor。", err=True)
        raise typer.Exit(2)
    with fresh_views(at_least) as (s, runner):
        with runner.store.transaction() as tx:
            rows = timeline(tx, aggregate=aggregate, unit=unit, actor=actor, start=_aware(start), end=_aware(end))
    if format == "json":
        _emit_json(rows)
        return
    table = Table("业务时间（北京时间）", "记录时间（北京时间）", "事件", "记录", "人员", "角色", "单位", "规则")
    for r in rows:
        outcomes = json.loads(r["rule_outcomes"])
        table.add_row(_beijing_time(r["occurred_at"]), _beijing_time(r["recorded_at"]), r["event_type"], r["aggregate_id"][:8],
                      r["actor_id"], ROLE_NAMES_ZH.get(r["actor_role"], r["actor_role"]), r["actor_unit"],
                      "、".join(f"{rule} {RULE_OUTCOMES_ZH.get(outcome, outcome)}" for rule, outcome in sorted(outcomes.items())))
    console.print(table)


def _beijing_time(stored: str) -> str:
    """An instant as the views store it (UTC), as people in China read it."""
    return from_ts(stored).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


@audit_app.command("replay")
def audit_replay(
    aggregate_id: UUID = typer.Argument(..., help="记录编号"),
    as_of: datetime = typer.Option(..., "--as-of", help="业务时间"),
) -> None:
    """输出某记录在某一时刻（业务时间）的状态。"""
    settings = Settings.from_env()
    with services(settings) as s, views(settings, s) as runner:
        catch_up(s, runner)
        with runner.store.transaction() as tx:
            version = version_as_of(tx, str(aggregate_id), _aware(as_of))
        if version is None:
            known = s.audit.exists(aggregate_id)
            typer.echo(f"该记录在 {as_of.isoformat()} 时尚不存在（它最早的事件晚于该时刻）。" if known else f"未找到记录 {aggregate_id}。",
                       err=True)
            raise typer.Exit(1)
        record = s.audit.repository.get(aggregate_id, version=version)
    state = {k.lstrip("_"): v for k, v in vars(record).items() if k != "_pending_events"}
    typer.echo(json.dumps({"type": type(record).__name__, **state}, ensure_ascii=False, indent=2, sort_keys=True, default=str))


RULE_OUTCOMES_ZH = {"met": "按时", "breached": "逾期", "missed": "未达到"}


@app.command("register")
def disclosure_register(
    unit: str = typer.Option("", "--unit"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """公开登记簿：每件公开行为的属性、审查签字、预审、签发、发布渠道与时间、存档。"""
    with fresh_views(at_least) as (s, runner):
        rows = [r for r in json.loads(runner.export("register"))["disclosure_register"] if not unit or r["unit"] == unit]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("单位", "文号", "题名", "属性", "审查签字", "预审", "签发", "发布", "D3", "存档")
    for r in rows:
        signatures = json.loads(r["signatures"])
        table.add_row(r["unit"], r["doc_number"], r["title"][:20], ATTRIBUTES_ZH[Attribute(r["attribute"])], f"{len(signatures)}/3",
                      DECISIONS_ZH[Decision(r["pre_review"])] if r["pre_review"] else "",
                      cst_day(r["signed_off_at"]) if r["signed_off_at"] else "", cst_day(r["published_at"]) if r["published_at"] else "",
                      RULE_OUTCOMES_ZH.get(r["d3_outcome"], r["d3_outcome"] or ""),
                      "是" if r["original_sha256"] else "")
    console.print(table)


report_app = typer.Typer(help="年度报告。", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("annual")
def report_annual(
    unit: str = typer.Option(..., "--unit"),
    year: int = typer.Option(..., "--year"),
    format: str = typer.Option("table", "--format", help="table | json | csv"),  # noqa: A002
    publish: str = typer.Option("", "--publish", help="公开年度报告并记录：公开渠道，如 website（A6，次年 1 月 31 日前）"),
    actor_id: str = typer.Option("", "--actor", help="公开人编号（与 --publish 同用）"),
) -> None:
    """政府信息公开年度报告的申请情况表（国办公开办函〔2021〕30号格式），含 一+二=三+四 的校验（A6）；--publish 记录其公开。"""
    if publish and not actor_id:
        typer.echo("公开年度报告须给出 --actor。", err=True)
        raise typer.Exit(2)
    with fresh_views(0) as (s, runner):
        with runner.store.transaction() as tx:
            report = annual_table(tx, unit, year)
        if publish:
            outcome = s.requests.publish_annual_report(Actor(actor_id, "officer", unit), None, year=year, channel=publish,
                                                       table=as_published(report))
            typer.echo(f"已公开 {unit} {year} 年度报告（记录位置 {outcome.notification_id}）", err=True)
    columns = [*REQUEST_COLUMNS, "total"]
    if format == "json":
        _emit_json(report)
    elif format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["行", "项目", *(REQUEST_COLUMNS_ZH[c] for c in columns)])
        for row in report["rows"]:
            writer.writerow([row["line"], row["label"], *(row[c] for c in columns)])
    else:
        table = Table("项目", *(REQUEST_COLUMNS_ZH[c] for c in columns), title=f"{unit} {year} 年收到和处理政府信息公开申请情况")
        for row in report["rows"]:
            table.add_row(row["label"], *(str(row[c]) for c in columns))
        console.print(table)
        typer.echo("校验：一 + 二 = 三（七）+ 四 " + ("成立" if report["check_holds"] else "不成立"))
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
    with fresh_views(0) as (s, runner):
        with runner.store.transaction() as tx:
            found = indicators(tx, year, quarterly, unit)
        assessments = {(i.unit, i.period): s.assessment.find(i.unit, i.period) for i in found}
        rows = ranking(found, {key: a.total for key, a in assessments.items() if a and a.total is not None})
        for row in rows:
            assessed = assessments[(row["unit"], row["period"])]
            row["score"] = str(assessed.total) if assessed and assessed.total is not None else None
            row["grade"] = assessed.grade.value if assessed and assessed.grade else None
            row["award_eligible"] = assessed.award_eligible if assessed else None
    if format == "json":
        _emit_json(rows)
        return
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    table = Table("期间", "名次", "单位", "公开", "按时公开率", "调整", "备案率", "存档率", "解读及时率", "答复及时率",
                  "听证完备率", "投诉公开率", "追责", "得分", "等次", title=f"{year} 年考核")
    for r in rows:
        table.add_row(r["period"], str(r["rank"]), r["unit"], str(r["published"]), pct(r["on_time_rate"]),
                      str(r["adjustments"]), pct(r["filing_rate"]), pct(r["archiving_rate"]), pct(r["interpretation_rate"]),
                      pct(r["reply_rate"]), pct(r["hearing_completion_rate"]), pct(r["complaint_publication_rate"]),
                      str(r["accountability_cases"]), r["score"] or "—", GRADES_ZH[Grade(r["grade"])] if r["grade"] else "—")
    console.print(table)


ARCHIVIST = typer.Option(..., "--archivist", help="档案员编号")
ARCHIVIST_UNIT = typer.Option(..., "--archivist-unit", help="档案员所属单位")


def _original_row(o: ArchivedOriginal) -> dict[str, Any]:
    return {**metadata_of(o), "legal_hold": o.legal_hold, "last_fixity": o.last_fixity.value if o.last_fixity else None}


privacy_app = typer.Typer(help="个人信息（Q3）：按数据主体加密与删除。", no_args_is_help=True)
complaints_app = typer.Typer(help="投诉（Q1–Q4）。", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
app.add_typer(complaints_app, name="complaints")


@privacy_app.command("forget")
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
    with services() as s:
        (result,) = _run([(1, envelope)], s, True)
    if not result["ok"]:
        typer.echo(f"{result['code']}：{result['message']}", err=True)
        raise typer.Exit(1)
    typer.echo(f"已删除数据主体 {subject} 的密钥；其个人信息已不可读（删除记录：通知序号 {result['notification_id']}）。")


@privacy_app.command("erasures")
def privacy_erasures(format: str = FORMAT) -> None:  # noqa: A002
    """已删除个人信息的数据主体：谁、何时、依何法定事由删除。"""
    with services() as s:
        rows = [
            {"subject_id": e.subject_id, "key_id": e.key_id, "basis": e.basis, "note": e.note, "actor": e.actor.id,
             "unit": e.actor.unit, "occurred_at": e.occurred_at.isoformat(), "recorded_at": e.recorded_at.isoformat(),
             "records": [str(r) for r in e.records]}
            for e in s.privacy.erasures()
        ]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("数据主体", "法定事由", "说明", "操作人", "单位", "删除时间")
    for r in rows:
        table.add_row(r["subject_id"], ERASURE_BASIS_ZH[ErasureBasis(r["basis"])], r["note"], r["actor"], r["unit"], r["occurred_at"])
    console.print(table)


@privacy_app.command("subjects")
def privacy_subjects(
    kind: str = typer.Option("", "--kind", help="数据主体类别：" + "、".join(k.value for k in SubjectKind)),
    record: str = typer.Option("", "--record", help="只列出个人信息在此记录（投诉、申请、听证会…编号）中的数据主体"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """个人信息清单：每个数据主体的个人信息在哪些记录的哪些字段中，是否已删除（只列编号，不含个人信息本身）。"""
    with services() as s:
        held = s.privacy.personal_data()
    rows = [
        {"subject_id": h.subject_id, "kind": h.kind, "readable": h.readable,
         "places": [{"record_type": p.record_type, "record_id": str(p.record_id), "field": p.field,
                     "recorded_at": p.recorded_at.isoformat()} for p in h.places],
         "erased": {"basis": h.erased.basis, "actor": h.erased.actor.id, "occurred_at": h.erased.occurred_at.isoformat()}
         if h.erased else None}
        for h in held
        if (not kind or h.kind == kind) and (not record or any(str(p.record_id) == record for p in h.places))
    ]
    if format == "json":
        _emit_json(rows)
        return
    table = Table("数据主体", "类别", "所在记录", "字段", "状态")
    for r in rows:
        records = sorted({f"{p['record_type']} {p['record_id']}" for p in r["places"]})
        erased = r["erased"]
        status = (f"已删除（{ERASURE_BASIS_ZH[ErasureBasis(erased['basis'])]}）" if erased
                  else "可读" if r["readable"] else "密钥已不存在（无删除记录）")
        table.add_row(r["subject_id"], SUBJECT_KINDS_ZH.get(r["kind"], r["kind"]), "\n".join(records),
                      "、".join(dict.fromkeys(p["field"] for p in r["places"])), status)
    console.print(table)


@complaints_app.command("list")
def complaints_list(
    actor_id: str = typer.Option(..., "--actor", help="查阅人编号"),
    role: str = typer.Option(..., "--role", help="查阅人角色；只有 complaints_office 可见投诉人信息"),
    unit: str = typer.Option(..., "--unit", help="查阅人单位"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """投诉列表：投诉人身份仅对投诉受理机构可见，其他人看到保密标记（Q3）。"""
    reader = Actor(actor_id, role, unit)
    with fresh_views(0) as (s, runner):
        with runner.store.transaction() as tx:
            rows = complaint_rows(tx, s.complaints.keys, reader)
    if format == "json":
        _emit_json(rows)
        return
    table = Table("登记时间", "类别", "被投诉单位", "投诉人", "状态", "未公开反馈")
    for r in rows:
        table.add_row(cst_day(r["registered_at"]), r["category"], r["respondent_unit"], r["complainant_name"],
                      COMPLAINT_STATUS_ZH.get(r["status"], r["status"]),
                      "是" if r["feedback_unpublished"] else "")
    console.print(table)


COMPLAINT_STATUS_ZH = {"registered": "已登记", "assigned": "已交办", "handled": "已处理", "answered": "已反馈", "published": "已公开"}


@archive_app.command("put")
def archive_put(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="原件文件"),
    archive_number: str = typer.Option(..., "--archive-number", help="档号，如 Z001-WS·2022-D30-BGS-0006"),
    doc_number: str = typer.Option("", "--doc-number", help="文号"),
    title: str = typer.Option(..., "--title", help="题名"),
    unit: str = typer.Option(..., "--unit", help="责任者"),
    retention: str = typer.Option(..., "--retention", help="保管期限：Y、D30、D10"),
    doc_date: datetime = typer.Option(None, "--date", formats=["%Y-%m-%d"], help="文件日期（缺省为今天）"),
    doc_type: str = typer.Option("", "--doc-type", help="文种，如 通知"),
    media_type: str = typer.Option("", "--media-type", help="格式（缺省按文件名判断）"),
    disclosure: str = typer.Option("", "--disclosure", help="关联的公开行为编号（D8）"),
    hearing: str = typer.Option("", "--hearing", help="作为听证笔录关联的听证会编号（H4）"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """存档一份原件：流式上传并同时计算 SHA-256 与 SM3，按保管期限锁定，记录 ArchivedOriginal 事件。"""
    settings = Settings.from_env()
    with services(settings) as s:
        keeper = s.archivist()
        with file.open("rb") as source:
            outcome, original = keeper.put(
                source, actor=Actor(archivist_id, "archivist", archivist_unit), archive_number=archive_number,
                doc_number=doc_number, title=title, responsible_unit=unit, retention=retention,
                doc_date=(doc_date or datetime.now()).date(), doc_type=doc_type, media_type=media_type,
                filename=file.name, disclosure_id=UUID(disclosure) if disclosure else None,
                hearing_id=UUID(hearing) if hearing else None,
            )
    if format == "json":
        _emit_json({**outcome.as_dict(), **_original_row(original)})
    else:
        typer.echo(f"已存档 {original.archive_number}（{original.size} 字节，SHA-256 {original.sha256[:16]}…，保管至 {original.retain_until}）")


def _catalogued(settings: Settings, s: Services, **criteria: str) -> str:
    """The archive number of the first original the archive catalogue view finds: a lookup by archive
    number needs no view."""
    with views(settings, s) as runner:
        catch_up(s, runner)
        with runner.store.transaction() as tx:
            found = archive_catalogue(tx, **criteria)
    if not found:
        raise NotFound("档案原件", "archived original", " ".join(filter(None, criteria.values())))
    return found[0]["archive_number"]


@archive_app.command("get")
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
    settings = Settings.from_env()
    with services(settings) as s:
        archive_number = archive_number or _catalogued(settings, s, doc_number=doc_number, sha256=sha256)
        keeper = s.archivist()
        original = s.archive.original(archive_number)
        if output is None:
            keeper.get(original, sys.stdout.buffer)
            return
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as out:
                keeper.get(original, out)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    typer.echo(f"已取回 {original.archive_number} → {output}（摘要核验一致）", err=True)


@archive_app.command("search")
def archive_search(
    unit: str = typer.Option("", "--unit"),
    year: int | None = typer.Option(None, "--year"),
    retention: str = typer.Option("", "--retention"),
    title_contains: str = typer.Option("", "--title-contains"),
    doc_type: str = typer.Option("", "--doc-type"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """按责任者、年度、保管期限、题名、文种检索档案原件（档案目录视图）。"""
    with fresh_views(at_least) as (_, runner), runner.store.transaction() as tx:
        rows = archive_catalogue(tx, unit=unit, year=year, retention=retention, title_contains=title_contains, doc_type=doc_type)
    if format == "json":
        _emit_json(rows)
        return
    table = Table("档号", "文号", "题名", "责任者", "日期", "保管期限", "大小")
    for r in rows:
        table.add_row(r["archive_number"], r["doc_number"], r["title"], r["responsible_unit"], r["doc_date"], r["retention"], str(r["size"]))
    console.print(table)


@archive_app.command("verify")
def archive_verify(
    all_: bool = typer.Option(False, "--all", help="核验全部原件"),
    archive_number: list[str] = typer.Option([], "--archive-number", help="只核验这些档号"),
    due: int | None = typer.Option(None, "--due", min=0, help="只核验 DAYS 天内未核验过的原件（供每日定时任务：每件至少每 DAYS 天核验一次）"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
    format: str = FORMAT,  # noqa: A002
) -> None:
    """固定性核验：按版本重读原件，重算 SHA-256 与 SM3 并与记录比对；每次核验记为事件。"""
    if not all_ and not archive_number and due is None:
        typer.echo("请给出 --all、--archive-number 或 --due。", err=True)
        raise typer.Exit(2)
    settings = Settings.from_env()
    with services(settings) as s:
        keeper = s.archivist()
        if due is not None:
            chosen = keeper.due_for_fixity(due, datetime.now(CST))
        else:
            chosen = keeper.originals() if all_ else [s.archive.original(number) for number in archive_number]
        with Progress(transient=True, console=Console(stderr=True)) as progress:
            task = progress.add_task("核验原件", total=len(chosen))
            report = keeper.verify(chosen, Actor(archivist_id, "archivist", archivist_unit),
                                   progress=lambda _: progress.advance(task))
    if format == "json":
        _emit_json({"ok": report.ok, "results": [{"archive_number": r.archive_number, "outcome": r.outcome.value,
                    "detail": r.detail.en, "detail_zh": r.detail.zh} for r in report.results], "untracked": report.untracked})
    else:
        labels = {"intact": "完好", "changed": "已变化", "missing": "缺失"}
        for r in report.results:
            typer.echo(f"{r.archive_number}\t{labels[r.outcome.value]}\t{r.detail.zh}")
        for key in report.untracked:
            typer.echo(f"{key}\t未登记（存储中有、台账中无）")
        typer.echo("ok：全部原件完好。" if report.ok else "核验发现问题。")
    if not report.ok:
        raise typer.Exit(1)


@archive_app.command("export")
def archive_export(
    bagit_dir: Path = typer.Option(..., "--bagit", help="新建 BagIt 包的目录（须为空或不存在）"),
    unit: str = typer.Option("", "--unit"),
    year: int | None = typer.Option(None, "--year"),
    retention: str = typer.Option("", "--retention"),
    archive_number: list[str] = typer.Option([], "--archive-number"),
) -> None:
    """导出 BagIt（RFC 8493）移交包：原件（取出时核验）与每件的元数据。"""
    settings = Settings.from_env()
    with fresh_views(0) as (s, runner):
        with runner.store.transaction() as tx:
            rows = archive_catalogue(tx, unit=unit, year=year, retention=retention)
        chosen = [s.archive.original(r["archive_number"]) for r in rows if not archive_number or r["archive_number"] in archive_number]
        bag = export_bag(s.archivist(), chosen, bagit_dir, settings.log_origin)
    typer.echo(f"已导出 {len(chosen)} 件至 {bag.path}（Payload-Oxum {bag.info['Payload-Oxum']}）")


def _hold(archive_number: str, reason: str, archivist_id: str, archivist_unit: str, on: bool) -> None:
    settings = Settings.from_env()
    with services(settings) as s:
        keeper = s.archivist()
        keeper.hold(s.archive.original(archive_number), Actor(archivist_id, "archivist", archivist_unit), reason, on)
    typer.echo(f"{archive_number}：{'已置于法律保全' if on else '已解除法律保全'}")


@archive_app.command("hold")
def archive_hold(
    archive_number: str = typer.Option(..., "--archive-number"),
    reason: str = typer.Option(..., "--reason", help="如 行政复议、行政诉讼"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
) -> None:
    """对原件实施法律保全：保全期间无论保管期限如何均不可删除。"""
    _hold(archive_number, reason, archivist_id, archivist_unit, True)


@archive_app.command("release")
def archive_release(
    archive_number: str = typer.Option(..., "--archive-number"),
    reason: str = typer.Option(..., "--reason"),
    archivist_id: str = ARCHIVIST,
    archivist_unit: str = ARCHIVIST_UNIT,
) -> None:
    """解除法律保全。"""
    _hold(archive_number, reason, archivist_id, archivist_unit, False)


@archive_app.command("check")
def archive_check(format: str = FORMAT) -> None:  # noqa: A002
    """四性检测（DA/T 70-2018）：真实性、完整性、可用性、安全性，逐件报告。"""
    settings = Settings.from_env()
    with services(settings) as s:
        report = four_properties.check(s.archivist())
    if format == "json":
        _emit_json(report.as_dict())
    else:
        console.print(_four_property_table(report))
    if not report.ok:
        raise typer.Exit(1)


def _four_property_table(report: four_properties.FourPropertyReport) -> Table:
    table = Table("档号", "题名", *four_properties.PROPERTIES.values(), title="四性检测")
    for o in report.originals:
        table.add_row(o.archive_number, o.title[:24],
                      *("通过" if o.passed(p) else "不通过：" + "；".join(o.findings[p]) for p in four_properties.PROPERTIES))
    for gap in report.series_gaps:
        table.add_row("—", gap, "", "不通过", "", "")
    for key in report.untracked:
        table.add_row("—", f"未登记对象 {key}", "", "不通过", "", "")
    return table


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        app()
    except ConfigurationError as error:
        log.error("configuration: %s", error)
        typer.echo(f"配置错误：{error}", err=True)
        sys.exit(2)
    except UnknownView as error:
        typer.echo(f"未知视图：{error.args[0]}（可选：{'、'.join(v.name for v in all_views())}）", err=True)
        sys.exit(2)
    except DomainError as error:
        log.warning("refused: %s (%s)", error.message_en, error.code)
        typer.echo(f"{error.code}{f'（{error.rule}）' if error.rule else ''}：{error.message_zh}", err=True)
        sys.exit(1)

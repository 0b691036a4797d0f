"""`zwgk audit`: verification for inspectors (纪检监察): hash chains, the audit log and its signed
checkpoints, offline proofs, violations, the timeline and any record's past state."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

import typer

from zwgk.connectors import queries, render, tlog
from zwgk.connectors.cli.shared import AT_LEAST, FORMAT, answer, reading
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import verify_ledger
from zwgk.connectors.signing import NoPublicKey, log_verifiers, write_new_key
from zwgk.connectors.wiring import audit_log, services
from zwgk.domain.checkpoint import CheckpointError, parse_verifier, read_unverified
from zwgk.domain.proofs import ProofError, check_consistency, check_inclusion, check_static_log

log = logging.getLogger("zwgk")
app = typer.Typer(name="audit", help="审计核验（纪检监察）。", no_args_is_help=True)


ALL_BREAKS = typer.Option(False, "--all-breaks", help="列出每一条断链的记录，而不只是第一条")
PUBLIC_KEY = typer.Option(None, "--public-key", exists=True,
                          help="日志公钥（verifier key 文件，每行一个；按检查点签名行的 key id 选用）；缺省用本机的签名私钥推出")
WITNESS = typer.Option([], "--witness", help="见证人公钥（cosignature/v1 verifier key，或含它的文件）；可多次给出")
QUORUM = typer.Option(0, "--quorum", min=0, help="至少须有几个所列见证人联署检查点")


def _trust(settings: Settings, public_key: Path | None, witnesses: list[str], quorum: int) -> queries.Trust:
    """What the inspector trusts, from public material only: never reads nor makes a private key when a
    public key is given."""
    key = public_key.read_text(encoding="utf-8") if public_key else None
    try:
        verifiers = tuple(parse_verifier(_key_text(w)) for w in witnesses)
    except CheckpointError as error:
        typer.echo(f"见证人公钥无效：{error}", err=True)
        raise typer.Exit(2) from None
    if quorum > len(verifiers):
        typer.echo(f"法定数 {quorum} 多于所列见证人（{len(verifiers)} 个）。", err=True)
        raise typer.Exit(2)
    try:
        return queries.Trust(log_verifiers(settings, key), verifiers, quorum)
    except NoPublicKey:
        _no_public_key()


def _no_public_key() -> NoReturn:
    typer.echo("本机没有检查点签名私钥，核验只需公钥：请用 --public-key 给出日志公钥"
               "（运营方 zwgk audit public-key 的输出）。", err=True)
    raise typer.Exit(2)


def _key_text(value: str) -> str:
    path = Path(value)
    return path.read_text(encoding="utf-8") if "+" not in value and path.is_file() else value


HELD = typer.Option([], "--checkpoint", exists=True, dir_okay=False,
                    help="外部保存的签名检查点（发布的、见证人处的或此前取得的副本）：日志须是它的延续；可多次给出")
VIEWS = typer.Option(False, "--views", help="同时把事件日志重新折叠，与每个视图逐行比较（同 zwgk projections verify）")


@app.command("verify")
def audit_verify(format: str = FORMAT, public_key: Path | None = PUBLIC_KEY,  # noqa: A002
                 witness: list[str] = WITNESS, quorum: int = QUORUM, all_breaks: bool = ALL_BREAKS,
                 checkpoint: list[Path] = HELD, views: bool = VIEWS) -> None:
    """核验每条记录的哈希链、审计日志（Merkle 树；超过宽限期仍未纳入的事件即为问题）与库中每个签名检查点，以及外部保存的检查点副本
    （--checkpoint、ZWGK_CHECKPOINT_COPY），报告第一个问题（--all-breaks：每条断链）。只需公钥。"""
    settings = Settings.from_env()
    held = [path.read_text(encoding="utf-8") for path in checkpoint]
    # Without a key given, the operator's is looked for only once there is a checkpoint to check.
    trust = _trust(settings, public_key, witness, quorum) if public_key or witness or quorum else None
    with services(settings) as s, audit_log(settings) as merkle:
        try:
            report = verify_ledger(s, merkle, settings, trust, held, with_views=views)
        except NoPublicKey:
            _no_public_key()
    render.audit_report(report, format, all_breaks)
    for broken in report.chains.breaks if all_breaks else report.chains.breaks[:1]:
        log.error("hash chain broken at %s v%s: %s", broken.originator_id, broken.originator_version, broken.reason)
    if not report.log.ok:
        log.error("audit log mismatch: %s", report.log.reason)
    if report.checkpoint:
        log.error("checkpoint %s (%s, %s): %s", report.checkpoint.size, report.checkpoint.source, report.checkpoint.kind,
                  report.checkpoint.reason)
    if report.views and report.views.differences:
        log.error("views differ from the log folded afresh: %d rows", len(report.views.differences))
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def audit_checkpoint() -> None:
    """把新事件纳入审计日志，必要时签发新的检查点，并输出最新的签名检查点。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        latest = queries.latest_checkpoint(s, merkle, settings)
    if latest is None:
        typer.echo("台账中还没有事件，无检查点。", err=True)
        raise typer.Exit(1)
    typer.echo(latest, nl=False)


@app.command("public-key")
def audit_public_key() -> None:
    """输出检查点签名公钥（verifier key 格式），供核验方离线使用；从不生成密钥。"""
    typer.echo(queries.verifier_key(Settings.from_env()))


@app.command("keygen")
def audit_keygen(path: Path = typer.Argument(..., help="新私钥文件（PEM）路径，须尚不存在")) -> None:
    """生成 Ed25519 检查点签名私钥，权限仅限所有者；用 ZWGK_SIGNING_KEY_FILE 指向它。"""
    if path.exists():
        typer.echo(f"{path} 已存在，不覆盖。", err=True)
        raise typer.Exit(1)
    write_new_key(path)
    typer.echo(f"已生成 {path}")


@app.command("prove")
def audit_prove(
    event_id: str = typer.Argument(..., help="事件编号 event_id"),
    checkpoint_file: Path | None = typer.Option(None, "--checkpoint", exists=True, help="按此检查点的树大小出具证明"),
    event_out: Path | None = typer.Option(None, "--event-out", help="把事件的规范字节写入此文件，供离线核验"),
) -> None:
    """输出某事件在审计日志中的包含证明（JSON）。"""
    settings = Settings.from_env()
    note = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else None
    with services(settings) as s, audit_log(settings) as merkle:
        try:
            found = queries.inclusion(s, merkle, settings, event_id, note)
        except queries.EventNotLogged:
            typer.echo(f"审计日志中没有事件 {event_id}。", err=True)
            raise typer.Exit(1) from None
        except queries.EventAfterCheckpoint as error:
            typer.echo(f"该事件晚于检查点（树大小 {error.size}），请用更新的检查点。", err=True)
            raise typer.Exit(1) from None
    if event_out:
        event_out.write_bytes(found.event)
    typer.echo(json.dumps(found.proof, indent=2))


def _proof_failed(error: Exception) -> NoReturn:
    """For the inspector in Chinese, with the technical reason as the log has it."""
    log.warning("proof check failed: %s", error)
    typer.echo(f"核验失败（{error}）", err=True)
    raise typer.Exit(1)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        _proof_failed(error)


@app.command("verify-proof")
def audit_verify_proof(
    event: Path = typer.Option(..., "--event", exists=True, help="事件的规范字节（prove --event-out 所写）"),
    proof: Path = typer.Option(..., "--proof", exists=True, help="包含证明 JSON"),
    checkpoint: Path = typer.Option(..., "--checkpoint", exists=True, help="签名检查点"),
    public_key: Path = typer.Option(..., "--public-key", exists=True, help="verifier key 文件"),
    witness: list[str] = WITNESS,
    quorum: int = QUORUM,
) -> None:
    """离线核验：不连数据库，证明该事件在签名检查点所承诺的日志中。"""
    trust = _trust(Settings.from_env(), public_key, witness, quorum)
    held = _read_json(proof)
    try:
        signed = check_inclusion(event.read_bytes(), held, checkpoint.read_text(encoding="utf-8"), trust.open)
    except (ProofError, ValueError) as error:
        _proof_failed(error)
    typer.echo(f"ok：该事件是日志 {signed.origin} 的第 {held['leaf_index']} 项，"
               f"包含于签名有效、树大小为 {signed.size} 的检查点。")


def _sizes(old_note: str, new_note: str) -> tuple[int, int]:
    try:
        return read_unverified(old_note).size, read_unverified(new_note).size
    except CheckpointError as error:
        _proof_failed(error)


def _consistency_from_store(settings: Settings, old_size: int, new_size: int) -> dict[str, Any]:
    with audit_log(settings) as merkle:
        try:
            return queries.consistency(merkle, old_size, new_size)
        except ProofError as error:
            _proof_failed(error)


@app.command("prove-consistency")
def audit_prove_consistency(
    old: Path = typer.Argument(..., exists=True, help="较早的签名检查点"),
    new: Path = typer.Argument(..., exists=True, help="较新的签名检查点"),
) -> None:
    """输出两个检查点之间的一致性证明（JSON，docs/audit.md 的格式），供离线核验。"""
    old_size, new_size = _sizes(old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8"))
    typer.echo(json.dumps(_consistency_from_store(Settings.from_env(), old_size, new_size), indent=2))


@app.command("verify-consistency")
def audit_verify_consistency(
    old: Path = typer.Argument(..., exists=True, help="较早的签名检查点（外部保存的副本）"),
    new: Path = typer.Argument(..., exists=True, help="较新的签名检查点"),
    proof: Path | None = typer.Option(None, "--proof", exists=True, help="一致性证明 JSON；给出则离线核验，不连数据库"),
    public_key: Path | None = PUBLIC_KEY,
    witness: list[str] = WITNESS,
    quorum: int = QUORUM,
) -> None:
    """证明较新的检查点只是在较早的基础上追加：历史未被改写。标准输出为所核验的证明。"""
    settings = Settings.from_env()
    trust = _trust(settings, public_key, witness, quorum)
    old_note, new_note = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
    old_size, new_size = _sizes(old_note, new_note)
    checked = _read_json(proof) if proof else _consistency_from_store(settings, old_size, new_size)
    try:
        check_consistency(old_note, new_note, checked, trust.open)
    except ProofError as error:
        _proof_failed(error)
    typer.echo(json.dumps(checked, indent=2))
    typer.echo(f"ok：日志从 {old_size} 项增长到 {new_size} 项，此前的内容未被改写。", err=True)


@app.command("verify-static")
def audit_verify_static(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, help="静态日志目录（zwgk audit publish 所写，或从 tlog/ 取得）"),
    public_key: Path = typer.Option(..., "--public-key", exists=True, help="日志公钥（verifier key 文件）"),
    witness: list[str] = WITNESS,
    quorum: int = QUORUM,
) -> None:
    """离线核验静态日志（C2SP tlog-tiles）：检查点的签名与联署、每个哈希瓦片、根哈希与每个条目。不连数据库。"""
    trust = _trust(Settings.from_env(), public_key, witness, quorum)
    try:
        checkpoint = check_static_log(lambda path: (directory / path).read_bytes(), trust.open)
    except ProofError as error:
        _proof_failed(error)
    typer.echo(f"ok：日志 {checkpoint.origin} 的 {checkpoint.size} 项条目与瓦片均与签名检查点相符。")


@app.command("export-entries")
def audit_export_entries(
    start: int = typer.Option(0, "--from", min=0, help="第一项（从 0 起）"),
    end: int | None = typer.Option(None, "--to", min=0, help="到此项为止（不含）；缺省为日志末尾"),
    out: Path | None = typer.Option(None, "--out", help="写入此文件；缺省为标准输出"),
) -> None:
    """导出审计日志的条目（每行一个事件的规范字节），供独立重算每个根哈希。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        entries = queries.log_entries(s, merkle, start, end)
        if out is None:
            for entry in entries:
                sys.stdout.buffer.write(entry + b"\n")
            sys.stdout.buffer.flush()
            return
        with out.open("wb") as file:
            for entry in entries:
                file.write(entry + b"\n")


@app.command("publish")
def audit_publish(target: str = typer.Argument(..., help="目录，或 s3://bucket/prefix（用 ZWGK_S3_* 的服务器）")) -> None:
    """把审计日志按 C2SP tlog-tiles 写成静态文件（检查点、哈希瓦片、条目包），供任何网站服务器发布。"""
    settings = Settings.from_env()
    with services(settings) as s, audit_log(settings) as merkle:
        count = tlog.publish(s, merkle, settings, target)
    if count == 0:
        typer.echo("台账中还没有事件，无可发布。", err=True)
        raise typer.Exit(1)
    typer.echo(f"已发布 {count} 个文件到 {target}。")


@app.command("violations")
def audit_violations(
    unit: str = typer.Option("", "--unit", help="单位名称，或其开头（如“资阳市”：该市各单位）"),
    year: int | None = typer.Option(None, "--year"),
    rule: str = typer.Option("", "--rule", help="只列某条规则，如 D3"),
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """违规情况：事件记录的违规、逾期未完成的期限、规则要求而缺失的（C4 备案、D8 存档、H4/H5、Q4、M2、O1）。"""
    render.violations(answer(queries.violations, unit, year, rule, at_least=at_least), format)


TIME_AXIS = typer.Option("business", "--by", help="business：按业务时间排序和筛选；recorded：按台账记录时间")


@app.command("timeline")
def audit_timeline(
    aggregate: str = typer.Option("", "--aggregate"),
    unit: str = typer.Option("", "--unit"),
    actor: str = typer.Option("", "--actor"),
    start: datetime | None = typer.Option(None, "--from", help="起（按 --by 所选的时间）"),
    end: datetime | None = typer.Option(None, "--to", help="止（含）"),
    by: str = TIME_AXIS,
    format: str = FORMAT,  # noqa: A002
    at_least: int = AT_LEAST,
) -> None:
    """审计时间线：某记录、单位或人员在两时刻间的全部事件，按业务时间或记录时间排序。"""
    if not (aggregate or unit or actor):
        typer.echo("请给出 --aggregate、--unit 或 --actor。", err=True)
        raise typer.Exit(2)
    render.timeline(answer(queries.timeline, aggregate, unit, actor, start, end, at_least, by), format)


@app.command("replay")
def audit_replay(
    aggregate_id: UUID = typer.Argument(..., help="记录编号"),
    as_of: datetime | None = typer.Option(None, "--as-of", help="业务时间：当时已发生的事件"),
    as_recorded: datetime | None = typer.Option(None, "--as-recorded", help="记录时间：台账当时已记录的事件"),
    format: str = FORMAT,  # noqa: A002
) -> None:
    """输出某记录在某一时刻的状态：按业务时间（--as-of）、按台账记录时间（--as-recorded），或两者同时。"""
    if as_of is None and as_recorded is None:
        typer.echo("请给出 --as-of（业务时间）或 --as-recorded（记录时间）。", err=True)
        raise typer.Exit(2)
    with reading() as (s, runner):
        try:
            replayed = queries.replay(s, runner, aggregate_id, as_of, as_recorded)
        except queries.RecordNotYet:
            when = "、".join(f"{name} {moment.isoformat()}" for name, moment in (("业务时间", as_of), ("记录时间", as_recorded)) if moment)
            typer.echo(f"该记录在{when} 时尚不存在（它最早的事件晚于该时刻）。", err=True)
            raise typer.Exit(1) from None
        except queries.RecordUnknown:
            typer.echo(f"未找到记录 {aggregate_id}。", err=True)
            raise typer.Exit(1) from None
    render.record_state(replayed, format)

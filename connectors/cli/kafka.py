"""Kafka: the relay that publishes every event, the topics and the contract for integrators, and
events read back."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import typer
from kafka.errors import KafkaError

from zwgk.connectors import queries, render
from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.avro_codec import fingerprint_table, write_schemas
from zwgk.connectors.cli.shared import FORMAT
from zwgk.connectors.config import Settings
from zwgk.connectors.contract import SCHEMA_DIR, topics
from zwgk.connectors.relay import STATES, EventTooLarge, RelayUnavailable, init_topics, read_status
from zwgk.connectors.wiring import audit_log, kafka_bootstrap, relay, services
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk")
kafka_app = typer.Typer(name="kafka", help="Kafka 主题与事件契约（供对接方）。", no_args_is_help=True)
events_app = typer.Typer(name="events", help="读取事件流。", no_args_is_help=True)


UNAVAILABLE = 3  # exit code: a server the command needs could not be reached
BLOCKED = 4  # exit code: an event the broker refuses for its size stops the relay until the operator acts
STATES_ZH = {"starting": "启动中", "relaying": "转发中", "caught_up": "已追平", "retrying": "连接 Kafka 失败，重试中",
             "stopped": "已停止", "failed": "连接 Kafka 失败，已放弃", "blocked": "事件超过代理允许的大小，已停止"}
assert STATES_ZH.keys() == STATES.keys()


def run_relay(
    once: bool = typer.Option(False, "--once", help="转发现有事件后退出"),
    batch: int = typer.Option(500, "--batch", help="每批事件数"),
    timeout: float = typer.Option(
        30.0, "--timeout", min=1.0, help="与 --once 同用：连不上 Kafka 最多等待的秒数，超时以退出码 3 结束；持续运行时按退避间隔一直重试"),
) -> None:
    """按通知日志顺序把每个事件发布到 Kafka（事务性发件箱，崩溃后从断点继续，不重不漏）。"""
    settings = Settings.from_env()
    logging.getLogger("zwgk").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    attempt = min(10.0, max(timeout / 3, 1.0))  # seconds one attempt to reach the broker may take: several fit in --timeout
    with services(settings) as s, relay(settings, s, batch, connect_timeout=attempt) as r, audit_log(settings) as merkle:
        try:
            r.run(stop, once=once, checkpoints=(merkle, settings.log_origin), give_up_after=timeout if once else None)
        except KeyboardInterrupt:
            stop.set()
        except RelayUnavailable as error:
            typer.echo(
                f"无法连接 Kafka（{error.bootstrap}）：{error.waited:.0f} 秒内未能连上或未获确认，已放弃。"
                f"已转发至日志位置 {error.position}，尚有 {max(error.ledger_position - error.position, 0)} 个事件未转发，"
                "下次运行时从此处继续。请检查 ZWGK_KAFKA_BOOTSTRAP_SERVERS、代理是否在运行、主题是否已创建（zwgk kafka init-topics）。",
                err=True,
            )
            raise typer.Exit(UNAVAILABLE) from None
        except EventTooLarge as error:
            typer.echo(f"日志位置 {error.position} 之后的事件超过 Kafka 代理允许的消息大小，转发已停止（不跳过任何事件）。"
                       "请提高代理的 message.max.bytes 与主题的 max.message.bytes 后重新运行 zwgk relay。", err=True)
            raise typer.Exit(BLOCKED) from None
        typer.echo(f"已转发至日志位置 {r.position()}（事件库最新位置 {r.ledger_position()}）。")


@kafka_app.command("status")
def kafka_status(format: str = FORMAT) -> None:  # noqa: A002
    """转发进程（zwgk relay）的状态：已确认的日志位置、落后事件数、连接重试。"""
    settings = Settings.from_env()
    with services(settings) as s:
        ledger = s.ledger.recorder.max_notification_id() or 0
    settings.eventsourcing_env()
    store = ViewStore(settings.views_url)
    try:
        status = read_status(store, ledger)
    finally:
        store.close()
    if status is None:
        typer.echo(json.dumps({"state": "never_ran", "ledger_position": ledger}) if format == "json" else
                   f"转发进程从未运行；事件库最新位置 {ledger}。")
        return
    if format == "json":
        typer.echo(json.dumps(status.as_dict(), ensure_ascii=False))
        return
    typer.echo(f"状态：{STATES_ZH[status.state]}（自 {status.since.isoformat(timespec='seconds')}）\n"
               f"已转发至日志位置 {status.position}，事件库最新位置 {status.ledger_position}，落后 {status.lag} 个事件"
               + (f"\n连续失败 {status.attempts} 次：{status.error}" if status.attempts else ""))


@kafka_app.command("init-topics")
def kafka_init_topics(
    partitions: int = typer.Option(3, "--partitions", help="每个事件主题的分区数"),
    replication: int = typer.Option(1, "--replication", help="副本数"),
) -> None:
    """创建全部 zwgk 主题（永久保留）；已存在的不变。"""
    bootstrap = kafka_bootstrap(Settings.from_env())
    try:
        created = init_topics(bootstrap, partitions, replication)
    except KafkaError as error:
        log.error("creating topics on %s failed: %s", bootstrap, error)
        typer.echo(f"无法在 Kafka（{bootstrap}）上创建主题：{error}。请检查 ZWGK_KAFKA_BOOTSTRAP_SERVERS 与代理是否在运行。", err=True)
        raise typer.Exit(UNAVAILABLE) from None
    for topic in topics():
        typer.echo(f"{topic}\t{'新建' if topic in created else '已存在'}")


@kafka_app.command("schemas")
def kafka_schemas(
    write: Path | None = typer.Option(None, "--write", help="把全部模式写入此目录（各 .avsc 自成一体；旧版本在 superseded/ 下）",
                                      file_okay=False),
    fingerprints: bool = typer.Option(
        False, "--fingerprints", help="只输出指纹表（CRC-64-AVRO 与 SHA-256）；与 --write 同用时另写 fingerprints.json"),
) -> None:
    """输出（或写入目录）事件的 Avro 模式，各附 CRC-64-AVRO 与 SHA-256 指纹（JSON）。"""
    if write is not None:
        for path in write_schemas(write):
            typer.echo(str(path))
        if fingerprints:
            file = write / "fingerprints.json"
            file.write_text(json.dumps(fingerprint_table(write), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            typer.echo(str(file))
        return
    table = fingerprint_table()
    if not fingerprints:
        table = [{**row, "schema": json.loads((SCHEMA_DIR / row["file"]).read_text(encoding="utf-8"))} for row in table]
    typer.echo(json.dumps(table, ensure_ascii=False, indent=2))


@kafka_app.command("asyncapi")
def kafka_asyncapi() -> None:
    """输出描述全部主题、服务器、键、消息头与模式的 AsyncAPI 3.1 文档（JSON）。"""
    typer.echo(json.dumps(asyncapi_document(Settings.from_env()), ensure_ascii=False, indent=2))


@events_app.command("tail")
def events_tail(
    topic: list[str] = typer.Option(..., "--topic", help="主题，可多次给出"),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="从头读取"),
    format: str = FORMAT,  # noqa: A002
    max_messages: int = typer.Option(0, "--max-messages", help="读满即停；0 为不限"),
    idle_timeout: float = typer.Option(0, "--idle-timeout", help="空闲多少秒后停止；0 为一直等待"),
) -> None:
    """读取并解码主题上的事件，每行一个。"""
    render.events(queries.events(Settings.from_env(), topic, from_beginning, idle_timeout, max_messages), format)

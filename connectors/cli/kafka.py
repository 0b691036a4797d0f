"""Kafka: the relay that publishes every event, the topics and the contract for integrators, and
events read back."""

from __future__ import annotations

import json
import logging
import signal
import threading

import typer

from zwgk.connectors import queries, render
from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.cli.shared import FORMAT
from zwgk.connectors.config import Settings
from zwgk.connectors.contract import schema_files, topics, write_schema_files
from zwgk.connectors.relay import init_topics
from zwgk.connectors.wiring import audit_log, kafka_bootstrap, relay, services

log = logging.getLogger("zwgk")
kafka_app = typer.Typer(name="kafka", help="Kafka 主题与事件契约（供对接方）。", no_args_is_help=True)
events_app = typer.Typer(name="events", help="读取事件流。", no_args_is_help=True)


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
    created = init_topics(kafka_bootstrap(Settings.from_env()), partitions, replication)
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
    render.events(queries.events(Settings.from_env(), topic, from_beginning, idle_timeout, max_messages), format)

"""The `zwgk` command line: messages for people in Chinese, logs in English. Each command parses its
arguments, calls one application function (a query, an operation or `execute`) and renders."""

from __future__ import annotations

import logging
import os
import sys

import typer

from zwgk.connectors.cli import archive, audit, calendar, catalogue, kafka, ledger, privacy, projections, reports, service, witness
from zwgk.connectors.config import ConfigurationError
from zwgk.connectors.render import printable
from zwgk.domain.errors import DomainError
from zwgk.projections.runner import UnknownView, all_views
from zwgk.projections.store import StoreUnavailable

log = logging.getLogger("zwgk")
app = typer.Typer(help="zwgk 政务公开台账：事件溯源记录、审计与存档。", no_args_is_help=True, pretty_exceptions_enable=False)
for name, command in (("apply", ledger.apply_file), ("commands", ledger.list_commands), ("config", ledger.show_config),
                      ("demo", ledger.run_demo), ("relay", kafka.run_relay), ("deadlines", reports.list_deadlines),
                      ("register", reports.disclosure_register), ("serve", service.serve)):
    app.command(name)(command)
for group in (audit.app, calendar.app, catalogue.app, projections.app, reports.assessment_app, archive.app, kafka.kafka_app,
              kafka.events_app, reports.participation_app, reports.report_app, privacy.app, reports.complaints_app,
              service.api_app, service.users_app, service.tokens_app, witness.app):
    app.add_typer(group)


class OneLine(logging.Formatter):
    """A log message is one line whatever text it carries: no record or command name can forge another line."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  # logging's own name
        return printable(super().formatMessage(record))


def main() -> None:
    # Everything zwgk writes (stores, keys, originals, exports, the server's workers' files) is its user's alone,
    # whatever umask the shell had: a sealed field's key or a withheld original is no other account's to read.
    os.umask(0o077)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    try:
        app()
    except ConfigurationError as error:
        log.error("configuration: %s", error)
        typer.echo(f"配置错误：{error}", err=True)
        sys.exit(2)
    except StoreUnavailable as error:
        log.error("store unavailable: %s", error)
        typer.echo(f"STORE_UNAVAILABLE：无法连接数据库（{error.where}）。请检查 ZWGK_DATABASE_URL、ZWGK_VIEWS_DATABASE_URL 等设置"
                   "及数据库是否在运行。", err=True)
        sys.exit(3)
    except UnknownView as error:
        typer.echo(f"未知视图：{error.args[0]}（可选：{'、'.join(v.name for v in all_views())}）", err=True)
        sys.exit(2)
    except DomainError as error:
        log.warning("refused: %s (%s)", error.message_en, error.code)
        typer.echo(f"{error.code}{f'（{error.rule}）' if error.rule else ''}：{error.message_zh}", err=True)
        sys.exit(1)

"""`zwgk serve`, `zwgk api`, `zwgk users`, `zwgk tokens`: the service, and the operator's first accounts."""

from __future__ import annotations

import json
import re
import sys
from datetime import timedelta

import typer

from zwgk.connectors import accounts, render
from zwgk.connectors.cli.shared import FORMAT, served
from zwgk.domain.accounts import GRANTABLE
from zwgk.domain.actors import SYSTEM

serve_app = typer.Typer()
api_app = typer.Typer(name="api", help="HTTP 服务的接口文档。", no_args_is_help=True)
users_app = typer.Typer(name="users", help="用户账户（服务器上的运维工具；日常由安全管理员通过服务管理）。", no_args_is_help=True)
tokens_app = typer.Typer(name="tokens", help="访问令牌：只显示一次，只保存哈希。", no_args_is_help=True)
DURATION = re.compile(r"(\d+)([dh])")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="监听端口"),
    workers: int = typer.Option(1, "--workers", min=1, help="工作进程数"),
    proxy_headers: bool = typer.Option(False, "--proxy-headers", help="信任反向代理的 X-Forwarded-* 请求头"),
    ssl_certfile: str = typer.Option("", "--ssl-certfile", help="自行终止 TLS 时的证书文件"),
    ssl_keyfile: str = typer.Option("", "--ssl-keyfile", help="自行终止 TLS 时的私钥文件"),
) -> None:
    """启动 HTTP 服务（API 与页面）；设置从环境变量读取，与命令行相同。"""
    from zwgk.connectors.api.server import serve as run

    base = f"{'https' if ssl_certfile else 'http'}://{host}:{port}"
    typer.echo(f"控制台 {base}/ ，接口 {base}/api/v1/ ，接口文档 {base}/api/docs（Ctrl+C 停止）", err=True)
    run(host, port, workers, proxy_headers, ssl_certfile or None, ssl_keyfile or None)


@api_app.command("openapi")
def openapi() -> None:
    """输出 OpenAPI 文档（JSON），与服务在 /openapi.json 提供的相同。"""
    from zwgk.connectors.api.app import create_app

    typer.echo(json.dumps(create_app().openapi(), ensure_ascii=False, indent=2))


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    return sys.stdin.readline().rstrip("\n")


@users_app.command("add")
def users_add(
    user_id: str = typer.Argument(..., help="人员编号（登录名）"),
    role: str = typer.Option(..., "--role", help="角色：" + "、".join(sorted(GRANTABLE))),
    unit: str = typer.Option(..., "--unit", help="所属单位"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读一行作为密码（至少 12 位）"),
) -> None:
    """开设账户（记入台账：谁、何时、授予何角色）。"""
    password = _password(password_stdin)
    result = served(accounts.add_user, user_id, role, unit, password)
    typer.echo(f"已开设账户 {user_id}（{role}，{unit}）{'，已设密码' if password else ''}：通知序号 {result.notification_id}。")


@users_app.command("list")
def users_list(format: str = FORMAT) -> None:  # noqa: A002
    """全部账户及其角色、状态、有效令牌。"""
    render.accounts(served(accounts.accounts), format)


@users_app.command("password")
def users_password(user_id: str = typer.Argument(..., help="人员编号")) -> None:
    """从标准输入读一行，设为账户密码（至少 12 位）；该账户已登录的会话随之失效。"""
    served(accounts.set_password, user_id, sys.stdin.readline().rstrip("\n"), SYSTEM)
    typer.echo(f"已设置账户 {user_id} 的密码。")


@users_app.command("totp")
def users_totp(user_id: str = typer.Argument(..., help="人员编号（三员之一）")) -> None:
    """登记动态口令（TOTP，第二因素）：输出 otpauth URI，只显示这一次，请用身份验证器应用扫描或录入；再次登记即替换。"""
    uri = served(accounts.enrol_second_factor, user_id)
    typer.echo(uri)
    typer.echo(f"已为 {user_id} 登记动态口令：请立即录入身份验证器应用，此后无法再次显示。", err=True)


def _duration(text: str) -> timedelta | None:
    if text in ("", "never"):
        return None
    match = DURATION.fullmatch(text)
    if not match:
        raise typer.BadParameter("应为如 90d、12h 或 never")
    number, unit = int(match[1]), match[2]
    return timedelta(days=number) if unit == "d" else timedelta(hours=number)


@tokens_app.command("create")
def tokens_create(
    user_id: str = typer.Option(..., "--user", help="人员编号"),
    expires: str = typer.Option("90d", "--expires", help="有效期，如 90d、12h；never 为长期有效（须吊销）"),
) -> None:
    """签发访问令牌：只显示这一次，zwgk 只保存其哈希。"""
    issued = served(accounts.create_token, user_id, _duration(expires))
    typer.echo(issued.text)
    typer.echo(f"令牌编号 {issued.token_id}：请立即妥善保存，此后无法再次显示。", err=True)


@tokens_app.command("revoke")
def tokens_revoke(
    user_id: str = typer.Option(..., "--user", help="人员编号"),
    token_id: str = typer.Argument(..., help="令牌编号"),
) -> None:
    """吊销访问令牌（记入台账）；此后使用该令牌的请求被拒绝并记入安全审计日志。"""
    result = served(accounts.revoke_token, user_id, token_id)
    typer.echo(f"已吊销令牌 {token_id}：通知序号 {result.notification_id}。")

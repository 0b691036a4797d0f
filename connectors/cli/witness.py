"""`zwgk witness`: run a witness 见证人 for other parties' audit logs (C2SP tlog-witness), e.g. at the
discipline inspectors' office, with its own key and state."""

from __future__ import annotations

from pathlib import Path

import typer
import uvicorn

from zwgk.connectors.api.witness import create_witness_app
from zwgk.connectors.signing import write_new_key
from zwgk.connectors.witness import Witness, load_key

app = typer.Typer(name="witness", help="见证人：核对他方审计日志的一致性并联署其检查点（C2SP tlog-witness）。", no_args_is_help=True)
NAME = typer.Option("zwgk-witness", "--name", help="见证人名称（联署行中的 key name，不含空白与 +）")


@app.command("keygen")
def witness_keygen(path: Path = typer.Argument(..., help="新私钥文件（PEM）路径，须尚不存在")) -> None:
    """生成见证人的 Ed25519 私钥，权限仅限所有者。"""
    if path.exists():
        typer.echo(f"{path} 已存在，不覆盖。", err=True)
        raise typer.Exit(1)
    write_new_key(path)
    typer.echo(f"已生成 {path}")


@app.command("public-key")
def witness_public_key(key: Path = typer.Option(..., "--key", exists=True), name: str = NAME) -> None:
    """输出见证人的公钥（cosignature/v1 verifier key），供台账的 ZWGK_WITNESSES 与核验方的 --witness 使用。"""
    typer.echo(Witness(Path(":memory:"), load_key(key), name, []).verifier_key)


@app.command("serve")
def witness_serve(
    key: Path = typer.Option(..., "--key", exists=True, help="见证人私钥（PEM）"),
    db: Path = typer.Option(..., "--db", help="见证人状态（SQLite 文件），重启后延续"),
    log: list[str] = typer.Option(..., "--log", help="所见证日志的公钥（verifier key），可多次给出"),
    name: str = NAME,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8100, "--port"),
) -> None:
    """运行见证人服务：POST /add-checkpoint。"""
    witness = Witness(db, load_key(key), name, log)
    typer.echo(f"见证人 {witness.verifier_key} 在 http://{host}:{port} 运行。", err=True)
    try:
        uvicorn.run(create_witness_app(witness), host=host, port=port, access_log=False, log_config=None)
    finally:
        witness.close()

"""The audit log as C2SP tlog-tiles: published to a directory or a bucket and served by `zwgk serve`,
checked by Go's own sumdb/note and sumdb/tlog code and by recomputing every root from the files alone."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.golang import build_tlogcheck
from tests.integration.test_ledger import run_scenario
from zwgk.connectors import tlog
from zwgk.connectors.config import Settings
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, open_services
from zwgk.domain.actors import Actor
from zwgk.domain.checkpoint import read_unverified
from zwgk.domain.disclosure import DraftDisclosure
from zwgk.domain.merkle import leaf_hash, root_of
from zwgk.domain.tiles import Tile, unbundle

MORE = 300  # past 256 entries: full and partial tiles, and a second level


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tlogcheck(tmp_path_factory.mktemp("go"))


@pytest.fixture
def grown(sqlite_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, object]]:
    key = tmp_path / "signing.pem"
    write_new_key(key)
    settings = Settings(database_url=sqlite_settings.database_url, signing_key_file=str(key))
    services = open_services(settings)
    run_scenario(services)
    for n in range(MORE):
        services.ledger.execute(DraftDisclosure(title=f"文件 {n}", attribute="proactive"), Actor("o", "officer", "某单位"), None)
    with audit_log(settings) as log:
        bring_log_up_to_date(services, log, settings, policy=None)
    yield settings, services
    services.close()


def publish(settings: Settings, services, target: Path) -> str:
    with audit_log(settings) as log:
        assert tlog.publish(services, log, settings, str(target)) > 0
    return (target / "checkpoint").read_text(encoding="utf-8")


def test_go_sumdb_code_verifies_the_published_tiles_and_every_entry(grown, tmp_path: Path, tlogcheck: Path):
    settings, services = grown
    note = publish(settings, services, tmp_path / "static")
    vkey = Notary.from_settings(settings).verifier_key
    checked = subprocess.run([tlogcheck, "tiles", vkey, tmp_path / "static"], capture_output=True, text=True, timeout=120)
    checkpoint = read_unverified(note)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split() == ["ok", str(checkpoint.size), base64.b64encode(checkpoint.root).decode()]
    assert checkpoint.size > 256 and (tmp_path / "static" / "tile" / "1" / "000.p/1").exists()


def test_go_sumdb_note_opens_zwgks_checkpoint(grown, tmp_path: Path, tlogcheck: Path):
    settings, services = grown
    note = publish(settings, services, tmp_path / "static")
    vkey = Notary.from_settings(settings).verifier_key
    opened = subprocess.run([tlogcheck, "note", vkey, tmp_path / "static" / "checkpoint"], capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0 and opened.stdout == note.split("\n\n")[0] + "\n"
    forged = tmp_path / "forged"
    forged.write_text(note.replace(f"\n{read_unverified(note).size}\n", "\n1\n"), encoding="utf-8")
    refused = subprocess.run([tlogcheck, "note", vkey, forged], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "invalid signature" in refused.stderr


def test_every_root_recomputes_from_the_files_alone(grown, tmp_path: Path):
    """Per the spec: the level-0 tiles are the leaf hashes, the entry bundles hash to them."""
    settings, services = grown
    checkpoint = read_unverified(publish(settings, services, tmp_path / "static"))
    tiles = [Tile(0, n, min(256, checkpoint.size - n * 256)) for n in range((checkpoint.size + 255) // 256)]
    hashes = b"".join((tmp_path / "static" / t.path).read_bytes() for t in tiles)
    leaves = [hashes[i : i + 32] for i in range(0, len(hashes), 32)]
    assert root_of(leaves) == checkpoint.root
    entries = [e for t in tiles for e in unbundle((tmp_path / "static" / Tile("entries", t.index, t.width).path).read_bytes())]
    assert [leaf_hash(e) for e in entries] == leaves


def test_publishing_again_after_growth_keeps_every_full_tile(grown, tmp_path: Path):
    settings, services = grown
    publish(settings, services, tmp_path / "static")
    full = (tmp_path / "static" / "tile" / "0" / "000").read_bytes()
    services.ledger.execute(DraftDisclosure(title="又一个", attribute="proactive"), Actor("o", "officer", "某单位"), None)
    note = publish(settings, services, tmp_path / "static")
    assert (tmp_path / "static" / "tile" / "0" / "000").read_bytes() == full
    size = read_unverified(note).size
    assert (tmp_path / "static" / Tile(0, size // 256, size % 256).path).exists()


def zwgk(*args: str, settings: Settings, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {"ZWGK_DATABASE_URL": settings.database_url, "ZWGK_SIGNING_KEY_FILE": settings.signing_key_file, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, env=env, timeout=120)


def test_exported_entries_alone_recompute_the_checkpoints_root(grown, tmp_path: Path):
    settings, services = grown
    with audit_log(settings) as log:
        latest = log.latest_checkpoint()
    assert latest is not None
    checkpoint = read_unverified(latest[1])
    exported = zwgk("audit", "export-entries", "--out", "entries.jsonl", settings=settings, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "entries.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == checkpoint.size  # one canonical event a line
    assert root_of([leaf_hash(line) for line in lines[:-1]]) == checkpoint.root
    ranged = zwgk("audit", "export-entries", "--from", "10", "--to", "20", settings=settings, cwd=tmp_path)
    assert ranged.stdout.split(b"\n")[:-1] == lines[10:20]


def test_published_to_a_bucket_the_files_are_the_directorys(grown, tmp_path: Path, seaweed):
    settings, services = grown
    publish(settings, services, tmp_path / "static")
    to_s3 = Settings(database_url=settings.database_url, signing_key_file=settings.signing_key_file,
                     s3_endpoint=seaweed.endpoint, s3_access_key=seaweed.access_key, s3_secret_key=seaweed.secret_key)
    with audit_log(to_s3) as log:
        count = tlog.publish(services, log, to_s3, "s3://zwgk-tlog/ledger")
    files = sorted(p.relative_to(tmp_path / "static").as_posix() for p in (tmp_path / "static").rglob("*") if p.is_file())
    assert count == len(files)
    client = seaweed.client()
    for name in files:
        response = client.get_object(bucket_name="zwgk-tlog", object_name=f"ledger/{name}")
        try:
            assert response.read() == (tmp_path / "static" / name).read_bytes(), name
        finally:
            response.close()
            response.release_conn()


def test_the_static_log_verifies_offline_with_the_public_key_alone(grown, tmp_path: Path):
    settings, services = grown
    publish(settings, services, tmp_path / "static")
    (tmp_path / "log.vkey").write_text(Notary.from_settings(settings).verifier_key, encoding="utf-8")
    offline = tmp_path / "inspector"
    offline.mkdir()
    args = [sys.executable, "-c", "from zwgk.connectors.cli import main; main()", "audit", "verify-static", "../static",
            "--public-key", "../log.vkey"]
    checked = subprocess.run(args, cwd=offline, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and checked.stdout.startswith("ok"), checked.stderr
    assert not (offline / "var").exists()

    bundle = tmp_path / "static" / "tile" / "entries" / "000"
    bundle.write_bytes(bundle.read_bytes().replace(b"proactive", b"withheld!", 1))
    altered = subprocess.run(args, cwd=offline, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120)
    assert altered.returncode == 1 and "entry bundle tile/entries/000" in altered.stderr
    upper = tmp_path / "static" / "tile" / "1" / "000.p/1"
    upper.write_bytes(bytes(32))
    forged = subprocess.run(args, cwd=offline, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120)
    assert forged.returncode == 1 and "tile/1/000.p/1" in forged.stderr

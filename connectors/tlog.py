"""The audit log published as C2SP `tlog-tiles` 静态发布: its latest (cosigned) checkpoint, hash tiles
and entry bundles, served read-only by `zwgk serve` under /tlog/ and written as static files to a
directory or an S3 bucket by `zwgk audit publish`, so that any tlog client can fetch and verify the
whole log and anyone can recompute every root from the entries."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from zwgk.connectors.checkpoint_copy import CHECKPOINT, bucket, read_checkpoint, unextended
from zwgk.connectors.config import Settings
from zwgk.connectors.queries import cosigned_note, log_entries
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import bring_log_up_to_date
from zwgk.domain.checkpoint import read_unverified
from zwgk.domain.errors import DomainError
from zwgk.domain.tiles import ENTRIES, HEIGHT, WIDTH, Tile, TileError, available, bundle, tiles_of
from zwgk.projections.audit_log import MerkleLog


def latest_cosigned(s: Services, merkle: MerkleLog, settings: Settings) -> str | None:
    """The latest checkpoint with its witnesses' cosignatures, once the log holds every event."""
    bring_log_up_to_date(s, merkle, settings, policy=None)
    latest = merkle.latest_checkpoint()
    return cosigned_note(merkle, *latest) if latest else None


def tile_content(s: Services, merkle: MerkleLog, tile: Tile) -> bytes:
    """A hash tile's hashes or an entry bundle, when the log is large enough to hold it."""
    if not available(tile, merkle.size()):
        raise TileError(f"the log of {merkle.size()} entries has no tile {tile.path}")
    if tile.level == ENTRIES:
        return bundle(list(log_entries(s, merkle, tile.first, tile.first + tile.width)))
    return b"".join(merkle.nodes(int(tile.level) * HEIGHT, tile.first, tile.first + tile.width))


def static_files(s: Services, merkle: MerkleLog, settings: Settings) -> Iterator[tuple[str, bool, Callable[[], bytes]]]:
    """(path, whether it never changes, its content when asked) of every file of the static log at its latest
    checkpoint, the checkpoint last so that a reader never sees a checkpoint whose tiles are not there yet."""
    note = latest_cosigned(s, merkle, settings)
    if note is None:
        return
    for tile in tiles_of(read_unverified(note).size):
        yield tile.path, tile.width == WIDTH, partial(tile_content, s, merkle, tile)
    yield CHECKPOINT, False, note.encode


def publish(s: Services, merkle: MerkleLog, settings: Settings, target: str) -> int:
    """Write the static log to a directory (full tiles already there are kept as they are) or to
    s3://bucket/prefix (the ZWGK_S3_* server); the number of files the log has. A checkpoint published there
    before is replaced only by one that extends it: a rewritten log is never published over what others hold."""
    bring_log_up_to_date(s, merkle, settings, policy=None)
    held = read_checkpoint(settings, target)
    if held is not None and (reason := unextended(merkle, held)):
        raise DomainError("PUBLISHED_CHECKPOINT_NOT_EXTENDED", "目标处已发布的检查点不是本日志的前缀（日志被截短或改写），拒绝覆盖。",
                          f"the checkpoint published at {target} is not extended by this log: {reason}")
    if target.startswith("s3://"):
        return _to_bucket(static_files(s, merkle, settings), settings, target)
    root, count = Path(target), 0
    for path, immutable, content in static_files(s, merkle, settings):
        file = root / path
        if not (immutable and file.exists()):
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(content())
        count += 1
    return count


def _to_bucket(files: Iterator[tuple[str, bool, Callable[[], bytes]]], settings: Settings, target: str) -> int:
    client, name, prefix = bucket(settings, target)
    if not client.bucket_exists(bucket_name=name):
        client.make_bucket(bucket_name=name)
    count = 0
    for path, _, produce in files:
        content = produce()
        client.put_object(bucket_name=name, object_name=f"{prefix}/{path}" if prefix else path,
                          data=io.BytesIO(content), length=len(content),
                          content_type="text/plain; charset=utf-8" if path == CHECKPOINT else "application/octet-stream")
        count += 1
    return count

"""The latest checkpoint kept outside the database 检查点外部副本: whoever can write the database can delete its
checkpoints and audit log, rebuild the tree over a rewritten history and have it signed anew, but cannot reach
a copy in a directory or a bucket (`ZWGK_CHECKPOINT_COPY`, e.g. where `zwgk audit publish` writes), which
`zwgk audit verify` compares the log with. The copy is replaced only by a checkpoint whose tree extends it, so a
rewrite never overwrites the evidence of what was signed before it."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

from zwgk.connectors.config import ConfigurationError, Settings
from zwgk.domain.checkpoint import CheckpointError, read_unverified
from zwgk.projections.audit_log import MerkleLog, not_extended

log = logging.getLogger("zwgk.checkpoints")
CHECKPOINT = "checkpoint"  # the file's name, as C2SP tlog-tiles names the published checkpoint


def bucket(settings: Settings, target: str) -> tuple[Minio, str, str]:
    """The client, bucket and prefix of an s3://bucket/prefix target on the ZWGK_S3_* server."""
    url = urlsplit(target)
    if not settings.s3_endpoint or not url.netloc:
        raise ConfigurationError(f"{target} needs ZWGK_S3_ENDPOINT and a bucket name")
    endpoint = urlsplit(settings.s3_endpoint if "://" in settings.s3_endpoint else f"http://{settings.s3_endpoint}")
    client = Minio(endpoint.netloc, access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                   secure=endpoint.scheme == "https")
    return client, url.netloc, url.path.strip("/")


def _object(prefix: str) -> str:
    return f"{prefix}/{CHECKPOINT}" if prefix else CHECKPOINT


def read_checkpoint(settings: Settings, target: str) -> str | None:
    """The checkpoint held at a directory or s3:// target; None when there is none yet."""
    if target.startswith("s3://"):
        client, name, prefix = bucket(settings, target)
        try:
            response = client.get_object(bucket_name=name, object_name=_object(prefix))
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchBucket"):
                return None
            raise
        try:
            return bytes(response.read()).decode("utf-8")
        finally:
            response.close()
            response.release_conn()
    path = Path(target) / CHECKPOINT
    return path.read_text(encoding="utf-8") if path.is_file() else None


def write_checkpoint(settings: Settings, target: str, note: str) -> None:
    """Replace the checkpoint at a target whole: a reader never sees half of one."""
    content = note.encode("utf-8")
    if target.startswith("s3://"):
        client, name, prefix = bucket(settings, target)
        if not client.bucket_exists(bucket_name=name):
            client.make_bucket(bucket_name=name)
        client.put_object(bucket_name=name, object_name=_object(prefix), data=io.BytesIO(content), length=len(content),
                          content_type="text/plain; charset=utf-8")
        return
    directory = Path(target)
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(prefix=".checkpoint-", dir=directory)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    os.replace(scratch, directory / CHECKPOINT)


def unextended(merkle: MerkleLog, note: str) -> str:
    """Why the log's current tree does not extend a held checkpoint (its signature is the verifier's to check);
    empty when it does."""
    try:
        found = not_extended(merkle, [read_unverified(note)])
    except CheckpointError as error:
        return f"it is no checkpoint: {error}"
    if found is None:
        return ""
    held, kind = found
    if kind == "truncated":
        return f"the log holds {merkle.size()} entries, fewer than the {held.size} it signed"
    return f"the tree's root at size {held.size} differs from the one it signed: history below it was rewritten"


def keep_copy(merkle: MerkleLog, settings: Settings, note: str) -> bool:
    """Copy a new checkpoint to ZWGK_CHECKPOINT_COPY, unless the copy there is one the tree does not extend: that
    one stays, the evidence of a rewrite, and the refusal is logged. Whether the copy is now this checkpoint."""
    if not settings.checkpoint_copy:
        return False
    held = read_checkpoint(settings, settings.checkpoint_copy)
    if held is not None and (reason := unextended(merkle, held)):
        log.error("the checkpoint copy at %s is not replaced: %s", settings.checkpoint_copy, reason)
        return False
    write_checkpoint(settings, settings.checkpoint_copy, note)
    return True

"""The ledger asks its witnesses (`ZWGK_WITNESSES`) to cosign each new checkpoint, C2SP tlog-witness:
with the consistency proof from the size each last cosigned (learnt from a 409 when it differs), and
keeps the cosignature lines beside the checkpoint. A witness that is down or refuses is logged; the
checkpoint stands, uncosigned by it, and the next checkpoint asks again."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from zwgk.connectors.config import Settings
from zwgk.domain.checkpoint import CheckpointError, Verifier, parse_note, parse_verifier
from zwgk.domain.witness import submission
from zwgk.projections.audit_log import MerkleLog

log = logging.getLogger("zwgk.witnessing")
TIMEOUT = 10.0
SIZE_TYPE = "text/x.tlog.size"


def witness_id(verifier: Verifier) -> str:
    return f"{verifier.name}+{verifier.key_id.hex()}"


def witnesses(settings: Settings) -> list[tuple[str, Verifier]]:
    """The configured witnesses, their keys checked when the settings were read."""
    return [(url, parse_verifier(key)) for url, key in settings.witness_list]


def request_cosignatures(merkle: MerkleLog, size: int, note: str, settings: Settings) -> int:
    """Ask every configured witness that has not yet cosigned this checkpoint; how many cosigned now."""
    cosigned = 0
    held = set(merkle.cosignatures(size))
    for url, verifier in witnesses(settings):
        if any(_cosignature_by(note, line, verifier) for line in held):
            continue
        line = _ask(merkle, url, verifier, size, note)
        if line:
            merkle.add_cosignature(size, witness_id(verifier), line)
            cosigned += 1
    return cosigned


def _ask(merkle: MerkleLog, url: str, verifier: Verifier, size: int, note: str) -> str | None:
    old = merkle.cosigned_size(witness_id(verifier))
    for _ in range(2):  # once more with the size a 409 names
        if old > size:
            log.error("witness %s cosigned size %s, more than this log's checkpoint of %s: the log was rolled back", url, old, size)
            return None
        proof = merkle.consistency_proof(old, size) if 0 < old < size else []
        status, content_type, body = _post(f"{url}/add-checkpoint", submission(old, proof, note))
        if status == 409 and content_type.startswith(SIZE_TYPE) and body.strip().isdigit() and int(body) != old:
            old = int(body)
            continue
        if status == 200:
            for line in body.splitlines(keepends=True):
                if _cosignature_by(note, line, verifier):
                    return line
            log.error("witness %s answered no valid cosignature by %s", url, verifier.name)
            return None
        log.error("witness %s refused the checkpoint of size %s: %s %s", url, size, status, body.strip()[:200])
        return None
    return None


def _cosignature_by(note: str, line: str, verifier: Verifier) -> bool:
    try:
        parse_note(note + line).signed_by(verifier)
    except CheckpointError:
        return False
    return True


def _post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - the operator's configured witness
            return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, "", f"unreachable: {error}"

"""A transparency-log witness 见证人 (C2SP tlog-witness): it cosigns a log's checkpoint only when it
is consistent with the last one it cosigned for that log, so that a log cannot show one history to
some and another to others. Pure: the caller keeps the state (atomically) and speaks HTTP.

The add-checkpoint request body: ``old <size>``, up to 63 base64 consistency-proof lines, an empty
line, then the signed checkpoint. Each refusal carries the HTTP status the spec gives it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zwgk.domain.checkpoint import Checkpoint, CheckpointError, Note, Verifier, cosign, parse_body, parse_note
from zwgk.domain.merkle import verify_consistency

MAX_PROOF = 63
MAX_REQUEST = 1 << 16  # an old size, 63 hashes and a checkpoint with its signatures fit many times over
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class WitnessRefusal(Exception):
    """Not cosigned; `status` is the HTTP status tlog-witness prescribes, `size` the witness's for a 409."""

    def __init__(self, status: int, reason: str, size: int | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.size = status, reason, size


@dataclass(frozen=True)
class Submission:
    old_size: int
    proof: tuple[bytes, ...]
    note: str


@dataclass(frozen=True)
class Witnessed:
    """What the witness holds for one log: the latest checkpoint it cosigned."""

    size: int
    root: bytes


def parse_submission(body: bytes) -> Submission:
    if len(body) > MAX_REQUEST:
        raise WitnessRefusal(400, f"a request larger than {MAX_REQUEST} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRefusal(400, "the request is not UTF-8") from None
    head, separator, note = text.partition("\n\n")
    lines = head.split("\n")
    if not separator or not lines[0].startswith("old ") or not _SIZE.fullmatch(lines[0][4:]):
        raise WitnessRefusal(400, "the request does not start with an 'old <size>' line and end its proof with an empty line")
    if len(lines) - 1 > MAX_PROOF:
        raise WitnessRefusal(400, f"more than {MAX_PROOF} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise WitnessRefusal(400, "a consistency proof line is not base64") from None
        if len(digest) != 32:
            raise WitnessRefusal(400, "a consistency proof line is not a 32-byte hash")
        proof.append(digest)
    return Submission(int(lines[0][4:]), tuple(proof), note)


def submission(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The add-checkpoint request body, as a log sends it."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def add_checkpoint(
    request: Submission,
    logs: Mapping[str, Sequence[Verifier]],
    witnessed: Witnessed | None,
    name: str,
    key: Ed25519PrivateKey,
    now: datetime,
) -> tuple[Checkpoint, str]:
    """The checks of tlog-witness in its order; the checkpoint to record and the cosignature line to answer."""
    try:
        note = parse_note(request.note)
        checkpoint = parse_body(note.text)
    except CheckpointError as error:
        raise WitnessRefusal(400, str(error)) from None
    trusted = logs.get(checkpoint.origin)
    if not trusted:
        raise WitnessRefusal(404, f"unknown log {checkpoint.origin}")
    if not any(_signed(note, verifier) for verifier in trusted):
        raise WitnessRefusal(403, f"no valid signature by a key of log {checkpoint.origin}")
    if request.old_size > checkpoint.size:
        raise WitnessRefusal(400, f"old size {request.old_size} is larger than the checkpoint's {checkpoint.size}")
    held = witnessed.size if witnessed else 0
    if request.old_size != held:
        raise WitnessRefusal(409, f"the latest cosigned size is {held}, not {request.old_size}", held)
    if witnessed and request.old_size == checkpoint.size:
        if checkpoint.root != witnessed.root:
            raise WitnessRefusal(409, f"a different root for the cosigned size {held}: the log forked", held)
    elif witnessed:
        if not verify_consistency(witnessed.size, checkpoint.size, request.proof, witnessed.root, checkpoint.root):
            raise WitnessRefusal(422, f"the tree of size {checkpoint.size} does not extend the cosigned one of size {held}")
    elif request.proof:
        raise WitnessRefusal(422, "a consistency proof from size 0 must be empty")
    return checkpoint, cosign(note, name, key, now).line()


def _signed(note: Note, verifier: Verifier) -> bool:
    try:
        note.signed_by(verifier)
    except CheckpointError:
        return False
    return True

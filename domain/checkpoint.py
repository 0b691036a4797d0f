"""Signed checkpoints 签名检查点 in the transparency-log text formats (C2SP tlog-checkpoint
and signed-note), with Ed25519 signatures. Self-contained: an inspector's own tool can
verify a checkpoint with this file and the `cryptography` package alone.

Checkpoint body (UTF-8, every line ends in "\\n"):

    <origin>
    <tree size, decimal>
    <root hash, standard base64>
    Timestamp: <UTC, YYYY-MM-DDTHH:MM:SSZ>

then an empty line and one signature line:

    — <key name> <base64(key id ‖ Ed25519 signature over the body)>

key id = SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ 32-byte public key)[:4].
Public keys travel as verifier keys: ``<name>+<key id hex>+<base64(0x01 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DASH = "\u2014"
ED25519 = b"\x01"


class CheckpointError(ValueError):
    """A checkpoint or key that does not parse or does not verify."""


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    encoded = base64.b64encode(ED25519 + _raw(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        if raw[:1] != ED25519 or len(raw) != 33:
            raise ValueError("not an Ed25519 key")
        public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    except ValueError as error:
        raise CheckpointError(f"not a verifier key: {error}") from None
    if key_id(name, public_key).hex() != hex_id:
        raise CheckpointError("verifier key id does not match its key")
    return name, public_key


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp: datetime

    def body(self) -> str:
        stamp = self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
            f"Timestamp: {stamp}\n"
        )

    def sign(self, name: str, private_key: Ed25519PrivateKey) -> str:
        body = self.body()
        signature = private_key.sign(body.encode())
        stamp = base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()
        return f"{body}\n{DASH} {name} {stamp}\n"


def open_checkpoint(note: str, name: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """Parse a signed checkpoint and verify its signature by the named key."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise CheckpointError("no signature block")
    body += "\n"
    wanted = key_id(name, public_key)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if blob[:4] != wanted:
            continue
        try:
            public_key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise CheckpointError("signature does not verify: the checkpoint was altered or not signed by this key") from None
        return _parse_body(body)
    raise CheckpointError(f"no signature by key {name}")


def read_unverified(note: str) -> Checkpoint:
    """What a note states, its signature not checked: only for the log's own records."""
    return _parse_body(note.partition("\n\n")[0] + "\n")


def _parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    try:
        origin, size, root, stamp = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True), lines[3]
        if not stamp.startswith("Timestamp: ") or len(root) != 32 or size < 0:
            raise ValueError("malformed")
        timestamp = datetime.strptime(stamp[len("Timestamp: "):], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (IndexError, ValueError) as error:
        raise CheckpointError(f"malformed checkpoint body: {error}") from None
    return Checkpoint(origin, size, root, timestamp)

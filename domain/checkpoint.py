"""Signed checkpoints 签名检查点 in the transparency-log text formats, parsed strictly: C2SP
`signed-note` (the note and its signature lines), `tlog-checkpoint` (the body) and
`tlog-cosignature` (the timestamped `cosignature/v1`). Self-contained: an inspector's own tool can
verify a checkpoint with this file and the `cryptography` package alone.

Checkpoint body (UTF-8, every line ends in "\\n"): origin, tree size in decimal, root hash in
standard base64, then optional extension lines (zwgk writes none; its older checkpoints carry
``Timestamp: YYYY-MM-DDTHH:MM:SSZ``). Then an empty line and signature lines
``— <key name> <base64(key id ‖ signature)>``; the note splits at its LAST empty line.

The log signs twice with its one key: an Ed25519 note signature (type 0x01, what every signed-note
client checks) and a cosignature/v1 (type 0x04), whose timestamp is when it signed — the time where
the specs put it. Witnesses add their own cosignature/v1 lines.

key id = SHA-256(key name ‖ "\\n" ‖ type ‖ 32-byte public key)[:4]; a cosignature/v1 signature is
``timestamp (8 bytes, big-endian seconds) ‖ Ed25519 over "cosignature/v1\\ntime <t>\\n" ‖ body``.
Public keys travel as verifier keys: ``<name>+<key id hex>+<base64(type ‖ public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DASH = "\u2014"
ED25519 = b"\x01"
COSIGNATURE = b"\x04"
MAX_SIGNATURES = 100  # signed-note lets a verifier refuse more; the Go implementation does at 100
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
TIMESTAMP = "Timestamp: "


class CheckpointError(ValueError):
    """A checkpoint or key that does not parse or does not verify."""


def valid_key_name(name: str) -> bool:
    """signed-note: a key name is non-empty and holds neither Unicode white space nor "+"."""
    return bool(name) and "+" not in name and not any(ch.isspace() or unicodedata.category(ch) == "Zs" for ch in name)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey, kind: bytes = ED25519) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + kind + _raw(public_key)).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """One public key that signatures of a note can be checked with: the log's (Ed25519) or a
    witness's (cosignature/v1)."""

    name: str
    public_key: Ed25519PublicKey
    kind: bytes = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, self.kind)

    def __str__(self) -> str:
        encoded = base64.b64encode(self.kind + _raw(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, text: str, signature: bytes) -> datetime | None:
        """The signature's time for a cosignature, None for a plain signature; CheckpointError when it
        does not verify."""
        message, signed_at = text.encode(), None
        if self.kind == COSIGNATURE:
            if len(signature) != 72:
                raise CheckpointError(f"cosignature by {self.name} is not 8 + 64 bytes")
            seconds = int.from_bytes(signature[:8], "big")
            message = f"cosignature/v1\ntime {seconds}\n".encode() + message
            signature, signed_at = signature[8:], _posix_time(seconds)
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            raise CheckpointError(
                f"signature does not verify: the checkpoint was altered or not signed by this key ({self.name})") from None
        return signed_at


def _posix_time(seconds: int) -> datetime:
    """A cosignature's timestamp; tlog-cosignature caps it at 2^63 - 1, and a date past year 9999 is no time."""
    try:
        if seconds >= 1 << 63:
            raise ValueError(seconds)
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise CheckpointError(f"a cosignature's time {seconds} is out of range") from None


def verifier_key(name: str, public_key: Ed25519PublicKey, kind: bytes = ED25519) -> str:
    return str(Verifier(name, public_key, kind))


def parse_verifier(text: str) -> Verifier:
    """A verifier key `name+id+base64(type ‖ key)`: type 0x01 (Ed25519) or 0x04 (cosignature/v1)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("not a verifier key: it is name+key id+key")
    name, hex_id, encoded = parts
    if not valid_key_name(name):
        raise CheckpointError(f"not a verifier key: invalid key name {name!r}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CheckpointError("not a verifier key: the key is not base64") from None
    if raw[:1] not in (ED25519, COSIGNATURE) or len(raw) != 33:
        raise CheckpointError("not a verifier key: not an Ed25519 or cosignature/v1 key")
    verifier = Verifier(name, Ed25519PublicKey.from_public_bytes(raw[1:]), raw[:1])
    if len(hex_id) != 8 or verifier.key_id.hex() != hex_id.lower():
        raise CheckpointError("verifier key id does not match its key")
    return verifier


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    """The log's own Ed25519 verifier key as (name, key)."""
    verifier = parse_verifier(text)
    if verifier.kind != ED25519:
        raise CheckpointError("not a verifier key: a cosignature key cannot sign a checkpoint")
    return verifier.name, verifier.public_key


@dataclass(frozen=True)
class Signature:
    """One signature line of a note, not yet verified."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str  # ends in "\n"
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def signed_by(self, verifier: Verifier) -> datetime | None:
        """Check the signature by this key (the first line with its name and id): its time for a
        cosignature; CheckpointError when there is none or it fails."""
        for signature in self.signatures:
            if signature.name == verifier.name and signature.key_id == verifier.key_id:
                return verifier.verify(self.text, signature.signature)
        raise CheckpointError(f"no signature by key {verifier.name}")


def parse_note(message: str | bytes) -> Note:
    """A signed note per C2SP signed-note; anything the format forbids raises CheckpointError."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("malformed note: not UTF-8") from None
    if any(ord(ch) < 0x20 and ch != "\n" for ch in message):
        raise CheckpointError("malformed note: it holds control characters")
    split = message.rfind("\n\n")
    if split < 0:
        raise CheckpointError("malformed note: no signature block")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise CheckpointError("malformed note: the signature block is empty or does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_signature(line) for line in lines))


def _signature(line: str) -> Signature:
    prefix = DASH + " "
    name, _, encoded = line[len(prefix) :].partition(" ")
    if not line.startswith(prefix) or not valid_key_name(name) or not encoded:
        raise CheckpointError(f"malformed note: not a signature line: {line[:80]!r}")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CheckpointError(f"malformed note: signature of {name} is not base64") from None
    if len(blob) < 5:
        raise CheckpointError(f"malformed note: signature of {name} is too short")
    return Signature(name, blob[:4], blob[4:])


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp: datetime | None = None  # when the log signed it (its own cosignature/v1; older zwgk: an extension line)
    extensions: tuple[str, ...] = ()  # the extension lines, as they stand

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    def sign(self, name: str, private_key: Ed25519PrivateKey) -> str:
        """The note signed by the log's key, and cosigned by it at `timestamp` when there is one."""
        if not valid_key_name(name):
            raise CheckpointError(f"invalid key name {name!r}: it must hold no white space and no '+'")
        body = self.body()
        note = Note(body, (Signature(name, key_id(name, private_key.public_key()), private_key.sign(body.encode())),))
        if self.timestamp is not None and _legacy_time(self.extensions) is None:
            note = Note(body, (*note.signatures, cosign(note, name, private_key, self.timestamp)))
        return str(note)


def cosign(note: Note, name: str, private_key: Ed25519PrivateKey, at: datetime) -> Signature:
    """A witness's cosignature/v1 on a checkpoint note's body, timestamped in whole seconds."""
    seconds = int(at.timestamp())
    message = f"cosignature/v1\ntime {seconds}\n".encode() + note.text.encode()
    blob = seconds.to_bytes(8, "big") + private_key.sign(message)
    return Signature(name, key_id(name, private_key.public_key(), COSIGNATURE), blob)


def open_signed(message: str, log: Verifier, witnesses: tuple[Verifier, ...] = (), quorum: int = 0) -> Checkpoint:
    """Parse a checkpoint, verify the log's signature and at least `quorum` of the witnesses'
    cosignatures (each witness counted once)."""
    note = parse_note(message)
    note.signed_by(log)
    cosigned = 0
    for witness in {(w.name, w.key_id): w for w in witnesses}.values():
        try:
            note.signed_by(witness)
        except CheckpointError:
            continue
        cosigned += 1
    if cosigned < quorum:
        raise CheckpointError(f"cosigned by {cosigned} of the required witnesses, fewer than the quorum {quorum}")
    checkpoint = parse_body(note.text)
    if checkpoint.origin != log.name:
        raise CheckpointError(f"checkpoint of log {checkpoint.origin!r} signed by key {log.name!r}")
    own = Verifier(log.name, log.public_key, COSIGNATURE)
    if any(sig.name == own.name and sig.key_id == own.key_id for sig in note.signatures):
        checkpoint = replace(checkpoint, timestamp=note.signed_by(own))
    return checkpoint


def open_checkpoint(note: str, name: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """Parse a signed checkpoint and verify its signature by the named key."""
    return open_signed(note, Verifier(name, public_key))


def read_unverified(note: str) -> Checkpoint:
    """What a note states, its signatures not checked (the time from the first timestamped signature by
    the log's name): only for the log's own records."""
    parsed = parse_note(note)
    checkpoint = parse_body(parsed.text)
    for signature in parsed.signatures:
        if checkpoint.timestamp is None and signature.name == checkpoint.origin and len(signature.signature) == 72:
            checkpoint = replace(checkpoint, timestamp=_posix_time(int.from_bytes(signature.signature[:8], "big")))
    return checkpoint


def parse_body(text: str) -> Checkpoint:
    """tlog-checkpoint: origin, size, root hash, then extension lines (none empty)."""
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not text.endswith("\n"):
        raise CheckpointError("malformed checkpoint body: fewer than three lines")
    origin, size, root, *extensions = lines
    if not origin:
        raise CheckpointError("malformed checkpoint body: empty origin")
    if not _SIZE.fullmatch(size) or int(size) >= 1 << 64:
        raise CheckpointError(f"malformed checkpoint body: tree size {size!r} is not a decimal number")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise CheckpointError("malformed checkpoint body: root hash is not base64") from None
    if len(digest) != 32 or base64.b64encode(digest).decode() != root:
        raise CheckpointError("malformed checkpoint body: root hash is not 32 bytes in standard base64")
    if any(not line for line in extensions):
        raise CheckpointError("malformed checkpoint body: empty extension line")
    return Checkpoint(origin, int(size), digest, _legacy_time(tuple(extensions)), tuple(extensions))


def _legacy_time(extensions: tuple[str, ...]) -> datetime | None:
    """The signing time zwgk's checkpoints stated as a first extension line before they were cosigned by the log."""
    if extensions and extensions[0].startswith(TIMESTAMP):
        try:
            return datetime.strptime(extensions[0][len(TIMESTAMP):], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None

"""The ledger's checkpoint signing key 签名密钥: from `ZWGK_SIGNING_KEY_FILE`, never the repo.

Without that setting, the embedded default keeps a key under ./var/keys/, made when the operator's
side signs its first checkpoint, with owner-only permissions, so that the demo can sign without
set-up. Verifying never makes a key: it takes the public key given, or derives it from the key
file when that exists.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from zwgk.connectors.config import ConfigurationError, Settings
from zwgk.domain.checkpoint import Checkpoint, CheckpointError, Verifier, parse_verifier, verifier_key

log = logging.getLogger("zwgk.signing")
DEFAULT_KEY_FILE = Path("var/keys/checkpoint-ed25519.pem")


def write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


@dataclass(frozen=True)
class Notary:
    """Signs checkpoints under the log's origin as key name."""

    name: str
    key: Ed25519PrivateKey

    @classmethod
    def from_settings(cls, settings: Settings) -> Notary:
        """The operator's signer; on the embedded default, the first checkpoint makes its key."""
        path = key_file(settings)
        if not path.exists():
            if settings.signing_key_file:
                raise ConfigurationError(f"ZWGK_SIGNING_KEY_FILE {path} does not exist (zwgk audit keygen makes one)")
            write_new_key(path)
            log.warning("created checkpoint signing key %s; keep it secret and back it up", path)
        return cls.load(settings)

    @classmethod
    def load(cls, settings: Settings) -> Notary:
        path = key_file(settings)
        try:
            key = load_pem_private_key(path.read_bytes(), password=None)
        except ValueError as error:
            raise ConfigurationError(f"signing key {path} is not a PEM private key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"signing key {path} is not an Ed25519 key")
        return cls(settings.log_origin, key)

    def sign(self, checkpoint: Checkpoint) -> str:
        return checkpoint.sign(self.name, self.key)

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.key.public_key())


def key_file(settings: Settings) -> Path:
    return Path(settings.signing_key_file) if settings.signing_key_file else DEFAULT_KEY_FILE


class NoPublicKey(ConfigurationError):
    """Neither a public key was given nor the operator's key file is here: nothing to verify with."""


def log_verifiers(settings: Settings, public_keys: str | None = None) -> tuple[Verifier, ...]:
    """The keys checkpoints verify with: the verifier keys given (one a line: the log's keys over time, each
    checkpoint naming the one it was signed with by its key id), else the one of the operator's key file when
    it exists. Never creates a key."""
    if public_keys is not None:
        try:
            verifiers = tuple(parse_verifier(line) for line in public_keys.splitlines() if line.strip())
        except CheckpointError as error:
            raise ConfigurationError(f"public key: {error}") from None
        if not verifiers:
            raise ConfigurationError("public key: the file holds no verifier key")
        return verifiers
    if not key_file(settings).exists():
        raise NoPublicKey(f"no signing key {key_file(settings)} here: give the log's public key "
                          "(--public-key, what zwgk audit public-key prints on the operator's side)")
    notary = Notary.load(settings)
    return (Verifier(notary.name, notary.key.public_key()),)

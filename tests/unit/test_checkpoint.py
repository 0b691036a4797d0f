"""Signed checkpoints: the note format, Ed25519 signatures, verifier keys."""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zwgk.domain.checkpoint import (
    DASH,
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    parse_verifier_key,
    read_unverified,
    verifier_key,
)

KEY = Ed25519PrivateKey.generate()
NAME = "zwgk.local/ledger"
CHECKPOINT = Checkpoint(NAME, 57, bytes(range(32)), datetime(2026, 11, 23, 3, 10, 48, tzinfo=UTC))


def test_note_has_the_transparency_log_layout():
    note = CHECKPOINT.sign(NAME, KEY)
    lines = note.split("\n")
    assert lines[:4] == [NAME, "57", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "Timestamp: 2026-11-23T03:10:48Z"]
    assert lines[4] == "" and lines[5].startswith(f"{DASH} {NAME} ") and note.endswith("\n")


def test_signed_note_round_trips_through_the_verifier_key():
    name, public = parse_verifier_key(verifier_key(NAME, KEY.public_key()))
    assert open_checkpoint(CHECKPOINT.sign(NAME, KEY), name, public) == CHECKPOINT
    assert read_unverified(CHECKPOINT.sign(NAME, KEY)) == CHECKPOINT


@pytest.mark.parametrize("tamper", [lambda n: n.replace("\n57\n", "\n58\n"), lambda n: n.replace("AAEC", "AAED")])
def test_altered_checkpoint_fails_its_signature(tamper):
    with pytest.raises(CheckpointError, match="signature does not verify"):
        open_checkpoint(tamper(CHECKPOINT.sign(NAME, KEY)), NAME, KEY.public_key())


def test_checkpoint_signed_by_another_key_is_refused():
    other = Ed25519PrivateKey.generate()
    with pytest.raises(CheckpointError, match="no signature"):
        open_checkpoint(CHECKPOINT.sign(NAME, other), NAME, KEY.public_key())


def test_verifier_key_with_wrong_id_is_refused():
    name, hex_id, encoded = verifier_key(NAME, KEY.public_key()).split("+", 2)
    with pytest.raises(CheckpointError):
        parse_verifier_key(f"{name}+00000000+{encoded}")

"""Signed checkpoints: the note format, Ed25519 signatures, verifier keys, witnesses' cosignatures."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zwgk.connectors.config import ConfigurationError, Settings
from zwgk.domain.checkpoint import (
    COSIGNATURE,
    DASH,
    Checkpoint,
    CheckpointError,
    Note,
    Signature,
    Verifier,
    cosign,
    key_id,
    open_checkpoint,
    open_signed,
    parse_body,
    parse_note,
    parse_verifier,
    parse_verifier_key,
    read_unverified,
    valid_key_name,
    verifier_key,
)

KEY = Ed25519PrivateKey.generate()
NAME = "zwgk.local/ledger"
CHECKPOINT = Checkpoint(NAME, 57, bytes(range(32)), datetime(2026, 11, 23, 3, 10, 48, tzinfo=UTC))


def test_note_has_the_transparency_log_layout_and_its_time_in_the_logs_own_cosignature():
    note = CHECKPOINT.sign(NAME, KEY)
    lines = note.split("\n")
    assert lines[:4] == [NAME, "57", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", ""]  # no extension line
    assert lines[4].startswith(f"{DASH} {NAME} ") and lines[5].startswith(f"{DASH} {NAME} ") and note.endswith("\n")
    cosignature = parse_note(note).signatures[1]
    assert cosignature.key_id == key_id(NAME, KEY.public_key(), COSIGNATURE)
    assert int.from_bytes(cosignature.signature[:8], "big") == int(CHECKPOINT.timestamp.timestamp())
    assert parse_note(note).signed_by(Verifier(NAME, KEY.public_key(), COSIGNATURE)) == CHECKPOINT.timestamp


def test_older_checkpoints_with_a_timestamp_extension_line_still_verify():
    legacy = Checkpoint(NAME, 57, bytes(range(32)), extensions=("Timestamp: 2026-11-23T03:10:48Z",))
    note = legacy.sign(NAME, KEY)
    assert note.split("\n")[3] == "Timestamp: 2026-11-23T03:10:48Z" and note.count(DASH) == 1
    opened = open_checkpoint(note, NAME, KEY.public_key())
    assert opened.timestamp == CHECKPOINT.timestamp and opened.body() == legacy.body()


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


# C2SP signed-note and tlog-checkpoint, strictly; interop with the published examples of Go's
# golang.org/x/mod/sumdb/note (tests/data/sumdb_note_examples.json, copied from its documentation).
GO = json.loads((Path(__file__).parents[1] / "data" / "sumdb_note_examples.json").read_text(encoding="utf-8"))


def test_go_documentation_note_verifies_with_its_published_key():
    note = parse_note(GO["signed"])
    assert note.text == GO["text"]
    assert note.signed_by(parse_verifier(GO["peter_key"])) is None
    assert str(note) == GO["signed"]


def test_go_documentation_doubly_signed_note_verifies_with_both_keys():
    note = parse_note(GO["doubly_signed"])
    for key in (GO["peter_key"], GO["enoch_key"]):
        note.signed_by(parse_verifier(key))


def test_go_documentation_signer_key_reproduces_its_signature():
    """Ed25519 is deterministic: the documented private key signs the documented text into the same line."""
    name, hex_id, encoded = GO["signer_key"].removeprefix("PRIVATE+KEY+").split("+", 2)
    seed = base64.b64decode(encoded)
    key = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert verifier_key(name, key.public_key()) == GO["peter_key"] and hex_id == "c74f20a3"
    signature = Signature(name, bytes.fromhex(hex_id), key.sign(GO["text"].encode()))
    assert str(Note(GO["text"], (signature,))) == GO["signed"]


@pytest.mark.parametrize("bad", GO["bad_keys"])
def test_go_documentation_bad_verifier_keys_are_refused(bad):
    with pytest.raises(CheckpointError):
        parse_verifier(bad)


PETER_SIG = GO["signed"].removeprefix(GO["text"] + "\n")
BAD_NOTES = {  # Go's note_test.go "Invalid encoded message syntax", each one malformed
    "no signature block": GO["text"],
    "empty signature block": GO["text"] + "\n",
    "no final newline": GO["text"] + "\n" + PETER_SIG[:-1],
    "control character": "\x01" + GO["text"] + "\n" + PETER_SIG,
    "a name with a space": GO["text"] + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")[:-1],
    "a garbage line after a good signature": GO["text"] + "\n" + PETER_SIG + "Unexpected line.\n",
    "a signature that is not base64": GO["text"] + "\n— PeterNeumann not*base64\n",
    "a signature shorter than a key id and one byte": GO["text"] + "\n— PeterNeumann AAAAAA==\n",
}


@pytest.mark.parametrize("reason", list(BAD_NOTES))
def test_malformed_notes_are_refused(reason):
    with pytest.raises(CheckpointError, match="malformed"):
        parse_note(BAD_NOTES[reason])


def test_invalid_utf8_is_refused():
    with pytest.raises(CheckpointError, match="not UTF-8"):
        parse_note(b"\xff" + GO["signed"].encode())


def test_a_tampered_signature_fails_even_with_a_good_one_after_it():
    tampered = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointError, match="does not verify"):
        parse_note(GO["text"] + "\n" + tampered + PETER_SIG).signed_by(parse_verifier(GO["peter_key"]))


def test_note_splits_at_the_last_blank_line():
    note = parse_note("first paragraph\n\nsecond paragraph\n\n" + PETER_SIG)
    assert note.text == "first paragraph\n\nsecond paragraph\n" and len(note.signatures) == 1


def test_three_line_checkpoint_without_extension_is_accepted():
    plain = Checkpoint(NAME, 57, bytes(range(32)))
    note = plain.sign(NAME, KEY)
    assert note.split("\n")[3] == ""  # origin, size, root, then the blank line
    assert open_checkpoint(note, NAME, KEY.public_key()) == plain
    assert read_unverified(note).timestamp is None and note.count(DASH) == 1  # no time: no cosignature


def test_extension_lines_are_kept_and_signed():
    extended = Checkpoint(NAME, 57, bytes(range(32)), extensions=("witness-hint: example",))
    assert open_checkpoint(extended.sign(NAME, KEY), NAME, KEY.public_key()).extensions == ("witness-hint: example",)


@pytest.mark.parametrize("body", [
    "zwgk.local/ledger\n057\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",  # leading zero
    "zwgk.local/ledger\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    "zwgk.local/ledger\n57\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",  # 31 bytes
    "zwgk.local/ledger\n57\n",
    "\n57\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
])
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(CheckpointError, match="malformed checkpoint"):
        parse_body(body)


@pytest.mark.parametrize("name", ["zwgk ledger", "zwgk+ledger", "", "zwgk\u3000ledger"])
def test_key_names_with_space_or_plus_are_invalid(name):
    assert not valid_key_name(name)
    with pytest.raises(CheckpointError):
        CHECKPOINT.sign(name, KEY)


@pytest.mark.parametrize("origin", ["zwgk ledger", "zwgk+ledger"])
def test_log_origin_with_space_or_plus_is_refused_at_start_up(origin):
    with pytest.raises(ConfigurationError, match="ZWGK_LOG_ORIGIN"):
        Settings.from_env({"ZWGK_LOG_ORIGIN": origin})


def test_witness_cosignature_round_trips_with_its_time():
    witness = Ed25519PrivateKey.generate()
    verifier = parse_verifier(verifier_key("witness.example/w1", witness.public_key(), COSIGNATURE))
    note = parse_note(CHECKPOINT.sign(NAME, KEY))
    at = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
    cosigned = str(note) + cosign(note, verifier.name, witness, at).line()
    log = Verifier(NAME, KEY.public_key())
    assert open_signed(cosigned, log, (verifier,), quorum=1) == CHECKPOINT
    assert parse_note(cosigned).signed_by(verifier) == at
    with pytest.raises(CheckpointError, match="quorum"):
        open_signed(str(note), log, (verifier,), quorum=1)


def test_a_cosignature_does_not_pass_for_the_logs_signature():
    witness = Ed25519PrivateKey.generate()
    note = parse_note(CHECKPOINT.sign(NAME, Ed25519PrivateKey.generate()))
    forged = Note(note.text, (cosign(note, NAME, witness, datetime.now(UTC)),))
    with pytest.raises(CheckpointError, match="no signature"):
        open_signed(str(forged), Verifier(NAME, witness.public_key()))


def test_witnesses_setting_is_checked_at_start_up():
    witness = verifier_key("witness.example/w1", Ed25519PrivateKey.generate().public_key(), COSIGNATURE)
    settings = Settings.from_env({"ZWGK_WITNESSES": f"http://127.0.0.1:8100/ {witness}; https://w2.example {witness}"})
    assert settings.witness_list == [("http://127.0.0.1:8100", witness), ("https://w2.example", witness)]
    log_key = verifier_key(NAME, KEY.public_key())
    for bad in (witness, f"127.0.0.1:8100 {witness}", f"http://127.0.0.1:8100 {log_key}", "http://127.0.0.1:8100 x+y+z"):
        with pytest.raises(ConfigurationError, match="ZWGK_WITNESSES"):
            Settings.from_env({"ZWGK_WITNESSES": bad})


def test_a_cosignature_time_out_of_range_is_refused_not_a_crash():
    note = parse_note(CHECKPOINT.sign(NAME, KEY))
    witness = Ed25519PrivateKey.generate()
    far = Signature("witness.example/w1", key_id("witness.example/w1", witness.public_key(), COSIGNATURE),
                    (1 << 63).to_bytes(8, "big") + bytes(64))
    verifier = Verifier("witness.example/w1", witness.public_key(), COSIGNATURE)
    with pytest.raises(CheckpointError, match="out of range"):
        Note(note.text, (far,)).signed_by(verifier)
    with pytest.raises(CheckpointError, match="quorum"):
        open_signed(str(note) + far.line(), Verifier(NAME, KEY.public_key()), (verifier,), quorum=1)

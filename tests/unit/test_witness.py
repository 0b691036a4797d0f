"""A witness's checks (C2SP tlog-witness), in the order and with the statuses the spec gives."""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zwgk.domain.checkpoint import COSIGNATURE, Checkpoint, Verifier, open_signed, parse_verifier, verifier_key
from zwgk.domain.merkle import consistency_proof, leaf_hash, root_of
from zwgk.domain.witness import Submission, Witnessed, WitnessRefusal, add_checkpoint, parse_submission, submission

LOG = "zwgk.local/ledger"
LOG_KEY = Ed25519PrivateKey.generate()
WITNESS_KEY = Ed25519PrivateKey.generate()
LOGS = {LOG: [Verifier(LOG, LOG_KEY.public_key())]}
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(20)]
FORKED = LEAVES[:5] + [leaf_hash(f"other {i}".encode()) for i in range(5, 20)]


def nodes(leaves):
    return lambda level, index: root_of(leaves[index << level : (index + 1) << level])


def signed(size: int, leaves=LEAVES, key=LOG_KEY, origin=LOG) -> str:
    return Checkpoint(origin, size, root_of(leaves[:size])).sign(origin, key)


def request(old: int, size: int, leaves=LEAVES, **kwargs) -> Submission:
    proof = consistency_proof(nodes(leaves), old, size) if 0 < old < size else []
    return parse_submission(submission(old, proof, signed(size, leaves, **kwargs)))


def witness(req: Submission, held: Witnessed | None = None) -> str:
    return add_checkpoint(req, LOGS, held, "witness.example/w1", WITNESS_KEY, NOW)[1]


def refusal(req: Submission, held: Witnessed | None = None) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as caught:
        witness(req, held)
    return caught.value


def test_a_first_checkpoint_and_a_consistent_later_one_are_cosigned():
    line = witness(request(0, 10))
    cosigned = signed(10) + line
    vkey = parse_verifier(verifier_key("witness.example/w1", WITNESS_KEY.public_key(), COSIGNATURE))
    assert open_signed(cosigned, LOGS[LOG][0], (vkey,), quorum=1).size == 10
    assert witness(request(10, 20), Witnessed(10, root_of(LEAVES[:10]))).startswith("— witness.example/w1 ")


def test_a_forked_tree_fails_the_consistency_proof_with_422():
    assert refusal(request(10, 20, FORKED), Witnessed(10, root_of(LEAVES[:10]))).status == 422


def test_the_same_size_with_another_root_is_a_409():
    assert refusal(request(10, 10, FORKED), Witnessed(10, root_of(LEAVES[:10]))).status == 409


def test_an_old_size_other_than_the_cosigned_one_is_a_409_naming_it():
    refused = refusal(request(5, 20), Witnessed(10, root_of(LEAVES[:10])))
    assert (refused.status, refused.size) == (409, 10)
    assert refusal(request(0, 8), Witnessed(10, root_of(LEAVES[:10]))).size == 10  # a smaller tree: never cosigned


def test_an_old_size_larger_than_the_checkpoint_is_a_400():
    assert refusal(Submission(9, (), signed(8))).status == 400


def test_a_bad_signature_is_a_403_and_an_unknown_log_a_404():
    assert refusal(request(0, 10, key=Ed25519PrivateKey.generate())).status == 403
    assert refusal(request(0, 10, key=Ed25519PrivateKey.generate(), origin="other.example/log")).status == 404


@pytest.mark.parametrize("body", [b"old 01\n\n", b"new 1\n\n", b"old 1\nnot base64\n\n", b"old 1\n" + b"AAAA\n" + b"\n", b"\xff"])
def test_malformed_requests_are_a_400(body):
    with pytest.raises(WitnessRefusal) as caught:
        parse_submission(body + signed(3).encode())
    assert caught.value.status == 400


def test_more_than_63_proof_lines_are_a_400():
    proof = [bytes(32)] * 64
    with pytest.raises(WitnessRefusal, match="63"):
        parse_submission(submission(1, proof, signed(3)))


def test_an_oversized_request_is_a_400():
    with pytest.raises(WitnessRefusal, match="larger"):
        parse_submission(submission(0, [], signed(3)) + b"x" * (1 << 16))

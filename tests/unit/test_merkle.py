"""RFC 6962 / 9162 Merkle hashing and proofs: known answers and properties."""

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent.parent / "data" / "rfc6962_vectors.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaves_hex"]]


def tree(leaves):
    """Node source over leaves held in memory: every perfect, aligned subtree."""

    def get(level, index):
        return root_of(leaves[index << level : (index + 1) << level])

    return get


def test_rfc6962_roots_for_sizes_one_to_eight():
    assert EMPTY_ROOT.hex() == VECTORS["empty_root"]
    for size, root in VECTORS["roots_by_size"].items():
        assert root_of(LEAVES[: int(size)]).hex() == root


def test_rfc6962_inclusion_proofs():
    for case in VECTORS["inclusion"]:
        leaves = LEAVES[: case["size"]]
        proof = inclusion_proof(tree(leaves), case["index"], case["size"])
        assert [p.hex() for p in proof] == case["proof"]
        assert verify_inclusion(leaves[case["index"]], case["index"], case["size"], proof, root_of(leaves))


def test_rfc6962_consistency_proofs():
    for case in VECTORS["consistency"]:
        old, new = LEAVES[: case["first"]], LEAVES[: case["second"]]
        proof = consistency_proof(tree(new), case["first"], case["second"])
        assert [p.hex() for p in proof] == case["proof"]
        assert verify_consistency(case["first"], case["second"], proof, root_of(old), root_of(new))


@given(size=st.integers(min_value=1, max_value=300), data=st.data())
def test_frontier_appends_give_the_same_root_and_nodes(size, data):
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    frontier, nodes = Frontier(), {}
    for leaf in leaves:
        for level, index, h in frontier.append(leaf):
            nodes[(level, index)] = h
    assert frontier.root() == root_of(leaves)
    level, index = data.draw(st.sampled_from(sorted(nodes)))
    assert nodes[(level, index)] == root_of(leaves[index << level : (index + 1) << level])
    reloaded = Frontier(size, [nodes[k] for k in Frontier.levels(size)])
    assert reloaded.root() == frontier.root()


def flip(proof, data):
    which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    damaged = bytearray(proof[which])
    damaged[bit // 8] ^= 1 << (bit % 8)
    return proof[:which] + [bytes(damaged)] + proof[which + 1 :]


@given(size=st.integers(min_value=1, max_value=200), data=st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_fails(size, data):
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = root_of(leaves)
    proof = inclusion_proof(tree(leaves), index, size)
    assert verify_inclusion(leaves[index], index, size, proof, root)
    assert len(proof) <= size.bit_length()
    if proof:
        assert not verify_inclusion(leaves[index], index, size, flip(proof, data), root)
    assert not verify_inclusion(leaf_hash(b"forged"), index, size, proof, root)


@given(new=st.integers(min_value=2, max_value=200), data=st.data())
def test_every_consistency_proof_verifies_and_any_flipped_bit_fails(new, data):
    old = data.draw(st.integers(min_value=1, max_value=new - 1))
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(new)]
    old_root, new_root = root_of(leaves[:old]), root_of(leaves)
    proof = consistency_proof(tree(leaves), old, new)
    assert verify_consistency(old, new, proof, old_root, new_root)
    assert not verify_consistency(old, new, flip(proof, data), old_root, new_root)
    rewritten = root_of([leaf_hash(b"rewritten")] + leaves[1:old])
    assert not verify_consistency(old, new, proof, rewritten, new_root)

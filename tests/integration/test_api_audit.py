"""Audit over HTTP, against a real `zwgk serve` process on SQLite and PostgreSQL: what the service
answers verifies offline, with the public key alone and zwgk.domain's reference checks."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import ZwgkServer, isolated, token_for
from zwgk.connectors.config import Settings
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import audit_log, services
from zwgk.domain.checkpoint import open_checkpoint, parse_verifier_key, read_unverified
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.merkle import leaf_hash, root_of
from zwgk.domain.proofs import ProofError, check_consistency, check_inclusion
from zwgk.domain.tiles import unbundle

UNIT = "示范县教育局"
DRAFT = {"title": "关于2022年秋季学期招生工作的通知", "attribute": "proactive", "doc_number": "示教〔2022〕3号"}


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ZwgkServer]]:
    key = tmp_path / "keys" / "ledger.pem"
    write_new_key(key)
    settings = isolated(settings, tmp_path, signing_key_file=str(key))
    server = ZwgkServer.start(settings, tmp_path)
    yield settings, server
    server.stop()


def verifier(settings: Settings):
    """The public key as the inspector holds it: derived here from the key file, not taken from the server."""
    return parse_verifier_key(Notary.from_settings(settings).verifier_key)


def drafted(settings: Settings, server: ZwgkServer, count: int) -> list[str]:
    officer = token_for(settings, f"edu-officer-{count}", "officer", UNIT)
    with server.client(officer) as http:
        acts = [http.post("/api/v1/commands/draft_disclosure", json={**DRAFT, "title": f"{DRAFT['title']}（{i}）"}) for i in range(count)]
    assert all(a.status_code == 201 for a in acts)
    with services(settings) as s:
        events = [s.ledger.record_event(n) for n in s.ledger.notifications()]
    return [str(e.event_id) for e in events if isinstance(e, DisclosureAct.Drafted)]


def problem_of(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()


def test_the_checkpoint_and_an_inclusion_proof_verify_offline_and_the_event_bytes_are_the_logs_leaf(served):
    settings, server = served
    event_ids = drafted(settings, server, 3)
    integrator = token_for(settings, "data-hub", "integrator", "县大数据中心")
    name, key = verifier(settings)
    with server.client(integrator) as http:
        answer = http.get("/api/v1/audit/checkpoint")
        assert answer.status_code == 200 and answer.headers["content-type"] == "text/plain; charset=utf-8"
        note = answer.text
        checkpoint = open_checkpoint(note, name, key)  # the signature holds under the ledger's key
        with services(settings) as s:
            assert checkpoint.size == s.ledger.recorder.max_notification_id()  # the log took in every event first
        assert answer.headers["Zwgk-Tree-Size"] == str(checkpoint.size) and checkpoint.origin == settings.log_origin
        assert http.get("/api/v1/audit/public-key").text.strip() == Notary.from_settings(settings).verifier_key

        event_id = event_ids[1]
        proof = http.get(f"/api/v1/audit/proofs/inclusion/{event_id}").json()
        assert http.get(f"/api/v1/audit/events/{event_id}").status_code == 403  # a draft's bytes are not public material
    inspector = token_for(settings, "inspector-1", "inspector", "县纪委监委")
    with server.client(inspector) as http:
        got = http.get(f"/api/v1/audit/events/{event_id}")
        assert got.status_code == 200
        entry = got.content
        signed = check_inclusion(entry, proof, note, lambda n: open_checkpoint(n, name, key))
        assert signed.size == proof["tree_size"] == checkpoint.size and proof["event_id"] == event_id
        with pytest.raises(ProofError):
            check_inclusion(entry.replace(b"proactive", b"withheld!"), proof, note, lambda n: open_checkpoint(n, name, key))

        digest = hashlib.sha256(entry)
        assert got.headers["ETag"] == f'"{digest.hexdigest()}"'
        assert got.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
        with services(settings) as s:
            stored = next(e for e in (s.ledger.record_event(n) for n in s.ledger.notifications()) if str(e.event_id) == event_id)
        assert digest.hexdigest() == stored.hash  # the chain's hash is over the same bytes
        with audit_log(settings) as log:
            leaves = {leaf.event_id: (leaf.index, digest) for leaf, digest in log.leaf_hashes()}
        assert leaves[event_id] == (proof["leaf_index"], leaf_hash(entry))
        assert got.headers["Zwgk-Leaf-Index"] == str(proof["leaf_index"])

        earlier = http.get(f"/api/v1/audit/proofs/inclusion/{event_ids[0]}", params={"tree_size": proof["leaf_index"] + 1}).json()
        assert earlier["tree_size"] == proof["leaf_index"] + 1
        after = http.get(f"/api/v1/audit/proofs/inclusion/{event_id}", params={"tree_size": proof["leaf_index"]})
        assert after.status_code == 409 and problem_of(after)["code"] == "EVENT_AFTER_CHECKPOINT"
        unknown = http.get("/api/v1/audit/proofs/inclusion/00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 404 and problem_of(unknown)["code"] == "NOT_FOUND"
        assert http.get("/api/v1/audit/events/00000000-0000-0000-0000-000000000000").status_code == 404
        too_far = http.get(f"/api/v1/audit/proofs/inclusion/{event_id}", params={"tree_size": 10_000})
        assert too_far.status_code == 422 and problem_of(too_far)["code"] == "PROOF_UNAVAILABLE"
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/audit/checkpoint").status_code == 401


def test_a_later_checkpoint_proves_consistent_with_one_held_from_before(served):
    settings, server = served
    drafted(settings, server, 2)
    inspector = token_for(settings, "inspector-1", "inspector", "县纪委监委")
    name, key = verifier(settings)
    with server.client(inspector) as http:
        old = http.get("/api/v1/audit/checkpoint").text
        drafted(settings, server, 3)  # the log grows
        new = http.get("/api/v1/audit/checkpoint").text
        old_size, new_size = read_unverified(old).size, read_unverified(new).size
        assert new_size > old_size
        proof = http.get("/api/v1/audit/proofs/consistency", params={"old_size": old_size}).json()
        assert (proof["old_size"], proof["new_size"]) == (old_size, new_size)
        check_consistency(old, new, proof, lambda n: open_checkpoint(n, name, key))
        named = http.get("/api/v1/audit/proofs/consistency", params={"old_size": old_size, "new_size": new_size}).json()
        assert named == proof
        beyond = http.get("/api/v1/audit/proofs/consistency", params={"old_size": new_size + 1})
        assert beyond.status_code == 422 and problem_of(beyond)["code"] == "PROOF_UNAVAILABLE"


def test_verify_checks_every_chain_and_the_log_brought_up_to_date(served):
    settings, server = served
    drafted(settings, server, 2)
    inspector = token_for(settings, "inspector-1", "inspector", "县纪委监委")
    with server.client(inspector) as http:
        report = http.get("/api/v1/audit/verify").json()
        every = http.get("/api/v1/audit/verify", params={"all_breaks": "true"}).json()
    with services(settings) as s:
        events = s.ledger.recorder.max_notification_id()
    assert report["ok"] and report["not_yet_logged"] == 0
    assert (every["breaks"], every["broken_records"], "breaks" in report) == ([], 0, False)  # as `audit verify --all-breaks`
    assert report["events_checked"] == report["log_entries_checked"] == events


def test_the_log_is_served_as_c2sp_tiles_that_recompute_the_checkpoints_root(served):
    settings, server = served
    drafted(settings, server, 3)
    inspector = token_for(settings, "inspector-tiles", "inspector", "县纪委监委")
    with server.client(inspector) as http:
        note = http.get("/api/v1/audit/tlog/checkpoint")
        assert note.status_code == 200 and note.headers["cache-control"] == "no-cache"
        checkpoint = open_checkpoint(note.text, *verifier(settings))
        width = checkpoint.size  # fewer than 256: one partial tile of each kind
        hashes = http.get(f"/api/v1/audit/tlog/tile/0/000.p/{width}")
        bundle = http.get(f"/api/v1/audit/tlog/tile/entries/000.p/{width}")
        assert hashes.status_code == bundle.status_code == 200
        assert http.get("/api/v1/audit/tlog/tile/0/000").status_code == 404  # not full yet
        assert http.get(f"/api/v1/audit/tlog/tile/0/000.p/{width + 1}").status_code == 404
        assert http.get("/api/v1/audit/tlog/tile/0/x000/000").status_code == 404  # not a canonical path
    with server.client() as anonymous:  # the public: the checkpoint and the hashes, not the events' bytes
        assert anonymous.get("/api/v1/audit/tlog/checkpoint").text == note.text
        assert anonymous.get(f"/api/v1/audit/tlog/tile/0/000.p/{width}").content == hashes.content
        assert anonymous.get(f"/api/v1/audit/tlog/tile/entries/000.p/{width}").status_code == 401
    leaves = [hashes.content[i : i + 32] for i in range(0, len(hashes.content), 32)]
    assert root_of(leaves) == checkpoint.root
    assert [leaf_hash(e) for e in unbundle(bundle.content)] == leaves


def test_the_public_key_is_found_by_the_key_id_the_served_checkpoint_names(served):
    settings, server = served
    drafted(settings, server, 1)
    integrator = token_for(settings, "data-hub-keys", "integrator", "县大数据中心")
    with server.client(integrator) as http:
        note = http.get("/api/v1/audit/checkpoint").text
        signature = note.split("\n\n")[-1].splitlines()[0].split(" ")[2]
        named = base64.b64decode(signature)[:4].hex()
        key = http.get("/api/v1/audit/public-key", params={"key_id": named})
        assert key.status_code == 200 and key.text.split("+")[1] == named
        assert open_checkpoint(note, *parse_verifier_key(key.text)).size >= 1
        assert http.get("/api/v1/audit/public-key", params={"key_id": "00000000"}).status_code == 404

"""The hash chain's canonical encoding and its verification, without a store."""

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.chain import GENESIS, StoredRecord, canonical_bytes, event_hash, verify_chains

AGG = UUID("6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11")


def chain(length: int, aggregate: UUID = AGG, start: int = 1) -> list[StoredRecord]:
    records, head = [], GENESIS
    for version in range(1, length + 1):
        state = {"prev_hash": head, "title": f"v{version}", "actor": Actor("a", "officer", "U")}
        state["hash"] = head = event_hash("t:E", aggregate, version, state)
        records.append(StoredRecord(start + version - 1, "t:E", aggregate, version, state))
    return records


def test_canonical_encoding_is_stable_across_zones_and_key_order():
    at_cst = datetime(2022, 1, 14, 9, tzinfo=timezone(timedelta(hours=8)))
    at_utc = datetime(2022, 1, 14, 1, tzinfo=UTC)
    one = canonical_bytes("t:E", AGG, 1, {"b": 1, "a": "政务", "at": at_cst, "hash": "ignored"})
    two = canonical_bytes("t:E", str(AGG), 1, {"at": at_utc, "a": "政务", "b": 1})
    assert one == two
    assert one == (
        '{"originator_id":"6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11","originator_version":1,'
        '"state":{"a":"政务","at":"2022-01-14T01:00:00.000000Z","b":1},"topic":"t:E"}'
    ).encode()


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))])))
def test_instants_are_encoded_in_utc_to_the_microsecond_with_a_z(instant):
    encoded = json.loads(canonical_bytes("t:E", AGG, 1, {"at": instant}))["state"]["at"]
    assert encoded == instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_intact_chains_verify():
    other = UUID(int=7)
    records = chain(3) + chain(2, other, start=4)
    report = verify_chains(records)
    assert report.ok and report.events_checked == 5 and report.aggregates_checked == 2


def test_edited_event_is_located():
    records = chain(3)
    edited = dict(records[1].state, title="changed")
    records[1] = StoredRecord(2, "t:E", AGG, 2, edited)
    report = verify_chains(records)
    assert (report.first_break.originator_version, report.first_break.position) == (2, 2)
    assert "altered" in report.first_break.reason


def test_edit_with_recomputed_hash_breaks_the_next_link():
    records = chain(3)
    edited = dict(records[1].state, title="changed")
    edited["hash"] = event_hash("t:E", AGG, 2, edited)
    records[1] = StoredRecord(2, "t:E", AGG, 2, edited)
    report = verify_chains(records)
    assert report.first_break.originator_version == 3
    assert "prev_hash" in report.first_break.reason


def test_removed_and_swapped_events_are_located():
    records = chain(4)
    assert verify_chains(records[:1] + records[2:]).first_break.originator_version == 3
    swapped = [records[0], records[2], records[1], records[3]]
    assert verify_chains(swapped).first_break.originator_version == 3


def test_undecodable_event_is_reported():
    records = chain(2)
    records[0] = StoredRecord(1, "t:E", AGG, 1, None, "invalid JSON")
    report = verify_chains(records)
    assert report.first_break.originator_version == 1 and "decoded" in report.first_break.reason


def test_every_broken_chain_is_listed_once_at_its_first_failure():
    """`audit verify --all-breaks`: two records tampered with, a third intact; each broken record is named once,
    where its chain first fails, in log order, and every event is still read."""
    first, second, intact = UUID(int=1), UUID(int=2), UUID(int=3)
    records = chain(3, first) + chain(3, second, start=4) + chain(2, intact, start=7)
    records[1] = StoredRecord(2, "t:E", first, 2, dict(records[1].state, title="changed"))
    records[3] = StoredRecord(4, "t:E", second, 1, dict(records[3].state, title="changed"))
    report = verify_chains(records)
    assert [(b.originator_id, b.originator_version, b.position) for b in report.breaks] == [(str(first), 2, 2), (str(second), 1, 4)]
    assert [b.kind for b in report.breaks] == ["altered", "altered"]
    assert report.first_break == report.breaks[0] and not report.ok
    assert (report.events_checked, report.aggregates_checked) == (8, 3)

"""The stored form of events: one canonical encoding, the very bytes the chain hashes, read back as declared."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

import zwgk.domain
from zwgk.domain.actors import Actor, Role
from zwgk.domain.calendar import Deadline
from zwgk.domain.chain import StoredRecord, _reference_json, framed, state_json, verify_chains
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.ledger import Ledger
from zwgk.domain.records import Record
from zwgk.domain.rules import Rule
from zwgk.domain.stored_form import NoStoredForm, is_library_form, shape, split

for module in pkgutil.iter_modules(zwgk.domain.__path__):
    importlib.import_module(f"zwgk.domain.{module.name}")


def event_classes(cls: type = Record.Event) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | event_classes(sub)
    return found


def test_every_kind_of_event_has_a_stored_form():
    classes = {cls for cls in event_classes() if cls.__module__.startswith("zwgk.domain.")}
    assert len(classes) > 100
    for event_class in classes:
        shape(event_class)


@dataclass(frozen=True)
class Unknown:
    x: int


class Odd(Record.Event):
    value: Unknown


class Paid(Record.Event):
    on: date
    amount: Decimal
    due: Deadline | None
    ids: list[Any]


def test_a_field_of_a_type_without_a_stored_form_is_named():
    with pytest.raises(NoStoredForm, match="Odd.value"):
        shape(Odd)


texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)))
zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))])
instants = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones)
actors = st.builds(Actor, st.text("abc-", min_size=1), st.sampled_from(Role), st.text("单位甲乙", min_size=1))
deadlines = st.builds(Deadline, rule=st.sampled_from(Rule), start=st.dates(), working_days=st.integers(0, 60),  # type: ignore[call-arg]
                      due=st.dates(), provisional=st.booleans(), calendar_version=texts)
values = st.one_of(texts, st.integers(-(2**70), 2**70), st.booleans(), st.none(), st.uuids(), instants, st.dates(),
                   st.decimals(allow_nan=False, allow_infinity=False), actors, deadlines, st.sampled_from(Rule))
states = st.dictionaries(texts, st.recursive(values, lambda inner: st.lists(inner, max_size=3)
                                             | st.dictionaries(st.one_of(texts, st.sampled_from(Rule)), inner, max_size=3),
                                             max_leaves=12))


@given(states)
def test_the_quick_encoding_gives_the_reference_bytes(state: dict[str, Any]):
    """orjson serves every declared type; keys of the domain's text enums, long integers, Chinese text and
    control characters come out as the contract's reference encoding writes them."""
    assert state_json(state, typed=True) == _reference_json({k: v for k, v in state.items() if k != "hash"})


def test_a_naive_instant_is_refused_on_either_path():
    for typed in (True, False):
        with pytest.raises(ValueError, match="naive"):
            state_json({"at": datetime(2025, 1, 1)}, typed=typed)


def signed(ledger: Ledger) -> DisclosureAct:
    act = DisclosureAct.draft(id=uuid4(), actor=Actor("o", Role.OFFICER, "某单位"), title="关于印发《办法》的通知",
                              doc_number="某发〔2025〕1号", doc_type="通知", kind="policy", attribute="proactive",
                              occurred_at=datetime(2025, 3, 3, 9, tzinfo=timezone(timedelta(hours=8))))
    ledger.save(act)
    return act


def test_an_event_is_stored_as_its_hash_and_the_json_its_hash_covers():
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    act = signed(ledger)
    [notification] = ledger.notifications()
    event_hash, body = split(notification.state)
    assert hashlib.sha256(framed(notification.topic, act.id, 1, body)).hexdigest() == event_hash == act.chain_head
    event = ledger.record_event(notification)
    assert event.occurred_at == datetime(2025, 3, 3, 1, tzinfo=UTC) and event.actor.role is Role.OFFICER
    assert ledger.mapper.to_stored_event(event).state == notification.state
    assert verify_chains(ledger.stored_records()).ok


def test_events_of_the_library_form_are_read_as_before():
    """A store written before this form (up to release 8) keeps its events: they are read, verified and
    logged as they were stored."""
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    act = signed(ledger)
    [notification] = ledger.notifications()
    event = ledger.record_event(notification)
    state = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")}
    legacy = ledger.mapper.transcoder.encode(dict(state, class_version=type(event).class_version))
    assert is_library_form(legacy)
    record = StoredRecord(1, notification.topic, act.id, 1, ledger.mapper.transcoder.decode(legacy))
    assert record.body is None and verify_chains([record]).ok
    assert record.canonical() == framed(notification.topic, act.id, 1, split(notification.state)[1])


def test_altered_or_reformatted_stored_json_breaks_the_chain():
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    act = signed(ledger)
    [record] = ledger.stored_records()
    altered = record.body.replace("办法".encode(), "细则".encode())  # type: ignore[union-attr]
    spaced = record.body.replace(b'","', b'", "', 1)  # type: ignore[union-attr]
    for body, kind in ((altered, "altered"), (spaced, "reformatted")):
        forged = StoredRecord(1, record.topic, act.id, 1, record.state, body=body)
        assert verify_chains([forged]).first_break.kind == kind  # type: ignore[union-attr]


def test_a_day_and_an_amount_are_read_back_as_declared():
    plan = shape(Paid)
    decoded = plan.to_domain({"on": "2025-01-02", "amount": "1.50", "due": None, "ids": ["x"]})
    assert decoded == {"on": date(2025, 1, 2), "amount": Decimal("1.50"), "due": None, "ids": ["x"]}
    assert not plan.exact  # Any: the reference encoding writes it

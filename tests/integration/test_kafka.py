"""Every event on Kafka, through a real Kafka-protocol broker the suite starts itself."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from uuid import uuid4

import avro.io
import avro.schema
import pytest

from tests.integration.test_ledger import SCENARIO_EVENTS, run_scenario
from tests.servers import SeaweedServer, TansuBroker
from zwgk.connectors.config import Settings
from zwgk.connectors.consumer import EventStream
from zwgk.connectors.contract import CHECKPOINT_TOPIC, SCHEMA_DIR, topics
from zwgk.connectors.demo import WITHHELD_TITLE
from zwgk.connectors.relay import init_topics
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, open_services, relay
from zwgk.domain.actors import Actor
from zwgk.domain.checkpoint import open_checkpoint, parse_verifier_key
from zwgk.domain.disclosure import DraftDisclosure

pytestmark = pytest.mark.kafka
INTERNAL = [t for t in topics() if ".internal." in t]
PUBLIC = [t for t in topics() if ".public." in t and t != CHECKPOINT_TOPIC]


@pytest.fixture
def broker(seaweed: SeaweedServer):
    """A broker of one's own per test: topics start empty."""
    started = TansuBroker.start(seaweed, bucket=f"tansu-{uuid4().hex[:12]}")
    init_topics(started.bootstrap, partitions=3)
    yield started
    started.stop()


@pytest.fixture
def ledger(tmp_path: Path, broker: TansuBroker) -> Settings:
    key = tmp_path / "signing.pem"
    write_new_key(key)
    return Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", kafka_bootstrap_servers=broker.bootstrap,
                    signing_key_file=str(key))


def consume(bootstrap: str, topic_names: list[str], idle_ms: int = 3000):
    """Every raw message on the topics, from the beginning."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(*topic_names, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=idle_ms)
    messages = list(consumer)
    consumer.close()
    return messages


def relay_everything(settings: Settings, services) -> None:
    with relay(settings, services, batch=20) as r, audit_log(settings) as log:
        r.run(threading.Event(), once=True, checkpoints=(log, settings.log_origin))


def assert_exactly_once_in_order(settings: Settings, services, messages) -> None:
    stored = {str(n.originator_id) + f"/{n.originator_version}" for n in services.ledger.notifications()}
    seen = [(m.topic, dict(m.headers)["ce_id"]) for m in messages]
    assert len(seen) == len(set(seen)), "an event was published twice"
    internal = [m for m in messages if ".internal." in m.topic]
    by_key = defaultdict(list)
    for m in sorted(internal, key=lambda m: (m.topic, m.partition, m.offset)):
        by_key[m.key].append(int(dict(m.headers)["zwgk_notification_id"]))
    for key, positions in by_key.items():
        assert positions == sorted(positions), f"events of {key} out of order"
    assert len(internal) == len(stored)


def test_relay_publishes_every_event_exactly_once_with_cloudevents_headers(ledger: Settings):
    services = open_services(ledger)
    run_scenario(services)
    relay_everything(ledger, services)
    messages = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == SCENARIO_EVENTS
    assert_exactly_once_in_order(ledger, services, messages)
    headers = dict(messages[0].headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_subject"] == messages[0].key
    assert headers["ce_type"].startswith(b"zwgk.") and headers["content-type"] == b"application/avro"
    assert headers["ce_source"] == b"urn:zwgk:zwgk.local/ledger"
    stream = EventStream(ledger.kafka_bootstrap_servers, ["zwgk.internal.disclosure.v1"], from_beginning=True, idle_timeout_ms=3000)
    published = [e for e in stream if e.type == "zwgk.disclosure.DisclosureAct.Published"]
    stream.close()
    assert {e.record["doc_number"] for e in published} >= {"资雁府办发〔2022〕6号", "资府办发〔2020〕31号"}
    assert {e.record["rule_outcomes"]["D3"] for e in published} == {"met", "breached"}
    services.close()


def test_d7_q3_public_topics_carry_nothing_confidential(ledger: Settings):
    services = open_services(ledger)
    run_scenario(services)
    relay_everything(ledger, services)
    public = consume(ledger.kafka_bootstrap_servers, PUBLIC)
    internal = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    raw = b"".join(m.value + b"".join(v for _, v in m.headers) + (m.key or b"") for m in public)
    secrets = [WITHHELD_TITLE, "达市府办密〔2009〕3号", "保守国家秘密法", "state_secret", "dazhou-officer", "zy-officer",
               "示例投诉人甲", "示例联系电话", "土地征收信息逾期未答复", "ciphertext"]
    for secret in secrets:
        assert secret.encode() not in raw, secret
    assert WITHHELD_TITLE.encode() in b"".join(m.value for m in internal)  # it was there to leak
    internal_raw = b"".join(m.value for m in internal)
    for person in ("示例市民1", "示例听证代表甲", "示例报名人1", "1975-03-02", "示例投诉人甲", "示例申请人乙"):
        assert person.encode() not in internal_raw + raw, person  # members of the public are sealed everywhere
    types = {dict(m.headers)["ce_type"].decode() for m in public}
    assert types == {"zwgk.catalogue.CatalogueItem.Listed", "zwgk.catalogue.CatalogueItem.Amended",
                     "zwgk.disclosure.DisclosureAct.Published", "zwgk.disclosure.DisclosureAct.Interpreted",
                     "zwgk.complaints.Complaint.FeedbackPublished",
                     "zwgk.assessment.Assessment.Published", "zwgk.emergencies.Emergency.InformationReleased",
                     "zwgk.emergencies.Emergency.PressConferenceHeld", "zwgk.announcements.Announcement.Posted",
                     "zwgk.announcements.Announcement.Updated", "zwgk.announcements.Announcement.TakenDown",
                     "zwgk.participation.MajorDecision.PreDisclosed", "zwgk.participation.MajorDecision.AdoptionReportPublished",
                     "zwgk.participation.Hearing.OutcomePublished", "zwgk.participation.RepresentedMeeting.FeedbackPublished",
                     "zwgk.participation.OpenDay.Planned", "zwgk.participation.OpenDay.ParticipantsAnnounced"}
    services.close()


def test_values_decode_with_the_apache_avro_library(ledger: Settings):
    """An integrator with another Avro implementation reads the same messages."""
    services = open_services(ledger)
    run_scenario(services)
    relay_everything(ledger, services)
    checked = 0
    for message in consume(ledger.kafka_bootstrap_servers, INTERNAL + PUBLIC):
        parsed = avro.schema.parse(json.dumps(expand(dict(message.headers)["zwgk_schema"].decode())))
        assert message.value[:2] == b"\xc3\x01"  # schema by fingerprint: see docs/integration.md
        record = avro.io.DatumReader(parsed).read(avro.io.BinaryDecoder(io.BytesIO(message.value[10:])))
        assert str(record["event_id"]) == dict(message.headers)["ce_id"].decode()
        checked += 1
    assert checked > SCENARIO_EVENTS
    services.close()


def expand(name: str) -> dict:
    """A schema with its named types written out at first use, as any Avro library reads it."""
    named = {p.name.removesuffix(".avsc"): json.loads(p.read_text()) for p in SCHEMA_DIR.glob("zwgk.[A-Z]*.avsc")}
    defined: set[str] = set()

    def walk(node):
        if isinstance(node, str) and node in named:
            if node in defined:
                return node
            defined.add(node)
            return walk(named[node])
        if isinstance(node, list):
            return [walk(n) for n in node]
        if isinstance(node, dict):
            out = dict(node)
            if out.get("type") == "record":
                out["fields"] = [{**f, "type": walk(f["type"])} for f in out["fields"]]
            elif out.get("type") == "array":
                out["items"] = walk(out["items"])
            elif out.get("type") == "map":
                out["values"] = walk(out["values"])
            return out
        return node

    return walk(json.loads((SCHEMA_DIR / f"{name}.avsc").read_text()))


def test_signed_checkpoints_are_published_for_outsiders(ledger: Settings):
    services = open_services(ledger)
    run_scenario(services)
    with audit_log(ledger) as log:
        bring_log_up_to_date(services, log, ledger)
    relay_everything(ledger, services)
    relay_everything(ledger, services)  # again: nothing twice
    notes = [m.value.decode() for m in consume(ledger.kafka_bootstrap_servers, [CHECKPOINT_TOPIC])]
    assert len(notes) == 1
    name, key = parse_verifier_key(Notary.from_settings(ledger).verifier_key)
    assert open_checkpoint(notes[0], name, key).size == SCENARIO_EVENTS
    services.close()


def zwgk_process(settings: Settings, cwd: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "ZWGK_DATABASE_URL": settings.database_url,
           "ZWGK_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers, "ZWGK_SIGNING_KEY_FILE": settings.signing_key_file}
    return subprocess.Popen([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args],
                            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def draft_many(services, n: int) -> None:
    actor = Actor("o", "officer", "批量单位")
    for i in range(n):
        services.ledger.execute(DraftDisclosure(title=f"批量文件 {i}", attribute="proactive"), actor, None)


def test_relay_killed_mid_batch_resumes_without_loss_or_duplicates(ledger: Settings, tmp_path: Path):
    services = open_services(ledger)
    run_scenario(services)
    draft_many(services, 600)
    total = SCENARIO_EVENTS + 600
    for attempt in range(3):  # kill it a few times, at different moments
        process = zwgk_process(ledger, tmp_path, "relay", "--batch", "40")
        time.sleep(1.5 + attempt * 0.7)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finished = zwgk_process(ledger, tmp_path, "relay", "--once", "--batch", "40")
    assert finished.wait(timeout=180) == 0, finished.stderr.read()
    messages = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == total
    assert_exactly_once_in_order(ledger, services, messages)
    services.close()


def test_broker_outage_is_waited_out_and_nothing_lost_or_doubled(ledger: Settings, broker: TansuBroker, tmp_path: Path):
    services = open_services(ledger)
    run_scenario(services)
    follower = zwgk_process(ledger, tmp_path, "relay", "--batch", "20")
    try:
        deadline = time.monotonic() + 60
        while len(consume(ledger.kafka_bootstrap_servers, INTERNAL, idle_ms=1000)) < SCENARIO_EVENTS:
            assert time.monotonic() < deadline
        broker.pause()
        draft_many(services, 30)  # the write side goes on
        time.sleep(15)  # longer than the producer's own timeouts: the relay must wait it out
        broker.resume()
        deadline = time.monotonic() + 90
        while len(consume(ledger.kafka_bootstrap_servers, INTERNAL, idle_ms=1000)) < SCENARIO_EVENTS + 30:
            assert time.monotonic() < deadline, "events written during the outage did not arrive"
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=30)
    messages = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == SCENARIO_EVENTS + 30
    assert_exactly_once_in_order(ledger, services, messages)
    assert "Kafka unavailable" in follower.stderr.read()
    services.close()


def test_commit_to_kafka_latency_under_a_second_at_light_load(ledger: Settings):
    services = open_services(ledger)
    stop = threading.Event()
    with relay(ledger, services, batch=50) as r:
        runner = threading.Thread(target=r.run, args=(stop,), kwargs={"poll_interval": 0.1})
        runner.start()
        try:
            stream = EventStream(ledger.kafka_bootstrap_servers, ["zwgk.internal.disclosure.v1"], idle_timeout_ms=15000)
            draft_many(services, 1)  # let the consumer join before measuring
            next(iter(stream))
            latencies = []
            for _ in range(5):
                started = time.monotonic()
                draft_many(services, 1)
                next(iter(stream))
                latencies.append(time.monotonic() - started)
            stream.close()
        finally:
            stop.set()
            runner.join()
    assert sorted(latencies)[len(latencies) // 2] < 1.0, latencies
    services.close()


def test_events_tail_prints_decoded_events(ledger: Settings, tmp_path: Path):
    services = open_services(ledger)
    run_scenario(services)
    relay_everything(ledger, services)
    tail = zwgk_process(ledger, tmp_path, "events", "tail", "--topic", "zwgk.public.disclosure.v1",
                        "--from-beginning", "--format", "json", "--max-messages", "5", "--idle-timeout", "10")
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert len(events) == 5
    assert all(e["type"] in ("zwgk.disclosure.DisclosureAct.Published", "zwgk.disclosure.DisclosureAct.Interpreted")
               and e["record"]["title"] for e in events)
    services.close()


@pytest.mark.postgres
def test_relay_follows_a_postgresql_event_store(broker: TansuBroker, postgres_settings: Settings, tmp_path: Path):
    settings = Settings(database_url=postgres_settings.database_url, kafka_bootstrap_servers=broker.bootstrap)
    services = open_services(settings)
    run_scenario(services)
    relay_everything(settings, services)
    messages = consume(broker.bootstrap, INTERNAL)
    assert len(messages) == SCENARIO_EVENTS
    assert_exactly_once_in_order(settings, services, messages)
    services.close()

"""Every event on Kafka, through a real Kafka-protocol broker the suite starts itself."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
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
from tests.servers import SeaweedServer, TansuBroker, free_port
from zwgk.connectors.config import Settings
from zwgk.connectors.consumer import EventStream
from zwgk.connectors.contract import CHECKPOINT_TOPIC, SCHEMA_DIR, topics
from zwgk.connectors.demo import WITHHELD_TITLE
from zwgk.connectors.relay import RelayStatus, init_topics, read_status
from zwgk.connectors.signing import Notary, write_new_key
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, open_services, relay, services
from zwgk.domain.actors import Actor
from zwgk.domain.checkpoint import open_checkpoint, parse_verifier_key
from zwgk.domain.disclosure import DraftDisclosure
from zwgk.projections.store import ViewStore

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


def scenario_relayed(settings: Settings):
    """The scenario recorded and every event relayed; the services stay open for the test (which closes them)."""
    services = open_services(settings)
    run_scenario(services)
    relay_everything(settings, services)
    return services


def relayed_exactly_once(settings: Settings, services) -> list:
    """The internal topics' messages: the scenario's events, each once, each record's in order."""
    messages = consume(settings.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == SCENARIO_EVENTS
    assert_exactly_once_in_order(settings, services, messages)
    return messages


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
    services = scenario_relayed(ledger)
    messages = relayed_exactly_once(ledger, services)
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
    services = scenario_relayed(ledger)
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
    """An integrator with another Avro implementation reads the same messages, each schema file parsed alone."""
    services = scenario_relayed(ledger)
    checked = 0
    for message in consume(ledger.kafka_bootstrap_servers, INTERNAL + PUBLIC):
        name = dict(message.headers)["zwgk_schema"].decode()
        parsed = avro.schema.parse((SCHEMA_DIR / f"{name}.avsc").read_text(encoding="utf-8"))
        assert message.value[:2] == b"\xc3\x01"  # schema by fingerprint: see docs/integration.md
        record = avro.io.DatumReader(parsed).read(avro.io.BinaryDecoder(io.BytesIO(message.value[10:])))
        assert str(record["event_id"]) == dict(message.headers)["ce_id"].decode()
        assert ("hash" in record) == (".internal." in message.topic)
        checked += 1
    assert checked > SCENARIO_EVENTS
    services.close()


def test_signed_checkpoints_are_published_for_outsiders(ledger: Settings):
    services = open_services(ledger)
    run_scenario(services)
    with audit_log(ledger) as log:
        bring_log_up_to_date(services, log, ledger)
    relay_everything(ledger, services)
    relay_everything(ledger, services)  # again: nothing twice
    (message,) = consume(ledger.kafka_bootstrap_servers, [CHECKPOINT_TOPIC])
    name, key = parse_verifier_key(Notary.from_settings(ledger).verifier_key)
    checkpoint = open_checkpoint(message.value.decode(), name, key)
    assert checkpoint.size == SCENARIO_EVENTS
    headers = {k: v.decode() for k, v in message.headers}  # CloudEvents, like every other message
    assert headers == {"ce_specversion": "1.0", "ce_id": f"checkpoint-{SCENARIO_EVENTS}", "ce_type": "zwgk.audit.Checkpoint",
                       "ce_source": "urn:zwgk:zwgk.local/ledger", "ce_time": checkpoint.timestamp.isoformat(),
                       "ce_subject": str(SCENARIO_EVENTS), "content-type": "text/plain; charset=utf-8"}
    stream = EventStream(ledger.kafka_bootstrap_servers, [CHECKPOINT_TOPIC], from_beginning=True, idle_timeout_ms=3000)
    (event,) = list(stream)  # the helper reads the checkpoint topic too
    stream.close()
    assert (event.type, event.event_id, event.record) == ("zwgk.audit.Checkpoint", f"checkpoint-{SCENARIO_EVENTS}",
                                                          {"checkpoint": message.value.decode()})
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
    out, err = finished.communicate(timeout=180)
    assert finished.returncode == 0, err
    messages = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == total
    assert_exactly_once_in_order(ledger, services, messages)
    # The log says what each batch relayed, from and to, ending where the ledger ends (if the killed ones left any).
    spans = [(int(a), int(b)) for a, b in re.findall(r"relayed positions (\d+) to (\d+) \(", err)]
    assert all(a <= b for a, b in spans) and all(b + 1 == a for (_, b), (a, _) in itertools.pairwise(spans))
    assert (not spans or spans[-1][1] == total) and f"caught up at position {total}" in err and f"已转发至日志位置 {total}" in out
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
        paused, deadline = time.monotonic(), time.monotonic() + 60
        while (during := relay_status(ledger, services)) is None or during.state != "retrying":
            assert time.monotonic() < deadline, during  # once the producer's own timeouts run out, it says so
            time.sleep(0.5)
        assert not during.healthy and during.attempts >= 1 and during.lag >= 30 and during.error
        time.sleep(max(0.0, 15 - (time.monotonic() - paused)))  # longer than the producer's own timeouts: the relay must wait it out
        broker.resume()
        deadline = time.monotonic() + 90
        while len(consume(ledger.kafka_bootstrap_servers, INTERNAL, idle_ms=1000)) < SCENARIO_EVENTS + 30:
            assert time.monotonic() < deadline, "events written during the outage did not arrive"
        while (after := relay_status(ledger, services)) is None or after.state != "caught_up":
            assert time.monotonic() < deadline, after
            time.sleep(0.2)
        assert after.lag == 0 and after.attempts == 0 and after.healthy
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=30)
    messages = consume(ledger.kafka_bootstrap_servers, INTERNAL)
    assert len(messages) == SCENARIO_EVENTS + 30
    assert_exactly_once_in_order(ledger, services, messages)
    log = follower.stderr.read()
    retries = re.findall(r"Kafka unavailable \(.*\); retry (\d+) in ([\d.]+) s from position (\d+), lag (\d+)", log)
    assert [int(n) for n, *_ in retries] == list(range(1, len(retries) + 1)) and retries, log  # each retry logged
    assert all(int(lag) >= 30 for *_, lag in retries)
    assert "Kafka reachable again" in log
    assert relay_status(ledger, services).state == "stopped"
    services.close()


def relay_status(settings: Settings, services) -> RelayStatus | None:
    store = ViewStore(settings.views_url)
    try:
        return read_status(store, services.ledger.recorder.max_notification_id())
    finally:
        store.close()


def test_relay_once_gives_up_in_bounded_time_when_no_broker_answers(tmp_path: Path):
    """No broker at the address: `relay --once` stops with exit code 3 and a Chinese message after --timeout,
    its log showing each retry; nothing is marked relayed."""
    key = tmp_path / "signing.pem"
    write_new_key(key)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
                        signing_key_file=str(key))
    services = open_services(settings)
    draft_many(services, 3)
    started = time.monotonic()
    once = zwgk_process(settings, tmp_path, "relay", "--once", "--timeout", "6")
    out, err = once.communicate(timeout=60)
    took = time.monotonic() - started
    assert once.returncode == 3, err
    assert took < 20, took  # --timeout 6, and a few seconds to start Python
    assert "无法连接 Kafka" in err and "尚有 3 个事件未转发" in err and "zwgk kafka init-topics" in err
    retries = re.findall(r"Kafka unavailable .*; retry (\d+) in ([\d.]+) s from position 0, lag 3", err)
    assert retries == [("1", "0.5"), ("2", "1.0")], err  # each retry logged, backing off
    assert "giving up at position 0 (ledger at 3)" in err
    status = relay_status(settings, services)
    assert status is not None and (status.state, status.position, status.lag) == ("failed", 0, 3)
    shown = zwgk_process(settings, tmp_path, "kafka", "status", "--format", "json")
    assert json.loads(shown.communicate(timeout=60)[0])["state"] == "failed"
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
    services = scenario_relayed(ledger)
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
    services = scenario_relayed(settings)
    relayed_exactly_once(settings, services)
    services.close()


def test_an_event_larger_than_the_broker_accepts_stops_the_relay_with_its_position(ledger: Settings, tmp_path: Path):
    """Written before commands were bounded (or by another writer): the relay neither retries it for ever nor
    skips it; `zwgk relay --once` says which position it stopped after, exits 4, and the status says blocked."""
    with services(ledger) as opened:
        draft_many(opened, 2)
        opened.ledger.execute(DraftDisclosure(title="长" * 600_000, attribute="proactive"), Actor("o", "officer", "批量单位"), None)
        draft_many(opened, 1)
    relayed = zwgk_process(ledger, tmp_path, "relay", "--once")
    _, stderr = relayed.communicate(timeout=120)
    assert relayed.returncode == 4, stderr
    assert "日志位置 2 之后的事件超过 Kafka 代理允许的消息大小" in stderr
    with services(ledger) as opened:
        status = relay_status(ledger, opened)
    assert status is not None and status.state == "blocked" and status.position == 2 and not status.healthy

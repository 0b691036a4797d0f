"""The relay 事件转发: follows the event store's notification log in order and produces
every event to Kafka (transactional outbox: the store is written first, Kafka follows).

Exactly once across crashes: after each batch is acknowledged (acks=all, idempotent
producer), the relay saves its position in the log and, per partition, the offset
after its last message, in one transaction; the next batch is sent while the previous
one is acknowledged. On start it reads every zwgk partition from those offsets and
notes which (topic, notification id) pairs already landed — at most two unconfirmed
batches — and skips them when it resends. It never relies on a broker's end offsets.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.producer.future import FutureRecordMetadata

from zwgk.connectors.avro_codec import AvroCodec
from zwgk.connectors.contract import CHECKPOINT_TOPIC, EVENT_TYPES, topics
from zwgk.domain.ledger import Ledger
from zwgk.domain.records import Record
from zwgk.projections.audit_log import MerkleLog
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk.relay")

NAME = "kafka_relay"
CHECKPOINTS = "kafka_relay_checkpoints"  # position: the size of the last checkpoint published
NOTIFICATION_HEADER = "zwgk_notification_id"
FLUSH_TIMEOUT = 10.0  # seconds a message may wait for its acknowledgement before the relay reconnects
TABLES = [
    """CREATE TABLE IF NOT EXISTS relay_offsets (
        topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset BIGINT NOT NULL, PRIMARY KEY (topic, part))""",
]


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    notification_id: int


def messages_for(event: Record.Event, notification_id: int, codec: AvroCodec, source: str) -> list[Message]:
    """The internal message of an event, and its public one when it is public by nature."""
    event_type = EVENT_TYPES[type(event)]
    visibilities = ("internal", "public") if event_type.public else ("internal",)
    result = []
    for visibility in visibilities:
        name = event_type.avro_name(visibility)
        topic = event_type.topic(visibility)
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", str(event.event_id).encode()),
            ("ce_type", event_type.ce_type.encode()),
            ("ce_source", source.encode()),
            ("ce_time", event.recorded_at.astimezone(UTC).isoformat().encode()),
            ("ce_subject", str(event.originator_id).encode()),
            ("content-type", b"application/avro"),
            ("zwgk_schema", name.encode()),
            (NOTIFICATION_HEADER, str(notification_id).encode()),
        ]
        value = codec.encode(name, event_type.message(event, visibility), subject=f"{topic}-value")
        result.append(Message(topic, str(event.originator_id).encode(), value, headers, notification_id))
    return result


def init_topics(bootstrap: str, partitions: int = 3, replication: int = 1) -> list[str]:
    """Create every zwgk topic with infinite retention; existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="zwgk-admin")
    created = []
    try:
        for topic in topics():
            count = 1 if topic == CHECKPOINT_TOPIC else partitions
            new = NewTopic(topic, num_partitions=count, replication_factor=replication,
                           topic_configs={"retention.ms": "-1", "retention.bytes": "-1"})
            try:
                admin.create_topics([new])
                created.append(topic)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return created


def kafka_reachable(bootstrap: str) -> None:
    """Raise unless a broker answers (for the service's readiness)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="zwgk-readiness", request_timeout_ms=3000,
                             api_version_auto_timeout_ms=3000)
    try:
        admin.list_topics()
    finally:
        admin.close()


def _notification_id(headers: Iterable[tuple[str, bytes]]) -> int | None:
    for key, value in headers:
        if key == NOTIFICATION_HEADER:
            return int(value)
    return None


class Relay:
    def __init__(
        self,
        app: Ledger,
        store: ViewStore,
        bootstrap: str,
        codec: AvroCodec,
        source: str,
        batch: int = 500,
        producer_config: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.bootstrap = bootstrap
        self.codec = codec
        self.source = source
        self.batch = batch
        self.producer_config = producer_config or {}
        self.producer: KafkaProducer | None = None
        self.landed: set[tuple[str, int]] = set()
        self.sent = 0  # the last notification id handed to the producer
        self.outstanding: deque[tuple[int, list[FutureRecordMetadata]]] = deque()  # sent batches awaiting acknowledgement
        with store.transaction() as tx:
            for table in TABLES:
                tx.execute(table)

    def position(self) -> int:
        with self.store.transaction() as tx:
            return tx.position(NAME)

    def _offsets(self) -> dict[TopicPartition, int]:
        with self.store.transaction() as tx:
            rows = tx.all("SELECT topic, part, next_offset FROM relay_offsets")
        return {TopicPartition(t, p): o for t, p, o in rows}

    def connect(self) -> KafkaProducer:
        """Open the producer and note what already landed past the saved position."""
        producer = self.producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id="zwgk-relay",
            acks="all",
            enable_idempotence=True,
            max_in_flight_requests_per_connection=1,
            linger_ms=5,
            max_block_ms=10_000,
            request_timeout_ms=10_000,
            **self.producer_config,
        )
        self.landed = self._recover()
        self.sent = self.position()
        self.outstanding.clear()
        return producer

    def _recover(self) -> set[tuple[str, int]]:
        """(topic, notification id) of messages already on Kafka past the saved position."""
        position, offsets = self.position(), self._offsets()
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                 client_id="zwgk-relay-recovery", consumer_timeout_ms=1000)
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in topics()
                for p in sorted(consumer.partitions_for_topic(topic) or ())
                if topic != CHECKPOINT_TOPIC
            ]
            if not partitions:
                return set()
            consumer.assign(partitions)
            for tp in partitions:
                consumer.seek(tp, offsets.get(tp, 0))
            landed = set()
            idle = 0
            while idle < 2:
                batch = consumer.poll(timeout_ms=500)
                idle = 0 if batch else idle + 1
                for records in batch.values():
                    for record in records:
                        number = _notification_id(record.headers)
                        if number is not None and number > position:
                            landed.add((record.topic, number))
        finally:
            consumer.close()
        if landed:
            log.info("recovery: %d messages past position %d were already on Kafka", len(landed), position)
        return landed

    def step(self) -> int:
        """Send the next batch of the log while the previous one is being acknowledged;
        returns how many events it covered (0: caught up, everything sent is confirmed)."""
        producer = self.producer if self.producer is not None else self.connect()
        notifications = self.app.recorder.select_notifications(start=self.sent, limit=self.batch, inclusive_of_start=False)
        if not notifications:
            while self.outstanding:
                self._confirm(*self.outstanding.popleft())
            return 0
        futures: list[FutureRecordMetadata] = []
        for notification in notifications:
            event = self.app.record_event(notification)
            for message in messages_for(event, notification.id, self.codec, self.source):
                if (message.topic, message.notification_id) in self.landed:
                    continue
                futures.append(producer.send(message.topic, key=message.key, value=message.value, headers=message.headers))
        self.sent = notifications[-1].id
        self.landed = {pair for pair in self.landed if pair[1] > self.sent}
        self.outstanding.append((self.sent, futures))
        while len(self.outstanding) > 1:
            self._confirm(*self.outstanding.popleft())
        return len(notifications)

    def _confirm(self, position: int, futures: list[FutureRecordMetadata]) -> None:
        """Wait for a batch's acknowledgements, then save the position after it."""
        next_offsets: dict[tuple[str, int], int] = {}
        for future in futures:
            metadata = future.get(timeout=FLUSH_TIMEOUT)  # raises if the broker does not acknowledge in time
            key = (metadata.topic, metadata.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), metadata.offset + 1)
        with self.store.transaction() as tx:
            tx.executemany(
                "INSERT INTO relay_offsets (topic, part, next_offset) VALUES (?, ?, ?) "
                "ON CONFLICT (topic, part) DO UPDATE SET next_offset = excluded.next_offset",
                [(t, p, o) for (t, p), o in next_offsets.items()],
            )
            tx.set_position(NAME, position)

    def run(self, stop: threading.Event, once: bool = False, poll_interval: float = 0.2,
            on_batch: Callable[[int], None] | None = None, checkpoints: tuple[MerkleLog, str] | None = None) -> None:
        """Follow the log until stopped; a broker outage is waited out, nothing is lost."""
        backoff = 0.5
        while not stop.is_set():
            try:
                sent = self.step()
                if checkpoints:
                    self.publish_checkpoints(*checkpoints)
                backoff = 0.5
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); retrying in %.1f s from position %d", error, backoff, self.position())
                self._disconnect()
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if on_batch and sent:
                on_batch(sent)
            if not sent:
                if once:
                    break
                stop.wait(poll_interval)
        self._disconnect()

    def _disconnect(self) -> None:
        if self.producer is not None:
            try:
                self.producer.close(timeout=5)
            except KafkaError:
                pass
            self.producer = None

    def publish_checkpoints(self, log: MerkleLog, origin: str) -> int:
        """Signed checkpoints not yet on the public checkpoint topic, so outsiders hold copies."""
        producer = self.producer if self.producer is not None else self.connect()
        with self.store.transaction() as tx:
            published = tx.position(CHECKPOINTS)
        new = log.checkpoints_after(published)
        for size, note in new:
            producer.send(CHECKPOINT_TOPIC, key=origin.encode(), value=note.encode(),
                               headers=[("content-type", b"text/plain; charset=utf-8")]).get(timeout=30)
            with self.store.transaction() as tx:
                tx.set_position(CHECKPOINTS, size)
        return len(new)


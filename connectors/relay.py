"""The relay 事件转发: follows the event store's notification log in order and produces
every event to Kafka (transactional outbox: the store is written first, Kafka follows).

Exactly once across crashes: after each batch is acknowledged (acks=all, idempotent
producer), the relay saves its position in the log and, per partition, the offset
after its last message, in one transaction; the next batch is sent while the previous
one is acknowledged. On start it reads every zwgk partition from those offsets and
notes which (topic, notification id) pairs already landed — at most two unconfirmed
batches — and skips them when it resends. It never relies on a broker's end offsets.

A broker that cannot be reached is retried with backoff, each retry logged; `run(once=True,
give_up_after=…)` gives up after that long with `RelayUnavailable`. The relay's state, position
and lag are kept in the views' store (`relay_status`), for whoever watches it (`read_status`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, MessageSizeTooLargeError, TopicAlreadyExistsError
from kafka.producer.future import FutureRecordMetadata

from zwgk.connectors.avro_codec import AvroCodec
from zwgk.connectors.contract import CHECKPOINT_TOPIC, EVENT_TYPES, topics
from zwgk.domain.checkpoint import read_unverified
from zwgk.domain.ledger import Ledger
from zwgk.domain.records import Record
from zwgk.projections.audit_log import MerkleLog
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk.relay")

NAME = "kafka_relay"
CHECKPOINTS = "kafka_relay_checkpoints"  # position: the size of the last checkpoint published
NOTIFICATION_HEADER = "zwgk_notification_id"
FLUSH_TIMEOUT = 10.0  # seconds a message may wait for its acknowledgement before the relay reconnects
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds between attempts to reach the broker: doubling, capped
CHECKPOINT_TYPE = "zwgk.audit.Checkpoint"
TABLES = [
    """CREATE TABLE IF NOT EXISTS relay_offsets (
        topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset BIGINT NOT NULL, PRIMARY KEY (topic, part))""",
    """CREATE TABLE IF NOT EXISTS relay_status (
        name TEXT PRIMARY KEY, state TEXT NOT NULL, ledger_position BIGINT NOT NULL, attempts INTEGER NOT NULL,
        error TEXT NOT NULL, since TEXT NOT NULL, updated TEXT NOT NULL)""",
]
STATES = {
    "starting": "not yet connected",
    "relaying": "sending what the ledger recorded",
    "caught_up": "everything recorded is on Kafka; following the log",
    "retrying": "the broker cannot be reached; retrying with backoff",
    "stopped": "stopped on request",
    "failed": "gave up: the broker could not be reached in time (relay --once)",
    "blocked": "stopped: the next event is larger than the broker accepts; it needs the operator",
}


class EventTooLarge(Exception):
    """The broker refuses the event after `position` for its size: retrying cannot help, and skipping it
    would break the stream's promise of every event in order, so the relay stops and says so."""

    def __init__(self, position: int, error: Exception) -> None:
        super().__init__(f"the event after position {position} exceeds the broker's message size limit ({error})")
        self.position, self.error = position, error


class RelayUnavailable(Exception):
    """The broker could not be reached within the time given to a relay that is to finish."""

    def __init__(self, bootstrap: str, waited: float, position: int, ledger_position: int, error: Exception) -> None:
        super().__init__(f"Kafka at {bootstrap} unreachable for {waited:.0f} s ({error}); "
                         f"relayed up to position {position} of {ledger_position}")
        self.bootstrap, self.waited, self.position, self.ledger_position, self.error = bootstrap, waited, position, ledger_position, error


@dataclass(frozen=True)
class RelayStatus:
    """What the relay is doing and how far behind the ledger it is (for readiness and metrics)."""

    state: str  # one of STATES
    position: int  # the last notification id confirmed on Kafka
    ledger_position: int  # the ledger's latest notification id when last seen
    attempts: int = 0  # failed attempts in a row to reach the broker
    error: str = ""
    since: datetime = field(default_factory=lambda: datetime.now(UTC))  # in this state since
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def lag(self) -> int:
        """Events recorded but not yet confirmed on Kafka."""
        return max(self.ledger_position - self.position, 0)

    @property
    def healthy(self) -> bool:
        return self.state not in ("retrying", "failed", "blocked")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lag": self.lag, "healthy": self.healthy,
                "since": self.since.isoformat(), "updated": self.updated.isoformat()}


def read_status(store: ViewStore, ledger_position: int | None = None) -> RelayStatus | None:
    """The relay's last reported state, with its confirmed position; None if it never ran.
    Given the ledger's position now, the lag is computed against it."""
    with store.transaction() as tx:
        for table in TABLES:
            tx.execute(table)
        row = tx.one("SELECT state, ledger_position, attempts, error, since, updated FROM relay_status WHERE name = ?", (NAME,))
        position = tx.position(NAME)
    if row is None:
        return None
    state, seen, attempts, error, since, updated = row
    return RelayStatus(state, position, seen if ledger_position is None else ledger_position, int(attempts), error,
                       datetime.fromisoformat(since), datetime.fromisoformat(updated))


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


def checkpoint_message(size: int, note: str, origin: str, source: str) -> Message:
    """A signed checkpoint as a CloudEvent on the public checkpoint topic (text, not Avro)."""
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"checkpoint-{size}".encode()),
        ("ce_type", CHECKPOINT_TYPE.encode()),
        ("ce_source", source.encode()),
        ("ce_time", read_unverified(note).timestamp.astimezone(UTC).isoformat().encode()),
        ("ce_subject", str(size).encode()),
        ("content-type", b"text/plain; charset=utf-8"),
    ]
    return Message(CHECKPOINT_TOPIC, origin.encode(), note.encode(), headers, 0)


def init_topics(bootstrap: str, partitions: int = 3, replication: int = 1) -> list[str]:
    """Create every zwgk topic with infinite retention; existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="zwgk-admin", bootstrap_timeout_ms=10_000)
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
                             api_version_auto_timeout_ms=3000, bootstrap_timeout_ms=3000)
    try:
        admin.list_topics()
    finally:
        admin.close()


def _notification_id(headers: Iterable[tuple[str, bytes]]) -> int | None:
    for key, value in headers:
        if key == NOTIFICATION_HEADER:
            return int(value)
    return None


@dataclass
class _Batch:
    first: int  # notification ids sent, from and to
    last: int
    events: int
    futures: list[FutureRecordMetadata]


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
        connect_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.store = store
        self.bootstrap = bootstrap
        self.codec = codec
        self.source = source
        self.batch = batch
        self.producer_config = producer_config or {}
        self.connect_timeout = connect_timeout  # seconds one attempt may take to reach the broker
        self.producer: KafkaProducer | None = None
        self.landed: set[tuple[str, int]] = set()
        self.sent = 0  # the last notification id handed to the producer
        self.outstanding: deque[_Batch] = deque()  # sent batches awaiting acknowledgement
        with store.transaction() as tx:
            for table in TABLES:
                tx.execute(table)
        self.status = RelayStatus("starting", self.position(), self.ledger_position())

    def position(self) -> int:
        with self.store.transaction() as tx:
            return tx.position(NAME)

    def ledger_position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def _report(self, state: str, attempts: int = 0, error: str = "") -> None:
        """Note the relay's state where readiness checks and metrics read it (`read_status`)."""
        now = datetime.now(UTC)
        since = self.status.since if state == self.status.state else now
        self.status = RelayStatus(state, self.position(), self.ledger_position(), attempts, error, since, now)
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO relay_status (name, state, ledger_position, attempts, error, since, updated) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET state = excluded.state, ledger_position = excluded.ledger_position, "
                "attempts = excluded.attempts, error = excluded.error, since = excluded.since, updated = excluded.updated",
                (NAME, state, self.status.ledger_position, attempts, error, since.isoformat(), now.isoformat()),
            )

    def _offsets(self) -> dict[TopicPartition, int]:
        with self.store.transaction() as tx:
            rows = tx.all("SELECT topic, part, next_offset FROM relay_offsets")
        return {TopicPartition(t, p): o for t, p, o in rows}

    @property
    def _timeouts(self) -> dict[str, int]:
        return {"bootstrap_timeout_ms": int(self.connect_timeout * 1000)}

    def connect(self) -> KafkaProducer:
        """Open the producer and note what already landed past the saved position."""
        producer = self.producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id="zwgk-relay",
            acks="all",
            enable_idempotence=True,
            max_in_flight_requests_per_connection=1,
            linger_ms=5,
            max_block_ms=min(int(self.connect_timeout * 1000), 10_000),
            request_timeout_ms=10_000,
            **self._timeouts,
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
                                 client_id="zwgk-relay-recovery", consumer_timeout_ms=1000, **self._timeouts)
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
                self._confirm(self.outstanding.popleft())
            return 0
        futures: list[FutureRecordMetadata] = []
        for index, notification in enumerate(notifications):
            event = self.app.record_event(notification)
            before = len(futures)
            try:
                for message in messages_for(event, notification.id, self.codec, self.source):
                    if (message.topic, message.notification_id) in self.landed:
                        continue
                    futures.append(producer.send(message.topic, key=message.key, value=message.value, headers=message.headers))
            except MessageSizeTooLargeError:
                if index:  # what came before the refused event is confirmed: the stop is exactly at it
                    self.outstanding.append(_Batch(notifications[0].id, notifications[index - 1].id, index, futures[:before]))
                while self.outstanding:
                    self._confirm(self.outstanding.popleft())
                raise
        self.outstanding.append(_Batch(notifications[0].id, notifications[-1].id, len(notifications), futures))
        self.sent = notifications[-1].id
        self.landed = {pair for pair in self.landed if pair[1] > self.sent}
        while len(self.outstanding) > 1:
            self._confirm(self.outstanding.popleft())
        return len(notifications)

    def _confirm(self, batch: _Batch) -> None:
        """Wait for a batch's acknowledgements, then save the position after it."""
        next_offsets: dict[tuple[str, int], int] = {}
        for future in batch.futures:
            metadata = future.get(timeout=FLUSH_TIMEOUT)  # raises if the broker does not acknowledge in time
            key = (metadata.topic, metadata.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), metadata.offset + 1)
        with self.store.transaction() as tx:
            tx.executemany(
                "INSERT INTO relay_offsets (topic, part, next_offset) VALUES (?, ?, ?) "
                "ON CONFLICT (topic, part) DO UPDATE SET next_offset = excluded.next_offset",
                [(t, p, o) for (t, p), o in next_offsets.items()],
            )
            tx.set_position(NAME, batch.last)
        ledger = self.ledger_position()
        log.info("relayed positions %d to %d (%d events, %d messages); lag %d", batch.first, batch.last, batch.events,
                 len(batch.futures), max(ledger - batch.last, 0))

    def run(self, stop: threading.Event, once: bool = False, poll_interval: float = 0.2,
            on_batch: Callable[[int], None] | None = None, checkpoints: tuple[MerkleLog, str] | None = None,
            give_up_after: float | None = None) -> None:
        """Follow the log until stopped (or, `once`, until caught up). A broker that cannot be reached
        is retried with backoff, nothing lost; with `give_up_after`, for that many seconds at most,
        then `RelayUnavailable`."""
        backoff, attempts, failing_since = RETRY_FIRST, 0, 0.0
        start = self.position()
        log.info("relay starting at position %d; ledger at %d", start, self.ledger_position())
        self._report("starting")
        while not stop.is_set():
            attempted = time.monotonic()
            try:
                sent = self.step()
                if checkpoints:
                    self.publish_checkpoints(*checkpoints)
            except MessageSizeTooLargeError as error:
                self._disconnect()
                self._report("blocked", attempts, str(error))
                log.error("the event after position %d is larger than the broker accepts (%s); relay stopped",
                          self.status.position, error)
                raise EventTooLarge(self.status.position, error) from error
            except KafkaError as error:
                attempts += 1
                now = time.monotonic()
                failing_since = failing_since or attempted
                self._disconnect()
                waited = now - failing_since
                if give_up_after is not None and waited + backoff > give_up_after:
                    self._report("failed", attempts, str(error))
                    log.error("Kafka unavailable (%s) for %.1f s after %d attempts; giving up at position %d (ledger at %d)",
                              error, waited, attempts, self.status.position, self.status.ledger_position)
                    raise RelayUnavailable(self.bootstrap, waited, self.status.position, self.status.ledger_position, error) from error
                self._report("retrying", attempts, str(error))
                log.warning("Kafka unavailable (%s); retry %d in %.1f s from position %d, lag %d", error, attempts, backoff,
                            self.status.position, self.status.lag)
                stop.wait(backoff)
                backoff = min(backoff * 2, RETRY_MAX)
                continue
            if attempts:
                log.info("Kafka reachable again after %d failed attempts", attempts)
            backoff, attempts, failing_since = RETRY_FIRST, 0, 0.0
            if sent:
                self._report("relaying")
                if on_batch:
                    on_batch(sent)
            else:
                if self.status.state != "caught_up":
                    self._report("caught_up")
                    log.info("caught up at position %d (this run started at %d)", self.status.position, start)
                if once:
                    break
                stop.wait(poll_interval)
        self._disconnect()
        if stop.is_set():
            self._report("stopped")

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
            message = checkpoint_message(size, note, origin, self.source)
            producer.send(message.topic, key=message.key, value=message.value, headers=message.headers).get(timeout=FLUSH_TIMEOUT)
            with self.store.transaction() as tx:
                tx.set_position(CHECKPOINTS, size)
        return len(new)

"""For integrators: read zwgk topics as typed events, each delivered once.

    stream = EventStream("kafka:9092", ["zwgk.public.disclosure.v1"], from_beginning=True)
    for event in stream:
        if event.type == "zwgk.disclosure.DisclosureAct.Published":
            print(event.aggregate_id, event.record["title"], event.record["channel"])

Each event type has its own fields (docs/integration.md lists the public ones). A value written by an
older release is read as the current schema of its name; a signed checkpoint comes as {"checkpoint": text}.

Kafka delivers at least once to a consumer that restarts; `EventStream` drops any event
it has already delivered on a topic (keep `seen` across restarts to extend that).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableSet
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from zwgk.connectors.avro_codec import AvroCodec
from zwgk.projections.events import ProjectedEvent, from_message


@dataclass(frozen=True)
class DecodedEvent:
    topic: str
    partition: int
    offset: int
    type: str  # CloudEvents type, e.g. zwgk.disclosure.DisclosureAct.Published
    schema: str  # Avro full name of the writer schema
    event_id: str
    aggregate_id: str
    notification_id: int | None
    record: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)

        return {
            "topic": self.topic, "partition": self.partition, "offset": self.offset, "type": self.type,
            "schema": self.schema, "event_id": self.event_id, "aggregate_id": self.aggregate_id,
            "notification_id": self.notification_id, "record": plain(self.record),
        }


def decode(message: Any, codec: AvroCodec) -> DecodedEvent:
    headers = {k: v.decode() for k, v in message.headers or []}
    if headers.get("content-type", "").startswith("text/plain"):  # a signed checkpoint (zwgk.public.checkpoints.v1)
        return DecodedEvent(topic=message.topic, partition=message.partition, offset=message.offset, type=headers.get("ce_type", ""),
                            schema="", event_id=headers.get("ce_id", ""), aggregate_id=message.key.decode() if message.key else "",
                            notification_id=None, record={"checkpoint": message.value.decode("utf-8")})
    schema, record = codec.decode(message.value)
    notification = headers.get("zwgk_notification_id")
    return DecodedEvent(
        topic=message.topic, partition=message.partition, offset=message.offset,
        type=headers.get("ce_type", ""), schema=schema, event_id=str(record.get("event_id", headers.get("ce_id", ""))),
        aggregate_id=message.key.decode() if message.key else "", notification_id=int(notification) if notification else None,
        record=record,
    )


class EventStream:
    """Decoded events from zwgk topics, duplicates by event id dropped."""

    def __init__(
        self,
        bootstrap: str,
        topics: list[str],
        from_beginning: bool = False,
        group_id: str | None = None,
        codec: AvroCodec | None = None,
        seen: MutableSet[str] | None = None,
        idle_timeout_ms: int | None = None,
    ) -> None:
        self.codec = codec or AvroCodec()
        self.seen = seen if seen is not None else set()
        self.consumer = KafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            group_id=group_id,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=group_id is not None,
            consumer_timeout_ms=idle_timeout_ms if idle_timeout_ms is not None else float("inf"),
            session_timeout_ms=6000,
            max_poll_interval_ms=10000,
        )

    def __iter__(self) -> Iterator[DecodedEvent]:
        for message in self.consumer:
            event = decode(message, self.codec)
            key = f"{event.topic}/{event.event_id}"  # an event is on an internal and maybe a public topic
            if key in self.seen:
                continue
            self.seen.add(key)
            yield event

    def close(self) -> None:
        self.consumer.close()


def projection_batches(
    bootstrap: str, topics: list[str], offsets: dict[tuple[str, int], int], codec: AvroCodec,
    idle_polls: int | None = 2, batch: int = 500,
) -> Iterator[list[tuple[ProjectedEvent, tuple[str, int, int]]]]:
    """Internal topics from the views' stored offsets, as batches of events for the views;
    stops after `idle_polls` empty polls in a row (None: follows forever)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=batch)
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, offsets.get((tp.topic, tp.partition), 0))
        idle = 0
        while idle_polls is None or idle < idle_polls:
            polled = consumer.poll(timeout_ms=500, max_records=batch)
            if not polled:
                idle += 1
                continue
            idle = 0
            out = []
            for records in polled.values():
                for message in records:
                    event = decode(message, codec)
                    out.append((from_message(event.type, event.notification_id or 0, event.record),
                                (message.topic, message.partition, message.offset)))
            yield out
    finally:
        consumer.close()

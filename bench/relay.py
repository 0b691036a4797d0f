"""Relay benchmark: events per second from the notification log to Kafka, next to a raw
kafka-python producer sending the same bytes (same acks and idempotence) in the same run;
then commit-to-consume latency at a fixed rate. Broker: Tansu on SeaweedFS, started here
like the tests do. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from uuid import uuid4

from kafka import KafkaConsumer, KafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import SeaweedServer, TansuBroker  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.relay import init_topics, messages_for  # noqa: E402
from zwgk.connectors.wiring import avro_codec, open_services, relay  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402
from zwgk.domain.disclosure import DraftDisclosure

OFFICER = Actor("bench", "officer", "基准测试区政府办公室")


def raw_send(bootstrap: str, messages) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             max_in_flight_requests_per_connection=1, linger_ms=5)
    started = time.perf_counter()
    for m in messages:
        producer.send("bench.raw." + m.topic, key=m.key, value=m.value, headers=m.headers)
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    return elapsed


def latency(settings: Settings, services, rate: float, seconds: float) -> list[float]:
    committed: dict[str, float] = {}
    received: dict[str, float] = {}
    stop = threading.Event()
    consumer = KafkaConsumer("zwgk.internal.disclosure.v1", bootstrap_servers=settings.kafka_bootstrap_servers,
                             auto_offset_reset="latest", enable_auto_commit=False, group_id=f"bench-{uuid4().hex}",
                             session_timeout_ms=6000, max_poll_interval_ms=10000)
    consumer.poll(timeout_ms=3000)

    def consume() -> None:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                for record in records:
                    received.setdefault(record.key.decode(), time.monotonic())

    with relay(settings, services, batch=100) as r:
        follower = threading.Thread(target=r.run, args=(stop,), kwargs={"poll_interval": 0.05})
        reader = threading.Thread(target=consume)
        follower.start()
        reader.start()
        for _ in range(int(rate * seconds)):
            outcome = services.ledger.execute(DraftDisclosure(title="延迟测试", attribute="proactive"), OFFICER, None)[0]
            committed[str(outcome.aggregate_id)] = time.monotonic()
            time.sleep(1 / rate)
        deadline = time.monotonic() + 10
        while len(received.keys() & committed.keys()) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        follower.join()
        reader.join()
    consumer.close()
    return [received[k] - committed[k] for k in committed if k in received]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    storage = SeaweedServer.start()
    broker = TansuBroker.start(storage)
    try:
        init_topics(broker.bootstrap)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3", kafka_bootstrap_servers=broker.bootstrap)
            services = open_services(settings)
            for i in range(args.events):
                services.ledger.execute(DraftDisclosure(title=f"基准文件 {i}", attribute="proactive"), OFFICER, None)
            codec = avro_codec(settings)
            prepared = [
                m
                for n in services.ledger.notifications()
                for m in messages_for(services.ledger.mapper.to_domain_event(n), n.id, codec, "urn:zwgk:bench")
            ]
            with relay(settings, services, batch=1000) as r:
                r.connect()  # start-up recovery is not throughput
                started = time.perf_counter()
                r.run(threading.Event(), once=True)
                ours = time.perf_counter() - started
            raw = raw_send(broker.bootstrap, prepared)
            print(f"relay: {args.events:,} events in {ours:.2f} s = {args.events / ours:,.0f} events/s "
                  f"(log read, Avro encoding, send, acks, position saved)")
            print(f"raw kafka-python producer, same {len(prepared):,} messages: {len(prepared) / raw:,.0f} msg/s  "
                  f"| ratio {raw / ours:.2f}x")
            waits = sorted(latency(settings, services, args.rate, args.seconds))
            p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
            print(f"commit-to-consume latency at {args.rate:.0f} events/s over {len(waits)} events: "
                  f"p50 {statistics.median(waits) * 1e3:.0f} ms, p99 {p99 * 1e3:.0f} ms")
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS {peak_mb:.0f} MB")
            print(json.dumps({"bench": "relay", "events": args.events, "relay_per_s": round(args.events / ours),
                              "raw_per_s": round(len(prepared) / raw), "ratio": round(raw / ours, 3), "rate": args.rate,
                              "latency_ms": {"p50": round(statistics.median(waits) * 1e3), "p99": round(p99 * 1e3)},
                              "peak_rss_mb": round(peak_mb)}))
            services.close()
    finally:
        broker.stop()
        storage.stop()


if __name__ == "__main__":
    main()

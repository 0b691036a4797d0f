"""Prometheus metrics: requests and latency by route and status, and at each scrape the lags of the
views and of the audit log behind the ledger and the bytes the archive holds. With several worker
processes, each writes to the shared directory `PROMETHEUS_MULTIPROC_DIR` and a scrape sums them."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("zwgk_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("zwgk_http_request_seconds", "Time to answer an HTTP request", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LOG_POSITION = Gauge("zwgk_ledger_position", "The event store's latest notification id", multiprocess_mode="max")
VIEWS_LAG = Gauge("zwgk_projection_lag_events", "Events the slowest view has yet to fold", multiprocess_mode="min")
AUDIT_LAG = Gauge("zwgk_audit_log_lag_events", "Events not yet in the audit log", multiprocess_mode="min")
RELAY_LAG = Gauge("zwgk_relay_lag_events", "Events not yet published on Kafka", multiprocess_mode="min")
ARCHIVE_BYTES = Gauge("zwgk_archive_bytes", "Bytes of the originals archived", multiprocess_mode="max")
CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def exposition(position: int, views: int, audit: int, relay: int | None, archive_bytes: int) -> bytes:
    LOG_POSITION.set(position)
    VIEWS_LAG.set(position - views)
    AUDIT_LAG.set(position - audit)
    if relay is not None:
        RELAY_LAG.set(position - relay)
    ARCHIVE_BYTES.set(archive_bytes)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # the library leaves its constructor unannotated
        return generate_latest(registry)
    return generate_latest()

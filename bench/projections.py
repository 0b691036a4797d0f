"""Projections benchmark, on SQLite and on PostgreSQL (started here, as the tests do): rebuild
rate of all views from the event store (events/s), next to a raw read of the same notification
log in the same run, in one process and in two (as `zwgk projections rebuild` does from 200,000 events
with two cores free), with each process's step times, CPU time (what bounds it) and peak memory; the
audit timeline of a unit with many events; the catalogue now and as of an instant; the state of
one record with 10,000 events as of an instant.

The ledger is a realistic district made quickly: 2,000 catalogue items and disclosure acts going
through the whole workflow across 40 units. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import on_each_store  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.operations import rebuild  # noqa: E402
from zwgk.connectors.rebuilding import PARALLEL_FROM, SPARE, processes_for, spare_cores  # noqa: E402
from zwgk.connectors.wiring import open_services, views  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402
from zwgk.domain.calendar import WorkingDayCalendar  # noqa: E402
from zwgk.domain.catalogue import CatalogueItem  # noqa: E402
from zwgk.domain.disclosure import DisclosureAct  # noqa: E402
from zwgk.projections.catalogue import catalogue_as_of  # noqa: E402
from zwgk.projections.runner import StepTimes  # noqa: E402
from zwgk.projections.timeline import timeline, version_as_of  # noqa: E402

UNITS = [f"基准区第{i:02d}单位" for i in range(40)]
CATALOGUE_ITEMS = 2_000
CALENDAR = WorkingDayCalendar()


def workflow(unit: str, n: int) -> list:
    """The aggregates of one disclosure act through publication (7 events)."""
    officer, leader = Actor(f"{unit}-o", "officer", unit), Actor(f"{unit}-l", "leader", unit)
    act = DisclosureAct.draft(id=UUID(int=n), actor=officer, occurred_at=None, title=f"文件 {n}", attribute="proactive")
    for role in ("compiler", "issuer", "publisher"):
        act.sign_review(actor=Actor(f"{unit}-{role}", "officer", unit), occurred_at=None, sheet_role=role)
    act.pre_review(actor=Actor("pre", "pre_reviewer", "预审小组"), occurred_at=None, decision="approved")
    act.sign_off(actor=leader, occurred_at=None, calendar=CALENDAR)
    act.publish(actor=officer, occurred_at=None, calendar=CALENDAR, channel="website")
    return [act]


def catalogue(services, items: int) -> datetime:
    """A district's catalogue: items listed across the units, each amended once; returns an instant
    between the listings and the amendments."""
    elements = {"content": "c", "update_limit": "实时", "channels": ["政府网站"], "column": "栏目", "legal_basis": "依据",
                "audience": "全社会", "mode": "proactive"}
    listed = []
    for n in range(items):
        unit = UNITS[n % len(UNITS)]
        listed.append(CatalogueItem.list_item(actor=Actor(f"{unit}-o", "officer", unit), occurred_at=None, reason="law_changed",
                                              elements={**elements, "matter": f"事项 {n}", "responsible_unit": unit, "support_unit": unit}))
    services.ledger.save(*listed)
    between = datetime.now(UTC)
    for item in listed:
        unit = item.elements["responsible_unit"]
        item.amend(actor=Actor(f"{unit}-o", "officer", unit), occurred_at=None, changes={"content": "c2"}, reason="element_changed")
    services.ledger.save(*listed)
    return between


def long_item(services, events: int) -> UUID:
    unit = UNITS[0]
    officer = Actor(f"{unit}-o", "officer", unit)
    elements = {"matter": "长历史事项", "content": "c", "update_limit": "实时", "responsible_unit": unit, "support_unit": unit,
                "channels": ["政府网站"], "column": "栏目", "legal_basis": "依据", "audience": "全社会", "mode": "proactive"}
    item = CatalogueItem.list_item(actor=officer, occurred_at=None, elements=elements, reason="law_changed")
    for i in range(events - 1):
        item.amend(actor=officer, occurred_at=None, changes={"content": f"内容 {i}"}, reason="element_changed")
        if i % 500 == 0:
            services.ledger.save(item)
    services.ledger.save(item)
    return item.id


def run(label: str, settings: Settings, events: int) -> dict:
    services = open_services(settings)
    started = time.perf_counter()
    item = long_item(services, 10_000)
    between = catalogue(services, CATALOGUE_ITEMS)
    n, batch = 0, []
    while (services.ledger.recorder.max_notification_id() or 0) < events:
        batch += workflow(UNITS[n % len(UNITS)], n)
        n += 1
        if len(batch) >= 50:
            services.ledger.save(*batch)
            batch = []
    if batch:
        services.ledger.save(*batch)
    total = services.ledger.recorder.max_notification_id()
    print(f"[{label}] ledger: {total:,} events ({n:,} acts, {CATALOGUE_ITEMS:,} catalogue items and one with 10,000 events)"
          f" made in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    raw = sum(1 for _ in services.ledger.notifications(batch=5000))
    raw_time = time.perf_counter() - started
    measures: dict = {"store": label, "events": total, "raw_read_events_per_s": round(raw / raw_time)}
    with views(settings) as runner:
        decided = processes_for(runner, total)
        print(f"[{label}] `zwgk projections rebuild` would use {decided} process(es) here and now "
              f"({spare_cores():.1f} cores free; two from {PARALLEL_FROM:,} events with {SPARE} cores free)")
        measures["decided"] = decided
        for mode, processes in (("one process", 1), ("two processes", 2)):
            started = time.perf_counter()
            rebuilt = rebuild(services, runner, None, processes=processes)
            elapsed = time.perf_counter() - started
            print(f"[{label}] rebuild of all {len(runner.views)} views, {mode}: "
                  f"{total / elapsed:,.0f} events/s | raw read of the notification log {raw / raw_time:,.0f} events/s | "
                  f"ratio {raw_time / elapsed:.3f}x | peak RSS {sum(t.peak_rss_mb for t in rebuilt.times.values()):,.0f} MB")
            for process, times in rebuilt.times.items():
                print(f"[{label}]   {process}: {steps(times, total)}")
            measures[mode] = {"events_per_s": round(total / elapsed), "ratio": round(raw_time / elapsed, 3),
                              "processes": {p: vars(t) for p, t in rebuilt.times.items()}}
        with runner.store.transaction() as tx:
            started = time.perf_counter()
            rows = timeline(tx, unit=UNITS[0])
            print(f"[{label}] audit timeline of {UNITS[0]}: {len(rows):,} events in {(time.perf_counter() - started) * 1e3:.0f} ms")
            for what, instant, unit in (("now", None, ""), ("as of an instant", between, ""), ("of one unit, now", None, UNITS[1])):
                started = time.perf_counter()
                items = catalogue_as_of(tx, instant, unit)
                print(f"[{label}] catalogue {what}: {len(items):,} items with their histories in "
                      f"{(time.perf_counter() - started) * 1e3:.0f} ms")
            started = time.perf_counter()
            version = version_as_of(tx, str(item), datetime.now(UTC))
            record = services.ledger.repository.get(item, version=version)
            print(f"[{label}] replay of one record as of now: version {record.version:,} in "
                  f"{(time.perf_counter() - started) * 1e3:.0f} ms")
    services.close()
    measures["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return measures


def steps(times: StepTimes, total: int) -> str:
    """A process's time a event, step by step (µs): the slowest process bounds the rebuild."""
    per = 1e6 / total
    read = times.pull - times.decode
    views = ", ".join(f"{name} {seconds * per:.1f}" for name, seconds in sorted(times.views.items(), key=lambda kv: -kv[1]))
    return (f"{times.wall * per:.1f} µs an event in all (CPU {times.cpu * per:.1f}) — start {times.startup * per:.1f}, "
            f"read {read * per:.1f}, decode {times.decode * per:.1f}, views {sum(times.views.values()) * per:.1f} ({views}), "
            f"commit {times.commit * per:.1f}, indexes {times.indexes * per:.1f}, taken in {times.taken_in * per:.1f}; "
            f"peak RSS {times.peak_rss_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--store", choices=("both", "SQLite", "PostgreSQL"), default="both")
    args = parser.parse_args()
    measures: list[dict] = []
    on_each_store(lambda label, settings: measures.append(run(label, settings, args.events))
                  if args.store in ("both", label) else None)
    print(json.dumps(measures, ensure_ascii=False))


if __name__ == "__main__":
    main()

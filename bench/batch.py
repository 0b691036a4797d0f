"""Batch benchmark: `zwgk apply --batch 100` against the same file one command per transaction, in one run,
on SQLite and on PostgreSQL (started here, as the tests do).

The file is a migration of legacy records: disclosure workflows of seven commands each (draft → three
review signatures → pre-review → sign-off → publish), with their business times, as `zwgk apply` reads
it. Both runs go through the application layer `zwgk apply` calls (`operations.apply_file`: each line
parsed and checked, run, recorded with the file's progress), each into a fresh event store of its own
after the same warm-up; the audit log and views that `zwgk apply` brings up to date afterwards are
left out (the same work in both modes). The two are run alternately, `--rounds` times: the rates are the
best of each, the ratio the median of the rounds' ratios (this machine is shared, its disk's syncs vary
from run to run). `--profile` also prints where the batched run's time goes. Prints the rates, the ratio
and peak memory, and last one JSON line with every figure. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import PostgresServer  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.operations import apply_file  # noqa: E402
from zwgk.connectors.wiring import open_services  # noqa: E402

UNIT = "基准测试区政府办公室"
OFFICER = {"id": "officer", "role": "officer", "unit": UNIT}
SIGNERS = [(role, {"id": f"s-{role}", "role": "officer", "unit": UNIT}) for role in ("compiler", "issuer", "publisher")]
PRE_REVIEWER = {"id": "pre", "role": "pre_reviewer", "unit": "预审小组"}
LEADER = {"id": "leader", "role": "leader", "unit": UNIT}
STARTED = datetime(2021, 3, 1, 9, tzinfo=UTC)


def migration(path: Path, workflows: int, first: int = 0) -> Path:
    """Disclosure acts of past years, each through publication, one command a line."""
    lines: list[dict[str, Any]] = []
    for n in range(first, first + workflows):
        act_id, at = str(UUID(int=n + 1)), STARTED + timedelta(hours=n)
        steps = [("draft_disclosure", OFFICER, {"id": act_id, "title": f"关于第 {n} 号事项的通知", "attribute": "proactive"})]
        steps += [("sign_review", signer, {"act_id": act_id, "sheet_role": role}) for role, signer in SIGNERS]
        steps += [("pre_review_disclosure", PRE_REVIEWER, {"act_id": act_id, "decision": "approved"}),
                  ("sign_off_disclosure", LEADER, {"act_id": act_id}),
                  ("publish_disclosure", OFFICER, {"act_id": act_id, "channel": "website"})]
        lines += [{"command": command, "actor": actor, "occurred_at": (at + timedelta(minutes=step)).isoformat(), "args": args}
                  for step, (command, actor, args) in enumerate(steps)]
    path.write_text("".join(json.dumps(one, ensure_ascii=False) + "\n" for one in lines), encoding="utf-8")
    return path


def applied(settings: Settings, file: Path, warm_up: Path, batch: int, profile: cProfile.Profile | None = None) -> float:
    """Seconds to apply the file, after the warm-up file, into a fresh store; every line must record."""
    services = open_services(settings)
    try:
        assert all(r["ok"] for r in apply_file(services, warm_up, False, False, batch))
        started = time.perf_counter()
        if profile:
            profile.enable()
        results = list(apply_file(services, file, False, False, batch))
        if profile:
            profile.disable()
        seconds = time.perf_counter() - started
        assert all(r["ok"] for r in results) and len(results) == file.read_text().count("\n"), "every line recorded"
        return seconds
    finally:
        services.close()


def bench(label: str, fresh: Callable[[str], Settings], workflows: int, batch: int, rounds: int, profile: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-batch-") as tmp:
        file = migration(Path(tmp) / "migration.jsonl", workflows, first=10)
        warm_up = migration(Path(tmp) / "warm-up.jsonl", 10)
        commands = workflows * 7
        singles, batches = [], []
        for round_ in range(rounds):  # alternated, each into its own fresh store
            singles.append(applied(fresh(f"single{round_}"), file, warm_up, 1))
            batches.append(applied(fresh(f"batch{round_}"), file, warm_up, batch))
        if profile:
            profiler = cProfile.Profile()
            applied(fresh("profiled"), file, warm_up, batch, profiler)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    single, batched = min(singles), min(batches)
    ratios = sorted(s / b for s, b in zip(singles, batches, strict=True))
    figures = {"store": label, "commands": commands, "single_cmd_s": round(commands / single), "batch": batch,
               "batch_cmd_s": round(commands / batched), "ratio": round(statistics.median(ratios), 2),
               "ratios": [round(r, 2) for r in ratios]}
    print(f"{label:10} {commands:6d} commands | one a transaction {figures['single_cmd_s']:6d} cmd/s "
          f"({commands / max(singles):.0f}–{figures['single_cmd_s']}) | --batch {batch} {figures['batch_cmd_s']:6d} cmd/s "
          f"({commands / max(batches):.0f}–{figures['batch_cmd_s']}) | ratio {figures['ratio']:.2f}x (median; rounds: "
          f"{', '.join(f'{r:.2f}' for r in figures['ratios'])}) | peak RSS {peak_mb():.0f} MB", flush=True)
    return figures


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workflows", type=int, default=500)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--store", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    figures: dict[str, Any] = {"bench": "batch", "workflows": args.workflows, "stores": []}
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-batch-db-") as tmp:
        def sqlite(name: str) -> Settings:
            return Settings(database_url=f"sqlite:///{tmp}/{name}.sqlite3", keystore_url=f"sqlite:///{tmp}/{name}-keys.sqlite3")

        if args.store != "postgresql":
            figures["stores"].append(bench("SQLite", sqlite, args.workflows, args.batch, args.rounds, args.profile))
        if args.store == "sqlite":
            return print(json.dumps(figures, ensure_ascii=False))
        server = PostgresServer.start()
        try:
            def postgres(name: str) -> Settings:
                url = server.create_database(f"zwgk_bench_{name}")
                return Settings(database_url=url, keystore_url=url)

            figures["stores"].append(bench("PostgreSQL", postgres, args.workflows, args.batch, args.rounds, args.profile))
        finally:
            server.stop()
    figures["peak_rss_mb"] = round(peak_mb())
    figures["target_ratio_ge_5"] = all(store["ratio"] >= 5 for store in figures["stores"])
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Archive benchmark: put and get throughput of originals of 1 MB and 100 MB against a
SeaweedFS S3 server with Object Lock, next to plain `minio` put_object/get_object of
the same bytes on the same server in the same run; fixity verification next to
`sha256sum` over the same files. `--search N` instead measures the archive search over N
originals' catalogue rows and texts (synthetic, Chinese) next to a plain substring scan of the
same texts in the same database, which finds every text holding the words. Words more than
1,000 originals hold are not ranked (ranking would read every match before the first page): their first
page is read off the catalogue's order, and the line says "unranked". PostgreSQL's tables are analysed
after loading, as autovacuum does on a server that has run a while: its plans are the ones that server chooses.

At 100,000 originals on the 2-core build machine, before the unranked path (every match ranked): words
four tenths of the texts hold, with a year, about 1 s on SQLite and 3 s on PostgreSQL; a rare word 0.3 ms and
118 ms. With it, on PostgreSQL analysed: their first page 700–735 ms (each row's text check made a scan of
every text; 68 ms unanalysed), two characters 780 ms, one original's marker 24 ms; counting common words by
reading the first texts instead of the trigram index, and checking each row's own text: 9–15 ms, 4–6 ms and
14 ms (unanalysed: 13–35 ms). Words 10,000 texts hold, all archived in the second half: 300 ms (before 640–870
ms), the page read off the catalogue's order past 50,000 originals without them. See README's archive part.

Beside each rate, the CPU time the S3 server and this process spent per MB and how many of the machine's
cores they kept busy: where the raw baseline alone keeps every core busy, whatever zwgk adds (SM3, the spool,
the ledger) costs wall time. A put is timed until it returns; the metadata sidecar it leaves to be written
behind is then waited for, timed apart (its own line gives the ratio with it), so that it never slows the plain
put timed next. For 1 MB, where a put's time goes, step by step (mean ms per put). The last line is a JSON
object with every figure. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import NamedTuple
from uuid import uuid4

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import PostgresServer, SeaweedServer  # noqa: E402
from zwgk.archive import formats  # noqa: E402
from zwgk.archive.s3 import PART_SIZE, S3Store  # noqa: E402
from zwgk.archive.service import Archivist  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.wiring import open_services  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402
from zwgk.projections.archive import ARCHIVED, ArchiveQuery, ArchiveTexts, ArchiveView, search_originals  # noqa: E402
from zwgk.projections.runner import ProjectionRunner  # noqa: E402
from zwgk.projections.store import ViewStore  # noqa: E402

ARCHIVIST = Actor("bench", "archivist", "基准测试档案室")


class Meter:
    """Wall time and the CPU time spent by the S3 server and by this process (every thread, and the
    children it waited for) over one step."""

    def __init__(self, server_pid: int) -> None:
        self.server, self.client = psutil.Process(server_pid), psutil.Process()

    def _cpu(self) -> tuple[float, float]:
        server, client = self.server.cpu_times(), self.client.cpu_times()
        return server.user + server.system, client.user + client.system + client.children_user + client.children_system

    def __call__(self, step, *args, **kwargs) -> Cost:
        server, client = self._cpu()
        started = time.perf_counter()
        step(*args, **kwargs)
        wall = time.perf_counter() - started
        server_after, client_after = self._cpu()
        return Cost(wall, server_after - server, client_after - client)


class Cost(NamedTuple):
    wall: float
    server_cpu: float
    client_cpu: float

    def __add__(self, other: Cost) -> Cost:  # type: ignore[override]
        return Cost(*(a + b for a, b in zip(self, other, strict=True)))


def cpu_bound(ours: Cost, raw: Cost) -> str:
    """The ratio zwgk could reach with every core as busy as it can be, given the CPU it needs."""
    raw_cores = (raw.server_cpu + raw.client_cpu) / raw.wall
    bound = (raw.server_cpu + raw.client_cpu) / (ours.server_cpu + ours.client_cpu) * (os.cpu_count() or 1) / raw_cores
    return f"CPU allows {bound:.2f}x"


def figures(label: str, total: int, cost: Cost) -> str:
    mb = total / 1e6
    return (f"{label} {mb / cost.wall:7.1f} MB/s, CPU {1e3 * (cost.server_cpu + cost.client_cpu) / mb:5.1f} ms/MB"
            f" (server {1e3 * cost.server_cpu / mb:4.1f}), {(cost.server_cpu + cost.client_cpu) / cost.wall:3.1f} cores busy")


class Round:
    """One put and one get of fresh random bytes, by zwgk and by plain minio, each measured."""

    def __init__(self, keeper: Archivist, plain, bucket: str, folder: Path, meter: Meter) -> None:
        self.keeper, self.plain, self.bucket, self.folder, self.meter = keeper, plain, bucket, folder, meter
        self.items = 0

    def __call__(self, size: int) -> tuple[Path, dict[str, Cost]]:
        path = self.folder / f"{uuid4().hex}.bin"
        path.write_bytes(os.urandom(size))
        self.items += 1
        name = f"plain/{path.name}"
        originals = []
        costs = {
            "ours put": self.meter(self._put, path, originals),
            "ours sidecar": self.meter(self.keeper.store.settle),
            "raw put": self.meter(self._plain_put, path, name, size),
        }
        costs["ours get"] = self.meter(self._get, originals[0])
        costs["raw get"] = self.meter(self._plain_get, name)
        return path, costs

    def _put(self, path: Path, originals: list) -> None:
        with path.open("rb") as source:
            _, original = self.keeper.put(
                source, actor=ARCHIVIST, archive_number=f"BM01-WS·2026-D10-BGS-{self.items:04d}", doc_number="",
                title="基准", responsible_unit="基准单位", retention="D10", doc_date=date.today(),
                media_type="application/octet-stream",
            )
        originals.append(original)

    def _plain_put(self, path: Path, name: str, size: int) -> None:
        with path.open("rb") as source:
            self.plain.put_object(bucket_name=self.bucket, object_name=name, data=source, length=size, part_size=PART_SIZE)

    def _get(self, original) -> None:
        with open(os.devnull, "wb") as sink:  # both sides discard what they read
            self.keeper.get(original, sink)

    def _plain_get(self, name: str) -> None:
        response = self.plain.get_object(bucket_name=self.bucket, object_name=name)
        while response.read(1024 * 1024):
            pass
        response.close()
        response.release_conn()


class Steps:
    """The wall time of each step of a put, by wrapping the calls that make it (the bench's own
    instrument: the code measured is unchanged)."""

    def __init__(self, keeper: Archivist, store: S3Store) -> None:
        self.spent: dict[str, list[float]] = {}
        self._wrap(store, "put", "store")
        self._wrap(store, "_store", "upload (S3 request)")
        self._wrap(formats, "read", "admit: format read")
        self._wrap(keeper.ledger, "check_new_original", "ledger checks")
        self._wrap(keeper.ledger, "check_original_links", "ledger checks")
        self._wrap(keeper.ledger, "record_original", "ledger commit")
        self.total: list[float] = []

    def _wrap(self, owner: object, name: str, label: str) -> None:
        step = getattr(owner, name)

        @functools.wraps(step)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return step(*args, **kwargs)
            finally:
                self.spent.setdefault(label, []).append(time.perf_counter() - started)

        setattr(owner, name, timed)

    def start(self) -> None:
        self.spent.clear()

    def line(self, puts: int) -> dict[str, float]:
        """Mean ms per put of each step; `hold + SHA-256` is the store's put less its upload and the admission."""
        means = {label: 1e3 * sum(times) / puts for label, times in self.spent.items()}
        means["hold + SHA-256"] = means.pop("store") - means["upload (S3 request)"] - means["admit: format read"]
        return means


PHRASES = ["政务公开", "秋季招生", "防汛抗旱", "应急预案", "财政预算", "重大行政决策", "听证会", "依申请公开", "行政复议", "信息公开年报",
           "城乡规划", "食品安全", "安全生产", "教育督导", "医疗保障", "养老服务", "乡村振兴", "生态环境", "市场监管", "住房保障"]


def _text(rng: random.Random, n: int) -> str:
    """About a page of Chinese text: common words, a few phrases, and a marker only this original has."""
    words = [rng.choice(PHRASES) + "工作的" + rng.choice(("通知", "意见", "办法", "报告")) for _ in range(40)]
    return "。".join(words) + f"。编号甲{n:06d}乙"


def search_bench(count: int, views_url: str) -> None:
    """Searches over `count` originals, each timed over a few runs, beside a plain scan of the same texts."""
    rng = random.Random(7)
    store = ViewStore(views_url)
    runner = ProjectionRunner(store, [ArchiveView()])
    with store.transaction() as tx:
        ArchiveTexts.ensure(tx)
        tx.execute("CREATE TABLE IF NOT EXISTS raw_text (sha256 TEXT PRIMARY KEY, body TEXT NOT NULL)")
        ArchiveView().clear(tx)
        tx.execute("DELETE FROM raw_text")
    started = time.perf_counter()
    for first in range(0, count, 5000):
        rows, texts = [], []
        for n in range(first, min(count, first + 5000)):
            year = 2010 + n % 15
            sha = f"{n:064x}"
            rows.append((f"ZY01-WS·{year}-D30-BGS-{n % 10000:04d}x{n}", str(uuid4()), n + 1, f"资府办发〔{year}〕{n}号",
                         rng.choice(PHRASES) + f"的通知（第{n}号）", f"单位{n % 40}", f"{year}-03-01", "通知", "D30",
                         f"{year + 31}-01-01", f"{year + 31}-01-01", "公开", 3, "application/pdf", 1000, sha, sha, None,
                         "2026-01-01T00:00:00+08:00"))
            texts.append((sha, _text(rng, n)))
        with store.transaction() as tx:
            tx.executemany(f"INSERT INTO archive_catalogue ({', '.join(ARCHIVED)}) VALUES ({', '.join('?' * len(ARCHIVED))})", rows)
            ArchiveTexts.add(tx, texts)
            if not store.postgres:
                tx.executemany("INSERT INTO archive_titles (original_id, doc_number, title) VALUES (?, ?, ?)",
                               [(row[1], row[3], row[4]) for row in rows])
            tx.executemany("INSERT INTO raw_text (sha256, body) VALUES (?, ?)", texts)
    if store.postgres:  # as autovacuum does soon after: the plans a server that has run a while chooses
        with store.transaction() as tx:
            tx.execute("ANALYZE archive_catalogue")
            tx.execute("ANALYZE archive_text")
    print(f"{count} originals loaded in {time.perf_counter() - started:.1f} s ({'PostgreSQL' if store.postgres else 'SQLite'})")
    like = "body ILIKE ?" if store.postgres else "instr(body, ?) > 0"
    cases = [("文号, partial", ArchiveQuery(doc_number="〔2015〕123"), None),
             ("words, one original's marker", ArchiveQuery(words=f"甲{count // 2:06d}乙"), f"甲{count // 2:06d}乙"),
             ("words in ~40% of texts + year", ArchiveQuery(words="依申请公开工作的报告", year=2020), "依申请公开工作的报告"),
             ("words in ~40% of texts", ArchiveQuery(words="依申请公开工作的报告"), "依申请公开工作的报告"),
             ("words, 2 characters", ArchiveQuery(words="甲0"), "甲0"),
             ("words, 2 characters, common", ArchiveQuery(words="预算"), "预算"),
             ("words in 10,000 texts, late", ArchiveQuery(words=f"甲{count // 20000:02d}"), f"甲{count // 20000:02d}"),
             ("unit + year, first page", ArchiveQuery(unit="单位7", year=2017), None)]
    for label, query, raw in cases:
        timings, found = [], []
        for _ in range(5):
            began = time.perf_counter()
            with store.transaction() as tx:
                found = search_originals(tx, query, None, 50)
            timings.append(time.perf_counter() - began)
        ranked = "" if all(r["ranked"] for r in found) else ", unranked"
        line = f"{label:>30}: {len(found):>3} rows{ranked}, median {statistics.median(timings) * 1000:8.2f} ms"
        if raw:
            scans = []
            for _ in range(3):
                began = time.perf_counter()
                with store.transaction() as tx:
                    tx.all(f"SELECT sha256 FROM raw_text WHERE {like}", ["%" + raw + "%" if store.postgres else raw])
                scans.append(time.perf_counter() - began)
            scan, ours = statistics.median(scans), statistics.median(timings)
            line += f" | plain scan of the texts {scan * 1000:8.2f} ms | ratio {scan / ours:.1f}x"
        print(line)
    del runner
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-rounds", type=int, default=30, help="timed rounds of 1 MB originals")
    parser.add_argument("--large-rounds", type=int, default=3, help="timed rounds of 100 MB originals")
    parser.add_argument("--search", type=int, default=0, metavar="N", help="measure the search over N originals instead")
    parser.add_argument("--postgres", action="store_true", help="--search on a PostgreSQL the bench starts (by default SQLite)")
    args = parser.parse_args()
    if args.search and args.postgres:
        postgres = PostgresServer.start()
        try:
            search_bench(args.search, postgres.create_database("bench_search"))
        finally:
            postgres.stop()
        return
    if args.search:
        search_bench(args.search, f"sqlite:///{tempfile.mkdtemp()}/views.sqlite3")
        return
    server = SeaweedServer.start()
    tmp = Path(tempfile.mkdtemp())
    services = open_services(Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3"))
    try:
        bucket = f"bench-{uuid4().hex[:8]}"
        store = S3Store(server.client(), bucket)
        store.ensure_bucket()
        keeper = Archivist(services.ledger, store)
        meter = Meter(server.process.pid)
        one_round = Round(keeper, server.client(), bucket, tmp, meter)
        steps = Steps(keeper, store)
        measures: dict[str, object] = {}
        for label, size, repeat in (("1 MB", 1_000_000, args.small_rounds), ("100 MB", 100_000_000, args.large_rounds)):
            one_round(size)  # warms the server and the connections up, untimed
            steps.start()
            rounds = [one_round(size) for _ in range(repeat)]
            files = [path for path, _ in rounds]
            spent = {what: sum((costs[what] for _, costs in rounds), Cost(0, 0, 0)) for what in rounds[0][1]}
            total = size * repeat
            for step in ("put", "get"):
                ours, raw = spent[f"ours {step}"], spent[f"raw {step}"]
                print(f"{label:>6} {step}: {figures('zwgk', total, ours)} | {figures('plain minio', total, raw)}"
                      f" | ratio {raw.wall / ours.wall:.2f}x, {cpu_bound(ours, raw)}")
                measures[f"{label} {step}"] = {"zwgk_mb_s": total / 1e6 / ours.wall, "raw_mb_s": total / 1e6 / raw.wall,
                                               "ratio": raw.wall / ours.wall}
            with_sidecar = spent["ours put"] + spent["ours sidecar"]
            print(f"{label:>6} put with its sidecar written: {figures('zwgk', total, with_sidecar)}"
                  f" | ratio {spent['raw put'].wall / with_sidecar.wall:.2f}x")
            measures[f"{label} put with sidecar"] = {"ratio": spent["raw put"].wall / with_sidecar.wall}
            if size == 1_000_000:
                means = steps.line(repeat)
                print(f"{label:>6} put, ms per put: "
                      + ", ".join(f"{what} {ms:.2f}" for what, ms in means.items())
                      + f" | whole put {1e3 * spent['ours put'].wall / repeat:.2f}, sidecar behind"
                        f" {1e3 * spent['ours sidecar'].wall / repeat:.2f}, plain put {1e3 * spent['raw put'].wall / repeat:.2f}")
                measures[f"{label} put steps ms"] = means
            originals = keeper.originals()[-repeat:]
            ours = meter(keeper.verify, originals, ARCHIVIST)
            raw = meter(subprocess.run, ["sha256sum", *map(str, files)], check=True, capture_output=True)
            print(f"{label:>6} verify of {repeat} (SHA-256 + SM3, read from S3): {figures('zwgk', total, ours)}"
                  f" | {figures('sha256sum on local files', total, raw)} | ratio {raw.wall / ours.wall:.2f}x, {cpu_bound(ours, raw)}")
            measures[f"{label} verify"] = {"zwgk_mb_s": total / 1e6 / ours.wall, "raw_mb_s": total / 1e6 / raw.wall,
                                           "ratio": raw.wall / ours.wall}
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the bench process (zwgk and the plain client): {peak_mb:.0f} MB")
        print(json.dumps({"bench": "archive", **measures, "peak_rss_mb": round(peak_mb, 1)}, ensure_ascii=False))
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    main()

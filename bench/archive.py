"""Archive benchmark: put and get throughput of originals of 1 MB and 100 MB against a
SeaweedFS S3 server with Object Lock, next to plain `minio` put_object/get_object of
the same bytes on the same server in the same run; fixity verification next to
`sha256sum` over the same files. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import SeaweedServer  # noqa: E402
from zwgk.archive.s3 import PART_SIZE, S3Store  # noqa: E402
from zwgk.archive.service import Archivist  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.wiring import open_services  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402

ARCHIVIST = Actor("bench", "archivist", "基准测试档案室")


def mb_per_s(size: int, seconds: float) -> float:
    return size / seconds / 1e6


class Round:
    """One put and one get of fresh random bytes, by zwgk and by plain minio, each timed."""

    def __init__(self, keeper: Archivist, plain, bucket: str, folder: Path) -> None:
        self.keeper, self.plain, self.bucket, self.folder = keeper, plain, bucket, folder
        self.items = 0

    def __call__(self, size: int) -> tuple[Path, dict[str, float]]:
        path = self.folder / f"{uuid4().hex}.bin"
        path.write_bytes(os.urandom(size))
        self.items += 1
        seconds = {}
        with path.open("rb") as source:
            started = time.perf_counter()
            _, original = self.keeper.put(
                source, actor=ARCHIVIST, archive_number=f"BM01-WS·2026-D10-BGS-{self.items:04d}", doc_number="",
                title="基准", responsible_unit="基准单位", retention="D10", doc_date=date.today(),
                media_type="application/octet-stream",
            )
            seconds["ours put"] = time.perf_counter() - started
        name = f"plain/{path.name}"
        with path.open("rb") as source:
            started = time.perf_counter()
            self.plain.put_object(bucket_name=self.bucket, object_name=name, data=source, length=size, part_size=PART_SIZE)
            seconds["raw put"] = time.perf_counter() - started
        started = time.perf_counter()
        with open(os.devnull, "wb") as sink:  # both sides discard what they read
            self.keeper.get(original, sink)
        seconds["ours get"] = time.perf_counter() - started
        started = time.perf_counter()
        response = self.plain.get_object(bucket_name=self.bucket, object_name=name)
        while response.read(1024 * 1024):
            pass
        response.close()
        response.release_conn()
        seconds["raw get"] = time.perf_counter() - started
        return path, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-rounds", type=int, default=30, help="timed rounds of 1 MB originals")
    parser.add_argument("--large-rounds", type=int, default=3, help="timed rounds of 100 MB originals")
    args = parser.parse_args()
    server = SeaweedServer.start()
    tmp = Path(tempfile.mkdtemp())
    services = open_services(Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3"))
    try:
        bucket = f"bench-{uuid4().hex[:8]}"
        store = S3Store(server.client(), bucket)
        store.ensure_bucket()
        keeper = Archivist(services.archive, store)
        one_round = Round(keeper, server.client(), bucket, tmp)
        for label, size, repeat in (("1 MB", 1_000_000, args.small_rounds), ("100 MB", 100_000_000, args.large_rounds)):
            one_round(size)  # warms the server and the connections up, untimed
            rounds = [one_round(size) for _ in range(repeat)]
            files = [path for path, _ in rounds]
            spent = {what: sum(seconds[what] for _, seconds in rounds) for what in rounds[0][1]}
            total = size * repeat
            for step in ("put", "get"):
                ours, raw = spent[f"ours {step}"], spent[f"raw {step}"]
                print(f"{label:>6} {step}: zwgk {mb_per_s(total, ours):7.1f} MB/s | plain minio {mb_per_s(total, raw):7.1f} MB/s"
                      f" | ratio {raw / ours:.2f}x")
            originals = keeper.originals()[-repeat:]
            started = time.perf_counter()
            keeper.verify(originals, ARCHIVIST)
            ours_verify = time.perf_counter() - started
            started = time.perf_counter()
            subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)
            raw_verify = time.perf_counter() - started
            print(f"{label:>6} verify of {repeat} (SHA-256 + SM3, read from S3): zwgk {mb_per_s(total, ours_verify):7.1f} MB/s"
                  f" | sha256sum on local files {mb_per_s(total, raw_verify):7.1f} MB/s | ratio {raw_verify / ours_verify:.2f}x")
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    main()

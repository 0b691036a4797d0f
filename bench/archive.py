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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = SeaweedServer.start()
    tmp = Path(tempfile.mkdtemp())
    services = open_services(Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3"))
    try:
        bucket = f"bench-{uuid4().hex[:8]}"
        store = S3Store(server.client(), bucket)
        store.ensure_bucket()
        keeper = Archivist(services.archive, store)
        plain = server.client()
        item = 0
        for label, size in (("1 MB", 1_000_000), ("100 MB", 100_000_000)):
            files, ours_put, raw_put, ours_get, raw_get = [], 0.0, 0.0, 0.0, 0.0
            for _ in range(args.repeat):
                data = os.urandom(size)
                path = tmp / f"{uuid4().hex}.bin"
                path.write_bytes(data)
                files.append(path)
                item += 1
                with path.open("rb") as source:
                    started = time.perf_counter()
                    _, original = keeper.put(source, actor=ARCHIVIST, archive_number=f"BM01-WS·2026-D10-BGS-{item:04d}",
                                             doc_number="", title="基准", responsible_unit="基准单位", retention="D10",
                                             doc_date=date.today(), media_type="application/octet-stream")
                    ours_put += time.perf_counter() - started
                with path.open("rb") as source:
                    started = time.perf_counter()
                    plain.put_object(bucket_name=bucket, object_name=f"plain/{uuid4()}", data=source, length=size, part_size=PART_SIZE)
                    raw_put += time.perf_counter() - started
                    name = f"plain/{path.name}"
                    source.seek(0)
                    plain.put_object(bucket_name=bucket, object_name=name, data=source, length=size, part_size=PART_SIZE)
                started = time.perf_counter()
                with open(os.devnull, "wb") as sink:  # both sides discard what they read
                    keeper.get(original, sink)
                ours_get += time.perf_counter() - started
                started = time.perf_counter()
                response = plain.get_object(bucket_name=bucket, object_name=name)
                while response.read(1024 * 1024):
                    pass
                response.close()
                response.release_conn()
                raw_get += time.perf_counter() - started
            total = size * args.repeat
            print(f"{label:>6} put: zwgk {mb_per_s(total, ours_put):7.1f} MB/s | plain minio {mb_per_s(total, raw_put):7.1f} MB/s"
                  f" | ratio {raw_put / ours_put:.2f}x")
            print(f"{label:>6} get: zwgk {mb_per_s(total, ours_get):7.1f} MB/s | plain minio {mb_per_s(total, raw_get):7.1f} MB/s"
                  f" | ratio {raw_get / ours_get:.2f}x")
            originals = keeper.originals()[-args.repeat:]
            started = time.perf_counter()
            keeper.verify(originals, ARCHIVIST)
            ours_verify = time.perf_counter() - started
            started = time.perf_counter()
            subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)
            raw_verify = time.perf_counter() - started
            print(f"{label:>6} verify (SHA-256 + SM3, read from S3): zwgk {mb_per_s(total, ours_verify):7.1f} MB/s"
                  f" | sha256sum on local files {mb_per_s(total, raw_verify):7.1f} MB/s | ratio {raw_verify / ours_verify:.2f}x")
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    main()

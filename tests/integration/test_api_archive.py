"""The archive over HTTP, against a real `zwgk serve` process: on SQLite and PostgreSQL, with the
originals in the local directory and on a real S3 server with Object Lock (SeaweedFS)."""

from __future__ import annotations

import base64
import codecs
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote
from uuid import uuid4

import bagit
import psutil
import pytest

from tests import documents
from tests.api import ZwgkServer, isolated, token_for
from tests.servers import SeaweedServer, free_port
from zwgk.connectors import operations, queries
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services
from zwgk.domain.access import Scope
from zwgk.domain.actors import Actor, Role
from zwgk.domain.archival import ArchivedOriginal, original_id
from zwgk.domain.errors import DomainError

UNIT = "资阳市人民政府办公室"
NUMBER = "ZY01-WS·2020-Y-BGS-0001"
TITLE = "关于印发《资阳市全面推进政务公开工作的实施意见》的通知"
SEED = resources.files("zwgk.connectors").joinpath("demo_data", "ziyang-2020-31.txt").read_bytes()
SECOND = resources.files("zwgk.connectors").joinpath("demo_data", "yanjiang-2022-6.txt").read_bytes()
METADATA = {"title": TITLE, "responsible_unit": UNIT, "retention": "Y", "doc_number": "资府办发〔2020〕31号",
            "doc_date": "2020-07-10", "doc_type": "通知", "filename": "ziyang-2020-31.txt"}
MiB = 1024 * 1024


def content_url(number: str = NUMBER) -> str:
    return f"/api/v1/archive/originals/{quote(number)}/content"


def put(http, data, number: str = NUMBER, content_type: str = "text/plain", **metadata):
    return http.put(f"/api/v1/archive/originals/{quote(number)}", params={**METADATA, **metadata}, content=data,
                    headers={"Content-Type": content_type}, timeout=600)


def problem_of(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code and body["request_id"] == response.headers["X-Request-Id"]
    return body


def recorded_originals(settings: Settings) -> int:
    with services(settings) as s:
        return len(list(s.ledger.ids_of(ArchivedOriginal.Archived)))


def stored_objects(root: Path) -> list[Path]:
    originals = root / "var" / "archive" / "originals"
    return [p for p in originals.rglob("*") if p.is_file()] if originals.exists() else []


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path: Path) -> dict[str, str]:
    """Where the server keeps originals: its local directory, or a fresh Object-Lock bucket on SeaweedFS."""
    if request.param == "local":
        return {}
    seaweed: SeaweedServer = request.getfixturevalue("seaweed")
    return {"s3_endpoint": seaweed.endpoint, "s3_access_key": seaweed.access_key, "s3_secret_key": seaweed.secret_key,
            "s3_bucket": f"originals-{uuid4().hex[:12]}"}


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ZwgkServer]]:
    settings = isolated(settings, tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    yield settings, server
    server.stop()


@pytest.fixture
def archivist(served) -> str:
    return token_for(served[0], "zy-archivist", "archivist", UNIT)


def test_an_original_uploaded_streams_back_byte_identical_with_its_digests_ranges_and_chinese_name(settings, store, tmp_path):
    settings = isolated(settings, tmp_path, **store)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        token = token_for(settings, "zy-archivist", "archivist", UNIT)
        with server.client(token) as http:
            stored = put(http, SEED)
            assert stored.status_code == 201, stored.text
            answer = stored.json()
            sha256 = hashlib.sha256(SEED).hexdigest()
            assert answer["sha256"] == sha256 and answer["size"] == len(SEED) and answer["media_type"] == "text/plain"
            assert (answer["archive_number"], answer["title"], answer["doc_number"]) == (NUMBER, TITLE, "资府办发〔2020〕31号")
            assert stored.headers["Zwgk-Position"] == str(answer["notification_id"])
            assert stored.headers["ETag"] == f'"{sha256}"' and unquote(stored.headers["Location"]).endswith(NUMBER)

            got = http.get(content_url())
            assert got.status_code == 200 and got.content == SEED
            assert got.headers["ETag"] == f'"{sha256}"'
            digest = re.fullmatch(r"sha-256=:([A-Za-z0-9+/=]+):", got.headers["Repr-Digest"])
            assert digest and base64.b64decode(digest[1]) == hashlib.sha256(got.content).digest()
            assert got.headers["Content-Type"] == "text/plain" and got.headers["Content-Length"] == str(len(SEED))
            assert got.headers["Accept-Ranges"] == "bytes"
            disposition = got.headers["Content-Disposition"]
            assert disposition.isascii() and disposition.startswith("attachment;")
            assert unquote(re.search(r"filename\*=UTF-8''([^;]+)", disposition)[1]) == TITLE + ".txt"
            assert re.search(r'filename="([ -~]+)"', disposition)[1] == "ZY01-WS_2020-Y-BGS-0001.txt"

            middle = http.get(content_url(), headers={"Range": "bytes=100-1099"})
            assert middle.status_code == 206 and middle.content == SEED[100:1100]
            assert middle.headers["Content-Range"] == f"bytes 100-1099/{len(SEED)}" and middle.headers["Content-Length"] == "1000"
            assert middle.headers["Repr-Digest"] == got.headers["Repr-Digest"]  # of the whole representation
            tail = http.get(content_url(), headers={"Range": "bytes=-64"})
            assert tail.status_code == 206 and tail.content == SEED[-64:]
            rest = http.get(content_url(), headers={"Range": f"bytes={len(SEED) - 10}-"})
            assert rest.status_code == 206 and rest.content == SEED[-10:]
            beyond = http.get(content_url(), headers={"Range": f"bytes={len(SEED)}-"})
            assert beyond.status_code == 416 and problem_of(beyond)["code"] == "RANGE_NOT_SATISFIABLE"
            assert beyond.headers["Content-Range"] == f"bytes */{len(SEED)}"
            several = http.get(content_url(), headers={"Range": "bytes=0-1,5-9"})
            assert several.status_code == 200 and several.content == SEED  # several ranges: the whole
            stale = http.get(content_url(), headers={"Range": "bytes=0-9", "If-Range": '"another"'})
            assert stale.status_code == 200 and stale.content == SEED

            current = http.get(content_url(), headers={"If-None-Match": f'W/"x", "{sha256}"'})
            assert current.status_code == 304 and current.content == b"" and current.headers["ETag"] == f'"{sha256}"'
            head = http.head(content_url())
            assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == str(len(SEED))

            described = http.get(f"/api/v1/archive/originals/{quote(NUMBER)}").json()
            assert described["sm3"] == answer["sm3"] and described["legal_hold"] is False
            assert described["retain_until"] >= "2120-01-01"
            found = http.get("/api/v1/archive/originals", params={"doc_number": "资府办发〔2020〕31号",
                                                                  "at_least": answer["notification_id"]}).json()
            assert [f["archive_number"] for f in found] == [NUMBER]
        with services(settings) as s:
            original = s.ledger.original(NUMBER)
            assert (original.sha256, original.size) == (sha256, len(SEED))
            archived = next(s.ledger.created_events(ArchivedOriginal.Archived))
            assert (archived.actor.id, archived.actor.role) == ("zy-archivist", "archivist")
    finally:
        server.stop()


def test_an_upload_over_the_limit_is_refused_with_413_and_records_and_stores_nothing(settings, tmp_path):
    settings = isolated(settings, tmp_path, max_upload_bytes=MiB)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        token = token_for(settings, "zy-archivist", "archivist", UNIT)
        with server.client(token) as http:
            declared = put(http, b"x" * (MiB + 1))  # Content-Length says so: refused before a byte is read
            assert declared.status_code == 413 and problem_of(declared)["code"] == "PAYLOAD_TOO_LARGE"

            def chunked() -> Iterator[bytes]:
                for _ in range(3):
                    yield b"y" * (MiB // 2)

            growing = put(http, chunked(), content_type="application/octet-stream")  # no length: refused as it grows
            assert growing.status_code == 413 and problem_of(growing)["code"] == "PAYLOAD_TOO_LARGE"
            assert recorded_originals(settings) == 0 and stored_objects(tmp_path) == []
            assert not list((tmp_path / "var" / "archive" / "incoming").iterdir())
            exact = put(http, b"z" * MiB, content_type="application/octet-stream")
            assert exact.status_code == 201, exact.text
        assert recorded_originals(settings) == 1
    finally:
        server.stop()


def test_only_an_archivist_archives_and_a_refused_upload_stores_nothing(served, archivist):
    settings, server = served
    officer = token_for(settings, "zy-officer", "officer", UNIT)
    with server.client(officer) as http:
        refused = put(http, SEED)
    assert refused.status_code == 403 and problem_of(refused)["code"] == "ROLE_NOT_PERMITTED"
    with server.client(archivist) as http:
        bad = put(http, SEED, number="ZY01-WS-2020-Y-BGS-0001")
        assert bad.status_code == 422 and problem_of(bad)["code"] == "ARCHIVE_NUMBER_INVALID"
        assert put(http, SEED).status_code == 201
        again = put(http, SECOND)
        assert again.status_code == 409 and problem_of(again)["code"] == "ALREADY_EXISTS"
        with server.client(officer) as other:
            assert other.post(f"/api/v1/archive/originals/{quote(NUMBER)}/hold", json={"reason": "诉讼"}).status_code == 403
    assert recorded_originals(settings) == 1
    assert len(stored_objects(server.log.parent)) == 2  # the original and its retention file; nothing of the refused ones
    with services(settings) as s:
        assert [e.user_id for e in s.security_log.entries(kind="access_refused")] == ["zy-officer", "zy-officer"]


def test_an_upload_refused_for_its_link_or_its_pages_stores_nothing(sqlite_settings, store, tmp_path, request):
    """Refused on the spool, before the store keeps a byte: under Object Lock nothing stored could be taken back."""
    settings = isolated(sqlite_settings, tmp_path, **store)
    server = ZwgkServer.start(settings, tmp_path)
    try:
        token = token_for(settings, "zy-archivist", "archivist", UNIT)
        with server.client(token) as http:
            unknown = put(http, SEED, hearing_id=str(uuid4()))
            assert problem_of(unknown)["code"] == "NOT_FOUND", unknown.text
            pages = put(http, documents.pdf(2), content_type="application/pdf", pages=3)
            assert problem_of(pages)["code"] == "PAGES_MISMATCH", pages.text
    finally:
        server.stop()
    assert recorded_originals(settings) == 0
    if store:
        seaweed: SeaweedServer = request.getfixturevalue("seaweed")
        listed = seaweed.client().list_objects(bucket_name=store["s3_bucket"], recursive=True, include_version=True)
        assert [item.object_name for item in listed] == []
    else:
        assert [p for p in (tmp_path / "var" / "archive").rglob("*") if not p.is_dir()] == []


def test_hold_release_fixity_four_properties_and_a_bagit_export_streamed_as_tar_and_zip(served, archivist, tmp_path):
    settings, server = served
    with server.client(archivist) as http:
        assert put(http, SEED).status_code == 201
        assert put(http, SECOND, number="ZY01-WS·2020-Y-BGS-0002", title="第二件", doc_number="", filename="b.txt").status_code == 201
        held = http.post(f"/api/v1/archive/originals/{quote(NUMBER)}/hold", json={"reason": "行政诉讼"})
        assert held.status_code == 201 and held.headers["Zwgk-Position"] == str(held.json()["notification_id"])
        twice = http.post(f"/api/v1/archive/originals/{quote(NUMBER)}/hold", json={"reason": "行政诉讼"})
        assert twice.status_code == 422 and problem_of(twice)["code"] == "ALREADY_ON_HOLD" and problem_of(twice)["rule"] == "R2"
        assert http.get(f"/api/v1/archive/originals/{quote(NUMBER)}").json()["legal_hold"] is True
        assert http.post(f"/api/v1/archive/originals/{quote(NUMBER)}/release", json={"reason": "审结"}).status_code == 201

        checked = http.post("/api/v1/archive/fixity", json={}).json()
        assert checked["ok"] and [r["outcome"] for r in checked["results"]] == ["intact", "intact"]
        assert checked["results"][0]["detail_zh"] == "SHA-256 与 SM3 均与存档时相符"
        assert http.post("/api/v1/archive/fixity", json={"due_days": 90}).json()["results"] == []
        one = http.post("/api/v1/archive/fixity", json={"archive_numbers": ["ZY01-WS·2020-Y-BGS-0002"]}).json()
        assert [r["archive_number"] for r in one["results"]] == ["ZY01-WS·2020-Y-BGS-0002"]
        report = http.get("/api/v1/archive/four-properties").json()
        assert report["ok"] and {o["archive_number"] for o in report["originals"]} == {NUMBER, "ZY01-WS·2020-Y-BGS-0002"}
        assert report["originals"][0]["authenticity"] == {"ok": True, "findings": []}
        sheet = http.get("/api/v1/archive/four-properties", params={"format": "csv"})
        assert sheet.content.startswith(codecs.BOM_UTF8)
        assert sheet.text.splitlines()[0] == "\ufeff档号,题名,真实性,完整性,可用性,安全性,结论"
        assert sheet.text.splitlines()[1].endswith(",通过,通过,通过,通过,通过")
        history = http.get(f"/api/v1/archive/originals/{quote(NUMBER)}/fixity").json()["items"]
        assert [(c["outcome"], c["role"]) for c in history] == [("intact", "archivist")]
        checks = http.get("/api/v1/archive/originals/ZY01-WS·2020-Y-BGS-0002/fixity", params={"format": "csv"}).text.splitlines()
        assert len(checks) == 3 and all(",完好,SHA-256 与 SM3 均与存档时相符," in line for line in checks[1:])

        for package_format in ("tar", "zip"):
            with http.stream("GET", "/api/v1/archive/export", params={"format": package_format}) as exported:
                assert exported.status_code == 200
                assert exported.headers["Zwgk-Originals"] == "2"
                name = re.search(r'filename="(zwgk-export-[0-9TZ]+)\.' + package_format + '"', exported.headers["Content-Disposition"])[1]
                packed = b"".join(exported.iter_bytes())
            unpacked = tmp_path / f"unpacked-{package_format}"
            if package_format == "tar":
                assert exported.headers["Content-Type"] == "application/x-tar"
                with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
                    tar.extractall(unpacked, filter="data")
            else:
                assert exported.headers["Content-Type"] == "application/zip"
                with zipfile.ZipFile(io.BytesIO(packed)) as package:
                    package.extractall(unpacked)
            bag = bagit.Bag(str(unpacked / name))
            assert bag.is_valid() and bag.info["Payload-Oxum"] == f"{len(SEED) + len(SECOND) + _metadata_bytes(unpacked / name)}.4"
            assert (unpacked / name / "data" / NUMBER / "original.txt").read_bytes() == SEED
        assert not list((server.log.parent / "var" / "tmp").iterdir())  # the bags made on the server are gone
        nothing = http.get("/api/v1/archive/export", params={"unit": "别的单位"})
        assert nothing.status_code == 422 and problem_of(nothing)["code"] == "NOTHING_TO_EXPORT"
    with services(settings) as s:
        assert s.ledger.original(NUMBER).last_fixity.value == "intact"


def _metadata_bytes(bag: Path) -> int:
    return sum(p.stat().st_size for p in (bag / "data").rglob("metadata.json"))


def test_an_original_gone_or_changed_in_the_store_never_reaches_a_reader_whole(served, archivist):
    settings, server = served
    large = os.urandom(3 * MiB)  # several chunks: the change is found only after the first ones are sent
    with server.client(archivist) as http:
        assert put(http, SEED).status_code == 201
        assert put(http, SECOND, number="ZY01-WS·2020-Y-BGS-0002", title="第二件", filename="b.txt").status_code == 201
        third = put(http, large, number="ZY01-WS·2020-Y-BGS-0003", title="第三件", content_type="application/octet-stream")
        assert third.status_code == 201
    objects = {p.name: p for p in stored_objects(server.log.parent)}

    def behind_zwgks_back(data: bytes, change: bytes | None) -> None:
        path = objects[hashlib.sha256(data).hexdigest()]
        path.chmod(0o644)
        if change is None:
            path.unlink()
        else:
            path.write_bytes(change)

    behind_zwgks_back(SEED, SEED.replace("政务".encode(), "政府".encode(), 1))  # same size, other bytes
    behind_zwgks_back(SECOND, None)
    behind_zwgks_back(large, large[:-1] + bytes([large[-1] ^ 1]))
    with server.client(archivist) as http:
        missing = http.get(content_url("ZY01-WS·2020-Y-BGS-0002"))
        assert missing.status_code == 410 and problem_of(missing)["code"] == "ORIGINAL_MISSING"
        small = http.get(content_url())  # read whole before the answer starts: refused outright
        assert small.status_code == 500 and problem_of(small)["code"] == "ORIGINAL_ALTERED"
        with http.stream("GET", content_url("ZY01-WS·2020-Y-BGS-0003")) as altered:
            assert altered.status_code == 200 and altered.headers["Content-Length"] == str(len(large))
            received = bytearray()
            with pytest.raises(Exception) as cut:  # noqa: PT011 - the connection is cut short: httpx says so its own way
                for chunk in altered.iter_raw():
                    received += chunk
        assert len(received) < len(large), cut.value
        assert http.get(content_url("ZY01-WS·2020-Y-BGS-0003"), headers={"Range": "bytes=0-99"}).content == large[:100]
    assert "ORIGINAL_ALTERED" in server.log.read_text(encoding="utf-8", errors="replace")


def test_an_unreachable_store_is_503_and_records_nothing(sqlite_settings, tmp_path):
    settings = isolated(sqlite_settings, tmp_path, s3_endpoint=f"127.0.0.1:{free_port()}", s3_access_key="x", s3_secret_key="y")
    server = ZwgkServer.start(settings, tmp_path)
    try:
        token = token_for(settings, "zy-archivist", "archivist", UNIT)
        with server.client(token) as http:
            down = put(http, SEED)
        assert down.status_code == 503 and problem_of(down)["code"] == "STORAGE_UNAVAILABLE"
        assert recorded_originals(settings) == 0
        with services(settings) as s:
            assert not s.ledger.exists(original_id(NUMBER))
    finally:
        server.stop()


class PeakMemory:
    """The highest resident set size of a process (and its children), sampled every few milliseconds."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.baseline = self.rss()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        return self.process.memory_info().rss + sum(c.memory_info().rss for c in self.process.children(recursive=True))

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def test_a_large_upload_and_its_download_stream_through_the_server_without_being_held_in_memory(sqlite_settings, tmp_path):
    settings = isolated(sqlite_settings, tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    size = 200 * MiB
    block = os.urandom(MiB)
    try:
        token = token_for(settings, "zy-archivist", "archivist", UNIT)
        with server.client(token) as http:
            assert put(http, b"warm-up", number="ZY01-WS·2020-Y-BGS-0002", filename="w.txt").status_code == 201
            expected = hashlib.sha256()

            def generated() -> Iterator[bytes]:
                for index in range(size // MiB):
                    piece = index.to_bytes(8, "big") + block[8:]  # no two megabytes alike
                    expected.update(piece)
                    yield piece

            started = time.monotonic()
            with PeakMemory(server.process.pid) as uploading:
                stored = put(http, generated(), content_type="application/octet-stream", filename="large.bin", title="大文件")
            assert stored.status_code == 201, stored.text
            assert stored.json()["size"] == size and stored.json()["sha256"] == expected.hexdigest()
            received = hashlib.sha256()
            with PeakMemory(server.process.pid) as downloading, http.stream("GET", content_url()) as got:
                assert got.headers["Content-Length"] == str(size)
                for chunk in got.iter_raw():
                    received.update(chunk)
            assert received.hexdigest() == expected.hexdigest()
        elapsed = time.monotonic() - started
        assert uploading.growth < 64 * MiB, f"the server grew by {uploading.growth / MiB:.0f} MiB for a {size // MiB} MiB upload"
        assert downloading.growth < 64 * MiB, f"the server grew by {downloading.growth / MiB:.0f} MiB for a {size // MiB} MiB download"
        print(json.dumps({"upload_growth_mib": uploading.growth / MiB, "download_growth_mib": downloading.growth / MiB,
                          "seconds": round(elapsed, 1)}))
    finally:
        server.stop()


def test_a_reader_whose_access_stops_at_their_unit_finds_reads_and_checks_only_its_originals(sqlite_settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the embedded archive, var/archive/, of this test's own
    other_unit = "资阳市雁江区人民政府办公室"
    mine, theirs = Actor("zy-archivist", Role.ARCHIVIST, UNIT), Actor("yj-archivist", Role.ARCHIVIST, other_unit)
    command_args = {k: v for k, v in METADATA.items() if k != "filename"}
    with services(isolated(sqlite_settings, tmp_path)) as s:
        operations.archive_upload(s, mine, io.BytesIO(SEED), {**command_args, "file": "a.txt", "archive_number": NUMBER})
        yanjiang = "YJ01-WS·2022-Y-BGS-0001"
        operations.archive_upload(s, theirs, io.BytesIO(SECOND), {**command_args, "file": "b.txt", "archive_number": yanjiang,
                                                                "responsible_unit": other_unit, "doc_number": "",
                                                                "doc_date": "2022-02-17"})
        assert queries.own_unit_only(Scope.OWN_UNIT, theirs) == other_unit
        assert queries.own_unit_only(Scope.ANY_UNIT, theirs, UNIT) == UNIT
        with pytest.raises(DomainError) as refused:
            queries.own_unit_only(Scope.OWN_UNIT, theirs, UNIT)
        assert refused.value.code == "NOT_RESPONSIBLE_UNIT"
        assert queries.readable_original(s, Scope.OWN_UNIT, mine, NUMBER).archive_number == NUMBER
        with pytest.raises(DomainError) as refused:
            queries.readable_original(s, Scope.OWN_UNIT, theirs, NUMBER)
        assert refused.value.code == "NOT_RESPONSIBLE_UNIT"
        checked = operations.fixity_run(s, theirs, unit=other_unit)
        assert [r.archive_number for r in checked.results] == [yanjiang] and checked.ok
        with pytest.raises(DomainError) as refused:
            operations.fixity_run(s, theirs, [NUMBER, yanjiang], unit=other_unit)
        assert refused.value.code == "NOT_RESPONSIBLE_UNIT"
        assert [o.archive_number for o in queries.four_property_check(s, other_unit).originals] == [yanjiang]
        assert len(queries.four_property_check(s).originals) == 2

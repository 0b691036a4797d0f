"""The archive of originals (R1, R2, D8): on the local-directory store and on a real S3
server with Object Lock (SeaweedFS), through the same tests."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from uuid import uuid4

import bagit
import pytest

from tests import documents
from tests.servers import SeaweedServer, free_port
from zwgk.archive import formats, four_properties
from zwgk.archive.bagit_export import LedgerProof, export_bag
from zwgk.archive.local import LocalStore
from zwgk.archive.migration import migrate
from zwgk.archive.s3 import PART_SIZE, S3Store
from zwgk.archive.service import Archivist
from zwgk.archive.store import RetentionViolation, content_key, sidecar_key
from zwgk.connectors import operations, queries
from zwgk.connectors.commands import execute, import_directory
from zwgk.connectors.config import Settings
from zwgk.connectors.signing import write_new_key
from zwgk.connectors.wiring import catch_up, open_services, views
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal, FixityCheck, FixityOutcome, original_id
from zwgk.domain.calendar import CST
from zwgk.domain.checkpoint import open_signed, parse_verifier
from zwgk.domain.disclosure import DisclosureAct, DraftDisclosure
from zwgk.domain.errors import DomainError
from zwgk.domain.hearings import AssignHearingRoles, Hearing, HoldHearing, NoticeHearing
from zwgk.domain.proofs import check_inclusion
from zwgk.projections import archive as archive_projection
from zwgk.projections.archive import ARCHIVED, ArchiveQuery, ArchiveTexts, ArchiveView, archive_catalogue, search_originals
from zwgk.projections.events import from_notification
from zwgk.projections.runner import ProjectionRunner
from zwgk.projections.store import ViewStore

ARCHIVIST = Actor("zy-archivist", "archivist", "资阳市人民政府办公室")
SEED = resources.files("zwgk.connectors").joinpath("demo_data", "ziyang-2020-31.txt").read_bytes()


def unique_bucket() -> str:
    return f"originals-{uuid4().hex[:12]}"


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path: Path):
    if request.param == "local":
        built = LocalStore(tmp_path / "archive")
    else:
        server: SeaweedServer = request.getfixturevalue("seaweed")
        built = S3Store(server.client(), unique_bucket())
    built.ensure_bucket()
    return built


@pytest.fixture
def keeper(store, sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    yield Archivist(services.ledger, store)
    services.close()


def put(keeper: Archivist, data: bytes = SEED, number: str = "ZY01-WS·2020-Y-BGS-0001", **extra):
    year = re.search(r"·?(\d{4})-", number)
    fields = dict(actor=ARCHIVIST, archive_number=number, doc_number="资府办发〔2020〕31号",
                  title="关于印发《资阳市全面推进政务公开工作的实施意见》的通知", responsible_unit="资阳市人民政府办公室",
                  retention=number.split("-")[2], doc_date=date(int(year[1]) if year else 2020, 7, 10), doc_type="通知",
                  media_type="text/plain")
    fields.update(extra)
    return keeper.put(io.BytesIO(data), **fields)


def test_r1_put_records_digests_metadata_and_sidecar(keeper: Archivist):
    outcome, original = put(keeper)
    import hashlib

    from cryptography.hazmat.primitives import hashes

    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(SEED)
    assert original.sha256 == hashlib.sha256(SEED).hexdigest()
    assert original.sm3 == sm3.finalize().hex()
    assert original.size == len(SEED) and original.storage_key == content_key(original.sha256)
    assert original.retain_until.year >= date.today().year + 100
    sidecar = json.loads(keeper.store.read_sidecar(sidecar_key(original.archive_number)))
    assert sidecar["archive_number"] == "ZY01-WS·2020-Y-BGS-0001" and sidecar["sm3"] == original.sm3
    assert sidecar["labels"]["archive_number"] == "档号"
    out = io.BytesIO()
    keeper.get(keeper.ledger.original("ZY01-WS·2020-Y-BGS-0001"), out)
    assert out.getvalue() == SEED


def test_d8_archiving_links_the_disclosure_act_in_the_same_transaction(keeper: Archivist, sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    officer = Actor("zy-officer", "officer", "资阳市人民政府办公室")
    act = services.ledger.execute(DraftDisclosure(title="实施意见", attribute="proactive"), officer, None)[0].aggregate_id
    outcome, original = put(keeper, disclosure_id=act)
    linked = services.ledger.load(DisclosureAct, act)
    assert linked.original == original.sha256
    positions = [(n.id, n.topic.rsplit(".", 1)[-1]) for n in services.ledger.notifications()][-2:]
    assert [name for _, name in positions] == ["Archived", "OriginalLinked"]
    assert positions[1][0] == positions[0][0] + 1
    services.close()


def test_h4_the_clerks_record_is_archived_and_linked_to_its_hearing_in_the_same_transaction(keeper: Archivist,
                                                                                          sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    unit = "资阳市雁江区发展和改革局"
    officer = Actor("yj-fgj", "officer", unit)
    notice = NoticeHearing(matter="停车收费", scheduled_at=datetime(2022, 8, 15, 14, tzinfo=CST), place="会议室",
                           requirements="携带身份证件")
    hearing = services.ledger.execute(notice, officer, datetime(2022, 8, 5, 9, tzinfo=CST))[0].aggregate_id
    with pytest.raises(DomainError) as refused:
        put(keeper, number="YJ02-WS·2022-D30-FGJ-0001", hearing_id=hearing)
    assert refused.value.code == "HEARING_NOT_HELD"
    assert not services.ledger.exists(original_id("YJ02-WS·2022-D30-FGJ-0001")) and nothing_stored(keeper.store)
    services.ledger.execute(AssignHearingRoles(hearing_id=hearing, chair="甲", clerk="乙", answerers=["丙"], questioners=["丁"],
                                               representatives=["丁", "戊"]), officer, datetime(2022, 8, 10, tzinfo=CST))
    services.ledger.execute(HoldHearing(hearing_id=hearing, attended=5), officer, datetime(2022, 8, 15, 14, tzinfo=CST))
    outcome, original = put(keeper, number="YJ02-WS·2022-D30-FGJ-0001", hearing_id=hearing,
                            occurred_at=datetime(2022, 8, 16, tzinfo=CST))
    linked = services.ledger.load(Hearing, hearing)
    assert linked.record_archived
    last = [n.topic.rsplit(".", 1)[-1] for n in services.ledger.notifications()][-2:]
    assert last == ["Archived", "RecordArchived"]
    services.close()


def nothing_stored(store) -> bool:
    """No original, sidecar or text in the store; for the local one, no file at all, spools and retention files included."""
    if isinstance(store, LocalStore):
        return [p for p in store.root.rglob("*") if not p.is_dir()] == []
    return list(store.client.list_objects(bucket_name=store.bucket, recursive=True, include_version=True)) == []


@pytest.mark.parametrize("refusal", ["unknown-hearing", "unknown-act", "pages"])
def test_r1_a_refused_original_stores_nothing_not_even_a_retention_file(keeper: Archivist, refusal):
    """What only the bytes or the linked records tell is refused before the store keeps anything: under Object
    Lock an object stored could not be taken back."""
    refused_with = {"unknown-hearing": ({"hearing_id": uuid4()}, "NOT_FOUND"),
                    "unknown-act": ({"disclosure_id": uuid4()}, "NOT_FOUND"),
                    "pages": ({"data": documents.pdf(2), "media_type": "application/pdf", "pages": 3}, "PAGES_MISMATCH")}
    extra, code = refused_with[refusal]
    with pytest.raises(DomainError) as refused:
        put(keeper, **extra)
    assert refused.value.code == code
    assert nothing_stored(keeper.store) and keeper.originals() == []


def test_r2_a_spool_is_its_writers_alone_and_gone_after_a_failure(tmp_path: Path, sqlite_settings: Settings):
    store = LocalStore(tmp_path / "archive")
    store.ensure_bucket()
    modes = []

    def admit(spooled) -> None:
        modes.append(stat.S_IMODE(os.fstat(spooled.file.fileno()).st_mode))
        raise OSError("the disk failed")

    with pytest.raises(OSError, match="the disk failed"):
        store.put(io.BytesIO(SEED), "text/plain", None, admit)
    assert modes == [0o600] and nothing_stored(store)

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise OSError("the source went away")

    with pytest.raises(OSError, match="went away"):
        store.put(Broken(), "text/plain", None)
    assert nothing_stored(store) and store.leftovers() == []


def test_r2_a_crashed_puts_spool_is_removed_when_a_store_starts_unless_another_process_still_writes_it(tmp_path: Path):
    """Two processes share the local store: a spool locked by its writer stays; one no process holds is a crash's."""
    root = tmp_path / "archive"
    LocalStore(root).ensure_bucket()
    crashed, writing = root / "incoming" / "crashed", root / "incoming" / "writing"
    crashed.write_bytes(b"half an original")
    writing.write_bytes(b"being written")
    writer = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time\n"
                               f"f = open({str(writing)!r}, 'rb'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); "
                               "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "locked\n"
        started = LocalStore(root)
        started.ensure_bucket()
        assert not crashed.exists() and writing.exists()
        assert started.leftovers() == ["incoming/crashed"]
    finally:
        writer.communicate("")
    assert started.leftovers() == ["incoming/crashed", "incoming/writing"] and not writing.exists()


@pytest.mark.parametrize(
    ("number", "code"),
    [("ZY01-WS-2020-Y-BGS-0001", "ARCHIVE_NUMBER_INVALID"), ("ZY01-WS·2020-D20-BGS-0001", "ARCHIVE_NUMBER_INVALID"),
     ("ZY01-WS·2020-Y-BGS-1", "ARCHIVE_NUMBER_INVALID")],
)
def test_r1_archive_number_is_validated_before_any_byte_is_stored(keeper: Archivist, number, code):
    with pytest.raises(DomainError) as refused:
        put(keeper, number=number, retention="Y")
    assert refused.value.code == code
    assert list(keeper.store.keys()) == []
    assert keeper.originals() == []


def test_r1_duplicate_archive_number_and_retention_mismatch_are_refused(keeper: Archivist):
    put(keeper)
    with pytest.raises(DomainError) as duplicate:
        put(keeper, data=b"other bytes")
    assert (duplicate.value.code, duplicate.value.rule) == ("ALREADY_EXISTS", "R1")
    with pytest.raises(DomainError) as mismatch:
        put(keeper, number="ZY01-WS·2020-Y-BGS-0002", retention="D10")
    assert mismatch.value.code == "RETENTION_MISMATCH"
    assert len(list(keeper.store.keys())) == 1


def test_r1_only_an_archivist_archives(keeper: Archivist):
    with pytest.raises(DomainError) as refused:
        put(keeper, actor=Actor("o", "officer", "资阳市人民政府办公室"), number="ZY01-WS·2020-Y-BGS-0009")
    assert refused.value.code == "ROLE_NOT_PERMITTED"


def test_same_bytes_are_stored_once(keeper: Archivist):
    _, first = put(keeper)
    _, second = put(keeper, number="ZY01-WS·2020-D10-BGS-0001", retention="D10")
    assert first.storage_key == second.storage_key and first.version_id == second.version_id
    assert list(keeper.store.keys()) == [first.storage_key]
    state = keeper.store.state(first.storage_key, first.version_id)
    assert state.retain_until >= first.retain_until  # the longer retention wins


def test_r2_retained_original_cannot_be_deleted(keeper: Archivist):
    _, original = put(keeper)
    with pytest.raises(RetentionViolation):
        keeper.store.delete(original.storage_key, original.version_id)
    out = io.BytesIO()
    keeper.get(original, out)
    assert out.getvalue() == SEED


def test_r2_the_s3_server_itself_refuses_delete_and_overwrite_never_replaces(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    bucket = unique_bucket()
    store = S3Store(seaweed.client(), bucket)
    store.ensure_bucket()
    keeper = Archivist(services.ledger, store)
    _, original = put(keeper)
    plain = seaweed.client()  # an administrator's plain client, bypassing zwgk
    with pytest.raises(Exception) as refused:
        plain.remove_object(bucket_name=bucket, object_name=original.storage_key, version_id=original.version_id)
    assert "AccessDenied" in str(refused.value) or "locked" in str(refused.value).lower()
    plain.put_object(bucket_name=bucket, object_name=original.storage_key, data=io.BytesIO(b"forged"), length=6)
    report = keeper.verify(keeper.originals(), ARCHIVIST)
    assert [r.outcome for r in report.results] == [FixityOutcome.INTACT]  # read by version: the forgery is ignored
    services.close()


def test_r2_legal_hold_is_placed_enforced_and_released(keeper: Archivist):
    _, original = put(keeper)
    keeper.hold(original, ARCHIVIST, "行政复议", on=True)
    original = keeper.ledger.original(original.archive_number)
    assert original.legal_hold and keeper.store.state(original.storage_key, original.version_id).legal_hold
    with pytest.raises(DomainError) as again:
        keeper.hold(original, ARCHIVIST, "再次", on=True)
    assert again.value.code == "ALREADY_ON_HOLD"
    keeper.hold(original, ARCHIVIST, "复议终结", on=False)
    original = keeper.ledger.original(original.archive_number)
    assert not original.legal_hold and not keeper.store.state(original.storage_key, original.version_id).legal_hold


def test_r2_a_hold_on_shared_bytes_stays_while_any_original_holds_them(keeper: Archivist):
    """The same bytes archived under two numbers are stored once: releasing one original's hold must not
    release the object while the other's litigation goes on, and the four-property check must not call
    the object's hold inconsistent with the original that is not held itself."""
    _, first = put(keeper)
    _, second = put(keeper, number="ZY01-WS·2020-Y-BGS-0002")
    assert (first.storage_key, first.version_id) == (second.storage_key, second.version_id)

    def object_held() -> bool:
        return keeper.store.state(first.storage_key, first.version_id).legal_hold

    keeper.hold(first, ARCHIVIST, "行政复议", on=True)
    keeper.hold(keeper.ledger.original(second.archive_number), ARCHIVIST, "行政诉讼", on=True)
    keeper.hold(keeper.ledger.original(first.archive_number), ARCHIVIST, "复议终结", on=False)
    assert object_held()
    report = four_properties.check(keeper)
    assert [o.findings["safety"] for o in report.originals] == [[], []]
    keeper.store.set_legal_hold(first.storage_key, first.version_id, False)  # behind the ledger's back
    report = four_properties.check(keeper)
    assert [o.findings["safety"] for o in report.originals] == [["法律保全状态不一致（存储中：否，按台账应为：是）"]] * 2
    keeper.store.set_legal_hold(first.storage_key, first.version_id, True)
    keeper.hold(keeper.ledger.original(second.archive_number), ARCHIVIST, "诉讼终结", on=False)
    assert not object_held()
    assert four_properties.check(keeper).ok


def test_r1_r2_d8_originals_are_archived_held_and_released_from_files_of_commands(store, sqlite_settings: Settings, tmp_path: Path):
    """Legacy archives migrate through `zwgk apply` like every other record: each original with its business time,
    its link to the disclosure act (D8) and its holds; a refused line stores and records nothing."""
    services = open_services(sqlite_settings)
    services.originals = lambda: store
    archivist = {"id": ARCHIVIST.id, "role": "archivist", "unit": ARCHIVIST.unit}
    officer = {"id": "zy-officer", "role": "officer", "unit": "资阳市人民政府办公室"}
    source = tmp_path / "ziyang.txt"
    source.write_bytes(SEED)

    def run(name: str, actor: dict, at: str | None = None, **args) -> list:
        return execute(services, {"command": name, "actor": actor, "occurred_at": at, "args": args},
                       files=import_directory(sqlite_settings, tmp_path))

    [drafted] = run("draft_disclosure", officer, "2020-07-06T09:00:00+08:00", title="实施意见", attribute="proactive")
    metadata = dict(archive_number="ZY01-WS·2020-Y-BGS-0001", title="关于印发《资阳市全面推进政务公开工作的实施意见》的通知",
                    responsible_unit="资阳市人民政府办公室", retention="Y", doc_number="资府办发〔2020〕31号", doc_type="通知")
    for missing, code in [({"file": str(tmp_path / "absent.txt"), "doc_date": "2020-07-20"}, "ORIGINAL_FILE_UNREADABLE"),
                          ({"file": str(source), "archive_number": "ZY01-WS·2020-Y-BGS-1"}, "ARCHIVE_NUMBER_INVALID"),
                          ({"file": str(source)}, "DOC_DATE_REQUIRED"),  # R3: never today by default
                          ({"file": str(source), "doc_date": "2019-12-31"}, "DOC_DATE_YEAR_MISMATCH")]:
        with pytest.raises(DomainError) as refused:
            run("archive_original", archivist, **{**metadata, **missing})
        assert refused.value.code == code
    assert list(store.keys()) == [] and not services.ledger.exists(original_id(metadata["archive_number"]))
    [archived] = run("archive_original", archivist, "2020-07-20T16:00:00+08:00", file=str(source), doc_date="2020-07-20",
                     disclosure_id=str(drafted.aggregate_id), **metadata)
    original = services.ledger.original(metadata["archive_number"])
    assert (original.id, original.doc_date, original.last_occurred_at, original.media_type) == (
        archived.aggregate_id, date(2020, 7, 20), datetime(2020, 7, 20, 16, tzinfo=CST), "text/plain")
    assert services.ledger.load(DisclosureAct, drafted.aggregate_id).original == original.sha256
    run("place_legal_hold", archivist, "2021-03-01T10:00:00+08:00", archive_number=metadata["archive_number"], reason="行政诉讼")
    assert store.state(original.storage_key, original.version_id).legal_hold
    with pytest.raises(DomainError) as not_archivist:
        run("release_legal_hold", officer, archive_number=metadata["archive_number"], reason="结案")
    assert not_archivist.value.rule == "R2" and store.state(original.storage_key, original.version_id).legal_hold
    run("release_legal_hold", archivist, "2021-09-01T10:00:00+08:00", archive_number=metadata["archive_number"], reason="结案")
    released = services.ledger.original(metadata["archive_number"])
    assert not released.legal_hold and not store.state(original.storage_key, original.version_id).legal_hold
    assert released.last_occurred_at == datetime(2021, 9, 1, 10, tzinfo=CST)
    services.close()


def test_r2_a_hold_the_ledger_refuses_leaves_the_store_as_the_ledger_says(keeper: Archivist):
    """An archivist releases a hold from a stale view of the original, after another released and placed
    it again: the ledger refuses the stale release, and the object stays held, as the ledger says."""
    _, original = put(keeper)
    keeper.hold(original, ARCHIVIST, "行政复议", on=True)
    stale = keeper.ledger.original(original.archive_number)
    keeper.hold(keeper.ledger.original(original.archive_number), ARCHIVIST, "复议终结", on=False)
    keeper.hold(keeper.ledger.original(original.archive_number), ARCHIVIST, "行政诉讼", on=True)
    with pytest.raises(DomainError) as refused:
        keeper.hold(stale, ARCHIVIST, "复议终结", on=False)
    assert refused.value.code == "CONCURRENT_MODIFICATION"
    assert keeper.store.state(original.storage_key, original.version_id).legal_hold
    assert four_properties.check(keeper).ok


def test_r1_the_archive_catalogue_finds_originals_without_reading_every_record(keeper: Archivist, sqlite_settings: Settings):
    """Archivists look originals up by document number, digest and criteria in the catalogue view, which
    follows holds and fixity checks; an archive number finds its record directly."""
    services = open_services(sqlite_settings)
    with views(sqlite_settings) as runner:
        _, first = put(keeper)
        catch_up(services, runner)
        _, second = put(keeper, data=SEED + b"\n", number="ZY01-WS·2021-D30-BGS-0001", doc_number="资府办发〔2021〕5号",
                        title="关于公开办理情况的报告", doc_date=date(2021, 3, 1), doc_type="报告")
        keeper.hold(second, ARCHIVIST, "行政诉讼", on=True)
        catch_up(services, runner)
        keeper.verify([first], ARCHIVIST)
        catch_up(services, runner)
        incremental = runner.export("archive")
        runner.clear()
        catch_up(services, runner)
        assert runner.export("archive") == incremental
        with runner.store.transaction() as tx:
            def numbers(**criteria):
                return [row["archive_number"] for row in archive_catalogue(tx, **criteria)]

            assert numbers() == [first.archive_number, second.archive_number]
            assert numbers(doc_number="资府办发〔2021〕5号") == numbers(sha256=second.sha256.upper()) == [second.archive_number]
            assert numbers(year=2020) == numbers(retention="Y") == numbers(doc_type="通知") == [first.archive_number]
            assert numbers(title_contains="办理情况", unit="资阳市人民政府办公室") == [second.archive_number]
            assert numbers(unit="别的单位") == numbers(year=2019) == []
            held, checked = archive_catalogue(tx, doc_type="报告")[0], archive_catalogue(tx, year=2020)[0]
    services.close()
    assert held["legal_hold"] and held["last_fixity"] is None and held["original_id"] == str(second.id)
    assert checked["last_fixity"] == "intact" and checked["last_checked_at"] and not checked["legal_hold"]
    assert keeper.ledger.original("ZY01-WS·2021-D30-BGS-0001").id == second.id
    with pytest.raises(DomainError) as unknown:
        keeper.ledger.original("ZY01-WS·2021-D30-BGS-0002")
    assert unknown.value.code == "NOT_FOUND"


def test_r2_fixity_records_each_check_as_an_event(keeper: Archivist, sqlite_settings):
    _, original = put(keeper)
    report = keeper.verify(keeper.originals(), ARCHIVIST)
    assert report.ok
    checked = keeper.ledger.load(ArchivedOriginal, original.id)
    assert checked.last_fixity is FixityOutcome.INTACT and checked.version == 2


def test_r2_an_original_checked_for_years_loads_from_its_latest_snapshot(tmp_path: Path, sqlite_settings):
    """A check a day is an event a day: every 100th version of an original is snapshotted, and what is
    loaded from the snapshot equals the fold of its events alone."""
    services = open_services(sqlite_settings)
    keeper = Archivist(services.ledger, LocalStore(tmp_path / "archive"))
    keeper.store.ensure_bucket()
    _, original = put(keeper)
    for _ in range(120):
        keeper.ledger.record_fixity(ARCHIVIST, [FixityCheck(original.id, FixityOutcome.INTACT, original.sha256, original.sm3, "")])
    assert [s.originator_version for s in services.ledger.snapshots.get(original.id)] == [100]
    loaded = services.ledger.repository.get(original.id)
    folded = None
    for event in services.ledger.events.get(original.id):
        folded = event.mutate(folded)
    assert loaded.version == folded.version == 121
    assert {k: v for k, v in vars(loaded).items() if k != "_pending_events"} == {
        k: v for k, v in vars(folded).items() if k != "_pending_events"}
    services.close()


def test_r2_verify_reads_originals_ahead_and_records_every_outcome_in_order(keeper: Archivist):
    originals = [put(keeper, data=SEED + bytes([i]), number=f"ZY01-WS·2020-Y-BGS-{i + 1:04d}")[1] for i in range(12)]
    progressed: list[str] = []
    report = keeper.verify(originals, ARCHIVIST, progress=lambda o: progressed.append(o.archive_number))
    numbers = [o.archive_number for o in originals]
    assert report.ok and [r.archive_number for r in report.results] == progressed == numbers
    assert all(keeper.ledger.original(n).last_fixity is FixityOutcome.INTACT for n in numbers)


def test_r2_originals_changed_or_deleted_behind_zwgks_back_are_reported(seaweed: SeaweedServer, sqlite_settings):
    """A bucket without lock or versioning, altered with a plain client."""
    services = open_services(sqlite_settings)
    bucket = unique_bucket()
    seaweed.make_bucket(bucket)
    keeper = Archivist(services.ledger, UnlockedS3Store(seaweed.client(), bucket))
    _, changed = put(keeper)
    _, missing = put(keeper, data=b"second original", number="ZY01-WS·2020-Y-BGS-0002")
    plain = seaweed.client()
    plain.put_object(bucket_name=bucket, object_name=changed.storage_key, data=io.BytesIO(b"forged!"), length=7)
    plain.remove_object(bucket_name=bucket, object_name=missing.storage_key)
    plain.put_object(bucket_name=bucket, object_name="originals/sha256/ff/stray", data=io.BytesIO(b"x"), length=1)
    plain.remove_object(bucket_name=bucket, object_name=sidecar_key(changed.archive_number))
    report = keeper.verify(keeper.originals(), ARCHIVIST)
    outcomes = {r.archive_number: r.outcome for r in report.results}
    assert outcomes == {changed.archive_number: FixityOutcome.CHANGED, missing.archive_number: FixityOutcome.MISSING}
    changes = [r.detail.zh for r in report.results if r.outcome is FixityOutcome.CHANGED]
    assert changes == [f"大小 7 字节，存档时 {len(SEED)} 字节；SHA-256 不符；SM3 不符"]
    assert report.untracked == ["originals/sha256/ff/stray"] and not report.ok
    assert four_properties.check(keeper).untracked == ["originals/sha256/ff/stray"]
    assert json.loads(keeper.store.read_sidecar(sidecar_key(changed.archive_number)))["sha256"] == changed.sha256  # rewritten
    with pytest.raises(DomainError) as refused:
        keeper.get(keeper.ledger.original(changed.archive_number), io.BytesIO())
    assert refused.value.code == "ORIGINAL_ALTERED"
    with pytest.raises(DomainError) as gone:
        keeper.get(keeper.ledger.original(missing.archive_number), io.BytesIO())
    assert gone.value.code == "ORIGINAL_MISSING" and missing.archive_number in gone.value.message_zh
    services.close()


def test_r2_an_original_deleted_from_the_local_store_is_reported_and_refused_on_the_way_out(tmp_path: Path, sqlite_settings):
    services = open_services(sqlite_settings)
    keeper = Archivist(services.ledger, LocalStore(tmp_path / "archive"))
    _, original = put(keeper)
    (tmp_path / "archive" / original.storage_key).unlink()  # what a file system cannot forbid its owner
    (tmp_path / "archive" / sidecar_key(original.archive_number)).unlink()
    found = four_properties.check(keeper).originals[0].findings
    assert found["authenticity"] == ["原件缺失"] and found["integrity"] == ["元数据副本缺失（archive verify 会按台账重写）", "原件缺失"]
    report = keeper.verify(keeper.originals(), ARCHIVIST)
    assert [r.outcome for r in report.results] == [FixityOutcome.MISSING] and not report.ok
    assert keeper.ledger.original(original.archive_number).last_fixity is FixityOutcome.MISSING
    assert json.loads(keeper.store.read_sidecar(sidecar_key(original.archive_number)))["archive_number"] == original.archive_number
    with pytest.raises(DomainError) as gone:
        keeper.get(original, io.BytesIO())
    assert gone.value.code == "ORIGINAL_MISSING"
    services.close()


class UnlockedS3Store(S3Store):
    """For the tamper test only: a store whose bucket has neither lock nor versioning."""

    def ensure_bucket(self) -> None:
        pass

    def _call(self, what, operation, *args, **kwargs):
        if what == "retention":
            return None
        kwargs.pop("retention", None)  # the upload's lock
        return super()._call(what, operation, *args, **kwargs)

    def _put_sidecar(self, key, content, retain_until):
        self.client.put_object(bucket_name=self.bucket, object_name=key, data=io.BytesIO(content), length=len(content))


MEMORY_BOUND = 8 * PART_SIZE  # the parts in flight and the one being read, each with its request body


def test_large_originals_stream_in_parts_without_being_held_in_memory(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    store = S3Store(seaweed.client(), unique_bucket())
    store.ensure_bucket()
    keeper = Archivist(services.ledger, store)
    size = 160 * 1024 * 1024

    class Generated(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), self.left)
            buffer[:n] = b"\x5a" * n
            self.left -= n
            return n

    tracemalloc.start()
    _, original = keeper.put(io.BufferedReader(Generated(), 1024 * 1024), actor=ARCHIVIST,
                             archive_number="ZY01-WS·2020-Y-BGS-0001", doc_number="", title="大文件", responsible_unit="单位",
                             retention="Y", doc_date=date(2020, 1, 1), media_type="application/octet-stream")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert original.size == size
    assert peak < MEMORY_BOUND < size / 2, f"peak {peak} bytes for a {size}-byte original"
    services.close()


def test_s3_unreachable_records_nothing_and_a_retry_succeeds(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    bucket = unique_bucket()
    seaweed.make_bucket(bucket, object_lock=True)
    from minio import Minio

    dead = Minio(endpoint=f"127.0.0.1:{free_port()}", access_key="x", secret_key="y", secure=False)
    before = services.ledger.recorder.max_notification_id()
    with pytest.raises(DomainError) as refused:
        put(Archivist(services.ledger, S3Store(dead, bucket)))
    assert refused.value.code == "STORAGE_UNAVAILABLE"
    assert services.ledger.recorder.max_notification_id() == before
    _, original = put(Archivist(services.ledger, S3Store(seaweed.client(), bucket)))
    assert original.size == len(SEED)
    services.close()


def test_everything_is_readable_after_the_s3_server_restarts(sqlite_settings):
    server = SeaweedServer.start()
    services = open_services(sqlite_settings)
    try:
        store = S3Store(server.client(), unique_bucket())
        store.ensure_bucket()
        keeper = Archivist(services.ledger, store)
        _, original = put(keeper)
        server.pause()
        server.resume()
        keeper = Archivist(services.ledger, S3Store(server.client(), store.bucket))
        out = io.BytesIO()
        keeper.get(keeper.ledger.original(original.archive_number), out)
        assert out.getvalue() == SEED
        assert keeper.verify(keeper.originals(), ARCHIVIST).ok
    finally:
        services.close()
        server.stop()


def test_bagit_1_0_export_carries_ledger_proofs_validates_and_its_validator_catches_tampering(store, sqlite_settings,
                                                                                                  tmp_path: Path):
    write_new_key(tmp_path / "ledger.pem")
    settings = Settings(database_url=sqlite_settings.database_url, signing_key_file=str(tmp_path / "ledger.pem"))
    services = open_services(settings)
    services.originals = lambda: store
    keeper = services.archivist()
    put(keeper)
    put(keeper, data=b"second original", number="ZY01-WS·2020-Y-BGS-0002", responsible_unit="资阳市教育局")
    with views(settings) as runner:
        count, bag = operations.transfer(services, runner, settings, tmp_path / "bag")
    assert count == 2 and bagit.Bag(str(tmp_path / "bag")).is_valid()
    assert (tmp_path / "bag" / "bagit.txt").read_text(encoding="utf-8").startswith("BagIt-Version: 1.0\n")
    assert sorted(bag.info["Source-Organization"]) == ["资阳市人民政府办公室", "资阳市教育局"]  # the responsible units
    assert (tmp_path / "bag" / "manifest-sha256.txt").exists() and (tmp_path / "bag" / "manifest-sha512.txt").exists()
    tagged = (tmp_path / "bag" / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert "proofs/ZY01-WS·2020-Y-BGS-0001.json" in tagged and "bagit.txt" in tagged
    # offline, as the receiving archive would: the original's event is in the log the checkpoint signs
    tag = json.loads((tmp_path / "bag" / "proofs" / "ZY01-WS·2020-Y-BGS-0001.json").read_text(encoding="utf-8"))
    log = parse_verifier((tmp_path / "bag" / "proofs" / "public-key.txt").read_text(encoding="utf-8"))
    event = base64.b64decode(tag["event"])
    check_inclusion(event, tag["inclusion_proof"], (tmp_path / "bag" / "proofs" / "checkpoint.txt").read_text(encoding="utf-8"),
                    lambda note: open_signed(note, log))
    assert tag["sha256"].encode() in event
    payload = tmp_path / "bag" / "data" / "ZY01-WS·2020-Y-BGS-0001" / "original.txt"
    assert payload.read_bytes() == SEED
    payload.write_bytes(SEED.replace("政务".encode(), "政府".encode(), 1))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(tmp_path / "bag")).validate()
    services.close()


def test_an_export_that_fails_half_way_leaves_nothing(keeper: Archivist, tmp_path: Path):
    put(keeper)
    put(keeper, data=b"second original", number="ZY01-WS·2020-Y-BGS-0002")

    def unprovable(original: ArchivedOriginal) -> tuple[dict, bytes]:
        raise DomainError("PROOF_UNAVAILABLE", "无法出具证明。", f"no proof for {original.archive_number}")

    target = tmp_path / "exports" / "bag"
    with pytest.raises(DomainError) as refused:  # after every original was written into the bag being made
        export_bag(keeper, keeper.originals(), target, LedgerProof("checkpoint", "key", unprovable))
    assert refused.value.code == "PROOF_UNAVAILABLE"
    assert list((tmp_path / "exports").iterdir()) == []  # no partial bag, no 0-byte file


def test_four_property_check_passes_and_finds_gaps_and_false_formats(keeper: Archivist):
    put(keeper)
    report = four_properties.check(keeper)
    assert report.ok and all(o.passed(p) for o in report.originals for p in four_properties.PROPERTIES)
    put(keeper, data=os.urandom(64), number="ZY01-WS·2020-Y-BGS-0003")  # declared text/plain, item 0002 absent
    report = four_properties.check(keeper)
    assert not report.ok
    assert report.series_gaps == ["ZY01-WS·2020-Y-BGS：件号 0002 缺失"]
    bad = next(o for o in report.originals if o.archive_number.endswith("0003"))
    assert not bad.passed("usability") and bad.passed("safety")
    assert bad.findings["usability"] == ["声明为 text/plain，但不是有效的 UTF-8 或 GB 18030 文本"]


def test_r2_four_property_integrity_finds_a_sidecar_that_says_otherwise_than_the_ledger(tmp_path: Path, sqlite_settings):
    services = open_services(sqlite_settings)
    keeper = Archivist(services.ledger, LocalStore(tmp_path / "archive"))
    _, original = put(keeper)
    assert four_properties.check(keeper).ok
    sidecar = tmp_path / "archive" / sidecar_key(original.archive_number)
    sidecar.chmod(0o644)
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace(original.title, "另一个题名"), encoding="utf-8")
    report = four_properties.check(keeper)
    assert [o.findings["integrity"] for o in report.originals] == [["元数据副本与台账不符：题名"]] and not report.ok
    earlier = json.loads(sidecar.read_text(encoding="utf-8"))
    for added in ("retention_ends", "classification", "pages"):
        del earlier[added]
    sidecar.write_text(json.dumps({**earlier, "title": original.title, "format": "zwgk-archive-metadata/1"}), encoding="utf-8")
    assert four_properties.check(keeper).ok  # a sidecar of the first format, written before 密级 and 页数, still agrees
    services.close()


def test_four_property_safety_fails_without_a_retention_lock(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    bucket = unique_bucket()
    seaweed.make_bucket(bucket)
    keeper = Archivist(services.ledger, UnlockedS3Store(seaweed.client(), bucket))
    put(keeper)
    report = four_properties.check(keeper)
    assert [o.passed("safety") for o in report.originals] == [False]
    assert report.originals[0].findings["safety"][0].startswith("保留锁未生效（存储中保留至：无")
    assert [o.passed("authenticity") for o in report.originals] == [True]
    services.close()


def zwgk(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from zwgk.connectors.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, timeout=120)


def test_archivists_commands_on_the_embedded_store(tmp_path: Path):
    original = tmp_path / "ziyang.txt"
    original.write_bytes(SEED)
    who = ["--archivist", "zy-archivist", "--archivist-unit", "资阳市人民政府办公室"]
    stored = zwgk("archive", "put", str(original), "--archive-number", "ZY01-WS·2020-Y-BGS-0001", "--doc-number", "资府办发〔2020〕31号",
                  "--title", "实施意见", "--unit", "资阳市人民政府办公室", "--retention", "Y", "--date", "2020-07-10",
                  "--format", "json", *who, cwd=tmp_path)
    assert stored.returncode == 0, stored.stderr.decode()
    assert json.loads(stored.stdout)["sha256"]
    refused = zwgk("archive", "put", str(original), "--archive-number", "bad", "--title", "x", "--unit", "y",
                   "--retention", "Y", *who, cwd=tmp_path)
    assert refused.returncode == 1 and "ARCHIVE_NUMBER_INVALID" in refused.stderr.decode()
    got = zwgk("archive", "get", "--doc-number", "资府办发〔2020〕31号", "-o", "back.txt", cwd=tmp_path)
    assert got.returncode == 0 and (tmp_path / "back.txt").read_bytes() == SEED
    partial = json.loads(zwgk("archive", "search", "--doc-number", "〔2020〕31", "--words", "政务公开", "--format", "json",
                              cwd=tmp_path).stdout)
    assert [r["archive_number"] for r in partial] == ["ZY01-WS·2020-Y-BGS-0001"]  # the 'No such option'
    assert json.loads(zwgk("archive", "due", "--format", "json", cwd=tmp_path).stdout) == []
    found = json.loads(zwgk("archive", "search", "--year", "2020", "--format", "json", cwd=tmp_path).stdout)
    assert [f["archive_number"] for f in found] == ["ZY01-WS·2020-Y-BGS-0001"]
    due_first = zwgk("archive", "verify", "--due", "90", "--format", "json", *who, cwd=tmp_path)
    assert [r["archive_number"] for r in json.loads(due_first.stdout)["results"]] == ["ZY01-WS·2020-Y-BGS-0001"]  # never checked
    due_again = zwgk("archive", "verify", "--due", "90", "--format", "json", *who, cwd=tmp_path)
    assert json.loads(due_again.stdout)["results"] == []  # a daily run re-reads each original once in 90 days
    verified = zwgk("archive", "verify", "--all", "--format", "json", *who, cwd=tmp_path)
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"]
    assert json.loads(verified.stdout)["results"][0]["detail"] == "SHA-256 and SM3 match"  # as the event records it
    for_people = zwgk("archive", "verify", "--all", *who, cwd=tmp_path).stdout.decode()
    assert "完好\tSHA-256 与 SM3 均与存档时相符" in for_people and "ok：全部原件完好。" in for_people
    one = zwgk("archive", "verify", "--archive-number", "ZY01-WS·2020-Y-BGS-0001", "--format", "json", *who, cwd=tmp_path)
    assert [r["archive_number"] for r in json.loads(one.stdout)["results"]] == ["ZY01-WS·2020-Y-BGS-0001"]
    unknown = zwgk("archive", "verify", "--archive-number", "ZY01-WS·2020-Y-BGS-0009", *who, cwd=tmp_path)
    assert unknown.returncode == 1 and "NOT_FOUND" in unknown.stderr.decode()
    checked = zwgk("archive", "check", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"]
    exported = zwgk("archive", "export", "--bagit", "bag", cwd=tmp_path)
    assert exported.returncode == 0 and bagit.Bag(str(tmp_path / "bag")).is_valid()
    held = zwgk("archive", "hold", "--archive-number", "ZY01-WS·2020-Y-BGS-0001", "--reason", "诉讼", *who, cwd=tmp_path)
    assert held.returncode == 0
    (tmp_path / "migration.jsonl").write_text(json.dumps({
        "command": "archive_original", "actor": {"id": "zy-archivist", "role": "archivist", "unit": "资阳市人民政府办公室"},
        "occurred_at": "2020-07-21T09:00:00+08:00",
        "args": {"file": "ziyang.txt", "archive_number": "ZY01-WS·2020-Y-BGS-0002", "title": "实施意见（副本）",
                 "responsible_unit": "资阳市人民政府办公室", "retention": "Y", "doc_date": "2020-07-10"}},
        ensure_ascii=False) + "\n", encoding="utf-8")
    applied = zwgk("apply", "migration.jsonl", cwd=tmp_path)
    assert applied.returncode == 0 and json.loads(applied.stdout)["ok"]
    listed = json.loads(zwgk("archive", "search", "--year", "2020", "--format", "json", cwd=tmp_path).stdout)
    assert [(f["archive_number"], f["sha256"]) for f in listed] == [(n, listed[0]["sha256"]) for n in
                                                                     ("ZY01-WS·2020-Y-BGS-0001", "ZY01-WS·2020-Y-BGS-0002")]


def test_r3_a_period_runs_from_1_january_after_the_year_of_formation_and_the_lock_follows_it(keeper: Archivist):
    _, ten = put(keeper, number="ZY01-WS·2020-D10-BGS-0001", doc_date=date(2020, 7, 10))
    assert ten.retention_ends == date(2031, 1, 1) == ten.retain_until  # not ten years from the day of archiving
    assert keeper.store.state(ten.storage_key, ten.version_id).retain_until == date(2031, 1, 1)
    _, permanent = put(keeper, data=SEED + b"\n", number="ZY01-WS·2020-Y-BGS-0001", doc_date=date(2020, 12, 31))
    assert permanent.retention_ends is None and not permanent.due_for_appraisal(date(2999, 1, 1))  # 永久 never ends
    assert permanent.retain_until is not None and permanent.retain_until.year >= date.today().year + 100


@pytest.mark.parametrize(("doc_date", "code"), [(None, "DOC_DATE_REQUIRED"), (date(2019, 12, 31), "DOC_DATE_YEAR_MISMATCH")])
def test_r3_the_document_date_is_required_and_in_the_archive_numbers_year_before_a_byte_is_stored(keeper: Archivist, doc_date,
                                                                                                  code):
    with pytest.raises(DomainError) as refused:
        put(keeper, number="ZY01-WS·2020-D30-BGS-0001", doc_date=doc_date)
    assert (refused.value.code, refused.value.rule) == (code, "R3")
    assert list(keeper.store.keys()) == [] and keeper.originals() == []


def test_r3_r4_a_legacy_original_whose_period_has_ended_is_stored_unlocked_and_due_for_appraisal(keeper: Archivist):
    """S3 refuses a retain-until date in the past: the original is stored without a lock, never 'retry later'."""
    _, legacy = put(keeper, number="DZ01-WS·2010-D10-BGS-0001", doc_date=date(2010, 3, 4),
                    occurred_at=datetime(2010, 3, 5, 9, tzinfo=CST))
    assert legacy.retention_ends == date(2021, 1, 1) and legacy.retain_until is None
    assert legacy.due_for_appraisal(date.today())
    state = keeper.store.state(legacy.storage_key, legacy.version_id)
    assert state.exists and state.retain_until is None
    report = four_properties.check(keeper)
    assert report.ok, report.as_dict()
    assert json.loads(keeper.store.read_sidecar(sidecar_key(legacy.archive_number)))["retention_ends"] == "2021-01-01"


@pytest.mark.parametrize(("data", "media_type", "pages", "text"), [
    (documents.pdf(3, "Notice 2020"), "application/pdf", 3, "Notice 2020"),
    (documents.ofd(["关于秋季招生", "工作的通知"]), "application/ofd", 2, "关于秋季招生工作的通知"),
    (documents.docx_file(["县教育局", "关于秋季招生工作的通知"]), formats.DOCX, 1, "关于秋季招生工作的通知"),  # as saved
    (documents.png(), "image/png", 1, ""),
], ids=["pdf", "ofd", "docx", "png"])
def test_r1_pages_and_text_are_read_from_the_file_and_the_format_detected(keeper: Archivist, data, media_type, pages, text):
    _, original = put(keeper, data=data, media_type="", filename="original")
    assert (original.media_type, original.pages, original.classification) == (media_type, pages, "公开")
    assert text in (keeper.text(original.sha256) or "")
    assert four_properties.check(keeper).ok


def test_r1_declared_pages_and_classification_are_validated(keeper: Archivist):
    with pytest.raises(DomainError) as refused:
        put(keeper, data=documents.pdf(2), media_type="application/pdf", pages=3)
    assert refused.value.code == "PAGES_MISMATCH"
    assert not keeper.ledger.exists(original_id("ZY01-WS·2020-Y-BGS-0001"))
    with pytest.raises(DomainError) as unknown:
        put(keeper, classification="保密")
    assert unknown.value.code == "CLASSIFICATION_INVALID"
    _, original = put(keeper, data=documents.pdf(2), media_type="application/pdf", pages=2, classification="内部")
    assert (original.pages, original.classification) == (2, "内部")


@pytest.mark.parametrize(("data", "media_type", "finding"), [
    (documents.pdf(2)[:300], "application/pdf", "PDF 文件不完整"),
    (documents.ofd(["正文"])[:-40], "application/ofd", "压缩包无法读取"),
    (documents.png()[:-30], "image/png", "图像无法解码"),
    (documents.docx_file(["正文"]), "application/pdf", "内容为 application/vnd.openxmlformats"),
], ids=["truncated-pdf", "truncated-ofd", "truncated-png", "docx-declared-pdf"])
def test_r2_usability_parses_each_original_with_its_format_library(keeper: Archivist, data, media_type, finding):
    put(keeper, data=data, media_type=media_type)
    (found,) = four_properties.check(keeper).originals
    assert any(finding in f for f in found.findings["usability"]), found.findings


def test_r1_search_by_doc_number_title_words_unit_year_retention_classification_and_hold_ranked_and_paginated(
        store, settings: Settings):
    """Chinese substrings without a word segmenter: FTS5 trigram on SQLite, pg_trgm on PostgreSQL."""
    services = open_services(settings)
    services.originals = lambda: store
    keeper = services.archivist()
    put(keeper, data=documents.ofd(["关于做好秋季学期", "招生工作的通知正文，另附防汛值班表"]), media_type="",
        number="ZY01-WS·2021-D30-BGS-0001", doc_number="资教发〔2021〕7号", title="关于做好秋季招生工作的通知", classification="内部")
    put(keeper, data=documents.docx_file(["防汛抗旱应急预案", "各乡镇人民政府"]), media_type="", number="ZY01-WS·2021-D10-BGS-0001",
        doc_number="资府办发〔2021〕12号", title="防汛工作安排")
    put(keeper, number="ZY01-WS·2020-Y-BGS-0001", doc_number="川资府办发〔2020〕3号")
    put(keeper, data=b"\xe6\x8b\x9b\xe7\x94\x9f" + SEED, number="ZY01-WS·2020-Y-BGS-0002", doc_number="资府办发〔2020〕3号",
        title="招生名额的说明")
    keeper.hold(services.ledger.original("ZY01-WS·2020-Y-BGS-0001"), ARCHIVIST, "行政复议", True)

    def numbers(query: queries.ArchiveQuery) -> list[str]:
        with views(settings) as runner:
            return [r["archive_number"] for r in queries.archive_pages(services, runner, query)]

    assert numbers(queries.ArchiveQuery(doc_number="资府办发〔2020〕3号")) == ["ZY01-WS·2020-Y-BGS-0002",  # the exact one first
                                                                           "ZY01-WS·2020-Y-BGS-0001"]
    assert numbers(queries.ArchiveQuery(doc_number="〔2020〕3")) == ["ZY01-WS·2020-Y-BGS-0001", "ZY01-WS·2020-Y-BGS-0002"]
    assert numbers(queries.ArchiveQuery(words="防汛")) == ["ZY01-WS·2021-D10-BGS-0001", "ZY01-WS·2021-D30-BGS-0001"]  # title first
    assert numbers(queries.ArchiveQuery(doc_number="〔2021〕")) == ["ZY01-WS·2021-D30-BGS-0001", "ZY01-WS·2021-D10-BGS-0001"]
    assert numbers(queries.ArchiveQuery(words="招生工作")) == ["ZY01-WS·2021-D30-BGS-0001"]  # in the title and the OFD's text
    assert numbers(queries.ArchiveQuery(words="抗旱应急")) == ["ZY01-WS·2021-D10-BGS-0001"]  # in the DOCX's text only
    assert numbers(queries.ArchiveQuery(words="招生")) == ["ZY01-WS·2021-D30-BGS-0001", "ZY01-WS·2020-Y-BGS-0002"]  # 2 characters
    assert numbers(queries.ArchiveQuery(words="政务公开工作", year=2020)) == ["ZY01-WS·2020-Y-BGS-0001", "ZY01-WS·2020-Y-BGS-0002"]
    assert numbers(queries.ArchiveQuery(classification="内部")) == ["ZY01-WS·2021-D30-BGS-0001"]
    assert numbers(queries.ArchiveQuery(legal_hold=True)) == ["ZY01-WS·2020-Y-BGS-0001"]
    assert numbers(queries.ArchiveQuery(retention="D10", unit="资阳市人民政府办公室")) == ["ZY01-WS·2021-D10-BGS-0001"]
    assert numbers(queries.ArchiveQuery(title="秋季", words="招生", year=2021)) == ["ZY01-WS·2021-D30-BGS-0001"]
    with views(settings) as runner:
        first = queries.archive_pages(services, runner, queries.ArchiveQuery(year=2020)).page(1)
        assert [r["archive_number"] for r in first.items] == ["ZY01-WS·2020-Y-BGS-0001"] and first.next_cursor
        second = queries.archive_pages(services, runner, queries.ArchiveQuery(year=2020), first.next_cursor).page(1)
        assert [r["archive_number"] for r in second.items] == ["ZY01-WS·2020-Y-BGS-0002"] and second.next_cursor is None
    services.close()


def test_r1_an_originals_text_is_indexed_as_it_is_archived_and_earlier_ones_by_archive_index(store, settings: Settings):
    """No search fills the index: the text goes in as the original is archived; what an earlier release archived
    without indexing it is added by `zwgk archive index` (operations.index_texts), from the text kept beside it."""
    services = open_services(settings)
    services.originals = lambda: store
    _, indexed = put(services.archivist(), data=documents.docx_file(["防汛抗旱应急预案"]), media_type="",
                     number="ZY01-WS·2021-D10-BGS-0001", title="工作安排")
    with views(settings) as runner, runner.store.transaction() as tx:
        assert tx.all("SELECT sha256 FROM archive_text") == [(indexed.sha256,)]  # before any search
    put(Archivist(services.ledger, store), data=documents.docx_file(["秋季招生工作"]), media_type="",
        number="ZY01-WS·2021-D10-BGS-0002", title="通知")  # as a release that did not index as it archived

    def numbers(words: str) -> list[str]:
        with views(settings) as runner:
            return [r["archive_number"] for r in queries.archive_pages(services, runner, queries.ArchiveQuery(words=words))]

    assert numbers("抗旱应急") == ["ZY01-WS·2021-D10-BGS-0001"] and numbers("招生工作") == []
    with views(settings) as runner:
        assert operations.index_texts(services, runner) == 1
        assert operations.index_texts(services, runner) == 0
    assert numbers("招生工作") == ["ZY01-WS·2021-D10-BGS-0002"]
    services.close()


@pytest.mark.parametrize("words", ["招生", "秋季招生"])  # shorter than a trigram, and not
def test_r1_words_more_originals_hold_than_are_ranked_come_in_the_order_archived_every_one_a_page_away(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: str):
    """Past RANKED_AT_MOST matches, no page waits for every match to be ranked: the rows say they are not ranked
    and come in the order archived, and the pages together hold every match once."""
    services = open_services(settings)
    store = LocalStore(tmp_path / "archive")
    services.originals = lambda: store
    keeper = services.archivist()
    for item in range(1, 6):
        put(keeper, data=documents.docx_file([f"第{item}件，秋季招生工作"]), media_type="", number=f"ZY01-WS·2021-D10-BGS-000{item}",
            title="秋季招生工作的通知" if item == 4 else f"通知{item}")
    put(keeper, data=documents.docx_file(["防汛"]), media_type="", number="ZY01-WS·2021-D10-BGS-0006", title="防汛")

    def pages(size: int) -> list[list[tuple[str, int, bool]]]:
        found, cursor = [], ""
        with views(settings) as runner:
            while True:
                page = queries.archive_pages(services, runner, queries.ArchiveQuery(words=words), cursor).page(size)
                found.append([(r["archive_number"][-4:], r["rank"], r["ranked"]) for r in page.items])
                if not (cursor := page.next_cursor or ""):
                    return found

    assert pages(2)[0] == [("0004", 1, True), ("0001", 0, True)]  # the title first
    monkeypatch.setattr(archive_projection, "RANKED_AT_MOST", 3)
    assert pages(2) == [[("0001", 0, False), ("0002", 0, False)], [("0003", 0, False), ("0004", 0, False)],
                        [("0005", 0, False)]]
    services.close()


def test_r1_words_common_among_the_first_texts_only_are_counted_through_the_index(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """On PostgreSQL words the first texts hold often are counted by reading texts; when as many as would make
    them unranked are not found in the texts read, the index counts them: ranked or not, as they really are."""
    services = open_services(settings)
    store = LocalStore(tmp_path / "archive")
    services.originals = lambda: store
    keeper = services.archivist()
    for item in range(1, 7):
        put(keeper, data=documents.docx_file([f"第{item}件，秋季招生工作" if item in (1, 5) else "防汛"]), media_type="",
            number=f"ZY01-WS·2021-D10-BGS-000{item}", title=f"通知{item}")
    for name, value in (("RANKED_AT_MOST", 1), ("PROBED", 1), ("READ_AT_MOST", 4)):  # the first text holds them: common
        monkeypatch.setattr(archive_projection, name, value)

    def found(words: str) -> list[tuple[str, bool]]:
        with views(settings) as runner:
            return [(r["archive_number"][-4:], r["ranked"]) for r in queries.archive_pages(
                services, runner, queries.ArchiveQuery(words=words))]

    assert found("秋季招生") == [("0001", False), ("0005", False)]  # the second beyond the texts read
    assert found("第1件，秋季") == [("0001", True)]
    services.close()


def test_r1_a_common_words_first_page_on_postgresql_reads_a_few_texts_and_no_trigram_index(
        postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    """The trigram index reads every match of each trigram before its first: words the first texts hold often are
    counted by reading texts, and their page reads the texts of its rows, not every text."""
    monkeypatch.setattr(archive_projection, "RANKED_AT_MOST", 100)
    store = ViewStore(postgres_settings.views_url)
    ProjectionRunner(store, [ArchiveView()])
    rows = [(f"ZY01-WS·2021-D10-BGS-{n:04d}", str(uuid4()), n, f"资府办发〔2021〕{n}号", f"通知{n}", "资阳市人民政府办公室",
             "2021-03-01", "通知", "D10", None, None, "公开", 1, "text/plain", 10, f"{n:064x}", f"{n:064x}", None,
             "2026-01-01T00:00:00+08:00") for n in range(1, 10001)]
    with store.transaction() as tx:
        tx.executemany(f"INSERT INTO archive_catalogue ({', '.join(ARCHIVED)}) VALUES ({', '.join('?' * len(ARCHIVED))})", rows)
        # texts longer than PostgreSQL keeps statistics of (1 kB), as most are: no estimate tells common words
        ArchiveTexts.add(tx, [(f"{n:064x}", f"第{n:05d}件，秋季招生工作。" + "政务公开" * 100) for n in range(1, 10001)])
        tx.execute("ANALYZE archive_catalogue")
        tx.execute("ANALYZE archive_text")

    def search(words: str) -> tuple[list[tuple[int, bool]], int, int]:
        with store.transaction() as tx:
            found = search_originals(tx, ArchiveQuery(words=words), None, 10)
            read = tx.one("SELECT seq_tup_read + coalesce(idx_tup_fetch, 0), pg_stat_get_xact_numscans("
                          "'archive_text_trigrams'::regclass) FROM pg_stat_xact_user_tables WHERE relid = 'archive_text'::regclass")
            assert read
            return [(r["position"], r["ranked"]) for r in found], read[0], read[1]

    page, texts_read, index_scans = search("招生工作")
    assert page == [(n, False) for n in range(1, 11)] and index_scans == 0
    assert texts_read <= archive_projection.PROBED + 101 + 10  # the first texts, as many as count, the page's
    assert search("第00500件")[0] == [(500, True)]
    store.close()


def test_r1_a_text_index_of_an_earlier_release_is_kept_in_the_new_layout(tmp_path: Path):
    """SQLite's index was an FTS5 table holding the texts itself: its texts move into the table the index is now over."""
    store = ViewStore(f"sqlite:///{tmp_path}/views.sqlite3")
    with store.transaction() as tx:
        tx.execute("CREATE VIRTUAL TABLE archive_text USING fts5(sha256 UNINDEXED, body, tokenize='trigram')")
        tx.execute("INSERT INTO archive_text (sha256, body) VALUES (?, ?)", ("a" * 64, "防汛抗旱应急预案"))
    with store.transaction() as tx:
        ArchiveTexts.ensure(tx)
        assert tx.all("SELECT sha256 FROM archive_text_words JOIN archive_text ON archive_text.id = archive_text_words.rowid "
                      "WHERE archive_text_words MATCH ?", ('"抗旱应急"',)) == [("a" * 64,)]
    store.close()


HEAD = {"id": "zy-head", "role": "agency_head", "unit": "资阳市人民政府办公室"}
KEEPER = {"id": ARCHIVIST.id, "role": "archivist", "unit": ARCHIVIST.unit}


def _lifecycle(store, settings: Settings):
    services = open_services(settings)
    services.originals = lambda: store

    def run(name: str, actor: dict = KEEPER, **args):
        return execute(services, {"command": name, "actor": actor, "args": args})[0]

    def refused(name: str, actor: dict = KEEPER, **args) -> tuple[str, str]:
        with pytest.raises(DomainError) as refusal:
            run(name, actor, **args)
        return refusal.value.code, refusal.value.rule

    return services, run, refused


def test_r4_r5_appraisal_at_expiry_and_destruction_under_an_approved_list_and_two_supervisors(store, sqlite_settings):
    services, run, refused = _lifecycle(store, sqlite_settings)
    keeper = services.archivist()
    legacy = dict(occurred_at=datetime(2010, 3, 5, 9, tzinfo=CST), doc_date=date(2010, 3, 4))
    put(keeper, number="DZ01-WS·2010-D10-BGS-0001", data=b"to destroy", **legacy)
    put(keeper, number="DZ01-WS·2010-D10-BGS-0002", data=b"to keep", **legacy)
    put(keeper, number="DZ01-WS·2010-D10-BGS-0003", data=b"held later", **legacy)
    put(keeper, number="ZY01-WS·2020-Y-BGS-0001")
    assert [r["archive_number"] for r in queries.appraisal_due(services)] == [f"DZ01-WS·2010-D10-BGS-000{i}" for i in (1, 2, 3)]
    assert refused("appraise_original", archive_number="ZY01-WS·2020-Y-BGS-0001", decision="destroy", reasons="无保存价值",
                   appraisers=["甲"]) == ("NOT_DUE_FOR_APPRAISAL", "R4")
    run("place_legal_hold", archive_number="DZ01-WS·2010-D10-BGS-0003", reason="行政复议")
    assert refused("appraise_original", archive_number="DZ01-WS·2010-D10-BGS-0003", decision="destroy", reasons="无保存价值",
                   appraisers=["甲"]) == ("ON_LEGAL_HOLD", "R4")
    run("release_legal_hold", archive_number="DZ01-WS·2010-D10-BGS-0003", reason="复议终结")

    run("appraise_original", archive_number="DZ01-WS·2010-D10-BGS-0002", decision="keep", reasons="仍有查考价值",
        appraisers=["甲", "乙"], retention="D10")
    kept = services.ledger.original("DZ01-WS·2010-D10-BGS-0002")
    assert kept.retention_ends == date(date.today().year + 11, 1, 1) == kept.retain_until  # counted from the appraisal's year
    assert store.state(kept.storage_key, kept.version_id).retain_until == kept.retain_until  # a new lock
    for number in ("DZ01-WS·2010-D10-BGS-0001", "DZ01-WS·2010-D10-BGS-0003"):
        run("appraise_original", archive_number=number, decision="destroy", reasons="期满，无继续保存价值", appraisers=["甲", "乙"])
    assert [r["archive_number"] for r in queries.appraisal_due(services)] == []

    assert refused("draft_destruction_list", title="2010年到期档案销毁清册",
                   archive_numbers=["DZ01-WS·2010-D10-BGS-0002"]) == ("NOT_APPRAISED_FOR_DESTRUCTION", "R5")
    listed = run("draft_destruction_list", title="2010年到期档案销毁清册",
                 archive_numbers=["DZ01-WS·2010-D10-BGS-0001", "DZ01-WS·2010-D10-BGS-0003"]).aggregate_id
    assert refused("draft_destruction_list", title="重复", archive_numbers=["DZ01-WS·2010-D10-BGS-0001"]) == ("ALREADY_LISTED", "R5")
    assert refused("destroy_originals", list_id=str(listed), supervisors=["丙", "丁"]) == ("NOT_APPROVED", "R5")
    assert refused("approve_destruction_list", list_id=str(listed))[1] == "R5"  # an archivist does not approve
    run("approve_destruction_list", HEAD, list_id=str(listed), comment="同意销毁")
    assert refused("destroy_originals", list_id=str(listed), supervisors=["丙"]) == ("SUPERVISORS_REQUIRED", "R5")
    assert refused("destroy_originals", list_id=str(listed), supervisors=["甲", "丙"]) == ("SUPERVISOR_WAS_APPRAISER", "R5")
    run("place_legal_hold", archive_number="DZ01-WS·2010-D10-BGS-0003", reason="诉讼")  # held after it was listed
    assert refused("destroy_originals", list_id=str(listed), supervisors=["丙", "丁"]) == ("ON_LEGAL_HOLD", "R5")
    assert services.ledger.original("DZ01-WS·2010-D10-BGS-0001").destroyed is False  # a refusal records nothing
    run("release_legal_hold", archive_number="DZ01-WS·2010-D10-BGS-0003", reason="诉讼终结")

    run("destroy_originals", list_id=str(listed), supervisors=["丙", "丁"])
    gone = services.ledger.original("DZ01-WS·2010-D10-BGS-0001")
    assert gone.destroyed and not store.state(gone.storage_key, gone.version_id).exists
    assert store.read_sidecar(sidecar_key(gone.archive_number)) is None and gone.storage_key not in set(store.keys())
    (record,) = queries.destruction_lists(services)
    assert (record["approved_by"], record["supervisors"], record["carried_out"]) == ("zy-head", ["丁", "丙"], True)
    carried = [e for e in services.ledger.notifications() if e.topic.endswith("CarriedOut")]
    assert len(carried) == 1
    destroyed_event = services.ledger.load(ArchivedOriginal, gone.id)
    assert destroyed_event.sha256 == gone.sha256  # the record and its digests stay
    report = four_properties.check(keeper)
    assert report.ok and [o.archive_number for o in report.originals] == ["DZ01-WS·2010-D10-BGS-0002", "ZY01-WS·2020-Y-BGS-0001"]
    assert report.destroyed == ["DZ01-WS·2010-D10-BGS-0001", "DZ01-WS·2010-D10-BGS-0003"]
    with views(sqlite_settings) as runner:
        rows = {r["archive_number"]: r for r in queries.archive_pages(services, runner, queries.ArchiveQuery(year=2010))}
    assert rows["DZ01-WS·2010-D10-BGS-0001"]["destroyed"] and not rows["DZ01-WS·2010-D10-BGS-0002"]["destroyed"]
    assert rows["DZ01-WS·2010-D10-BGS-0002"]["retention_ends"] == str(kept.retention_ends)  # the catalogue follows the appraisal
    with views(sqlite_settings) as runner:
        def found(words: str) -> list[str]:
            return [r["archive_number"] for r in queries.archive_pages(services, runner, queries.ArchiveQuery(words=words))]

        assert (found("to keep"), found("destroy"), found("held later")) == (["DZ01-WS·2010-D10-BGS-0002"], [], [])
        with runner.store.transaction() as tx:  # the destroyed texts are gone from the index, not only hidden
            assert tx.all("SELECT body FROM archive_text WHERE body <> ''") == [("to keep",), (SEED.decode(),)]
    assert services.ledger.verify().ok
    services.close()


def test_r5_a_destruction_the_store_stops_half_way_records_each_original_gone_and_finishes_when_run_again(store,
                                                                                                          sqlite_settings):
    """The store refuses the second original (a hold placed on it in the store, behind the ledger's back): the
    first is gone and recorded as such, the second is neither; destroying again finishes the list."""
    services, run, refused = _lifecycle(store, sqlite_settings)
    keeper = services.archivist()
    legacy = dict(occurred_at=datetime(2010, 3, 5, 9, tzinfo=CST), doc_date=date(2010, 3, 4))
    numbers = [f"DZ01-WS·2010-D10-BGS-000{i}" for i in (1, 2, 3)]
    originals = [put(keeper, number=number, data=number.encode(), **legacy)[1] for number in numbers]
    for number in numbers:
        run("appraise_original", archive_number=number, decision="destroy", reasons="期满", appraisers=["甲"])
    listed = str(run("draft_destruction_list", title="清册", archive_numbers=numbers).aggregate_id)
    run("approve_destruction_list", HEAD, list_id=listed)
    first, second, third = originals
    store.set_legal_hold(second.storage_key, second.version_id, True)

    with pytest.raises(DomainError) as stopped:
        run("destroy_originals", list_id=listed, supervisors=["丙", "丁"])
    assert (stopped.value.code, stopped.value.rule) == ("DESTRUCTION_INCOMPLETE", "R5")
    assert numbers[0] in stopped.value.message_zh and "其余 2 件未销毁" in stopped.value.message_zh
    assert [services.ledger.original(n).destroyed for n in numbers] == [True, False, False]
    assert not store.state(first.storage_key, first.version_id).exists
    assert store.state(second.storage_key, second.version_id).exists and store.state(third.storage_key, third.version_id).exists
    (partly,) = queries.destruction_lists(services)
    assert (partly["carried_out"], partly["destroyed"]) == (False, [numbers[0]])
    assert four_properties.check(keeper).destroyed == [numbers[0]]

    store.set_legal_hold(second.storage_key, second.version_id, False)
    store.destroy(third.storage_key)  # as if a run had crashed after deleting the bytes, before recording them
    run("destroy_originals", list_id=listed, supervisors=["戊", "己"])
    assert all(services.ledger.original(n).destroyed for n in numbers)
    assert not any(store.state(o.storage_key, o.version_id).exists for o in originals)
    assert not [k for k in store.sidecar_keys() if k.startswith("metadata/DZ01")]
    destroyed = [from_notification(n) for n in services.ledger.notifications() if n.topic.endswith("ArchivedOriginal.Destroyed")]
    assert [(e.aggregate_id, e.record["supervisors"]) for e in destroyed] == [(str(original_id(n)), s) for n, s in
        ((numbers[0], ["丁", "丙"]), (numbers[1], ["己", "戊"]), (numbers[2], ["己", "戊"]))]  # one event each, as it went
    (done,) = queries.destruction_lists(services)
    assert (done["carried_out"], done["destroyed"], done["supervisors"]) == (True, numbers, ["丁", "丙", "己", "戊"])
    assert refused("destroy_originals", list_id=listed, supervisors=["戊", "己"]) == ("ALREADY_DESTROYED", "R5")
    assert services.ledger.verify().ok
    services.close()


def test_r5_on_s3_destruction_waits_for_the_lock_and_deletes_every_version(seaweed: SeaweedServer, sqlite_settings):
    """A retention of a few seconds set on the stored version: the server refuses until it has passed."""
    from minio.commonconfig import COMPLIANCE
    from minio.retention import Retention

    bucket = unique_bucket()
    store = S3Store(seaweed.client(), bucket)
    store.ensure_bucket()
    services, run, refused = _lifecycle(store, sqlite_settings)
    _, original = put(services.archivist(), number="DZ01-WS·2010-D10-BGS-0001", data=b"locked a few seconds",
                      doc_date=date(2010, 3, 4), occurred_at=datetime(2010, 3, 5, 9, tzinfo=CST))
    until = datetime.now(UTC) + timedelta(seconds=3)
    seaweed.client().set_object_retention(bucket, original.storage_key, Retention(COMPLIANCE, until), version_id=original.version_id)
    seaweed.client().put_object(bucket, original.storage_key, io.BytesIO(b"a later version"), 15)  # behind zwgk's back
    run("appraise_original", archive_number=original.archive_number, decision="destroy", reasons="期满", appraisers=["甲"])
    listed = str(run("draft_destruction_list", title="清册", archive_numbers=[original.archive_number]).aggregate_id)
    run("approve_destruction_list", HEAD, list_id=listed)
    if datetime.now(UTC) < until:
        assert refused("destroy_originals", list_id=listed, supervisors=["丙", "丁"]) == ("RETENTION_LOCKED", "R2")
        assert not services.ledger.original(original.archive_number).destroyed
    while datetime.now(UTC) < until + timedelta(seconds=1):
        time.sleep(0.5)
    run("destroy_originals", list_id=listed, supervisors=["丙", "丁"])
    versions = list(seaweed.client().list_objects(bucket, prefix=original.storage_key, include_version=True))
    assert versions == [] and services.ledger.original(original.archive_number).destroyed
    services.close()


def test_r2_the_four_property_check_reports_a_version_written_behind_zwgks_back(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    store = S3Store(seaweed.client(), unique_bucket())
    store.ensure_bucket()
    keeper = Archivist(services.ledger, store)
    _, original = put(keeper)
    written = seaweed.client().put_object(store.bucket, original.storage_key, io.BytesIO(b"forged"), 6)
    report = four_properties.check(keeper)
    assert report.untracked == [f"{original.storage_key}?versionId={written.version_id}"] and not report.ok
    out = io.BytesIO()
    keeper.get(original, out)
    assert out.getvalue() == SEED  # reads name the recorded version
    services.close()


def test_r2_migration_to_s3_and_back_is_verified_recorded_resumable_and_reads_fall_back(seaweed: SeaweedServer, sqlite_settings,
                                                                                       tmp_path: Path):
    services = open_services(sqlite_settings)
    local = LocalStore(tmp_path / "archive")
    local.ensure_bucket()
    before = Archivist(services.ledger, local)
    _, kept = put(before)
    _, legacy = put(before, data=b"legacy", number="DZ01-WS\u00b72010-D10-BGS-0001", doc_date=date(2010, 3, 4))
    before.hold(kept, ARCHIVIST, "\u884c\u653f\u590d\u8bae", True)
    s3 = S3Store(seaweed.client(), unique_bucket())
    s3.ensure_bucket()
    during = Archivist(services.ledger, s3, fallback=local)
    out = io.BytesIO()
    during.get(services.ledger.original(kept.archive_number), out)
    assert out.getvalue() == SEED  # not migrated yet: read from the earlier store
    assert four_properties.check(during).ok and during.verify(during.originals(), ARCHIVIST).ok

    class Crash(Exception):
        pass

    def crash(original: ArchivedOriginal) -> None:
        raise Crash(original.archive_number)

    with pytest.raises(Crash):
        migrate(during, local, s3, "local", "s3", ARCHIVIST, progress=crash)
    report = migrate(during, local, s3, "local", "s3", ARCHIVIST)  # resumed
    assert len(report.already) == 1 and len(report.migrated) == 1 and not report.missing
    again = migrate(during, local, s3, "local", "s3", ARCHIVIST)
    assert sorted(again.already) == sorted([kept.archive_number, legacy.archive_number]) and not again.migrated
    moved = services.ledger.original(kept.archive_number)
    assert moved.location == "s3" and moved.storage_key == kept.storage_key and moved.version_id != kept.version_id
    state = s3.state(moved.storage_key, moved.version_id)
    assert state.legal_hold and state.retain_until == moved.retain_until  # with its lock and its hold
    assert s3.state(*(lambda o: (o.storage_key, o.version_id))(services.ledger.original(legacy.archive_number))).retain_until is None
    migrated = [n for n in services.ledger.notifications() if n.topic.endswith("Migrated")]
    assert len(migrated) == 2  # an event per original
    after = Archivist(services.ledger, s3)
    assert after.verify(after.originals(), ARCHIVIST).ok and four_properties.check(after).ok
    back = LocalStore(tmp_path / "back")
    back.ensure_bucket()
    returned = migrate(Archivist(services.ledger, back, fallback=s3), s3, back, "s3", "local", ARCHIVIST)
    assert len(returned.migrated) == 2
    home = Archivist(services.ledger, back)
    assert home.verify(home.originals(), ARCHIVIST).ok
    services.close()


def test_an_original_of_one_part_goes_to_s3_in_one_request_which_also_tells_the_same_bytes_are_there(seaweed: SeaweedServer,
                                                                                                    sqlite_settings):
    """No request looks for the key first: the upload is stored only if the key holds nothing (`If-None-Match: *`),
    and the same bytes archived again are refused by that condition, kept once, their lock extended."""
    services = open_services(sqlite_settings)
    store = S3Store(seaweed.client(), unique_bucket())
    store.ensure_bucket()
    keeper = Archivist(services.ledger, store)
    trace = io.StringIO()
    store.client.trace_on(trace)
    _, first = put(keeper, number="ZY01-WS·2020-D10-BGS-0001")
    requests = re.findall(r"^(HEAD|GET|PUT|POST) /[^/]+/(\S+) HTTP", trace.getvalue(), re.MULTILINE)
    assert [method for method, key in requests if key == first.storage_key] == ["PUT"]
    assert "If-None-Match: *" in trace.getvalue()
    _, second = put(keeper, number="ZY01-WS·2020-Y-BGS-0001")
    assert (second.storage_key, second.version_id) == (first.storage_key, first.version_id)
    assert list(store.versions()) == [(first.storage_key, first.version_id)]
    assert store.state(first.storage_key, first.version_id).retain_until == second.retain_until > first.retain_until
    assert four_properties.check(keeper).ok
    services.close()


class WithoutConditionalWrites(ThreadingHTTPServer):
    """An S3 server that does not implement If-None-Match on PutObject (501 NotImplemented, as S3 once answered):
    SeaweedFS behind a proxy that refuses such requests and passes every other one on unchanged."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        super().__init__(("127.0.0.1", 0), _Refusing)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _Refusing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "PUT" and "If-None-Match" in self.headers:
            refusal = (b"<Error><Code>NotImplemented</Code>"
                       b"<Message>A header you provided implies functionality that is not implemented</Message></Error>")
            status, headers, answer = 501, {"Content-Type": "application/xml"}, refusal
        else:
            upstream = HTTPConnection(self.server.upstream)  # type: ignore[attr-defined]
            upstream.request(self.command, self.path, body, dict(self.headers))
            response = upstream.getresponse()
            status, answer = response.status, response.read()
            headers = {k: v for k, v in response.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
            upstream.close()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

    def log_message(self, *args) -> None:
        pass


def test_a_server_without_conditional_writes_is_asked_whether_the_key_holds_the_bytes_first(seaweed: SeaweedServer, sqlite_settings):
    services = open_services(sqlite_settings)
    proxy = WithoutConditionalWrites(seaweed.endpoint)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        from minio import Minio

        store = S3Store(Minio(proxy.endpoint, access_key=seaweed.access_key, secret_key=seaweed.secret_key, secure=False),
                        unique_bucket())
        store.ensure_bucket()
        keeper = Archivist(services.ledger, store)
        _, first = put(keeper)
        _, second = put(keeper, number="ZY01-WS·2020-Y-BGS-0002")
        assert not store.conditional and (second.storage_key, second.version_id) == (first.storage_key, first.version_id)
        assert four_properties.check(keeper).ok
    finally:
        proxy.shutdown()
        services.close()

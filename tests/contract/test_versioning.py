"""Events are a public contract: a new event version reads every older stored event
through its upcaster, and the hash chain still holds over what was stored."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from zwgk.connectors.services import Services
from zwgk.domain.actors import Actor
from zwgk.domain.archival import ArchivedOriginal
from zwgk.domain.calendar import CST
from zwgk.domain.chain import event_hash
from zwgk.domain.disclosure import DisclosureAct, ReviseDisclosure
from zwgk.domain.records import Record
from zwgk.projections.events import from_notification
from zwgk.projections.runner import ProjectionRunner
from zwgk.projections.store import ViewStore

OFFICER = Actor("zy-officer", "officer", "资阳市人民政府办公室")
ENVELOPE = {"originator_id", "originator_version", "hash"}


def store_as_version_1(services: Services, event: Record.Event, *added: str) -> None:
    """Write an event the way release 1 wrote it: without the fields v2 added, hashed without a class version."""
    state = {k: v for k, v in event.__dict__.items() if k not in ENVELOPE | set(added)}
    state["hash"] = event_hash(get_topic(type(event)), event.originator_id, event.originator_version, state)
    encoded = services.ledger.mapper.transcoder.encode(state)
    services.ledger.recorder.insert_events(
        [StoredEvent(event.originator_id, event.originator_version, get_topic(type(event)), encoded)])


def test_d9_version_1_drafts_upcast_and_keep_their_chain(services: Services):
    draft = DisclosureAct.draft(id=uuid4(), actor=OFFICER, occurred_at=datetime(2021, 3, 1, 9, tzinfo=CST),
                                title="旧版本起草的通知", attribute="proactive")
    (drafted,) = draft.collect_events()
    store_as_version_1(services, drafted, "interprets")

    loaded = services.ledger.load(DisclosureAct, draft.id)
    assert loaded.interprets is None and loaded.title == "旧版本起草的通知"
    report = services.ledger.verify()
    assert report.ok and report.events_checked == 1
    (stored,) = services.ledger.stored_records()
    assert "interprets" not in stored.state, "the stored bytes stay as release 1 wrote them"
    (notification,) = services.ledger.notifications()
    assert from_notification(notification).record["interprets"] is None, "views see the current version"

    revised = services.ledger.execute(ReviseDisclosure(act_id=draft.id, title="新版本修订的通知"), OFFICER, None)[0]
    assert revised.version == 2
    assert services.ledger.verify().ok


def test_views_built_by_an_older_definition_are_rebuilt(tmp_path):
    store = ViewStore(f"sqlite:///{tmp_path / 'views.db'}")
    ProjectionRunner(store)
    with store.transaction() as tx:
        tx.set_position("register", 42)
        tx.execute("UPDATE projection_definitions SET fingerprint = 'older' WHERE name = 'register'")
        tx.set_position("deadlines", 42)
    again = ProjectionRunner(store)
    assert again.positions()["register"] == 0, "a changed definition starts the view again from zero"
    assert again.positions()["deadlines"] == 42, "an unchanged one keeps its place"
    store.close()


def test_r1_version_1_archived_originals_upcast_without_classification_and_pages(services: Services):
    """Release 1 archived originals without 密级 and 页数: they read as not recorded, and the chain holds."""
    archivist = Actor("zy-archivist", "archivist", "资阳市人民政府办公室")
    original = ArchivedOriginal.archive(
        actor=archivist, occurred_at=datetime(2020, 7, 20, 16, tzinfo=CST), archive_number="ZY01-WS·2020-D30-BGS-0001",
        doc_number="资府办发〔2020〕31号", title="实施意见", responsible_unit="资阳市人民政府办公室", doc_date=date(2020, 7, 10),
        doc_type="通知", retention="D30", retain_until=date(2051, 1, 1), classification="内部", pages=3,
        media_type="application/pdf", size=10, sha256="a" * 64, sm3="b" * 64, storage_key="originals/sha256/aa/" + "a" * 64,
        version_id="v1")
    (archived,) = original.collect_events()
    store_as_version_1(services, archived, "classification", "pages")
    loaded = services.ledger.load(ArchivedOriginal, original.id)
    assert (loaded.classification, loaded.pages, loaded.retention_ends) == ("", None, date(2051, 1, 1))
    assert services.ledger.verify().ok


def test_r5_snapshots_of_originals_taken_before_destruction_was_recorded_one_by_one_upcast():
    """A snapshot written before an original's state named its destruction list and supervisors loads with none."""
    archivist = Actor("zy-archivist", "archivist", "资阳市人民政府办公室")
    original = ArchivedOriginal.archive(
        actor=archivist, occurred_at=None, archive_number="ZY01-WS·2020-D30-BGS-0001", doc_number="", title="实施意见",
        responsible_unit="资阳市人民政府办公室", doc_date=date(2020, 7, 10), doc_type="通知", retention="D30",
        retain_until=date(2051, 1, 1), classification="内部", pages=3, media_type="application/pdf", size=10,
        sha256="a" * 64, sm3="b" * 64, storage_key="originals/sha256/aa/" + "a" * 64, version_id="v1")
    snapshot = Snapshot.take(original)
    older = {k: v for k, v in snapshot.state.items() if k not in {"class_version", "destroyed_under", "destruction_supervisors"}}
    loaded = Snapshot(originator_id=snapshot.originator_id, originator_version=snapshot.originator_version,
                      timestamp=snapshot.timestamp, topic=snapshot.topic, state=older).mutate(None)
    assert (loaded.destroyed_under, loaded.destruction_supervisors, loaded.title) == (None, [], "实施意见")

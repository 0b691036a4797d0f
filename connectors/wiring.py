"""Wiring: the one place where settings become running applications."""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresAggregateRecorder

from zwgk.archive.local import LocalStore
from zwgk.archive.s3 import S3Store
from zwgk.archive.service import unavailable
from zwgk.archive.store import ORIGINALS, OriginalStore, StorageUnavailable
from zwgk.connectors.avro_codec import AvroCodec, SchemaRegistry
from zwgk.connectors.checkpoint_copy import keep_copy
from zwgk.connectors.config import ConfigurationError, Settings
from zwgk.connectors.keystore import SqlKeyStore
from zwgk.connectors.relay import Relay
from zwgk.connectors.services import Services
from zwgk.connectors.signing import Notary
from zwgk.connectors.witnessing import request_cosignatures
from zwgk.domain.checkpoint import read_unverified
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Ledger
from zwgk.projections.audit_log import CheckpointPolicy, MerkleLog, issue_checkpoint
from zwgk.projections.events import from_notification
from zwgk.projections.policies import AccountabilityForPersistentFailure
from zwgk.projections.projection import Projection
from zwgk.projections.runner import ProjectionRunner, all_views, events_after
from zwgk.projections.store import DEFINING, POOLS, ViewStore, reachable

log = logging.getLogger("zwgk")


def open_services(settings: Settings) -> Services:
    return Services(
        ledger=open_ledger(settings),
        originals=functools.cache(lambda: original_store(settings)),
        secrets_url=settings.keystore_url,
        migrated_from=functools.cache(lambda: earlier_store(settings)),
        views_url=settings.views_url,
    )


def open_ledger(settings: Settings) -> Ledger:
    """The ledger on its store. On PostgreSQL its pool is the process's for the store's URL (zwgk's own tables
    beside the events borrow from it), and the library's tables, types and functions are defined under the same
    advisory lock as zwgk's own tables: processes starting together would otherwise collide in the catalogue."""
    env = settings.eventsourcing_env()
    POOLS.size = settings.database_pool_size
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        return Ledger(env, keys=SqlKeyStore(settings.keystore_url))
    reachable(settings.database_url)
    ledger = Ledger({**env, "CREATE_TABLE": "n"})
    assert isinstance(ledger.recorder, PostgresAggregateRecorder)  # the PostgreSQL module was chosen above
    POOLS.share(settings.database_url, ledger.recorder.datastore.pool)
    try:
        definitions = ViewStore(settings.database_url)  # which makes the URL's schema, if any
        try:
            recorders = [ledger.recorder, *([ledger.snapshots.recorder] if ledger.snapshots else [])]
            with definitions.transaction() as tx:
                tx.exclusive(DEFINING)
                for recorder in recorders:
                    assert isinstance(recorder, PostgresAggregateRecorder)
                    recorder.create_table()
        finally:
            definitions.close()
        ledger.keys = SqlKeyStore(settings.keystore_url)
    except BaseException:
        ledger.close()
        raise
    return ledger


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """The services for one command (or one server process); what was recorded meanwhile is taken into the audit
    log at the end (unsigned: the next checkpoint signs it), so that no event stays out of it longer than
    ZWGK_AUDIT_LOG_GRACE, whichever command recorded it."""
    settings = settings or Settings.from_env()
    opened = open_services(settings)
    try:
        before = opened.ledger.recorder.max_notification_id() or 0
        yield opened
        if (opened.ledger.recorder.max_notification_id() or 0) > before:
            with audit_log(settings) as merkle:
                take_into_log(opened, merkle)
    finally:
        opened.close()


@contextmanager
def audit_log(settings: Settings | None = None) -> Iterator[MerkleLog]:
    settings = settings or Settings.from_env()
    settings.eventsourcing_env()  # validates the URL and makes the SQLite directory
    store = ViewStore(settings.views_url)
    try:
        yield MerkleLog(store)
    finally:
        store.close()


def original_store(settings: Settings) -> OriginalStore:
    """S3 when an endpoint is configured, else the local-directory archive under ./var/."""
    if settings.s3_endpoint:
        endpoint = urlsplit(settings.s3_endpoint if "://" in settings.s3_endpoint else f"http://{settings.s3_endpoint}")
        store: OriginalStore = S3Store.connect(endpoint.netloc, settings.s3_access_key, settings.s3_secret_key,
                                               settings.s3_bucket, secure=endpoint.scheme == "https")
    else:
        store = LocalStore(LOCAL_ARCHIVE)
    try:
        store.ensure_bucket()
    except StorageUnavailable as error:
        raise unavailable(error) from None
    return store


LOCAL_ARCHIVE = Path("var/archive")


def earlier_store(settings: Settings) -> OriginalStore | None:
    """With S3 configured, the local archive if one is there: originals not yet migrated are read from it."""
    return LocalStore(LOCAL_ARCHIVE) if settings.s3_endpoint and (LOCAL_ARCHIVE / ORIGINALS).is_dir() else None


def migration_stores(settings: Settings, to: str) -> tuple[OriginalStore, OriginalStore]:
    """The store to migrate from and the one to migrate to: `to` is s3 or local, and S3 must be configured."""
    if not settings.s3_endpoint:
        raise DomainError("S3_NOT_CONFIGURED", "迁移须先配置 ZWGK_S3_ENDPOINT 等 S3 设置。", "migration needs the S3 settings")
    local, s3 = LocalStore(LOCAL_ARCHIVE), original_store(settings)
    local.ensure_bucket()
    if to == "s3":
        return local, s3
    if to == "local":
        return s3, local
    raise DomainError("MIGRATION_TARGET_INVALID", "迁移目标须为 s3 或 local。", f"unknown target {to!r}")


def kafka_bootstrap(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError("ZWGK_KAFKA_BOOTSTRAP_SERVERS is not set")
    return settings.kafka_bootstrap_servers


def avro_codec(settings: Settings) -> AvroCodec:
    registry = SchemaRegistry(settings.schema_registry_url) if settings.schema_registry_url else None
    return AvroCodec(registry=registry)


@contextmanager
def relay(settings: Settings, s: Services, batch: int = 500, connect_timeout: float = 10.0) -> Iterator[Relay]:
    store = ViewStore(settings.views_url)
    try:
        yield Relay(s.ledger, store, kafka_bootstrap(settings), avro_codec(settings), f"urn:zwgk:{settings.log_origin}", batch,
                    connect_timeout=connect_timeout)
    finally:
        store.close()


@contextmanager
def views(settings: Settings, s: Services | None = None) -> Iterator[ProjectionRunner]:
    """The views; with the services, the process policies too."""
    settings.eventsourcing_env()  # validates the URL and makes the SQLite directory
    store = ViewStore(settings.views_url)
    policies: list[Projection] = [AccountabilityForPersistentFailure(s.ledger)] if s else []
    try:
        yield ProjectionRunner(store, all_views() + policies)
    finally:
        store.close()


def catch_up(s: Services, runner: ProjectionRunner, progress: Callable[[int], None] | None = None) -> int:
    """Fold what the views have not seen yet, from the event store, until none is left
    (policies may record new events as they go)."""
    total = 0
    while folded := runner.fold(
        events_after(lambda after: s.ledger.notifications(after=after, batch=5000), min(runner.positions().values())),
        progress=progress,
    ):
        total += folded
    return total


def follow(s: Services, runner: ProjectionRunner, settings: Settings, stop: threading.Event, batch: int = 1000) -> None:
    """Keep the views up to date until stopped. On PostgreSQL the library's subscription pushes
    new events (LISTEN/NOTIFY); SQLite has no push, so there the log is polled."""
    catch_up(s, runner)
    if not settings.database_url.startswith(("postgresql:", "postgres:")):
        log.info("polling the event store's notification log")
        while not stop.wait(0.2):
            catch_up(s, runner)
        return
    log.info("following the event store's notifications (PostgreSQL LISTEN/NOTIFY)")
    arrived: queue.Queue[Notification] = queue.Queue()
    with s.ledger.recorder.subscribe(gt=min(runner.positions().values())) as subscription:
        def pump() -> None:
            for notification in subscription:
                arrived.put(notification)

        reader = threading.Thread(target=pump, name="subscription", daemon=True)
        reader.start()
        while not stop.is_set():
            try:
                first = arrived.get(timeout=0.5)
            except queue.Empty:
                if not reader.is_alive():
                    raise RuntimeError("the event store's subscription ended") from None
                continue
            pending = [first]
            while len(pending) < batch and not arrived.empty():
                pending.append(arrived.get_nowait())
            runner.fold(from_notification(n) for n in pending)
        subscription.stop()


DEFAULT_CHECKPOINT_POLICY = CheckpointPolicy()


def take_into_log(s: Services, log: MerkleLog) -> int:
    """Fold new events into the audit log, signing nothing (no key needed); how many were added."""
    return log.sync(s.ledger.stored_records(after=log.position()))


def bring_log_up_to_date(
    s: Services, log: MerkleLog, settings: Settings, policy: CheckpointPolicy | None = DEFAULT_CHECKPOINT_POLICY
) -> str | None:
    """Fold new events into the audit log and sign a checkpoint when one is due, then ask the witnesses to cosign it
    and copy it outside the database (ZWGK_CHECKPOINT_COPY)."""
    take_into_log(s, log)
    note = issue_checkpoint(log, lambda checkpoint: Notary.from_settings(settings).sign(checkpoint), settings.log_origin, policy)
    if note is not None and settings.witnesses:
        request_cosignatures(log, read_unverified(note).size, note, settings)
    if note is not None:
        keep_copy(log, settings, note + "".join(log.cosignatures(read_unverified(note).size)))
    return note

"""The console's long operations: their state in the views' database, shown to their starter only, and a job
whose server stopped shown as interrupted rather than running for ever; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from zwgk.connectors import jobs
from zwgk.connectors.config import Settings


@pytest.fixture
def store(settings: Settings) -> Iterator[jobs.Jobs]:
    kept = jobs.Jobs(settings.views_url)
    yield kept
    kept.close()


def test_a_job_is_its_starters_and_its_progress_is_what_another_worker_reads(store: jobs.Jobs, settings: Settings):
    job_id = store.start(jobs.JobKind.FIXITY, "da-archivist", "准备核验…")
    assert len(job_id) >= 22  # 128 random bits
    store.report(job_id, 3, 10, "已核验：3/10")
    other_worker = jobs.Jobs(settings.views_url)
    try:
        seen = other_worker.of(job_id, "da-archivist")
        assert seen is not None and (seen.state, seen.done, seen.total) == (jobs.JobState.RUNNING, 3, 10)
        assert other_worker.of(job_id, "da-archivist-2") is None
    finally:
        other_worker.close()
    store.end(job_id, jobs.JobState.FINISHED, "共核验 10 件")
    assert store.of(job_id, "da-archivist").state is jobs.JobState.FINISHED


def test_a_running_job_not_heard_from_is_shown_interrupted(store: jobs.Jobs):
    job_id = store.start(jobs.JobKind.EXPORT, "da-archivist", "准备导出…")
    with store.store.transaction() as tx:
        tx.execute("UPDATE long_jobs SET updated_at = ? WHERE job_id = ?", (datetime(2026, 1, 1, tzinfo=UTC).isoformat(), job_id))
    shown = store.of(job_id, "da-archivist")
    assert shown is not None and shown.state is jobs.JobState.FAILED and shown.summary == jobs.INTERRUPTED

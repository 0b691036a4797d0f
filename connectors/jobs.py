"""Long operations 长时间任务 started from the console: a fixity check of the archive and a BagIt export run in
a thread of the server process that took the request, through the same application functions as the API
and the CLI, and report their progress to a small table in the views' database, so that every worker of the
service shows the same state. A job's id is a random 128-bit secret, and a job is shown only to the person
who started it. A finished export's package stays in the scratch directory of the host that made it
(`var/tmp/jobs/`) for a day; it is downloaded from that host.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from zwgk.archive.service import VerifyReport
from zwgk.connectors import operations
from zwgk.connectors.config import Settings
from zwgk.connectors.labels import FIXITY_ZH
from zwgk.connectors.services import Services
from zwgk.domain.actors import Actor
from zwgk.domain.archival import FixityOutcome
from zwgk.domain.errors import DomainError
from zwgk.projections.runner import ProjectionRunner
from zwgk.projections.store import ViewStore

log = logging.getLogger("zwgk")
TABLE = """CREATE TABLE IF NOT EXISTS long_jobs (
    job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL, done INTEGER NOT NULL,
    total INTEGER NOT NULL, summary TEXT NOT NULL, package TEXT, started_at TEXT NOT NULL, updated_at TEXT NOT NULL)"""
PACKAGES = operations.SCRATCH / "jobs"
KEPT = timedelta(days=1)  # how long a finished export's package waits to be downloaded
SILENT = timedelta(minutes=10)  # a running job not heard from for so long stopped with its server
REPORT_EVERY = 1.0  # seconds between two progress writes


class JobKind(StrEnum):
    FIXITY = "fixity"
    EXPORT = "export"


class JobState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


KINDS_ZH = {JobKind.FIXITY: "全部原件的固定性核验", JobKind.EXPORT: "BagIt 移交包导出"}
STATES_ZH = {JobState.RUNNING: "进行中", JobState.FINISHED: "已完成", JobState.FAILED: "失败"}
INTERRUPTED = "任务所在的服务进程已停止，任务中断；请重新开始。"


@dataclass(frozen=True)
class Job:
    job_id: str
    kind: JobKind
    user_id: str
    state: JobState
    done: int
    total: int
    summary: str
    package: str | None  # the export's file name in PACKAGES
    started_at: datetime
    updated_at: datetime

    @property
    def package_path(self) -> Path | None:
        return PACKAGES / self.package if self.package else None


class Jobs:
    """The jobs' state, in the views' database: every worker reads what any of them wrote."""

    def __init__(self, url: str) -> None:
        self.store = ViewStore(url)
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def start(self, kind: JobKind, user_id: str, summary: str) -> str:
        job_id = secrets.token_urlsafe(16)
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO long_jobs (job_id, kind, user_id, state, done, total, summary, started_at, updated_at) "
                       "VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?)", (job_id, kind.value, user_id, JobState.RUNNING.value, summary, now, now))
        return job_id

    def report(self, job_id: str, done: int, total: int, summary: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE long_jobs SET done = ?, total = ?, summary = ?, updated_at = ? WHERE job_id = ?",
                       (done, total, summary, datetime.now(UTC).isoformat(), job_id))

    def end(self, job_id: str, state: JobState, summary: str, package: str | None = None) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE long_jobs SET state = ?, summary = ?, package = ?, updated_at = ? WHERE job_id = ?",
                       (state.value, summary, package, datetime.now(UTC).isoformat(), job_id))

    def of(self, job_id: str, user_id: str) -> Job | None:
        """The job, if this person started it (anyone else is told there is none); a running job not heard
        from for a long while is shown as the failure it is."""
        with self.store.reading() as tx:
            row = tx.one("SELECT job_id, kind, user_id, state, done, total, summary, package, started_at, updated_at "
                         "FROM long_jobs WHERE job_id = ? AND user_id = ?", (job_id, user_id))
        if row is None:
            return None
        job = Job(row[0], JobKind(row[1]), row[2], JobState(row[3]), row[4], row[5], row[6], row[7],
                  datetime.fromisoformat(row[8]), datetime.fromisoformat(row[9]))
        if job.state is JobState.RUNNING and datetime.now(UTC) - job.updated_at > SILENT:
            return replace(job, state=JobState.FAILED, summary=INTERRUPTED)
        return job

    def expired_packages(self) -> list[str]:
        """The packages of exports finished over a day ago, no longer offered (their files go)."""
        since = (datetime.now(UTC) - KEPT).isoformat()
        with self.store.transaction() as tx:
            rows = tx.all("SELECT package FROM long_jobs WHERE package IS NOT NULL AND updated_at < ?", (since,))
            tx.execute("UPDATE long_jobs SET package = NULL WHERE package IS NOT NULL AND updated_at < ?", (since,))
        return [row[0] for row in rows]

    def close(self) -> None:
        self.store.close()


class _Reporter:
    """Progress written at most once a second (a check of many small originals would otherwise write once each)."""

    def __init__(self, jobs: Jobs, job_id: str, doing: str) -> None:
        self.jobs, self.job_id, self.doing = jobs, job_id, doing
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if done == total or time.monotonic() - self.last >= REPORT_EVERY:
            self.last = time.monotonic()
            self.jobs.report(self.job_id, done, total, f"{self.doing}：{done}/{total}")


def _run(jobs: Jobs, job_id: str, work: Callable[[], tuple[str, str | None]]) -> None:
    """The job's work in a thread of its own; its end (or its refusal, or an error) written where the page reads it."""
    def body() -> None:
        try:
            summary, package = work()
        except DomainError as error:
            log.warning("job %s refused: %s (%s)", job_id, error.message_en, error.code)
            jobs.end(job_id, JobState.FAILED, error.message_zh)
        except Exception:
            log.exception("job %s failed", job_id)
            jobs.end(job_id, JobState.FAILED, "任务因内部错误失败，详情见服务日志。")
        else:
            jobs.end(job_id, JobState.FINISHED, summary, package)

    threading.Thread(target=body, name=f"job-{job_id[:8]}", daemon=True).start()


def fixity_summary(report: VerifyReport) -> str:
    counts = {outcome: sum(1 for r in report.results if r.outcome is outcome) for outcome in FixityOutcome}
    text = f"共核验 {len(report.results)} 件：" + "，".join(f"{FIXITY_ZH[outcome]} {count} 件" for outcome, count in counts.items())
    failed = [r.archive_number for r in report.results if r.outcome is not FixityOutcome.INTACT]
    if failed:
        text += "（" + "、".join(failed[:20]) + ("等" if len(failed) > 20 else "") + "）"
    if report.untracked:
        text += f"；存储中另有 {len(report.untracked)} 个未登记的对象"
    return text + "。"


def start_fixity(jobs: Jobs, s: Services, actor: Actor, unit: str = "") -> str:
    """Every original (with a unit, that unit's) re-read and re-hashed, each check recorded, as `fixity_run` does."""
    job_id = jobs.start(JobKind.FIXITY, actor.id, "准备核验…")
    progress = _Reporter(jobs, job_id, "已核验")
    _run(jobs, job_id, lambda: (fixity_summary(operations.fixity_run(s, actor, unit=unit, progress=progress)), None))
    return job_id


def start_export(jobs: Jobs, s: Services, runner: ProjectionRunner, settings: Settings, actor: Actor, fmt: str,
                 unit: str = "") -> str:
    """The transfer package of every original (with a unit, that unit's), as `transfer_package` makes it,
    written to a file of the job's to be downloaded when finished."""
    for expired in jobs.expired_packages():
        (PACKAGES / expired).unlink(missing_ok=True)
    job_id = jobs.start(JobKind.EXPORT, actor.id, "准备导出…")
    progress = _Reporter(jobs, job_id, "已写入移交包")

    def work() -> tuple[str, str | None]:
        package = operations.transfer_package(s, runner, settings, fmt, unit, progress=progress)
        jobs.report(job_id, package.originals, package.originals, "正在打包…")
        PACKAGES.mkdir(parents=True, exist_ok=True)
        name = f"{job_id}-{package.filename}"
        try:
            with (PACKAGES / name).open("wb") as out:
                for chunk in package.chunks:
                    out.write(chunk)
        except BaseException:
            (PACKAGES / name).unlink(missing_ok=True)
            raise
        finally:
            package.close()
        return f"移交包 {package.filename} 已生成，含原件 {package.originals} 件。", name

    _run(jobs, job_id, work)
    return job_id

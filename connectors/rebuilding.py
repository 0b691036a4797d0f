"""A rebuild of the views on two cores: the timeline (one indexed row an event, about as costly as every other view
together; on PostgreSQL with the deadlines) folded by the process that runs the rebuild, every other view by a second
process started for it, each reading and decoding the log itself up to the position the rebuild began at, in batches
(bounded memory).

The second process is spawned, not forked: this one holds connections and threads. On PostgreSQL it writes its
views' tables and positions itself (each view's fold holds that view's advisory lock, so the two never wait on each
other); on SQLite, where two writers of one file would take turns, it folds into a file of its own, whose rows and
positions this process takes in, in one transaction, once both are done. A crash at any point leaves views that
a rebuild or a catch-up repairs, as a sequential rebuild does: positions commit with their rows (on SQLite the
second process's views stay at event zero until taken in). An error in the second process is raised here as it was
raised there, and the rebuild stops."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from itertools import takewhile
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from eventsourcing.persistence import Notification

from zwgk.domain.ledger import Ledger
from zwgk.projections.projection import Policy, Projection
from zwgk.projections.runner import ProjectionRunner, StepTimes, all_views, decoded
from zwgk.projections.store import ViewStore

# The views this process folds; the second process folds the others. The timeline costs about as much as all the
# others together; on PostgreSQL, where the timeline is written by COPY, the deadlines join it (CPU time a process
# spent, bench/projections.py: 35 µs an event here against 47 in the second process without them).
HERE = {False: ("timeline",), True: ("timeline", "deadlines")}  # by whether the views are on PostgreSQL
# The rule: two processes from this many events on, when about two cores are free to run them. Below it, starting
# the second process (two to five seconds on the shared build machine: it imports what the main module imports and
# opens both stores) costs more than it saves, for each process reads and decodes every event (bench/projections.py,
# SQLite, 100,000 events: 35 µs of CPU an event in each of two processes against 47 in one).
PARALLEL_FROM = 200_000
SPARE = 1.5  # cores free, at least, for two processes: with less, the duplicated reading and decoding make it slower


def spare_cores() -> float:
    """The cores this process may run on (os.sched_getaffinity) less the work already running (1-minute load average)."""
    return len(os.sched_getaffinity(0)) - os.getloadavg()[0]


def processes_for(runner: ProjectionRunner, events: int, asked: int | None = None) -> int:
    """How many processes rebuild the runner's views from a log of so many events: two when the views split (the
    timeline and another), and either two were asked for or (nothing asked) the log holds at least PARALLEL_FROM
    events and at least SPARE cores are free; else one."""
    here = HERE[runner.store.postgres]
    split = any(v.name in here for v in runner.views) and any(v.name not in here for v in _tables(runner))
    if asked is not None:
        return 2 if split and asked > 1 else 1
    return 2 if split and events >= PARALLEL_FROM and spare_cores() >= SPARE else 1


def log_until(ledger: Ledger, until: int) -> Iterator[Notification]:
    """The log from its first event up to a position (the head when the rebuild began)."""
    return takewhile(lambda n: n.id <= until, ledger.notifications(batch=5000))


def rebuild_in_two(ledger: Ledger, runner: ProjectionRunner, until: int,
                   progress: Callable[[int], None] | None = None) -> dict[str, StepTimes]:
    """Clear the runner's views and fold them again up to `until` in two processes; each one's step times, by what it
    folded. The second process starts first: its start (imports, opening the stores) goes on while the views are
    cleared, and it folds once told they are."""
    here = [v for v in runner.views if v.name in HERE[runner.store.postgres]]
    there = [v for v in _tables(runner) if v not in here]
    names = [v.name for v in there]
    with tempfile.TemporaryDirectory(prefix="zwgk-rebuild-") as scratch:
        file = Path(scratch) / "views.sqlite3"
        second = SecondProcess(dict(ledger.env), runner.store.url if runner.store.postgres else f"sqlite:///{file}", names)
        try:
            runner.clear()
            second.fold(until)
            mine = StepTimes()

            def heard(n: int) -> None:
                second.check()  # its error stops this process's fold too
                if progress:
                    progress(n)

            ProjectionRunner(runner.store, here).fold(decoded(log_until(ledger, until), mine), progress=heard, times=mine)
            mine.peak_rss_mb = peak_rss_mb()
            theirs = second.result()
        finally:
            second.stop()
        if not runner.store.postgres:
            started = time.perf_counter()
            ProjectionRunner(runner.store, there).adopt(file)
            theirs.taken_in = time.perf_counter() - started
    return {f"this process ({', '.join(v.name for v in here)})": mine, f"second process ({', '.join(names)})": theirs}


class SecondProcess:
    """The process folding the other views: started at once, asked between this process's batches whether it failed."""

    def __init__(self, env: dict[str, str], views_url: str, names: list[str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.reply, theirs = context.Pipe()
        self.names = names
        self.process: BaseProcess = context.Process(target=fold_apart, args=(env, views_url, names, theirs, time.time()),
                                                    name="zwgk-rebuild", daemon=True)
        self.process.start()
        theirs.close()
        self.outcome: StepTimes | None = None

    def fold(self, until: int) -> None:
        """Tell it to fold, up to that position: its views are cleared. If it has failed already, its error."""
        try:
            self.reply.send(until)
        except OSError:  # it has gone: what it said before it went is the error
            self.result()
            raise

    def check(self) -> None:
        """Raise its error if it has failed; note its times if it is done. Does not wait."""
        if self.outcome is None and (self.reply.poll() or not self.process.is_alive()):
            self.result()

    def result(self) -> StepTimes:
        """Its step times once it is done; its error, raised here, if it failed or ended without a word."""
        if self.outcome is not None:
            return self.outcome
        wait([self.reply, self.process.sentinel])
        try:
            answer: tuple[StepTimes, None, str] | tuple[None, BaseException, str] = self.reply.recv()
        except (EOFError, OSError):  # it went without a word
            self.process.join()
            raise RuntimeError(f"the process rebuilding {', '.join(self.names)} ended with exit code "
                               f"{self.process.exitcode} before it was done") from None
        times, error, where = answer
        if error is not None:
            error.add_note(f"raised in the process rebuilding {', '.join(self.names)}:\n{where}")
            raise error
        assert times is not None  # an answer without an error carries the times
        self.outcome = times
        return times

    def stop(self) -> None:
        """Done with it: ended if it still runs (this process failed first), its pipe closed."""
        if self.process.is_alive() and self.outcome is None:
            self.process.kill()
        self.process.join()
        self.reply.close()


def fold_apart(env: dict[str, str], views_url: str, names: list[str], reply: Connection, started: float) -> None:
    """The second process (started at `started`, the epoch's seconds): open the stores, then, once told up to which
    position, fold the named views from the log into the views' store at `views_url`; send back its step times, or
    its error (as raised, or its text when it cannot travel) and where it arose."""
    try:
        ledger = Ledger({**env, "CREATE_TABLE": "n"})  # it only reads the log
        try:
            store = ViewStore(views_url)
            try:
                runner = ProjectionRunner(store, [view for view in all_views() if view.name in names])
                until = reply.recv()
                times = StepTimes(startup=time.time() - started)
                runner.fold(decoded(log_until(ledger, until), times), times=times)
            finally:
                store.close()
        finally:
            ledger.close()
        times.peak_rss_mb = peak_rss_mb()
        reply.send((times, None, ""))
    except BaseException as error:  # noqa: BLE001  # whatever it is, the rebuilding process raises it
        reply.send((None, _portable(error), traceback.format_exc()))
    finally:
        reply.close()


def _portable(error: BaseException) -> BaseException:
    """The error itself if it survives the pipe (most do: the database drivers' errors, ValueError...), else its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001  # any failure to travel: send its text instead
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _tables(runner: ProjectionRunner) -> list[Projection]:
    return [v for v in runner.views if not isinstance(v, Policy)]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

"""A rebuild in two processes (the timeline here, most other views in a second process): the same rows and
positions as in one, its second process's failure raised by the rebuild (not a hang), and what a crash leaves
repaired by a catch-up."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.cli import zwgk
from tests.integration.test_ledger import run_scenario
from zwgk.connectors.config import Settings
from zwgk.connectors.operations import rebuild
from zwgk.connectors.rebuilding import PARALLEL_FROM, processes_for
from zwgk.connectors.wiring import catch_up, open_services, views
from zwgk.domain.actors import Actor
from zwgk.domain.disclosure import DraftDisclosure
from zwgk.projections.runner import ProjectionRunner, all_views, events_after, folding_lock
from zwgk.projections.store import ViewStore

OFFICER = Actor("o", "officer", "重建单位")


def exports(runner: ProjectionRunner) -> dict[str, bytes]:
    return {view.name: runner.export(view.name) for view in all_views()}


def test_two_processes_rebuild_the_rows_and_positions_one_process_does(settings: Settings):
    services = open_services(settings)
    run_scenario(services)
    for i in range(1200):  # more than a batch of 1,000
        services.ledger.execute(DraftDisclosure(title=f"重建文件 {i}", attribute="proactive"), OFFICER, None)
    head = services.ledger.recorder.max_notification_id()
    with views(settings) as runner:
        alone = rebuild(services, runner, None, processes=1)
        one = exports(runner)
        both = rebuild(services, runner, None, processes=2)
        assert len(alone.times) == 1 and len(both.times) == 2
        here, there = both.times.values()
        assert "timeline" in here.views and "register" in there.views and not here.views.keys() & there.views.keys()
        assert exports(runner) == one
        assert set(runner.positions().values()) == {head}
        # positions are right: a catch-up afterwards folds only what is new
        services.ledger.execute(DraftDisclosure(title="重建之后", attribute="proactive"), OFFICER, None)
        assert catch_up(services, runner) == 1
        assert set(runner.positions().values()) == {head + 1}
    services.close()


def test_a_second_process_killed_mid_rebuild_is_an_error_and_a_catch_up_repairs_the_views(sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    run_scenario(services)
    with views(sqlite_settings) as runner:
        rebuild(services, runner, None, processes=1)
        whole = exports(runner)

        def kill_the_second(folded: int, events: int) -> None:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]

        with pytest.raises(RuntimeError, match="ended with exit code -9 before it was done"):
            rebuild(services, runner, None, progress=kill_the_second, processes=2)
        assert multiprocessing.active_children() == []
        assert runner.positions()["register"] == 0  # its rows were never taken in
        catch_up(services, runner)
        assert exports(runner) == whole
    services.close()


@pytest.mark.postgres
def test_an_error_in_the_second_process_fails_the_rebuild_as_in_one_process(tmp_path: Path, postgres_settings: Settings):
    services = open_services(postgres_settings)
    run_scenario(services)
    with views(postgres_settings) as runner, runner.store.transaction() as tx:
        tx.execute("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'register refused by the test'; END $$ "
                   "LANGUAGE plpgsql")
        tx.execute("CREATE TRIGGER refuse BEFORE INSERT ON disclosure_register FOR EACH ROW EXECUTE FUNCTION refuse()")
    services.close()
    env = {"ZWGK_DATABASE_URL": postgres_settings.database_url}
    for processes in ("1", "2"):
        result = zwgk("projections", "rebuild", "--processes", processes, cwd=tmp_path, env=env)
        assert result.returncode == 1, result.stderr
        assert "psycopg.errors.RaiseException: register refused by the test" in result.stderr
    assert "raised in the process rebuilding catalogue, register" in result.stderr


def test_views_another_fold_has_begun_take_nothing_in_from_the_second_process(tmp_path: Path, sqlite_settings: Settings):
    services = open_services(sqlite_settings)
    run_scenario(services)
    names = ["catalogue", "register"]
    scratch = ViewStore(f"sqlite:///{tmp_path}/apart.sqlite3")
    apart = ProjectionRunner(scratch, [view for view in all_views() if view.name in names])
    catch_up(services, apart)
    folded = {name: apart.export(name) for name in names}
    scratch.close()
    with views(sqlite_settings) as runner:
        runner.clear()
        taking = ProjectionRunner(runner.store, [runner.view(name) for name in names])
        with runner.store.transaction() as tx:
            tx.set_position("catalogue", 5)  # a server's fold began meanwhile
        assert not taking.adopt(tmp_path / "apart.sqlite3")
        assert json.loads(runner.export("register"))["disclosure_register"] == []
        assert runner.positions()["register"] == 0
        with runner.store.transaction() as tx:
            tx.set_position("catalogue", 0)
        assert taking.adopt(tmp_path / "apart.sqlite3")
        assert {name: runner.export(name) for name in names} == folded
        assert runner.positions()["register"] == services.ledger.recorder.max_notification_id()
    services.close()


def test_one_process_for_short_logs_busy_cores_or_one_view(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    with views(sqlite_settings) as runner:
        monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
        assert processes_for(runner, PARALLEL_FROM) == (2 if len(os.sched_getaffinity(0)) > 1 else 1)
        assert processes_for(runner, PARALLEL_FROM - 1) == 1
        assert processes_for(runner, 10, asked=2) == 2
        assert processes_for(ProjectionRunner(runner.store, [runner.view("register")]), PARALLEL_FROM, asked=2) == 1
        assert processes_for(ProjectionRunner(runner.store, [runner.view("timeline")]), PARALLEL_FROM) == 1
        monkeypatch.setattr(os, "getloadavg", lambda: (len(os.sched_getaffinity(0)) - 1.0, 0.2, 0.2))  # one core free
        assert processes_for(runner, PARALLEL_FROM) == 1


@pytest.mark.postgres
def test_on_postgresql_folds_of_one_view_take_turns_and_folds_of_others_do_not_wait(postgres_settings: Settings):
    services = open_services(postgres_settings)
    run_scenario(services)
    with views(postgres_settings) as runner:
        def folding(name: str) -> threading.Thread:
            one = ProjectionRunner(runner.store, [runner.view(name)])
            thread = threading.Thread(target=one.fold, args=(events_after(lambda after: services.ledger.notifications(after=after), 0),))
            thread.start()
            return thread

        url = urlsplit(postgres_settings.views_url)
        with psycopg.connect(urlunsplit(url._replace(query=""))) as other:  # another server, folding the timeline
            other.execute("SELECT pg_advisory_xact_lock(%s)", (folding_lock("timeline"),))
            register, timeline = folding("register"), folding("timeline")
            register.join(60)
            timeline.join(1)
            assert not register.is_alive() and timeline.is_alive()
        timeline.join(60)
        assert not timeline.is_alive()
        assert runner.positions()["timeline"] == runner.positions()["register"] > 0
    services.close()

"""HTTP service benchmark: the disclosure workflow over HTTP against `zwgk serve --workers 2` on
PostgreSQL, next to the same command envelopes executed in-process in the same run; then the
register and the deadlines read page by page over 10,000 acts, over HTTP and in-process.

Commands. Each workflow is the seven commands of one act (draft → three review signatures →
pre-review → sign-off → publish), each step by the person the rules ask for: per client a unit of
its own with an officer, the three signers (officers, D4), a leader and a member of the unit's
pre-review group (pre_reviewer), as the demo has them, each with an account and an access token.
A client runs its own acts one command after the other (closed loop); 1, 4 and 16 clients at once.
Over HTTP: a thread per client with its own keep-alive httpx client, `POST /api/v1/commands/{name}`
with the step's person's token; the service's own time for each command is read from its request
log. In-process: the same envelopes through `zwgk.connectors.commands.execute` on the services one
worker process holds (`Runtime`, whose keeper folds new events into the audit log every 10 s, as each
worker's does: the same work a command), signed in as the same actor (the route's own path without
the HTTP, the token and the JSON), a thread per client, on a fresh database of the same PostgreSQL,
run just before the HTTP run of each level.
Throughput in commands/s, each command's latency p50/p99, the ratio HTTP/in-process.

Then an open-loop run at half the best HTTP rate: commands sent on a fixed schedule whatever the
answers (32 acts in flight, a step of an act a wave after the step before), latency counted from the
instant the command was due to be sent, so that a stall is not hidden by sending less.

Where a request's time goes: `GET /healthz` (no sign-in) and `GET /api/v1/me` (sign-in only) over
HTTP, and the sign-in by access token (`actor_of_token`) in-process, with its two reads apart: the
token's hash in the credentials and the account's record in the ledger. As a diagnostic, the same
HTTP levels against `zwgk serve --workers 1`, whose connections keep TCP_NODELAY (uvicorn's
`--workers N` path loses it: each answer's last segment then waits for the client's delayed ACK,
about 40 ms on Linux; see README).

Queries. 10,000 policies (each through sign-off, seven in ten published) written straight into a
third database by the fastest bulk path (records decided in hand, saved fifty to a transaction, as
bench/projections.py does), served by `zwgk serve --workers 2` to an inspector (every unit);
`GET /api/v1/register` and `GET /api/v1/deadlines` (`limit` 100 and `cursor`): the first page asked
again and again, and every page walking the list by `next_cursor`, p50/p99 a page, next to the same
pages from the application layer (`connectors.queries`) in-process. Where those routes do not exist,
that part fails, loudly, and the script exits non-zero: it never prints figures it did not measure.

Before measuring, the tables are created once (the workers would race to create them) and every
worker builds its command checkers through the OpenAPI document (concurrent first uses fail): both
are explained where they are done. The last line is a JSON object with every figure. `--quick` for
smaller sizes, `--part commands|queries` for one part. Not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api import ZwgkServer  # noqa: E402
from tests.servers import PostgresServer  # noqa: E402
from zwgk.connectors import accounts  # noqa: E402
from zwgk.connectors.accounts import Caller, actor_of_token  # noqa: E402
from zwgk.connectors.api.runtime import Runtime  # noqa: E402
from zwgk.connectors.commands import catalogue, execute  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.connectors.credentials import IssuedToken  # noqa: E402
from zwgk.connectors.services import Services  # noqa: E402
from zwgk.connectors.wiring import catch_up, open_services, views  # noqa: E402
from zwgk.domain.accounts import Account, account_id  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402
from zwgk.domain.calendar import WorkingDayCalendar  # noqa: E402
from zwgk.domain.disclosure import DisclosureAct  # noqa: E402

WORKERS = 2
LEVELS = (1, 4, 16)
IN_FLIGHT = 32  # acts in flight in the open-loop run
PAGE = 100
SIZES = {
    "full": {"workflows": 120, "paced": 2_100, "acts": 10_000, "first_pages": 200, "walks": 2, "probes": 500},
    "quick": {"workflows": 32, "paced": 420, "acts": 1_000, "first_pages": 50, "walks": 1, "probes": 100},
}


# The people: per client a unit, its officer, three signers, leader, and a member of its pre-review group.

def people(client: int) -> dict[str, Actor]:
    unit = f"基准测试第{client:02d}局"
    key = f"bench{client:02d}"
    return {
        "officer": Actor(f"{key}-officer", "officer", unit),
        "compiler": Actor(f"{key}-compiler", "officer", unit),
        "issuer": Actor(f"{key}-issuer", "officer", unit),
        "publisher": Actor(f"{key}-publisher", "officer", unit),
        "leader": Actor(f"{key}-leader", "leader", unit),
        "pre_reviewer": Actor(f"{key}-prereview", "pre_reviewer", f"{unit}政务公开预审小组"),
    }


def open_accounts(settings: Settings, actors: list[Actor]) -> dict[str, str]:
    """An account and an access token for each, opened as the operator does (tests.api.token_for), in one go."""
    s = open_services(settings)
    try:
        tokens = {}
        for actor in actors:
            accounts.add_user(s, actor.id, actor.role.value, actor.unit)
            tokens[actor.id] = accounts.create_token(s, actor.id, None).text
        return tokens
    finally:
        s.close()


# One act's workflow: the envelopes, in order, each with who sends it. The draft's answer names the act.

def workflow(n: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(step's person, command, args) — `act_id` filled in once the draft has answered."""
    return [
        ("officer", "draft_disclosure", {"title": f"关于基准测试第{n}号事项的通知", "attribute": "proactive", "kind": "policy",
                                         "doc_number": f"基测〔2026〕{n}号", "doc_type": "通知"}),
        *((r, "sign_review", {"sheet_role": r, "decision": "approved"}) for r in ("compiler", "issuer", "publisher")),
        ("pre_reviewer", "pre_review_disclosure", {"decision": "approved", "comment": "内容无涉密信息，同意公开"}),
        ("leader", "sign_off_disclosure", {"comment": "同意"}),
        ("officer", "publish_disclosure", {"channel": "website"}),
    ]


COMMANDS_PER_WORKFLOW = len(workflow(0))
Send = Callable[[Actor, str, dict[str, Any]], str]  # runs one command, answers the act's id


class Refused(RuntimeError):
    """A command the bench expected to be recorded was not: the figures would be wrong."""


def http_sender(client: httpx.Client, tokens: dict[str, str]) -> Send:
    def send(actor: Actor, name: str, args: dict[str, Any]) -> str:
        answer = client.post(f"/api/v1/commands/{name}", json=args, headers={"Authorization": f"Bearer {tokens[actor.id]}"})
        if answer.status_code != 201:
            raise Refused(f"{name} by {actor.id}: HTTP {answer.status_code} {answer.text[:500]}")
        act_id: str = answer.json()["aggregate_id"]
        return act_id

    return send


def in_process_sender(services: Services) -> Send:
    def send(actor: Actor, name: str, args: dict[str, Any]) -> str:
        (outcome, *_) = execute(services, {"command": name, "args": args}, actor)
        return str(outcome.aggregate_id)

    return send


def run_workflows(send: Send, who: dict[str, Actor], numbers: range, latencies: list[float]) -> None:
    for n in numbers:
        act_id = ""
        for person, name, args in workflow(n):
            started = time.perf_counter()
            answered = send(who[person], name, args if not act_id else {"act_id": act_id, **args})
            latencies.append(time.perf_counter() - started)
            act_id = act_id or answered


def settle() -> None:
    """This process's heap so far out of the cyclic collector's way: the clients' own pauses (a full
    collection here took 65–145 ms) are not the service's. The service's processes are left as they are."""
    gc.collect()
    gc.freeze()


@dataclass
class Run:
    clients: int
    commands: int
    seconds: float
    latencies: list[float]
    cpu_ms: dict[str, float]  # CPU a command, by who spent it (see `Meter`)

    @property
    def rate(self) -> float:
        return self.commands / self.seconds

    def figures(self) -> dict[str, float]:
        return {"commands": self.commands, "commands_per_s": round(self.rate, 1), "p50_ms": ms(pct(self.latencies, 50)),
                "p99_ms": ms(pct(self.latencies, 99)), "cpu_ms_per_command": self.cpu_ms}


Meter = Callable[[], dict[str, float]]  # CPU seconds spent so far, by whom


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            used = process.cpu_times()
        except psutil.NoSuchProcess:  # a PostgreSQL backend that ended meanwhile
            continue
        total += used.user + used.system
    return total


def with_children(process: psutil.Process) -> list[psutil.Process]:
    return [process, *process.children(recursive=True)]


def meter(pg: PostgresServer, server: ZwgkServer | None) -> Meter:
    """The CPU this process has spent (the clients' threads, or the in-process commands with their runtime),
    PostgreSQL's (the server and its backends) and, for a service, its processes': on two cores shared by all
    three, what a command costs each."""
    postmaster = psutil.Process(int((pg.root / "data" / "postmaster.pid").read_text().split()[0]))
    me = psutil.Process()

    def spent() -> dict[str, float]:
        used = {"postgres": cpu_seconds(with_children(postmaster))}
        if server is None:
            return {"process": cpu_seconds([me]), **used}
        return {"service": cpu_seconds(with_children(psutil.Process(server.process.pid))), "clients": cpu_seconds([me]), **used}

    return spent


def closed_loop(clients: int, workflows_each: int, sender_for: Callable[[int], Send], first: int, spent: Meter | None = None) -> Run:
    """`clients` threads at once, each its own unit's acts one command after another; numbers from `first`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients + 1)

    def client(c: int) -> None:
        send = sender_for(c)
        barrier.wait()
        try:
            start = first + c * workflows_each
            run_workflows(send, people(c), range(start, start + workflows_each), latencies[c])
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=client, args=(c,), name=f"client-{c}") for c in range(clients)]
    settle()
    for t in threads:
        t.start()
    before = spent() if spent else {}
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    used = {who: seconds - before[who] for who, seconds in spent().items()} if spent else {}
    if errors:
        raise errors[0]
    samples = [x for per in latencies for x in per]
    return Run(clients, len(samples), elapsed, samples, {who: ms(seconds / len(samples)) for who, seconds in used.items()})


def open_loop(url: str, tokens: dict[str, str], rate: float, commands: int, first: int) -> dict[str, Any]:
    """Commands due at a fixed rate, sent by a pool of connections whatever the answers; acts interleaved
    step by step, IN_FLIGHT at a time, so an act's next step falls due IN_FLIGHT commands after its last."""
    plan: list[tuple[int, int]] = []  # (act, step), in the order they fall due
    acts = 0
    while len(plan) < commands:
        wave = range(acts, acts + IN_FLIGHT)
        plan += [(a, step) for step in range(COMMANDS_PER_WORKFLOW) for a in wave]
        acts += IN_FLIGHT
    steps = {a: workflow(first + a) for a in range(acts)}
    act_ids: dict[int, str] = {}
    done = {a: [threading.Event() for _ in range(COMMANDS_PER_WORKFLOW)] for a in range(acts)}
    due: queue.Queue[tuple[float, int, int] | None] = queue.Queue()
    latencies: list[float] = []
    service: list[float] = []
    waited = [0]
    errors: list[BaseException] = []
    lock = threading.Lock()

    connections = [httpx.Client(base_url=url, timeout=60) for _ in range(2 * IN_FLIGHT)]
    for client in connections:  # connected before the clock starts
        client.get("/healthz").raise_for_status()

    def worker(client: httpx.Client) -> None:
        send = http_sender(client, tokens)
        while (item := due.get()) is not None:
            at, a, step = item
            try:
                if step and not done[a][step - 1].is_set():
                    with lock:
                        waited[0] += 1
                    done[a][step - 1].wait()
                person, name, args = steps[a][step]
                sent = time.perf_counter()
                answered = send(people(a % LEVELS[-1])[person], name, {"act_id": act_ids[a], **args} if step else args)
                finished = time.perf_counter()
                if not step:
                    act_ids[a] = answered
                with lock:
                    latencies.append(finished - at)
                    service.append(finished - sent)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                done[a][step].set()

    pool = [threading.Thread(target=worker, args=(client,), name=f"paced-{i}") for i, client in enumerate(connections)]
    settle()
    for t in pool:
        t.start()
    interval = 1 / rate
    started = time.perf_counter()
    for i, (a, step) in enumerate(plan[:commands]):
        at = started + i * interval
        pause = at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put((at, a, step))
    for _ in pool:
        due.put(None)
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    for client in connections:
        client.close()
    if errors:
        raise errors[0]
    return {"rate_asked": round(rate, 1), "rate_achieved": round(len(latencies) / elapsed, 1), "commands": len(latencies),
            "p50_ms": ms(pct(latencies, 50)), "p99_ms": ms(pct(latencies, 99)), "max_ms": ms(max(latencies)),
            "service_p50_ms": ms(pct(service, 50)), "service_p99_ms": ms(pct(service, 99)), "waited_for_previous_step": waited[0]}


# Where a request's time goes.

def timed(call: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def request_costs(server: ZwgkServer, settings: Settings, tokens: dict[str, str], actor: Actor, n: int) -> dict[str, float]:
    token = tokens[actor.id]
    with server.client(token) as http:
        for _ in range(20):
            http.get("/healthz")
            http.get("/api/v1/me")
        healthz = timed(lambda: http.get("/healthz").raise_for_status(), n)
        me = timed(lambda: http.get("/api/v1/me").raise_for_status(), n)
    s = open_services(settings)
    try:
        caller = Caller("bench", "127.0.0.1")
        parsed = IssuedToken.parse(token)
        assert parsed is not None
        for _ in range(20):
            actor_of_token(s, token, None, caller)
        sign_in = timed(lambda: actor_of_token(s, token, None, caller), n)
        credentials = timed(lambda: s.credentials.token(*parsed), n)
        account = timed(lambda: s.ledger.load(Account, account_id(actor.id)), n)
    finally:
        s.close()
    return {"healthz_p50_ms": ms(pct(healthz, 50)), "me_p50_ms": ms(pct(me, 50)),
            "sign_in_by_token_p50_ms": ms(pct(sign_in, 50)), "credentials_lookup_p50_ms": ms(pct(credentials, 50)),
            "account_load_p50_ms": ms(pct(account, 50))}


# Queries over many acts.

def published(i: int) -> bool:
    return i % 10 < 7


def bulk_acts(settings: Settings, n: int, units: int = 40) -> float:
    """n policies straight into the ledger, decided in hand and saved fifty to a transaction, across 40
    units: each reviewed, pre-reviewed and signed off (a D3 deadline each); seven in ten published (the D3
    deadline met, and a D9 deadline for the policy's interpretation opened)."""
    calendar = WorkingDayCalendar()
    s = open_services(settings)
    started = time.perf_counter()
    try:
        batch: list[DisclosureAct] = []
        for i in range(n):
            who = people(100 + i % units)
            act = DisclosureAct.draft(id=uuid4(), actor=who["officer"], occurred_at=None, title=f"基准测试文件第{i}号",
                                      attribute="proactive", kind="policy", doc_number=f"基测〔2026〕{i}号", doc_type="通知")
            for role in ("compiler", "issuer", "publisher"):
                act.sign_review(actor=who[role], occurred_at=None, sheet_role=role)
            act.pre_review(actor=who["pre_reviewer"], occurred_at=None, decision="approved")
            act.sign_off(actor=who["leader"], occurred_at=None, calendar=calendar)
            if published(i):
                act.publish(actor=who["officer"], occurred_at=None, calendar=calendar, channel="website")
            batch.append(act)
            if len(batch) == 50:
                s.ledger.save(*batch)
                batch = []
        if batch:
            s.ledger.save(*batch)
        return time.perf_counter() - started
    finally:
        s.close()


class RouteMissing(RuntimeError):
    pass


def probe(http: httpx.Client, route: str) -> None:
    answer = http.get(route, params={"limit": 1})
    if answer.status_code == 404 and answer.headers.get("content-type", "").startswith("application/problem+json") \
            and answer.json().get("code") == "UNKNOWN_ROUTE":
        raise RouteMissing(f"GET {route} answers 404 UNKNOWN_ROUTE: the service in this tree has no such route")
    if answer.status_code != 200:
        raise RuntimeError(f"GET {route}: HTTP {answer.status_code} {answer.text[:500]}")
    body = answer.json()
    if not isinstance(body, dict) or "items" not in body or "next_cursor" not in body:
        raise RuntimeError(f"GET {route} does not answer a page {{items, next_cursor}}: {answer.text[:300]}")


Fetch = Callable[[str | None], tuple[list[Any], str | None]]  # a page after a cursor: its rows and the next cursor


def http_fetch(http: httpx.Client, route: str) -> Fetch:
    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        answer = http.get(route, params={"limit": PAGE, **({"cursor": cursor} if cursor else {})})
        if answer.status_code != 200:
            raise RuntimeError(f"GET {route}: HTTP {answer.status_code} {answer.text[:500]}")
        body = answer.json()
        return body["items"], body["next_cursor"]

    return fetch


def pages(fetch: Fetch, what: str, expected: int, first_pages: int, walks: int) -> dict[str, Any]:
    """The first page asked `first_pages` times, then the whole list walked page by page `walks` times."""
    first = timed(lambda: fetch(None), first_pages)
    walking: list[float] = []
    for _ in range(walks):
        cursor: str | None = None
        rows = 0
        while True:
            started = time.perf_counter()
            items, cursor = fetch(cursor)
            walking.append(time.perf_counter() - started)
            rows += len(items)
            if not cursor:
                break
        if rows != expected:
            raise RuntimeError(f"{what}: walked {rows} rows, expected {expected}")
    return {"rows": expected, "page": PAGE, "first_page_p50_ms": ms(pct(first, 50)), "first_page_p99_ms": ms(pct(first, 99)),
            "pages_walked": len(walking), "walk_p50_ms": ms(pct(walking, 50)), "walk_p99_ms": ms(pct(walking, 99)),
            "walk_total_s": round(sum(walking) / walks, 2)}


ROUTES = {"register": "/api/v1/register", "deadlines": "/api/v1/deadlines"}


def local_fetch(s: Services, runner: Any, name: str) -> Fetch:
    """The same page from the application layer, as the route reads it, without HTTP, sign-in or JSON."""
    from zwgk.connectors import queries  # the query layer of the routes; read only once they are known to exist

    read = {"register": lambda cursor: queries.register_pages(s, runner, "", cursor),
            "deadlines": lambda cursor: queries.deadline_pages(s, runner, cursor=cursor)}[name]

    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        page = read(cursor or "").page(PAGE)
        return page.items, page.next_cursor

    return fetch


def caught_up(server: ZwgkServer, token: str, position: int) -> None:
    """Every worker's views at `position` (fresh connections reach both workers), untimed."""
    for _ in range(8 * WORKERS):
        with server.client(token) as http:
            for route in ROUTES.values():
                http.get(route, params={"limit": 1, "at_least": position}, timeout=600).raise_for_status()


def query_part(pg: PostgresServer, cwd: Path, size: dict[str, int]) -> dict[str, Any]:
    url = pg.create_database("zwgk_api_queries")
    settings = Settings(database_url=url, keystore_url=url)
    inspector = Actor("bench-inspector", "inspector", "基准测试区纪委监委")  # reads every unit's register and deadlines
    token = open_accounts(settings, [inspector])[inspector.id]
    rows = {"register": size["acts"], "deadlines": size["acts"] + sum(map(published, range(size["acts"])))}  # D3, D9
    result: dict[str, Any] = {"acts": size["acts"]}
    server = serve(settings, cwd)
    try:
        with server.client(token) as http:
            for route in ROUTES.values():
                probe(http, route)
        load = bulk_acts(settings, size["acts"])
        print(f"queries: {size['acts']:,} acts written in {load:.0f} s", flush=True)
        s = open_services(settings)
        position = s.ledger.recorder.max_notification_id() or 0
        started = time.perf_counter()
        caught_up(server, token, position)
        print(f"queries: views folded {position:,} events in {time.perf_counter() - started:.0f} s (untimed)", flush=True)
        with server.client(token) as http, views(settings, s) as runner:
            catch_up(s, runner)
            for name, route in ROUTES.items():
                local = pages(local_fetch(s, runner, name), name, rows[name], size["first_pages"], size["walks"])
                settle()
                f = pages(http_fetch(http, route), f"GET {route}", rows[name], size["first_pages"], size["walks"])
                result[name] = {**f, "in_process": local, "ratio_p50": round(local["first_page_p50_ms"] / f["first_page_p50_ms"], 2)}
                print(f"{name:9} {f['rows']:,} rows, {PAGE} a page | HTTP first page p50 {f['first_page_p50_ms']} ms, "
                      f"p99 {f['first_page_p99_ms']} ms | walking {f['pages_walked']} pages: p50 {f['walk_p50_ms']} ms, "
                      f"p99 {f['walk_p99_ms']} ms | in-process first page p50 {local['first_page_p50_ms']} ms, "
                      f"p99 {local['first_page_p99_ms']} ms, walking p50 {local['walk_p50_ms']} ms, p99 {local['walk_p99_ms']} ms",
                      flush=True)
        s.close()
    finally:
        server.stop()
    single = ZwgkServer.start(settings, cwd, workers=1)  # diagnostic: connections with TCP_NODELAY
    try:
        caught_up(single, token, position)
        with single.client(token) as http:
            for name, route in ROUTES.items():
                one = timed(lambda route=route: http_fetch(http, route)(None), size["first_pages"])
                result[name]["diagnostic_workers_1"] = {"first_page_p50_ms": ms(pct(one, 50)), "first_page_p99_ms": ms(pct(one, 99))}
                print(f"{name:9} diagnostic, zwgk serve --workers 1: first page p50 {ms(pct(one, 50))} ms, p99 {ms(pct(one, 99))} ms",
                      flush=True)
    finally:
        single.stop()
    return result


# Figures.

def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def serve(settings: Settings, cwd: Path) -> ZwgkServer:
    """`zwgk serve --workers 2` on a database whose tables exist already.

    Each worker process creates the tables it uses when it starts (`CREATE TABLE IF NOT EXISTS`, the
    event store's, the views', the credentials'...); two doing so at once on a fresh PostgreSQL database
    collide (`UniqueViolation` on `pg_type_typname_nsp_index`), the losing worker's startup fails and
    uvicorn stops the whole server, after the other has begun to answer. So they are created here first,
    by opening what a worker opens, once."""
    with Runtime.open(settings):
        pass
    return ZwgkServer.start(settings, cwd, workers=WORKERS)


def warm_workers(server: ZwgkServer, workers: int = WORKERS, tries: int = 40) -> None:
    """Each worker process builds every command's argument checker before the first concurrent commands.

    `connectors.commands.arguments` builds a command's pydantic checker on first use, reading the class's
    source for its field docstrings (`inspect.getsource` → `ast.parse`); two threads of a process doing so
    at once fail on Python 3.11 with `SystemError: AST constructor recursion depth mismatch`, which the
    service answers 500 (measured here: the first 16 concurrent clients of a fresh server). The OpenAPI
    document builds them all, on the event loop, one at a time: asked on fresh connections until each
    worker has answered it once (its first answer takes far longer than the cached ones)."""
    took: list[float] = []
    for _ in range(tries):
        with httpx.Client(base_url=server.url, timeout=120) as http:
            started = time.perf_counter()
            http.get("/openapi.json").raise_for_status()
            took.append(time.perf_counter() - started)
        if len(took) >= 8 and sum(t > 4 * min(took) for t in took) >= workers:
            return
    raise RuntimeError(f"could not reach each of the {workers} workers to warm them up: {[ms(t) for t in took]} ms")


def in_app(server: ZwgkServer, offset: int) -> list[float]:
    """The commands' times inside the service (its request log: from the middleware's start to the
    answer handed to uvicorn), for the requests logged after `offset`."""
    with server.log.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    return [entry["ms"] / 1000 for entry in (json.loads(line) for line in lines if line.startswith('{"request_id"'))
            if entry["route"].startswith("/api/v1/commands/")]


def http_levels(server: ZwgkServer, tokens: dict[str, str], size: dict[str, int], numbers: Iterator[int],
                baseline: dict[int, Run] | None, local: Services | None, pg: PostgresServer) -> tuple[list[dict[str, Any]], dict[int, Run]]:
    """Each level over HTTP, after the in-process run of the same level when `local` is given (else beside `baseline`)."""
    clients: dict[int, httpx.Client] = {}

    def http_for(c: int) -> Send:
        if c not in clients:
            clients[c] = httpx.Client(base_url=server.url, timeout=60)
        return http_sender(clients[c], tokens)

    try:
        closed_loop(LEVELS[-1], 1, http_for, next(numbers))  # warm-up, untimed: every person once, every connection open
        if local is not None:
            closed_loop(LEVELS[-1], 1, lambda c: in_process_sender(local), next(numbers))
        rows, runs = [], dict(baseline or {})
        for n in LEVELS:
            each = max(1, size["workflows"] // n)
            if local is not None:
                runs[n] = closed_loop(n, each, lambda c: in_process_sender(local), next(numbers), meter(pg, None))
            offset = server.log.stat().st_size
            http = closed_loop(n, each, http_for, next(numbers), meter(pg, server))
            inside = in_app(server, offset)
            inproc = runs[n]
            row = {"clients": n, "http": {**http.figures(), "in_service_p50_ms": ms(pct(inside, 50)),
                                          "in_service_p99_ms": ms(pct(inside, 99))},
                   "in_process": inproc.figures(), "ratio": round(http.rate / inproc.rate, 2)}
            rows.append(row)
            print(f"{n:2d} client{'s' if n > 1 else ' '} {http.commands:5d} commands | HTTP {http.rate:6.0f} cmd/s, "
                  f"p50 {row['http']['p50_ms']:6.2f} ms, p99 {row['http']['p99_ms']:6.2f} ms (in the service p50 "
                  f"{row['http']['in_service_p50_ms']:.2f} ms) | in-process {inproc.rate:6.0f} cmd/s, "
                  f"p50 {row['in_process']['p50_ms']:6.2f} ms, p99 {row['in_process']['p99_ms']:6.2f} ms | ratio {row['ratio']:.2f}x | "
                  f"CPU a command: HTTP {cpu_text(http.cpu_ms)}, in-process {cpu_text(inproc.cpu_ms)}", flush=True)
        return rows, runs
    finally:
        for client in clients.values():
            client.close()


def cpu_text(cpu_ms: dict[str, float]) -> str:
    return " + ".join(f"{who} {spent:.2f}" for who, spent in cpu_ms.items()) + f" = {sum(cpu_ms.values()):.2f} ms"


def command_part(pg: PostgresServer, cwd: Path, size: dict[str, int]) -> dict[str, Any]:
    http_url, local_url = pg.create_database("zwgk_api_http"), pg.create_database("zwgk_api_inproc")
    settings = Settings(database_url=http_url, keystore_url=http_url)  # both workers share the credentials
    actors = [a for c in range(LEVELS[-1]) for a in people(c).values()]
    tokens = open_accounts(settings, actors)
    # What a worker process holds (its audit-log keeper folds new events every few seconds, as each worker does).
    held = ExitStack()
    local = held.enter_context(Runtime.open(Settings(database_url=local_url, keystore_url=local_url))).services
    catalogue()  # every command's argument checker built in this process, as warm_workers does in the service's
    numbers = itertools.count(0, 10_000)
    server = serve(settings, cwd)
    try:
        warm_workers(server)
        print(f"zwgk serve --workers {WORKERS}:", flush=True)
        levels, baseline = http_levels(server, tokens, size, numbers, None, local, pg)
        best = max(levels, key=lambda r: r["http"]["commands_per_s"])
        paced = open_loop(server.url, tokens, best["http"]["commands_per_s"] / 2, size["paced"], next(numbers))
        print(f"open loop at half the best HTTP rate ({best['http']['commands_per_s']:.0f} cmd/s with {best['clients']} clients): "
              f"{paced['commands']} commands at {paced['rate_achieved']:.0f} cmd/s | p50 {paced['p50_ms']} ms, p99 {paced['p99_ms']} ms "
              f"(from when due; sent to answered p50 {paced['service_p50_ms']} ms, p99 {paced['service_p99_ms']} ms)", flush=True)
        costs = request_costs(server, settings, tokens, people(0)["officer"], size["probes"])
        print(f"a request: GET /healthz p50 {costs['healthz_p50_ms']} ms | GET /api/v1/me (signed in) p50 {costs['me_p50_ms']} ms | "
              f"in-process sign-in by token p50 {costs['sign_in_by_token_p50_ms']} ms = credentials look-up "
              f"{costs['credentials_lookup_p50_ms']} ms + account record load {costs['account_load_p50_ms']} ms + the rest", flush=True)
    finally:
        held.close()
        server.stop()
    # Diagnostic: the same over one worker process, whose connections keep TCP_NODELAY (see README).
    single = ZwgkServer.start(settings, cwd, workers=1)
    try:
        warm_workers(single, workers=1)
        print("diagnostic, zwgk serve --workers 1 (ratio to the in-process runs above):", flush=True)
        one, _ = http_levels(single, tokens, size, numbers, baseline, None, pg)
        with single.client() as http:
            for _ in range(20):
                http.get("/healthz")
            healthz = timed(lambda: http.get("/healthz").raise_for_status(), size["probes"])
        print(f"a request: GET /healthz p50 {ms(pct(healthz, 50))} ms", flush=True)
    finally:
        single.stop()
    return {"levels": levels, "best_http_clients": best["clients"], "paced_at_half_best": paced, "request_costs": costs,
            "diagnostic_workers_1": {"levels": one, "healthz_p50_ms": ms(pct(healthz, 50))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (1,000 acts for the queries)")
    parser.add_argument("--part", choices=("all", "commands", "queries"), default="all", help="run one part only")
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    started = time.perf_counter()
    figures: dict[str, Any] = {"bench": "api", "store": "PostgreSQL", "workers": WORKERS, "quick": args.quick}
    failed = None
    pg = PostgresServer.start()
    try:
        with tempfile.TemporaryDirectory(prefix="zwgk-bench-api-") as tmp:
            if args.part in ("all", "commands"):
                figures["commands"] = command_part(pg, Path(tmp), size)
            if args.part in ("all", "queries"):
                try:
                    figures["queries"] = query_part(pg, Path(tmp), size)
                except RouteMissing as error:
                    failed = f"queries not measured: {error}"
                    figures["queries"] = {"error": failed}
                    print(f"FAILED: {failed}", file=sys.stderr, flush=True)
    finally:
        pg.stop()
    figures["seconds"] = round(time.perf_counter() - started)
    commands, queries = figures.get("commands"), figures.get("queries")
    levels = {r["clients"]: r for r in commands["levels"]} if commands else {}
    figures["targets"] = {
        "ratio_at_4_clients_ge_0.7": levels[4]["ratio"] >= 0.7 if commands else None,
        "p99_at_half_rate_lt_100ms": commands["paced_at_half_best"]["p99_ms"] < 100 if commands else None,
        "page_p99_lt_50ms": None if not queries or "error" in queries else all(
            queries[q][k] < 50 for q in ("register", "deadlines") for k in ("first_page_p99_ms", "walk_p99_ms")),
    }
    print(json.dumps(figures, ensure_ascii=False))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()

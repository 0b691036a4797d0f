"""Ingest benchmark: commands per second for the disclosure workflow, against raw appends.

Each workflow is seven commands (draft → three review signatures → pre-review →
sign-off → publish), each its own transaction. The baselines are the eventsourcing
library alone, in the same run and on the same store: a bare aggregate saving the
same number of events one per transaction ("raw appends"), and the same but
reading the aggregate back from the repository before each append, as a command
does ("raw read+append"). Between them and the commands, zwgk's own events, decided
and sealed by the record kept in hand and saved one per transaction, without the
read a command makes ("own appends"): what zwgk's events cost to write, apart from
reading. The four run in turn, several rounds; rates are the best round's, ratios the
median of each round's own (both measured in the same round), and CPU time per command is
shown beside them. The last line is one JSON object with every figure and the peak memory.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import on_each_store  # noqa: E402
from zwgk.connectors.config import Settings  # noqa: E402
from zwgk.domain.actors import Actor  # noqa: E402
from zwgk.domain.calendar import WorkingDayCalendar  # noqa: E402
from zwgk.domain.disclosure import (  # noqa: E402
    Attribute,
    Channel,
    Decision,
    DisclosureAct,
    DraftDisclosure,
    Kind,
    PreReviewDisclosure,
    PublishDisclosure,
    SheetRole,
    SignOffDisclosure,
    SignReview,
)
from zwgk.domain.ledger import Ledger  # noqa: E402

UNIT = "基准测试区政府办公室"
OFFICER = Actor("officer", "officer", UNIT)
SIGNERS = [(role, Actor(f"s-{role}", "officer", UNIT)) for role in ("compiler", "issuer", "publisher")]
PRE_REVIEWER = Actor("pre", "pre_reviewer", "预审小组")
LEADER = Actor("leader", "leader", UNIT)
COMMANDS_PER_WORKFLOW = 7


class Note(Aggregate):
    """The baseline's aggregate: as little domain as an event can carry."""

    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Changed")
    def change(self, text: str) -> None:
        self.text = text


class Raw(Application):
    name = "raw"


def workflows(app: Ledger, n: int) -> None:
    for _ in range(n):
        act_id = uuid4()
        app.execute(DraftDisclosure(id=act_id, title="基准测试通知", attribute=Attribute.PROACTIVE, kind=Kind.POLICY), OFFICER)
        for role, signer in SIGNERS:
            app.execute(SignReview(act_id=act_id, sheet_role=SheetRole(role)), signer)
        app.execute(PreReviewDisclosure(act_id=act_id, decision=Decision.APPROVED), PRE_REVIEWER)
        app.execute(SignOffDisclosure(act_id=act_id), LEADER)
        app.execute(PublishDisclosure(act_id=act_id, channel=Channel.WEBSITE), OFFICER)


def own_appends(app: Ledger, n: int) -> None:
    calendar = WorkingDayCalendar()
    for _ in range(n):
        act = DisclosureAct.draft(id=uuid4(), actor=OFFICER, occurred_at=None, title="基准测试通知", attribute="proactive", kind="policy")
        app.save(act)
        for role, signer in SIGNERS:
            act.sign_review(actor=signer, occurred_at=None, sheet_role=role)
            app.save(act)
        act.pre_review(actor=PRE_REVIEWER, occurred_at=None, decision="approved")
        app.save(act)
        act.sign_off(actor=LEADER, occurred_at=None, calendar=calendar)
        app.save(act)
        act.publish(actor=OFFICER, occurred_at=None, calendar=calendar, channel="website")
        app.save(act)


def raw_appends(app: Raw, n: int) -> None:
    for _ in range(n):
        note = Note(text="draft")
        app.save(note)
        for i in range(COMMANDS_PER_WORKFLOW - 1):
            note.change(text=f"step {i}")
            app.save(note)


def raw_read_appends(app: Raw, n: int) -> None:
    for _ in range(n):
        note = Note(text="draft")
        app.save(note)
        for i in range(COMMANDS_PER_WORKFLOW - 1):
            note = app.repository.get(note.id)
            note.change(text=f"step {i}")
            app.save(note)


def measure(run, *args) -> tuple[float, float]:
    """Wall and CPU seconds of one run: the CPU time is what the code costs, the wall time adds the store's commits."""
    wall, cpu = time.perf_counter(), time.process_time()
    run(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench(label: str, settings: Settings, n: int, rounds: int, figures: dict[str, dict[str, float]]) -> None:
    env = settings.eventsourcing_env()
    zwgk, raw = Ledger(env), Raw(env)
    workflows(zwgk, 5)  # warm up both paths
    raw_appends(raw, 5)
    runs = {"zwgk": (workflows, zwgk), "own": (own_appends, zwgk), "raw": (raw_appends, raw), "read": (raw_read_appends, raw)}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for round_ in range(rounds):  # in turn, each first once: a machine shared with other work slows runs unevenly
        order = list(runs)[round_ % len(runs):] + list(runs)[:round_ % len(runs)]
        for name in order:
            times[name].append(measure(*runs[name], n))
    commands = n * COMMANDS_PER_WORKFLOW

    def rate(name: str) -> float:
        return commands / min(wall for wall, _ in times[name])

    def ratio(base: str, name: str) -> float:
        """The median over rounds of the round's ratio: both measured in the same round."""
        return statistics.median(b[0] / t[0] for b, t in zip(times[base], times[name], strict=True))

    def cpu_us(name: str) -> float:
        return min(cpu for _, cpu in times[name]) / commands * 1e6

    print(
        f"{label:10} {commands:6d} commands × {rounds} rounds | zwgk {rate('zwgk'):6.0f} cmd/s | "
        f"raw appends {rate('raw'):6.0f} ev/s, ratio {ratio('raw', 'zwgk'):4.2f}x | "
        f"raw read+append {rate('read'):6.0f} ev/s, ratio {ratio('read', 'zwgk'):4.2f}x | "
        f"own appends {rate('own'):6.0f} ev/s, ratio to raw appends {ratio('raw', 'own'):4.2f}x\n"
        f"{'':10} CPU per command: zwgk {cpu_us('zwgk'):.0f} µs, own appends {cpu_us('own'):.0f} µs, "
        f"raw append {cpu_us('raw'):.0f} µs, raw read+append {cpu_us('read'):.0f} µs", flush=True
    )
    figures[label] = {"commands_per_s": round(rate("zwgk")), "raw_appends_per_s": round(rate("raw")),
                      "ratio": round(ratio("raw", "zwgk"), 3), "raw_read_appends_per_s": round(rate("read")),
                      "ratio_to_read_appends": round(ratio("read", "zwgk"), 3), "own_appends_per_s": round(rate("own")),
                      "own_ratio": round(ratio("raw", "own"), 3),
                      **{f"cpu_us_{name}": round(cpu_us(name)) for name in runs}}
    zwgk.close()
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workflows", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, dict[str, float]] = {}
    on_each_store(lambda label, settings: bench(label, settings, args.workflows, args.rounds, figures))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    print(json.dumps({"bench": "ingest", "workflows": args.workflows, "rounds": args.rounds, **figures, "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()

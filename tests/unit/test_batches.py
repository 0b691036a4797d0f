"""A batch of commands decided in memory and recorded in one transaction (`zwgk apply --batch`): each command is
judged as it would be alone, a refused one leaves nothing in the batch, and the log holds the events in the
order they were decided."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from zwgk.domain.actors import Actor, Role
from zwgk.domain.announcements import Announcement, AnnouncementKind, PostAnnouncement, UpdateAnnouncement
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import DomainError
from zwgk.domain.ledger import Batch, BatchConflict, Ledger, RunAlone

OFFICE = Actor("qy-gsb", Role.OFFICER, "清原满族自治县人民政府")


@dataclass(frozen=True, kw_only=True)
class UpdateThenRefuse(Command):
    """Not registered (no name): records an update, then is refused, as a command that decides in two steps may be."""

    announcement_id: UUID

    def handle(self, ctx: Context) -> Outcome:
        announcement = ctx.ledger.load(Announcement, self.announcement_id)
        announcement.update(actor=ctx.actor, occurred_at=None, update="不应记录的更新")
        ctx.ledger.record(announcement)
        raise DomainError("REFUSED_AFTERWARDS", "测试：记录后被拒绝。", "refused after recording")


@dataclass(frozen=True, kw_only=True)
class ReadTheLog(Command):
    """Not registered: reads the log, which misses what a batch holds."""

    def handle(self, ctx: Context) -> list[Outcome]:
        list(ctx.ledger.ids_of(Announcement.Posted))
        return []


def in_batch(ledger: Ledger, batch: Batch, command: Command) -> list[Outcome]:
    with ledger.batched(batch):
        return ledger.execute(command, OFFICE)


def post(announcement_id: UUID) -> PostAnnouncement:
    return PostAnnouncement(id=announcement_id, kind=AnnouncementKind.EMERGENCY, title="浑河上游降雨", channel="media")


def updates(ledger: Ledger, announcement_id: UUID) -> list[str]:
    return [e.update for e in ledger.events_of_type(Announcement.Updated) if e.originator_id == announcement_id]


def test_a_later_command_sees_what_an_earlier_one_decided_and_a_refused_one_leaves_nothing():
    ledger, batch, first = Ledger(), Batch(), uuid4()
    in_batch(ledger, batch, post(first))
    in_batch(ledger, batch, UpdateAnnouncement(announcement_id=first, update="第 1 次更新"))
    with pytest.raises(DomainError, match="refused after recording"):
        in_batch(ledger, batch, UpdateThenRefuse(announcement_id=first))
    (outcome,) = in_batch(ledger, batch, UpdateAnnouncement(announcement_id=first, update="第 2 次更新"))
    assert (outcome.version, outcome.notification_id) == (3, 0)  # placed in the log once the batch is recorded
    assert ledger.recorder.max_notification_id() in (None, 0)

    placed = ledger.record_batch(batch)
    assert updates(ledger, first) == ["第 1 次更新", "第 2 次更新"]
    assert placed == {(first, 1): 1, (first, 2): 2, (first, 3): 3}
    assert len(batch) == 0


def test_the_log_holds_the_events_in_the_order_the_commands_decided_them():
    ledger, batch, first, second = Ledger(), Batch(), uuid4(), uuid4()
    for command in (post(first), post(second), UpdateAnnouncement(announcement_id=first, update="甲"),
                    UpdateAnnouncement(announcement_id=second, update="乙")):
        in_batch(ledger, batch, command)
    ledger.record_batch(batch)
    assert [(n.originator_id, n.originator_version) for n in ledger.notifications()] == \
           [(first, 1), (second, 1), (first, 2), (second, 2)]


def test_a_command_that_reads_the_log_cannot_be_held_and_leaves_nothing():
    ledger, batch, first = Ledger(), Batch(), uuid4()
    in_batch(ledger, batch, post(first))
    with pytest.raises(RunAlone):
        in_batch(ledger, batch, ReadTheLog())
    assert len(batch) == 1
    ledger.record_batch(batch)
    assert ledger.execute(ReadTheLog(), OFFICE) == []  # alone, it runs


def test_another_writer_first_on_a_record_of_the_batch_refuses_the_whole_batch_which_records_nothing():
    ledger, batch, first, second = Ledger(), Batch(), uuid4(), uuid4()
    ledger.execute(post(first), OFFICE)
    in_batch(ledger, batch, post(second))
    in_batch(ledger, batch, UpdateAnnouncement(announcement_id=first, update="批中的更新"))
    with pytest.raises(DomainError) as refused:
        in_batch(ledger, batch, post(second))  # held by the batch already: refused at once
    assert refused.value.code == "ALREADY_EXISTS"
    ledger.execute(UpdateAnnouncement(announcement_id=first, update="另一写入者的更新"), OFFICE)
    with pytest.raises(BatchConflict):
        ledger.record_batch(batch)
    assert [(n.originator_id, n.originator_version) for n in ledger.notifications()] == [(first, 1), (first, 2)]

"""Process policies: events that call for commands. Run by the projection runner, which saves
each policy's position after its commands; the commands are idempotent, so a crash between
a command and the saved position repeats nothing."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

from zwgk.domain.accountability import OpenCase, Origin, SubjectKind, Violation
from zwgk.domain.actors import SYSTEM
from zwgk.domain.assessment import Assessment
from zwgk.domain.errors import AlreadyExists
from zwgk.domain.ledger import Ledger
from zwgk.projections.events import ProjectedEvent, event_type
from zwgk.projections.projection import Policy

AWARD_ELIGIBILITY_LOST = event_type(Assessment.AwardEligibilityLost)


class AccountabilityForPersistentFailure(Policy):
    """E4: a unit still failing after rectification loses its award eligibility and an
    accountability case is opened against it, citing the event."""

    name = "policy_e4_accountability"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def react(self, event: ProjectedEvent) -> bool:
        if event.type != AWARD_ELIGIBILITY_LOST:
            return False
        r = event.record
        try:
            self.ledger.execute(OpenCase(
                id=uuid5(NAMESPACE_URL, f"zwgk:e4-case:{event.aggregate_id}"),
                subject_kind=SubjectKind.UNIT, subject_unit=r["unit"], violation=Violation.OTHER,
                origin=Origin.ASSESSMENT_FAILURE, evidence=[str(r["event_id"])],
                description=f"{r['period']} 考核不合格，整改后仍不合格（E4）",
            ), SYSTEM)
        except AlreadyExists:
            pass  # opened before a crash: once is enough
        return True

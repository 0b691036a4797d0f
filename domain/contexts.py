"""The bounded contexts: importing this module declares every record and every command of the domain."""

from __future__ import annotations

from zwgk.domain import (
    accountability,
    accounts,
    announcements,
    annual_reports,
    archival,
    assessment,
    catalogue,
    complaints,
    data_subjects,
    disclosure,
    emergencies,
    hearings,
    major_decisions,
    meetings,
    official_calendar,
    open_days,
    organs,
    requests,
)
from zwgk.domain.records import Record

MODULES = (accountability, accounts, announcements, annual_reports, archival, assessment, catalogue, complaints, data_subjects,
           disclosure, emergencies, hearings, major_decisions, meetings, official_calendar, open_days, organs, requests)


def records() -> list[type[Record]]:
    """Every class of record the contexts declare."""
    return [value for module in MODULES for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Record) and value.__module__ == module.__name__]


def keeping_deadlines() -> list[type[Record]]:
    """The records that keep deadlines in working days: those that say which of theirs are running."""
    return [record for record in records() if "_running_deadlines" in vars(record)]

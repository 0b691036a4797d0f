"""Wiring: the one place where settings become running applications."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from zwgk.connectors.config import Settings
from zwgk.domain.applications import (
    AuditApplication,
    CalendarApplication,
    CatalogueApplication,
    DisclosureApplication,
)
from zwgk.domain.commands import Services


def open_services(settings: Settings) -> Services:
    env = settings.eventsourcing_env()
    calendar = CalendarApplication(env)
    return Services(
        catalogue=CatalogueApplication(env),
        disclosure=DisclosureApplication(env, calendar=calendar.calendar),
        calendar=calendar,
        audit=AuditApplication(env),
    )


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    opened = open_services(settings or Settings.from_env())
    try:
        yield opened
    finally:
        opened.close()

"""Whose data a reader may read: the access table says, for the reader's role and the query, whether any
unit's or only the reader's own. Own-unit readers get their unit's rows; asking for another unit's is
refused (403), never answered with an empty list, and every refusal goes on the security log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn
from uuid import UUID

from fastapi import Request

from zwgk.connectors import queries
from zwgk.connectors.accounts import refused
from zwgk.connectors.api.identity import caller
from zwgk.connectors.api.problems import status_of
from zwgk.connectors.api.runtime import Runtime
from zwgk.domain.access import Scope, permit_query
from zwgk.domain.actors import Actor
from zwgk.domain.errors import DomainError


def _refuse(rt: Runtime, request: Request, actor: Actor, error: DomainError) -> NoReturn:
    refused(rt.services, actor, error, caller(request))
    raise error


@contextmanager
def refusals_logged(rt: Runtime, request: Request, actor: Actor) -> Iterator[None]:
    """A refusal for role or unit (403) raised inside goes on the security log, then on to the caller."""
    try:
        yield
    except DomainError as error:
        if status_of(error) == 403:
            _refuse(rt, request, actor, error)
        raise


def _not_responsible(actor: Actor, unit: str) -> DomainError:
    return DomainError("NOT_RESPONSIBLE_UNIT", f"只能查阅本单位（{actor.unit}）的数据，不能查阅{unit}的。",
                       f"{actor.role} {actor.id} of {actor.unit} may read their own unit's only, not {unit}'s")


def permitted(rt: Runtime, request: Request, actor: Actor, query: str) -> Scope:
    try:
        return permit_query(actor, query)
    except DomainError as error:
        _refuse(rt, request, actor, error)


def unit_for(rt: Runtime, request: Request, actor: Actor, query: str, unit: str = "") -> str:
    """The unit the query reads: as asked (every unit when none), or the reader's own."""
    if permitted(rt, request, actor, query) is Scope.ANY_UNIT:
        return unit
    if unit and unit != actor.unit:
        _refuse(rt, request, actor, _not_responsible(actor, unit))
    return actor.unit


def any_unit(rt: Runtime, request: Request, actor: Actor, query: str) -> None:
    """For a query across units that no unit's part can be cut from (the personal-data inventory)."""
    if permitted(rt, request, actor, query) is not Scope.ANY_UNIT:
        _refuse(rt, request, actor, DomainError(
            "NOT_RESPONSIBLE_UNIT", "此查询不按单位划分，只提供给可查阅各单位数据的角色。", f"{query} is for readers of every unit"))


def record_for(rt: Runtime, request: Request, actor: Actor, query: str, record_id: UUID, at_least: int = 0) -> None:
    """A record (its history, its past states) for a reader allowed it: own-unit readers only their unit's records."""
    if permitted(rt, request, actor, query) is Scope.ANY_UNIT:
        return
    unit = queries.record_unit(rt.services, rt.views, record_id, at_least)
    if unit is not None and unit != actor.unit:  # whose record it is stays untold
        _refuse(rt, request, actor, DomainError("NOT_RESPONSIBLE_UNIT", f"该记录不属于本单位（{actor.unit}），无权查阅。",
                                                f"record {record_id} is not of {actor.unit}"))

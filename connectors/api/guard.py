"""Access for the routes that are not commands: the access table's answer for a query, and every
refusal for role or unit on the security log, as the command routes do it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from zwgk.connectors.accounts import refused
from zwgk.connectors.api.identity import caller
from zwgk.connectors.api.problems import status_of
from zwgk.connectors.api.runtime import Runtime
from zwgk.domain.access import Scope, permit_query
from zwgk.domain.actors import Actor
from zwgk.domain.errors import DomainError


@contextmanager
def refusals_logged(rt: Runtime, request: Request, actor: Actor) -> Iterator[None]:
    """A refusal for role or unit (403) raised inside goes on the security log, then on to the caller."""
    try:
        yield
    except DomainError as error:
        if status_of(error) == 403:
            refused(rt.services, actor, error, caller(request))
        raise


def query_scope(rt: Runtime, request: Request, actor: Actor, name: str) -> Scope:
    """How far the actor may read with this query (own unit or any), or a logged refusal."""
    with refusals_logged(rt, request, actor):
        return permit_query(actor, name)

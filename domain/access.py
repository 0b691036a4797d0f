"""TEMPORARY placeholder until the access table lands (not committed)."""
from __future__ import annotations

from enum import StrEnum

from zwgk.domain.actors import Actor, Role
from zwgk.domain.errors import DomainError


class Scope(StrEnum):
    OWN_UNIT = "own_unit"
    ANY_UNIT = "any_unit"

COMMAND_ACCESS: dict[str, dict[Role, Scope]] = {}
QUERY_ACCESS: dict[str, dict[Role, Scope]] = {}

def permit_command(actor: Actor, name: str) -> Scope:
    if actor.role == Role.INSPECTOR and name == "draft_disclosure":
        raise DomainError("ROLE_NOT_PERMITTED", "无权", "not permitted")
    return Scope.OWN_UNIT if actor.role == Role.OFFICER else Scope.ANY_UNIT

def permit_query(actor: Actor, name: str) -> Scope:
    return Scope.ANY_UNIT

"""The access rules the query routes are tested against, for a `zwgk serve` process started with this
directory on its PYTHONPATH, while domain/access.py is still its placeholder (which lets everyone read
everything): officers and leaders read their own unit's register, deadlines and catalogue; integrators are
refused complaints and deadlines; everyone else, inspectors among them, any unit's. Inert once the real
access table is in: the tests then run against that."""

from __future__ import annotations

from zwgk.domain import access
from zwgk.domain.actors import Actor, Role
from zwgk.domain.errors import DomainError

OWN_UNIT = {Role.OFFICER: {"register", "deadlines", "catalogue"}, Role.LEADER: {"register", "deadlines", "catalogue"}}
REFUSED = {Role.INTEGRATOR: {"complaints", "deadlines"}}


def permit_query(actor: Actor, name: str) -> access.Scope:
    if name in REFUSED.get(actor.role, set()):
        raise DomainError("ROLE_NOT_PERMITTED", "当前角色无权进行此查询。", f"{actor.role} may not read {name}")
    return access.Scope.OWN_UNIT if name in OWN_UNIT.get(actor.role, set()) else access.Scope.ANY_UNIT


if (access.__doc__ or "").startswith("TEMPORARY placeholder"):
    access.permit_query = permit_query  # type: ignore[assignment]

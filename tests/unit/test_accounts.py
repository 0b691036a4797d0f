"""Accounts as records: who may manage them, and the separation of the three administrators (三员分立)."""

from __future__ import annotations

import pytest

from zwgk.domain.accounts import Account, account_id
from zwgk.domain.actors import SYSTEM, Actor, Role
from zwgk.domain.errors import DomainError

SECURITY = Actor("sec-1", Role.SECURITY_ADMIN, "县政务公开办")
OFFICER = Actor("edu-1", Role.OFFICER, "县教育局")


def opened(user_id: str = "edu-1", role: str = "officer", by: Actor = SECURITY) -> Account:
    return Account.open(id=account_id(user_id), actor=by, occurred_at=None, user_id=user_id, unit="县教育局", role=role)


def refused(code: str, call) -> None:
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code


def test_only_the_security_administrator_or_the_operator_manages_accounts():
    assert opened(by=SYSTEM).roles == {Role.OFFICER}
    refused("ROLE_NOT_PERMITTED", lambda: opened(by=OFFICER))
    refused("ROLE_NOT_PERMITTED", lambda: opened().grant(actor=OFFICER, occurred_at=None, role="leader"))
    admin = opened("sec-1", "security_admin", by=SYSTEM)
    refused("SELF_MANAGEMENT", lambda: admin.disable(actor=SECURITY, occurred_at=None, reason="自己停用自己"))


@pytest.mark.parametrize("admin", ["system_admin", "security_admin", "security_auditor"])
def test_an_administrator_role_is_held_alone(admin):
    account = opened(role=admin)
    for other in ("officer", "security_auditor" if admin != "security_auditor" else "system_admin"):
        refused("DUTIES_NOT_SEPARATED", lambda other=other: account.grant(actor=SECURITY, occurred_at=None, role=other))
    business = opened()
    refused("DUTIES_NOT_SEPARATED", lambda: business.grant(actor=SECURITY, occurred_at=None, role=admin))
    refused("ROLE_NOT_GRANTABLE", lambda: business.grant(actor=SECURITY, occurred_at=None, role="system"))


def test_the_actor_an_account_signs_in_as():
    account = opened()
    assert account.actor() == Actor("edu-1", Role.OFFICER, "县教育局")
    account.grant(actor=SECURITY, occurred_at=None, role="pre_reviewer")
    refused("ROLE_AMBIGUOUS", account.actor)
    assert account.actor(Role.PRE_REVIEWER).role is Role.PRE_REVIEWER
    refused("ROLE_NOT_PERMITTED", lambda: account.actor(Role.LEADER))
    account.disable(actor=SECURITY, occurred_at=None, reason="调离")
    refused("ACCOUNT_DISABLED", lambda: account.actor(Role.OFFICER))
    refused("ACCOUNT_DISABLED", lambda: account.issue_token(actor=SECURITY, occurred_at=None, token_id="t", expires_at=None))


def test_a_token_is_revoked_by_its_holder_or_the_security_administrator_and_only_once():
    account = opened()
    account.issue_token(actor=SECURITY, occurred_at=None, token_id="t1", expires_at=None)
    refused("ROLE_NOT_PERMITTED", lambda: account.revoke_token(actor=Actor("edu-2", Role.OFFICER, "县教育局"), occurred_at=None,
                                                               token_id="t1"))
    account.revoke_token(actor=OFFICER, occurred_at=None, token_id="t1")
    refused("TOKEN_UNKNOWN", lambda: account.revoke_token(actor=SECURITY, occurred_at=None, token_id="t1"))
    assert [type(e).__name__ for e in account.collect_events()] == ["Opened", "TokenIssued", "TokenRevoked"]

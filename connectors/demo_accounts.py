"""The demo's accounts, one a role, for trying the console after `make demo`: each opened once (an event of
its account's record, like any other), with a random password shown that once and never kept in clear; the
three administrators also get their second factor (TOTP), its otpauth URI shown that once too."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from zwgk.connectors import accounts
from zwgk.connectors.services import Services
from zwgk.domain.accounts import account_id
from zwgk.domain.actors import ADMINISTRATORS, Role

DEMO_UNIT = "达州市人民政府办公室"  # the demo's unit with an act still in review, deadlines and a case
OFFICE = "达州市政务公开办公室"
DEMO_ACCOUNTS = (
    ("demo-officer", Role.OFFICER, DEMO_UNIT),
    ("demo-leader", Role.LEADER, DEMO_UNIT),
    ("demo-pre-reviewer", Role.PRE_REVIEWER, OFFICE),
    ("demo-leading-group", Role.LEADING_GROUP_OFFICE, OFFICE),
    ("demo-government-office", Role.GOVERNMENT_OFFICE, "达州市人民政府"),
    ("demo-inspector", Role.INSPECTOR, "达州市纪委监委"),
    ("demo-archivist", Role.ARCHIVIST, "达州市档案馆"),
    ("demo-agency-head", Role.AGENCY_HEAD, "达州市档案馆"),
    ("demo-complaints", Role.COMPLAINTS_OFFICE, "达州市政务服务投诉中心"),
    ("demo-integrator", Role.INTEGRATOR, "达州市大数据中心"),
    ("demo-system-admin", Role.SYSTEM_ADMIN, OFFICE),
    ("demo-security-admin", Role.SECURITY_ADMIN, OFFICE),
    ("demo-security-auditor", Role.SECURITY_AUDITOR, OFFICE),
)


@dataclass(frozen=True)
class DemoAccount:
    user_id: str
    role: Role
    unit: str
    password: str
    otpauth_uri: str = ""  # the administrators' second factor


def open_demo_accounts(s: Services) -> list[DemoAccount]:
    """The accounts not opened yet by an earlier run, with their new credentials (to be shown once)."""
    opened = []
    for user_id, role, unit in DEMO_ACCOUNTS:
        if s.ledger.exists(account_id(user_id)):
            continue
        password = secrets.token_urlsafe(12)
        accounts.add_user(s, user_id, role.value, unit, password)
        uri = accounts.enrol_second_factor(s, user_id) if role in ADMINISTRATORS else ""
        opened.append(DemoAccount(user_id, role, unit, password, uri))
    return opened



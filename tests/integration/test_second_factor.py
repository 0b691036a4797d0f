"""The administrators' one-time codes (TOTP) are good once: the time-step a code was accepted for is kept in
the secrets database, and a code of that step or an earlier one is refused after it, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from tests.api import isolated
from zwgk.connectors import accounts
from zwgk.connectors.config import Settings
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import services as opened

NOW = datetime(2026, 11, 24, 9, 0, 10, tzinfo=UTC)


@pytest.fixture
def services(settings: Settings, tmp_path: Path) -> Iterator[Services]:
    with opened(isolated(settings, tmp_path)) as s:
        yield s


def _enrolled(services: Services) -> pyotp.TOTP:
    accounts.add_user(services, "sec-admin", "security_admin", "县政务公开办", "至少十二位的安全管理员的密码")
    return pyotp.TOTP(pyotp.parse_uri(accounts.enrol_second_factor(services, "sec-admin")).secret)


def test_a_code_is_accepted_once_and_no_earlier_code_after_it(services: Services):
    totp = _enrolled(services)
    code = totp.at(NOW)
    assert accounts.second_factor_ok(services, "sec-admin", code, NOW)
    assert not accounts.second_factor_ok(services, "sec-admin", code, NOW + timedelta(seconds=5))  # replayed within its window
    assert not accounts.second_factor_ok(services, "sec-admin", totp.at(NOW - timedelta(seconds=30)), NOW)  # an earlier step
    assert accounts.second_factor_ok(services, "sec-admin", totp.at(NOW + timedelta(seconds=30)), NOW + timedelta(seconds=30))


def test_a_new_enrolment_starts_the_count_afresh(services: Services):
    _enrolled(services)
    totp = pyotp.TOTP(pyotp.parse_uri(accounts.enrol_second_factor(services, "sec-admin")).secret)
    assert accounts.second_factor_ok(services, "sec-admin", totp.at(NOW + timedelta(seconds=30)), NOW + timedelta(seconds=30))
    again = pyotp.TOTP(pyotp.parse_uri(accounts.enrol_second_factor(services, "sec-admin")).secret)
    assert accounts.second_factor_ok(services, "sec-admin", again.at(NOW), NOW)

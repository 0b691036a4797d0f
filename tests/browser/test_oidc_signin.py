"""Signing in to the console through the OpenID provider (authorization code flow with PKCE), in the browser:
the provider's own sign-in page, then the console in the role and unit the provider's token names; zwgk's own
accounts still sign in beside it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.api import ZwgkServer, isolated
from tests.browser.harness import OFFICER_NAV, Console, Visitor
from tests.servers import OidcProvider
from zwgk.connectors.config import Settings

UNIT = "示范县教育局"


@pytest.fixture
def with_provider(sqlite_settings: Settings, oidc_provider: OidcProvider, tmp_path: Path) -> Iterator[Console]:
    settings = isolated(sqlite_settings, tmp_path, oidc_issuer=oidc_provider.issuer, oidc_audience=oidc_provider.audience,
                        oidc_client_id=oidc_provider.console_client_id)
    server = ZwgkServer.start(settings, tmp_path)
    yield Console(settings, server)
    server.stop()


def test_an_officer_signs_in_on_the_providers_page_and_works_in_the_role_it_names(
        with_provider: Console, oidc_provider: OidcProvider, chromium: Browser, axe: str):
    oidc_provider.add_person("zhang.san", "officer", UNIT)
    visitor = Visitor(chromium, axe, with_provider.server.url, "oidc-sign-in")
    try:
        page = visitor.goto("/signin?next=/workbench", "sign-in")
        page.get_by_role("link", name="通过统一身份认证登录").click()
        page.wait_for_url(re.compile(re.escape(oidc_provider.issuer)))  # the provider's page (not zwgk's: not checked by axe)
        page.locator("input[name=login]").fill("zhang.san")
        page.locator("input[name=password]").fill("any")
        page.locator("button[type=submit]").click()
        page.locator("button[type=submit]").click()  # the provider's consent
        page.wait_for_url(re.compile(r"/workbench$"))
        visitor.checked("workbench")
        expect(page.get_by_role("banner")).to_contain_text(f"zhang.san（政务公开专员，{UNIT}）")
        assert visitor.nav() == OFFICER_NAV
    finally:
        visitor.close()


def test_a_callback_without_its_state_signs_no_one_in(with_provider: Console, visitor_on_provider: Visitor):
    page = visitor_on_provider.goto("/signin/oidc/callback?code=forged&state=forged", "forged-callback")
    expect(page.get_by_role("alert")).to_have_text("统一身份认证未完成或已过期，请重新登录。")
    visitor_on_provider.goto("/workbench", "still-signed-out")
    expect(page).to_have_url(re.compile("/signin"))


@pytest.fixture
def visitor_on_provider(with_provider: Console, chromium: Browser, axe: str) -> Iterator[Visitor]:
    tab = Visitor(chromium, axe, with_provider.server.url, "oidc-forged-callback")
    yield tab
    tab.close()

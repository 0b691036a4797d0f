from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.api import ZwgkServer, isolated
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, Console, Visitor, axe_source
from zwgk.connectors.config import Settings


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe() -> str:
    return axe_source()


@pytest.fixture
def console(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Console]:
    settings = isolated(sqlite_settings, tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    yield Console(settings, server)
    server.stop()


@pytest.fixture
def visitor(chromium: Browser, axe: str, console: Console, request: pytest.FixtureRequest) -> Iterator[Visitor]:
    """A browser tab on the served console; its screenshots are named by the test."""
    tab = Visitor(chromium, axe, console.server.url, request.node.name.removeprefix("test_")[:60])
    yield tab
    tab.close()

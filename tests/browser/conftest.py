from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.api import ZwgkServer, isolated
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, Console, Visitor, axe_source


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
def store() -> str:
    """The store a console is served on: SQLite, unless a test runs `ON_BOTH_STORES`."""
    return "sqlite"


@pytest.fixture
def console(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    settings = isolated(request.getfixturevalue(f"{store}_settings"), tmp_path)
    server = ZwgkServer.start(settings, tmp_path)
    yield Console(settings, server)
    server.stop()


@pytest.fixture
def visitor(chromium: Browser, axe: str, console: Console, request: pytest.FixtureRequest) -> Iterator[Visitor]:
    """A browser tab on the served console; its screenshots are named by the test."""
    parameters = getattr(request.node, "callspec", None)
    name = request.node.originalname.removeprefix("test_")[:60] + (f"-{parameters.id}" if parameters else "")
    tab = Visitor(chromium, axe, console.server.url, name)
    yield tab
    tab.close()

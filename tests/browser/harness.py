"""The browser tests' tools: Debian's Chromium driven by Playwright, axe-core run in every page visited
(no serious or critical violation, GB/T 37668-2019 / WCAG 2.0 AA), a screenshot of every page under
var/screenshots/, and a real `zwgk serve` with an account per role."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.api import ZwgkServer
from tests.servers import node_project
from zwgk.connectors import accounts
from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services
from zwgk.domain.actors import ADMINISTRATORS, Actor, role_named

PROJECT = Path(__file__).parent
SCREENSHOTS = PROJECT.parents[1] / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
PASSWORD = "控制台测试用的足够长密码-2026"
# The main paths are also run on PostgreSQL (the event store, the views and the secrets in one database of
# the integration tests' server): `store` names the settings fixture the console is served with.
ON_BOTH_STORES = pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
OFFICER_NAV = ["工作台", "公开行为台账", "期限", "违规情况", "档案检索", "投诉", "公开事项清单", "考核", "年度报告", "全部操作"]


def axe_source() -> str:
    node_project(PROJECT, "axe-core")
    return (PROJECT / "node_modules" / "axe-core" / "axe.min.js").read_text()


@dataclass(frozen=True)
class Person:
    user_id: str
    role: str
    unit: str
    totp_secret: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, role_named(self.role), self.unit)


@dataclass
class Console:
    """A served zwgk with accounts, and a way to record what a test needs before the browser looks."""

    settings: Settings
    server: ZwgkServer
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, user_id: str, role: str, unit: str) -> Person:
        with services(self.settings) as s:
            accounts.add_user(s, user_id, role, unit, PASSWORD)
            secret = ""
            if role_named(role) in ADMINISTRATORS:
                secret = pyotp.parse_uri(accounts.enrol_second_factor(s, user_id)).secret
        self.people[user_id] = Person(user_id, role, unit, secret)
        return self.people[user_id]

    def record(self, by: Person, command: str, **args: Any) -> str:
        """A command as the person runs it (the access table applies); the id of the record it changed."""
        with services(self.settings) as s:
            (outcome, *_) = execute(s, {"command": command, "args": args}, by.actor)
        return str(outcome.aggregate_id)


class Visitor:
    """One person's browser tab: every page it reaches is checked with axe-core and photographed."""

    def __init__(self, browser: Browser, axe: str, base_url: str, name: str) -> None:
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.context.add_init_script(script=axe)  # by the DevTools protocol: the pages' strict CSP stays as served
        self.page: Page = self.context.new_page()
        self.name = name
        self.shots = 0
        self.csp_violations: list[str] = []
        self.page.on("console", lambda m: self.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)

    def goto(self, path: str, what: str) -> Page:
        self.page.goto(path)
        return self.checked(what)

    def checked(self, what: str) -> Page:
        """The page now shown: no serious or critical accessibility violation, nothing the CSP refused; photographed."""
        self.page.wait_for_load_state("load")
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{self.shots:02d}-{what}.png", full_page=True)
        results = self.page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        blocking = [{"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
                    for v in results["violations"] if v["impact"] in BLOCKING]
        assert not blocking, f"{what} ({self.page.url}): {json.dumps(blocking, ensure_ascii=False, indent=1)}"
        assert not self.csp_violations, self.csp_violations
        return self.page

    def sign_in(self, person: Person, back_to: str = "/") -> Page:
        self.goto(f"/signin?next={back_to}", "sign-in")
        self.page.get_by_label("人员编号").fill(person.user_id)
        self.page.get_by_label("密码").fill(PASSWORD)
        if person.totp_secret:
            self.page.get_by_label("动态验证码").fill(pyotp.TOTP(person.totp_secret).now())
        self.page.get_by_role("button", name="登录").click()
        return self.checked("signed-in")

    def sent(self, link: Locator, form: str, fields: dict[str, str], button: str, answer: str) -> Page:
        """A form reached by a link, its fields (by label) filled or chosen, sent by its button: both pages checked."""
        link.click()
        self.checked(form)
        for label, value in fields.items():
            control = self.page.get_by_label(label)
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
        self.page.get_by_role("button", name=button).click()
        return self.checked(answer)

    def sign_out(self) -> Page:
        self.page.get_by_role("button", name="退出登录").click()
        return self.checked("signed-out")

    def nav(self) -> list[str]:
        return [t.strip() for t in self.page.get_by_role("navigation", name="主导航").get_by_role("link").all_inner_texts()]

    def row(self, table_caption: str, text: str) -> list[str]:
        """The cells of the row of a table (named by its caption) that contains `text`."""
        row = self.page.get_by_role("table", name=re.compile(table_caption)).get_by_role("row").filter(has_text=text)
        return [c.strip() for c in row.first.get_by_role("cell").all_inner_texts()]

    def close(self) -> None:
        self.context.close()

"""The rules as code and as documentation: docs/rules.md and the `Rule` enumeration say the same."""

from __future__ import annotations

import re
from pathlib import Path

from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Regulation, Rule, RuleOutcome

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
RULE_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Z][0-9]{1,2}(?![0-9])")


def _rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]


def test_docs_list_every_rule_with_its_title_and_source_in_order():
    documented = [tuple(row[:3]) for row in _rows(DOC.read_text(encoding="utf-8")) if RULE_ID.fullmatch(row[0])]
    expected = [(rule.value, rule.title_zh, rule.source) for rule in Rule]
    assert documented == expected, "docs/rules.md rows should read:\n" + "\n".join(f"| {' | '.join(e)} |" for e in expected)


def test_docs_name_no_rule_the_code_does_not_know():
    assert set(RULE_ID.findall(DOC.read_text(encoding="utf-8"))) <= set(Rule)


def test_docs_name_every_regulation_and_the_repository_keeps_the_files_they_cite():
    rows = {row[0]: row for row in _rows(DOC.read_text(encoding="utf-8"))}
    for regulation in Regulation:
        assert rows[regulation.citation][1] == regulation.title_zh
        if regulation.file:
            assert regulation.file in rows[regulation.citation][2]
            assert (ROOT / regulation.file).is_file()


def test_a_rule_is_its_id_wherever_it_is_stored():
    assert Rule("D3") is Rule.D3 and Rule.D3 == "D3" and f"{Rule.D11}" == "D11"
    assert DomainError("X", "中", "en", Rule.A1).as_dict()["rule"] == "A1"
    assert [RuleOutcome.of(True), RuleOutcome.of(False)] == ["met", "breached"]

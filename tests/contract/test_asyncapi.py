"""The AsyncAPI document as integrators' tools read it: `@asyncapi/parser` (with the Avro schema parser, as
AsyncAPI's own tools register it) finds no error in it. The parser is an npm package of tests/asyncapi,
installed from its lock file on first use."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.servers import node_project
from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.config import Settings

PROJECT = Path(__file__).parents[1] / "asyncapi"


def parse(document: dict, directory: Path) -> tuple[int, dict]:
    """The parser's verdict (exit code) and its report on the document."""
    node = node_project(PROJECT, "@asyncapi/parser")
    path = directory / "asyncapi.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([node, str(PROJECT / "validate.mjs"), str(path)], capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("asyncapi")


def test_the_asyncapi_document_passes_the_asyncapi_parser_without_a_diagnostic(workdir: Path):
    code, report = parse(asyncapi_document(Settings(kafka_bootstrap_servers="kafka-1:9092,kafka-2:9092",
                                                    schema_registry_url="http://registry:8081")), workdir)
    assert code == 0 and report["parsed"] and report["version"] == "3.1.0"
    assert report["diagnostics"] == []  # no error, and no warning either (such as "use the latest version")


def test_the_parser_would_catch_a_broken_document(workdir: Path):
    """The check has teeth: an Avro payload naming a type it does not define is an error."""
    document = asyncapi_document(Settings(kafka_bootstrap_servers="kafka:9092"))
    message = document["components"]["messages"]["zwgk_public_disclosure_DisclosureActPublished"]
    message["payload"]["schema"]["fields"].append({"name": "undefined", "type": "zwgk.Nowhere"})
    code, report = parse(document, workdir)
    assert code == 1 and any(d["severity"] == 0 for d in report["diagnostics"]), report

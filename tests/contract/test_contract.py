"""The integrators' contract without a broker: schema files, evolution, framing, AsyncAPI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest
from eventsourcing.utils import get_topic
from fastavro.schema import load_schema

from zwgk.connectors.asyncapi import asyncapi_document
from zwgk.connectors.avro_codec import SINGLE_OBJECT, AvroCodec, FramingError, load_schemas
from zwgk.connectors.config import Settings
from zwgk.connectors.contract import EVENT_TYPES, PUBLIC, SCHEMA_DIR, render, schema_files, topics
from zwgk.projections.events import event_type

RELEASED = Path(__file__).parent.parent / "data" / "released_schemas"  # one directory per release, all kept: BACKWARD_TRANSITIVE
RELEASES = sorted(RELEASED.iterdir(), key=lambda p: int(p.name))


def test_schema_files_in_the_repo_are_the_event_classes():
    """`zwgk kafka schemas --write connectors/schemas` after changing an event; never hand-edit the files."""
    expected = {name: render(schema) for name, schema in schema_files().items()}
    actual = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.avsc")}
    assert actual == expected


def sample(schema: Any, named: dict[str, Any]) -> Any:
    """A datum for any schema: every field filled, so that resolution is fully exercised."""
    if isinstance(schema, str):
        if schema in named:
            return sample(named[schema], named)
        return {"string": "值", "long": 7, "int": 7, "boolean": True, "double": 1.5, "null": None}[schema]
    if isinstance(schema, list):
        return sample(next(s for s in schema if s != "null"), named)
    kind = schema["type"]
    if kind == "record":
        named[f"{schema.get('namespace', '')}.{schema['name']}".lstrip(".")] = schema
        return {f["name"]: sample(f["type"], named) for f in schema["fields"]}
    if kind == "array":
        return [sample(schema["items"], named)]
    if kind == "map":
        return {"D3": sample(schema["values"], named)}
    logical = schema.get("logicalType")
    if logical == "uuid":
        return "6f1c1f0e-7d42-4d2a-9a57-0e8b8f0d3c11"
    if logical == "timestamp-micros":
        return 1_700_000_000_000_000
    if logical == "date":
        return 19_000
    return sample(kind, named)


def named_types(directory: Path) -> dict[str, Any]:
    return {p.name.removesuffix(".avsc"): json.loads(p.read_text()) for p in directory.glob("zwgk.[A-Z]*.avsc")}


def can_read(writer_dir: Path, reader_dir: Path, name: str) -> bool:
    writer = load_schema(str(writer_dir / f"{name}.avsc"), _write_hint=False)
    reader = load_schema(str(reader_dir / f"{name}.avsc"), _write_hint=False)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer, sample(json.loads((writer_dir / f"{name}.avsc").read_text()), named_types(writer_dir)))
    buffer.seek(0)
    try:
        fastavro.schemaless_reader(buffer, writer, reader)
    except Exception:  # noqa: BLE001 - any resolution failure means incompatible
        return False
    return True


@pytest.mark.parametrize(("release", "name"), sorted(
    (release, p.name.removesuffix(".avsc")) for release in RELEASES for p in release.glob("zwgk.*.*.*.avsc")))
def test_every_current_schema_reads_what_every_release_wrote(release, name):
    """BACKWARD_TRANSITIVE: the current schemas read what any release wrote (frozen copies, one per release)."""
    assert (SCHEMA_DIR / f"{name}.avsc").exists(), f"{name} was released and may never disappear"
    assert can_read(release, SCHEMA_DIR, name)


def test_the_latest_release_is_the_current_contract():
    """Changing an event means releasing its schemas: copy connectors/schemas into a new release directory."""
    latest = {p.name: p.read_text(encoding="utf-8") for p in RELEASES[-1].glob("*.avsc")}
    assert latest == {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.avsc")}


def test_the_backward_check_catches_an_incompatible_change(tmp_path: Path):
    for path in RELEASES[0].glob("*.avsc"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    name = "zwgk.public.disclosure.DisclosureActPublished"
    schema = json.loads((tmp_path / f"{name}.avsc").read_text())
    schema["fields"].append({"name": "new_without_default", "type": "string"})
    (tmp_path / f"{name}.avsc").write_text(json.dumps(schema))
    assert not can_read(RELEASES[0], tmp_path, name)
    schema["fields"][-1]["default"] = ""
    (tmp_path / f"{name}.avsc").write_text(json.dumps(schema))
    assert can_read(RELEASES[0], tmp_path, name)


def test_topics_are_one_per_context_and_visibility():
    contexts = ["accountability", "accounts", "announcements", "archive", "assessment", "calendar", "catalogue", "complaints", "disclosure",
                "emergencies", "participation", "privacy", "requests"]
    public = ["announcements", "assessment", "calendar", "catalogue", "complaints", "disclosure", "emergencies", "participation",
              "requests"]
    assert topics() == sorted(
        [f"zwgk.internal.{c}.v1" for c in contexts] + [f"zwgk.public.{c}.v1" for c in public] + ["zwgk.public.checkpoints.v1"]
    )
    for et in EVENT_TYPES.values():
        assert et.public == (et.cls in PUBLIC)


def test_d7_public_schemas_have_no_person_and_no_withholding_reason():
    for name, schema in schema_files().items():
        if ".public." in name:
            fields = {f["name"] for f in schema["fields"]}
            assert not fields & {"actor", "prev_hash", "hash"}, name  # the hash chain stays internal
            if ".disclosure." in name:
                assert not fields & {"reason_basis", "signatures", "comment"}, name
            assert "zwgk.SealedValue" not in json.dumps(schema), name  # Q3: nothing personal, even sealed


def test_single_object_framing_and_unknown_fingerprints():
    codec = AvroCodec()
    record = sample(json.loads((SCHEMA_DIR / "zwgk.internal.disclosure.DisclosureActPublished.avsc").read_text()), named_types(SCHEMA_DIR))
    value = codec.encode("zwgk.internal.disclosure.DisclosureActPublished", record)
    assert value[:2] == SINGLE_OBJECT
    assert value[2:10] == load_schemas()["zwgk.internal.disclosure.DisclosureActPublished"].fingerprint
    name, decoded = codec.decode(value)
    assert name == "zwgk.internal.disclosure.DisclosureActPublished" and decoded["title"] == "值"
    with pytest.raises(FramingError):
        codec.decode(SINGLE_OBJECT + b"\x00" * 8 + value[10:])
    with pytest.raises(FramingError):
        codec.decode(b"{json}")


def test_asyncapi_document_describes_every_topic_and_message():
    document = asyncapi_document(Settings(kafka_bootstrap_servers="kafka-1:9092,kafka-2:9092",
                                          schema_registry_url="http://registry:8081"))
    assert document["asyncapi"] == "3.1.0"
    assert [(s["host"], s["protocol"]) for s in document["servers"].values()] == [("kafka-1:9092", "kafka"), ("kafka-2:9092", "kafka")]
    assert all(s["bindings"]["kafka"]["schemaRegistryUrl"] == "http://registry:8081" for s in document["servers"].values())
    assert "servers" not in asyncapi_document(Settings())  # none configured, none claimed
    assert sorted(c["address"] for c in document["channels"].values()) == topics()
    files = schema_files()
    for channel in document["channels"].values():
        for ref in channel["messages"].values():
            message = document["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]
            assert {"ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "content-type"} <= set(
                message["headers"]["required"])  # every message, checkpoints too
            if message["name"] != "Checkpoint":
                assert message["payload"]["schema"] == files[message["name"] + ".avsc"]
    json.dumps(document)


@pytest.fixture
def registry_url():
    """A minimal registry speaking the part of the Confluent REST API zwgk uses (no real
    registry can be installed here): subjects get ids, ids give schemas back."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    schemas: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["schema"]
            if text not in schemas:
                schemas.append(text)
            self._answer({"id": schemas.index(text) + 1})

        def do_GET(self) -> None:  # noqa: N802
            self._answer({"schema": schemas[int(self.path.rsplit("/", 1)[-1]) - 1]})

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_confluent_framing_when_a_schema_registry_is_configured(registry_url):
    from zwgk.connectors.avro_codec import CONFLUENT, SchemaRegistry

    name = "zwgk.public.disclosure.DisclosureActPublished"
    record = sample(json.loads((SCHEMA_DIR / f"{name}.avsc").read_text()), named_types(SCHEMA_DIR))
    value = AvroCodec(registry=SchemaRegistry(registry_url)).encode(name, record, subject="zwgk.public.disclosure.v1-value")
    assert value[:1] == CONFLUENT and int.from_bytes(value[1:5], "big") == 1
    # A fresh consumer knows only the registry, not the producer's cache.
    decoded_name, decoded = AvroCodec(registry=SchemaRegistry(registry_url)).decode(value)
    assert decoded_name == name and decoded["title"] == record["title"]


def test_the_integration_guide_lists_every_topic():
    guide = (Path(__file__).parents[2] / "docs" / "integration.md").read_text(encoding="utf-8")
    assert [t for t in topics() if f"`{t}`" not in guide] == []


def test_views_name_each_event_as_the_store_and_the_streams_do():
    """A view matches events by class: the name `event_type` gives is the end of the stored topic and of the ce_type."""
    for et in EVENT_TYPES.values():
        assert event_type(et.cls) == et.name == get_topic(et.cls).rsplit(":", 1)[-1] == ".".join(et.ce_type.split(".")[-2:])

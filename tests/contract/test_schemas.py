"""The schemas as integrators get them: each file parses alone in any Avro library, every message any
release wrote decodes by its fingerprint, and `zwgk kafka schemas` gives them with their fingerprints."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import avro.io
import avro.schema
import fastavro
import pytest
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from tests.cli import zwgk
from tests.contract.test_contract import RELEASES, named_types, sample
from zwgk.connectors.avro_codec import SINGLE_OBJECT, AvroCodec, fingerprint_table, load_schemas, load_superseded, write_schemas
from zwgk.connectors.contract import EVENT_TYPES, SCHEMA_DIR, SUPERSEDED, render, schema_files

FILES = sorted([*SCHEMA_DIR.glob("*.avsc"), *(SCHEMA_DIR / SUPERSEDED).glob("*.avsc")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SCHEMA_DIR).as_posix())
def test_each_schema_file_parses_alone_in_apache_avro_and_in_fastavro(path: Path):
    """No file names a type it does not define: each library parses it with nothing else loaded."""
    text = path.read_text(encoding="utf-8")
    parsed = avro.schema.parse(text)  # a fresh set of names on each call
    stem = path.name.removesuffix(".avsc")  # <full name>.avsc, or superseded/<full name>.<CRC-64-AVRO>.avsc
    assert parsed.type == "record" and parsed.fullname == (stem.rsplit(".", 1)[0] if path.parent.name == SUPERSEDED else stem)
    fast = fastavro.parse_schema(json.loads(text), named_schemas={}, _write_hint=False)
    assert to_parsing_canonical_form(fast) == to_parsing_canonical_form(load_schema(str(path), _write_hint=False))


def test_the_schema_directory_holds_message_schemas_only():
    """One file per event and visibility: the shared named types of releases up to 6 are written out inside them."""
    assert {p.name for p in SCHEMA_DIR.glob("*.avsc")} == set(schema_files())
    for path in SCHEMA_DIR.glob("*.avsc"):
        assert path.name.count(".") > 2, path.name


def test_the_fingerprint_table_gives_the_specifications_fingerprints():
    table = fingerprint_table()
    assert len(table) == len(FILES) and len({row["crc64_avro"] for row in table}) == len(table)
    for row in table:
        parsed = load_schema(str(SCHEMA_DIR / row["file"]), _write_hint=False)
        canonical = to_parsing_canonical_form(parsed)
        assert row["crc64_avro"] == fingerprint(canonical, "CRC-64-AVRO")  # the 8 bytes after C3 01, as hex
        assert row["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
        assert row["name"] == parsed["name"] and row["current"] == ("/" not in row["file"])
        assert row["topic"] == f"zwgk.{row['name'].split('.')[1]}.{row['name'].split('.')[2]}.v1"


def framed_with(release: Path, name: str) -> tuple[bytes, dict]:
    """A message as that release's relay wrote it: its schema, its fingerprint."""
    writer = load_schema(str(release / f"{name}.avsc"), _write_hint=False)
    datum = sample(json.loads((release / f"{name}.avsc").read_text()), named_types(release))
    body = io.BytesIO()
    fastavro.schemaless_writer(body, writer, datum)
    crc = bytes.fromhex(fingerprint(to_parsing_canonical_form(writer), "CRC-64-AVRO"))
    return SINGLE_OBJECT + crc + body.getvalue(), datum


def test_every_message_any_release_wrote_decodes_by_its_fingerprint():
    """Topics keep every message for ever: the writer schemas of older releases stay known (superseded/),
    and their messages are read as the current schema of their name."""
    codec = AvroCodec()
    current = load_schemas()
    checked = 0
    for release in RELEASES:
        for path in release.glob("zwgk.*.*.*.avsc"):
            name = path.name.removesuffix(".avsc")
            value, datum = framed_with(release, name)
            decoded_name, record = codec.decode(value)
            assert decoded_name == name
            assert set(record) == {f["name"] for f in current[name].parsed["fields"]}, f"{release.name}: {name}"
            assert record["event_id"] == datum["event_id"] or str(record["event_id"]) == datum["event_id"]
            checked += 1
    assert checked > 600


def test_apache_avro_finds_every_released_schema_through_the_fingerprint_table():
    """Apache `avro` for Python computes other fingerprints (its canonical form keeps {"type": "string"}):
    the published table is how it finds the writer schema, old or current."""
    by_fingerprint = {bytes.fromhex(row["crc64_avro"]): row for row in fingerprint_table()}
    current = {row["name"]: row["file"] for row in fingerprint_table() if row["current"]}
    for release in (RELEASES[0], RELEASES[-2], RELEASES[-1]):
        for path in release.glob("zwgk.public.*.avsc"):
            value, datum = framed_with(release, path.name.removesuffix(".avsc"))
            row = by_fingerprint[value[2:10]]
            writer = avro.schema.parse((SCHEMA_DIR / row["file"]).read_text(encoding="utf-8"))
            reader = avro.schema.parse((SCHEMA_DIR / current[row["name"]]).read_text(encoding="utf-8"))
            record = avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
            assert "hash" not in record and str(record["event_id"]) == datum["event_id"], path.name


def test_writing_the_schemas_keeps_each_replaced_one(tmp_path: Path):
    """`zwgk kafka schemas --write connectors/schemas` over release 6: the public schemas that changed are kept
    under superseded/ by fingerprint, the shared named-type files go, the rest is the classes' schemas."""
    for path in (RELEASES[-1].parent / "6").glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    write_schemas(tmp_path)
    assert {p.name for p in tmp_path.glob("*.avsc")} == set(schema_files())
    assert all((tmp_path / n).read_text(encoding="utf-8") == render(s) for n, s in schema_files().items())
    kept = {s.fingerprint for s in load_superseded(tmp_path)}
    assert kept == {s.fingerprint for s in load_superseded()}  # what release 7 superseded, and older ones copied
    replaced = {p.name.removesuffix(".avsc") for p in (RELEASES[-1].parent / "6").glob("zwgk.public.*.avsc")}
    assert {s.name for s in load_superseded(tmp_path)} >= replaced
    write_schemas(tmp_path)  # again: nothing new to keep
    assert {s.fingerprint for s in load_superseded(tmp_path)} == kept


def test_kafka_schemas_prints_and_writes_the_schemas_with_their_fingerprints(tmp_path: Path):
    listed = json.loads(zwgk("kafka", "schemas", cwd=tmp_path).stdout)
    assert [row["name"] for row in listed if row["current"]] == sorted(s.removesuffix(".avsc") for s in schema_files())
    for row in listed:
        assert row["schema"] == json.loads((SCHEMA_DIR / row["file"]).read_text(encoding="utf-8"))
        assert len(row["crc64_avro"]) == 16 and len(row["sha256"]) == 64
    table = json.loads(zwgk("kafka", "schemas", "--fingerprints", cwd=tmp_path).stdout)
    assert table == fingerprint_table() == [{k: v for k, v in row.items() if k != "schema"} for row in listed]

    written = zwgk("kafka", "schemas", "--write", "out", "--fingerprints", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    out = tmp_path / "out"
    assert json.loads((out / "fingerprints.json").read_text(encoding="utf-8")) == fingerprint_table()
    assert fingerprint_table(out) == fingerprint_table()
    assert {p.relative_to(out).as_posix() for p in out.rglob("*.avsc")} == {row["file"] for row in table}


def test_every_event_type_has_its_schemas_in_the_table():
    names = {row["name"] for row in fingerprint_table() if row["current"]}
    for et in EVENT_TYPES.values():
        assert et.avro_name("internal") in names
        assert (et.avro_name("public") in names) == et.public


def test_apache_avro_for_python_computes_other_fingerprints_as_the_guide_warns():
    """docs/integration.md tells users of Apache `avro` (pinned in the test extras) to use the table instead of its own
    fingerprints. If this fails, the library now computes the specification's canonical form: update the guide."""
    for row in fingerprint_table():
        parsed = avro.schema.parse((SCHEMA_DIR / row["file"]).read_text(encoding="utf-8"))
        assert parsed.fingerprint("CRC-64-AVRO").hex() != row["crc64_avro"], row["file"]
        assert '{"type":"string"}' in parsed.canonical_form  # where the specification writes "string"

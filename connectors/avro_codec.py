"""Avro framing of message values, and the schemas as zwgk publishes them.

Default: Avro single-object encoding — 0xC3 0x01, the writer schema's CRC-64-AVRO
fingerprint (8 bytes, little-endian), then the Avro binary body — so any Avro
library can find the schema in `connectors/schemas/` by fingerprint.
With a Confluent schema registry configured: 0x00, the 4-byte big-endian schema id
the registry gave the schema's subject, then the body.

Fingerprints are those of the specification's parsing canonical form (fastavro, Java); the
fingerprint table (`zwgk kafka schemas --fingerprints`) gives them for libraries whose canonical
form differs (Apache `avro` for Python). Messages written by older releases carry the
fingerprints of the schemas they were written with: those are kept under `schemas/superseded/`,
and a value written with one is read as the current schema of its name (Avro resolution).
"""

from __future__ import annotations

import io
import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import fastavro
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from zwgk.connectors.contract import EVENT_TYPES, SCHEMA_DIR, SUPERSEDED, render, schema_files

SINGLE_OBJECT = b"\xc3\x01"
CONFLUENT = b"\x00"


class FramingError(ValueError):
    pass


@dataclass(frozen=True)
class Schema:
    name: str  # Avro full name
    parsed: Any
    fingerprint: bytes  # CRC-64-AVRO, little-endian: the 8 bytes after C3 01 in a frame
    file: str = ""  # relative to the schema directory
    current: bool = True  # False: a superseded writer schema of an older release

    @property
    def canonical(self) -> str:
        return to_parsing_canonical_form(self.parsed)

    @property
    def sha256(self) -> str:
        """The specification's other fingerprint: SHA-256 of the parsing canonical form, hex."""
        return str(fingerprint(self.canonical, "SHA-256"))


def _load(path: Path, directory: Path) -> Schema:
    parsed: dict[str, Any] = load_schema(str(path), _write_hint=False)  # type: ignore[assignment]  # a record, in zwgk's files
    return Schema(parsed["name"], parsed, bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO")),
                  path.relative_to(directory).as_posix(), current=path.parent == directory)


def load_schemas(directory: Path = SCHEMA_DIR) -> dict[str, Schema]:
    """Every current record schema in the directory, by full name."""
    schemas = {}
    for path in sorted(directory.glob("*.avsc")):
        schema = _load(path, directory)
        if isinstance(schema.parsed, dict) and schema.parsed.get("type") == "record":
            schemas[schema.name] = schema
    return schemas


def load_superseded(directory: Path = SCHEMA_DIR) -> list[Schema]:
    """The writer schemas of older releases that later ones replaced (messages written with them stay on Kafka)."""
    return [_load(path, directory) for path in sorted((directory / SUPERSEDED).glob("*.avsc"))]


def topics_of(name: str) -> list[str]:
    """The topic a schema's messages are on (by its full name: zwgk.<visibility>.<context>.<Record><Event>)."""
    for et in EVENT_TYPES.values():
        for visibility in ("internal", "public"):
            if et.avro_name(visibility) == name:
                return [et.topic(visibility)]
    return []


def fingerprint_table(directory: Path = SCHEMA_DIR) -> list[dict[str, Any]]:
    """Every schema a zwgk message may have been written with: its full name, file, topic, whether it is
    the current one, and its CRC-64-AVRO (hex of the frame's 8 bytes) and SHA-256 fingerprints."""
    everything = [*load_schemas(directory).values(), *load_superseded(directory)]
    return [
        {"name": s.name, "file": s.file, "topic": (topics_of(s.name) or [""])[0], "current": s.current,
         "crc64_avro": s.fingerprint.hex(), "sha256": s.sha256}
        for s in sorted(everything, key=lambda s: (s.name, not s.current, s.file))
    ]


def _supersede(path: Path, directory: Path) -> Path:
    """Keep a schema file that is about to change, under superseded/, named by its fingerprint."""
    old = _load(path, directory)
    kept = directory / SUPERSEDED / f"{old.name}.{old.fingerprint.hex()}.avsc"
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(render(old.parsed), encoding="utf-8")  # fastavro's load wrote out the named types
    return kept


def _canonical(schema: dict[str, Any]) -> str:
    return str(to_parsing_canonical_form(fastavro.parse_schema(schema, _write_hint=False)))


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write the current schemas, generated from the event classes, and the superseded ones. A schema file
    already there whose schema changes is first kept under superseded/: messages written with it stay."""
    directory.mkdir(parents=True, exist_ok=True)
    current = schema_files()
    written = []
    there = sorted(directory.glob("*.avsc"))
    for path in there:
        if path.name.count(".") <= 2:
            continue  # a shared named type (zwgk.Actor…) of releases up to 6, not a message schema
        new = current.get(path.name)
        if new is None or _load(path, directory).canonical != _canonical(new):
            written.append(_supersede(path, directory))
    for path in there:
        if path.name not in current:
            path.unlink()
    for name, schema in current.items():
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    if directory.resolve() != SCHEMA_DIR.resolve():
        (directory / SUPERSEDED).mkdir(exist_ok=True)
        for source in sorted((SCHEMA_DIR / SUPERSEDED).glob("*.avsc")):
            written.append(Path(shutil.copy(source, directory / SUPERSEDED / source.name)))
    return written


class SchemaRegistry:
    """A Confluent-compatible schema registry, spoken to over its REST API."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.ids: dict[str, int] = {}
        self.by_id: dict[int, Schema] = {}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        )
        with urlopen(request, timeout=10) as response:  # noqa: S310 - configured registry URL
            return json.loads(response.read())

    def register(self, subject: str, schema: Schema) -> int:
        if subject not in self.ids:
            answer = self._call("POST", f"/subjects/{subject}/versions", {"schema": schema.canonical})
            self.ids[subject] = answer["id"]
            self.by_id[answer["id"]] = schema
        return self.ids[subject]

    def schema_text(self, schema_id: int) -> str:
        text: str = self._call("GET", f"/schemas/ids/{schema_id}")["schema"]
        return text


class AvroCodec:
    """Encodes records by schema name; decodes any framed value back to (name, record), a value written
    with a superseded schema as the current schema of its name."""

    def __init__(self, schemas: dict[str, Schema] | None = None, registry: SchemaRegistry | None = None,
                 superseded: list[Schema] | None = None) -> None:
        self.schemas = schemas if schemas is not None else load_schemas()
        if superseded is None:
            superseded = load_superseded() if schemas is None else []
        writers = [*superseded, *self.schemas.values()]
        self.by_fingerprint = {s.fingerprint: s for s in writers}
        self.by_canonical = {s.canonical: s for s in writers}
        self.registry = registry

    def encode(self, name: str, record: dict[str, Any], subject: str = "") -> bytes:
        schema = self.schemas[name]
        body = io.BytesIO()
        fastavro.schemaless_writer(body, schema.parsed, record)
        if self.registry:
            return CONFLUENT + struct.pack(">I", self.registry.register(subject or name, schema)) + body.getvalue()
        return SINGLE_OBJECT + schema.fingerprint + body.getvalue()

    def writer_schema(self, value: bytes) -> tuple[Schema, int]:
        """The schema a value was written with, and where its body starts."""
        if value[:2] == SINGLE_OBJECT:
            schema = self.by_fingerprint.get(value[2:10])
            if schema is None:
                raise FramingError(f"unknown schema fingerprint {value[2:10].hex()}")
            return schema, 10
        if value[:1] == CONFLUENT and self.registry:
            schema_id = struct.unpack(">I", value[1:5])[0]
            found = self.registry.by_id.get(schema_id)
            if found is None:
                found = self.by_canonical.get(self.registry.schema_text(schema_id))
                if found is None:
                    raise FramingError(f"registry schema {schema_id} is not one of zwgk's")
                self.registry.by_id[schema_id] = found
            return found, 5
        raise FramingError("value is neither Avro single-object nor Confluent framed")

    def decode(self, value: bytes, reader: str | None = None) -> tuple[str, dict[str, Any]]:
        """The writer schema's full name and the record, read as `reader` (by default the current
        schema of the writer's name: fields added since get their defaults, removed ones go)."""
        schema, start = self.writer_schema(value)
        target = self.schemas.get(reader or schema.name)
        reader_schema = target.parsed if target is not None and target is not schema else None
        record = fastavro.schemaless_reader(io.BytesIO(value[start:]), schema.parsed, reader_schema)
        if not isinstance(record, dict):
            raise FramingError(f"{schema.name} is not a record schema")
        return schema.name, record

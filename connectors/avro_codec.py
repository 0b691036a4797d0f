"""Avro framing of message values.

Default: Avro single-object encoding — 0xC3 0x01, the writer schema's CRC-64-AVRO
fingerprint (8 bytes, little-endian), then the Avro binary body — so any Avro
library can find the schema in `connectors/schemas/` by fingerprint.
With a Confluent schema registry configured: 0x00, the 4-byte big-endian schema id
the registry gave the schema's subject, then the body.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import fastavro
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from zwgk.connectors.contract import SCHEMA_DIR

SINGLE_OBJECT = b"\xc3\x01"
CONFLUENT = b"\x00"


class FramingError(ValueError):
    pass


@dataclass(frozen=True)
class Schema:
    name: str
    parsed: Any
    fingerprint: bytes  # CRC-64-AVRO, little-endian

    @property
    def canonical(self) -> str:
        return to_parsing_canonical_form(self.parsed)


def load_schemas(directory: Path = SCHEMA_DIR) -> dict[str, Schema]:
    """Every record schema in the directory, named types resolved from their own files."""
    schemas = {}
    for path in sorted(directory.glob("*.avsc")):
        name = path.name.removesuffix(".avsc")
        parsed = load_schema(str(path), _write_hint=False)
        if isinstance(parsed, dict) and parsed.get("type") == "record":
            pcf = to_parsing_canonical_form(parsed)
            schemas[name] = Schema(name, parsed, bytes.fromhex(fingerprint(pcf, "CRC-64-AVRO")))
    return schemas


class SchemaRegistry:
    """A Confluent-compatible schema registry, spoken to over its REST API."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.ids: dict[str, int] = {}
        self.by_id: dict[int, str] = {}

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
            self.by_id[answer["id"]] = schema.name
        return self.ids[subject]

    def schema_text(self, schema_id: int) -> str:
        text: str = self._call("GET", f"/schemas/ids/{schema_id}")["schema"]
        return text


class AvroCodec:
    """Encodes records by schema name; decodes any framed value back to (name, record)."""

    def __init__(self, schemas: dict[str, Schema] | None = None, registry: SchemaRegistry | None = None) -> None:
        self.schemas = schemas if schemas is not None else load_schemas()
        self.by_fingerprint = {s.fingerprint: s for s in self.schemas.values()}
        self.by_canonical = {s.canonical: s for s in self.schemas.values()}
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
            name = self.registry.by_id.get(schema_id)
            if name is None:
                schema = self.by_canonical.get(self.registry.schema_text(schema_id))
                if schema is None:
                    raise FramingError(f"registry schema {schema_id} is not one of zwgk's")
                self.registry.by_id[schema_id] = schema.name
                name = schema.name
            return self.schemas[name], 5
        raise FramingError("value is neither Avro single-object nor Confluent framed")

    def decode(self, value: bytes, reader: str | None = None) -> tuple[str, dict[str, Any]]:
        schema, start = self.writer_schema(value)
        reader_schema = self.schemas[reader].parsed if reader else None
        record = fastavro.schemaless_reader(io.BytesIO(value[start:]), schema.parsed, reader_schema)
        if not isinstance(record, dict):
            raise FramingError(f"{schema.name} is not a record schema")
        return schema.name, record

"""The AsyncAPI 3 document of zwgk's topics, generated from the contract and the schemas."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from zwgk.connectors.contract import CHECKPOINT_TOPIC, EVENT_TYPES, NAMED_TYPES, schema_files, topics

AVRO = "application/vnd.apache.avro+json;version=1.9.0"

HEADERS = {
    "type": "object",
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "event id; unique per event, the same on internal and public topics"},
        "ce_type": {"type": "string", "description": "e.g. zwgk.disclosure.DisclosureAct.Published"},
        "ce_source": {"type": "string", "description": "urn:zwgk:<log origin>"},
        "ce_time": {"type": "string", "format": "date-time", "description": "when the event was recorded"},
        "ce_subject": {"type": "string", "description": "aggregate id, also the message key"},
        "content-type": {"type": "string", "const": "application/avro"},
        "zwgk_schema": {"type": "string", "description": "Avro full name of the writer schema"},
        "zwgk_notification_id": {"type": "string", "description": "position in the ledger's single log (decimal)"},
    },
}

DESCRIPTION = """Every event of the zwgk ledger is published, in the ledger's order, on its context's
internal topic; events that are public by their nature also on the public topic. Keys are
aggregate ids, so each record's events keep their order within a partition. Values are Avro:
single-object encoding (0xC3 0x01 + CRC-64-AVRO fingerprint, little-endian) by default, Confluent
framing (0x00 + schema id) when a schema registry is configured. Delivery: every event exactly
once per topic from the relay; consumers that restart may see a message again and drop it by
event id. Retention is infinite: replay from the beginning rebuilds any read model."""


def asyncapi_document() -> dict[str, Any]:
    files = schema_files()
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics():
        channel_messages = {}
        if topic == CHECKPOINT_TOPIC:
            messages["Checkpoint"] = {
                "name": "Checkpoint",
                "contentType": "text/plain",
                "summary": "A signed checkpoint of the audit log (C2SP tlog-checkpoint, Ed25519); see docs/audit.md.",
                "payload": {"type": "string"},
            }
            channel_messages["Checkpoint"] = {"$ref": "#/components/messages/Checkpoint"}
        for et in EVENT_TYPES.values():
            for visibility in ("internal", "public"):
                if et.topic(visibility) != topic or (visibility == "public" and not et.public):
                    continue
                name = et.avro_name(visibility)
                key = name.replace(".", "_")
                messages[key] = {
                    "name": name,
                    "title": et.name,
                    "summary": et.doc,
                    "contentType": "application/avro",
                    "headers": HEADERS,
                    "payload": {"schemaFormat": AVRO, "schema": files[f"{name}.avsc"]},
                    "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}}},
                }
                channel_messages[key] = {"$ref": f"#/components/messages/{key}"}
        channel = topic.replace(".", "_")
        channels[channel] = {
            "address": topic,
            "messages": channel_messages,
            "bindings": {"kafka": {"topic": topic, "topicConfiguration": {"retention.ms": -1}}},
        }
        operations[f"receive_{channel}"] = {"action": "receive", "channel": {"$ref": f"#/channels/{channel}"}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "zwgk event streams 政务公开台账事件流", "version": version("zwgk"), "description": DESCRIPTION},
        "defaultContentType": "application/avro",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {name: {"schemaFormat": AVRO, "schema": schema} for name, schema in NAMED_TYPES.items()},
        },
    }

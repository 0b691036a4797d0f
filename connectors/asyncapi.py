"""The AsyncAPI 3.1 document of zwgk's topics, generated from the contract, the schemas and the settings
(the servers are the configured Kafka brokers)."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from zwgk.connectors.avro_codec import load_schemas
from zwgk.connectors.config import Settings
from zwgk.connectors.contract import CHECKPOINT_TOPIC, EVENT_TYPES, schema_files, topics
from zwgk.connectors.relay import CHECKPOINT_TYPE

ASYNCAPI_VERSION = "3.1.0"
AVRO = "application/vnd.apache.avro+json;version=1.9.0"
CHECKPOINT_CONTENT_TYPE = "text/plain; charset=utf-8"

CLOUDEVENTS = {
    "ce_specversion": {"type": "string", "const": "1.0"},
    "ce_id": {"type": "string", "description": "event id; unique per event, the same on internal and public topics"},
    "ce_type": {"type": "string", "description": "e.g. zwgk.disclosure.DisclosureAct.Published"},
    "ce_source": {"type": "string", "description": "urn:zwgk:<log origin>"},
    "ce_time": {"type": "string", "format": "date-time", "description": "when the event was recorded"},
    "ce_subject": {"type": "string", "description": "aggregate id, also the message key"},
}
HEADERS = {
    "type": "object",
    "required": [*CLOUDEVENTS, "content-type", "zwgk_schema", "zwgk_notification_id"],
    "properties": {
        **CLOUDEVENTS,
        "content-type": {"type": "string", "const": "application/avro"},
        "zwgk_schema": {"type": "string", "description": "Avro full name of the writer schema"},
        "zwgk_notification_id": {"type": "string", "description": "position in the ledger's single log (decimal)"},
    },
}
CHECKPOINT_HEADERS = {
    "type": "object",
    "required": [*CLOUDEVENTS, "content-type"],
    "properties": {
        **CLOUDEVENTS,
        "ce_id": {"type": "string", "description": "checkpoint-<tree size>"},
        "ce_type": {"type": "string", "const": CHECKPOINT_TYPE},
        "ce_time": {"type": "string", "format": "date-time", "description": "when the checkpoint was signed"},
        "ce_subject": {"type": "string", "description": "the tree size the checkpoint signs (decimal)"},
        "content-type": {"type": "string", "const": CHECKPOINT_CONTENT_TYPE},
    },
}

DESCRIPTION = """Every event of the zwgk ledger is published, in the ledger's order, on its context's
internal topic; events that are public by their nature also on the public topic. Keys are
aggregate ids, so each record's events keep their order within a partition. Values are Avro:
single-object encoding (0xC3 0x01 + CRC-64-AVRO fingerprint, little-endian) by default, Confluent
framing (0x00 + schema id) when a schema registry is configured; each message's `x-zwgk-fingerprints`
gives its schema's fingerprints (`zwgk kafka schemas --fingerprints` also lists those of older
releases). Headers follow the CloudEvents 1.0 Kafka binding (binary mode) on every topic.
Delivery: every event exactly once per topic from the relay; consumers that restart may see a
message again and drop it by ce_id. Retention is infinite: replay from the beginning rebuilds any
read model. See docs/integration.md."""


def servers(settings: Settings) -> dict[str, Any]:
    """One server per configured bootstrap broker, with the schema registry when there is one."""
    hosts = [h.strip() for h in settings.kafka_bootstrap_servers.split(",") if h.strip()]
    bindings = ({"bindings": {"kafka": {"schemaRegistryUrl": settings.schema_registry_url, "schemaRegistryVendor": "confluent"}}}
                if settings.schema_registry_url else {})
    return {
        f"kafka{i}" if len(hosts) > 1 else "kafka": {
            "host": host, "protocol": "kafka", "description": "a bootstrap broker (ZWGK_KAFKA_BOOTSTRAP_SERVERS)", **bindings,
        }
        for i, host in enumerate(hosts, start=1)
    }


def asyncapi_document(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or Settings()
    files = schema_files()
    fingerprints = load_schemas()
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics():
        channel_messages = {}
        if topic == CHECKPOINT_TOPIC:
            messages["Checkpoint"] = {
                "name": "Checkpoint",
                "title": "Audit log checkpoint",
                "contentType": CHECKPOINT_CONTENT_TYPE,
                "summary": "A signed checkpoint of the audit log (C2SP tlog-checkpoint, Ed25519); see docs/audit.md.",
                "headers": CHECKPOINT_HEADERS,
                "payload": {"type": "string"},
                "bindings": {"kafka": {"key": {"type": "string", "description": "the log origin"}}},
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
                    "x-zwgk-ce-type": et.ce_type,
                    "x-zwgk-fingerprints": {"crc64_avro": fingerprints[name].fingerprint.hex(), "sha256": fingerprints[name].sha256},
                }
                channel_messages[key] = {"$ref": f"#/components/messages/{key}"}
        channel = topic.replace(".", "_")
        channels[channel] = {
            "address": topic,
            "title": topic,
            "messages": channel_messages,
            "bindings": {"kafka": {"topic": topic, "topicConfiguration": {"retention.ms": -1, "retention.bytes": -1}}},
        }
        operations[f"receive_{channel}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{key}"} for key in channel_messages],
        }
    document: dict[str, Any] = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "zwgk event streams 政务公开台账事件流", "version": version("zwgk"), "description": DESCRIPTION},
        "defaultContentType": "application/avro",
    }
    if found := servers(settings):
        document["servers"] = found
    return {**document, "channels": channels, "operations": operations, "components": {"messages": messages}}

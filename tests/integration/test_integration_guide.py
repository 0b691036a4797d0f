"""The integrator's whole path, from docs/integration.md alone: its code blocks are extracted and run as
written — the shell steps (demo, topics, relay, schemas, AsyncAPI), the Python consumers with plain
kafka-python and Apache `avro`, and the Java decoder with Apache Avro for Java — against the suite's
broker; then every topic is read back and every header and field checked against the guide's tables."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import avro.io
import avro.schema
import fastavro
import pytest

from tests.contract.test_contract import named_types, sample
from tests.contract.test_schemas import framed_with
from tests.servers import node_project
from zwgk.connectors.config import Settings
from zwgk.connectors.contract import CHECKPOINT_TOPIC, EVENT_TYPES, SCHEMA_DIR, SUPERSEDED
from zwgk.connectors.demo import WITHHELD_ID, WITHHELD_TITLE
from zwgk.connectors.relay import CHECKPOINT_TYPE
from zwgk.connectors.wiring import open_services
from zwgk.domain.data_subjects import SubjectKind

pytestmark = pytest.mark.kafka
GUIDE = Path(__file__).parents[2] / "docs" / "integration.md"
ASYNCAPI_PROJECT = Path(__file__).parents[1] / "asyncapi"
JAVA_HELPERS = Path(__file__).parent / "java"
BLOCK = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.S | re.M)
# Debian's Apache Avro for Java (libavro-java, installed by `make system-packages`) and what it needs at run time.
AVRO_JARS = ["avro", "jackson-core-asl", "jackson-mapper-asl", "slf4j-api", "slf4j-nop", "commons-compress", "paranamer"]


def blocks() -> dict[str, tuple[str, str]]:
    """Every fenced block of the guide by its file name (```lang file=NAME): language and text."""
    found = {}
    for language, info, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        name = re.fullmatch(r"\s*file=(\S+)\s*", info)
        assert name, f"a {language or 'plain'} block of the guide names no file, so no test runs it:\n{body[:200]}"
        found[name.group(1)] = (language, body)
    return found


def table(heading: str, index: int = 0) -> list[list[str]]:
    """The rows of the index-th table under a heading of the guide, cells stripped."""
    section = GUIDE.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    tables = re.findall(r"((?:^\|.*\|\n)+)", section, re.M)
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in tables[index].splitlines()]
    return rows[2:]  # past the header and the rule


def code(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@dataclass
class Integrator:
    root: Path
    env: dict[str, str]
    bootstrap: str
    source: str
    log: str = ""  # what the guide's shell steps wrote on stderr

    def run(self, *command: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout)

    def ledger(self) -> list[tuple[int, object]]:
        """(position, event) of every event the demo recorded."""
        services = open_services(Settings(database_url=f"sqlite:///{self.root}/var/zwgk.sqlite3",
                                          keystore_url=f"sqlite:///{self.root}/var/keys.sqlite3"))
        try:
            return [(n.id, services.ledger.record_event(n)) for n in services.ledger.notifications()]
        finally:
            services.close()


@pytest.fixture(scope="module")
def integrator(kafka: str, tmp_path_factory: pytest.TempPathFactory) -> Integrator:
    """The guide's "Try it", as written, in an empty directory, against the suite's broker. Its own log
    origin tells its messages (ce_source) from any other test's on the same broker."""
    root = tmp_path_factory.mktemp("integrator")
    for name, (_, body) in blocks().items():
        (root / name).write_text(body, encoding="utf-8")
    origin = f"zwgk.test/{uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_KAFKA_BOOTSTRAP_SERVERS=kafka, ZWGK_LOG_ORIGIN=origin, PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    found = Integrator(root, env, kafka, f"urn:zwgk:{origin}")
    tried = found.run("bash", "-euo", "pipefail", "try-it.sh", timeout=300)
    assert tried.returncode == 0, tried.stderr[-3000:]
    found.log = tried.stderr
    return found


@pytest.fixture(scope="module")
def messages(integrator: Integrator) -> list:
    """Every message of every zwgk topic, read from the beginning with plain kafka-python: this run's."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=integrator.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=3000)
    consumer.subscribe(sorted(t for t in consumer.topics() if t.startswith("zwgk.")))
    read = list(consumer)
    consumer.close()
    assert all(dict(m.headers).get("ce_source") for m in read), "a message without CloudEvents headers"
    return [m for m in read if dict(m.headers)["ce_source"].decode() == integrator.source]


@pytest.fixture(scope="module")
def fingerprints(integrator: Integrator) -> dict[bytes, dict]:
    return {bytes.fromhex(row["crc64_avro"]): row for row in json.loads((integrator.root / "schemas" / "fingerprints.json").read_text())}


def expected_messages(integrator: Integrator) -> dict[tuple[str, str], int]:
    """(topic, event id) → ledger position of every message the relay owes."""
    owed = {}
    for position, event in integrator.ledger():
        event_type = EVENT_TYPES[type(event)]
        for visibility in ("internal", "public") if event_type.public else ("internal",):
            owed[(event_type.topic(visibility), str(event.event_id))] = position
    return owed


def test_every_block_of_the_guide_is_run_here():
    assert set(blocks()) == {"try-it.sh", "consume_everything.py", "stream.py", "ZwgkAvro.java", "ZwgkConsumer.java"}


def test_every_event_arrives_exactly_once_on_each_of_its_topics(integrator: Integrator, messages: list):
    events = [m for m in messages if m.topic != CHECKPOINT_TOPIC]
    arrived = Counter((m.topic, dict(m.headers)["ce_id"].decode()) for m in events)
    assert [pair for pair, count in arrived.items() if count > 1] == []
    owed = expected_messages(integrator)
    assert set(arrived) == set(owed)
    for m in events:
        assert int(dict(m.headers)["zwgk_notification_id"]) == owed[(m.topic, dict(m.headers)["ce_id"].decode())]
    (checkpoint,) = [m for m in messages if m.topic == CHECKPOINT_TOPIC]
    assert dict(checkpoint.headers)["ce_subject"].decode() == str(len(integrator.ledger()))


def test_every_message_carries_exactly_the_guides_headers(integrator: Integrator, messages: list):
    """CloudEvents Kafka binding (binary mode) on every topic, the checkpoints' included."""
    event_rows, checkpoint_rows = table("### Headers", 0), table("### Headers", 1)
    for m in messages:
        rows = checkpoint_rows if m.topic == CHECKPOINT_TOPIC else event_rows
        headers = {k: v.decode("utf-8") for k, v in m.headers}
        assert [k for k, _ in m.headers] == [code(row[0])[0] for row in rows], m.topic  # exactly these, in this order
        for row in rows:
            literal = code(row[1])
            if len(literal) == 1 and row[1] == f"`{literal[0]}`" and "<" not in literal[0]:
                assert headers[code(row[0])[0]] == literal[0]  # a value the guide gives literally
        assert headers["ce_source"] == integrator.source
        datetime.fromisoformat(headers["ce_time"])  # RFC 3339
        if m.topic == CHECKPOINT_TOPIC:
            assert headers["ce_type"] == CHECKPOINT_TYPE and headers["ce_id"] == f"checkpoint-{headers['ce_subject']}"
            assert m.value.decode("utf-8").splitlines()[1] == headers["ce_subject"] and m.key.decode() in integrator.source


def test_every_payload_has_exactly_the_guides_fields(messages: list, fingerprints: dict, integrator: Integrator):
    """Decoded with Apache `avro` by the published fingerprint table: the envelope of the guide's Fields table,
    then, on public topics, exactly the fields its Public messages table lists."""
    envelope = {visibility: [(code(row[0])[0], row[1].replace("`", "")) for row in table("### Fields") if row[column] == "✓"]
                for visibility, column in (("internal", 2), ("public", 3))}
    public = {code(row[0])[0]: (code(row[1])[0], code(row[2])) for row in table("### Public messages")}
    assert set(public) == {et.ce_type for et in EVENT_TYPES.values() if et.public}
    for m in messages:
        if m.topic == CHECKPOINT_TOPIC:
            continue
        headers = {k: v.decode("utf-8") for k, v in m.headers}
        row = fingerprints[m.value[2:10]]
        assert m.value[:2] == b"\xc3\x01" and row["current"] and row["name"] == headers["zwgk_schema"] and row["topic"] == m.topic
        text = (integrator.root / "schemas" / row["file"]).read_text(encoding="utf-8")
        record = avro.io.DatumReader(avro.schema.parse(text)).read(avro.io.BinaryDecoder(io.BytesIO(m.value[10:])))
        fields = json.loads(text)["fields"]
        assert list(record) == [f["name"] for f in fields]
        visibility = m.topic.split(".")[1]
        head = envelope[visibility]
        assert [(f["name"], describe(f["type"])) for f in fields[:len(head)]] == head
        if visibility == "public":
            assert public[headers["ce_type"]] == (m.topic, list(record)[len(head):]), headers["ce_type"]
            assert not set(record) & {"actor", "prev_hash", "hash"}
        assert str(record["event_id"]) == headers["ce_id"]
        assert str(record["aggregate_id"]) == headers["ce_subject"] == m.key.decode()
        assert record["recorded_at"] == datetime.fromisoformat(headers["ce_time"])
        assert EVENT_TYPES_BY_NAME[headers["zwgk_schema"]].ce_type == headers["ce_type"]


EVENT_TYPES_BY_NAME = {et.avro_name(v): et for et in EVENT_TYPES.values() for v in ("internal", "public")}


def describe(schema: object) -> str:
    """An Avro type as the guide's Fields table writes it."""
    if isinstance(schema, dict) and schema.get("type") == "record":
        return f"{schema['namespace']}.{schema['name']}: " + ", ".join(f["name"] for f in schema["fields"])
    if isinstance(schema, dict):
        return f"{schema['type']} ({schema['logicalType']})"
    return str(schema)


def test_the_public_topics_carry_no_personal_data_and_no_withheld_document(messages: list):
    """Byte for byte (Avro writes values, not field names: the fields are checked decoded, above)."""
    public = [m for m in messages if ".public." in m.topic]
    raw = b"".join(m.value + (m.key or b"") + b"".join(v for _, v in m.headers) for m in public)
    sealed = [f"{kind.value}-" for kind in SubjectKind]  # a sealed value names its data subject: <kind>-<id>
    for secret in (WITHHELD_TITLE, str(WITHHELD_ID), "达市府办密〔2009〕3号", "保守国家秘密法", "state_secret", "dazhou-officer",
                   "zy-officer", "示例投诉人甲", "示例联系电话", "示例申请人乙", "示例市民1", "示例听证代表甲", "示例报名人1", *sealed):
        assert secret.encode() not in raw, secret
    internal = b"".join(m.value for m in messages if ".internal." in m.topic)
    assert WITHHELD_TITLE.encode() in internal and all(s.encode() in internal for s in sealed)  # they were there to leak


def test_the_apache_avro_example_reads_every_message_of_every_topic(integrator: Integrator):
    ran = integrator.run(sys.executable, "consume_everything.py")
    assert ran.returncode == 0, ran.stderr[-3000:]
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    ours = [line for line in lines if line["headers"]["ce_source"] == integrator.source]
    assert {(line["topic"], line["headers"]["ce_id"]) for line in ours if line["topic"] != CHECKPOINT_TOPIC} == set(
        expected_messages(integrator))
    assert len(ours) == len(expected_messages(integrator)) + 1  # and the signed checkpoint
    published = [line["event"] for line in ours if line["headers"]["ce_type"] == "zwgk.disclosure.DisclosureAct.Published"
                 and line["topic"] == "zwgk.public.disclosure.v1"]
    assert {"资雁府办发〔2022〕6号", "资府办发〔2020〕31号"} <= {e["doc_number"] for e in published}
    assert all("hash" not in e and "actor" not in e and e["acting_unit"] for e in published)


def test_the_helper_example_prints_each_disclosure(integrator: Integrator):
    ran = integrator.run(sys.executable, "stream.py")
    assert ran.returncode == 0, ran.stderr[-3000:]
    published = {(str(event.originator_id), event.title, event.channel) for _, event in integrator.ledger()
                 if EVENT_TYPES[type(event)].ce_type == "zwgk.disclosure.DisclosureAct.Published"}
    printed = [line.split(" ", 2) for line in ran.stdout.splitlines()]  # type, record id, then title and channel
    assert published <= {(words[1], *words[2].rsplit(" ", 1)) for words in printed if words[0] == "zwgk.disclosure.DisclosureAct.Published"}
    assert any(words[0] == "zwgk.disclosure.DisclosureAct.Interpreted" for words in printed)  # the demo's third message kind


def avro_classpath() -> str:
    jars = [Path(f"/usr/share/java/{name}.jar") for name in AVRO_JARS]
    missing = [str(jar) for jar in jars if not jar.exists()]
    if missing or not shutil.which("javac"):
        raise RuntimeError(f"Apache Avro for Java or a JDK is missing ({missing or 'javac'}): run `make system-packages`")
    return ":".join(map(str, jars))


def test_the_java_example_decodes_every_message_and_every_older_schema(integrator: Integrator, messages: list, tmp_path: Path):
    """ZwgkAvro.java as written, compiled and run with Apache Avro for Java on every value of every event topic,
    and on a value written with each superseded schema (read as the current one). ZwgkConsumer.java needs
    the Kafka client for Java, which no package source of this machine has: it is parsed, not compiled."""
    classpath = avro_classpath()
    values = tmp_path / "values"
    values.mkdir()
    wanted = {}
    for i, m in enumerate(m for m in messages if m.topic != CHECKPOINT_TOPIC):
        (values / f"m{i:04}.bin").write_bytes(m.value)
        (values / f"m{i:04}.schema").write_bytes(dict(m.headers)["zwgk_schema"])
        wanted[f"m{i:04}"] = dict(m.headers)["ce_id"].decode()
    for i, path in enumerate(sorted((SCHEMA_DIR / SUPERSEDED).glob("*.avsc"))):
        name = path.name.rsplit(".", 2)[0]
        writer = json.loads(path.read_text(encoding="utf-8"))
        datum = sample(writer, named_types(SCHEMA_DIR))
        body = io.BytesIO()
        fastavro.schemaless_writer(body, fastavro.parse_schema(writer, _write_hint=False), datum)
        (values / f"s{i:04}.bin").write_bytes(b"\xc3\x01" + bytes.fromhex(path.name.rsplit(".", 2)[1]) + body.getvalue())
        (values / f"s{i:04}.schema").write_text(name, encoding="utf-8")
        wanted[f"s{i:04}"] = datum["event_id"]
    classes = tmp_path / "classes"
    compiled = subprocess.run(["javac", "-d", str(classes), "-cp", classpath, str(integrator.root / "ZwgkAvro.java"),
                               str(JAVA_HELPERS / "DecodeValues.java")], capture_output=True, text=True, timeout=180)
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run(["java", "-cp", f"{classes}:{classpath}", "DecodeValues", str(integrator.root / "schemas"), str(values)],
                         capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stderr[-3000:]
    decoded = {name: (event_id, fields.split(",")) for name, event_id, fields in (line.split(" ") for line in ran.stdout.splitlines())}
    assert {name: event_id for name, (event_id, _) in decoded.items()} == wanted
    assert all("hash" not in fields for name, (_, fields) in decoded.items() if name.startswith("s") and ".public." in
               (values / f"{name}.schema").read_text())  # an old public message, read as release 7's schema
    parsed = subprocess.run(["java", str(JAVA_HELPERS / "ParseOnly.java"), str(integrator.root / "ZwgkConsumer.java")],
                            capture_output=True, text=True, timeout=180)
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr


def test_the_guides_asyncapi_document_names_the_broker_and_passes_the_parser(integrator: Integrator):
    document = json.loads((integrator.root / "asyncapi.json").read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.1.0"
    assert [s["host"] for s in document["servers"].values()] == integrator.bootstrap.split(",")
    node = node_project(ASYNCAPI_PROJECT, "@asyncapi/parser")
    checked = subprocess.run([node, str(ASYNCAPI_PROJECT / "validate.mjs"), str(integrator.root / "asyncapi.json")],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and json.loads(checked.stdout)["diagnostics"] == [], checked.stdout + checked.stderr


def test_the_relay_logs_what_it_relayed_and_reports_it_caught_up(integrator: Integrator, messages: list):
    ledger = len(integrator.ledger())
    relayed = re.findall(r"relayed positions (\d+) to (\d+) \((\d+) events, (\d+) messages\); lag (\d+)", integrator.log)
    assert relayed == [("1", str(ledger), str(ledger), str(len(messages) - 1), "0")], integrator.log  # one batch: from, to
    assert f"relay starting at position 0; ledger at {ledger}" in integrator.log
    assert f"caught up at position {ledger}" in integrator.log
    status = integrator.run("zwgk", "kafka", "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    reported = json.loads(status.stdout)
    assert (reported["state"], reported["position"], reported["lag"], reported["healthy"]) == ("caught_up", ledger, 0, True)
    shown = integrator.run("zwgk", "kafka", "status")
    assert "已追平" in shown.stdout and "落后 0 个事件" in shown.stdout


def test_values_any_release_wrote_decode_with_the_examples_table(integrator: Integrator, fingerprints: dict):
    """The table the guide's example loads finds the writer schema of a message of any release."""
    for release in sorted((Path(__file__).parents[1] / "data" / "released_schemas").iterdir(), key=lambda p: int(p.name)):
        for path in release.glob("zwgk.public.*.avsc"):
            value, _ = framed_with(release, path.name.removesuffix(".avsc"))
            assert fingerprints[value[2:10]]["name"] == path.name.removesuffix(".avsc")

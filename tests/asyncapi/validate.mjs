// Parses an AsyncAPI document (the file given as the only argument) as an integrator's tooling would:
// @asyncapi/parser with the Avro schema parser registered. For AsyncAPI 3 documents the parser converts
// Avro payloads without validating them, so every Avro payload is also checked with the Avro schema
// parser's own validation (avsc), as the parser does for AsyncAPI 2. Prints the verdict and every
// diagnostic as one JSON object on stdout; exits 1 if any is an error (severity 0), 0 otherwise.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import { AvroSchemaParser } from "@asyncapi/avro-schema-parser";

const text = readFileSync(process.argv[2], "utf-8");
const avro = AvroSchemaParser();
const parser = new Parser();
parser.registerSchemaParser(avro);
const { document, diagnostics } = await parser.parse(text);
const found = diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path.join("/") }));

const messages = JSON.parse(text).components?.messages ?? {};
for (const [name, message] of Object.entries(messages)) {
  const payload = message.payload ?? {};
  if (!avro.getMimeTypes().includes(payload.schemaFormat)) continue;
  for (const problem of await avro.validate({ data: payload.schema, path: ["components", "messages", name, "payload", "schema"] })) {
    found.push({ severity: 0, code: "avro-schema", message: problem.message, path: problem.path.join("/") });
  }
}
process.stdout.write(JSON.stringify({ parsed: document !== undefined, version: document?.version(), diagnostics: found }) + "\n");
process.exit(document === undefined || found.some((d) => d.severity === 0) ? 1 : 0);

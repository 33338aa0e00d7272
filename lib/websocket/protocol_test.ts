import assert from "node:assert/strict";
import { count, int, Timestamp } from "../serialization/mod.ts";
import {
  encodeDataMessage,
  encodeServerMessage,
  ERROR_CONTEXT,
  exceedsBytes,
  isValidApplicationName,
  parseDataMessage,
  parseSubscriptions,
} from "./protocol.ts";
import { checkEventSignature } from "./signatures.ts";
import { loadCapture, pyDataMessage } from "../../tests/websocket/_helpers.ts";

const SIGS = { ping: ["string", "count"], pong: ["string", "count"] } as const;

Deno.test("encodeDataMessage() writes Zeek's pong frame byte for byte", async () => {
  const capture = await loadCapture();
  const exchange = capture.find((c) => c.case === "subscribe-ping-pong")!.exchange;
  const expected = (exchange[3] as { received: string }).received;
  assert.equal(
    encodeDataMessage("zeek.test.pong", { name: "pong", args: ["hi", count(42)] }),
    expected,
  );
});

Deno.test("encodeServerMessage() writes acks and errors as Zeek, keys in order", async () => {
  const capture = await loadCapture();
  const ack = (capture[0]!.exchange[2] as { received: string }).received;
  assert.equal(
    encodeServerMessage({
      type: "ack",
      endpoint: "zeromq_manager_vm_3058_NiGGHk4rO2YZuzmPk2-websocket-0",
      version: "8.2.2",
    }),
    ack,
  );
  const err = (capture[1]!.exchange[1] as { received: string }).received;
  assert.equal(
    encodeServerMessage({
      type: "error",
      code: "deserialization_failed",
      context: ERROR_CONTEXT.subscriptionsNotArray,
    }),
    err,
  );
});

Deno.test("encodeDataMessage() writes metadata only when present", () => {
  const meta = encodeDataMessage("t", {
    name: "e",
    args: [],
    metadata: [{ id: 1n, value: new Timestamp(1_500_000_000n) }],
  });
  assert.ok(meta.endsWith(
    '{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"count",' +
      '"data":1},{"@data-type":"timestamp","data":"1970-01-01T00:00:01.500"}]}]}]}]}',
  ));
  assert.ok(
    encodeDataMessage("t", { name: "e", args: [] }).endsWith(
      '{"@data-type":"string","data":"e"},{"@data-type":"vector","data":[]}]}]}',
    ),
  );
});

Deno.test("parseDataMessage() round-trips encodeDataMessage()", () => {
  const text = encodeDataMessage("zeek.x", { name: "hello", args: [int(-3), 1.5, "s"] });
  const msg = parseDataMessage(text);
  assert.equal(msg.type, "data-message");
  if (msg.type !== "data-message") return;
  assert.equal(msg.topic, "zeek.x");
  assert.deepEqual(msg.event, { name: "hello", args: [int(-3), 1.5, "s"] });
});

Deno.test("parseDataMessage() decodes the captured ping from wscap.py", async () => {
  const capture = await loadCapture();
  const sent = (capture[0]!.exchange[1] as { sent: string }).sent;
  const msg = parseDataMessage(sent, { signatures: SIGS });
  assert.deepEqual(msg, {
    type: "data-message",
    topic: "zeek.test.ping",
    event: { name: "ping", args: ["hi", count(41)] },
  });
});

Deno.test("parseDataMessage() accepts the docs' trailing empty metadata vector", () => {
  const text = '{"type":"data-message","topic":"t","@data-type":"vector","data":[' +
    '{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector",' +
    '"data":[{"@data-type":"string","data":"e"},{"@data-type":"vector","data":[]},' +
    '{"@data-type":"vector","data":[]}]}]}';
  const msg = parseDataMessage(text);
  assert.equal(msg.type, "data-message");
});

Deno.test("parseDataMessage() accepts reals written with a point or exponent only", () => {
  const frame = (lit: string) =>
    pyDataMessage("e", [{ "@data-type": "string", data: "x" }]).replace(
      '{"@data-type": "string", "data": "x"}',
      `{"@data-type":"real","data":${lit}}`,
    );
  assert.equal(parseDataMessage(frame("1.0")).type, "data-message");
  assert.equal(parseDataMessage(frame("2e3")).type, "data-message");
  assert.equal(parseDataMessage(frame("-0.5")).type, "data-message");
  const bad = parseDataMessage(frame("1"));
  assert.deepEqual(bad, {
    type: "error",
    code: "deserialization_failed",
    context: ERROR_CONTEXT.decodeFailed,
  });
});

Deno.test("parseSubscriptions() collapses duplicates and sorts", () => {
  assert.deepEqual(parseSubscriptions('["b", "a", "b", ""]'), {
    type: "subscriptions",
    topics: ["", "a", "b"],
  });
  assert.deepEqual(parseSubscriptions("[]"), { type: "subscriptions", topics: [] });
});

Deno.test("parseSubscriptions() enforces the topic count and length bounds", () => {
  const many = JSON.stringify(Array.from({ length: 11 }, (_, i) => `t${i}`));
  assert.equal(
    (parseSubscriptions(many, { maxTopics: 10 }) as { context: string }).context,
    ERROR_CONTEXT.tooManySubscriptions,
  );
  assert.equal(parseSubscriptions(many, { maxTopics: 11 }).type, "subscriptions");
  assert.equal(
    (parseSubscriptions(JSON.stringify(["x".repeat(9)]), { maxTopicBytes: 8 }) as {
      context: string;
    }).context,
    ERROR_CONTEXT.subscriptionTooLong,
  );
  // Bytes, not UTF-16 units: "€" is 3 bytes.
  assert.equal(parseSubscriptions(JSON.stringify(["€€€"]), { maxTopicBytes: 8 }).type, "error");
});

Deno.test("exceedsBytes() counts UTF-8 bytes", () => {
  assert.equal(exceedsBytes("abc", 3), false);
  assert.equal(exceedsBytes("abcd", 3), true);
  assert.equal(exceedsBytes("ü", 1), true);
  assert.equal(exceedsBytes("ü", 2), false);
});

Deno.test("isValidApplicationName() allows Zeek's character set only", () => {
  for (const ok of ["zeekctl/2.5.0-1", "a_b.c=d:e*f@g", "", "X"]) {
    assert.equal(isValidApplicationName(ok), true, ok);
  }
  for (const bad of ["has space", "ü", "a+b", "semi;colon", "tab\t", "quote'"]) {
    assert.equal(isValidApplicationName(bad), false, bad);
  }
});

Deno.test("checkEventSignature() reports unknown events, arity and types", () => {
  assert.equal(checkEventSignature({ name: "ping", args: ["a", count(1)] }, SIGS), undefined);
  assert.match(checkEventSignature({ name: "nope", args: [] }, SIGS)!, /lookup handler for 'nope'/);
  assert.match(checkEventSignature({ name: "ping", args: ["a"] }, SIGS)!, /got 1 arguments/);
  assert.match(checkEventSignature({ name: "ping", args: [count(1), count(2)] }, SIGS)!, /1/);
  assert.equal(
    checkEventSignature({ name: "p", args: [["a", "b"], null, 1.5] }, {
      p: ["pattern", "any", "double"],
    }),
    undefined,
  );
  assert.notEqual(checkEventSignature({ name: "toString", args: [] }, SIGS), undefined);
});

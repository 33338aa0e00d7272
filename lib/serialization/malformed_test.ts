import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import { fromHex, randomValue, Rng } from "./_test_values.ts";
import {
  addr,
  BROKER_BIN_V1,
  BROKER_JSON_V1,
  type BrokerValue,
  count,
  decodeBinV1,
  decodeEvent,
  decodeJsonV1,
  encodeBinV1,
  encodeEvent,
  encodeJsonV1,
  encodeJsonV1Bytes,
  port,
  set,
  subnet,
  table,
  time,
} from "./mod.ts";

/** Runs `fn` and passes if it returns or throws a SerializationError; anything else fails. */
function onlySerializationError(fn: () => unknown, context: string): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof SerializationError) return false;
    throw new Error(`${context}: threw ${String(e)}`, { cause: e });
  }
}

function assertSerializationError(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SerializationError, `got ${String(e)}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

const SAMPLES: BrokerValue[] = [
  [count(1), count(1), ["Cluster::hello", ["worker-1", "zeromq_worker-1_host"]]],
  table([[addr("10.0.0.1"), set([port(80), port(53, "udp")])], ["k", [1.5, null, true]]]),
  [subnet("2001:db8::/32"), time(1700000000.5), "ü€🦓", -0, [[[[]]]]],
];

Deno.test("decodeBinV1() rejects truncation at every byte offset", () => {
  for (const value of SAMPLES) {
    const bytes = encodeBinV1(value);
    for (let n = 0; n < bytes.length; n++) {
      assertSerializationError(() => decodeBinV1(bytes.subarray(0, n)));
    }
  }
});

Deno.test("decodeJsonV1() rejects truncation at every byte offset", () => {
  for (const value of SAMPLES) {
    const bytes = encodeJsonV1Bytes(value);
    for (let n = 0; n < bytes.length; n++) {
      assertSerializationError(() => decodeJsonV1(bytes.subarray(0, n)));
    }
  }
});

Deno.test("decodeBinV1() rejects unknown tags", () => {
  for (let tag = 0x0f; tag <= 0xff; tag++) {
    assertSerializationError(() => decodeBinV1(new Uint8Array([tag])), /unknown tag/);
    assertSerializationError(() => decodeBinV1(new Uint8Array([0x0e, 0x01, tag])), /unknown tag/);
  }
});

Deno.test("decodeBinV1() rejects huge declared lengths before allocating", () => {
  const huge = "ffffffff0f"; // varbyte 2^32-1
  for (const tag of ["05", "0b", "0c", "0d", "0e"]) {
    assertSerializationError(() => decodeBinV1(fromHex(`${tag}${huge}616263`)), /4294967295|need/);
  }
  assertSerializationError(() => decodeBinV1(fromHex("05ffffffffff01")), /longer than 5 bytes/);
  assertSerializationError(() => decodeBinV1(fromHex("0d020000")), /elements declared/);
});

Deno.test("decoders reject 10,000 nested vectors without a stack overflow", () => {
  const depth = 10_000;
  const bin = new Uint8Array(depth * 2 + 1);
  for (let i = 0; i < depth; i++) bin.set([0x0e, 0x01], i * 2);
  assertSerializationError(() => decodeBinV1(bin), /deeper than maxDepth/);
  assertSerializationError(() => decodeEvent(bin, BROKER_BIN_V1), /deeper than maxDepth/);

  const open = '{"@data-type":"vector","data":[';
  const json = `${open.repeat(depth)}${"]}".repeat(depth)}`;
  assertSerializationError(() => decodeJsonV1(json), /nesting deeper than the limit/);
  let parsed: unknown = { "@data-type": "none", data: {} };
  for (let i = 0; i < depth; i++) parsed = { "@data-type": "vector", data: [parsed] };
  assertSerializationError(() => decodeJsonV1(parsed), /deeper than maxDepth/);

  let nested: BrokerValue = null;
  for (let i = 0; i < depth; i++) nested = [nested];
  assertSerializationError(() => encodeBinV1(nested), /deeper than maxDepth/);
  assertSerializationError(() => encodeJsonV1(nested), /deeper than maxDepth/);
  assertSerializationError(() => encodeEvent({ name: "x", args: [nested] }, BROKER_BIN_V1));
});

Deno.test("maxDepth is configurable", () => {
  const v = [[[1]]];
  assert.doesNotThrow(() => decodeBinV1(encodeBinV1(v), { maxDepth: 3 }));
  assertSerializationError(() => decodeBinV1(encodeBinV1(v), { maxDepth: 2 }));
  assertSerializationError(() => encodeBinV1(v, { maxDepth: 2 }));
  assert.doesNotThrow(() => decodeJsonV1(encodeJsonV1(v), { maxDepth: 3 }));
  assertSerializationError(() => decodeJsonV1(encodeJsonV1(v), { maxDepth: 2 }));
});

Deno.test("decoders reject trailing bytes", () => {
  assertSerializationError(() => decodeBinV1(fromHex("000000")), /2 trailing bytes/);
  const event = encodeEvent({ name: "x", args: [] }, BROKER_BIN_V1);
  assertSerializationError(
    () => decodeEvent(new Uint8Array([...event, 0]), BROKER_BIN_V1),
    /trailing/,
  );
  assertSerializationError(() => decodeJsonV1('{"@data-type":"none","data":{}}{}'), /trailing/);
});

Deno.test("decodeBinV1() rejects port protocol 4 with a clear message", () => {
  assertSerializationError(() => decodeBinV1(fromHex("08005004")), /protocol 4 is not 0..3/);
});

Deno.test("decoders throw only SerializationError on 20,000 random buffers", () => {
  const rng = new Rng(7);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = rng.bytes(rng.int(40));
    if (rng.int(2) === 0 && bytes.length > 0) bytes[0] = rng.int(15); // mostly valid tags
    if (onlySerializationError(() => decodeBinV1(bytes), `bin #${i}`)) accepted++;
    onlySerializationError(() => decodeEvent(bytes, BROKER_BIN_V1), `event #${i}`);
    onlySerializationError(() => decodeJsonV1(bytes), `json #${i}`);
  }
  assert.ok(accepted > 0);
});

Deno.test("decoders throw only SerializationError on 20,000 mutated encodings", () => {
  const rng = new Rng(11);
  for (let i = 0; i < 20_000; i++) {
    const value = randomValue(rng, "bin", 3);
    const json = rng.int(2) === 0;
    const bytes = json ? encodeJsonV1Bytes(value) : encodeBinV1(value);
    for (let k = 0; k <= rng.int(3); k++) {
      if (bytes.length > 0) bytes[rng.int(bytes.length)] = rng.int(256);
    }
    const cut = bytes.subarray(0, bytes.length - rng.int(2));
    if (json) onlySerializationError(() => decodeJsonV1(cut), `json #${i}`);
    else onlySerializationError(() => decodeBinV1(cut), `bin #${i}`);
    onlySerializationError(() => decodeEvent(cut, json ? BROKER_JSON_V1 : BROKER_BIN_V1), `#${i}`);
  }
});

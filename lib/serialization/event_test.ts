import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import { fromHex, toHex } from "./_test_values.ts";
import {
  BinV1EventSerializer,
  BROKER_BIN_V1,
  BROKER_JSON_V1,
  count,
  createEventSerializer,
  decodeEvent,
  encodeBinV1,
  encodeEvent,
  EVENT_FORMATS,
  JsonV1EventSerializer,
  NETWORK_TIMESTAMP,
  networkTimestamp,
  time,
  valuesEqual,
  type ZeekEvent,
} from "./mod.ts";

const HELLO: ZeekEvent = {
  name: "Cluster::hello",
  args: ["worker-1", "zeromq_worker-1_host_4242_NrFj3eGxkRR5"],
};

const HELLO_HEX = `
0e 03 02 00 00 00 00 00 00 00 01 02 00 00 00 00
00 00 00 01 0e 02 05 0e 43 6c 75 73 74 65 72 3a
3a 68 65 6c 6c 6f 0e 02 05 08 77 6f 72 6b 65 72
2d 31 05 26 7a 65 72 6f 6d 71 5f 77 6f 72 6b 65
72 2d 31 5f 68 6f 73 74 5f 34 32 34 32 5f 4e 72
46 6a 33 65 47 78 6b 52 52 35`;

const HELLO_JSON =
  `{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Cluster::hello"},{"@data-type":"vector","data":[{"@data-type":"string","data":"worker-1"},{"@data-type":"string","data":"zeromq_worker-1_host_4242_NrFj3eGxkRR5"}]}]}]}`;

const TS_META = [{ id: NETWORK_TIMESTAMP, value: time(1700000000.5) }];

/** The 90-byte hello with inner count 3 and `tail` appended (spec §7 (i) variants). */
function helloVariant(tail: string): string {
  const hex = toHex(fromHex(HELLO_HEX));
  return `${hex.slice(0, 42)}03${hex.slice(44)}${tail.replaceAll(" ", "")}`;
}

Deno.test("encodeEvent() writes the spec §7 (i) 90-byte hello", () => {
  const bytes = encodeEvent(HELLO, BROKER_BIN_V1);
  assert.equal(bytes.length, 90);
  assert.equal(toHex(bytes), toHex(fromHex(HELLO_HEX)));
  assert.deepEqual(decodeEvent(bytes, BROKER_BIN_V1), HELLO);
});

Deno.test("encodeEvent() writes the 8.0.0 empty-metadata form on request", () => {
  const expected = helloVariant("0e 00");
  const bytes = encodeEvent(HELLO, BROKER_BIN_V1, { emptyMetadata: "empty-vector" });
  assert.equal(bytes.length, 92);
  assert.equal(toHex(bytes), expected);
  assert.deepEqual(decodeEvent(fromHex(expected), BROKER_BIN_V1), HELLO);
});

Deno.test("encodeEvent() writes the network timestamp form (7.x / add_network_timestamp)", () => {
  const expected = helloVariant(
    "0e 01 0e 02 02 00 00 00 00 00 00 00 01 09 17 97 9c fe 53 f7 65 00",
  );
  const event = { ...HELLO, metadata: TS_META };
  const bytes = encodeEvent(event, BROKER_BIN_V1);
  assert.equal(bytes.length, 112);
  assert.equal(toHex(bytes), expected);
  const decoded = decodeEvent(bytes, BROKER_BIN_V1);
  assert.equal(decoded.metadata?.length, 1);
  assert.equal(networkTimestamp(decoded)?.ns, 1700000000500000000n);
  assert.equal(networkTimestamp(HELLO), undefined);
});

Deno.test("encodeEvent() writes the spec §7 (ii) 324-byte JSON line and its variants", () => {
  const bytes = encodeEvent(HELLO, BROKER_JSON_V1);
  assert.equal(bytes.length, 324);
  assert.equal(new TextDecoder().decode(bytes), HELLO_JSON);
  assert.deepEqual(decodeEvent(bytes, BROKER_JSON_V1), HELLO);

  const argsEnd = HELLO_JSON.length - 4; // before the "]}]}" closing the inner and outer vectors
  const v800 = `${HELLO_JSON.slice(0, argsEnd)},{"@data-type":"vector","data":[]}${
    HELLO_JSON.slice(argsEnd)
  }`;
  const got800 = encodeEvent(HELLO, BROKER_JSON_V1, { emptyMetadata: "empty-vector" });
  assert.equal(new TextDecoder().decode(got800), v800);
  assert.deepEqual(decodeEvent(got800, BROKER_JSON_V1), HELLO);

  const ts =
    `{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"timestamp","data":"2023-11-14T22:13:20.500"}]}]}`;
  const vts = `${HELLO_JSON.slice(0, argsEnd)},${ts}${HELLO_JSON.slice(argsEnd)}`;
  const gotTs = encodeEvent({ ...HELLO, metadata: TS_META }, BROKER_JSON_V1);
  assert.equal(new TextDecoder().decode(gotTs), vts);
  assert.equal(networkTimestamp(decodeEvent(gotTs, BROKER_JSON_V1))?.ns, 1700000000500000000n);
});

Deno.test("encodeEvent() writes ZeroMQ::hello with only the name changed", () => {
  const bytes = encodeEvent({ ...HELLO, name: "Cluster::Backend::ZeroMQ::hello" }, BROKER_BIN_V1);
  assert.equal(toHex(bytes.subarray(22, 24)), "051f");
  assert.equal(bytes.length, 90 + 17);
});

Deno.test("decodeEvent() validates version, type and shape", () => {
  const bad = (value: Parameters<typeof encodeBinV1>[0], pattern: RegExp) =>
    assert.throws(() => decodeEvent(encodeBinV1(value), BROKER_BIN_V1), (e: unknown) => {
      assert.ok(e instanceof SerializationError);
      assert.match(e.message, pattern);
      return true;
    });
  bad([count(2), count(1), ["x", []]], /protocol version is 2, need count 1/);
  bad([count(1), count(3), ["x", []]], /message type is 3 \(log write\), need count 1/);
  bad([count(1), count(1)], /vector of 3 elements/);
  bad("hi", /vector of 3 elements/);
  bad([count(1), count(1), ["x"]], /2 or 3 elements/);
  bad([count(1), count(1), [count(1), []]], /name is not a UTF-8 string/);
  bad([count(1), count(1), ["x", "y"]], /arguments are not a vector/);
  bad([count(1), count(1), ["x", [], "m"]], /metadata is not a vector/);
  bad([count(1), count(1), ["x", [], [[1, 2]]]], /metadata entry/);
  bad([count(1), count(1), ["x", [], [[count(1), 2]]]], /not a timestamp/);
  assert.throws(() => decodeEvent(new Uint8Array(), "nope" as never), SerializationError);
});

Deno.test("decodeEvent() keeps unknown metadata ids", () => {
  const value = [count(1), count(1), ["x", [], [[count(200), "user"]]]];
  const ev = decodeEvent(encodeBinV1(value), BROKER_BIN_V1);
  assert.deepEqual(ev.metadata, [{ id: 200n, value: "user" }]);
  assert.equal(toHex(encodeEvent(ev, BROKER_BIN_V1)), toHex(encodeBinV1(value)));
});

Deno.test("encodeEvent() rejects invalid events", () => {
  assert.throws(() => encodeEvent({ name: "", args: [] }, BROKER_BIN_V1), SerializationError);
  assert.throws(
    () => encodeEvent({ name: "x", args: [], metadata: [{ id: 1n, value: 5 }] }, BROKER_BIN_V1),
    SerializationError,
  );
  assert.throws(
    () => encodeEvent({ name: "x", args: [], metadata: [{ id: -1n, value: 5 }] }, BROKER_JSON_V1),
    SerializationError,
  );
  assert.throws(() => encodeEvent(HELLO, "nope" as never), SerializationError);
});

Deno.test("EventSerializer implementations round-trip and reuse their buffer safely", () => {
  assert.deepEqual(EVENT_FORMATS, ["broker-bin-v1", "broker-json-v1"]);
  for (const s of [new BinV1EventSerializer(), new JsonV1EventSerializer()]) {
    const a = s.encode(HELLO);
    const b = s.encode({ name: "finish", args: ["manager"] });
    assert.deepEqual(s.decode(a), HELLO);
    assert.equal(s.decode(b).name, "finish");
    assert.equal(createEventSerializer(s.format).format, s.format);
  }
  assert.equal(new BinV1EventSerializer().encode(HELLO).length, 90);
  assert.equal(new JsonV1EventSerializer().encode(HELLO).length, 324);
  assert.throws(() => createEventSerializer("x" as never), SerializationError);
  const s = createEventSerializer(BROKER_BIN_V1, { emptyMetadata: "empty-vector" });
  assert.equal(s.encode(HELLO).length, 92);
  assert.ok(valuesEqual(s.decode(s.encode(HELLO)).args, HELLO.args));
});

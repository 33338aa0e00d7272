import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import {
  addr,
  type BrokerValue,
  ByteString,
  Count,
  count,
  decodeJsonV1,
  encodeJsonV1,
  encodeJsonV1Bytes,
  enumValue,
  Int,
  int,
  interval,
  port,
  set,
  subnet,
  table,
  Timespan,
  Timestamp,
  valuesEqual,
} from "./mod.ts";

const obj = (type: string, data: string) => `{"@data-type":"${type}","data":${data}}`;

Deno.test("encodeJsonV1() renders every type as spec §5.3 says", () => {
  const cases: [BrokerValue, string][] = [
    [null, obj("none", "{}")],
    [false, obj("boolean", "false")],
    [count(18446744073709551615n), obj("count", "18446744073709551615")],
    [int(-9223372036854775808n), obj("integer", "-9223372036854775808")],
    [1.5, obj("real", "1.500000")],
    [123456789.123456789, obj("real", "123456789.123457")],
    [-0, obj("real", "-0.000000")],
    [0.0078125, obj("real", "0.007812")],
    [3e21, obj("real", "3000000000000000000000.000000")],
    [addr("10.0.0.1"), obj("address", '"10.0.0.1"')],
    [addr("2001:db8:0:0:1:0:0:1"), obj("address", '"2001:db8::1:0:0:1"')],
    [subnet("10.0.0.0/8"), obj("subnet", '"10.0.0.0/8"')],
    [subnet("2001:db8::/32"), obj("subnet", '"2001:db8::/32"')],
    [port(80, "tcp"), obj("port", '"80/tcp"')],
    [port(53, "udp"), obj("port", '"53/udp"')],
    [port(8, "icmp"), obj("port", '"8/icmp"')],
    [port(0, "unknown"), obj("port", '"0/?"')],
    [Timestamp.fromSeconds(1700000000.5), obj("timestamp", '"2023-11-14T22:13:20.500"')],
    [new Timestamp(1700000000123999999n), obj("timestamp", '"2023-11-14T22:13:20.123"')],
    [new Timestamp(-1n), obj("timestamp", '"1969-12-31T23:59:59.999"')],
    [interval(1.5), obj("timespan", '"1500ms"')],
    [interval(2), obj("timespan", '"2s"')],
    [interval(0), obj("timespan", '"0s"')],
    [new Timespan(1500n), obj("timespan", '"1500ns"')],
    [new Timespan(-3000n), obj("timespan", '"-3us"')],
    [enumValue("Cluster::WORKER"), obj("enum-value", '"Cluster::WORKER"')],
    [set([]), obj("set", "[]")],
    [[], obj("vector", "[]")],
    [
      table([["k", count(1)]]),
      obj("table", `[{"key":${obj("string", '"k"')},"value":${obj("count", "1")}}]`),
    ],
  ];
  for (const [value, expected] of cases) assert.equal(encodeJsonV1(value), expected);
});

Deno.test("encodeJsonV1() escapes only the eight characters Broker escapes", () => {
  const s = 'q"b\\s\b\f\n\r\t\v\x01\x1f/ü\u2028';
  assert.equal(encodeJsonV1(s), obj("string", '"q\\"b\\\\s\\b\\f\\n\\r\\t\\v\x01\x1f/ü\u2028"'));
  assert.equal(decodeJsonV1(encodeJsonV1(s)), s);
});

Deno.test("encodeJsonV1Bytes() writes non-UTF-8 bytes raw and decodeJsonV1() reads them back", () => {
  const raw = new ByteString(new Uint8Array([0x61, 0xff, 0x0a, 0xfe]));
  const bytes = encodeJsonV1Bytes(raw);
  const text = new TextEncoder().encode('{"@data-type":"string","data":"a');
  assert.deepEqual(bytes.subarray(0, text.length), text);
  assert.deepEqual(Array.from(bytes.subarray(text.length, text.length + 4)), [
    0xff,
    0x5c,
    0x6e,
    0xfe,
  ]);
  const back = decodeJsonV1(bytes);
  assert.ok(back instanceof ByteString);
  assert.deepEqual(back.bytes, raw.bytes);
});

Deno.test("encodeJsonV1() writes non-finite reals as printf does and reads them back", () => {
  assert.equal(encodeJsonV1([NaN, Infinity, -Infinity]).includes('"data":nan}'), true);
  const back = decodeJsonV1(encodeJsonV1([NaN, Infinity, -Infinity])) as number[];
  assert.ok(Number.isNaN(back[0]));
  assert.equal(back[1], Infinity);
  assert.equal(back[2], -Infinity);
  assert.ok(Number.isNaN(decodeJsonV1(obj("real", "-nan"))));
});

Deno.test("encodeJsonV1() puts leading fields before @data-type", () => {
  assert.equal(
    encodeJsonV1(true, { fields: { type: "data-message", topic: 'a"b' } }),
    '{"type":"data-message","topic":"a\\"b","@data-type":"boolean","data":true}',
  );
});

Deno.test("decodeJsonV1() keeps 64-bit integers exact from text", () => {
  assert.equal((decodeJsonV1(obj("count", "18446744073709551615")) as Count).value, 2n ** 64n - 1n);
  assert.equal((decodeJsonV1(obj("integer", "-9223372036854775808")) as Int).value, -(2n ** 63n));
  assert.equal((decodeJsonV1({ "@data-type": "count", data: 42 }) as Count).value, 42n);
  assert.equal((decodeJsonV1({ "@data-type": "integer", data: -7n }) as Int).value, -7n);
});

Deno.test("decodeJsonV1() is lenient where CAF is", () => {
  assert.equal(String(decodeJsonV1(obj("port", "80"))), "80/tcp");
  assert.equal(String(decodeJsonV1(obj("port", '"443"'))), "443/tcp");
  assert.equal(String(decodeJsonV1(obj("port", '"0/?"'))), "0/unknown");
  assert.equal(decodeJsonV1(obj("real", "1")), 1);
  assert.equal(decodeJsonV1(obj("real", "2.5e3")), 2500);
  const ts = (t: string) => (decodeJsonV1(obj("timestamp", `"${t}"`)) as Timestamp).ns;
  assert.equal(ts("2023-11-14T22:13:20.500"), 1700000000500000000n);
  assert.equal(ts("2023-11-14T22:13:20.5Z"), 1700000000500000000n);
  assert.equal(ts("2023-11-14T23:13:20.500+01:00"), 1700000000500000000n);
  assert.equal(ts("2023-11-14T21:13:20.500-0100"), 1700000000500000000n);
  assert.equal(ts("2023-11-14T22:13:20"), 1700000000000000000n);
  assert.equal(ts("2023-11-14T22:13:20.123456789"), 1700000000123456789n);
  const span = (t: string) => (decodeJsonV1(obj("timespan", `"${t}"`)) as Timespan).ns;
  assert.equal(span("5ns"), 5n);
  assert.equal(span("5us"), 5000n);
  assert.equal(span("-5ms"), -5000000n);
  assert.equal(span("2s"), 2000000000n);
  assert.equal(span("2min"), 120000000000n);
  assert.equal(span("1h"), 3600000000000n);
  assert.equal(decodeJsonV1(' { "data" : {} , "@data-type" : "none" , "x": 1 } '), null);
  const msg = `{"type":"data-message","topic":"t",${obj("string", '"x"').slice(1)}`;
  assert.equal(decodeJsonV1(msg), "x");
  assert.equal(decodeJsonV1(obj("string", '"\\u00fc\\ud83e\\udd93\\/"')), "ü🦓/");
});

Deno.test("decodeJsonV1() rejects wrong types, unknown types and out-of-range values", () => {
  const bad = (text: string | object, pattern: RegExp) =>
    assert.throws(() => decodeJsonV1(text), (e: unknown) => {
      assert.ok(e instanceof SerializationError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  bad(obj("bogus", "1"), /unknown @data-type "bogus"/);
  bad(obj("count", "-1"), /count: -1 is out of range/);
  bad(obj("count", "18446744073709551616"), /out of range/);
  bad(obj("count", "1.0"), /count: 1.0 is not an integer/);
  bad(obj("count", '"1"'), /count: data is a string/);
  bad(obj("integer", "9223372036854775808"), /integer: .* out of range/);
  bad(obj("real", '"1.5"'), /real: data is a string/);
  bad(obj("boolean", "1"), /boolean: data is a number/);
  bad(obj("string", "1"), /string: data is a number/);
  bad(obj("address", '"10.0.0.256"'), /address: invalid text/);
  bad(obj("subnet", '"10.0.0.0/33"'), /subnet: invalid text/);
  bad(obj("port", '"80/sctp"'), /port: invalid text/);
  bad(obj("port", "70000"), /port: 70000 is out of range/);
  bad(obj("timestamp", '"2023-02-30T00:00:00"'), /invalid timestamp/);
  bad(obj("timestamp", '"3000-01-01T00:00:00"'), /invalid timestamp/);
  bad(obj("timespan", '"1d"'), /invalid timespan "1d": .*Broker has no d/);
  bad(obj("timespan", '"5weeks"'), /invalid timespan/);
  bad(obj("set", "{}"), /set: data is an object/);
  bad(obj("table", "[1]"), /table: entry is a number/);
  bad(obj("table", '[{"key":{"@data-type":"none","data":{}}}]'), /lacks "key" or "value"/);
  bad(obj("none", "1"), /none: data is a number/);
  bad('{"data":1}', /missing "@data-type"/);
  bad('{"@data-type":"count"}', /count: missing "data"/);
  bad("[1]", /expected an object, got an array/);
  bad("{", /Cannot parse JSON/);
  bad(`${obj("count", "1")} x`, /trailing characters/);
  bad(obj("string", '"\\ud800"'), /unpaired surrogate/);
  bad(obj("string", '"\\x"'), /invalid escape/);
  bad({ "@data-type": "count", data: 1.5 }, /not an integer/);
});

Deno.test("decodeJsonV1() accepts parsed objects and text alike", () => {
  const value = [count(1), table([[addr("10.0.0.1"), set([port(80)])]]), 2.5, "x"];
  const text = encodeJsonV1(value);
  assert.ok(valuesEqual(decodeJsonV1(text), value));
  assert.ok(valuesEqual(decodeJsonV1(JSON.parse(text)), value));
  assert.ok(valuesEqual(decodeJsonV1(new TextEncoder().encode(text)), value));
});

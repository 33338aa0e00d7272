import assert from "node:assert/strict";
import { JsonFormatter, zeekJsonString } from "./json_writer.ts";
import { readVector, TYPES_STREAM, typesRows } from "../schema/_test_fixtures.ts";

/** Sorts the "ss" array of a JSON line so set order does not matter. */
function normalizeSet(line: string): string {
  return line.replace(
    /"ss":(\[[^\]]*\])/,
    (_, arr: string) => `"ss":${JSON.stringify((JSON.parse(arr) as string[]).sort())}`,
  );
}

Deno.test("JsonFormatter.formatRow() reproduces logger-json/types.log", async () => {
  const expected = (await readVector("logger-json/types.log")).split("\n").filter((l) => l !== "");
  const fmt = new JsonFormatter(TYPES_STREAM.fields);
  const rows = typesRows();
  assert.equal(rows.length, expected.length);
  rows.forEach((row, i) => {
    const line = fmt.formatRow(row);
    assert.ok(line.endsWith("}\n"));
    assert.equal(normalizeSet(line.slice(0, -1)), normalizeSet(expected[i]!), `row ${i}`);
  });
});

Deno.test("JsonFormatter has no header or footer", () => {
  const fmt = new JsonFormatter(TYPES_STREAM.fields);
  assert.equal(fmt.header("types", 0), "");
  assert.equal(fmt.footer(0), "");
});

Deno.test("JsonFormatter writes ISO 8601 and millisecond timestamps", () => {
  const fields = [{ name: "ts", type: "time", optional: false }, {
    name: "x",
    type: "string",
    optional: true,
  }] as const;
  const iso = new JsonFormatter(fields, { timestamps: "iso8601" });
  assert.equal(iso.formatRow([1700000000.123456, null]), '{"ts":"2023-11-14T22:13:20.123456Z"}\n');
  assert.equal(iso.formatRow([-1.5, null]), '{"ts":"1969-12-31T23:59:58.500000Z"}\n');
  const ms = new JsonFormatter(fields, { timestamps: "millis", includeUnset: true });
  assert.equal(ms.formatRow([1700000000.123456, null]), '{"ts":1700000000123,"x":null}\n');
});

Deno.test("zeekJsonString() escapes control bytes and bad UTF-8 as \\xNN text", () => {
  assert.equal(zeekJsonString('q"b\\s\t\n\r\b\f'), '"q\\"b\\\\s\\t\\n\\r\\b\\f"');
  assert.equal(zeekJsonString("\x01\x7f"), '"\\\\x01\\\\x7f"');
  assert.equal(zeekJsonString(Uint8Array.from([0x61, 0xff, 0xc3, 0xbc])), '"a\\\\xffü"');
  assert.equal(zeekJsonString("\ud800x"), '"\ufffdx"');
  assert.equal(zeekJsonString("\u{1f993}"), '"\u{1f993}"');
});

Deno.test("JsonFormatter writes null for NaN and infinite doubles and vector holes", () => {
  const fmt = new JsonFormatter([{ name: "d", type: "double", optional: false }, {
    name: "v",
    type: "vector[count]",
    optional: false,
  }]);
  assert.equal(fmt.formatRow([NaN, [1n, null]]), '{"d":null,"v":[1,null]}\n');
});

Deno.test("JsonFormatter's millisecond timestamps are C++'s int64 and uint64 casts", () => {
  const fields = [{ name: "ts", type: "time", optional: false }] as const;
  const ms = new JsonFormatter(fields, { timestamps: "millis" });
  const ums = new JsonFormatter(fields, { timestamps: "millis_unsigned" });
  const line = (f: JsonFormatter, t: number) => f.formatRow([t]).slice(6, -2);
  assert.equal(line(ms, -1.5), "-1500");
  assert.equal(line(ms, -0.0004), "0");
  assert.equal(line(ums, -1.5), "18446744073709550116");
  assert.equal(line(ums, 1700000000.9999), "1700000000999");
  // Exact digits of a large value, not the shortest (String() gives 1125899906842625000).
  assert.equal(line(ms, 2 ** 50 + 1), "1125899906842625024");
  assert.equal(line(ms, NaN), "-9223372036854775808");
  assert.equal(line(ms, 1e300), "-9223372036854775808");
  assert.equal(line(ums, 1e300), "9223372036854775808");
});

Deno.test("JsonFormatter's ISO 8601 rounds microseconds as printf and fails as Zeek", () => {
  const fields = [{ name: "ts", type: "time", optional: false }] as const;
  const iso = new JsonFormatter(fields, { timestamps: "iso8601" });
  assert.equal(iso.formatRow([59.9999996]), '{"ts":"1970-01-01T00:00:59.1000000Z"}\n');
  assert.equal(iso.formatRow([0.0000025]), '{"ts":"1970-01-01T00:00:00.000002Z"}\n');
  assert.equal(iso.formatRow([NaN]), '{"ts":"2000-01-01T00:00:00.000000"}\n');
});

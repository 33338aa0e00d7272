import assert from "node:assert/strict";
import { AsciiFormatter, parseAsciiHeader } from "./ascii_writer.ts";
import { formatLogTimestamp } from "./formatter.ts";
import { readVector, TYPES_STREAM, typesRows } from "../schema/_test_fixtures.ts";

const SET_COLUMN = TYPES_STREAM.fields.findIndex((f) => f.name === "ss");

function normalizeSet(line: string): string[] {
  const cols = line.split("\t");
  cols[SET_COLUMN] = cols[SET_COLUMN]!.split(",").sort().join(",");
  return cols;
}

Deno.test("AsciiFormatter.formatRow() reproduces the data lines of logger-ascii/types.log", async () => {
  const text = await readVector("logger-ascii/types.log");
  const expected = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  const fmt = new AsciiFormatter(TYPES_STREAM.fields);
  const rows = typesRows();
  assert.equal(rows.length, expected.length);
  rows.forEach((row, i) => {
    const line = fmt.formatRow(row);
    assert.ok(line.endsWith("\n"));
    assert.deepEqual(normalizeSet(line.slice(0, -1)), normalizeSet(expected[i]!), `row ${i}`);
  });
});

Deno.test("AsciiFormatter.header() matches the meta lines of types.log apart from #open", async () => {
  const text = await readVector("logger-ascii/types.log");
  const expected = text.split("\n").filter((l) => l.startsWith("#") && !l.startsWith("#close"));
  const got = new AsciiFormatter(TYPES_STREAM.fields).header("types", 1700000000).split("\n");
  assert.equal(got.pop(), "");
  assert.equal(got.length, expected.length);
  got.forEach((line, i) => {
    if (line.startsWith("#open")) assert.equal(line, `#open\t${formatLogTimestamp(1700000000)}`);
    else assert.equal(line, expected[i]);
  });
  assert.match(formatLogTimestamp(1700000000), /^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
});

Deno.test("AsciiFormatter.footer() writes #close with a local timestamp", () => {
  const fmt = new AsciiFormatter(TYPES_STREAM.fields);
  assert.equal(fmt.footer(1700000000), `#close\t${formatLogTimestamp(1700000000)}\n`);
});

Deno.test("AsciiFormatter.formatRow() escapes strings as Zeek does", () => {
  const fields = [
    { name: "s", type: "string", optional: true },
    { name: "v", type: "vector[string]", optional: true },
  ] as const;
  const fmt = new AsciiFormatter(fields);
  const cases: [unknown, unknown, string][] = [
    ["-", ["-"], "\\x2d\t\\x2d"],
    ["(empty)", ["(empty)", ""], "\\x28empty)\t\\x28empty),(empty)"],
    ["", [], "(empty)\t(empty)"],
    [null, null, "-\t-"],
    ["a,b\tc\\d", ["a,b", null], "a,b\\x09c\\\\d\ta\\x2cb,-"],
    ["ü\u0000\u001b", ["€"], "ü\\x00\\x1b\t€"],
    [Uint8Array.from([0x2d]), [], "\\x2d\t(empty)"],
    [
      Uint8Array.from([0xc3, 0xbc, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]),
      [],
      "ü\\xc3(\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\t(empty)",
    ],
  ];
  for (const [s, v, line] of cases) {
    assert.equal(fmt.formatRow([s, v] as never), `${line}\n`, JSON.stringify(line));
  }
});

Deno.test("AsciiFormatter honours custom separators", () => {
  const fmt = new AsciiFormatter([{ name: "s", type: "set[string]", optional: false }, {
    name: "t",
    type: "string",
    optional: false,
  }], { separator: "|", setSeparator: ";", emptyField: "EMPTY", unsetField: "NONE" });
  assert.equal(fmt.formatRow([["a;b", "c|d"], "x|y;z"]), "a\\x3bb;c\\x7cd|x\\x7cy;z\n");
  assert.equal(fmt.formatRow([[], "NONE"]), "EMPTY|\\x4eONE\n");
  assert.equal(fmt.header("p", 0).split("\n")[0], "#separator \\x7c");
});

Deno.test("parseAsciiHeader() reads the header of logger-ascii/cluster.log", async () => {
  const h = parseAsciiHeader(await readVector("logger-ascii/cluster.log"));
  assert.deepEqual(h, {
    separator: "\t",
    setSeparator: ",",
    emptyField: "(empty)",
    unsetField: "-",
    path: "cluster",
    open: "2026-11-25-10-24-17",
    fields: ["ts", "node", "message"],
    types: ["time", "string", "string"],
  });
});

Deno.test("parseAsciiHeader() rejects text without a #separator line", () => {
  assert.throws(() => parseAsciiHeader("{}\n"), SyntaxError);
  assert.throws(() => parseAsciiHeader("#separator \\x09\n#path\tx\n"), /missing #set_separator/);
});

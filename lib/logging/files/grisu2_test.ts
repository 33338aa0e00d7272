import assert from "node:assert/strict";
import { rapidJsonDouble } from "./_grisu2.ts";
import { formatJsonDouble } from "./_numbers.ts";

const TABLE = new URL("../../../testdata/rapidjson/doubles.tsv", import.meta.url);

/** The double with these IEEE 754 bits (16 hex digits). */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, parseInt(hex.slice(0, 8), 16));
  view.setUint32(4, parseInt(hex.slice(8), 16));
  return view.getFloat64(0);
}

Deno.test("rapidJsonDouble() renders every value of the RapidJSON table exactly", async () => {
  const text = await Deno.readTextFile(TABLE);
  const wrong: string[] = [];
  let rows = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [hex, places, want] = line.split("\t") as [string, string, string];
    rows++;
    const got = rapidJsonDouble(fromBits(hex), Number(places));
    if (got !== want) wrong.push(`${hex} (max ${places}): want ${want}, got ${got}`);
  }
  assert.ok(rows > 30000, `table has ${rows} rows`);
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${rows} differ`);
});

Deno.test("formatJsonDouble() writes Zeek's JSON numbers: Grisu2 digits, not the shortest", () => {
  const cases: [number, string][] = [
    // From the issue: Zeek's text, which JavaScript's shortest round trip would not give.
    [1389719042.0045471, "1389719042.0045471"],
    [1692957822.6004741, "1692957822.6004741"],
    [0.00013399124145507813, "0.00013399124145507813"],
    [2 ** 53 + 2, "9007199254740994.0"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
    [NaN, "null"],
    [-Infinity, "null"],
  ];
  for (const [v, want] of cases) assert.equal(formatJsonDouble(v), want, String(v));
});

Deno.test("rapidJsonDouble() cuts fractions at maxDecimalPlaces and keeps one digit", () => {
  assert.equal(rapidJsonDouble(1.2345, 2), "1.23");
  assert.equal(rapidJsonDouble(1.102, 2), "1.1");
  assert.equal(rapidJsonDouble(1.001, 2), "1.0");
  assert.equal(rapidJsonDouble(0.00012, 3), "0.0");
  assert.equal(rapidJsonDouble(1e-30, 3), "0.0");
});

/**
 * The cost of Zeek's JSON number text per double against `Number#toString` (the shortest round
 * trip, which Zeek does not write) in the same run: `deno bench bench/log_numbers_bench.ts`.
 * The values are what JSON logs hold most: epoch times with microseconds and random binary
 * fractions, and durations.
 *
 * @module
 */

import { formatJsonDouble } from "../lib/logging/files/_numbers.ts";

function values(n: number): Float64Array {
  const out = new Float64Array(n);
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    out[i] = i % 3 === 0
      ? 1.7e9 + Math.round(next() * 1e13) / 1e6
      : i % 3 === 1
      ? 1.7e9 + next() * 1e8
      : next() * 10 ** Math.floor(next() * 6 - 3);
  }
  return out;
}

const VALUES = values(10_000);

Deno.bench("Number#toString, 10k doubles", { group: "json-double", baseline: true }, () => {
  let n = 0;
  for (const v of VALUES) n += String(v).length;
  if (n === 0) throw new Error("no output");
});

Deno.bench("formatJsonDouble (RapidJSON Grisu2), 10k doubles", { group: "json-double" }, () => {
  let n = 0;
  for (const v of VALUES) n += formatJsonDouble(v).length;
  if (n === 0) throw new Error("no output");
});

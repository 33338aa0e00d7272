/**
 * Test-only: seeded random log schemas and records for the property tests of the fused paths.
 * The values lean on the cases that matter to formatting: strings with separators, backslashes,
 * control bytes, markers, non-ASCII and invalid UTF-8; extreme numbers; both address families.
 *
 * @module
 */

import { type LogColumns, type LogPort, SCALAR_TYPE_NAMES, type ScalarTypeName } from "./schema.ts";
import { Rng } from "../../serialization/_test_values.ts";

/** The seeded PRNG of the serialization tests (mulberry32), shared. */
export { Rng };

const PIECES = [
  "a",
  "xyz",
  "Hello World",
  "\t",
  ",",
  "\\",
  "-",
  "(empty)",
  "\x00",
  "\x1f",
  "\x7f",
  "\n",
  "\u00fc",
  "\u20ac",
  "\u{1f993}",
  "\ufeff",
  "\u0085",
  "|",
  ";",
  "NA",
  " ",
];

const enc = new TextEncoder();

/** A string value: text, or raw bytes (sometimes not UTF-8). */
export function randomString(rng: Rng): string | Uint8Array {
  const r = rng.int(20);
  if (r === 0) return "";
  if (r === 1) return rng.pick(["-", "(empty)", "NA", "E", "\u00e9"]);
  if (r < 10) {
    let s = "";
    const n = rng.int(24) + 1;
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + rng.int(95));
    return s;
  }
  let s = "";
  const n = rng.int(6) + 1;
  for (let i = 0; i < n; i++) s += rng.pick(PIECES);
  if (r < 17) return s;
  const bytes = [...enc.encode(s)];
  const bad = [0xff, 0xc0, 0x80, 0xe2, 0xed, 0xf4, 0xf5];
  bytes.splice(rng.int(bytes.length + 1), 0, rng.pick(bad));
  if (rng.int(2) === 0) bytes.push(0xe2, 0x82); // truncated sequence at the end
  return Uint8Array.from(bytes);
}

function randomDouble(rng: Rng): number {
  const specials = [0, -0, 1, -1, 0.5, 1e-7, 1e-300, 3e20, 1e21, 2147483647, 2147483648, -2.5];
  const r = rng.int(6);
  if (r === 0) return rng.pick(specials);
  if (r === 1) return Math.round(rng.next() * 1e6) / 1e6 * (rng.int(2) ? 1 : -1);
  if (r === 2) return (rng.next() - 0.5) * 10 ** (rng.int(40) - 20);
  if (r === 3) return rng.pick([NaN, Infinity, -Infinity, 1e300, -1e300, 5e-324]);
  return 1700000000 + rng.next() * 1e6;
}

function randomBig(rng: Rng, signed: boolean): bigint | number {
  const r = rng.int(5);
  if (r === 0) return rng.int(10);
  if (r === 1) return signed ? -rng.int(1e9) : rng.int(1e9);
  if (r === 2) return signed ? -(2 ** 53 - 1) : 2 ** 53 - 1;
  const big = BigInt.asUintN(64, BigInt(Math.floor(rng.next() * 2 ** 32)) << 32n) |
    BigInt(rng.int(2 ** 32));
  return signed ? BigInt.asIntN(64, big) : big;
}

function randomAddr(rng: Rng): string {
  const b = () => rng.int(256);
  const h = () => rng.int(65536).toString(16);
  switch (rng.int(5)) {
    case 0:
      return `${b()}.${b()}.${b()}.${b()}`;
    case 1:
      return `::ffff:${b()}.${b()}.${b()}.${b()}`;
    case 2:
      return rng.pick(["::", "::1", "fe80::1", "2001:db8::", "::1.2.3.4", "1::"]);
    case 3:
      return `2001:db8:${h()}::${h()}`;
    default:
      return Array.from({ length: 8 }, () => (rng.int(3) === 0 ? "0" : h())).join(":");
  }
}

/** One scalar of a type, as site code would pass it. */
export function randomScalar(rng: Rng, type: ScalarTypeName): unknown {
  switch (type) {
    case "time":
    case "interval":
    case "double":
      return randomDouble(rng);
    case "count":
      return randomBig(rng, false);
    case "int":
      return randomBig(rng, true);
    case "string":
      return randomString(rng);
    case "enum":
      return rng.pick(["Conn::LOG", "LogTypes::RED", "", "-", "tab\tenum", "\u00e9t\u00e9"]);
    case "bool":
      return rng.int(2) === 0;
    case "addr":
      return randomAddr(rng);
    case "subnet": {
      const a = randomAddr(rng);
      const v4 = !a.includes(":");
      return `${v4 ? a : `[${a}]`}/${rng.int(v4 ? 33 : 129)}`;
    }
    case "port":
      return {
        port: rng.int(65536),
        proto: rng.pick(["tcp", "udp", "icmp", "unknown"]),
      } satisfies LogPort;
  }
}

/** A random schema of 1 to 12 columns, some optional, some containers, one nested record. */
export function randomColumns(rng: Rng): LogColumns {
  const out: Record<string, LogColumns[string]> = {};
  const n = rng.int(12) + 1;
  for (let i = 0; i < n; i++) {
    const scalar = rng.pick(SCALAR_TYPE_NAMES);
    const c = rng.int(8);
    const type = c === 0 ? `set[${scalar}]` : c === 1 ? `vector[${scalar}]` : scalar;
    const optional = rng.int(4) === 0;
    out[`f${i}`] = optional ? { type: type as ScalarTypeName, optional } : type as ScalarTypeName;
  }
  if (rng.int(3) === 0) out.id = { record: { orig_h: "addr", orig_p: "port" } };
  return out;
}

/** A record of `columns` (valid: optional columns sometimes unset, vectors with holes). */
export function randomRecord(rng: Rng, columns: LogColumns): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(columns)) {
    if (typeof def === "object" && "record" in def) {
      rec[name] = randomRecord(rng, def.record);
      continue;
    }
    const spec = typeof def === "string" ? { type: def, optional: false } : def;
    if (spec.optional && rng.int(3) === 0) continue;
    const m = /^(set|vector)\[(\w+)\]$/.exec(spec.type);
    if (!m) {
      rec[name] = randomScalar(rng, spec.type as ScalarTypeName);
      continue;
    }
    const items: unknown[] = [];
    const len = rng.int(4);
    for (let j = 0; j < len; j++) {
      items.push(
        m[1] === "vector" && rng.int(5) === 0 ? null : randomScalar(rng, m[2] as ScalarTypeName),
      );
    }
    rec[name] = m[1] === "set" && rng.int(2) === 0 ? new Set(items) : items;
  }
  return rec;
}

/**
 * Test-only fixture: the `types` stream of `zeek-scripts/logs.zeek` and its nine records, as
 * worker-1 wrote them for `logger-ascii/types.log` and `logger-json/types.log`.
 *
 * @module
 */

import { createStream, type LogRow, validateRecord } from "./schema.ts";

/** The `LogTypes::LOG` stream. */
export const TYPES_STREAM = createStream("LogTypes::LOG", {
  path: "types",
  columns: {
    row: "count",
    ts: "time",
    dur: "interval",
    s: "string",
    c: "count",
    i: "int",
    d: "double",
    b: "bool",
    a4: "addr",
    a6: "addr",
    sn4: "subnet",
    sn6: "subnet",
    p: "port",
    e: "enum",
    ss: "set[string]",
    vc: "vector[count]",
    vs: "vector[string]",
    opt: { type: "string", optional: true },
    inner: {
      record: { name: "string", n: "count", deep: { record: { x: "double", flag: "bool" } } },
    },
  },
});

const enc = new TextEncoder();
const strs: (string | Uint8Array)[] = [
  "plain",
  "tab\there",
  "comma,here",
  "-",
  "(empty)",
  "",
  "utf8 \u00fc \u20ac \u{1f993}",
  "ctl\x01bel\x07del\x7f",
  Uint8Array.from([...enc.encode("bad"), 0xff, ...enc.encode("utf8 back\\slash nl\ncr\r")]),
];
const dbls = [0.1, 1e-7, 123456789.123456789, -0.0, 1.0, -2.5, 3e20, 1e-300, 0.000001];
const cnts = [0n, 1n, 18446744073709551615n, 42n, 1000000n, 7n, 9007199254740993n, 255n, 65536n];
const ints = [
  0n,
  -1n,
  9223372036854775807n,
  -9223372036854775807n,
  42n,
  -100000n,
  9007199254740993n,
  -7n,
  1n,
];
const times = [
  1700000000.123456,
  0.0,
  1700000000.0,
  1700000000.5,
  1234567890.000001,
  1700000000.1234567,
  2000000000.999999,
  1.5,
  1700000001.0,
];
const durs = [1.5, -2, 0, 1e-6, 3600, 123.456789, 1e-7, 86400, -0.5];
const a4s = [
  "10.0.0.1",
  "0.0.0.0",
  "255.255.255.255",
  "192.168.1.1",
  "127.0.0.1",
  "1.2.3.4",
  "8.8.8.8",
  "172.16.0.1",
  "100.64.0.1",
];
const a6s = [
  "2001:db8::1",
  "::",
  "::ffff:1.2.3.4",
  "fe80::1",
  "2001:db8:0:0:1:0:0:1",
  "::1",
  "2001:db8:85a3::8a2e:370:7334",
  "ff02::1",
  "2001:db8::",
];
const sn4s = [
  "192.168.0.0/16",
  "10.0.0.0/8",
  "0.0.0.0/0",
  "1.2.3.4/32",
  "172.16.0.0/12",
  "100.64.0.0/10",
  "8.8.8.0/24",
  "127.0.0.0/8",
  "10.1.2.0/23",
];
const sn6s = [
  "2001:db8::/32",
  "::/0",
  "fe80::/64",
  "::1/128",
  "2001:db8:1::/48",
  "ff00::/8",
  "[::ffff:0:0]/96",
  "2001:db8::1/127",
  "2002::/16",
];
const ports = [
  { port: 443, proto: "tcp" },
  { port: 53, proto: "udp" },
  { port: 8, proto: "icmp" },
  { port: 0, proto: "tcp" },
  { port: 65535, proto: "udp" },
  { port: 3, proto: "icmp" },
  { port: 22, proto: "tcp" },
  { port: 0, proto: "unknown" },
  { port: 123, proto: "udp" },
];
const colors = ["RED", "GREEN", "BLUE"];

/** The nine records as plain objects (nested `inner`). */
export function typesRecords(): Record<string, unknown>[] {
  return strs.map((s, i) => {
    const odd = i % 2 === 1;
    const rec: Record<string, unknown> = {
      row: i,
      ts: times[i],
      dur: durs[i],
      s,
      c: cnts[i],
      i: ints[i],
      d: dbls[i],
      b: i % 3 === 0,
      a4: a4s[i],
      a6: a6s[i],
      sn4: sn4s[i],
      sn6: sn6s[i],
      p: ports[i],
      e: `LogTypes::${colors[i % 3]}`,
      ss: odd
        ? new Set(["a", "b,c", "-", "", "tab\tx", "(empty)", "z\u00fc"])
        : i === 2
        ? ["one"]
        : [],
      vc: odd ? [1, 2, 3, 0, 18446744073709551615n] : i === 2 ? [7] : [],
      vs: odd ? ["", "-", "x,y", "(empty)", "t\tu"] : i === 2 ? ["only"] : [],
      inner: { name: `inner-${i}`, n: i * 10, deep: { x: dbls[i]! * 2, flag: i % 2 === 0 } },
    };
    if (i === 8) rec.opt = "set only in the last row";
    return rec;
  });
}

/** The nine records as validated rows. */
export function typesRows(): LogRow[] {
  return typesRecords().map((r) => validateRecord(TYPES_STREAM.fields, r, { stream: "types" }));
}

/** Reads a vector file relative to this folder. */
export function readVector(rel: string): Promise<string> {
  return Deno.readTextFile(new URL(`../../../testdata/zeek-8.2.2/${rel}`, import.meta.url));
}

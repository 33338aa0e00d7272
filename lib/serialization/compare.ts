/**
 * Broker's total order over values and deep equality (spec §5.1: by tag, then by value).
 *
 * @module
 */

import type { BrokerSet, BrokerTable, TableEntry } from "./containers.ts";
import type {
  Address,
  BrokerValue,
  ByteString,
  Count,
  EnumValue,
  Port,
  Subnet,
  Timestamp,
} from "./data.ts";

const ENCODER = new TextEncoder();

/**
 * The bin-v1 tag of a value.
 *
 * @param value Any Broker value.
 * @returns 0..14 (see {@link DATA_TAG}).
 * @throws {TypeError} When `value` is not a Broker value.
 */
export function dataTagOf(value: BrokerValue): number {
  switch (typeof value) {
    case "boolean":
      return 1;
    case "number":
      return 4;
    case "string":
      return 5;
    case "object": {
      if (value === null) return 0;
      if (Array.isArray(value)) return 14;
      const tag = (value as { dataTag?: unknown }).dataTag;
      if (typeof tag === "number") return tag;
    }
  }
  throw new TypeError(`Not a Broker value: ${describe(value)}`);
}

/**
 * Broker's total order: by tag, then by value (spec §5.1). Strings compare byte-wise as UTF-8,
 * addresses by bytes, subnets by network then length, ports by number then protocol, and
 * containers lexicographically. Reals use a total order: -0 before +0, NaN after everything.
 *
 * @returns Negative, zero or positive.
 *
 * @example
 * ```ts
 * import { compareValues, count } from "../../mod.ts";
 * [count(3), count(1)].sort(compareValues); // [Count 1, Count 3], Broker's order
 * ```
 */
export function compareValues(a: BrokerValue, b: BrokerValue): number {
  const ta = dataTagOf(a);
  const tb = dataTagOf(b);
  if (ta !== tb) return ta - tb;
  switch (ta) {
    case 0:
      return 0;
    case 1:
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 2:
    case 3:
      return cmp((a as Count).value, (b as Count).value);
    case 4:
      return compareReals(a as number, b as number);
    case 5:
      return compareStrings(a as string | ByteString, b as string | ByteString);
    case 6:
      return compareWords((a as Address).words, (b as Address).words);
    case 7:
      return compareWords((a as Subnet).network.words, (b as Subnet).network.words) ||
        (a as Subnet).rawLength - (b as Subnet).rawLength;
    case 8:
      return (a as Port).number - (b as Port).number ||
        (a as Port).protocolCode - (b as Port).protocolCode;
    case 9:
    case 10:
      return cmp((a as Timestamp).ns, (b as Timestamp).ns);
    case 11:
      return compareStrings((a as EnumValue).name, (b as EnumValue).name);
    case 12:
      return compareLists((a as BrokerSet).values, (b as BrokerSet).values, compareValues);
    case 13:
      return compareLists((a as BrokerTable).entries, (b as BrokerTable).entries, compareEntries);
    default:
      return compareLists(a as BrokerValue[], b as BrokerValue[], compareValues);
  }
}

/**
 * Deep equality under {@link compareValues} (NaN equals NaN; -0 differs from +0).
 *
 * @example
 * ```ts
 * import { addr, valuesEqual } from "../../mod.ts";
 * valuesEqual(addr("::ffff:10.0.0.1"), addr("10.0.0.1")); // true
 * ```
 */
export function valuesEqual(a: BrokerValue, b: BrokerValue): boolean {
  return compareValues(a, b) === 0;
}

/**
 * Short human-readable text of a value, for messages and debugging.
 *
 * @example
 * ```ts
 * import { count, port, valueToString } from "../../mod.ts";
 * valueToString([count(1), port(80)]); // "[1, 80/tcp]"
 * ```
 */
export function valueToString(value: BrokerValue): string {
  if (value === null) return "-";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueToString).join(", ")}]`;
  return String(value);
}

function compareEntries(a: TableEntry, b: TableEntry): number {
  return compareValues(a[0], b[0]) || compareValues(a[1], b[1]);
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareReals(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a !== 0 ? 0 : (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1);
  return (Number.isNaN(a) ? 1 : 0) - (Number.isNaN(b) ? 1 : 0);
}

function compareStrings(a: string | ByteString, b: string | ByteString): number {
  if (typeof a !== "string" || typeof b !== "string") {
    return compareBytes(
      typeof a === "string" ? ENCODER.encode(a) : a.bytes,
      typeof b === "string" ? ENCODER.encode(b) : b.bytes,
    );
  }
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point (= UTF-8 byte) order only for surrogates.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Lexicographic byte comparison. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

function compareLists<T>(a: readonly T[], b: readonly T[], f: (x: T, y: T) => number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = f(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Compares two addresses given as four big-endian uint32 words (same order as memcmp). */
export function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object") return value?.constructor?.name ?? "object";
  return typeof value;
}

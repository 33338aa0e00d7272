/**
 * Broker sets and tables, kept in Broker's order (spec §5.1) so that encoders write them
 * byte-identically to Broker.
 *
 * @module
 */

import { compareValues, valueToString } from "./compare.ts";
import type { BrokerValue } from "./data.ts";

/**
 * A Broker set: elements kept sorted by {@link compareValues}, without duplicates.
 *
 * @example
 * ```ts
 * import { BrokerSet, count } from "../../mod.ts";
 * const s = new BrokerSet([count(2), count(1), count(2)]);
 * s.size; // 2
 * s.has(count(1)); // true
 * ```
 */
export class BrokerSet {
  /** The elements in Broker's order. Do not mutate. */
  readonly values: readonly BrokerValue[];
  /**
   * Creates a `BrokerSet`.
   *
   * @param values Elements in any order; duplicates are dropped.
   */
  constructor(values: Iterable<BrokerValue> = []) {
    const arr = Array.from(values);
    this.values = isStrictlySorted(arr, compareValues) ? arr : sortUnique(arr);
  }
  /** Bin-v1 tag. */
  get dataTag(): 12 {
    return 12;
  }
  /** Number of elements. */
  get size(): number {
    return this.values.length;
  }
  /** Whether `value` is an element (binary search). */
  has(value: BrokerValue): boolean {
    return search(this.values, value, (v) => v) >= 0;
  }
  /** Iterates the elements in order. */
  [Symbol.iterator](): Iterator<BrokerValue> {
    return this.values[Symbol.iterator]();
  }
  /** `{a, b}`. */
  toString(): string {
    return `{${this.values.map(valueToString).join(", ")}}`;
  }
  /** Same elements. */
  equals(other: BrokerSet): boolean {
    return compareValues(this, other) === 0;
  }
}

/** A key/value pair of a {@link BrokerTable}. */
export type TableEntry = readonly [key: BrokerValue, value: BrokerValue];

/**
 * A Broker table: entries kept sorted by key; for a repeated key the first entry wins.
 *
 * @example
 * ```ts
 * import { addr, BrokerTable, count } from "../../mod.ts";
 * const t = new BrokerTable([[addr("10.0.0.1"), count(3)]]);
 * t.get(addr("10.0.0.1")); // Count 3
 * ```
 */
export class BrokerTable {
  /** The entries in Broker's order. Do not mutate. */
  readonly entries: readonly TableEntry[];
  /**
   * Creates a `BrokerTable`.
   *
   * @param entries `[key, value]` pairs in any order.
   */
  constructor(entries: Iterable<TableEntry> = []) {
    const arr = Array.from(entries);
    const byKey = (a: TableEntry, b: TableEntry) => compareValues(a[0], b[0]);
    if (isStrictlySorted(arr, byKey)) {
      this.entries = arr;
    } else {
      const sorted = arr.map((e, i) => [e, i] as const).sort((a, b) =>
        byKey(a[0], b[0]) || a[1] - b[1]
      );
      this.entries = sorted.filter((e, i) => i === 0 || byKey(sorted[i - 1]![0], e[0]) !== 0)
        .map((e) => e[0]);
    }
  }
  /** Bin-v1 tag. */
  get dataTag(): 13 {
    return 13;
  }
  /** Number of entries. */
  get size(): number {
    return this.entries.length;
  }
  /** The value for `key`, or `undefined`. */
  get(key: BrokerValue): BrokerValue | undefined {
    const i = search(this.entries, key, (e) => e[0]);
    return i >= 0 ? this.entries[i]![1] : undefined;
  }
  /** Whether `key` is present. */
  has(key: BrokerValue): boolean {
    return search(this.entries, key, (e) => e[0]) >= 0;
  }
  /** Iterates the entries in key order. */
  [Symbol.iterator](): Iterator<TableEntry> {
    return this.entries[Symbol.iterator]();
  }
  /** `{k -> v, ...}`. */
  toString(): string {
    return `{${this.entries.map(([k, v]) => `${valueToString(k)} -> ${valueToString(v)}`)}}`;
  }
  /** Same entries. */
  equals(other: BrokerTable): boolean {
    return compareValues(this, other) === 0;
  }
}

/**
 * A {@link BrokerSet}. @example set(["a", "b"])
 *
 * @example
 * ```ts
 * import { set } from "../../mod.ts";
 * set(["a", "b"]).size; // 2
 * ```
 */
export function set(values: Iterable<BrokerValue>): BrokerSet {
  return new BrokerSet(values);
}
/**
 * A {@link BrokerTable}. @example table([["a", count(1)]])
 *
 * @example
 * ```ts
 * import { count, table } from "../../mod.ts";
 * table([["hits", count(1)]]).size; // 1
 * ```
 */
export function table(entries: Iterable<TableEntry>): BrokerTable {
  return new BrokerTable(entries);
}

function isStrictlySorted<T>(arr: readonly T[], f: (x: T, y: T) => number): boolean {
  for (let i = 1; i < arr.length; i++) if (f(arr[i - 1]!, arr[i]!) >= 0) return false;
  return true;
}

function sortUnique(arr: BrokerValue[]): BrokerValue[] {
  arr.sort(compareValues);
  return arr.filter((v, i) => i === 0 || compareValues(arr[i - 1]!, v) !== 0);
}

function search<T>(arr: readonly T[], key: BrokerValue, get: (x: T) => BrokerValue): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareValues(get(arr[mid]!), key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

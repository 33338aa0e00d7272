/**
 * Test helpers: a seeded PRNG, random Broker values and hex conversion. Used by the
 * `*_test.ts` files only.
 *
 * @module
 */

import { BrokerSet, BrokerTable, type TableEntry } from "./containers.ts";
import {
  Address,
  type BrokerValue,
  ByteString,
  Count,
  EnumValue,
  Int,
  Port,
  PORT_PROTOCOLS,
  Subnet,
  Timespan,
  Timestamp,
} from "./data.ts";

/** Hex text of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of hex text (spaces and newlines ignored). */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A deterministic PRNG (mulberry32) with helpers. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A random unsigned 64-bit value. */
  u64(): bigint {
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }
  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const CHARS = [
  "a",
  "Z",
  "0",
  " ",
  "\t",
  "\n",
  "\r",
  "\b",
  "\f",
  "\v",
  '"',
  "\\",
  "/",
  "\x01",
  "\x7f",
  "ü",
  "€",
  "🦓",
  "\u2028",
  "\ufeff",
  "\ud7ff",
  "\ue000",
  "\uffff",
  ":",
];

/** Which values to generate: `"json"` keeps only values JSON v1 represents exactly. */
export type ValueMode = "bin" | "json";

/** A random Broker value of every type, nested up to `depth` levels. */
export function randomValue(rng: Rng, mode: ValueMode, depth = 3): BrokerValue {
  const tag = rng.int(depth > 0 ? 15 : 12);
  switch (tag) {
    case 0:
      return null;
    case 1:
      return rng.int(2) === 1;
    case 2:
      return new Count(rng.pick([0n, 1n, 0xffff_ffff_ffff_ffffn, rng.u64(), BigInt(rng.int(300))]));
    case 3:
      return new Int(BigInt.asIntN(64, rng.pick([0n, -1n, 1n << 63n, rng.u64()])));
    case 4:
      return randomReal(rng, mode);
    case 5:
      return randomString(rng);
    case 6:
      return randomAddress(rng);
    case 7: {
      const a = randomAddress(rng);
      return new Subnet(a, rng.int(a.isV4() ? 33 : 129));
    }
    case 8:
      return new Port(rng.int(65536), rng.pick(PORT_PROTOCOLS));
    case 9: {
      const ns = BigInt.asIntN(64, rng.u64());
      return new Timestamp(mode === "json" ? ns / 1_000_000n * 1_000_000n : ns);
    }
    case 10:
      // Broker reads a JSON timespan's number as a double: JSON mode keeps within 2^53.
      return new Timespan(
        BigInt.asIntN(mode === "json" ? 54 : 64, rng.pick([rng.u64(), 1500n * 1_000_000n, 0n, 7n])),
      );
    case 11:
      return new EnumValue(rng.pick(["Cluster::WORKER", "tcp", "Log::WRITER_ASCII", "é"]));
    case 12:
      return new BrokerSet(list(rng, mode, depth));
    case 13: {
      const entries: TableEntry[] = list(rng, mode, depth).map((k) => [
        k,
        randomValue(rng, mode, depth - 1),
      ]);
      return new BrokerTable(entries);
    }
    default:
      return list(rng, mode, depth);
  }
}

function list(rng: Rng, mode: ValueMode, depth: number): BrokerValue[] {
  const n = rng.pick([0, 1, 2, 3, 5, 8]);
  const out: BrokerValue[] = [];
  for (let i = 0; i < n; i++) out.push(randomValue(rng, mode, depth - 1));
  return out;
}

function randomReal(rng: Rng, mode: ValueMode): number {
  const special = [0, -0, NaN, Infinity, -Infinity, 1.5, -2.5];
  if (rng.int(4) === 0) return rng.pick(special);
  if (mode === "json") return (rng.int(2 ** 31) - 2 ** 30) * rng.pick([1, 1000, 1e6]) / 1e6;
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, rng.u64());
  const x = view.getFloat64(0);
  return Number.isNaN(x) ? 0.1 : x;
}

function randomString(rng: Rng): string | ByteString {
  if (rng.int(8) === 0) return new ByteString(rng.bytes(rng.int(12)));
  const n = rng.pick([0, 1, 3, 10, 47, 48, 49, 60, 200]);
  let s = "";
  for (let i = 0; i < n; i++) s += rng.int(3) === 0 ? rng.pick(CHARS) : "x";
  return s;
}

function randomAddress(rng: Rng): Address {
  return rng.int(2) === 0 ? new Address(rng.bytes(4)) : new Address(rng.bytes(16));
}

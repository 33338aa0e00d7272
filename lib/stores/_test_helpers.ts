/**
 * Test helpers: backend factories, the Broker store vector as Broker values, and a temp dir.
 * Used by the `*_test.ts` files only.
 *
 * @module
 */

import {
  Address,
  BrokerSet,
  BrokerTable,
  type BrokerValue,
  ByteString,
  Count,
  EnumValue,
  Int,
  Port,
  type PortProtocol,
  Subnet,
  Timespan,
  Timestamp,
} from "../serialization/mod.ts";
import type { StoreBackend } from "./backend.ts";
import { MemoryBackend } from "./memory_backend.ts";
import { SqliteBackend } from "./sqlite_backend.ts";
import { SqliteWriteBehindBackend } from "./sqlite_write_behind.ts";

/** URL of the real Broker store captured from Zeek 8.2.2. */
export const BROKER_SQLITE_URL = new URL(
  "../../testdata/zeek-8.2.2/broker-store.sqlite",
  import.meta.url,
);
/** URL of what was put into it. */
export const BROKER_JSON_URL = new URL(
  "../../testdata/zeek-8.2.2/broker-store.json",
  import.meta.url,
);
/** URL of `sqlite3 .dump` and a hex listing of it. */
export const BROKER_DUMP_URL = new URL(
  "../../testdata/zeek-8.2.2/broker-store.dump.txt",
  import.meta.url,
);

/** A temp directory removed on dispose. */
export function tempDir(): { path: string } & Disposable {
  const path = Deno.makeTempDirSync({ prefix: "zcluster-stores-" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}

/** A backend for contract tests, with its cleanup. */
export interface BackendFixture extends Disposable {
  readonly backend: StoreBackend;
}

/** Factories of both backends. */
export const BACKENDS: ReadonlyArray<readonly [string, () => BackendFixture]> = [
  ["MemoryBackend", () => {
    const backend = new MemoryBackend();
    return { backend, [Symbol.dispose]: () => backend[Symbol.dispose]() };
  }],
  ["SqliteBackend", () => {
    const dir = tempDir();
    const backend = new SqliteBackend({ path: `${dir.path}/s.sqlite` });
    return {
      backend,
      [Symbol.dispose]: () => {
        backend[Symbol.dispose]();
        dir[Symbol.dispose]();
      },
    };
  }],
  ["SqliteWriteBehindBackend", () => {
    const dir = tempDir();
    const backend = new SqliteWriteBehindBackend({ path: `${dir.path}/s.sqlite` });
    return {
      backend,
      [Symbol.dispose]: () => {
        // Blocks until the commit thread closed the file: nothing writes in the directory after.
        backend[Symbol.dispose]();
        dir[Symbol.dispose]();
      },
    };
  }],
];

/** One put of the Broker vector, as Broker values. */
export interface VectorPut {
  readonly n: number;
  readonly key: BrokerValue;
  readonly value: BrokerValue;
  readonly expirySeconds: number;
}

interface JsonPut {
  n: number;
  key_type: string;
  key: unknown;
  key_zeek: string;
  key_hex?: string;
  value_type: string;
  value: unknown;
  value_zeek: string;
  value_hex?: string;
  value_seconds?: number;
  expiry_s: number;
}

/** Reads `broker-store.json` into Broker values. */
export function loadVectorPuts(): VectorPut[] {
  const doc = JSON.parse(Deno.readTextFileSync(BROKER_JSON_URL)) as { puts: JsonPut[] };
  return doc.puts.map((p) => ({
    n: p.n,
    key: toValue(p.key_type, p.key, p.key_zeek, p.key_hex, undefined),
    value: toValue(p.value_type, p.value, p.value_zeek, p.value_hex, p.value_seconds),
    expirySeconds: p.expiry_s,
  }));
}

function toValue(
  type: string,
  json: unknown,
  zeek: string,
  hex: string | undefined,
  seconds: number | undefined,
): BrokerValue {
  let m: RegExpExecArray | null;
  if ((m = /^set\[(.+)\]$/.exec(type))) {
    return new BrokerSet((json as unknown[]).map((e) => element(m![1]!, e)));
  }
  if ((m = /^table\[(.+?)\] of (.+)$/.exec(type))) {
    const [, k, v] = m;
    return new BrokerTable(
      Object.entries(json as Record<string, unknown>).map((
        [a, b],
      ) => [element(k!, a), element(v!, b)]),
    );
  }
  if ((m = /^vector of (.+)$/.exec(type))) {
    return (json as unknown[]).map((e) => element(m![1]!, e));
  }
  switch (type) {
    case "string":
      return stringOf(fromHex(hex ?? ""));
    case "count":
      return new Count(BigInt(zeek));
    case "int":
      return new Int(BigInt(zeek));
    case "time":
      return Timestamp.fromSeconds(seconds!);
    case "interval":
      return Timespan.fromSeconds(seconds!);
    case "StoreCap::Color":
      return new EnumValue(json as string);
    case "StoreCap::Point": {
      const r = json as { x: number; y: string; z?: number };
      return [new Count(r.x), r.y, r.z ?? null];
    }
    default:
      return element(type, json);
  }
}

function element(type: string, json: unknown): BrokerValue {
  switch (type) {
    case "string":
      return json as string;
    case "count":
      return new Count(BigInt(json as number));
    case "int":
      return new Int(BigInt(json as number));
    case "double":
    case "bool":
      return json as number | boolean;
    case "addr":
      return Address.parse(json as string);
    case "subnet":
      return Subnet.parse(json as string);
    case "port": {
      const p = json as { port: number; proto: PortProtocol };
      return new Port(p.port, p.proto);
    }
    case "set[count]":
      return new BrokerSet((json as number[]).map((e) => new Count(e)));
  }
  throw new TypeError(`Unhandled vector type ${type}`);
}

function stringOf(bytes: Uint8Array): string | ByteString {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return new ByteString(bytes);
  }
}

/** Bytes of hex text. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Upper-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** The `rowid|hex(key)|hex(value)|expiry` rows of the dump. */
export function loadDumpRows(): Array<[string, string, string]> {
  const text = Deno.readTextFileSync(BROKER_DUMP_URL);
  const out: Array<[string, string, string]> = [];
  for (const line of text.split("\n")) {
    const m = /^\d+\|([0-9A-F]+)\|([0-9A-F]+)\|(\d*)$/.exec(line);
    if (m) out.push([m[1]!, m[2]!, m[3]!]);
  }
  return out;
}

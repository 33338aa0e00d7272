/**
 * Broker's memory backend: a map from key to value and optional absolute expiry.
 *
 * @module
 */

import { decodeUtf8 } from "../utf8.ts";
import { BinV1Encoder, type BrokerValue, ByteString } from "../serialization/mod.ts";
import {
  type BackendKind,
  bytesId,
  type EncodedRow,
  type StoreBackend,
  type StoredValue,
  type StoreEntry,
} from "./backend.ts";
import { KeyTable } from "./_key_table.ts";

/**
 * An in-memory {@link StoreBackend}. Nothing survives the process; `flush()` does nothing.
 *
 * @example
 * ```ts
 * import { MemoryBackend } from "./memory_backend.ts";
 * using backend = new MemoryBackend();
 * backend.put("k", "v", null);
 * backend.get("k")?.value; // "v"
 * ```
 */
export class MemoryBackend implements StoreBackend {
  /** Always `"MEMORY"`. */
  readonly kind: BackendKind = "MEMORY";
  /**
   * Rows whose key encodes as a UTF-8 string, by that text ({@link textOf}): two such keys have
   * the same text exactly when they have the same encoding, and a string key costs no encoding.
   */
  readonly #strings = new KeyTable<BrokerValue, BrokerValue, bigint | null>();
  /** Rows with any other key, by the {@link bytesId} of its encoding. */
  readonly #others = new KeyTable<BrokerValue, BrokerValue, bigint | null>();
  readonly #keys = new BinV1Encoder();

  /** Inserts or replaces a row. */
  put(key: BrokerValue, value: BrokerValue, expiryNs: bigint | null): void {
    const text = textOf(key);
    if (text !== undefined) this.#strings.set(text, key, value, expiryNs);
    else this.#others.set(this.#id(key), key, value, expiryNs);
  }

  /** Inserts or replaces a row whose key is already encoded. */
  putEncoded(row: EncodedRow): void {
    const { key, value, expiryNs } = row;
    const text = textOf(key);
    if (text !== undefined) this.#strings.set(text, key, value, expiryNs);
    else this.#others.set(bytesId(row.keyBin), key, value, expiryNs);
  }

  /** @returns The row's value and expiry, or `undefined`. */
  get(key: BrokerValue): StoredValue | undefined {
    const text = textOf(key);
    const table = text !== undefined ? this.#strings : this.#others;
    const slot = table.find(text ?? this.#id(key));
    return slot < 0 ? undefined : { value: table.valueAt(slot), expiryNs: table.extraAt(slot) };
  }

  /** @returns Whether the row exists. */
  exists(key: BrokerValue): boolean {
    const text = textOf(key);
    return text !== undefined
      ? this.#strings.find(text) >= 0
      : this.#others.find(this.#id(key)) >= 0;
  }

  /** @returns Every key (without rows expired at `nowNs`, when given). */
  keys(nowNs?: bigint): BrokerValue[] {
    const out: BrokerValue[] = [];
    this.#forEachRow((key, _value, expiryNs) => {
      if (nowNs === undefined || expiryNs === null || expiryNs > nowNs) out.push(key);
    });
    return out;
  }

  /** @returns Whether a row was deleted. */
  erase(key: BrokerValue): boolean {
    const text = textOf(key);
    return text !== undefined ? this.#strings.delete(text) : this.#others.delete(this.#id(key));
  }

  /** Deletes every row. */
  clear(): void {
    this.#strings.clear();
    this.#others.clear();
  }

  /** @returns The number of rows. */
  size(): number {
    return this.#strings.size + this.#others.size;
  }

  /** Deletes `key` if its expiry is `<= nowNs`. @returns Whether it was deleted. */
  expire(key: BrokerValue, nowNs: bigint): boolean {
    const row = this.get(key);
    if (!row || row.expiryNs === null || row.expiryNs > nowNs) return false;
    return this.erase(key);
  }

  /** @returns Every row. */
  snapshot(): StoreEntry[] {
    const out: StoreEntry[] = [];
    this.#forEachRow((key, value, expiryNs) => out.push({ key, value, expiryNs }));
    return out;
  }

  /** @returns `[key, expiryNs]` of every row with an expiry. */
  expiries(): Array<readonly [BrokerValue, bigint]> {
    const out: Array<readonly [BrokerValue, bigint]> = [];
    this.#forEachRow((key, _value, expiryNs) => {
      if (expiryNs !== null) out.push([key, expiryNs]);
    });
    return out;
  }

  /** Nothing to make durable. */
  flush(): void {}

  /** Drops every row. Safe to call twice. */
  [Symbol.dispose](): void {
    this.clear();
  }

  /** Calls `fn` with every row of both tables (which it must not change). */
  #forEachRow(fn: (key: BrokerValue, value: BrokerValue, expiryNs: bigint | null) => void): void {
    this.#strings.forEach(fn);
    this.#others.forEach(fn);
  }

  #id(key: BrokerValue): string {
    return bytesId(this.#keys.encode(key));
  }
}

/**
 * The text of a key whose encoding is a UTF-8 string: a string with lone surrogates replaced as
 * its encoding replaces them, or a byte string holding valid UTF-8 (which encodes exactly as
 * that text does). `undefined` for any other key.
 */
function textOf(key: BrokerValue): string | undefined {
  if (typeof key === "string") return key.isWellFormed() ? key : key.toWellFormed();
  if (!(key instanceof ByteString)) return undefined;
  return decodeUtf8(key.bytes, 0, key.bytes.length);
}

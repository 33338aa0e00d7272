/**
 * Broker's memory backend: a map from key to value and optional absolute expiry.
 *
 * @module
 */

import { BinV1Encoder, type BrokerValue } from "../serialization/mod.ts";
import {
  type BackendKind,
  bytesId,
  type EncodedRow,
  type StoreBackend,
  type StoredValue,
  type StoreEntry,
} from "./backend.ts";

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
  readonly #rows = new Map<string, StoreEntry>();
  readonly #keys = new BinV1Encoder();

  /** Inserts or replaces a row. */
  put(key: BrokerValue, value: BrokerValue, expiryNs: bigint | null): void {
    this.#rows.set(this.#id(key), { key, value, expiryNs });
  }

  /** Inserts or replaces a row whose key is already encoded. */
  putEncoded(row: EncodedRow): void {
    const { key, value, expiryNs } = row;
    this.#rows.set(bytesId(row.keyBin), { key, value, expiryNs });
  }

  /** @returns The row's value and expiry, or `undefined`. */
  get(key: BrokerValue): StoredValue | undefined {
    const row = this.#rows.get(this.#id(key));
    return row && { value: row.value, expiryNs: row.expiryNs };
  }

  /** @returns Whether the row exists. */
  exists(key: BrokerValue): boolean {
    return this.#rows.has(this.#id(key));
  }

  /** @returns Every key (without rows expired at `nowNs`, when given). */
  keys(nowNs?: bigint): BrokerValue[] {
    const out: BrokerValue[] = [];
    for (const row of this.#rows.values()) {
      if (nowNs === undefined || row.expiryNs === null || row.expiryNs > nowNs) out.push(row.key);
    }
    return out;
  }

  /** @returns Whether a row was deleted. */
  erase(key: BrokerValue): boolean {
    return this.#rows.delete(this.#id(key));
  }

  /** Deletes every row. */
  clear(): void {
    this.#rows.clear();
  }

  /** @returns The number of rows. */
  size(): number {
    return this.#rows.size;
  }

  /** Deletes `key` if its expiry is `<= nowNs`. @returns Whether it was deleted. */
  expire(key: BrokerValue, nowNs: bigint): boolean {
    const id = this.#id(key);
    const row = this.#rows.get(id);
    if (!row || row.expiryNs === null || row.expiryNs > nowNs) return false;
    return this.#rows.delete(id);
  }

  /** @returns Every row. */
  snapshot(): StoreEntry[] {
    return [...this.#rows.values()];
  }

  /** @returns `[key, expiryNs]` of every row with an expiry. */
  expiries(): Array<readonly [BrokerValue, bigint]> {
    const out: Array<readonly [BrokerValue, bigint]> = [];
    for (const row of this.#rows.values()) {
      if (row.expiryNs !== null) out.push([row.key, row.expiryNs]);
    }
    return out;
  }

  /** Nothing to make durable. */
  flush(): void {}

  /** Drops every row. Safe to call twice. */
  [Symbol.dispose](): void {
    this.#rows.clear();
  }

  #id(key: BrokerValue): string {
    return bytesId(this.#keys.encode(key));
  }
}

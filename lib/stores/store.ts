/**
 * The asynchronous store API shared by {@link MasterStore} and {@link CloneStore} (Zeek's
 * `Broker::put`, `Broker::get`, ... on a store handle), and its counters.
 *
 * @module
 */

import { StoreError } from "../errors.ts";
import {
  type BrokerSet,
  type BrokerValue,
  type ByteString,
  Count,
  Timespan,
} from "../serialization/mod.ts";
import type { StoreBackend } from "./backend.ts";
import { incrementInitType, readValue, retrieve, type StoreCommand } from "./operations.ts";
import { keySet } from "./replication.ts";

/** Options of a mutation. */
export interface WriteOptions {
  /**
   * Relative expiry in milliseconds, as Zeek's `e` argument: `0` or unset means none (and clears
   * an existing expiry, as Broker does); negative expires at the next sweep.
   */
  readonly expiryMs?: number;
}

/** Which side of a store this is. */
export type StoreRole = "master" | "clone";

/** Operation names counted in {@link StoreStats.ops}. */
export type StoreOp =
  | "put"
  | "put_unique"
  | "erase"
  | "add"
  | "subtract"
  | "clear"
  | "expire"
  | "get"
  | "exists"
  | "keys";

/** Plain counters of one store, for the metrics module. Fields not used by a role stay 0. */
export interface StoreStats {
  /** Operations by type: mutations applied (master) or submitted (clone), and reads. */
  readonly ops: Record<StoreOp, number>;
  /** Operations that failed (rejected promises). */
  errors: number;
  /** Master: last assigned seq. Clone: last applied seq. */
  lastSeq: number;
  /** Clone: how many seqs it knows it is behind the master. Master: largest lag of a clone. */
  seqBehind: number;
  /** Master: clones heard from recently. */
  clones: number;
  /** Master: updates broadcast. Clone: updates applied. */
  updates: number;
  /** Master: retransmissions answered from the log. */
  retransmits: number;
  /** Master: snapshots sent. Clone: snapshots applied. */
  snapshots: number;
  /** Clone: retransmit requests sent. */
  nacks: number;
  /** Master: repeated writes acknowledged without applying them again. */
  duplicateWrites: number;
  /** Messages dropped because a bounded buffer was full. */
  dropped: number;
  /** Writes that failed for lack of a master (mutation buffer interval) or a full queue. */
  failedWrites: number;
  /** Clone: reads refused as stale. */
  staleReads: number;
  /** Messages that did not decode. */
  malformed: number;
  /** Publishes the channel refused. */
  publishFailures: number;
}

/** Fresh zeroed {@link StoreStats}. */
export function createStoreStats(): StoreStats {
  return {
    ops: {
      put: 0,
      put_unique: 0,
      erase: 0,
      add: 0,
      subtract: 0,
      clear: 0,
      expire: 0,
      get: 0,
      exists: 0,
      keys: 0,
    },
    errors: 0,
    lastSeq: 0,
    seqBehind: 0,
    clones: 0,
    updates: 0,
    retransmits: 0,
    snapshots: 0,
    nacks: 0,
    duplicateWrites: 0,
    dropped: 0,
    failedWrites: 0,
    staleReads: 0,
    malformed: 0,
    publishFailures: 0,
  };
}

/** A data store handle: the same API on a master and on a clone. */
export interface Store extends AsyncDisposable {
  /** The store name. */
  readonly name: string;
  /** Master or clone. */
  readonly role: StoreRole;
  /** Counters. */
  readonly stats: StoreStats;
  /** Rows in the local backend. */
  readonly size: number;
  /** Writes `value` under `key`. Resolves once the master committed it. */
  put(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Writes only if `key` is absent. @returns Whether it was inserted. */
  putUnique(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<boolean>;
  /** @returns The value. Rejects `no_such_key`, `stale_data` (clone). */
  /** Zeek's `Broker::get`. @returns The value. Rejects `no_such_key`, `stale_data` (clone). */
  get(key: BrokerValue): Promise<BrokerValue>;
  /** Zeek's `get_index_from_value`. */
  getIndex(key: BrokerValue, index: BrokerValue): Promise<BrokerValue>;
  /** @returns Whether `key` exists. */
  /** Zeek's `Broker::exists`. @returns Whether `key` exists. */
  exists(key: BrokerValue): Promise<boolean>;
  /** @returns Every key, as a set. */
  /** Zeek's `Broker::keys`. @returns Every key, as a set. */
  keys(): Promise<BrokerSet>;
  /** Deletes `key` (silently when absent). */
  erase(key: BrokerValue): Promise<void>;
  /** Deletes every key. */
  clear(): Promise<void>;
  /** Adds `amount` (default count 1): count, integer, real, timespan; timestamp += timespan. */
  increment(key: BrokerValue, amount?: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Subtracts `amount` (default count 1). Rejects `no_such_key` on a missing key. */
  decrement(key: BrokerValue, amount?: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Appends to a string. */
  append(key: BrokerValue, suffix: string | ByteString, options?: WriteOptions): Promise<void>;
  /** Inserts into a set (creating it). */
  insertIntoSet(key: BrokerValue, element: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Assigns in a table (creating it). */
  insertIntoTable(
    key: BrokerValue,
    index: BrokerValue,
    value: BrokerValue,
    options?: WriteOptions,
  ): Promise<void>;
  /** Removes from a set or a table. */
  removeFrom(key: BrokerValue, element: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Appends to a vector (creating it). */
  push(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Removes a vector's last element. */
  pop(key: BrokerValue, options?: WriteOptions): Promise<void>;
  /** Submits a raw command. @returns Its answer (put_unique: inserted). */
  execute(command: StoreCommand): Promise<BrokerValue>;
  /** Runs timers (expiry, heartbeats, resync); called by the store's own interval or by tests. */
  tick(): void;
}

/** A relative expiry from {@link WriteOptions}. @throws {RangeError} When not finite. */
export function expiryOf(options: WriteOptions | undefined): Timespan | null {
  const ms = options?.expiryMs ?? 0;
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid expiry: ${ms} ms`);
  return ms === 0 ? null : new Timespan(BigInt(Math.trunc(ms * 1e6)));
}

/** The rejection of an operation on a disposed store. */
export function closedError(name: string): StoreError {
  return new StoreError("store_closed", `Cannot use store "${name}": it is closed`);
}

/**
 * The convenience methods of {@link Store} over `execute` and `read`. Subclasses decide how
 * commands reach the master and whether a read may be served.
 */
export abstract class StoreBase implements Store {
  /** The store name. */
  readonly name: string;
  /** The counters. */
  readonly stats: StoreStats = createStoreStats();
  /** Master or clone. */
  abstract readonly role: StoreRole;

  /** @param name Store name. */
  constructor(name: string) {
    this.name = name;
  }

  /** Rows in the local backend. */
  abstract get size(): number;
  /** Submits a raw command. */
  abstract execute(command: StoreCommand): Promise<BrokerValue>;
  /** Runs timers. */
  abstract tick(): void;
  /** Closes the store. */
  abstract [Symbol.asyncDispose](): Promise<void>;
  /** Serves a read from the local backend when allowed. `nowNs` is set on a master. */
  protected abstract read<T>(
    op: StoreOp,
    fn: (backend: StoreBackend, nowNs: bigint | undefined) => T,
  ): Promise<T>;

  /** Writes `value` under `key`. */
  async put(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<void> {
    await this.execute({ type: "put", key, value, expiry: expiryOf(options) });
  }
  /** Writes if absent. @returns Whether it was inserted. */
  async putUnique(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<boolean> {
    return (await this.execute({ type: "put_unique", key, value, expiry: expiryOf(options) })) ===
      true;
  }
  /** @returns The value of `key`. */
  get(key: BrokerValue): Promise<BrokerValue> {
    return this.read("get", (b, now) => readValue(b, key, now));
  }
  /** @returns `get_index_from_value`. */
  getIndex(key: BrokerValue, index: BrokerValue): Promise<BrokerValue> {
    return this.read("get", (b, now) => retrieve(readValue(b, key, now), index));
  }
  /** @returns Whether `key` exists. */
  exists(key: BrokerValue): Promise<boolean> {
    return this.read("exists", (b, now) => {
      const row = b.get(key);
      return row !== undefined &&
        (now === undefined || row.expiryNs === null || row.expiryNs > now);
    });
  }
  /** @returns Every key. */
  keys(): Promise<BrokerSet> {
    return this.read("keys", (b, now) => keySet(b.keys(now)));
  }
  /** Deletes `key`. */
  async erase(key: BrokerValue): Promise<void> {
    await this.execute({ type: "erase", key });
  }
  /** Deletes every key. */
  async clear(): Promise<void> {
    await this.execute({ type: "clear" });
  }
  /** Adds `amount`. */
  async increment(key: BrokerValue, amount: BrokerValue = new Count(1), options?: WriteOptions) {
    const initType = incrementInitType(amount);
    await this.execute({ type: "add", key, value: amount, initType, expiry: expiryOf(options) });
  }
  /** Subtracts `amount`. */
  async decrement(key: BrokerValue, amount: BrokerValue = new Count(1), options?: WriteOptions) {
    await this.execute({ type: "subtract", key, value: amount, expiry: expiryOf(options) });
  }
  /** Appends to a string. */
  async append(
    key: BrokerValue,
    suffix: string | ByteString,
    options?: WriteOptions,
  ): Promise<void> {
    await this.#add(key, suffix, "string", options);
  }
  /** Inserts into a set. */
  async insertIntoSet(
    key: BrokerValue,
    element: BrokerValue,
    options?: WriteOptions,
  ): Promise<void> {
    await this.#add(key, element, "set", options);
  }
  /** Assigns in a table. */
  async insertIntoTable(
    key: BrokerValue,
    index: BrokerValue,
    value: BrokerValue,
    options?: WriteOptions,
  ): Promise<void> {
    await this.#add(key, [index, value], "table", options);
  }
  /** Removes from a set or table. */
  async removeFrom(key: BrokerValue, element: BrokerValue, options?: WriteOptions): Promise<void> {
    await this.execute({ type: "subtract", key, value: element, expiry: expiryOf(options) });
  }
  /** Appends to a vector. */
  async push(key: BrokerValue, value: BrokerValue, options?: WriteOptions): Promise<void> {
    await this.#add(key, value, "vector", options);
  }
  /** Removes a vector's last element (the key is the dummy operand, as in Broker). */
  async pop(key: BrokerValue, options?: WriteOptions): Promise<void> {
    await this.execute({ type: "subtract", key, value: key, expiry: expiryOf(options) });
  }

  #add(
    key: BrokerValue,
    value: BrokerValue,
    initType: "string" | "set" | "table" | "vector",
    options: WriteOptions | undefined,
  ): Promise<BrokerValue> {
    return this.execute({ type: "add", key, value, initType, expiry: expiryOf(options) });
  }
}

/**
 * The semantics of every store command on a {@link StoreBackend}, as a master applies them
 * (spec A.4 and A.5). Pure apart from the backend: the caller passes the time.
 *
 * Where Broker's code and its documentation differ, this module follows the code:
 * - A mutation without an expiry (put, put_unique, add, subtract) clears the key's expiry; the
 *   Zeek doc comments say add/subtract keep it.
 * - `increment` with a timespan amount initialises a missing key as a timestamp (Broker's
 *   `init_type` quirk), so the result is `epoch + amount`.
 * - Count and integer arithmetic wraps at 64 bits, as Broker's C++ arithmetic does: decrementing
 *   count 0 by 1 gives 2^64-1.
 * - Subtract on a missing key fails with `no_such_key`; erase of a missing key is silent.
 * - Add on a missing key with no init type fails with `type_clash` for every backend (Broker's
 *   memory backend; its SQLite backend failed later for the same reason).
 * Unlike Broker, a failed mutation is reported to the caller (Broker only logs it).
 *
 * Expiry is lazy on read: a row whose expiry is `<= now` reads as absent even before the
 * master's periodic sweep ({@link ExpiryTracker}) deletes it and broadcasts the expiry.
 *
 * @module
 */

import { decodeUtf8 } from "../utf8.ts";
import { StoreError } from "../errors.ts";
import {
  BinV1Encoder,
  BrokerSet,
  BrokerTable,
  type BrokerValue,
  ByteString,
  Count,
  dataTagOf,
  Int,
  Timespan,
  Timestamp,
  valuesEqual,
  valueToString,
} from "../serialization/mod.ts";
import { bytesId, type StoreBackend, type StoredValue, StoreEncoders } from "./backend.ts";

/** The type a missing key starts as for an `add` (Broker's `init_type`). */
export type InitType =
  | "none"
  | "count"
  | "integer"
  | "real"
  | "timestamp"
  | "timespan"
  | "string"
  | "set"
  | "table"
  | "vector";

/** Every init type. */
export const INIT_TYPES: readonly InitType[] = [
  "none",
  "count",
  "integer",
  "real",
  "timestamp",
  "timespan",
  "string",
  "set",
  "table",
  "vector",
];

/** A mutation, as a writer sends it to the master. `expiry` is relative; `null` means none. */
export type StoreCommand =
  | {
    readonly type: "put";
    readonly key: BrokerValue;
    readonly value: BrokerValue;
    readonly expiry: Timespan | null;
  }
  | {
    readonly type: "put_unique";
    readonly key: BrokerValue;
    readonly value: BrokerValue;
    readonly expiry: Timespan | null;
  }
  | { readonly type: "erase"; readonly key: BrokerValue }
  | {
    readonly type: "add";
    readonly key: BrokerValue;
    readonly value: BrokerValue;
    readonly initType: InitType;
    readonly expiry: Timespan | null;
  }
  | {
    readonly type: "subtract";
    readonly key: BrokerValue;
    readonly value: BrokerValue;
    readonly expiry: Timespan | null;
  }
  | { readonly type: "clear" };

/** A change the master broadcasts to clones. `expiryNs` is absolute. */
export type StoreUpdate =
  | {
    readonly type: "put";
    readonly key: BrokerValue;
    readonly value: BrokerValue;
    readonly expiryNs: bigint | null;
  }
  | { readonly type: "erase"; readonly key: BrokerValue }
  | { readonly type: "expire"; readonly key: BrokerValue }
  | { readonly type: "clear" };

/** What applying a command did. */
export interface CommandOutcome {
  /** The changes to replicate, in order (empty for a no-op). */
  readonly updates: StoreUpdate[];
  /** The answer: `true`/`false` for put_unique (inserted), `null` otherwise. */
  readonly result: BrokerValue;
}

/** Size bounds on keys and values. */
export interface StoreLimits {
  /** Largest encoded key, bytes (default {@link DEFAULT_MAX_KEY_BYTES}). */
  readonly maxKeyBytes: number;
  /** Largest encoded value, bytes (default {@link DEFAULT_MAX_VALUE_BYTES}). */
  readonly maxValueBytes: number;
}

/** Default bound on an encoded key: 64 KiB. */
export const DEFAULT_MAX_KEY_BYTES = 64 * 1024;
/** Default bound on an encoded value: 16 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;
/** The default {@link StoreLimits}. */
export const DEFAULT_STORE_LIMITS: StoreLimits = Object.freeze({
  maxKeyBytes: DEFAULT_MAX_KEY_BYTES,
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
});

/** Options of {@link applyCommand}. */
export interface ApplyOptions {
  /** The time, ns since the epoch. */
  readonly nowNs: bigint;
  /** Size bounds (default {@link DEFAULT_STORE_LIMITS}). */
  readonly limits?: StoreLimits;
  /**
   * Scratch encoders to reuse (a store passes its own); by default a fresh pair per call. Each
   * written key and value is encoded once, size-checked with those bytes and handed to
   * {@link StoreBackend.putEncoded}.
   */
  readonly encoders?: StoreEncoders;
}

/**
 * Applies a command to the backend (Broker's master semantics) and returns what to replicate.
 * An add or subtract becomes a full-value put. Nothing is flushed.
 *
 * @param backend The master's backend.
 * @param command The mutation.
 * @param options The time, size bounds and scratch encoders.
 * @returns The updates and the answer.
 * @throws {StoreError} `key_too_large`/`value_too_large` past the limits, `no_such_key` for a
 *   subtract on a missing key, `type_clash` for a wrong type, `invalid_data` for a malformed
 *   table insert, `backend_failure` from the backend.
 * @example
 * ```ts
 * import { count } from "../serialization/mod.ts";
 * import { applyCommand, MemoryBackend } from "./mod.ts";
 * using backend = new MemoryBackend();
 * applyCommand(backend, { type: "add", key: "n", value: count(2), initType: "count", expiry: null }, { nowNs: 0n });
 * backend.get("n")?.value; // Count 2
 * ```
 */
export function applyCommand(
  backend: StoreBackend,
  command: StoreCommand,
  options: ApplyOptions,
): CommandOutcome {
  const { nowNs } = options;
  if (command.type === "clear") {
    backend.clear();
    return { updates: [{ type: "clear" }], result: null };
  }
  const limits = options.limits ?? DEFAULT_STORE_LIMITS;
  const encoders = options.encoders ?? new StoreEncoders();
  const keyBin = checkKey(encoders.key, command.key, limits);
  const w: Writer = { backend, limits, encoders, keyBin, nowNs };
  switch (command.type) {
    case "put":
      return { updates: [write(w, command.key, command.value, command.expiry)], result: null };
    case "put_unique": {
      if (live(backend.get(command.key), nowNs)) return { updates: [], result: false };
      const update = write(w, command.key, command.value, command.expiry);
      return { updates: [update], result: true };
    }
    case "erase":
      return backend.erase(command.key)
        ? { updates: [{ type: "erase", key: command.key }], result: null }
        : { updates: [], result: null };
    case "add": {
      const current = live(backend.get(command.key), nowNs);
      const base = current ? current.value : initialValue(command.initType, command.key);
      const next = add(base, command.value);
      return { updates: [write(w, command.key, next, command.expiry)], result: null };
    }
    case "subtract": {
      const current = live(backend.get(command.key), nowNs);
      if (!current) {
        throw new StoreError(
          "no_such_key",
          `Cannot subtract from ${valueToString(command.key)}: no such key`,
        );
      }
      const next = subtract(current.value, command.value);
      return { updates: [write(w, command.key, next, command.expiry)], result: null };
    }
  }
}

/**
 * Applies a replicated update to a clone's backend. Clones keep no expiry (the master sends
 * `expire`), as Broker's clones.
 *
 * @param backend The clone's backend.
 * @param update The change.
 */
export function applyUpdate(backend: StoreBackend, update: StoreUpdate): void {
  switch (update.type) {
    case "put":
      backend.put(update.key, update.value, null);
      return;
    case "erase":
    case "expire":
      backend.erase(update.key);
      return;
    case "clear":
      backend.clear();
  }
}

/**
 * Reads a key, treating an expired row as absent.
 *
 * @param backend The backend.
 * @param key The key.
 * @param nowNs The time; `undefined` skips the expiry check (clones).
 * @returns The value.
 * @throws {StoreError} `no_such_key`.
 */
export function readValue(backend: StoreBackend, key: BrokerValue, nowNs?: bigint): BrokerValue {
  const row = live(backend.get(key), nowNs);
  if (!row) throw new StoreError("no_such_key", `Cannot get ${valueToString(key)}: no such key`);
  return row.value;
}

/**
 * Broker's "get with aspect" (`get_index_from_value`): a vector element by count or non-negative
 * integer index, set membership as a bool, a table value by key; any other type yields the
 * whole value.
 *
 * @param value The stored value.
 * @param index The aspect.
 * @returns The element, membership or value.
 * @throws {StoreError} `no_such_key` for an index out of range or a missing table key;
 *   `type_clash` for a vector index that is not a count or non-negative integer.
 */
export function retrieve(value: BrokerValue, index: BrokerValue): BrokerValue {
  if (Array.isArray(value)) {
    const vector = value as readonly BrokerValue[];
    if (!(index instanceof Count) && !(index instanceof Int)) {
      throw new StoreError("type_clash", `Cannot index a vector with ${valueToString(index)}`);
    }
    const i = index.value;
    if (i < 0n || i >= BigInt(vector.length)) {
      throw new StoreError("no_such_key", `Cannot index a vector of ${vector.length} at ${i}`);
    }
    return vector[Number(i)]!;
  }
  if (value instanceof BrokerSet) return value.has(index);
  if (value instanceof BrokerTable) {
    const v = value.get(index);
    if (v === undefined) {
      throw new StoreError(
        "no_such_key",
        `Cannot get ${valueToString(index)} from a table: no such key`,
      );
    }
    return v;
  }
  return value;
}

/**
 * Broker's adder: the result of adding `amount` to `current`.
 *
 * @throws {StoreError} `type_clash` or `invalid_data` (table insert without a `[key, value]`).
 */
export function add(current: BrokerValue, amount: BrokerValue): BrokerValue {
  if (current instanceof Count && amount instanceof Count) {
    return new Count(BigInt.asUintN(64, current.value + amount.value));
  }
  if (current instanceof Int && amount instanceof Int) {
    return new Int(BigInt.asIntN(64, current.value + amount.value));
  }
  if (typeof current === "number" && typeof amount === "number") return current + amount;
  if (current instanceof Timespan && amount instanceof Timespan) {
    return new Timespan(BigInt.asIntN(64, current.ns + amount.ns));
  }
  if (current instanceof Timestamp && amount instanceof Timespan) {
    return new Timestamp(BigInt.asIntN(64, current.ns + amount.ns));
  }
  if (isString(current) && isString(amount)) return concat(current, amount);
  if (Array.isArray(current)) return [...current as readonly BrokerValue[], amount];
  if (current instanceof BrokerSet) return new BrokerSet([...current.values, amount]);
  if (current instanceof BrokerTable) {
    if (!Array.isArray(amount) || amount.length !== 2) {
      throw new StoreError(
        "invalid_data",
        "Cannot insert into a table: need a [key, value] vector",
      );
    }
    const [k, v] = amount as unknown as readonly [BrokerValue, BrokerValue];
    return new BrokerTable([[k, v], ...current.entries.filter((e) => !valuesEqual(e[0], k))]);
  }
  throw clash("add", amount, current);
}

/**
 * Broker's remover: the result of subtracting `amount` from `current`. A vector pops its last
 * element (a no-op when empty), a set erases the element, a table erases the key.
 *
 * @throws {StoreError} `type_clash` (strings cannot be subtracted from).
 */
export function subtract(current: BrokerValue, amount: BrokerValue): BrokerValue {
  if (current instanceof Count && amount instanceof Count) {
    return new Count(BigInt.asUintN(64, current.value - amount.value));
  }
  if (current instanceof Int && amount instanceof Int) {
    return new Int(BigInt.asIntN(64, current.value - amount.value));
  }
  if (typeof current === "number" && typeof amount === "number") return current - amount;
  if (current instanceof Timespan && amount instanceof Timespan) {
    return new Timespan(BigInt.asIntN(64, current.ns - amount.ns));
  }
  if (current instanceof Timestamp && amount instanceof Timespan) {
    return new Timestamp(BigInt.asIntN(64, current.ns - amount.ns));
  }
  if (Array.isArray(current)) return (current as readonly BrokerValue[]).slice(0, -1);
  if (current instanceof BrokerSet) {
    return new BrokerSet(current.values.filter((v) => !valuesEqual(v, amount)));
  }
  if (current instanceof BrokerTable) {
    return new BrokerTable(current.entries.filter((e) => !valuesEqual(e[0], amount)));
  }
  throw clash("subtract", amount, current);
}

/**
 * The init type Broker's `increment` uses for an amount: its own type for count, integer and
 * real, timestamp for a timespan, none otherwise.
 */
export function incrementInitType(amount: BrokerValue): InitType {
  if (amount instanceof Count) return "count";
  if (amount instanceof Int) return "integer";
  if (typeof amount === "number") return "real";
  if (amount instanceof Timespan) return "timestamp";
  return "none";
}

/** Tracks absolute expiries in memory (Broker's master `expirations` map). */
export class ExpiryTracker {
  readonly #due = new Map<string, { key: BrokerValue; expiryNs: bigint }>();
  readonly #keys = new BinV1Encoder();

  /** Loads the expiries of a backend (a master restarting from SQLite). */
  load(backend: StoreBackend): void {
    for (const [key, expiryNs] of backend.expiries()) this.#set(key, expiryNs);
  }

  /** Follows one replicated update. */
  track(update: StoreUpdate): void {
    if (update.type === "clear") this.#due.clear();
    else if (update.type === "put") this.#set(update.key, update.expiryNs);
    else if (this.#due.size > 0) this.#due.delete(bytesId(this.#keys.encode(update.key)));
  }

  /** Number of keys with an expiry. */
  get size(): number {
    return this.#due.size;
  }

  /**
   * Expires every tracked key whose time is `<= nowNs` (Broker's tick): deletes the row if its
   * stored expiry is still due and returns an `expire` update for each deleted row.
   */
  sweep(backend: StoreBackend, nowNs: bigint): StoreUpdate[] {
    const out: StoreUpdate[] = [];
    for (const [id, entry] of this.#due) {
      if (entry.expiryNs > nowNs) continue;
      this.#due.delete(id);
      if (backend.expire(entry.key, nowNs)) out.push({ type: "expire", key: entry.key });
    }
    return out;
  }

  #set(key: BrokerValue, expiryNs: bigint | null): void {
    if (expiryNs === null && this.#due.size === 0) return;
    const id = bytesId(this.#keys.encode(key));
    if (expiryNs === null) this.#due.delete(id);
    else this.#due.set(id, { key, expiryNs });
  }
}

/** What a write needs: the backend, bounds, scratch encoders, the checked key's bytes, time. */
interface Writer {
  readonly backend: StoreBackend;
  readonly limits: StoreLimits;
  readonly encoders: StoreEncoders;
  /** The key's encoding (a view of `encoders.key`'s scratch buffer). */
  readonly keyBin: Uint8Array;
  readonly nowNs: bigint;
}

function write(
  w: Writer,
  key: BrokerValue,
  value: BrokerValue,
  expiry: Timespan | null,
): StoreUpdate {
  const valueBin = w.encoders.value.encode(value);
  if (valueBin.length > w.limits.maxValueBytes) {
    throw new StoreError(
      "value_too_large",
      `Cannot write ${
        valueToString(key)
      }: value is ${valueBin.length} bytes, limit ${w.limits.maxValueBytes}`,
    );
  }
  const expiryNs = expiry === null ? null : w.nowNs + expiry.ns;
  w.backend.putEncoded({ key, value, expiryNs, keyBin: w.keyBin, valueBin });
  return { type: "put", key, value, expiryNs };
}

/** @returns The key's encoding (scratch) once it is within bounds. */
function checkKey(encoder: BinV1Encoder, key: BrokerValue, limits: StoreLimits): Uint8Array {
  const keyBin = encoder.encode(key);
  if (keyBin.length > limits.maxKeyBytes) {
    throw new StoreError(
      "key_too_large",
      `Cannot write key: key is ${keyBin.length} bytes, limit ${limits.maxKeyBytes}`,
    );
  }
  return keyBin;
}

function live(row: StoredValue | undefined, nowNs: bigint | undefined): StoredValue | undefined {
  if (!row) return undefined;
  if (nowNs !== undefined && row.expiryNs !== null && row.expiryNs <= nowNs) return undefined;
  return row;
}

function initialValue(type: InitType, key: BrokerValue): BrokerValue {
  switch (type) {
    case "count":
      return new Count(0n);
    case "integer":
      return new Int(0n);
    case "real":
      return 0;
    case "timestamp":
      return new Timestamp(0n);
    case "timespan":
      return new Timespan(0n);
    case "string":
      return "";
    case "set":
      return new BrokerSet();
    case "table":
      return new BrokerTable();
    case "vector":
      return [];
    case "none":
      throw new StoreError(
        "type_clash",
        `Cannot add to ${valueToString(key)}: no such key and no type to create it as`,
      );
  }
}

function isString(v: BrokerValue): v is string | ByteString {
  return typeof v === "string" || v instanceof ByteString;
}

function concat(a: string | ByteString, b: string | ByteString): string | ByteString {
  if (typeof a === "string" && typeof b === "string") return a + b;
  const enc = new TextEncoder();
  const x = typeof a === "string" ? enc.encode(a) : a.bytes;
  const y = typeof b === "string" ? enc.encode(b) : b.bytes;
  const bytes = new Uint8Array(x.length + y.length);
  bytes.set(x);
  bytes.set(y, x.length);
  return decodeUtf8(bytes, 0, bytes.length) ?? new ByteString(bytes);
}

function clash(op: string, amount: BrokerValue, current: BrokerValue): StoreError {
  return new StoreError(
    "type_clash",
    `Cannot ${op} ${typeName(amount)} ${op === "add" ? "to" : "from"} ${typeName(current)}`,
  );
}

function typeName(v: BrokerValue): string {
  return [
    "none",
    "bool",
    "count",
    "integer",
    "real",
    "string",
    "address",
    "subnet",
    "port",
    "timestamp",
    "timespan",
    "enum",
    "set",
    "table",
    "vector",
  ][dataTagOf(v)] ?? "unknown";
}

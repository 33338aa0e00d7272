/**
 * The storage contract under a data store: Broker's `detail::abstract_backend`, synchronous.
 *
 * Keys and values are Broker values. A backend does not interpret them; it only stores a value
 * and an optional absolute expiry per key. Keys are identified by their canonical
 * `broker-bin-v1` encoding, exactly as Broker's SQLite backend compares key blobs.
 *
 * @module
 */

import { BinV1Encoder, type BrokerValue, encodeBinV1 } from "../serialization/mod.ts";

/** Backend kinds, as Broker's `BackendType`. */
export type BackendKind = "MEMORY" | "SQLITE";

/** One stored row. */
export interface StoreEntry {
  /** The key. */
  readonly key: BrokerValue;
  /** The value. */
  readonly value: BrokerValue;
  /** Absolute expiry in nanoseconds since the epoch, or `null` for none. */
  readonly expiryNs: bigint | null;
}

/** A stored value with its expiry. */
export interface StoredValue {
  /** The value. */
  readonly value: BrokerValue;
  /** Absolute expiry in nanoseconds since the epoch, or `null` for none. */
  readonly expiryNs: bigint | null;
}

/**
 * A row to write together with the `broker-bin-v1` encodings of its key and value, made once by
 * the caller (who also checked their sizes with them). The encodings may be views of the
 * caller's scratch buffers: a backend reads them during the call and never keeps them.
 */
export interface EncodedRow extends StoreEntry {
  /** The key's encoding. */
  readonly keyBin: Uint8Array;
  /** The value's encoding. */
  readonly valueBin: Uint8Array;
}

/**
 * A store backend. Methods are synchronous and throw `StoreError` (`backend_failure` for I/O,
 * `invalid_data` for a stored blob that does not decode). Writes may be batched: they become
 * durable at {@link StoreBackend.flush} (or once the promise it returns resolves), which a master
 * waits for before acknowledging a write.
 * Reads always see every earlier write, flushed or not.
 */
export interface StoreBackend extends Disposable {
  /** Which backend this is. */
  readonly kind: BackendKind;
  /** Writes (inserts or replaces) a row. `expiryNs` `null` clears any expiry. */
  put(key: BrokerValue, value: BrokerValue, expiryNs: bigint | null): void;
  /** {@link StoreBackend.put} with the encodings already made (read during the call only). */
  putEncoded(row: EncodedRow): void;
  /** @returns The value and expiry of `key`, or `undefined`. Expiry is not checked. */
  get(key: BrokerValue): StoredValue | undefined;
  /** @returns Whether a row for `key` exists. Expiry is not checked. */
  exists(key: BrokerValue): boolean;
  /**
   * @param nowNs When given, rows whose expiry is `<= nowNs` are left out.
   * @returns Every key, in no particular order.
   */
  keys(nowNs?: bigint): BrokerValue[];
  /** Deletes a row. @returns Whether a row was deleted. */
  erase(key: BrokerValue): boolean;
  /** Deletes every row. */
  clear(): void;
  /** @returns The number of rows (expired or not). */
  size(): number;
  /**
   * Broker's `expire`: deletes `key` only if it has an expiry `<= nowNs`.
   * @returns Whether a row was deleted.
   */
  expire(key: BrokerValue, nowNs: bigint): boolean;
  /** @returns Every row. */
  snapshot(): StoreEntry[];
  /** @returns Every row that has an expiry, as `[key, expiryNs]`. */
  expiries(): Array<readonly [BrokerValue, bigint]>;
  /**
   * Makes every earlier write durable (commits the open transaction). A backend that commits on
   * another thread returns a promise that settles once it has; the others return nothing.
   */
  flush(): void | Promise<void>;
}

/**
 * The canonical bytes of a key (`broker-bin-v1`), the identity a backend uses for it.
 *
 * @param key Any Broker value.
 * @returns The encoding.
 * @example
 * ```ts
 * import { keyBytes } from "./backend.ts";
 * keyBytes("a"); // Uint8Array [5, 1, 97]
 * ```
 */
export function keyBytes(key: BrokerValue): Uint8Array {
  return encodeBinV1(key);
}

/**
 * Scratch encoders for keys and values, reused across writes so that each key and value is
 * encoded once per write without an allocation (one pair per store; not shared across async
 * boundaries). Each `encode()` result is valid until the next `encode()` on the same encoder.
 */
export class StoreEncoders {
  /** Encodes keys. */
  readonly key: BinV1Encoder = new BinV1Encoder();
  /** Encodes values. */
  readonly value: BinV1Encoder = new BinV1Encoder();
}

/**
 * A string form of encoded bytes, usable as a `Map` key (one char per byte).
 *
 * @param bytes Encoded key.
 * @returns A string with one UTF-16 unit per byte.
 */
export function bytesId(bytes: Uint8Array): string {
  // `apply` with the typed array as the argument list is about 2x faster than spreading it.
  if (bytes.length <= ID_CHUNK) {
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  let s = "";
  for (let i = 0; i < bytes.length; i += ID_CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + ID_CHUNK) as unknown as number[]);
  }
  return s;
}

/** Bytes converted per `String.fromCharCode` call in {@link bytesId} (bounds its arguments). */
const ID_CHUNK = 8192;

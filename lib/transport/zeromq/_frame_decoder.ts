/**
 * Decodes short UTF-8 frames (topics, node ids, format names) to strings, cheaply: the strict
 * decoder of `lib/utf8.ts`, and a small cache for frames that repeat (sender, format).
 * Internal; not re-exported.
 *
 * @module
 */

import { bytesEqualAt } from "../../bytes.ts";
import { decodeUtf8 } from "../../utf8.ts";

/** Entries of the repeat cache by default. */
const CACHE_SIZE = 16;

/** A decoder of one kind of frame (topics, senders, ...); `undefined` means "not valid UTF-8". */
export class FrameDecoder {
  #keys: Uint8Array[] = [];
  #values: string[] = [];
  #next = 0;
  #lastBytes: Uint8Array | undefined;
  #lastValue: string | undefined;
  readonly #size: number;

  /** @param cacheSize Distinct values {@linkcode decodeCached} remembers (replaced in turn). */
  constructor(cacheSize = CACHE_SIZE) {
    this.#size = cacheSize;
  }

  /** Decodes `bytes`, or returns `undefined` if they are not valid UTF-8. */
  decode(bytes: Uint8Array): string | undefined {
    return decodeUtf8(bytes, 0, bytes.length);
  }

  /** Like {@linkcode decode}, remembering the last few distinct values. */
  decodeCached(bytes: Uint8Array): string | undefined {
    if (bytes === this.#lastBytes) return this.#lastValue; // the same frame again (the socket reuses views)
    const value = this.#lookup(bytes);
    this.#lastBytes = bytes;
    this.#lastValue = value;
    return value;
  }

  #lookup(bytes: Uint8Array): string | undefined {
    const keys = this.#keys;
    for (let k = 0; k < keys.length; k++) {
      if (bytesEqualAt(bytes, 0, bytes.length, keys[k]!)) return this.#values[k];
    }
    const s = this.decode(bytes);
    if (s === undefined) return undefined;
    const slot = this.#next;
    this.#next = (slot + 1) % this.#size;
    keys[slot] = bytes.slice();
    this.#values[slot] = s;
    return s;
  }
}

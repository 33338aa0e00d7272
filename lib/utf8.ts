/**
 * The one strict UTF-8 decoder for short text from the wire (topics, node ids, event names,
 * string values, log fields): valid UTF-8 becomes a string, anything else `undefined`.
 *
 * Measured under Deno 2.9.6 (2026-12-07): a `TextDecoder` with `fatal: true` costs 0.4-0.95 µs a
 * call whatever the length, one without it 0.16-0.3 µs, Node's `Buffer#utf8Slice` 0.09-0.12 µs
 * from 8 bytes up; appending char by char costs 0.05 µs for 4 bytes but 0.12 µs for 12 and 1.1 µs
 * for 100. So ASCII up to 8 bytes is appended by hand, the rest goes through a lenient decoder,
 * and only a result holding U+FFFD (bad input, or a real U+FFFD) is decoded again
 * strictly. {@linkcode Utf8Cache} puts a small cache of recent texts in front of it, for text
 * that repeats.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { bytesEqualAt } from "./bytes.ts";

/** Up to this many bytes, ASCII text is appended by hand. */
const BY_HAND_MAX = 8;
const LENIENT = new TextDecoder("utf-8", { ignoreBOM: true });
const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/**
 * The lenient decode of Node's `Buffer#utf8Slice` (undocumented in Node, kept by Deno's Node
 * layer): it takes a range of any `Uint8Array` with no view and none of `TextDecoder`'s argument
 * checks, 0.21 µs against 0.37 µs for 100 bytes (Deno 2.9.6, 2026-12-07). Invalid input comes out
 * with U+FFFD, as from `TextDecoder`; `utf8_test.ts` holds it to the strict decoder. Where a
 * runtime lacks it, `TextDecoder` does the work.
 */
const LENIENT_SLICE = (Buffer.prototype as unknown as {
  utf8Slice?: (this: Uint8Array, start: number, end: number) => string;
}).utf8Slice;

/**
 * `bytes[start, end)` as a string when it is valid UTF-8 (as `TextDecoder` with `fatal` judges:
 * no overlong forms, surrogates or code points above U+10FFFF; a BOM is kept), else `undefined`.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./utf8.ts";
 * decodeUtf8(new Uint8Array([0x7a, 0x65, 0x65, 0x6b]), 0, 4); // "zeek"
 * decodeUtf8(new Uint8Array([0xc3, 0xa9]), 0, 2); // "é"
 * decodeUtf8(new Uint8Array([0xc3]), 0, 1); // undefined
 * ```
 *
 * @param bytes The bytes.
 * @param start First byte.
 * @param end One past the last byte.
 * @returns The text, or `undefined` when the bytes are not valid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start <= BY_HAND_MAX) {
    let s = "";
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  const text = LENIENT_SLICE !== undefined
    ? LENIENT_SLICE.call(bytes, start, end)
    : LENIENT.decode(bytes.subarray(start, end));
  if (!text.includes("\uFFFD")) return text;
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  try {
    return STRICT.decode(view);
  } catch {
    return undefined;
  }
}

/**
 * A strict UTF-8 decoder that remembers the last few distinct texts it decoded, for text that
 * repeats: topics, node ids and format names of received frames, event names of payloads. A hit
 * costs a byte comparison and hands back the same string (no allocation, and its hash is already
 * known to the `Map`s it is looked up in). Entries are replaced in turn; the bytes are copied.
 *
 * @example
 * ```ts
 * import { Utf8Cache } from "./utf8.ts";
 * const names = new Utf8Cache(4);
 * const bytes = new TextEncoder().encode("xCluster::hello");
 * names.decode(bytes, 1, bytes.length) === names.decode(bytes, 1, bytes.length); // true
 * names.decode(Uint8Array.of(0xc3), 0, 1); // undefined
 * ```
 */
export class Utf8Cache {
  readonly #keys: Uint8Array[] = [];
  readonly #values: string[] = [];
  readonly #size: number;
  #next = 0;
  #hit = 0;
  #lastFrame: Uint8Array | undefined;
  #lastFrameValue: string | undefined;

  /** @param size Distinct texts remembered (at least 1). */
  constructor(size = 16) {
    this.#size = Math.max(1, Math.floor(size));
  }

  /**
   * `bytes[start, end)` as a string when it is valid UTF-8, else `undefined` (see
   * {@linkcode decodeUtf8}); from the cache when the same bytes were decoded lately.
   */
  decode(bytes: Uint8Array, start: number, end: number): string | undefined {
    const keys = this.#keys;
    const n = keys.length;
    if (n > 0) {
      // The text of the last hit first: a stream of one event or one topic needs one comparison.
      const h = this.#hit;
      if (bytesEqualAt(bytes, start, end, keys[h]!)) return this.#values[h];
      for (let k = 0; k < n; k++) {
        if (k !== h && bytesEqualAt(bytes, start, end, keys[k]!)) {
          this.#hit = k;
          return this.#values[k];
        }
      }
    }
    const s = decodeUtf8(bytes, start, end);
    if (s === undefined) return undefined;
    const slot = this.#next;
    this.#next = (slot + 1) % this.#size;
    keys[slot] = bytes.slice(start, end);
    this.#values[slot] = s;
    this.#hit = slot;
    return s;
  }

  /**
   * A whole frame as a string, like {@linkcode decode}; the very frame passed last time (a
   * receive loop hands a repeated frame on as the same view) is answered without comparing.
   */
  decodeFrame(frame: Uint8Array): string | undefined {
    if (frame === this.#lastFrame) return this.#lastFrameValue;
    const value = this.decode(frame, 0, frame.length);
    this.#lastFrame = frame;
    this.#lastFrameValue = value;
    return value;
  }
}

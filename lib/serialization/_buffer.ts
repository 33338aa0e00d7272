/**
 * Internal byte helpers for the codecs: a cursor reader and UTF-8 helpers (the growable writer
 * is `ByteSink` in `lib/byte_sink.ts`, shared with logging and stores).
 * Not re-exported from `mod.ts`.
 *
 * @module
 */

import { asciiText } from "../ascii.ts";
import { SerializationError } from "../errors.ts";
import { ByteString } from "./data.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strings up to this many bytes are decoded by hand (a TextDecoder call costs ~0.5 µs). */
const SHORT_DECODE = 128;
/** The UTF-8 bytes of a string value (a `ByteString`'s own bytes). */
export function stringBytes(value: string | ByteString): Uint8Array {
  return typeof value === "string" ? ENCODER.encode(value) : value.bytes;
}

/**
 * Decodes `bytes[start, end)` as a JS string when it is valid UTF-8 (a BOM is kept), otherwise
 * returns a `ByteString` holding a copy of the bytes.
 */
export function decodeText(bytes: Uint8Array, start: number, end: number): string | ByteString {
  if (end - start <= SHORT_DECODE) {
    const s = decodeShortUtf8(bytes, start, end);
    return s ?? new ByteString(bytes.slice(start, end));
  }
  try {
    return DECODER.decode(bytes.subarray(start, end));
  } catch {
    return new ByteString(bytes.slice(start, end));
  }
}

/**
 * Strict UTF-8 decoding by hand (as `TextDecoder` with `fatal`: no overlong forms, surrogates or
 * code points above U+10FFFF). Returns `undefined` for invalid input.
 */
function decodeShortUtf8(b: Uint8Array, start: number, end: number): string | undefined {
  const ascii = asciiText(b, start, end);
  if (ascii !== undefined) return ascii;
  let s = "";
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    let cp: number;
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [cp, n, min] = [c & 0x1f, 1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [cp, n, min] = [c & 0x0f, 2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [cp, n, min] = [c & 0x07, 3, 0x10000];
    else return undefined;
    if (i + n >= end) return undefined;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k]!;
      if ((cc & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** A cursor over a byte array that throws `SerializationError` when it runs out. */
export class ByteReader {
  readonly bytes: Uint8Array;
  pos: number;
  #view: DataView | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.pos = 0;
  }

  /** A DataView over the input, made on first use (making one costs ~0.1 µs). */
  get view(): DataView {
    const b = this.bytes;
    return this.#view ??= new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes are available for decoding `what`. */
  need(n: number, what: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new SerializationError(
        `Cannot decode ${what}: ${this.bytes.length - this.pos} bytes left, need ${n}`,
      );
    }
  }

  u8(what: string): number {
    if (this.pos >= this.bytes.length) this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const b = this.bytes;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  /** Big-endian uint32 at `at` (no bounds check). */
  u32At(at: number): number {
    const b = this.bytes;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const at = this.pos;
    this.pos += 8;
    const hi = this.u32At(at);
    // Below 2^53 a double holds the value exactly: one BigInt conversion instead of a DataView.
    if (hi < 0x200000) return BigInt(hi * 4294967296 + this.u32At(at + 4));
    return this.view.getBigUint64(at);
  }

  i64(what: string): bigint {
    this.need(8, what);
    const at = this.pos;
    this.pos += 8;
    const hi = this.u32At(at) | 0;
    if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * 4294967296 + this.u32At(at + 4));
    return this.view.getBigInt64(at);
  }

  /** Reads a varbyte (unsigned LEB128) into a uint32, as Broker does. */
  varbyte(what: string): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8(what);
      result = (result | ((b & 0x7f) << shift)) >>> 0;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) {
        throw new SerializationError(`Cannot decode ${what}: varbyte longer than 5 bytes`);
      }
    }
  }
}

/**
 * Internal byte helpers for the codecs: a cursor reader and UTF-8 helpers (the growable writer
 * is `ByteSink` in `lib/byte_sink.ts`, shared with logging and stores).
 * Not re-exported from `mod.ts`.
 *
 * @module
 */

import { decodeUtf8 } from "../utf8.ts";
import { SerializationError } from "../errors.ts";
import { ByteString } from "./data.ts";

const ENCODER = new TextEncoder();

/** The UTF-8 bytes of a string value (a `ByteString`'s own bytes). */
export function stringBytes(value: string | ByteString): Uint8Array {
  return typeof value === "string" ? ENCODER.encode(value) : value.bytes;
}

/**
 * Decodes `bytes[start, end)` as a JS string when it is valid UTF-8 (a BOM is kept), otherwise
 * returns a `ByteString` holding a copy of the bytes.
 */
export function decodeText(bytes: Uint8Array, start: number, end: number): string | ByteString {
  return decodeUtf8(bytes, start, end) ?? new ByteString(bytes.slice(start, end));
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

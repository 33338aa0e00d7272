/**
 * Internal byte helpers for the codecs: a growable writer, a cursor reader and UTF-8 helpers.
 * Not re-exported from `mod.ts`.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import { ByteString } from "./data.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strings up to this many UTF-16 units are encoded by hand (faster than the API). */
const SHORT_STRING = 48;
/** Strings up to this many bytes are decoded by hand (a TextDecoder call costs ~0.5 µs). */
const SHORT_DECODE = 128;
/** Size of the slabs that `ByteWriter.take()` carves outputs from. */
const SLAB_SIZE = 32 * 1024;

/** Size in bytes of the minimal varbyte (unsigned LEB128) form of a 32-bit value. */
export function varbyteSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** A growable byte buffer with big-endian writes. Reuse it with `reset()`. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView | undefined;
  #pos = 0;
  #slab: Uint8Array | undefined;
  #slabPos = 0;

  constructor(initialSize = 256) {
    this.#buf = new Uint8Array(initialSize);
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Forgets the content, keeping the storage. */
  reset(): void {
    this.#pos = 0;
  }

  /** A copy of the bytes written, in its own buffer. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  /** Size of the current storage in bytes. */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * The bytes written, as a view of this writer's buffer (no copy), valid until the next write
   * or `reset()`.
   */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /**
   * The bytes written, as a view of this writer's buffer (no copy): only for a writer that is
   * then dropped.
   */
  detach(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /**
   * A copy of the bytes written, as a view carved from a slab this writer owns (allocating a
   * small buffer per message is what costs most; this amortises it). The view keeps its slab
   * (32 KiB) alive; large outputs get their own buffer.
   */
  take(): Uint8Array {
    const n = this.#pos;
    if (n > SLAB_SIZE / 16) return this.finish();
    let slab = this.#slab;
    if (slab === undefined || this.#slabPos + n > slab.length) {
      slab = this.#slab = new Uint8Array(SLAB_SIZE);
      this.#slabPos = 0;
    }
    const start = this.#slabPos;
    const buf = this.#buf;
    for (let i = 0; i < n; i++) slab[start + i] = buf[i]!;
    this.#slabPos = (start + n + 7) & ~7;
    return slab.subarray(start, start + n);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = undefined;
  }

  #dataView(): DataView {
    return this.#view ??= new DataView(this.#buf.buffer, this.#buf.byteOffset);
  }

  u8(value: number): void {
    this.ensure(1);
    this.#buf[this.#pos++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.#buf[this.#pos++] = value >>> 8;
    this.#buf[this.#pos++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    const b = this.#buf;
    const p = this.#pos;
    b[p] = value >>> 24;
    b[p + 1] = value >>> 16;
    b[p + 2] = value >>> 8;
    b[p + 3] = value;
    this.#pos = p + 4;
  }

  u64(value: bigint): void {
    if (value <= 0x1f_ffff_ffff_ffffn) {
      const n = Number(value);
      const hi = Math.floor(n / 4294967296);
      this.u32(hi);
      this.u32(n - hi * 4294967296);
      return;
    }
    this.ensure(8);
    this.#dataView().setBigUint64(this.#pos, value);
    this.#pos += 8;
  }

  i64(value: bigint): void {
    if (value <= 0x1f_ffff_ffff_ffffn && value >= -0x1f_ffff_ffff_ffffn) {
      const n = Number(value);
      const hi = Math.floor(n / 4294967296);
      this.u32(hi >>> 0);
      this.u32(n - hi * 4294967296);
      return;
    }
    this.ensure(8);
    this.#dataView().setBigInt64(this.#pos, value);
    this.#pos += 8;
  }

  /** Writes 8 raw bytes given as two 32-bit halves, high first. */
  u32pair(high: number, low: number): void {
    this.u32(high);
    this.u32(low);
  }

  f64(value: number): void {
    this.ensure(8);
    this.#dataView().setFloat64(this.#pos, value);
    this.#pos += 8;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.#buf.set(data, this.#pos);
    this.#pos += data.length;
  }

  /** Writes text known to be ASCII, one byte per UTF-16 unit. */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    this.#pos = p;
  }

  /** Writes the minimal varbyte (unsigned LEB128) form of `value`, truncated to 32 bits. */
  varbyte(value: number): void {
    let v = value >>> 0;
    this.ensure(5);
    const buf = this.#buf;
    while (v >= 0x80) {
      buf[this.#pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.#pos++] = v;
  }

  /** Writes the UTF-8 bytes of `text` (lone surrogates become U+FFFD); returns their count. */
  utf8(text: string): number {
    this.ensure(text.length * 3);
    const start = this.#pos;
    this.#pos = writeUtf8(text, this.#buf, start);
    return this.#pos - start;
  }

  /** Writes varbyte(byte length) followed by the bytes of a string. */
  lengthPrefixed(text: string | ByteString): void {
    if (typeof text !== "string") {
      this.varbyte(text.bytes.length);
      this.bytes(text.bytes);
      return;
    }
    const max = text.length * 3;
    const header = varbyteSize(max);
    this.ensure(header + max);
    const start = this.#pos;
    const end = writeUtf8(text, this.#buf, start + header);
    const written = end - start - header;
    const actual = varbyteSize(written);
    if (actual !== header) this.#buf.copyWithin(start + actual, start + header, end);
    // Write the header in place: room for it was ensured above (a growing write here would
    // drop the string bytes, which lie beyond #pos).
    let v = written;
    let p = start;
    while (v >= 0x80) {
      this.#buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[p] = v;
    this.#pos = start + actual + written;
  }
}

function writeUtf8(text: string, buf: Uint8Array, at: number): number {
  const n = text.length;
  if (n > SHORT_STRING) return at + ENCODER.encodeInto(text, buf.subarray(at)).written;
  let p = at;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

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

/**
 * The project's one growable output byte buffer: the Broker codecs (`broker-bin-v1`,
 * `broker-json-v1`) encode events and values into it, the fused log batch formatters write log
 * lines into it, the batch builder of a remote node and the generic log batch codec write encoded
 * records into it, and the SQLite write-behind packs its row changes into it. Plain fields and
 * small monomorphic methods so that the compiler inlines them into the callers' loops.
 *
 * @example
 * ```ts
 * import { ByteSink } from "./byte_sink.ts";
 * const sink = new ByteSink(16);
 * sink.ascii("n=");
 * sink.uint(42);
 * new TextDecoder().decode(sink.buf.subarray(0, sink.pos)); // "n=42"
 * ```
 *
 * @module
 */

const DIGIT0 = 0x30;
/** "00" to "99", two bytes each. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => DIGIT0 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)),
);
/** 2^32, for splitting 64-bit integers into 32-bit halves. */
const TWO_32 = 4294967296;
/** Text up to this many UTF-16 units is UTF-8-encoded by hand (faster than `encodeInto`). */
const SHORT_STRING = 48;
/** Size of the slabs that {@linkcode ByteSink.take} carves outputs from. */
const SLAB_SIZE = 32 * 1024;
const ENCODER = new TextEncoder();

/**
 * Size in bytes of the minimal varbyte (unsigned LEB128) form of a 32-bit value.
 *
 * @example
 * ```ts
 * import { varbyteSize } from "./byte_sink.ts";
 * varbyteSize(300); // 2
 * ```
 */
export function varbyteSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/**
 * A byte buffer with a write position. `ensure(n)` before writing `n` bytes by hand through
 * {@linkcode ByteSink.buf} and {@linkcode ByteSink.pos}; the `write*` helpers ensure by themselves.
 */
export class ByteSink {
  /** The current buffer (replaced when it grows). */
  buf: Uint8Array;
  /** A big-endian view of {@linkcode ByteSink.buf}. */
  view: DataView;
  /** Bytes written so far. */
  pos = 0;
  #slabBuffer = new ArrayBuffer(0);
  #slab = new Uint8Array(this.#slabBuffer);
  #slabPos = 0;
  /** The `buf` that {@linkcode ByteSink.detach} last viewed, with its ArrayBuffer and offset. */
  #viewed: Uint8Array | undefined;
  #viewedBuffer: ArrayBufferLike = new ArrayBuffer(0);
  #viewedOffset = 0;

  /** @param capacity initial size in bytes */
  constructor(capacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Forgets the content, keeping the storage. */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of the bytes written, in a buffer of its own. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /**
   * The bytes written, as a view of this sink's buffer (no copy), valid until the next write or
   * `reset()`.
   */
  detach(): Uint8Array {
    // A view made with the constructor over the remembered ArrayBuffer: 20 ns a call against 30
    // with `buf.buffer` (a getter call) and 32 with `subarray()` (Deno 2.9.6, 2026-12-07).
    const buf = this.buf;
    if (buf !== this.#viewed) {
      this.#viewed = buf;
      this.#viewedBuffer = buf.buffer;
      this.#viewedOffset = buf.byteOffset;
    }
    return new Uint8Array(this.#viewedBuffer, this.#viewedOffset, this.pos);
  }

  /**
   * A copy of the bytes written, as a view carved from a slab this sink owns (allocating a small
   * buffer per message is what costs most; this amortises it). The view keeps its slab (32 KiB)
   * alive; large outputs get their own buffer. The content stays (call `reset()`).
   */
  take(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_SIZE / 16) return this.finish();
    let slab = this.#slab;
    if (this.#slabPos + n > slab.length) {
      this.#slabBuffer = new ArrayBuffer(SLAB_SIZE);
      slab = this.#slab = new Uint8Array(this.#slabBuffer);
      this.#slabPos = 0;
    }
    const start = this.#slabPos;
    const buf = this.buf;
    for (let i = 0; i < n; i++) slab[start + i] = buf[i]!;
    this.#slabPos = (start + n + 7) & ~7;
    return new Uint8Array(this.#slabBuffer, start, n);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.#grow(n);
  }

  #grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Swaps in another buffer (emptied), returning the filled part of the old one. */
  swap(next: Uint8Array): Uint8Array {
    const filled = this.buf.subarray(0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.pos = 0;
    return filled;
  }

  /** One byte. */
  byte(b: number): void {
    if (this.pos >= this.buf.length) this.#grow(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes `start..end` of `src`. */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n <= 64) {
      for (let i = start; i < end; i++) buf[p++] = src[i]!;
    } else {
      buf.set(src.subarray(start, end), p);
      p += n;
    }
    this.pos = p;
  }

  /** All of `src` (past a few bytes, one `set` call: no view to make). */
  whole(src: Uint8Array): void {
    const n = src.length;
    if (n <= 16) {
      this.bytes(src, 0, n);
      return;
    }
    this.ensure(n);
    this.buf.set(src, this.pos);
    this.pos += n;
  }

  /** Text known to be ASCII (numbers, markers), one byte per char. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * Any text, as UTF-8 (lone surrogates as U+FFFD, as `TextEncoder` does).
   *
   * @returns the number of bytes written
   */
  utf8(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = writeUtf8(s, i, buf, p);
        return this.pos - start;
      }
      buf[p++] = c;
    }
    this.pos = p;
    return p - start;
  }

  /** A non-negative safe integer in decimal. */
  uint(n: number): void {
    if (n < 10) {
      if (this.pos >= this.buf.length) this.#grow(1);
      this.buf[this.pos++] = DIGIT0 + n;
      return;
    }
    this.ensure(16);
    if (n > 0x7fffffff) {
      this.#bigUint(n);
      return;
    }
    const buf = this.buf;
    const digits = n < 100
      ? 2
      : n < 10000
      ? (n < 1000 ? 3 : 4)
      : n < 1000000
      ? (n < 100000 ? 5 : 6)
      : n < 100000000
      ? (n < 10000000 ? 7 : 8)
      : n < 1000000000
      ? 9
      : 10;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 100) {
      const q = (n / 100) | 0;
      const r = (n - q * 100) << 1;
      buf[--p] = DIGIT_PAIRS[r + 1]!;
      buf[--p] = DIGIT_PAIRS[r]!;
      n = q;
    }
    if (n >= 10) {
      buf[--p] = DIGIT_PAIRS[(n << 1) + 1]!;
      buf[--p] = DIGIT_PAIRS[n << 1]!;
    } else {
      buf[--p] = DIGIT0 + n;
    }
  }

  /** {@linkcode ByteSink.uint} past 2^31 (room already ensured). */
  #bigUint(n: number): void {
    const buf = this.buf;
    let digits = 10;
    for (let t = 1e10; t <= n && digits < 16; t *= 10) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--p] = DIGIT0 + (n - q * 10);
      n = q;
    }
    buf[--p] = DIGIT0 + n;
  }

  /** An unsigned 64-bit integer given as two 32-bit halves, in decimal. */
  u64Text(hi: number, lo: number): void {
    if (hi < 0x200000) this.uint(hi * TWO_32 + lo);
    else this.ascii(((BigInt(hi) << 32n) | BigInt(lo)).toString());
  }

  /** A signed 64-bit integer given as a signed high half and an unsigned low half, in decimal. */
  i64Text(hi: number, lo: number): void {
    if (hi >= 0) {
      this.u64Text(hi, lo);
    } else if (hi >= -0x200000) {
      this.byte(0x2d);
      this.uint(-(hi * TWO_32 + lo));
    } else {
      this.ascii(((BigInt(hi) << 32n) | BigInt(lo)).toString());
    }
  }

  /** A big-endian 32-bit integer (signed or unsigned bits). */
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
  }

  /** A big-endian u16. */
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v;
  }

  /** 8 raw bytes given as two 32-bit halves, high first. */
  u32pair(high: number, low: number): void {
    this.u32(high);
    this.u32(low);
  }

  /** A big-endian unsigned 64-bit integer (the caller checks the range). */
  u64(v: bigint): void {
    if (v <= 0x1f_ffff_ffff_ffffn) {
      const n = Number(v);
      const hi = Math.floor(n / TWO_32);
      this.u32(hi);
      this.u32(n - hi * TWO_32);
      return;
    }
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }

  /** A big-endian signed 64-bit integer (the caller checks the range). */
  i64(v: bigint): void {
    if (v <= 0x1f_ffff_ffff_ffffn && v >= -0x1f_ffff_ffff_ffffn) {
      const n = Number(v);
      const hi = Math.floor(n / TWO_32);
      this.u32(hi >>> 0);
      this.u32(n - hi * TWO_32);
      return;
    }
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }

  /** The minimal varbyte (unsigned LEB128) form of `value`, truncated to 32 bits. */
  varbyte(value: number): void {
    let v = value >>> 0;
    this.ensure(5);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  /** A big-endian u32 byte count, then the bytes: the text as UTF-8, or the bytes as they are. */
  u32Prefixed(s: string | Uint8Array): void {
    if (typeof s !== "string") {
      this.u32(s.length);
      this.whole(s);
      return;
    }
    this.ensure(4 + s.length * 3);
    const at = this.pos;
    this.pos += 4;
    const written = this.utf8(s);
    this.view.setUint32(at, written);
  }

  /** A varbyte byte count, then the bytes: the text as UTF-8, or the bytes as they are. */
  varbytePrefixed(s: string | Uint8Array): void {
    if (typeof s !== "string") {
      this.varbyte(s.length);
      this.whole(s);
      return;
    }
    const max = s.length * 3;
    const header = varbyteSize(max);
    this.ensure(header + max);
    const buf = this.buf;
    const start = this.pos;
    const end = writeUtf8(s, 0, buf, start + header);
    const written = end - start - header;
    const actual = varbyteSize(written);
    if (actual !== header) buf.copyWithin(start + actual, start + header, end);
    // The header goes in place: its room was ensured above (a growing write here would drop the
    // text bytes, which lie beyond pos).
    let v = written;
    let p = start;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
    this.pos = start + actual + written;
  }

  /** A big-endian 64-bit IEEE double. */
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
}

/**
 * UTF-8 of `text` from UTF-16 index `from` into `buf` at `at` (room ensured: 3 bytes per unit);
 * returns the end. Short text by hand, long text through `encodeInto`.
 */
function writeUtf8(text: string, from: number, buf: Uint8Array, at: number): number {
  const n = text.length;
  if (n - from > SHORT_STRING) {
    // A view made with the constructor: `subarray()` adds its species lookups (about 30 ns).
    const rest = new Uint8Array(buf.buffer, buf.byteOffset + at, buf.length - at);
    return at + ENCODER.encodeInto(from === 0 ? text : text.slice(from), rest).written;
  }
  let p = at;
  for (let i = from; i < n; i++) {
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

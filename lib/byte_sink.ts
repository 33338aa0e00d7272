/**
 * The growable output byte buffer of the logging and store paths: the fused batch formatters
 * write log lines into it, the batch builder of a remote node and the generic log batch codec
 * write encoded records into it, and the SQLite write-behind packs its row changes into it.
 * Plain fields and small monomorphic methods so that the compiler inlines them into the callers'
 * loops. (The Broker codecs in `lib/serialization/` keep their own `ByteWriter`; see the README's
 * "One implementation per primitive".)
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
  readonly #enc = new TextEncoder();

  /** @param capacity initial size in bytes */
  constructor(capacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
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

  /** Any text, as UTF-8 (lone surrogates as U+FFFD, as `TextEncoder` does). */
  utf8(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        this.#utf8Tail(s, i);
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  #utf8Tail(s: string, from: number): void {
    const { written } = this.#enc.encodeInto(s.slice(from), this.buf.subarray(this.pos));
    this.pos += written;
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

  /** A big-endian signed 64-bit integer (the caller checks the range). */
  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }

  /** A big-endian unsigned 64-bit integer (the caller checks the range). */
  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }

  /** A big-endian u32 byte count, then the bytes: the text as UTF-8, or the bytes as they are. */
  lengthPrefixed(s: string | Uint8Array): void {
    if (typeof s !== "string") {
      this.u32(s.length);
      this.whole(s);
      return;
    }
    this.ensure(4 + s.length * 3);
    const { written } = this.#enc.encodeInto(s, this.buf.subarray(this.pos + 4));
    this.view.setUint32(this.pos, written);
    this.pos += 4 + written;
  }

  /** A copy of the bytes written (in a buffer of its own), and starts over. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** A big-endian 64-bit IEEE double. */
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
}

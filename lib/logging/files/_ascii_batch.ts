/**
 * The fused ASCII path of a logger: formats the records of a received `zeek-bin-serializer` batch
 * straight from its bytes into an output {@linkcode ByteSink}, with no row objects and no
 * intermediate strings for the common values (ASCII strings that need no escaping, counts, ints,
 * times, ports, IPv4 addresses). Its output is byte for byte that of `decodeLogBatch` followed by
 * {@linkcode AsciiFormatter.formatRow} and UTF-8 encoding; `ascii_batch_test.ts` pins that.
 *
 * It checks what the decoder checks (lengths, value types, address families, port protocols,
 * subnet prefixes, UTF-8 of enums) but throws one generic error: a caller that wants the
 * decoder's exact message decodes the batch again.
 *
 * @module
 */

import { bytesEqualAt } from "../../bytes.ts";
import { decodeUtf8 } from "../../utf8.ts";
import { SerializationError } from "../../errors.ts";
import { formatIp, formatSubnet, isV4Mapped, maskBytes } from "../../net/ip.ts";
import { MIN_VALUE_BYTES } from "../wire/_batch_common.ts";
import type { ByteSink } from "../../byte_sink.ts";
import { type CompiledRecord, compileRecord, FORMAT_KIND } from "./_format_compiler.ts";
import { formatAsciiDouble, formatAsciiTime, INT_MAX, modpParts } from "./_numbers.ts";
import { hexEscape, utf8SequenceLength } from "./_text.ts";
import { type AsciiFormatOptions, AsciiFormatter, DEFAULT_ASCII_FORMAT } from "./ascii_writer.ts";
import { type LogField, type ScalarTypeName, splitType, typeTags } from "../schema/schema.ts";

/** Value kinds, as small integers for a fast switch (shared with the compiled loop). */
const K_BOOL = FORMAT_KIND.bool;
const K_INT = FORMAT_KIND.int;
const K_COUNT = FORMAT_KIND.count;
const K_DOUBLE = FORMAT_KIND.double;
const K_TIME = FORMAT_KIND.time;
const K_STRING = FORMAT_KIND.string;
const K_ENUM = FORMAT_KIND.enum;
const K_PORT = FORMAT_KIND.port;
const K_ADDR = FORMAT_KIND.addr;
const K_SUBNET = FORMAT_KIND.subnet;

const KINDS: Readonly<Record<ScalarTypeName, number>> = {
  bool: K_BOOL,
  int: K_INT,
  count: K_COUNT,
  double: K_DOUBLE,
  time: K_TIME,
  interval: K_TIME,
  string: K_STRING,
  enum: K_ENUM,
  port: K_PORT,
  addr: K_ADDR,
  subnet: K_SUBNET,
};

const BACKSLASH = 0x5c;
const enc = new TextEncoder();

function malformed(): never {
  throw new SerializationError("Cannot decode log batch: malformed record");
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * Formats the records of encoded batches as ASCII log lines (see the module doc). One instance
 * per file: it holds the plan of the file's fields.
 */
export class AsciiBatchFormatter {
  readonly #ref: AsciiFormatter;
  readonly #scalars: readonly ScalarTypeName[];
  readonly #kinds: Int32Array;
  readonly #tags: Int32Array;
  readonly #etags: Int32Array;
  readonly #containers: Uint8Array;
  readonly #sep: number;
  readonly #setSep: number;
  readonly #unset: Uint8Array;
  readonly #empty: Uint8Array;
  readonly #unsetAscii: boolean;
  readonly #emptyAscii: boolean;
  readonly #escSep: Uint8Array;
  readonly #escSetSep: Uint8Array;
  /** 1 for bytes a field string copies as is: printable ASCII but `\\` and the separator. */
  readonly #plainField: Uint8Array;
  /** The same for set and vector elements, which escape the set separator too. */
  readonly #plainElement: Uint8Array;
  #src: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(this.#src.buffer);
  #pos = 0;
  readonly #compiled: CompiledRecord;
  readonly #times = new TimeDigitsCache();

  /**
   * Whether the fused path can format with these options: the separator and set separator must
   * each be one ASCII character (Zeek's defaults are).
   */
  static supports(options: AsciiFormatOptions = {}): boolean {
    const o = { ...DEFAULT_ASCII_FORMAT, ...options };
    const one = (s: string) => s.length === 1 && s.charCodeAt(0) < 0x80;
    return one(o.separator) && one(o.setSeparator);
  }

  /**
   * @param fields the file's columns
   * @param options separators and markers; {@linkcode AsciiBatchFormatter.supports} must hold
   * @throws {TypeError} for options the fused path does not support
   */
  constructor(fields: readonly LogField[], options: AsciiFormatOptions = {}) {
    if (!AsciiBatchFormatter.supports(options)) {
      throw new TypeError("Cannot format batches: separators must be single ASCII characters");
    }
    const o = { ...DEFAULT_ASCII_FORMAT, ...options };
    this.#ref = new AsciiFormatter(fields, options);
    const splits = fields.map((f) => splitType(f.type));
    this.#scalars = splits.map((s) => s.scalar);
    this.#kinds = Int32Array.from(splits, (s) => KINDS[s.scalar]);
    this.#tags = Int32Array.from(fields, (f) => typeTags(f.type).tag);
    this.#etags = Int32Array.from(splits, (s) => typeTags(s.scalar).tag);
    this.#containers = Uint8Array.from(splits, (s) => (s.container ? 1 : 0));
    this.#sep = o.separator.charCodeAt(0);
    this.#setSep = o.setSeparator.charCodeAt(0);
    this.#unset = enc.encode(o.unsetField);
    this.#empty = enc.encode(o.emptyField);
    this.#unsetAscii = isAscii(o.unsetField);
    this.#emptyAscii = isAscii(o.emptyField);
    this.#escSep = enc.encode(hexEscape(this.#sep));
    this.#escSetSep = enc.encode(hexEscape(this.#setSep));
    this.#plainField = new Uint8Array(256);
    for (let b = 0x20; b < 0x7f; b++) this.#plainField[b] = 1;
    this.#plainField[BACKSLASH] = 0;
    this.#plainField[this.#sep] = 0;
    this.#plainElement = this.#plainField.slice();
    this.#plainElement[this.#setSep] = 0;
    this.#compiled = compileRecord(
      splits.map((sp, i) => ({
        kind: this.#kinds[i]!,
        tag: this.#tags[i]!,
        container: sp.container !== undefined,
      })),
      {
        sep: this.#sep,
        plain: this.#plainField,
        unsetLength: this.#unset.length,
        emptyLength: this.#empty.length,
        unset: (sink) => sink.bytes(this.#unset, 0, this.#unset.length),
        malformed,
        time: (sink, v) => writeAsciiTime(sink, v, this.#times),
        string: (sink, start, end, isEnum, i) => this.#string(sink, start, end, false, isEnum, i),
        generic: (sink, pos, i) => {
          this.#pos = pos;
          this.#present(sink, i);
          return this.#pos;
        },
      },
    );
  }

  /** Starts reading records of `bytes` at `offset`. */
  begin(bytes: Uint8Array, offset: number): void {
    this.#src = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = offset;
  }

  /** The read position: after the last record formatted. */
  get offset(): number {
    return this.#pos;
  }

  /** Drops the reference to the batch. */
  end(): void {
    this.#src = new Uint8Array(0);
    this.#view = new DataView(this.#src.buffer);
  }

  /**
   * Formats the next record as one line (ending in `\n`) into `sink`.
   *
   * @throws {SerializationError} when the record is malformed (`sink` then holds a partial line)
   */
  record(sink: ByteSink): void {
    this.#pos = this.#compiled(this.#src, this.#view, this.#pos, sink);
  }

  /**
   * {@linkcode AsciiBatchFormatter.record} without the compiled loop: field by field through the
   * generic code (the reference the compiled loop is tested against).
   */
  recordGeneric(sink: ByteSink): void {
    const n = this.#kinds.length;
    for (let i = 0; i < n; i++) {
      if (i > 0) sink.byte(this.#sep);
      if (this.#header(this.#tags[i]!)) this.#present(sink, i);
      else sink.bytes(this.#unset, 0, this.#unset.length);
    }
    sink.byte(0x0a);
  }

  /** Field `i`'s value, its header read and present. */
  #present(sink: ByteSink, i: number): void {
    const kind = this.#kinds[i]!;
    if (this.#containers[i] === 0) {
      this.#scalar(sink, kind, i, false);
      return;
    }
    this.#need(8);
    const hi = this.#view.getUint32(this.#pos);
    const count = this.#view.getUint32(this.#pos + 4);
    this.#pos += 8;
    if (hi !== 0 || count * MIN_VALUE_BYTES > this.#src.length - this.#pos) malformed();
    if (count === 0) {
      sink.bytes(this.#empty, 0, this.#empty.length);
      return;
    }
    const etag = this.#etags[i]!;
    for (let j = 0; j < count; j++) {
      if (j > 0) sink.byte(this.#setSep);
      if (this.#header(etag)) this.#scalar(sink, kind, i, true);
      else sink.bytes(this.#unset, 0, this.#unset.length);
    }
  }

  #need(n: number): void {
    if (this.#pos + n > this.#src.length) malformed();
  }

  /** Reads a Value header (type, subtype, present); returns whether the value is present. */
  #header(tag: number): boolean {
    this.#need(9);
    if (this.#view.getInt32(this.#pos) !== tag) malformed();
    const present = this.#src[this.#pos + 8] === 1;
    this.#pos += 9;
    return present;
  }

  #scalar(sink: ByteSink, kind: number, field: number, element: boolean): void {
    const view = this.#view;
    const p = this.#pos;
    switch (kind) {
      case K_TIME:
        this.#need(8);
        this.#pos += 8;
        writeAsciiTime(sink, view.getFloat64(p), this.#times);
        return;
      case K_COUNT:
        this.#need(8);
        this.#pos += 8;
        sink.u64Text(view.getUint32(p), view.getUint32(p + 4));
        return;
      case K_INT:
        this.#need(8);
        this.#pos += 8;
        sink.i64Text(view.getInt32(p), view.getUint32(p + 4));
        return;
      case K_STRING:
      case K_ENUM: {
        this.#need(4);
        const len = view.getUint32(p);
        this.#pos += 4;
        this.#need(len);
        this.#pos += len;
        this.#string(sink, p + 4, p + 4 + len, element, kind === K_ENUM, field);
        return;
      }
      case K_DOUBLE:
        this.#need(8);
        this.#pos += 8;
        sink.ascii(formatAsciiDouble(view.getFloat64(p)));
        return;
      case K_BOOL:
        this.#need(8);
        this.#pos += 8;
        sink.byte(view.getUint32(p) !== 0 || view.getUint32(p + 4) !== 0 ? 0x54 : 0x46);
        return;
      case K_PORT: {
        this.#need(12);
        this.#pos += 12;
        const hi = view.getUint32(p);
        const port = view.getUint32(p + 4);
        const proto = view.getInt32(p + 8);
        if (hi !== 0 || port > 65535 || proto < 0 || proto > 3) malformed();
        sink.uint(port);
        return;
      }
      case K_ADDR:
        this.#addr(sink);
        return;
      default:
        this.#subnet(sink);
    }
  }

  #addr(sink: ByteSink): void {
    this.#need(1);
    const family = this.#src[this.#pos++];
    const src = this.#src;
    if (family === 4) {
      this.#need(4);
      const p = this.#pos;
      this.#pos += 4;
      sink.uint(src[p]!);
      sink.byte(0x2e);
      sink.uint(src[p + 1]!);
      sink.byte(0x2e);
      sink.uint(src[p + 2]!);
      sink.byte(0x2e);
      sink.uint(src[p + 3]!);
      return;
    }
    if (family !== 6) malformed();
    sink.ascii(formatIp(this.#addrBytes(6)));
  }

  /** The 16 address bytes of a family 4 or 6 address (the family byte already read). */
  #addrBytes(family: number): Uint8Array {
    if (family === 4) {
      this.#need(4);
      const out = new Uint8Array(16);
      out[10] = 0xff;
      out[11] = 0xff;
      out.set(this.#src.subarray(this.#pos, this.#pos + 4), 12);
      this.#pos += 4;
      return out;
    }
    if (family !== 6) malformed();
    this.#need(16);
    const out = this.#src.slice(this.#pos, this.#pos + 16);
    this.#pos += 16;
    return out;
  }

  #subnet(sink: ByteSink): void {
    this.#need(2);
    const len = this.#src[this.#pos]!;
    const family = this.#src[this.#pos + 1]!;
    this.#pos += 2;
    const bytes = this.#addrBytes(family);
    if (len > 128 || (isV4Mapped(bytes) && len < 96)) malformed();
    sink.ascii(formatSubnet(maskBytes(bytes, len), len));
  }

  /** A string or enum value at `start..end` of the batch. */
  #string(
    sink: ByteSink,
    start: number,
    end: number,
    element: boolean,
    isEnum: boolean,
    field: number,
  ): void {
    if (start === end) {
      sink.bytes(this.#empty, 0, this.#empty.length);
      return;
    }
    // Copy while the bytes are plain; the sink's position moves only when all of them were.
    const src = this.#src;
    const plain = element ? this.#plainElement : this.#plainField;
    sink.ensure(end - start);
    const buf = sink.buf;
    let p = sink.pos;
    let i = start;
    for (; i < end; i++) {
      const b = src[i]!;
      if (plain[b] === 0) break;
      buf[p++] = b;
    }
    if (i === end && !this.#isMarker(src, start, end)) {
      sink.pos = p;
      return;
    }
    this.#stringSlow(sink, src.subarray(start, end), element, isEnum, field);
  }

  /** Whether bytes equal the unset or empty marker's UTF-8. */
  #isMarker(src: Uint8Array, start: number, end: number): boolean {
    return bytesEqualAt(src, start, end, this.#unset) || bytesEqualAt(src, start, end, this.#empty);
  }

  /** Strings that need escaping, hold non-ASCII bytes, or equal a marker. */
  #stringSlow(
    sink: ByteSink,
    v: Uint8Array,
    element: boolean,
    isEnum: boolean,
    field: number,
  ): void {
    const valid = isValidUtf8(v);
    if (!valid && isEnum) malformed();
    if (valid && this.#isMarker(v, 0, v.length)) {
      const ascii = bytesEqualAt(v, 0, v.length, this.#unset) ? this.#unsetAscii : this.#emptyAscii;
      if (!ascii) {
        const text = decodeUtf8(v, 0, v.length)!; // valid, checked above
        sink.utf8(this.#ref.formatScalar(this.#scalars[field]!, text, element));
        return;
      }
      sink.ascii(hexEscape(v[0]!));
      this.#escape(sink, v, 1, element);
      return;
    }
    this.#escape(sink, v, 0, element);
  }

  /**
   * Writes `v` from `from` with Zeek's escapes: control bytes, DEL and bytes that start no valid
   * UTF-8 sequence as `\xNN`, a backslash doubled, the separator (and in a container the set
   * separator) as `\xNN`; valid UTF-8 as is.
   */
  #escape(sink: ByteSink, v: Uint8Array, from: number, element: boolean): void {
    const sep = this.#sep;
    const setSep = element ? this.#setSep : -1;
    for (let i = from; i < v.length;) {
      const b = v[i]!;
      if (b < 0x20 || b === 0x7f) {
        sink.ascii(hexEscape(b));
      } else if (b === BACKSLASH) {
        sink.byte(BACKSLASH);
        sink.byte(BACKSLASH);
      } else if (b === sep) {
        sink.bytes(this.#escSep, 0, this.#escSep.length);
      } else if (b === setSep) {
        sink.bytes(this.#escSetSep, 0, this.#escSetSep.length);
      } else if (b >= 0x80) {
        const n = utf8SequenceLength(v, i);
        if (n === 0) {
          sink.ascii(hexEscape(b));
        } else {
          sink.bytes(v, i, i + n);
          i += n;
          continue;
        }
      } else {
        sink.byte(b);
      }
      i++;
    }
  }
}

function isValidUtf8(v: Uint8Array): boolean {
  for (let i = 0; i < v.length;) {
    const n = utf8SequenceLength(v, i);
    if (n === 0) return false;
    i += n;
  }
  return true;
}

/**
 * The whole seconds last written by {@linkcode writeAsciiTime} and their digits: the times of a
 * log's records mostly share them, so they are copied rather than formatted again.
 */
export class TimeDigitsCache {
  whole = -1;
  readonly digits: Uint8Array = new Uint8Array(24);
  length = 0;
}

/** A time or interval as `formatAsciiTime` formats it, without building the string. */
export function writeAsciiTime(sink: ByteSink, value: number, cache?: TimeDigitsCache): void {
  const neg = value < 0;
  const v = neg ? -value : value;
  if (!(v <= INT_MAX)) {
    sink.ascii(formatAsciiTime(value)); // NaN and the exponential form
    return;
  }
  const { whole, frac } = modpParts(v);
  if (frac >= 1e6) {
    sink.ascii(formatAsciiTime(value)); // a 7-digit fraction after modp's half rounding
    return;
  }
  if (neg) sink.byte(0x2d);
  if (cache === undefined) {
    sink.uint(whole);
  } else if (cache.whole === whole) {
    sink.bytes(cache.digits, 0, cache.length);
  } else {
    const start = sink.pos;
    sink.uint(whole);
    cache.length = sink.pos - start;
    cache.digits.set(sink.buf.subarray(start, sink.pos));
    cache.whole = whole;
  }
  sink.ensure(7);
  const buf = sink.buf;
  const p = sink.pos;
  sink.pos = p + 7;
  buf[p] = 0x2e;
  const hi = (frac / 10000) | 0; // digits 1-2
  const rest = frac - hi * 10000;
  const mid = (rest / 100) | 0; // digits 3-4
  const lo = rest - mid * 100; // digits 5-6
  buf[p + 1] = 0x30 + ((hi / 10) | 0);
  buf[p + 2] = 0x30 + (hi % 10);
  buf[p + 3] = 0x30 + ((mid / 10) | 0);
  buf[p + 4] = 0x30 + (mid % 10);
  buf[p + 5] = 0x30 + ((lo / 10) | 0);
  buf[p + 6] = 0x30 + (lo % 10);
}

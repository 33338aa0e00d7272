/**
 * Compiles the record loop of {@linkcode AsciiBatchFormatter} for one field list into a
 * straight-line function (`new Function`): per field, the separator, the Value header check
 * against the field's constant tag, the unset marker, and the text of times, counts, ints, bools,
 * strings and enums are written inline; other scalars and containers go through the formatter's
 * generic per-field code. The output and the malformed-batch checks are the generic loop's
 * (`ascii_batch_test.ts` runs both on the same batches).
 *
 * Only numbers derived from the field types go into the generated source.
 *
 * @module
 */

import type { ByteSink } from "../../byte_sink.ts";

/** Value kinds, as the formatter numbers them. */
export const FORMAT_KIND = {
  bool: 0,
  int: 1,
  count: 2,
  double: 3,
  time: 4,
  string: 5,
  enum: 6,
  port: 7,
  addr: 8,
  subnet: 9,
} as const;

/** What the compiler needs to know of one field. */
export interface FormatField {
  readonly kind: number;
  readonly tag: number;
  readonly container: boolean;
}

/** The formatter's code the compiled loop calls. */
export interface FormatHelpers {
  /** Separator byte. */
  readonly sep: number;
  /** 1 for the bytes a field string copies as they are. */
  readonly plain: Uint8Array;
  /** Byte lengths of the unset and empty markers (strings of those lengths take `string()`). */
  readonly unsetLength: number;
  readonly emptyLength: number;
  /** Writes the unset marker. */
  unset(sink: ByteSink): void;
  /** Throws the malformed-batch error. */
  malformed(): never;
  /** A time or interval. */
  time(sink: ByteSink, v: number): void;
  /** A string or enum at `start..end` of the batch (field `i`, not a container element). */
  string(sink: ByteSink, start: number, end: number, isEnum: boolean, i: number): void;
  /** Field `i`'s present value at `pos` through the generic code; returns the position after. */
  generic(sink: ByteSink, pos: number, i: number): number;
}

/** The compiled loop: formats the record at `pos` as a line; returns the position after it. */
export type CompiledRecord = (
  src: Uint8Array,
  view: DataView,
  pos: number,
  sink: ByteSink,
) => number;

/**
 * The test of a 4-byte word (read little-endian into `w`) for a byte a field string cannot copy as
 * it is: below 0x20, above 0x7e, a backslash, or the separator when that is printable. Word-wise
 * (SWAR) tests, exact as yes/no answers; the bytes of such a word are then copied one by one up to
 * the offending one. Four bytes a step took a 40-byte string from 75 to about 30 ns.
 *
 * @param sep the separator byte
 * @returns a JS expression, true when `w` must go through the byte loop
 */
function wordNeedsBytes(sep: number): string {
  const has = (byte: number) => {
    const x4 = (byte * 0x01010101) >>> 0;
    return `((x = w ^ ${x4}), ((x - 0x01010101) & ~x & 0x80808080) !== 0)`;
  };
  const tests = [
    "(((w - 0x20202020) & ~w) & 0x80808080) !== 0", // a byte below 0x20
    "(((w + 0x01010101) | w) & 0x80808080) !== 0", // a byte above 0x7e
    has(0x5c),
  ];
  if (sep >= 0x20 && sep <= 0x7e && sep !== 0x5c) tests.push(has(sep));
  return tests.join(" || ");
}

function fieldCode(f: FormatField, i: number, sep: number): string {
  const need = (n: string) => `if (pos + ${n} > src.length) H.malformed();`;
  let value: string;
  if (f.container) {
    value = `pos = H.generic(sink, pos, ${i});`;
  } else if (f.kind === FORMAT_KIND.time) {
    value = `${need("8")} H.time(sink, view.getFloat64(pos)); pos += 8;`;
  } else if (f.kind === FORMAT_KIND.count) {
    value = `${need("8")} sink.u64Text(view.getUint32(pos), view.getUint32(pos + 4)); pos += 8;`;
  } else if (f.kind === FORMAT_KIND.int) {
    value = `${need("8")} sink.i64Text(view.getInt32(pos), view.getUint32(pos + 4)); pos += 8;`;
  } else if (f.kind === FORMAT_KIND.bool) {
    value = `${need("8")}
      sink.byte(view.getUint32(pos) !== 0 || view.getUint32(pos + 4) !== 0 ? 0x54 : 0x46);
      pos += 8;`;
  } else if (f.kind === FORMAT_KIND.string || f.kind === FORMAT_KIND.enum) {
    // Plain bytes are copied here; anything else (escapes, UTF-8, a marker's length, empty)
    // is left to the formatter's string code, which starts over.
    const isEnum = f.kind === FORMAT_KIND.enum;
    value = `${need("4")} n = view.getUint32(pos); pos += 4; ${need("n")}
      e = pos + n;
      if (n !== 0 && n !== ULEN && n !== ELEN) {
        if (sink.pos + n > sink.buf.length) sink.ensure(n);
        b = sink.buf; p = sink.pos; k = pos; d = sink.view;
        for (; k + 4 <= e; k += 4) {
          w = view.getUint32(k, true);
          if (${wordNeedsBytes(sep)}) break;
          d.setUint32(p, w, true); p += 4;
        }
        for (; k < e; k++) { c = src[k]; if (PLAIN[c] === 0) break; b[p++] = c; }
      } else {
        k = -1;
      }
      if (k === e) sink.pos = p; else H.string(sink, pos, e, ${isEnum}, ${i});
      pos = e;`;
  } else {
    value = `pos = H.generic(sink, pos, ${i});`;
  }
  return `${i > 0 ? "sink.byte(SEP);" : ""}
    ${need("9")}
    if (view.getInt32(pos) !== ${f.tag | 0}) H.malformed();
    if (src[pos + 8] === 1) { pos += 9; ${value} } else { pos += 9; H.unset(sink); }`;
}

/**
 * Compiles the record loop of a field list.
 *
 * @param fields What each field is, in order.
 * @param helpers The formatter's code and separator.
 * @returns `(src, view, pos, sink) => pos`: one record formatted as a line ending in `\n`.
 */
export function compileRecord(
  fields: readonly FormatField[],
  helpers: FormatHelpers,
): CompiledRecord {
  const body = [
    "let n = 0, e = 0, k = 0, c = 0, p = 0, w = 0, x = 0, b = sink.buf, d = sink.view;",
    ...fields.map((f, i) => fieldCode(f, i, helpers.sep)),
    "sink.byte(10); return pos;",
  ].join("\n");
  const make = new Function(
    "H",
    "SEP",
    "PLAIN",
    "ULEN",
    "ELEN",
    `"use strict"; return function record(src, view, pos, sink) {\n${body}\n};`,
  ) as (h: FormatHelpers, sep: number, plain: Uint8Array, u: number, e: number) => CompiledRecord;
  return make(helpers, helpers.sep, helpers.plain, helpers.unsetLength, helpers.emptyLength);
}

/**
 * Compiles a stream's field list into one straight-line `encode(record, sink, offsets)` function
 * (`new Function`): per field, the value lookup, the type check and the `zeek-bin-serializer`
 * bytes of the common scalar types (time, interval, double, count, int, string, enum, bool) are
 * written inline with the field's header as constants. Everything else (addr, subnet, port,
 * containers, bigints, byte strings) goes through the generic encoder's per-field path, so the
 * bytes and the accept/refuse decisions are the generic encoder's (`record_encoder_test.ts` runs
 * both).
 *
 * Only numbers computed from the field types are put into the generated source: field names stay
 * in an array the code indexes, so no stream definition can inject code.
 *
 * @module
 */

import type { ByteSink } from "../../byte_sink.ts";

/** Kinds of scalar the compiled code writes inline (the generic encoder's numbering). */
export const INLINE_KIND = { float: 0, count: 1, int: 2, string: 3, enum: 4, bool: 5 } as const;

/** What the compiler needs to know of one field. */
export interface CompiledField {
  /** The generic encoder's kind number. */
  readonly kind: number;
  readonly container: boolean;
  readonly optional: boolean;
  /** Whether the value is looked up by a plain property name (not a dotted path). */
  readonly plain: boolean;
  readonly tag: number;
  readonly subtag: number;
}

/** The generic paths the compiled code calls. */
export interface EncoderHelpers {
  /** Field names, by index (plain lookups). */
  readonly names: readonly string[];
  /** The value of field `i` of a record, dotted names followed. */
  lookup(record: Record<string, unknown>, i: number): unknown;
  /** Writes field `i`'s header and non-null value `v` generically; false when `v` does not fit. */
  value(sink: ByteSink, i: number, v: unknown): boolean;
  /** Writes a string's length and UTF-8 bytes for field `i` (with the per-field text cache). */
  text(sink: ByteSink, s: string, i: number): void;
}

/** The compiled function's type. */
export type CompiledEncode = (
  record: Record<string, unknown>,
  sink: ByteSink,
  offsets: Int32Array,
) => boolean;

/** The 9 header bytes (tag, subtag as big-endian int32, present flag) as assignments at `p`. */
function headerCode(tag: number, subtag: number, present: 0 | 1): string {
  const bytes = [
    (tag >>> 24) & 255,
    (tag >>> 16) & 255,
    (tag >>> 8) & 255,
    tag & 255,
    (subtag >>> 24) & 255,
    (subtag >>> 16) & 255,
    (subtag >>> 8) & 255,
    subtag & 255,
    present,
  ];
  return bytes.map((b, k) => `b[p + ${k}] = ${b};`).join(" ");
}

const FAIL = "{ sink.pos = start; return false; }";

function fieldCode(f: CompiledField, i: number): string {
  const get = f.plain ? `record[N[${i}]]` : `H.lookup(record, ${i})`;
  const reserve = (n: number) =>
    `if (sink.pos + ${n} > sink.buf.length) sink.ensure(${n}); b = sink.buf; p = sink.pos;`;
  const absent = f.optional
    ? `${reserve(9)} ${headerCode(f.tag, f.subtag, 0)} sink.pos = p + 9;`
    : `${FAIL}`;
  const slow = `if (!H.value(sink, ${i}, v)) ${FAIL}`;
  const head = headerCode(f.tag, f.subtag, 1);
  let present: string;
  if (f.container) {
    present = slow;
  } else if (f.kind === INLINE_KIND.float) {
    present = `if (typeof v !== "number") ${FAIL}
      ${reserve(17)} ${head} sink.view.setFloat64(p + 9, v); sink.pos = p + 17;`;
  } else if (f.kind === INLINE_KIND.count || f.kind === INLINE_KIND.int) {
    const range = f.kind === INLINE_KIND.count ? "v >= 0 && " : "";
    present = `if (typeof v === "number" && ${range}Number.isSafeInteger(v)) {
        ${reserve(17)} ${head}
        const hi = Math.floor(v / 4294967296);
        sink.view.setUint32(p + 9, hi >>> 0); sink.view.setUint32(p + 13, (v - hi * 4294967296) >>> 0);
        sink.pos = p + 17;
      } else ${slow}`;
  } else if (f.kind === INLINE_KIND.string || f.kind === INLINE_KIND.enum) {
    present = `if (typeof v === "string") {
        ${reserve(9)} ${head} sink.pos = p + 9; H.text(sink, v, ${i});
      } else ${slow}`;
  } else if (f.kind === INLINE_KIND.bool) {
    present = `if (typeof v !== "boolean") ${FAIL}
      ${reserve(17)} ${head}
      b[p + 9] = 0; b[p + 10] = 0; b[p + 11] = 0; b[p + 12] = 0;
      b[p + 13] = 0; b[p + 14] = 0; b[p + 15] = 0; b[p + 16] = v ? 1 : 0; sink.pos = p + 17;`;
  } else {
    present = slow;
  }
  return `offsets[${i}] = sink.pos; v = ${get};
    if (v === undefined || v === null) { ${absent} } else { ${present} }`;
}

/**
 * Compiles the encoder of a field list.
 *
 * @param fields What each field is, in order.
 * @param helpers The generic paths and the field names.
 * @returns `encode(record, sink, offsets)`: appends the record's values to `sink`, `offsets[i]`
 *   where field `i` starts and `offsets[n]` the end; false (sink as it was) when a value does not
 *   fit its field.
 */
export function compileEncoder(
  fields: readonly CompiledField[],
  helpers: EncoderHelpers,
): CompiledEncode {
  const body = [
    "const start = sink.pos; let v, p, b;",
    ...fields.map(fieldCode),
    `offsets[${fields.length}] = sink.pos; return true;`,
  ].join("\n");
  const make = new Function(
    "N",
    "H",
    `"use strict"; return function encode(record, sink, offsets) {\n${body}\n};`,
  ) as (names: readonly string[], helpers: EncoderHelpers) => CompiledEncode;
  return make(helpers.names, helpers);
}

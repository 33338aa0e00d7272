/**
 * Zeek's JSON log format (the ASCII writer with `LogAscii::use_json=T`): one object per line with
 * dotted keys, no meta lines (see {@linkcode JsonFormatter}).
 *
 * @module
 */

import { formatJsonDouble } from "./_numbers.ts";
import { hexEscape, textRuns } from "./_text.ts";
import type { LogFormatter } from "./formatter.ts";
import {
  type LogField,
  type LogPort,
  type LogRow,
  type LogScalar,
  type ScalarTypeName,
  splitType,
} from "../schema/schema.ts";

/**
 * How time columns are written (Zeek's `LogAscii::json_timestamps`: `JSON::TS_EPOCH`,
 * `TS_MILLIS`, `TS_MILLIS_UNSIGNED`, `TS_ISO8601`).
 */
export type JsonTimestamps = "epoch" | "millis" | "millis_unsigned" | "iso8601";

/** Options of the JSON format. */
export interface JsonFormatOptions {
  /**
   * Time columns: epoch seconds (default), integer milliseconds (signed, or as the unsigned
   * 64-bit reading of the signed value) or ISO 8601 UTC strings.
   */
  readonly timestamps?: JsonTimestamps;
  /** Write unset fields as `null` instead of leaving them out (`json_include_unset_fields`). */
  readonly includeUnset?: boolean;
}

// Characters that need work: controls, DEL, quote, backslash, lone surrogates.
// deno-lint-ignore no-control-regex -- control characters are exactly what this looks for
const NEEDS_ESCAPE = /[\x00-\x1f\x7f"\\\ud800-\udfff]/;
const JSON_SHORT: Readonly<Record<number, string>> = {
  0x08: "\\b",
  0x09: "\\t",
  0x0a: "\\n",
  0x0c: "\\f",
  0x0d: "\\r",
  0x22: '\\"',
  0x5c: "\\\\",
};

/** JSON-escapes text that Zeek has already cleaned (only `"`, `\` and b/t/n/f/r remain to do). */
function jsonText(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = JSON_SHORT[c];
    if (short !== undefined) out += short;
    else if (c < 0x20 || c === 0x7f) out += jsonText(hexEscape(c));
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += "\ufffd"; // a lone surrogate becomes U+FFFD, as UTF-8 encoding does
      }
    } else out += s[i];
  }
  return out;
}

/**
 * A Zeek string as a JSON string: printable ASCII, `\b \t \n \f \r` and valid UTF-8 as is (then
 * JSON-escaped), other control bytes, DEL and invalid UTF-8 bytes as the text `\xNN` (so a JSON
 * reader sees `\\xNN`).
 */
export function zeekJsonString(v: string | Uint8Array): string {
  if (typeof v === "string") return NEEDS_ESCAPE.test(v) ? `"${jsonText(v)}"` : `"${v}"`;
  let out = '"';
  for (const r of textRuns(v)) out += typeof r === "number" ? jsonText(hexEscape(r)) : jsonText(r);
  return out + '"';
}

/** What Zeek writes for a time its `gmtime` cannot convert (NaN, infinities, far years). */
const ISO8601_FAILURE = '"2000-01-01T00:00:00.000000"';

/**
 * Zeek's `TS_ISO8601`: `strftime("%Y-%m-%dT%H:%M:%S")` of floor(t), then `.%06.0f` of the
 * fraction in microseconds (C rounding, halves to even; 0.9999996 s gives `.1000000`), then `Z`.
 */
function iso8601(t: number): string {
  const whole = Math.floor(t);
  const d = new Date(whole * 1000);
  if (Number.isNaN(d.getTime())) return ISO8601_FAILURE; // beyond JavaScript dates (±275760 years)
  let frac = t - Math.trunc(t);
  if (frac < 0) frac += 1;
  const micros = Math.abs(frac) * 1e6;
  let rounded = Math.round(micros);
  if (rounded - micros === 0.5 && rounded % 2 === 1) rounded--; // a tie goes to even, as printf
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `"${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${
    p(d.getUTCHours())
  }:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(rounded, 6)}Z"`;
}

const TWO63 = 2 ** 63;

/**
 * Zeek's `TS_MILLIS` (`static_cast<int64_t>(t * 1000)`) and `TS_MILLIS_UNSIGNED` (that value
 * cast on to `uint64_t`): truncated towards zero; NaN and values out of the 64-bit range give
 * INT64_MIN, as x86-64's conversion does.
 */
function millis(t: number, unsigned: boolean): string {
  const x = Math.trunc(t * 1000);
  if (!(x >= -TWO63 && x < TWO63)) return unsigned ? "9223372036854775808" : "-9223372036854775808";
  if (unsigned && x < 0) return BigInt.asUintN(64, BigInt(x)).toString();
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

/**
 * Formats records as Zeek's JSON writer: `{"ts":1700000000.123456,"id.orig_h":"10.0.0.1",...}`;
 * unset fields left out; counts and ints as JSON integers (full 64-bit precision); doubles as
 * `formatJsonDouble`; ports as the number; sets and vectors as arrays; strings escaped as
 * {@linkcode zeekJsonString}.
 */
export class JsonFormatter implements LogFormatter {
  /** Always `"json"`. */
  readonly format = "json" as const;
  readonly #keys: readonly string[];
  readonly #plans: readonly { container: "set" | "vector" | undefined; scalar: ScalarTypeName }[];
  readonly #timestamps: JsonTimestamps;
  readonly #includeUnset: boolean;

  /**
   * @param fields the flattened columns
   * @param options timestamp style and unset handling
   */
  constructor(fields: readonly LogField[], options: JsonFormatOptions = {}) {
    this.#keys = fields.map((f) => `${zeekJsonString(f.name)}:`);
    this.#plans = fields.map((f) => splitType(f.type));
    this.#timestamps = options.timestamps ?? "epoch";
    this.#includeUnset = options.includeUnset ?? false;
  }

  /** JSON logs have no header: the empty string. */
  header(_path: string, _openTime: number): string {
    return "";
  }

  /** JSON logs have no footer: the empty string. */
  footer(_closeTime: number): string {
    return "";
  }

  /** One record line, ending in `\n`. */
  formatRow(row: LogRow): string {
    let line = "{";
    let first = true;
    for (let i = 0; i < this.#plans.length; i++) {
      const v = row[i];
      if ((v === null || v === undefined) && !this.#includeUnset) continue;
      if (!first) line += ",";
      first = false;
      line += this.#keys[i];
      if (v === null || v === undefined) {
        line += "null";
        continue;
      }
      const { container, scalar } = this.#plans[i]!;
      if (!container) {
        line += this.#scalar(scalar, v as LogScalar);
        continue;
      }
      const items = v as readonly (LogScalar | null)[];
      line += "[";
      for (let j = 0; j < items.length; j++) {
        if (j > 0) line += ",";
        const e = items[j];
        line += e === null || e === undefined ? "null" : this.#scalar(scalar, e);
      }
      line += "]";
    }
    return line + "}\n";
  }

  #scalar(type: ScalarTypeName, v: LogScalar): string {
    switch (type) {
      case "time":
        if (this.#timestamps === "epoch") return formatJsonDouble(v as number);
        if (this.#timestamps === "iso8601") return iso8601(v as number);
        return millis(v as number, this.#timestamps === "millis_unsigned");
      case "interval":
      case "double":
        return formatJsonDouble(v as number);
      case "bool":
        return v ? "true" : "false";
      case "port":
        return String((v as LogPort).port);
      case "count":
      case "int":
        return String(v);
      case "addr":
      case "subnet":
        return `"${v as string}"`;
      case "string":
      case "enum":
        return zeekJsonString(v as string | Uint8Array);
    }
  }
}

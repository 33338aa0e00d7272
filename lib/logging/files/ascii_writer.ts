/**
 * Zeek's ASCII (TSV) log format: meta header lines, one tab-separated line per record and a
 * `#close` line, with Zeek's escaping rules (see {@linkcode AsciiFormatter}).
 *
 * @module
 */

import { formatAsciiDouble, formatAsciiTime } from "./_numbers.ts";
import { hexEscape, textRuns } from "./_text.ts";
import { formatLogTimestamp, type LogFormatter } from "./formatter.ts";
import {
  type LogField,
  type LogPort,
  type LogRow,
  type LogScalar,
  type ScalarTypeName,
  splitType,
} from "../schema/schema.ts";

/** Options of the ASCII format (Zeek's `LogAscii::separator` and friends). */
export interface AsciiFormatOptions {
  /** Field separator. Default `"\t"`. */
  readonly separator?: string;
  /** Separator of set and vector elements. Default `","`. */
  readonly setSeparator?: string;
  /** Written for an empty string, set or vector. Default `"(empty)"`. */
  readonly emptyField?: string;
  /** Written for an unset value. Default `"-"`. */
  readonly unsetField?: string;
}

/** Zeek's default ASCII format options. */
export const DEFAULT_ASCII_FORMAT: Required<AsciiFormatOptions> = {
  separator: "\t",
  setSeparator: ",",
  emptyField: "(empty)",
  unsetField: "-",
};

/** A parsed ASCII log header. */
export interface AsciiHeader {
  /** Field separator (unescaped). */
  readonly separator: string;
  /** Set separator. */
  readonly setSeparator: string;
  /** Empty-field marker. */
  readonly emptyField: string;
  /** Unset-field marker. */
  readonly unsetField: string;
  /** `#path`. */
  readonly path: string;
  /** `#open` stamp as written. */
  readonly open: string;
  /** `#fields`. */
  readonly fields: readonly string[];
  /** `#types`. */
  readonly types: readonly string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Formats records as Zeek's ASCII writer: `\t` between fields; `(empty)` for an empty string, set
 * or vector; `-` for unset; a string equal to `-` or `(empty)` gets its first byte written `\xNN`;
 * the separator (and inside sets and vectors the set separator) as `\xNN`; control bytes and bytes
 * of invalid UTF-8 as `\xNN`; a backslash as `\\`; valid UTF-8 as is; bools `T`/`F`; times and
 * intervals with 6 decimals; doubles as `formatAsciiDouble`; ports as the number only.
 */
export class AsciiFormatter implements LogFormatter {
  /** Always `"ascii"`. */
  readonly format = "ascii" as const;
  readonly #fields: readonly LogField[];
  readonly #plans: readonly { container: "set" | "vector" | undefined; scalar: ScalarTypeName }[];
  readonly #opt: Required<AsciiFormatOptions>;
  readonly #fieldRe: RegExp;
  readonly #elemRe: RegExp;
  readonly #escSep: string;
  readonly #escSetSep: string;

  /**
   * @param fields the flattened columns
   * @param options separators and markers
   */
  constructor(fields: readonly LogField[], options: AsciiFormatOptions = {}) {
    this.#fields = fields;
    this.#plans = fields.map((f) => splitType(f.type));
    this.#opt = { ...DEFAULT_ASCII_FORMAT, ...options };
    const hex = (s: string) => Array.from(new TextEncoder().encode(s), hexEscape).join("");
    this.#escSep = hex(this.#opt.separator);
    this.#escSetSep = hex(this.#opt.setSeparator);
    const base = "[\\x00-\\x1f\\x7f\\\\]";
    this.#fieldRe = new RegExp(`${base}|${escapeRegExp(this.#opt.separator)}`);
    this.#elemRe = new RegExp(
      `${base}|${escapeRegExp(this.#opt.separator)}|${escapeRegExp(this.#opt.setSeparator)}`,
    );
  }

  /** The meta lines, `#separator` to `#types`. */
  header(path: string, openTime: number): string {
    const o = this.#opt;
    const sep = o.separator;
    return [
      `#separator ${this.#escSep}`,
      `#set_separator${sep}${o.setSeparator}`,
      `#empty_field${sep}${o.emptyField}`,
      `#unset_field${sep}${o.unsetField}`,
      `#path${sep}${path}`,
      `#open${sep}${formatLogTimestamp(openTime)}`,
      `#fields${sep}${this.#fields.map((f) => f.name).join(sep)}`,
      `#types${sep}${this.#fields.map((f) => f.type).join(sep)}`,
      "",
    ].join("\n");
  }

  /** The `#close` line. */
  footer(closeTime: number): string {
    return `#close${this.#opt.separator}${formatLogTimestamp(closeTime)}\n`;
  }

  /** One record line, ending in `\n`. */
  formatRow(row: LogRow): string {
    const o = this.#opt;
    let line = "";
    for (let i = 0; i < this.#plans.length; i++) {
      if (i > 0) line += o.separator;
      const v = row[i];
      if (v === null || v === undefined) {
        line += o.unsetField;
        continue;
      }
      const { container, scalar } = this.#plans[i]!;
      if (!container) {
        line += this.#scalar(scalar, v as LogScalar, this.#fieldRe);
        continue;
      }
      const items = v as readonly (LogScalar | null)[];
      if (items.length === 0) {
        line += o.emptyField;
        continue;
      }
      for (let j = 0; j < items.length; j++) {
        if (j > 0) line += o.setSeparator;
        const e = items[j];
        line += e === null || e === undefined
          ? o.unsetField
          : this.#scalar(scalar, e, this.#elemRe);
      }
    }
    return line + "\n";
  }

  /**
   * One scalar as it appears in a record line.
   *
   * @param type the scalar type
   * @param v the value
   * @param element whether it is a set or vector element (the set separator is escaped too)
   */
  formatScalar(type: ScalarTypeName, v: LogScalar, element = false): string {
    return this.#scalar(type, v, element ? this.#elemRe : this.#fieldRe);
  }

  #scalar(type: ScalarTypeName, v: LogScalar, re: RegExp): string {
    switch (type) {
      case "time":
      case "interval":
        return formatAsciiTime(v as number);
      case "double":
        return formatAsciiDouble(v as number);
      case "bool":
        return v ? "T" : "F";
      case "port":
        return String((v as LogPort).port);
      case "count":
      case "int":
      case "addr":
      case "subnet":
        return String(v);
      case "string":
      case "enum":
        return this.#string(v as string | Uint8Array, re);
    }
  }

  #string(v: string | Uint8Array, re: RegExp): string {
    const o = this.#opt;
    if (v.length === 0) return o.emptyField;
    if (typeof v === "string") {
      if (v === o.unsetField || v === o.emptyField) {
        return hexEscape(v.charCodeAt(0)) + this.#escape(v.slice(1), re);
      }
      return this.#escape(v, re);
    }
    const runs = textRuns(v);
    if (runs.length === 1 && typeof runs[0] === "string") return this.#string(runs[0], re);
    return runs.map((r) => typeof r === "number" ? hexEscape(r) : this.#escape(r, re)).join("");
  }

  #escape(s: string, re: RegExp): string {
    if (!re.test(s)) return s;
    const { separator, setSeparator } = this.#opt;
    const elem = re === this.#elemRe;
    let out = "";
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x7f) {
        out += hexEscape(c);
      } else if (c === 0x5c) {
        out += "\\\\";
      } else if (s.startsWith(separator, i)) {
        out += this.#escSep;
        i += separator.length - 1;
      } else if (elem && s.startsWith(setSeparator, i)) {
        out += this.#escSetSep;
        i += setSeparator.length - 1;
      } else {
        out += s[i];
      }
    }
    return out;
  }
}

/**
 * Parses the meta header of an ASCII log (the `#` lines before the first record).
 *
 * @throws {SyntaxError} when a required meta line is missing
 * @example
 * ```ts
 * import { parseAsciiHeader } from "./ascii_writer.ts";
 * const h = parseAsciiHeader("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n" +
 *   "#unset_field\t-\n#path\tconn\n#open\t2026-01-01-00-00-00\n#fields\tts\n#types\ttime\n");
 * h.fields; // ["ts"]
 * ```
 */
export function parseAsciiHeader(text: string): AsciiHeader {
  const lines = text.split("\n");
  const first = lines[0] ?? "";
  const m = /^#separator (.+)$/.exec(first);
  if (!m) throw new SyntaxError("Cannot parse log header: first line is not #separator");
  const separator = m[1]!.replace(
    /\\x([0-9a-fA-F]{2})/g,
    (_, h: string) => String.fromCharCode(parseInt(h, 16)),
  );
  const meta = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (!line.startsWith("#")) break;
    const [key, ...rest] = line.slice(1).split(separator);
    meta.set(key!, rest);
  }
  const one = (key: string): string => {
    const v = meta.get(key);
    if (!v) throw new SyntaxError(`Cannot parse log header: missing #${key}`);
    return v.join(separator);
  };
  return {
    separator,
    setSeparator: one("set_separator"),
    emptyField: one("empty_field"),
    unsetField: one("unset_field"),
    path: one("path"),
    open: one("open"),
    fields: meta.get("fields") ?? [],
    types: meta.get("types") ?? [],
  };
}

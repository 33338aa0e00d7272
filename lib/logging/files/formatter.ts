/**
 * The interface shared by the ASCII and JSON formatters, and the local-time stamps Zeek uses in
 * `#open` / `#close` lines, rotated file names and `archive-log` arguments.
 *
 * @module
 */

import type { LogFormat } from "../../options/options.ts";
import type { LogRow } from "../schema/schema.ts";

/** Output formats of the ASCII writer (`ascii` TSV with meta lines, or `json` lines); from options. */
export type { LogFormat };

/** Formats the lines of one log file. Every returned string ends in `\n` (or is empty). */
export interface LogFormatter {
  /** The format. */
  readonly format: LogFormat;
  /** Lines written when a file is opened (`#separator` .. `#types`; empty for JSON). */
  header(path: string, openTime: number): string;
  /** One record line. */
  formatRow(row: LogRow): string;
  /** Lines written before a file is closed or rotated (`#close`; empty for JSON). */
  footer(closeTime: number): string;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * Formats epoch seconds in local time with a strftime-like pattern supporting `%Y %y %m %d %H %M
 * %S` (and `%%`).
 *
 * @example
 * ```ts
 * import { formatLocalTime } from "./formatter.ts";
 * formatLocalTime(0, "%Y-%m-%d-%H-%M-%S"); // "1970-01-01-00-00-00" in UTC
 * ```
 */
export function formatLocalTime(seconds: number, pattern: string): string {
  const d = new Date(Math.floor(seconds) * 1000);
  return pattern.replace(/%([YymdHMS%])/g, (_, c: string) => {
    switch (c) {
      case "Y":
        return String(d.getFullYear());
      case "y":
        return pad2(d.getFullYear() % 100);
      case "m":
        return pad2(d.getMonth() + 1);
      case "d":
        return pad2(d.getDate());
      case "H":
        return pad2(d.getHours());
      case "M":
        return pad2(d.getMinutes());
      case "S":
        return pad2(d.getSeconds());
      default:
        return "%";
    }
  });
}

/** The `#open` / `#close` and rotated-name stamp: local `%Y-%m-%d-%H-%M-%S`. */
export function formatLogTimestamp(seconds: number): string {
  return formatLocalTime(seconds, "%Y-%m-%d-%H-%M-%S");
}

/**
 * Parses a local `%Y-%m-%d-%H-%M-%S` stamp back to epoch seconds.
 *
 * @returns the seconds, or undefined when the text is not such a stamp
 */
export function parseLogTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;
}

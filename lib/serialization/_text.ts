/**
 * Internal text forms shared by the data model and the JSON codec: timestamps, timespans and
 * `printf("%f")` reals. Functions return `undefined` on bad input; callers choose the error.
 *
 * @module
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const INT64_MIN = -0x8000_0000_0000_0000n;
const INT64_MAX = 0x7fff_ffff_ffff_ffffn;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * `YYYY-MM-DDTHH:MM:SS` plus `digits` fraction digits (0..9), UTC, no zone. The fraction is
 * truncated toward negative infinity, so that the text names the instant's calendar second.
 */
export function formatTimestampNs(ns: bigint, digits: number): string {
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${
    pad(d.getUTCDate(), 2)
  }T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (digits === 0) return date;
  return `${date}.${frac.toString().padStart(9, "0").slice(0, digits)}`;
}

/** Broker JSON v1 timestamp text: UTC, millisecond precision (truncated), no zone. */
export function formatTimestampMs(ns: bigint): string {
  return formatTimestampNs(ns, 3);
}

/**
 * A signed integer as CAF's `read_signed_integer` reads it: decimal, or after a leading `0`
 * octal, `0x` hexadecimal or `0b` binary digits.
 * @returns The value and the index after it, or `undefined` when no integer starts at `at`.
 */
function readCafInteger(text: string, at: number): [bigint, number] | undefined {
  let i = at;
  let sign = 1n;
  if (text[i] === "+" || text[i] === "-") sign = text[i++] === "-" ? -1n : 1n;
  const rest = text.slice(i);
  const m = /^0[xX]([0-9a-fA-F]+)|^0[bB]([01]+)|^0([0-7]*)|^([1-9][0-9]*)/.exec(rest);
  if (!m) return undefined;
  const [radix, digits] = m[1] !== undefined
    ? ["0x", m[1]]
    : m[2] !== undefined
    ? ["0b", m[2]]
    : m[3] !== undefined
    ? ["0o", m[3] || "0"]
    : ["", m[4]!];
  return [sign * BigInt(`${radix}${digits}`), i + m[0].length];
}

const TIMESTAMP_TAIL_RE =
  /^-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{0,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a timestamp as Broker does (CAF's `datetime::from_string`, then UTC when no zone):
 * `YEAR-MM-DDTHH:MM:SS[.fraction][Z|±HH[[:]MM]]`. The year is CAF's integer (any number of
 * digits; a leading `0` means octal); the fraction has up to 9 digits and may be empty; the zone
 * offset is not range-checked, as in CAF.
 * @returns Nanoseconds since the epoch, or `undefined` when invalid or outside int64 (where
 *   Broker's conversion would overflow).
 */
export function parseTimestamp(text: string): bigint | undefined {
  if (!/^[0-9]/.test(text)) return undefined;
  const year = readCafInteger(text, 0);
  if (!year) return undefined;
  const m = TIMESTAMP_TAIL_RE.exec(text.slice(year[1]));
  if (!m) return undefined;
  const [month, day, hour, minute, second] = m.slice(1, 6).map(Number) as number[];
  if (year[0] > 100_000n) return undefined; // far outside int64 nanoseconds (and JS dates)
  const y = Number(year[0]);
  if (
    month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(y, month!) || hour! > 23 ||
    minute! > 59 || second! > 59
  ) return undefined;
  let ms = Date.UTC(2000, month! - 1, day!, hour, minute, second);
  ms = new Date(ms).setUTCFullYear(y);
  const zone = m[7];
  if (zone && zone !== "Z") {
    const zh = Number(zone.slice(1, 3));
    const zm = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    ms -= (zone[0] === "-" ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  const frac = BigInt((m[6] ?? "").padEnd(9, "0"));
  const ns = BigInt(ms) * NS_PER_MS + frac;
  return ns < INT64_MIN || ns > INT64_MAX ? undefined : ns;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const SPAN_UNITS: readonly (readonly [string, bigint])[] = [
  ["s", NS_PER_S],
  ["ms", NS_PER_MS],
  ["us", 1000n],
  ["ns", 1n],
];

/** Integer plus the coarsest exact unit among ns, us, ms, s; zero is `0s`. */
export function formatTimespan(ns: bigint): string {
  if (ns === 0n) return "0s";
  for (const [unit, size] of SPAN_UNITS) {
    if (ns % size === 0n) return `${ns / size}${unit}`;
  }
  return `${ns}ns`; // unreachable: every value is a whole number of ns
}

/** Broker's timespan units (CAF's `time_unit`): no `d`. */
const SPAN_PARSE_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
  h: 3600e9,
};

/** A number as CAF's `read_floating_point` reads it (leading blanks, a sign, `.5`, `1.`, `2e3`). */
const SPAN_RE =
  /^[ \t]*([+-]?(?:\.\d+(?:[eE][+-]?\d+)?|0(?:\.\d*(?:[eE][+-]?\d+)?)?|[1-9]\d*(?:\.\d*)?(?:[eE][+-]?\d+)?))(ns|us|ms|s|min|h)$/;

/**
 * Parses a timespan as Broker does (CAF's `parse` of a duration): a CAF floating-point number,
 * then a unit among ns, us, ms, s, min and h. The number is a double and the result truncated
 * toward zero, as `duration_cast` does: `+5s`, `1.5s`, `2e3ms` and `.5h` are valid, `1d`, `5`
 * and `05s` are not.
 * @returns Nanoseconds, or `undefined` when invalid or outside int64.
 */
export function parseTimespan(text: string): bigint | undefined {
  const m = SPAN_RE.exec(text);
  if (!m) return undefined;
  // A double product truncated toward zero, as CAF's duration_cast computes it.
  const product = Math.trunc(Number(m[1]) * SPAN_PARSE_UNITS[m[2]!]!);
  if (!Number.isFinite(product)) return undefined;
  const ns = BigInt(product);
  return ns < INT64_MIN || ns > INT64_MAX ? undefined : ns;
}

/**
 * A double as C `printf("%f")` prints it with glibc: 6 fraction digits, exact decimal value
 * rounded half to even, `-0.000000` for negative zero, `inf`, `-inf` and `nan`.
 */
export function formatReal(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.000000" : "0.000000";
  const abs = Math.abs(x);
  if (abs >= 1e21) return `${x < 0 ? "-" : ""}${BigInt(abs)}.000000`;
  // toFixed rounds exact ties away from zero, printf to even. |x| * 1e6 is an exact tie iff
  // |x| = k / 128 with k odd (then |x| * 1e6 = k * 15625 / 2); |x| * 128 is computed exactly.
  const k = abs * 128;
  if (Number.isInteger(k) && k % 2 === 1) {
    let q = (BigInt(k) * 15625n - 1n) / 2n;
    if (q % 2n === 1n) q += 1n;
    const s = q.toString().padStart(7, "0");
    return `${x < 0 ? "-" : ""}${s.slice(0, -6)}.${s.slice(-6)}`;
  }
  return x.toFixed(6);
}

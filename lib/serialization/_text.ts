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

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`; no zone means UTC.
 * @returns Nanoseconds since the epoch, or `undefined` when invalid or outside int64.
 */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  if (
    month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!) || hour! > 23 ||
    minute! > 59 || second! > 59
  ) return undefined;
  let ms = Date.UTC(year!, month! - 1, day!, hour, minute, second);
  if (year! < 100) ms = new Date(ms).setUTCFullYear(year!);
  const zone = m[8];
  if (zone && zone !== "Z") {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(-2));
    if (zh > 23 || zm > 59) return undefined;
    ms -= (zone[0] === "-" ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  const frac = BigInt((m[7] ?? "").padEnd(9, "0"));
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

const SPAN_PARSE_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  ms: NS_PER_MS,
  s: NS_PER_S,
  min: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
  d: 86400n * NS_PER_S,
};

/**
 * Parses `<integer><unit>` with unit ns, us, ms, s, min, h or d (an optional `-` sign).
 * @returns Nanoseconds, or `undefined` when invalid or outside int64.
 */
export function parseTimespan(text: string): bigint | undefined {
  const m = /^(-?\d{1,20})(ns|us|ms|s|min|h|d)$/.exec(text);
  if (!m) return undefined;
  const ns = BigInt(m[1]!) * SPAN_PARSE_UNITS[m[2]!]!;
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

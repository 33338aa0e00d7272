/**
 * Number formatting as Zeek's log writers do it.
 *
 * - {@linkcode formatAsciiTime}: time and interval columns of the ASCII writer: fixed 6 decimals
 *   for magnitudes up to 2^31-1, C `%e` above (Zeek's `modp_dtoa` with precision 6).
 * - {@linkcode formatAsciiDouble}: double columns of the ASCII writer: rounded to 6 decimals with
 *   trailing zeros (and a bare point) removed, never exponential; then `.0` is added when the value
 *   is finite and within 1e-9 of an integer. So 1e-7 gives `0` (rounds to zero but is not near an
 *   integer), 1e-300 and -0.0 give `0.0`, 123456789.123456789 gives `123456789.123457`, 3e20 gives
 *   `300000000000000000000.0`.
 * - {@linkcode formatJsonDouble}: the JSON writer's doubles: RapidJSON's `Writer::Double` text
 *   (Grisu2 digits, see `_grisu2.ts`), decimal notation for decimal exponents -6..20, integral
 *   values with `.0`, exponents as `1e-7` / `1e21`, `-0.0` for negative zero, `null` for NaN and
 *   infinities.
 *
 * @module
 */

import { rapidJsonDouble } from "./_grisu2.ts";

/** Largest `int`, the point where Zeek's modp formatting leaves its fast path. */
export const INT_MAX = 2147483647;

/** The exact value of a finite non-negative double as num / den. */
function exactRational(v: number): { num: bigint; den: bigint } {
  let k = 0;
  let f = v;
  while (f !== Math.floor(f)) {
    f *= 2;
    k++;
  }
  return { num: BigInt(f), den: 1n << BigInt(k) };
}

/** num / den rounded to an integer, ties to even (C's default rounding mode). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = (num - q * den) * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** C's `%.{prec}f` of a finite non-negative double, exact. */
function cFixed(v: number, prec: number): string {
  const { num, den } = exactRational(v);
  const scale = 10n ** BigInt(prec);
  const n = roundHalfEven(num * scale, den).toString().padStart(prec + 1, "0");
  return prec === 0 ? n : `${n.slice(0, -prec)}.${n.slice(-prec)}`;
}

/** C's `%e` (6 decimals, two-digit exponent at least) of a double, exact. */
function cExp(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const v = Math.abs(value);
  if (v === 0) return `${sign}0.000000e+00`;
  const { num, den } = exactRational(v);
  let e = Math.floor(Math.log10(v));
  let digits = 0n;
  for (let tries = 0; tries < 3; tries++) {
    const shift = 6 - e;
    digits = shift >= 0
      ? roundHalfEven(num * 10n ** BigInt(shift), den)
      : roundHalfEven(num, den * 10n ** BigInt(-shift));
    if (digits >= 10_000_000n) e++;
    else if (digits < 1_000_000n) e--;
    else break;
  }
  const d = digits.toString();
  const exp = `${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return `${sign}${d[0]}.${d.slice(1)}e${exp}`;
}

/**
 * Zeek's fast path for magnitudes up to 2^31-1: whole part plus a 6-digit fraction rounded with
 * modp's half rule, of a non-negative value.
 */
export function modpParts(value: number): { whole: number; frac: number } {
  let whole = Math.trunc(value);
  const tmp = (value - whole) * 1e6;
  let frac = Math.trunc(tmp);
  const diff = tmp - frac;
  if (diff > 0.5) {
    frac++;
    if (frac >= 1e6) {
      frac = 0;
      whole++;
    }
  } else if (diff === 0.5 && (frac === 0 || (frac & 1) === 1)) {
    frac++;
  }
  return { whole, frac };
}

/**
 * Formats a time or interval as the ASCII writer does (`1700000000.123457`, `-0.500000`).
 *
 * @example
 * ```ts
 * import { formatAsciiTime } from "./_numbers.ts";
 * formatAsciiTime(1.5); // "1.500000"
 * ```
 */
export function formatAsciiTime(value: number): string {
  if (Number.isNaN(value)) return "nan";
  const neg = value < 0;
  const v = neg ? -value : value;
  if (v > INT_MAX) return cExp(value);
  const { whole, frac } = modpParts(v);
  return `${neg ? "-" : ""}${whole}.${String(frac).padStart(6, "0")}`;
}

/**
 * Formats a double as the ASCII writer does (see the module doc).
 *
 * @example
 * ```ts
 * import { formatAsciiDouble } from "./_numbers.ts";
 * formatAsciiDouble(1e-7); // "0"
 * formatAsciiDouble(-0); // "0.0"
 * ```
 */
export function formatAsciiDouble(value: number): string {
  if (Number.isNaN(value)) return "nan";
  const neg = value < 0;
  const v = neg ? -value : value;
  let out: string;
  if (v >= INT_MAX) {
    if (v === Infinity) {
      out = "inf";
    } else {
      out = cFixed(v, 6).replace(/0+$/, "").replace(/\.$/, "");
    }
  } else {
    const { whole, frac } = modpParts(v);
    out = String(whole);
    if (frac !== 0) {
      let f = frac;
      let count = 6;
      while (f % 10 === 0) {
        f /= 10;
        count--;
      }
      out += `.${String(f).padStart(count, "0")}`;
    }
  }
  if (neg) out = `-${out}`;
  if (Number.isFinite(value) && Math.abs(value - Math.round(value)) < 1e-9) out += ".0";
  return out;
}

/**
 * Formats a double as Zeek's JSON writer does (see the module doc).
 *
 * @example
 * ```ts
 * import { formatJsonDouble } from "./_numbers.ts";
 * formatJsonDouble(3e20); // "300000000000000000000.0"
 * formatJsonDouble(1e-7); // "1e-7"
 * ```
 */
export function formatJsonDouble(value: number): string {
  if (!Number.isFinite(value)) return "null";
  return rapidJsonDouble(value);
}

/**
 * RapidJSON's double-to-text (`Writer::Double`), which Zeek's JSON log writer uses for times,
 * intervals and doubles. Re-derived from the algorithm as RapidJSON implements it at the commit
 * Zeek 8.2.2 pins (`auxil/rapidjson` = zeek/rapidjson 6089180e): Grisu2 (Loitsch 2010) with
 * 64-bit "do-it-yourself" floats, a table of 87 cached powers of ten (10^-348 .. 10^340 in steps
 * of 8), digit generation into a conservatively narrowed interval, a rounding step towards the
 * exact value, and `Prettify`'s layout rules.
 *
 * The output is usually the shortest round-trip text, but not always: Grisu2 may give a 17th
 * digit where 16 would do, or a last digit one off the closest (`1389719042.0045471`, not
 * `1389719042.004547`). Facts carried over exactly, quirks included:
 *
 * - the 128-bit product keeps its high 64 bits, rounded up when bit 63 of the low half is set;
 * - the final rounding step scales the upper margin by 10^n modulo 2^64 for n < 20 and by 0 from
 *   there on (the pinned commit's table; RapidJSON 1.1.0, as in Debian's `rapidjson-dev`, stops
 *   at n < 9 and renders 9230 of the 35839 values of `testdata/rapidjson/doubles.tsv`
 *   differently);
 * - `Prettify`: decimal notation while the decimal exponent `kk` (10^(kk-1) <= v < 10^kk) is in
 *   -5..21, with `.0` after integers; else `d.ddde±x` without `+` or padding; `maxDecimalPlaces`
 *   (default 324, which never truncates) cuts fractions and removes trailing zeros but one.
 *
 * All 64-bit arithmetic runs on pairs of 32-bit halves held in ordinary numbers (no BigInt on the
 * hot path): the 32x32-bit products use `Math.imul` for the low half and a 16-bit split for the
 * high half. Shortcuts that give the same digits as the digit-by-digit loops: the integral part
 * in one step when the margin is below one unit (every normal double), four fraction digits per
 * step while no stop can fall among them, and the text built from integer parts of at most nine
 * digits. About 4.3 times the cost of `Number#toString` (README, "JSON numbers").
 *
 * @module
 */

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;
const TWO53 = 9007199254740992;

/** Cached powers of ten 10^(-348 + 8i), normalised to 64 bits and rounded: hi, lo, binary exponent. */
const CACHED_HI = new Uint32Array(87);
const CACHED_LO = new Uint32Array(87);
const CACHED_E = new Int16Array(87);
/** 10^n for n in 0..19 as 64-bit halves. */
const POW10_HI = new Uint32Array(20);
const POW10_LO = new Uint32Array(20);
/** 2^n for n in 0..64. */
const POW2 = new Float64Array(65).map((_, n) => 2 ** n);
/** 10^n for n in 0..9 as numbers (exact). */
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Fills the constant tables (BigInt once at load: 87 + 20 values). */
function fillTables(): void {
  for (let i = 0; i < 87; i++) {
    const k = -348 + 8 * i;
    let f: bigint;
    let e: number;
    if (k >= 0) {
      const n = 10n ** BigInt(k);
      const len = n.toString(2).length;
      e = len - 64;
      f = len <= 64 ? n << BigInt(64 - len) : (n + (1n << BigInt(e - 1))) >> BigInt(e); // rounded
    } else {
      const d = 10n ** BigInt(-k);
      const len = d.toString(2).length; // 2^(len-1) <= d < 2^len
      const s = 63 + len; // 2^s / d in [2^63, 2^64]
      const q = ((1n << BigInt(s + 1)) / d + 1n) >> 1n;
      f = q;
      e = -s;
    }
    if (f >= 1n << 64n) {
      f >>= 1n;
      e++;
    }
    CACHED_HI[i] = Number(f >> 32n);
    CACHED_LO[i] = Number(f & 0xffffffffn);
    CACHED_E[i] = e;
  }
  for (let n = 0; n < 20; n++) {
    const p = 10n ** BigInt(n);
    POW10_HI[n] = Number(p >> 32n);
    POW10_LO[n] = Number(p & 0xffffffffn);
  }
}
fillTables();

/** Conversion buffer for a double's bits; every call writes it before reading it. */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint16Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: 1
const LO = 1 - HI;
/** Result registers of {@linkcode mulHigh} (hi, lo); read right after each call. */
const R = new Uint32Array(2);

/** High 32 bits of the 64-bit product of two 32-bit values. */
function mulHi32(a: number, b: number): number {
  const a1 = a >>> 16;
  const a0 = a & 0xffff;
  return Math.floor((a1 * b + Math.floor((a0 * b) / 65536)) / 65536);
}

/** High 64 bits of the 128-bit product, rounded by bit 63 of the low half, into `R`. */
function mulHigh(xh: number, xl: number, yh: number, yl: number): void {
  const bdH = mulHi32(xl, yl);
  const adL = Math.imul(xh, yl) >>> 0;
  const adH = mulHi32(xh, yl);
  const bcL = Math.imul(xl, yh) >>> 0;
  const bcH = mulHi32(xl, yh);
  const acL = Math.imul(xh, yh) >>> 0;
  const acH = mulHi32(xh, yh);
  const mid = bdH + adL + bcL;
  const midLo = mid >>> 0;
  const s1 = acL + adH + bcH + (mid - midLo) / TWO32;
  let lo = s1 >>> 0;
  let hi = acH + (s1 - lo) / TWO32;
  if (midLo >= 0x80000000) {
    lo++;
    if (lo === TWO32) {
      lo = 0;
      hi++;
    }
  }
  R[0] = hi;
  R[1] = lo;
}

/** Low 64 bits of a 64x64-bit product, into `R`. */
function mulLow(xh: number, xl: number, yh: number, yl: number): void {
  const lo = Math.imul(xl, yl) >>> 0;
  R[0] = (mulHi32(xl, yl) + Math.imul(xh, yl) + Math.imul(xl, yh)) >>> 0;
  R[1] = lo;
}

/**
 * The rounding step: how many times the last digit moves down towards the exact value. All
 * arguments are 64-bit values as (hi, lo); `rest + tenKappa` never exceeds `delta`.
 */
function roundSteps(
  dH: number,
  dL: number,
  rH: number,
  rL: number,
  tH: number,
  tL: number,
  wH: number,
  wL: number,
): number {
  let steps = 0;
  for (;;) {
    // rest < wp_w
    if (rH > wH || (rH === wH && rL >= wL)) return steps;
    // delta - rest >= ten_kappa
    let xL = dL - rL;
    let xH = dH - rH;
    if (xL < 0) {
      xL += TWO32;
      xH--;
    }
    if (xH < tH || (xH === tH && xL < tL)) return steps;
    // y = rest + ten_kappa
    let yL = rL + tL;
    let yH = rH + tH;
    if (yL >= TWO32) {
      yL -= TWO32;
      yH++;
    }
    if (yH > wH || (yH === wH && yL >= wL)) {
      // wp_w - rest > y - wp_w
      let aL = wL - rL;
      let aH = wH - rH;
      if (aL < 0) {
        aL += TWO32;
        aH--;
      }
      let bL = yL - wL;
      let bH = yH - wH;
      if (bL < 0) {
        bL += TWO32;
        bH--;
      }
      if (aH < bH || (aH === bH && aL <= bL)) return steps;
    }
    steps++;
    rH = yH;
    rL = yL;
  }
}

/** Decimal digit count of p1 as RapidJSON counts it (1..9; 9 also for larger values). */
function digitCount(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  return 9;
}

/** Splits an exact non-negative integer below 2^64 held in a double into `R` (hi, lo). */
function split(x: number): void {
  const hi = Math.floor(x / TWO32);
  R[0] = hi;
  R[1] = x - hi * TWO32;
}

/**
 * RapidJSON's `Writer::Double` text of a finite double (`Writer::Double` writes nothing for NaN
 * and infinities without extra flags; Zeek's writer writes `null` for them, see
 * {@linkcode formatJsonDouble} in `_numbers.ts`).
 *
 * @example
 * ```ts
 * import { rapidJsonDouble } from "./_grisu2.ts";
 * rapidJsonDouble(1389719042.0045471); // "1389719042.0045471"
 * rapidJsonDouble(1e21); // "1e21"
 * rapidJsonDouble(-0); // "-0.0"
 * ```
 */
export function rapidJsonDouble(value: number, maxDecimalPlaces = 324): string {
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  if (value < 0) return "-" + grisu2(-value, maxDecimalPlaces);
  return grisu2(value, maxDecimalPlaces);
}

/** Grisu2 digits and exponent of a positive finite double, laid out by {@linkcode prettify}. */
function grisu2(value: number, maxDecimalPlaces: number): string {
  F64[0] = value;
  const bitsHi = U32[HI]!;
  const biased = bitsHi >>> 20;
  let f = (bitsHi & 0xfffff) * TWO32 + U32[LO]!;
  let e: number;
  if (biased !== 0) {
    f += TWO52;
    e = biased - 1075;
  } else {
    e = -1074;
  }

  // Upper boundary (2f+1)*2^(e-1), normalised so bit 63 is set: shifted by s, then by 10.
  let s = 0;
  while (f * POW2[s + 1]! < TWO53) s++; // (2f+1) << s reaches bit 53 (subnormals only)
  const plE = e - 1 - s - 10;
  split(f * POW2[s + 11]!);
  let pH = R[0]!;
  let pL = R[1]! + POW2[s + 10]!;
  if (s + 10 >= 32) {
    pL = R[1]!;
    pH += POW2[s + 10 - 32]!;
  } else if (pL >= TWO32) {
    pL -= TWO32;
    pH++;
  }
  // Lower boundary: (4f-1)*2^(e-2) at a power of two with an even lower neighbour, else
  // (2f-1)*2^(e-1), brought to plE.
  const lowerCloser = f === TWO52;
  const mShift = (lowerCloser ? e - 2 : e - 1) - plE; // left shift to plE
  split(f * POW2[mShift + (lowerCloser ? 2 : 1)]!);
  let mH = R[0]!;
  let mL = R[1]!;
  if (mShift >= 32) mH -= POW2[mShift - 32]!;
  else {
    mL -= POW2[mShift]!;
    if (mL < 0) {
      mL += TWO32;
      mH--;
    }
  }

  // Cached power c_mk with the decimal exponent K.
  const dk = (-61 - plE) * 0.30102999566398114 + 347;
  let k = Math.trunc(dk);
  if (dk - k > 0) k++;
  const index = (k >> 3) + 1;
  const bigK = 348 - index * 8; // c_mk = 10^-bigK
  const cH = CACHED_HI[index]!;
  const cL = CACHED_LO[index]!;
  const shift = -(plE + CACHED_E[index]! + 64); // -Mp.e, 32..60

  // W = normalize(v) * c_mk
  const fh = Math.floor(f / TWO32);
  const lz = fh !== 0 ? Math.clz32(fh) : 32 + Math.clz32(f);
  split(f * POW2[lz]!);
  mulHigh(R[0]!, R[1]!, cH, cL);
  const wH = R[0]!;
  const wL = R[1]!;
  // Wp = w_p * c_mk - 1, Wm = w_m * c_mk + 1
  mulHigh(pH, pL, cH, cL);
  pH = R[0]!;
  pL = R[1]!;
  if (pL === 0) {
    pL = TWO32 - 1;
    pH--;
  } else pL--;
  mulHigh(mH, mL, cH, cL);
  mH = R[0]!;
  mL = R[1]! + 1;
  if (mL === TWO32) {
    mL = 0;
    mH++;
  }
  // delta = Wp - Wm; wp_w = Wp - W
  let dL = pL - mL;
  let dH = pH - mH;
  if (dL < 0) {
    dL += TWO32;
    dH--;
  }
  let gL = pL - wL;
  let gH = pH - wH;
  if (gL < 0) {
    gL += TWO32;
    gH--;
  }

  // Digit generation: p1 = Wp >> shift (integral part), p2 = the rest.
  const hiShift = shift - 32;
  const hiScale = POW2[hiShift]!;
  let p1 = Math.floor(pH / hiScale);
  let p2H = pH - p1 * hiScale;
  let p2L = pL;
  const inverseScale = 1 / hiScale; // exact: a power of two
  let kappa = digitCount(p1);
  // Digits go into acc, at most 9 at a time (small integers are cheap to turn into text); a full
  // acc moves to c1, and a full c1 to the text head (only past 18 digits). The last digit is
  // acc's units digit, so the rounding step lowers acc.
  let head = "";
  let c1 = 0;
  let c1Len = 0;
  let acc = 0;
  let accLen = 0;
  if (dH < hiScale && p1 > 0 && p1 < 1e9) {
    // delta < 2^shift (every normal double): the integral part stops early only where
    // (p1 mod 10^kappa) << shift is 0, that is at p1's trailing zeros, and only when p2 <= delta.
    if (p2H < dH || (p2H === dH && p2L <= dL)) {
      let zeros = 0;
      while (zeros < kappa - 1 && p1 % POW10[zeros + 1]! === 0) zeros++;
      acc = p1 / POW10[zeros]! - roundSteps(dH, dL, p2H, p2L, POW10[zeros]! * hiScale, 0, gH, gL);
      return layout("", 0, 0, acc, kappa - zeros, bigK + zeros, maxDecimalPlaces);
    }
    acc = p1;
    accLen = kappa;
    kappa = 0;
  }
  while (kappa > 0) {
    const div = POW10[kappa - 1]!;
    const d = Math.floor(p1 / div);
    p1 -= d * div;
    if (d !== 0 || accLen !== 0) {
      acc = acc * 10 + d;
      accLen++;
    }
    kappa--;
    const tH = p1 * hiScale + p2H; // (p1 << shift) + p2, high half
    if (tH < dH || (tH === dH && p2L <= dL)) {
      acc -= roundSteps(dH, dL, tH, p2L, POW10[kappa]! * hiScale, 0, gH, gL);
      return layout("", 0, 0, acc, accLen, bigK + kappa, maxDecimalPlaces);
    }
  }
  for (;;) {
    if (accLen !== 0) {
      // Four digits at once while delta * 10^4 < 2^shift: then the step's digits all stand
      // unless the remainder after them is below delta * 10^4 (a stop inside the four digits
      // needs (p2 * 10^j mod 2^shift) < delta * 10^j, which implies that); on a stop, the single
      // steps below take over from the same state.
      let lo = dL * 10000;
      let carry = Math.floor(lo / TWO32);
      const eH = dH * 10000 + carry;
      if (eH < hiScale) {
        const eL = lo - carry * TWO32;
        lo = p2L * 10000;
        carry = Math.floor(lo / TWO32);
        const qL = lo - carry * TWO32;
        const qH = p2H * 10000 + carry;
        const chunk = Math.floor(qH * inverseScale);
        const rH = qH - chunk * hiScale;
        if (rH > eH || (rH === eH && qL >= eL)) {
          if (accLen > 5) {
            if (c1Len !== 0) head += head === "" ? String(c1) : String(c1).padStart(c1Len, "0");
            c1 = acc;
            c1Len = accLen;
            acc = chunk;
            accLen = 4;
          } else {
            acc = acc * 10000 + chunk;
            accLen += 4;
          }
          p2H = rH;
          p2L = qL;
          dH = eH;
          dL = eL;
          kappa -= 4;
          continue;
        }
      }
    }
    // One digit: p2 *= 10; delta *= 10
    let lo = p2L * 10;
    let carry = Math.floor(lo / TWO32);
    p2L = lo - carry * TWO32;
    p2H = p2H * 10 + carry;
    lo = dL * 10;
    carry = Math.floor(lo / TWO32);
    dL = lo - carry * TWO32;
    dH = dH * 10 + carry;
    const d = Math.floor(p2H * inverseScale);
    p2H -= d * hiScale;
    if (d !== 0 || accLen !== 0) {
      if (accLen >= 9) {
        if (c1Len !== 0) head += head === "" ? String(c1) : String(c1).padStart(c1Len, "0");
        c1 = acc;
        c1Len = accLen;
        acc = 0;
        accLen = 0;
      }
      acc = acc * 10 + d;
      accLen++;
    }
    kappa--;
    if (p2H < dH || (p2H === dH && p2L < dL)) {
      const n = -kappa;
      if (n < 20) mulLow(gH, gL, POW10_HI[n]!, POW10_LO[n]!);
      else R[0] = R[1] = 0;
      acc -= roundSteps(dH, dL, p2H, p2L, hiScale, 0, R[0]!, R[1]!);
      return layout(head, c1, c1Len, acc, accLen, bigK + kappa, maxDecimalPlaces);
    }
  }
}

/** `0.`, `0.0`, `0.00`, ... up to five zeros: the start of values in [1e-6, 1). */
const ZERO_POINTS = ["0.", "0.0", "0.00", "0.000", "0.0000", "0.00000"];

/** Integer text of n (below 2^53) left-padded with zeros to `width` digits. */
function padded(n: number, width: number): string {
  const t = String(n);
  return t.length >= width ? t : "0".repeat(width - t.length) + t;
}

/**
 * The text of the digits `head`, `c1` (c1Len digits), `acc` (accLen digits) times 10^k, laid out
 * as {@linkcode prettify}. A value with a fraction and at most 18 digits, the common case, is
 * built from integer parts without an intermediate digit string.
 */
function layout(
  head: string,
  c1: number,
  c1Len: number,
  acc: number,
  accLen: number,
  k: number,
  maxDecimalPlaces: number,
): string {
  const kk = head.length + c1Len + accLen + k;
  if (head === "" && k < 0 && kk > 0 && kk <= 21 && k + maxDecimalPlaces >= 0) {
    if (kk >= c1Len) {
      // The point falls in acc: its first kk - c1Len digits are integral.
      const fracLen = -k;
      const p = POW10[fracLen]!;
      let a = Math.floor(acc / p);
      let b = acc - a * p;
      if (b < 0) {
        a--;
        b += p;
      }
      const whole = c1Len === 0
        ? String(a)
        : kk === c1Len
        ? String(c1)
        : String(c1) + padded(a, kk - c1Len);
      return whole + "." + padded(b, fracLen);
    }
    const fracLen = c1Len - kk;
    const p = POW10[fracLen]!;
    let a = Math.floor(c1 / p);
    let b = c1 - a * p;
    if (b < 0) {
      a--;
      b += p;
    }
    return String(a) + "." + padded(b, fracLen) + padded(acc, accLen);
  }
  const digits = head !== ""
    ? head + padded(c1, c1Len) + padded(acc, accLen) // c1 is full once head is not empty
    : c1Len === 0
    ? String(acc)
    : String(c1) + padded(acc, accLen);
  return prettify(digits, k, maxDecimalPlaces);
}

/** Keeps at most `max` fraction digits, then drops trailing zeros but the first. */
function cutFraction(frac: string, max: number): string {
  let end = max;
  while (end > 1 && frac.charCodeAt(end - 1) === 48) end--;
  return frac.slice(0, end);
}

/** RapidJSON's layout of digits `d` times 10^k. */
function prettify(d: string, k: number, maxDecimalPlaces: number): string {
  const length = d.length;
  const kk = length + k; // 10^(kk-1) <= v < 10^kk
  if (k >= 0 && kk <= 21) return d + "0".repeat(k) + ".0";
  if (kk > 0 && kk <= 21) {
    const frac = d.slice(kk);
    return d.slice(0, kk) + "." +
      (k + maxDecimalPlaces < 0 ? cutFraction(frac, maxDecimalPlaces) : frac);
  }
  if (kk > -6 && kk <= 0) {
    if (length - kk <= maxDecimalPlaces) return ZERO_POINTS[-kk] + d;
    const frac = "0".repeat(-kk) + d;
    return "0." + (length - kk > maxDecimalPlaces ? cutFraction(frac, maxDecimalPlaces) : frac);
  }
  if (kk < -maxDecimalPlaces) return "0.0";
  if (length === 1) return d + "e" + (kk - 1);
  return d[0] + "." + d.slice(1) + "e" + (kk - 1);
}

/**
 * Byte-level text helpers: strict UTF-8 sequence checks and `\xNN` escapes, shared by the
 * ASCII and JSON formatters.
 *
 * @module
 */

const HEX = "0123456789abcdef";

/** `\xNN` for one byte, lower-case hex as Zeek writes it. */
export function hexEscape(byte: number): string {
  return `\\x${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * Length of the well-formed UTF-8 sequence starting at `i` (Unicode Table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
 */
export function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + j];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Decodes one well-formed UTF-8 sequence of length `n` at `i` to a string. */
export function decodeSequence(bytes: Uint8Array, i: number, n: number): string {
  const b0 = bytes[i]!;
  let cp: number;
  if (n === 2) cp = ((b0 & 0x1f) << 6) | (bytes[i + 1]! & 0x3f);
  else if (n === 3) {
    cp = ((b0 & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
  } else {
    cp = ((b0 & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) |
      (bytes[i + 3]! & 0x3f);
  }
  return String.fromCodePoint(cp);
}

/**
 * Splits raw bytes into runs of valid UTF-8 text (strings) and single bytes that start no valid
 * sequence (numbers), in order.
 *
 * @example
 * ```ts
 * import { textRuns } from "./_text.ts";
 * textRuns(new Uint8Array([0x61, 0xff, 0x62])); // ["a", 255, "b"]
 * ```
 */
export function textRuns(bytes: Uint8Array): (string | number)[] {
  const out: (string | number)[] = [];
  let text = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      text += String.fromCharCode(b);
      i++;
      continue;
    }
    const n = utf8SequenceLength(bytes, i);
    if (n === 0) {
      if (text !== "") out.push(text);
      text = "";
      out.push(b);
      i++;
    } else {
      text += decodeSequence(bytes, i, n);
      i += n;
    }
  }
  if (text !== "") out.push(text);
  return out;
}

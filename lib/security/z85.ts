/**
 * Z85, ZeroMQ's printable encoding of binary keys (ZeroMQ RFC 32): every 4 bytes, read as a
 * big-endian 32-bit number, become 5 characters of an 85-character alphabet.
 *
 * @module
 */

const ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Character code → digit value, or -1 for a character outside the alphabet. */
const DIGITS: Int8Array = (() => {
  const digits = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) digits[ALPHABET.charCodeAt(i)] = i;
  return digits;
})();

/**
 * Encodes bytes as Z85.
 *
 * @param bytes the data; its length must be a multiple of 4.
 * @returns the Z85 text, 5 characters per 4 bytes.
 * @throws {RangeError} when the length is not a multiple of 4.
 *
 * @example
 * ```ts
 * import { z85Encode } from "./z85.ts";
 * z85Encode(new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])); // "HelloWorld"
 * ```
 */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(
      `Cannot encode Z85: ${bytes.byteLength} bytes is not a multiple of 4`,
    );
  }
  let out = "";
  for (let i = 0; i < bytes.byteLength; i += 4) {
    let value = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) +
      bytes[i + 3]!;
    let chunk = "";
    for (let j = 0; j < 5; j++) {
      chunk = ALPHABET[value % 85]! + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

/**
 * Decodes Z85 text.
 *
 * @param text Z85 characters; the length must be a multiple of 5.
 * @returns the bytes, 4 per 5 characters.
 * @throws {SyntaxError} for a bad length, a character outside the alphabet, or a group above
 * 2^32 - 1.
 *
 * @example
 * ```ts
 * import { z85Decode } from "./z85.ts";
 * z85Decode("HelloWorld"); // Uint8Array [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]
 * ```
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new SyntaxError(`Cannot decode Z85: ${text.length} characters is not a multiple of 5`);
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DIGITS[code]! : -1;
      if (digit < 0) {
        throw new SyntaxError(
          `Cannot decode Z85: character ${JSON.stringify(text[i + j])} at ${i + j} is not Z85`,
        );
      }
      value = value * 85 + digit;
    }
    if (value > 0xffff_ffff) {
      throw new SyntaxError(`Cannot decode Z85: group at ${i} exceeds 32 bits`);
    }
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/**
 * Whether `text` is valid Z85 that decodes to exactly `byteLength` bytes.
 *
 * @example
 * ```ts
 * import { isZ85 } from "./z85.ts";
 * isZ85("HelloWorld", 8); // true
 * ```
 */
export function isZ85(text: string, byteLength: number): boolean {
  if (text.length !== (byteLength / 4) * 5) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * FNV-1a (32-bit) and the HRW key digest Zeek computes with `fnv1a32(key)`.
 *
 * @module
 */

/** FNV-1a 32-bit offset basis. */
export const FNV1A32_OFFSET_BASIS = 2166136261;

/** FNV-1a 32-bit prime. */
export const FNV1A32_PRIME = 16777619;

/** Zeek's type tag for `count` in a `DESC_BINARY` description (`TYPE_COUNT`). */
export const ZEEK_TYPE_TAG_COUNT = 3;

/** Zeek's type tag for `addr` in a `DESC_BINARY` description (`TYPE_ADDR`). */
export const ZEEK_TYPE_TAG_ADDR = 11;

const MAX_COUNT = (1n << 64n) - 1n;
const UTF8 = new TextEncoder();

/**
 * An address key. Either a plain `{ addr: "10.0.0.1" }` object, or any object that says
 * `kind: "addr"` and prints its address text from `toString()` (such as an address class of the
 * serialization module). The text must be the one Zeek prints for the address: dotted quad for
 * IPv4, the `inet_ntop` compressed lower-case form for IPv6. It is hashed as given.
 */
export type HrwAddrKey =
  | { readonly addr: string }
  | { readonly kind: "addr"; toString(): string };

/**
 * A key for {@link hrwKeyDigest}, as plain JS values:
 * - `string`: a Zeek `string`, hashed as its raw UTF-8 bytes;
 * - `bigint` or a non-negative safe-integer `number`: a Zeek `count`;
 * - {@link HrwAddrKey}: a Zeek `addr`.
 */
export type HrwKey = string | bigint | number | HrwAddrKey;

/**
 * FNV-1a over bytes in 32-bit arithmetic: for each byte, xor it in, then multiply by the prime.
 *
 * @param bytes The bytes to hash.
 * @returns The digest, an unsigned 32-bit integer.
 * @example
 * ```ts
 * import { fnv1a32 } from "./fnv1a32.ts";
 * fnv1a32(new TextEncoder().encode("0")); // 890022063
 * ```
 */
export function fnv1a32(bytes: Uint8Array): number {
  let h = FNV1A32_OFFSET_BASIS;
  for (const b of bytes) h = Math.imul(h ^ b, FNV1A32_PRIME);
  return h >>> 0;
}

/**
 * The digest Zeek's `fnv1a32(key)` gives for an HRW key (`publish_hrw`, `hrw_topic`).
 *
 * - A string hashes as its raw UTF-8 bytes.
 * - A count hashes as its `DESC_BINARY` description: the type tag (3) as a little-endian 4-byte
 *   int, then the value as a little-endian 8-byte unsigned int.
 * - An addr hashes as the type tag (11) as a little-endian 4-byte int, then its text, then a NUL.
 *
 * The count and addr forms were checked against a real Zeek 8.2.2 (`vectors/hrw.json`).
 *
 * @param key The key.
 * @returns The digest, an unsigned 32-bit integer.
 * @throws {RangeError} If a count is negative, not an integer or above 2^64 - 1.
 * @throws {TypeError} If the key is none of the supported kinds.
 * @example
 * ```ts
 * import { hrwKeyDigest } from "./fnv1a32.ts";
 * hrwKeyDigest("key-0");
 * hrwKeyDigest(7n);
 * hrwKeyDigest({ addr: "10.0.0.1" });
 * ```
 */
export function hrwKeyDigest(key: HrwKey): number {
  if (typeof key === "string") return fnv1a32(UTF8.encode(key));
  if (typeof key === "bigint" || typeof key === "number") return fnv1a32(_countBytes(key));
  if (typeof key === "object" && key !== null) {
    const text = _addrText(key);
    if (text !== undefined) return fnv1a32(_addrBytes(text));
  }
  throw new TypeError(`Cannot hash HRW key: unsupported key ${String(key)}`);
}

function _countBytes(value: bigint | number): Uint8Array {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`Cannot hash count key: ${value} is not a safe integer`);
  }
  const n = BigInt(value);
  if (n < 0n || n > MAX_COUNT) {
    throw new RangeError(`Cannot hash count key: ${n} is outside 0..2^64-1`);
  }
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, ZEEK_TYPE_TAG_COUNT, true);
  view.setBigUint64(4, n, true);
  return bytes;
}

function _addrText(key: object): string | undefined {
  if ("addr" in key && typeof key.addr === "string") return key.addr;
  if ("kind" in key && key.kind === "addr") return String(key);
  return undefined;
}

function _addrBytes(text: string): Uint8Array {
  const textBytes = UTF8.encode(text);
  const bytes = new Uint8Array(4 + textBytes.length + 1);
  new DataView(bytes.buffer).setInt32(0, ZEEK_TYPE_TAG_ADDR, true);
  bytes.set(textBytes, 4);
  return bytes;
}

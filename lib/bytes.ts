/**
 * The one byte-range comparison of the decoders (received frames, cached frame texts, log batch
 * fields), made without a view: a `subarray` per comparison would cost more than comparing.
 *
 * @module
 */

/**
 * Whether `src[start, end)` holds exactly the bytes of `want`. Compares from the end: texts that
 * repeat with a difference (topics, node ids) usually differ there.
 *
 * @param src The bytes to look in.
 * @param start First byte of the range.
 * @param end One past its last byte.
 * @param want The bytes the range must hold.
 *
 * @example
 * ```ts
 * import { bytesEqualAt } from "./bytes.ts";
 * bytesEqualAt(new Uint8Array([9, 1, 2]), 1, 3, new Uint8Array([1, 2])); // true
 * ```
 */
export function bytesEqualAt(
  src: Uint8Array,
  start: number,
  end: number,
  want: Uint8Array,
): boolean {
  if (end - start !== want.length) return false;
  for (let i = want.length - 1; i >= 0; i--) if (src[start + i] !== want[i]) return false;
  return true;
}

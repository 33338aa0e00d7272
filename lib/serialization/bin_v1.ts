/**
 * Broker binary format v1 (`broker-bin-v1`, spec `zeek-zeromq-wire.md` §5.1).
 *
 * One tag byte, then the body; fixed-width integers big-endian; lengths and element counts as
 * varbyte (unsigned LEB128, 32 bits); addresses IPv4-mapped; subnet lengths in the 128-bit space;
 * sets and tables in Broker's order (the {@link BrokerSet} and {@link BrokerTable} classes keep
 * them sorted, so the output is byte-identical to Broker's).
 *
 * Reals follow CAF `pack754`: normal values and ±0 as IEEE-754 binary64, +inf as
 * `FFF0000000000000` and -inf as `7FF0000000000000` (swapped against IEEE), every NaN as
 * `FFFFFFFFFFFFFFFF`; the decoder mirrors this and reads any other NaN pattern as NaN.
 *
 * Decisions where the spec says UNVERIFIED or leaves room:
 * - Subnormal reals are written and read as their standard IEEE-754 bit pattern (lossless between
 *   zcluster nodes). CAF's pack754 would produce different, broken bytes for them, and a Zeek
 *   receiver may read our bytes as a different tiny number (about 1e-308).
 * - A varbyte longer than 5 bytes is rejected; non-minimal forms are accepted (Broker accepts them).
 * - A subnet whose address bits beyond the prefix are set is accepted and masked; a length above
 *   128 is rejected. Booleans accept any nonzero byte as true.
 * - A set with duplicate elements or a table with repeated keys keeps the first one, as a
 *   `std::set`/`std::map` insert would.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import { ByteReader, ByteWriter } from "./_buffer.ts";
import { DEFAULT_MAX_DEPTH, readValue, writeValue } from "./_bin_v1.ts";
import type { BrokerValue } from "./data.ts";

export { DEFAULT_MAX_DEPTH };

/** Options of the bin-v1 codec. */
export interface BinV1Options {
  /** Deepest container nesting accepted (default {@link DEFAULT_MAX_DEPTH}, 64). */
  maxDepth?: number;
}

/**
 * Encodes a value as bin-v1.
 *
 * @param value Any Broker value.
 * @param options Nesting bound.
 * @returns The bytes (tag first).
 * @throws {SerializationError} When containers nest deeper than `maxDepth`.
 * @throws {TypeError} When the value holds something that is not a Broker value.
 *
 * @example
 * ```ts
 * import { encodeBinV1, port } from "./mod.ts";
 * encodeBinV1(port(80, "tcp")); // Uint8Array [8, 0, 80, 1]
 * ```
 */
export function encodeBinV1(value: BrokerValue, options?: BinV1Options): Uint8Array {
  const w = new ByteWriter(256);
  writeValue(w, value, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  return w.detach();
}

/**
 * Decodes one bin-v1 value that must span the whole input.
 *
 * @param bytes The encoded value.
 * @param options Nesting bound.
 * @returns The value.
 * @throws {SerializationError} On truncated input, unknown tags, lengths beyond the input,
 *   invalid values, nesting deeper than `maxDepth`, or trailing bytes.
 *
 * @example
 * ```ts
 * import { decodeBinV1 } from "./mod.ts";
 * decodeBinV1(new Uint8Array([1, 1])); // true
 * ```
 */
export function decodeBinV1(bytes: Uint8Array, options?: BinV1Options): BrokerValue {
  const r = new ByteReader(bytes);
  const value = readValue(r, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (r.remaining !== 0) {
    throw new SerializationError(
      `Cannot decode value: ${r.remaining} trailing bytes after offset ${r.pos}`,
    );
  }
  return value;
}

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
import { ByteSink } from "../byte_sink.ts";
import { ByteReader } from "./_buffer.ts";
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
  const w = new ByteSink(256);
  writeValue(w, value, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  return w.detach();
}

/** Past this size, a {@link BinV1Encoder}'s scratch buffer is dropped after use (8 KiB). */
const SCRATCH_KEEP_BYTES = 8 * 1024;

/**
 * A bin-v1 encoder that writes into a scratch buffer it owns, for hot paths that encode many
 * small values (no allocation per call once the buffer fits). The bytes are the same as
 * {@link encodeBinV1}'s.
 *
 * {@link BinV1Encoder.encode} returns a view of the scratch buffer that stays valid only until
 * the next call on the same encoder: use it at once (measure it, hash it, bind it to a SQLite
 * statement, send it) and call {@link BinV1Encoder.encodeCopy} for bytes that must persist.
 * A buffer grown past 8 KiB by a large value is released after that value.
 *
 * @example
 * ```ts
 * import { BinV1Encoder, port } from "./mod.ts";
 * const encoder = new BinV1Encoder();
 * encoder.encode(port(80, "tcp")); // Uint8Array [8, 0, 80, 1], until the next call
 * const kept = encoder.encodeCopy("a"); // Uint8Array [5, 1, 97], its own buffer
 * ```
 */
export class BinV1Encoder {
  readonly #maxDepth: number;
  readonly #initialSize: number;
  #writer: ByteSink;

  /**
   * @param options Nesting bound; `initialSize`: scratch bytes to start with (default 256).
   */
  constructor(options?: BinV1Options & { initialSize?: number }) {
    this.#maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#initialSize = options?.initialSize ?? 256;
    this.#writer = new ByteSink(this.#initialSize);
  }

  /**
   * Encodes a value into the scratch buffer.
   *
   * @param value Any Broker value.
   * @returns A view of the bytes, valid until the next call on this encoder.
   * @throws {SerializationError} When containers nest deeper than `maxDepth`.
   * @throws {TypeError} When the value holds something that is not a Broker value.
   */
  encode(value: BrokerValue): Uint8Array {
    let w = this.#writer;
    if (w.buf.length > SCRATCH_KEEP_BYTES) w = this.#writer = new ByteSink(this.#initialSize);
    else w.reset();
    writeValue(w, value, this.#maxDepth);
    return w.detach();
  }

  /**
   * Encodes a value into bytes of their own (one exact-size allocation).
   *
   * @param value Any Broker value.
   * @returns The bytes, never reused by the encoder.
   * @throws {SerializationError} When containers nest deeper than `maxDepth`.
   * @throws {TypeError} When the value holds something that is not a Broker value.
   */
  encodeCopy(value: BrokerValue): Uint8Array {
    return this.encode(value).slice();
  }
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

/**
 * Argument helpers of the store protocol (not exported from `mod.ts`).
 *
 * @module
 */

import { type BrokerValue, Count } from "../serialization/mod.ts";

/** The largest count {@link num} converts (a constant: not a BigInt per call). */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A count argument as a JS number.
 * @throws {SyntaxError} When it is not a count within 2^53.
 */
export function num(v: BrokerValue | undefined): number {
  if (!(v instanceof Count) || v.value > MAX_SAFE) {
    throw new SyntaxError("Cannot decode store message: expected a count");
  }
  return Number(v.value);
}

/** A JS number as a count argument. */
export function cnt(n: number): Count {
  return new Count(n);
}

/**
 * A vector argument.
 * @throws {SyntaxError} When it is not a vector.
 */
export function vector(v: BrokerValue | undefined, what: string): readonly BrokerValue[] {
  if (!Array.isArray(v)) throw new SyntaxError(`Cannot decode store ${what}: not a vector`);
  return v as readonly BrokerValue[];
}

/**
 * Small internal helpers of the transport folder. Not re-exported.
 *
 * @module
 */

/** Formats any thrown value for an error message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

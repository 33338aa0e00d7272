/**
 * Node ids in Zeek's ZeroMQ format: `zeromq_<node>_<host>_<pid>_N<base62>`, new at every start.
 *
 * @module
 */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Zeek's `unique_id("N")`: "N" followed by a random 64-bit number in base 62.
 *
 * @param random Source of 8 random bytes (injected for tests).
 * @returns e.g. `NrFj3eGxkRR5`.
 */
export function uniqueId(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(8));
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = "";
  do {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  } while (value > 0n);
  return `N${out}`;
}

/** Inputs of {@link makeNodeId}. */
export interface NodeIdParts {
  readonly node: string;
  readonly host: string;
  readonly pid: number;
  /** Defaults to a fresh {@link uniqueId}. */
  readonly unique?: string;
}

/**
 * Builds a node id as Zeek's ZeroMQ backend does.
 *
 * @param parts Node name, host name, process id.
 * @returns e.g. `zeromq_worker-1_myhost_4242_NrFj3eGxkRR5`.
 */
export function makeNodeId(parts: NodeIdParts): string {
  return `zeromq_${parts.node}_${parts.host}_${parts.pid}_${parts.unique ?? uniqueId()}`;
}

/**
 * Buffers for the log batches a node sends, reused once a logger has acknowledged them. A fresh
 * buffer for every 1000-record batch cost a sending node more than encoding the records did: in the
 * logs bench each worker took about 22,000 page faults for 2,000 batches, and `take()`'s allocation
 * was the largest item of its profile.
 *
 * A buffer may only come back when nothing else holds it: zeromq.js sends large frames without a
 * copy, so a batch still queued in a socket must not be overwritten. The owner of a batch
 * (reliable delivery) gives it back when its one send was acknowledged, which proves it left.
 *
 * @module
 */

/** Default number of buffers kept. */
export const DEFAULT_BATCH_BUFFERS = 64;
/** Buffers larger than this are never kept (a batch of unusually long records). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** How much larger than twice the asked size a reused buffer may be. */
const SLACK_BYTES = 64 * 1024;

/** Counters of a {@linkcode BatchBufferPool}. */
export interface BatchBufferStats {
  /** Buffers handed out from the pool. */
  reused: number;
  /** Buffers allocated because none fitted. */
  allocated: number;
  /** Buffers given back and not kept (pool full, or too large). */
  discarded: number;
}

/** A bounded stack of spare batch buffers. */
export class BatchBufferPool {
  readonly stats: BatchBufferStats = { reused: 0, allocated: 0, discarded: 0 };
  readonly #max: number;
  readonly #spare: ArrayBuffer[] = [];

  /** @param max buffers kept at most */
  constructor(max = DEFAULT_BATCH_BUFFERS) {
    this.#max = max;
  }

  /** Buffers kept now. */
  get size(): number {
    return this.#spare.length;
  }

  /**
   * A buffer of at least `bytes` bytes (its old contents are left in it), and not much larger: a
   * batch keeps its whole buffer alive while the resend bound counts only the batch's own bytes.
   */
  take(bytes: number): Uint8Array {
    const spare = this.#spare;
    const most = bytes * 2 + SLACK_BYTES;
    for (let i = spare.length - 1; i >= 0; i--) {
      const buffer = spare[i]!;
      if (buffer.byteLength < bytes || buffer.byteLength > most) continue;
      spare[i] = spare[spare.length - 1]!;
      spare.pop();
      this.stats.reused++;
      return new Uint8Array(buffer);
    }
    this.stats.allocated++;
    return new Uint8Array(bytes);
  }

  /**
   * Gives back the buffer a batch was built in. The caller promises that nothing holds the batch
   * any more: it is overwritten by a later batch.
   */
  give(batch: Uint8Array): void {
    const buffer = batch.buffer;
    if (
      !(buffer instanceof ArrayBuffer) || buffer.byteLength > MAX_KEPT_BYTES ||
      this.#spare.length >= this.#max || this.#spare.includes(buffer)
    ) {
      this.stats.discarded++;
      return;
    }
    this.#spare.push(buffer);
  }
}

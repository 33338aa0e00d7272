/**
 * Per-key report rate limit: the first event of a key is reported, later ones within the interval
 * are counted and folded into the next report. Bounded: at most `maxKeys` keys are remembered.
 * Not re-exported.
 *
 * @module
 */

/** Decides which events of a key are reported. */
export class RateLimiter {
  #intervalMs: number;
  #maxKeys: number;
  #now: () => number;
  #keys = new Map<string, { lastMs: number; suppressed: number }>();

  /**
   * @param intervalMs minimum time between two reports of one key.
   * @param now monotonic milliseconds.
   * @param maxKeys bound of the remembered keys; beyond it the oldest are forgotten.
   */
  constructor(intervalMs: number, now: () => number, maxKeys = 1024) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /**
   * Records one event of `key`.
   *
   * @returns `undefined` when it is suppressed, else the number of events suppressed since the
   * last report of this key.
   */
  hit(key: string): number | undefined {
    const now = this.#now();
    const entry = this.#keys.get(key);
    if (entry !== undefined && now - entry.lastMs < this.#intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.#keys.delete(key); // re-insert: the map stays in report order, oldest first
    this.#keys.set(key, { lastMs: now, suppressed: 0 });
    if (this.#keys.size > this.#maxKeys) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    return suppressed;
  }
}

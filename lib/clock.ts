/**
 * Time, injected: roles and membership never read the system clock directly.
 *
 * @module
 */

/** A source of time. */
export interface Clock {
  /** Wall-clock time in seconds since the epoch (fractional). */
  now(): number;
  /** A monotonic time in milliseconds, for intervals and timeouts. */
  monotonicMs(): number;
}

/** The system clock. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now() / 1000,
  monotonicMs: () => performance.now(),
});

/**
 * A clock that only moves when told to, for tests.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../mod.ts";
 * const clock = new ManualClock(1_700_000_000);
 * clock.advance(1500);
 * clock.now(); // 1700000001.5
 * clock.monotonicMs(); // 1500
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #mono = 0;
  /**
   * Creates a `ManualClock`.
   *
   * @param startSeconds Initial wall-clock time in epoch seconds.
   */
  constructor(startSeconds = 1_700_000_000) {
    this.#now = startSeconds;
  }
  /** Wall-clock seconds. */
  now(): number {
    return this.#now;
  }
  /** Monotonic ms. */
  monotonicMs(): number {
    return this.#mono;
  }
  /** Moves both clocks forward. @param ms Milliseconds. */
  advance(ms: number): void {
    this.#now += ms / 1000;
    this.#mono += ms;
  }
}

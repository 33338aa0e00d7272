/**
 * Time, injected: roles and membership never read the system clock directly, and the timers
 * whose firing a test needs to control (membership expiry, log acknowledgement coalescing,
 * WebSocket pings and send deadlines) are set through an injected {@linkcode Timers}.
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

/** A timer handle, as the timer functions return it. */
export type TimerId = ReturnType<typeof setTimeout>;

/** The timer functions a component uses; {@linkcode systemTimers} by default. */
export interface Timers {
  /** Like the global `setTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Like the global `clearTimeout`. */
  clearTimeout(id: TimerId | undefined): void;
  /** Like the global `setInterval`. */
  setInterval(fn: () => void, ms: number): TimerId;
  /** Like the global `clearInterval`. */
  clearInterval(id: TimerId | undefined): void;
}

/**
 * The global timers.
 *
 * @example
 * ```ts
 * import { systemTimers } from "./clock.ts";
 * const id = systemTimers.setTimeout(() => console.log("late"), 1000);
 * systemTimers.clearTimeout(id);
 * ```
 */
export const systemTimers: Timers = Object.freeze({
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (id: TimerId | undefined) => clearTimeout(id),
  setInterval: (fn: () => void, ms: number) => setInterval(fn, ms),
  clearInterval: (id: TimerId | undefined) => clearInterval(id),
});

/**
 * Timers that fire only when {@linkcode ManualTimers.advance} is called, for tests.
 *
 * @example
 * ```ts
 * import { ManualTimers } from "./clock.ts";
 * const timers = new ManualTimers();
 * let fired = 0;
 * timers.setInterval(() => fired++, 10);
 * timers.advance(25);
 * console.log(fired); // 2
 * ```
 */
export class ManualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void; every?: number }>();
  /** Schedules `fn` once, `ms` after the current manual time. */
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, fn });
    return id as unknown as TimerId;
  }
  /** Cancels a timer. */
  clearTimeout(id: TimerId | undefined): void {
    this.#due.delete(id as unknown as number);
  }
  /** Schedules `fn` every `ms` of manual time. */
  setInterval(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, fn, every: ms });
    return id as unknown as TimerId;
  }
  /** Cancels an interval. */
  clearInterval(id: TimerId | undefined): void {
    this.clearTimeout(id);
  }
  /** Timers pending. */
  get pending(): number {
    return this.#due.size;
  }
  /** Moves time forward, running what falls due, in order. @param ms Milliseconds. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.#due) {
        if (t.at <= end && t.at < nextAt) [nextId, nextAt] = [id, t.at];
      }
      if (nextId === undefined) break;
      const t = this.#due.get(nextId)!;
      this.#now = t.at;
      if (t.every) t.at += t.every;
      else this.#due.delete(nextId);
      t.fn();
    }
    this.#now = end;
  }
}

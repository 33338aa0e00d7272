import type { Clock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";

/**
 * Counters by name, bounded so that a flood of distinct names cannot grow it without limit.
 *
 * @example
 * ```ts
 * import { CounterMap } from "../../mod.ts";
 * const counts = new CounterMap(2);
 * counts.inc("a");
 * counts.inc("b");
 * counts.inc("c"); // over the bound: counted in `overflow`
 * counts.get("a"); // 1
 * counts.overflow; // 1
 * ```
 */
export class CounterMap {
  /** One mutable cell per name: an increment is one lookup, and none for the last name. */
  readonly #counts = new Map<string, { n: number }>();
  readonly #max: number;
  #lastName: string | undefined;
  #lastCell: { n: number } = { n: 0 };
  /** Increments that did not fit under the bound, counted under `other`. */
  overflow = 0;
  /**
   * Creates a `CounterMap`.
   *
   * @param max Most distinct names kept (default 1000).
   */
  constructor(max = 1000) {
    this.#max = max;
  }
  /**
   * Adds to a counter.
   *
   * @param name Counter name.
   * @param by Amount.
   */
  inc(name: string, by = 1): void {
    if (name === this.#lastName) {
      this.#lastCell.n += by;
      return;
    }
    let cell = this.#counts.get(name);
    if (cell === undefined) {
      if (this.#counts.size >= this.#max) {
        this.overflow += by;
        return;
      }
      cell = { n: 0 };
      this.#counts.set(name, cell);
    }
    cell.n += by;
    this.#lastName = name;
    this.#lastCell = cell;
  }
  /**
   * Reads a counter.
   *
   * @param name Counter name.
   * @returns Its value.
   */
  get(name: string): number {
    return this.#counts.get(name)?.n ?? 0;
  }
  /** Every counter. */
  *entries(): IterableIterator<[string, number]> {
    for (const [name, cell] of this.#counts) yield [name, cell.n];
  }
  /** Sum of all counters. */
  total(): number {
    let sum = this.overflow;
    for (const cell of this.#counts.values()) sum += cell.n;
    return sum;
  }
}

/** Logs a warning at most once per key per period, counting what it suppressed. */
export class RateLimitedWarner {
  readonly #last = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();
  constructor(
    readonly logger: Logger,
    readonly clock: Clock,
    readonly periodMs: number,
  ) {}
  /** @param key What the warning is about. @param message The text. */
  warn(key: string, message: string): void {
    const now = this.clock.monotonicMs();
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.periodMs) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      return;
    }
    if (this.#last.size > 10_000) this.#last.clear();
    this.#last.set(key, now);
    const skipped = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    this.logger.warn(skipped > 0 ? `${message} (${skipped} more suppressed)` : message);
  }
}

/**
 * The one sleep / deadline / abort-signal helper of the project: everything that waits for time
 * or for a condition with a time limit goes through here (the control client and its commands,
 * the chaos scenarios, the bench children, the test helpers).
 *
 * @example
 * ```ts
 * import { sleep } from "./async.ts";
 * const stop = new AbortController();
 * await sleep(1, stop.signal);
 * ```
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts
 * (at once when it already has). The timer is cleared on abort, so nothing stays pending.
 *
 * @param ms Milliseconds (a negative value waits for the next timer turn).
 * @param signal Optional abort signal.
 * @returns A promise that settles as described.
 *
 * @example
 * ```ts
 * import { sleep } from "./async.ts";
 * await sleep(1);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits for a callback-style condition with a deadline and an abort signal. Whatever happens
 * first wins; the timer, the abort listener and the registration are all released then.
 *
 * @param register Starts waiting; calls `done(value)` when satisfied; returns its cleanup.
 * @param timeoutMs Rejects with `timeoutError()` after this long (0 or less: on the next turn).
 * @param timeoutError Builds the error to reject with when the deadline passes.
 * @param signal Rejects with `signal.reason` when aborted.
 * @returns The value passed to `done`.
 *
 * @example
 * ```ts
 * import { waitWithDeadline } from "./async.ts";
 * const value = await waitWithDeadline<number>(
 *   (done) => {
 *     const t = setTimeout(() => done(42), 1);
 *     return () => clearTimeout(t);
 *   },
 *   1000,
 *   () => new Error("no answer"),
 * );
 * console.log(value); // 42
 * ```
 */
export function waitWithDeadline<T>(
  register: (done: (value: T) => void) => () => void,
  timeoutMs: number,
  timeoutError: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let settled = false;
    let cleanup: () => void = () => {};
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      cleanup();
      action();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    const timer = setTimeout(
      () => finish(() => reject(timeoutError())),
      Math.max(0, timeoutMs),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    cleanup = register((value) => finish(() => resolve(value)));
    if (settled) cleanup();
  });
}

/**
 * Polls `predicate` every `intervalMs` until it holds; rejects after `deadlineMs` (a failure
 * deadline for tests and tools, not a timing assertion) or when `signal` aborts.
 *
 * @param predicate The condition.
 * @param what Names the condition in the timeout error.
 * @param deadlineMs Give up after this long.
 * @param options `intervalMs` between polls (default 5) and an abort `signal`.
 *
 * @example
 * ```ts
 * import { waitUntil } from "./async.ts";
 * let ready = false;
 * setTimeout(() => ready = true, 1);
 * await waitUntil(() => ready, "ready", 1000);
 * ```
 */
export async function waitUntil(
  predicate: () => boolean,
  what: string,
  deadlineMs = 10_000,
  options: { readonly intervalMs?: number; readonly signal?: AbortSignal } = {},
): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > deadlineMs) {
      throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`);
    }
    await sleep(options.intervalMs ?? 5, options.signal);
  }
}

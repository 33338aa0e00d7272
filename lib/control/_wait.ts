import { ControlTimeoutError } from "../errors.ts";

/**
 * Waits for a callback-style condition with a timeout and an abort signal.
 *
 * @param register Starts waiting; calls `done(value)` when satisfied; returns its cleanup.
 * @param timeoutMs Rejects with a {@link ControlTimeoutError} after this long.
 * @param timeoutMessage The error's message.
 * @param signal Rejects with `signal.reason` when aborted.
 * @returns The value passed to `done`.
 */
export function waitWithDeadline<T>(
  register: (done: (value: T) => void) => () => void,
  timeoutMs: number,
  timeoutMessage: () => string,
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
      () => finish(() => reject(new ControlTimeoutError(timeoutMessage()))),
      Math.max(0, timeoutMs),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    cleanup = register((value) => finish(() => resolve(value)));
    if (settled) cleanup();
  });
}

/**
 * Sleeps, or rejects with `signal.reason` when aborted.
 *
 * @param ms Milliseconds.
 * @param signal Abort signal.
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
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

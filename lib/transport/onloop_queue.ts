/**
 * The bounded, ordered hand-off between a transport's sockets and its {@linkcode TransportHandlers}
 * (Zeek's "onloop" queue).
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";
import { RingQueue } from "./_ring_queue.ts";
import { describeError } from "./_util.ts";
import {
  DEFAULT_ONLOOP_QUEUE_HWM,
  type LogBatch,
  type SubscriptionEvent,
  type TransportErrorCode,
  type TransportHandlers,
  type TransportMessage,
} from "./transport.ts";

/** Default number of items delivered per drain before yielding to the event loop. */
export const DEFAULT_ONLOOP_MAX_PER_DRAIN = 1_000;

/** Options of {@linkcode OnloopQueue}. */
export interface OnloopQueueOptions {
  /** Events are dropped while this many items are queued; 0 = unbounded. Default 10000. */
  hwm?: number;
  /** Items delivered per drain before the rest is deferred with `setImmediate`. Default 1000. */
  maxPerDrain?: number;
}

type Item = TransportMessage | SubscriptionEvent | LogBatch;

/**
 * Queues received items in arrival order and delivers them to the handlers. Only events count
 * against the bound: log batches and subscription notifications are always queued (as Zeek does).
 * Handler exceptions are counted and reported to `onError("handler_error")`.
 *
 * @example
 * ```ts
 * import { OnloopQueue } from "./onloop_queue.ts";
 * const seen: string[] = [];
 * const q = new OnloopQueue({
 *   onMessage: (m) => seen.push(m.topic),
 *   onSubscription: () => {},
 *   onLog: () => {},
 *   onError: () => {},
 * }, { hwm: 1 });
 * q.pushMessage({ topic: "a", sender: "n", format: "f", payload: new Uint8Array() });
 * q.pushMessage({ topic: "b", sender: "n", format: "f", payload: new Uint8Array() }); // dropped
 * q.drain();
 * q[Symbol.dispose]();
 * ```
 */
export class OnloopQueue implements Disposable {
  #handlers: TransportHandlers | undefined;
  /** Errors reported before {@linkcode OnloopQueue.start}, delivered when it starts (bounded). */
  #errorsBeforeStart: [TransportErrorCode, string][] = [];
  #hwm: number;
  #maxPerDrain: number;
  #queue = new RingQueue<Item>(256);
  #draining = false;
  #microtask = false;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #disposed = false;
  /** Events dropped because the queue was full. */
  drops = 0;
  /** Exceptions thrown by handlers. */
  handlerErrors = 0;

  /**
   * @param handlers receive the items.
   * @param options bounds.
   * @throws {RangeError} for a negative `hwm` or a `maxPerDrain` below 1.
   */
  constructor(handlers: TransportHandlers | undefined, options: OnloopQueueOptions = {}) {
    this.#handlers = handlers;
    this.#hwm = options.hwm ?? DEFAULT_ONLOOP_QUEUE_HWM;
    this.#maxPerDrain = options.maxPerDrain ?? DEFAULT_ONLOOP_MAX_PER_DRAIN;
    if (!Number.isInteger(this.#hwm) || this.#hwm < 0) {
      throw new RangeError(`Cannot create onloop queue: hwm ${this.#hwm} is not an integer >= 0`);
    }
    if (!Number.isInteger(this.#maxPerDrain) || this.#maxPerDrain < 1) {
      throw new RangeError(
        `Cannot create onloop queue: maxPerDrain ${this.#maxPerDrain} is not an integer >= 1`,
      );
    }
  }

  /** Number of queued items. */
  get length(): number {
    return this.#queue.length;
  }

  /** Queues an event. @returns `false` if it was dropped because the queue is full. */
  pushMessage(msg: TransportMessage): boolean {
    if (this.#disposed) return false;
    if (this.#hwm > 0 && this.#queue.length >= this.#hwm) {
      this.drops++;
      return false;
    }
    this.#queue.push(msg);
    return true;
  }

  /** Queues a subscription notification, ignoring the bound. */
  pushSubscription(ev: SubscriptionEvent): void {
    if (!this.#disposed) this.#queue.push(ev);
  }

  /** Queues a log batch, ignoring the bound. */
  pushLog(log: LogBatch): void {
    if (!this.#disposed) this.#queue.push(log);
  }

  /**
   * Starts delivering to `handlers` (a queue created without handlers holds what arrives, up to
   * its high-water mark, until then).
   *
   * @throws {Error} When the queue was started already.
   */
  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new Error("Cannot start onloop queue: started already");
    this.#handlers = handlers;
    for (const [code, message] of this.#errorsBeforeStart.splice(0)) this.error(code, message);
    this.drainSoon();
  }

  /** Whether the queue delivers (created with handlers, or started). */
  get started(): boolean {
    return this.#handlers !== undefined;
  }

  /**
   * Reports a transport error to the handlers' `onError` (an `onError` that throws is ignored);
   * before the queue starts, kept (the first 100) and reported at start.
   */
  error(code: TransportErrorCode, message: string): void {
    if (this.#handlers === undefined) {
      if (this.#errorsBeforeStart.length < 100) this.#errorsBeforeStart.push([code, message]);
      return;
    }
    try {
      this.#handlers.onError(code, message);
    } catch {
      // Nothing left to report to.
    }
  }

  /** Schedules a {@linkcode drain} in a microtask (once, however often it is called). */
  drainSoon(): void {
    if (this.#microtask || this.#disposed) return;
    this.#microtask = true;
    queueMicrotask(() => {
      this.#microtask = false;
      this.drain();
    });
  }

  /**
   * Delivers up to `maxPerDrain` items now; defers the rest with `setImmediate`. Reentrant calls
   * (from inside a handler) return at once.
   */
  drain(): void {
    if (this.#draining || this.#disposed || this.#handlers === undefined) return;
    this.#draining = true;
    try {
      let n = 0;
      while (n < this.#maxPerDrain && !this.#disposed) {
        const item = this.#queue.shift();
        if (item === undefined) break;
        n++;
        this.#deliver(item);
      }
    } finally {
      this.#draining = false;
    }
    if (this.#queue.length > 0 && this.#immediate === undefined && !this.#disposed) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.drain();
      });
    }
  }

  /** Drops everything queued and stops delivering. Safe to call twice. */
  [Symbol.dispose](): void {
    this.#disposed = true;
    this.#queue.clear();
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #deliver(item: Item): void {
    const handlers = this.#handlers!;
    try {
      if ("payload" in item) handlers.onMessage(item);
      else if ("batch" in item) handlers.onLog(item);
      else handlers.onSubscription(item);
    } catch (error) {
      this.handlerErrors++;
      try {
        handlers.onError("handler_error", `Handler failed: ${describeError(error)}`);
      } catch {
        // An onError that throws has nowhere left to report to.
      }
    }
  }
}

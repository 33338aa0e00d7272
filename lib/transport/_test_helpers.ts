/**
 * Test helpers shared by the transport suites. Not re-exported.
 *
 * @module
 */

import { sleep, waitUntil } from "../async.ts";
import type {
  LogBatch,
  SubscriptionEvent,
  TransportErrorCode,
  TransportHandlers,
  TransportMessage,
} from "./transport.ts";

/** Handlers that record everything they receive. */
export class Recorder implements TransportHandlers {
  messages: TransportMessage[] = [];
  subscriptions: SubscriptionEvent[] = [];
  logs: LogBatch[] = [];
  errors: { code: TransportErrorCode; message: string }[] = [];

  onMessage(msg: TransportMessage): void {
    this.messages.push(msg);
  }
  onSubscription(ev: SubscriptionEvent): void {
    this.subscriptions.push(ev);
  }
  onLog(log: LogBatch): void {
    this.logs.push(log);
  }
  onError(code: TransportErrorCode, message: string): void {
    this.errors.push({ code, message });
  }

  /** Whether a notification `type` for `topic` was seen. */
  saw(type: SubscriptionEvent["type"], topic: string): boolean {
    return this.subscriptions.some((s) => s.type === type && s.topic === topic);
  }
}

/**
 * Polls `predicate` every few ms until it holds; rejects after `deadlineMs` (a failure deadline,
 * not a timing assertion).
 */
export function waitFor(
  predicate: () => boolean,
  what: string,
  deadlineMs = 10_000,
): Promise<void> {
  return waitUntil(predicate, what, deadlineMs);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return sleep(ms);
}

/** Encodes a string as UTF-8. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

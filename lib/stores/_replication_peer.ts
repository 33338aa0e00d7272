/**
 * What a master and a clone store share as peers of the replication protocol: their listeners
 * and subscriptions on the store channel, publishing (a refused publish is counted), and the
 * guard that turns a malformed message into a counted `invalid_data` error instead of a throw.
 *
 * @module
 */

import type { BrokerValue } from "../serialization/mod.ts";
import type { StoreChannel } from "./replication.ts";
import type { StoreStats } from "./store.ts";

/** One store's side of the replication channel. Closing it stops every listener. */
export class ReplicationPeer {
  readonly #name: string;
  readonly #channel: StoreChannel | undefined;
  readonly #stats: Pick<StoreStats, "publishFailures" | "malformed">;
  readonly #onError: (code: string, message: string) => void;
  readonly #offs: Array<() => void> = [];
  readonly #topics: string[] = [];
  #closed = false;

  /**
   * @param name The store's name (in error messages).
   * @param channel The channel; none for a master without replication.
   * @param stats The store's counters (`publishFailures`, `malformed` are counted here).
   * @param onError Receives `invalid_data` for a malformed message.
   */
  constructor(
    name: string,
    channel: StoreChannel | undefined,
    stats: Pick<StoreStats, "publishFailures" | "malformed">,
    onError: (code: string, message: string) => void,
  ) {
    this.#name = name;
    this.#channel = channel;
    this.#stats = stats;
    this.#onError = onError;
  }

  /** Whether there is a channel to replicate over. */
  get connected(): boolean {
    return this.#channel !== undefined;
  }

  /**
   * Subscribes to `topics` and handles each named event through {@linkcode guard}; both end at
   * {@linkcode close}. Does nothing without a channel.
   */
  listen(
    topics: readonly string[],
    handlers: Readonly<Record<string, (args: BrokerValue[]) => void>>,
  ): void {
    const ch = this.#channel;
    if (!ch) return;
    for (const topic of topics) {
      ch.subscribe(topic);
      this.#topics.push(topic);
    }
    for (const [event, handle] of Object.entries(handlers)) {
      this.#offs.push(ch.on(event, (...a) => this.guard(() => handle(a))));
    }
  }

  /** Publishes one event; a refused publish is counted. Nothing once closed or without a channel. */
  publish(topic: string, event: string, args: BrokerValue[]): void {
    if (!this.#channel || this.#closed) return;
    if (!this.#channel.publish(topic, event, ...args)) this.#stats.publishFailures++;
  }

  /** Runs a message handler: a throw counts as malformed and is reported. Nothing once closed. */
  guard(fn: () => void): void {
    if (this.#closed) return;
    try {
      fn();
    } catch (error) {
      this.#stats.malformed++;
      this.#onError("invalid_data", `Store "${this.#name}": ${(error as Error).message}`);
    }
  }

  /** Stops the listeners and unsubscribes. Safe twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    for (const topic of this.#topics.splice(0)) this.#channel?.unsubscribe(topic);
  }
}

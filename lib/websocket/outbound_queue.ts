/**
 * A client's bounded outbound queue. Frames go straight to the socket while its backlog
 * (`bufferedAmount`) is under a high-water mark; past it they wait here, at most `maxSize`
 * frames and `maxBytes` bytes of them, and are retried on a timer. A full queue applies the
 * overflow policy.
 *
 * @module
 */

import { systemTimers, type TimerId, type Timers } from "../clock.ts";

/** What a full outbound queue does: Broker's policies; `disconnect` is Broker's default. */
export type OverflowPolicy = "disconnect" | "drop_oldest" | "drop_newest";

/** What became of a frame given to {@link OutboundQueue.send}. */
export type SendResult = "sent" | "queued" | "replaced_oldest" | "dropped" | "overflow";

/** How often a backlogged queue retries the socket, in ms. */
export const FLUSH_RETRY_MS = 10;

/** Options of {@link OutboundQueue}. */
export interface OutboundQueueOptions {
  /** Frames kept while the socket is backlogged. */
  readonly maxSize: number;
  /** Bytes kept while the socket is backlogged (UTF-16 code units; JSON text is mostly ASCII). */
  readonly maxBytes?: number;
  /** Socket backlog in bytes at which frames start to wait. */
  readonly highWaterBytes: number;
  /** What a full queue does. */
  readonly policy: OverflowPolicy;
  readonly timers?: Timers;
  /** Called after each frame handed to the socket. */
  readonly onWrite?: () => void;
}

/** The socket side the queue writes to. */
export interface QueueSocket {
  send(text: string): void;
  readonly bufferedAmount?: number;
}

/** One client's outbound frames. */
export class OutboundQueue {
  readonly #socket: QueueSocket;
  readonly #opts: OutboundQueueOptions;
  readonly #timers: Timers;
  #queue: string[] = [];
  #bytes = 0;
  #timer: TimerId | undefined;

  /** @param socket Where frames go. @param options Bounds and policy. */
  constructor(socket: QueueSocket, options: OutboundQueueOptions) {
    this.#socket = socket;
    this.#opts = options;
    this.#timers = options.timers ?? systemTimers;
  }

  /** Frames waiting. */
  get length(): number {
    return this.#queue.length;
  }

  /** Bytes waiting (UTF-16 code units). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Sends a frame now, or queues it behind the backlog.
   *
   * @param text The frame.
   * @returns `sent` or `queued`; on a full queue `dropped` (`drop_newest`: this frame is
   *   dropped), `replaced_oldest` (`drop_oldest`: the oldest waiting frame is dropped and this one
   *   queued), or `overflow` (`disconnect`: the caller closes, which clears the queue).
   */
  send(text: string): SendResult {
    if (this.#queue.length === 0 && this.#belowHighWater()) {
      this.write(text);
      return "sent";
    }
    if (this.#full(text.length)) {
      switch (this.#opts.policy) {
        case "drop_newest":
          return "dropped";
        case "drop_oldest":
          while (this.#queue.length > 0 && this.#full(text.length)) {
            this.#bytes -= this.#queue.shift()!.length;
          }
          this.#push(text);
          return "replaced_oldest";
        case "disconnect":
          return "overflow";
      }
    }
    this.#push(text);
    this.#schedule();
    return "queued";
  }

  /**
   * Hands a frame to the socket at once, bypassing the queue (for a last error before a close).
   *
   * @param text The frame.
   */
  write(text: string): void {
    try {
      this.#socket.send(text);
    } catch {
      return; // The socket is closing; its close event ends the session.
    }
    this.#opts.onWrite?.();
  }

  /** Drops every waiting frame and stops the retry timer. */
  clear(): void {
    this.#queue = [];
    this.#bytes = 0;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #full(adding: number): boolean {
    return this.#queue.length >= this.#opts.maxSize ||
      this.#bytes + adding > (this.#opts.maxBytes ?? Infinity);
  }

  #push(text: string): void {
    this.#queue.push(text);
    this.#bytes += text.length;
  }

  #belowHighWater(): boolean {
    return (this.#socket.bufferedAmount ?? 0) < this.#opts.highWaterBytes;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, FLUSH_RETRY_MS);
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#belowHighWater()) {
      const text = this.#queue.shift()!;
      this.#bytes -= text.length;
      this.write(text);
    }
    if (this.#queue.length > 0) this.#schedule();
  }
}

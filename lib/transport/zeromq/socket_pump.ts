/**
 * The one place that drives a zeromq.js socket: a polling receive loop and a bounded send queue.
 *
 * Under Deno 2.9.6 a `receive()` left pending on zeromq.js's native poller can miss wake-ups (a
 * bound PULL receiving nothing from a bursting PUSH; an XSUB never recovering after the proxy
 * restarts), and `receiveTimeout` crashes the process. So the pump never calls `receive()` unless
 * `readable` is true, and never calls `send()` unless `writable` is true: it polls those flags,
 * drains at most `pollMaxMessages` per round, then yields (`setImmediate` while busy, a timer
 * backing off from 1 ms to `pollIdleMaxMs` while idle).
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";
import { RingQueue } from "../_ring_queue.ts";
import { describeError } from "../_util.ts";
import { errorCode } from "./_util.ts";

/** Default messages read per poll round (Zeek `poll_max_messages`). */
export const DEFAULT_POLL_MAX_MESSAGES = 100;
/** Default bound of a pump's send queue. */
export const DEFAULT_SEND_QUEUE_MAX = 1_000;
/** Default upper bound of the idle poll backoff, in milliseconds. */
export const DEFAULT_POLL_IDLE_MAX_MS = 4;
/** Default time after the last activity during which polling uses `setImmediate`, in ms. */
export const DEFAULT_POLL_SPIN_MS = 1;

/** One outgoing frame. */
export type OutFrame = Uint8Array | string;

/** The part of a zeromq.js socket the pump uses (structural, so tests can pass fakes). */
export interface PumpSocket {
  /** ZMQ_EVENTS has POLLIN. */
  readonly readable: boolean;
  /** ZMQ_EVENTS has POLLOUT. */
  readonly writable: boolean;
  /** Receives one multipart message. Only called while `readable`. */
  receive(): Promise<Uint8Array[]>;
  /** Sends one multipart message. Only called while `writable`, one at a time. */
  send(frames: OutFrame[]): Promise<void>;
}

/** Options of {@linkcode SocketPump}. */
export interface SocketPumpOptions {
  /** Socket name for error messages, e.g. `XSUB`. */
  name: string;
  /** Messages read per round before yielding. Default 100 (Zeek `poll_max_messages`). */
  pollMaxMessages?: number;
  /** Bound of the send queue; a message beyond it is dropped and counted. Default 1000. */
  sendQueueMax?: number;
  /** Upper bound of the idle poll backoff in ms. Default 4. */
  pollIdleMaxMs?: number;
  /**
   * For this long after the last message (or send progress) the pump re-polls with
   * `setImmediate` (about 5 µs) instead of a timer (about 1-2 ms under Deno). Default 1 ms.
   */
  pollSpinMs?: number;
  /** On `EAGAIN` (XPUB NODROP at the HWM): `false` drops and counts (Zeek), `true` retries. */
  retryOnEagain?: boolean;
  /**
   * Whether to check `writable` before each send. XPUB and XSUB always report POLLOUT (so their
   * `send()` never waits on the poller) and can skip the check, saving a `ZMQ_EVENTS` call
   * (a poll(2) and a getpid(2) in libzmq) per message. Default true.
   */
  checkWritable?: boolean;
}

/** Callbacks of {@linkcode SocketPump}. */
export interface SocketPumpHandlers {
  /** One received message. Without it the pump does not read. */
  onFrames?(frames: Uint8Array[]): void;
  /** After each poll round that received something (batch hook). */
  onRoundEnd?(): void;
  /** A receive or send failure (`EAGAIN` drops are only counted). */
  onError?(code: "receive_error" | "send_error", message: string): void;
}

/** Counters of one pump. */
export interface SocketPumpStats {
  /** Messages received. */
  received: number;
  /** Messages sent. */
  sent: number;
  /** Bytes received, all frames. */
  bytesIn: number;
  /** Bytes sent, all frames. */
  bytesOut: number;
  /** Messages dropped because the send queue was full (or the pump stopped). */
  queueDrops: number;
  /** Messages dropped because `send()` failed with `EAGAIN`. */
  eagainDrops: number;
  /** Other send failures (message dropped). */
  sendErrors: number;
  /** Receive failures. */
  receiveErrors: number;
  /** Messages waiting in the send queue now. */
  queued: number;
}

/**
 * Drives one socket. Create it after connecting/binding; `stop()` (or dispose) before closing the
 * socket. Stopping resolves once no `receive()`/`send()` of the pump is outstanding.
 *
 * @example
 * ```ts ignore
 * const pump = new SocketPump(pull, { onFrames: (f) => console.log(f.length) }, { name: "PULL" });
 * await using _ = pump;
 * ```
 */
export class SocketPump implements AsyncDisposable {
  #socket: PumpSocket;
  #handlers: SocketPumpHandlers;
  #name: string;
  #pollMax: number;
  #queueMax: number;
  #idleMaxMs: number;
  #spinMs: number;
  #retryOnEagain: boolean;
  #checkWritable: boolean;
  #queue = new RingQueue<OutFrame[]>(64);
  #stopped = false;
  #receiving: Promise<void> | undefined;
  #flushing: Promise<void> | undefined;
  #recvSleep = new Sleeper();
  #sendSleep = new Sleeper();
  #stats: SocketPumpStats = {
    received: 0,
    sent: 0,
    bytesIn: 0,
    bytesOut: 0,
    queueDrops: 0,
    eagainDrops: 0,
    sendErrors: 0,
    receiveErrors: 0,
    queued: 0,
  };

  /**
   * Starts the receive loop at once when `handlers.onFrames` is given.
   *
   * @throws {RangeError} for out-of-range options.
   */
  constructor(socket: PumpSocket, handlers: SocketPumpHandlers, options: SocketPumpOptions) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#name = options.name;
    this.#pollMax = positiveInt(
      "pollMaxMessages",
      options.pollMaxMessages,
      DEFAULT_POLL_MAX_MESSAGES,
    );
    this.#queueMax = positiveInt("sendQueueMax", options.sendQueueMax, DEFAULT_SEND_QUEUE_MAX);
    this.#idleMaxMs = positiveInt("pollIdleMaxMs", options.pollIdleMaxMs, DEFAULT_POLL_IDLE_MAX_MS);
    this.#spinMs = options.pollSpinMs ?? DEFAULT_POLL_SPIN_MS;
    if (!(this.#spinMs >= 0)) {
      throw new RangeError(`Cannot create socket pump: pollSpinMs ${this.#spinMs} is not >= 0`);
    }
    this.#retryOnEagain = options.retryOnEagain ?? false;
    this.#checkWritable = options.checkWritable ?? true;
    if (handlers.onFrames) this.#receiving = this.#receiveLoop(handlers.onFrames);
  }

  /** A snapshot of the counters. */
  get stats(): SocketPumpStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Whether {@linkcode SocketPump.send} would drop a message now (queue full or stopped). */
  get full(): boolean {
    return this.#stopped || this.#queue.length >= this.#queueMax;
  }

  /** Whether the send queue is empty and no send is outstanding. */
  get idle(): boolean {
    return this.#flushing === undefined;
  }

  /**
   * Queues one message for sending.
   *
   * @param force ignore the queue bound (for rare control messages such as subscriptions).
   * @returns `false` if it was dropped (queue full or pump stopped), counted in `queueDrops`.
   */
  send(frames: OutFrame[], force = false): boolean {
    if (this.#stopped || (!force && this.#queue.length >= this.#queueMax)) {
      this.#stats.queueDrops++;
      return false;
    }
    this.#queue.push(frames);
    if (this.#flushing === undefined) this.#flushing = this.#flushLoop();
    return true;
  }

  /** Resolves once the send queue is empty and no send is outstanding (or the pump stopped). */
  async flushed(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  /** Stops both loops; queued sends are discarded and counted as `queueDrops`. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#recvSleep.cancel();
    this.#sendSleep.cancel();
    await this.#receiving;
    await this.flushed();
    this.#stats.queueDrops += this.#queue.length;
    this.#queue.clear();
  }

  /** Same as {@linkcode stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #receiveLoop(onFrames: (frames: Uint8Array[]) => void): Promise<void> {
    const stats = this.#stats;
    const socket = this.#socket;
    const backoff = new Backoff(this.#spinMs, this.#idleMaxMs);
    while (!this.#stopped) {
      let n = 0;
      try {
        while (n < this.#pollMax && !this.#stopped && socket.readable) {
          const frames = await socket.receive();
          n++;
          stats.received++;
          for (let i = 0; i < frames.length; i++) stats.bytesIn += frames[i]!.byteLength;
          onFrames(frames);
        }
      } catch (error) {
        if (this.#stopped) break;
        stats.receiveErrors++;
        this.#handlers.onError?.(
          "receive_error",
          `Cannot receive on ${this.#name}: ${describeError(error)}`,
        );
      }
      if (n > 0) {
        backoff.progress();
        this.#handlers.onRoundEnd?.();
      }
      if (!this.#stopped) await this.#recvSleep.sleep(backoff.nextMs());
    }
  }

  async #flushLoop(): Promise<void> {
    const stats = this.#stats;
    const socket = this.#socket;
    const backoff = new Backoff(this.#spinMs, this.#idleMaxMs);
    try {
      while (!this.#stopped && this.#queue.length > 0) {
        if (this.#checkWritable && !socket.writable) {
          await this.#sendSleep.sleep(backoff.nextMs());
          continue;
        }
        const frames = this.#queue.shift()!;
        try {
          await socket.send(frames);
          backoff.progress();
          stats.sent++;
          for (let i = 0; i < frames.length; i++) stats.bytesOut += frameBytes(frames[i]!);
        } catch (error) {
          if (errorCode(error) === "EAGAIN") {
            if (this.#retryOnEagain && !this.#stopped) {
              this.#queue.unshift(frames);
              await this.#sendSleep.sleep(backoff.nextMs());
            } else {
              stats.eagainDrops++;
            }
          } else if (!this.#stopped) {
            stats.sendErrors++;
            this.#handlers.onError?.(
              "send_error",
              `Cannot send on ${this.#name}: ${describeError(error)}`,
            );
          }
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}

/** Poll delay: 0 (setImmediate) within `spinMs` of the last progress, then 1, 2, 4 ... up to the cap. */
class Backoff {
  #spinMs: number;
  #maxMs: number;
  #last = performance.now();
  #timerRounds = 0;

  constructor(spinMs: number, maxMs: number) {
    this.#spinMs = spinMs;
    this.#maxMs = maxMs;
  }

  progress(): void {
    this.#last = performance.now();
    this.#timerRounds = 0;
  }

  nextMs(): number {
    if (this.#timerRounds === 0 && performance.now() - this.#last < this.#spinMs) return 0;
    return Math.min(2 ** this.#timerRounds++, this.#maxMs);
  }
}

/** A cancellable sleep: 0 ms means `setImmediate`. One sleep at a time. */
class Sleeper {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #wake: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      if (ms <= 0) {
        this.#immediate = setImmediate(() => this.cancel());
      } else {
        this.#timer = setTimeout(() => this.cancel(), ms);
      }
    });
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function frameBytes(frame: OutFrame): number {
  // Strings are ASCII in practice (topics, ids, names); exact UTF-8 length is not worth a copy.
  return typeof frame === "string" ? frame.length : frame.byteLength;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`Cannot create socket pump: ${name} ${v} is not an integer >= 1`);
  }
  return v;
}

/**
 * The waiter of one node: every socket of the node is driven from here, on the event loop, and
 * the only wait is one `poll(2)` over their `ZMQ_FD`s plus an eventfd, run off the event loop.
 * See the thread rule in `socket.ts`.
 *
 * A round (on the event loop) reads `ZMQ_EVENTS` of every socket that is dirty (added, touched,
 * its descriptor fired, or stopped at its budget last round), sends what waits for POLLOUT and
 * receives until `EAGAIN` or the per-round budget, then hands the round's messages on in one go
 * (`onRoundEnd`). When no socket has work left, the reactor starts one `poll(2)` and the event
 * loop is free: an idle node sleeps there, with no timer and no busy polling. A send or receive
 * on the event loop while the poll is in flight marks the socket touched; a round follows (by
 * `setImmediate`) that re-reads `ZMQ_EVENTS`, because that call may have consumed the edge the
 * poll was waiting for.
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";
import { RingQueue } from "../_ring_queue.ts";
import { describeError } from "../_util.ts";
import type { Libzmq } from "./libzmq.ts";
import { ZMQ_POLLIN, ZMQ_POLLOUT } from "./libzmq.ts";
import { type ZmqSocket } from "./socket.ts";

/** Default messages read per socket per round (Zeek `poll_max_messages`). */
export const DEFAULT_POLL_MAX_MESSAGES = 100;
/** Default bound of a socket's backlog of messages waiting for POLLOUT. */
export const DEFAULT_SEND_QUEUE_MAX = 1_000;

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const POLLIN = 1;

/** What a socket does at `EAGAIN` on send. */
export type EagainPolicy =
  /** Drop the message and count it (Zeek's XPUB policy). */
  | "drop"
  /** Keep it in a bounded backlog and send it when the socket reports POLLOUT. */
  | "wait";

/** Options of {@linkcode ZmqReactor.add}. */
export interface DriveOptions {
  /** Each received message; without it the socket is never read. */
  onFrames?(frames: Uint8Array[]): void;
  /** After a round that received something on this socket. */
  onRoundEnd?(): void;
  /** A receive or send failure (`EAGAIN` drops are only counted). */
  onError?(code: "receive_error" | "send_error", message: string): void;
  /** Messages read per round. Default 100. */
  pollMaxMessages?: number;
  /** At `EAGAIN`: drop (default) or wait for POLLOUT in a bounded backlog. */
  onEagain?: EagainPolicy;
  /** Bound of the backlog. Default 1000. */
  sendQueueMax?: number;
}

/** Counters of one driven socket. */
export interface DrivenSocketStats {
  received: number;
  sent: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages dropped because the backlog was full (or the socket stopped). */
  queueDrops: number;
  /** Messages dropped at `EAGAIN` (policy `drop`). */
  eagainDrops: number;
  sendErrors: number;
  receiveErrors: number;
  /** Messages waiting in the backlog now. */
  queued: number;
  /** {@linkcode DrivenSocket.whenWritable} calls that had to wait. */
  writableWaits: number;
  /** Times waiting writers were woken (each wake may still meet a refusal: then they wait again). */
  writableWakes: number;
}

/**
 * A socket driven by a {@linkcode ZmqReactor}: synchronous sends with DONTWAIT, and a backlog for
 * the `wait` policy.
 */
export class DrivenSocket {
  readonly socket: ZmqSocket;
  readonly #o: DriveOptions;
  readonly #budget: number;
  readonly #queueMax: number;
  readonly #wait: boolean;
  #backlog = new RingQueue<readonly Uint8Array[]>(16);
  /**
   * True while {@linkcode service} runs: its own sends and receives need no extra round, since it
   * re-reads ZMQ_EVENTS of this socket until nothing is left (handlers run after it, in
   * `onRoundEnd`, so what they send on this or other sockets still schedules a round).
   */
  servicing = false;
  /**
   * Whether the next round must read this socket's ZMQ_EVENTS: set when it was added, touched
   * outside its service, its descriptor fired, or its service stopped at the budget. A socket
   * that is not dirty has not changed since its last service ended with nothing to do.
   */
  dirty = true;
  /** The last send met `EAGAIN` and was refused (policy `drop`); cleared by the next success. */
  #refused = false;
  /** The last service stopped at its budget: messages wait without a new signal. */
  #more = false;
  #writers: { resolve: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];
  #stopped = false;
  #drained: (() => void)[] = [];
  #stats = {
    received: 0,
    sent: 0,
    bytesIn: 0,
    bytesOut: 0,
    queueDrops: 0,
    eagainDrops: 0,
    sendErrors: 0,
    receiveErrors: 0,
    writableWaits: 0,
    writableWakes: 0,
  };

  /** Use {@linkcode ZmqReactor.add}. */
  constructor(socket: ZmqSocket, o: DriveOptions) {
    this.socket = socket;
    this.#o = o;
    this.#budget = positiveInt("pollMaxMessages", o.pollMaxMessages, DEFAULT_POLL_MAX_MESSAGES);
    this.#queueMax = positiveInt("sendQueueMax", o.sendQueueMax, DEFAULT_SEND_QUEUE_MAX);
    this.#wait = o.onEagain === "wait";
  }

  /** A snapshot of the counters. */
  get stats(): DrivenSocketStats {
    return { ...this.#stats, queued: this.#backlog.length };
  }

  /** Whether a send now would be dropped (backlog full, or stopped). */
  get full(): boolean {
    return this.#stopped || this.#backlog.length >= this.#queueMax;
  }

  /**
   * Sends one message now (DONTWAIT). At `EAGAIN` it is dropped and counted, or with the `wait`
   * policy kept in the backlog (dropped and counted when that is full).
   *
   * @param force ignore the backlog bound (rare control messages such as subscriptions).
   * @param lent the frames are only lent for this call: a message kept in the backlog is copied.
   * @returns `false` when dropped.
   */
  send(frames: readonly Uint8Array[], force = false, lent = false): boolean {
    const st = this.#stats;
    if (this.#stopped) {
      st.queueDrops++;
      return false;
    }
    if (this.#backlog.length > 0) { // keep the order: behind what waits
      if (!force && this.#backlog.length >= this.#queueMax) {
        st.queueDrops++;
        return false;
      }
      this.#backlog.push(lent ? frames.map((f) => f.slice()) : frames);
      return true;
    }
    let ok: boolean;
    try {
      ok = this.socket.send(frames);
    } catch (error) {
      st.sendErrors++;
      this.#o.onError?.("send_error", describeError(error));
      return false;
    }
    if (ok) {
      this.#refused = false;
      st.sent++;
      for (let i = 0; i < frames.length; i++) st.bytesOut += frames[i]!.byteLength;
      return true;
    }
    if (!this.#wait && !force) {
      this.#refused = true;
      st.eagainDrops++;
      return false;
    }
    this.#backlog.push(lent ? frames.map((f) => f.slice()) : frames);
    return true;
  }

  /**
   * Resolves when a send may go: at once unless the last send was refused at `EAGAIN` or the
   * backlog is full; else once the socket's descriptor signalled and `ZMQ_EVENTS` shows POLLOUT
   * (after a refusal) or the backlog shrank below its bound. No timer and no polling: the wait is
   * the reactor's `poll(2)`. A send after it may still be refused (an XPUB reports POLLOUT even
   * at its HWM, so the wake follows the signal of the I/O thread, not a guarantee): wait again.
   * Resolves too when the socket stops (sends are then refused).
   *
   * @throws the signal's reason when `signal` aborts first.
   */
  whenWritable(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#stopped || (!this.#refused && this.#backlog.length < this.#queueMax)) {
      return Promise.resolve();
    }
    this.#stats.writableWaits++;
    return new Promise<void>((resolve, reject) => {
      const writer = {
        resolve,
        signal,
        onAbort: () => {
          this.#writers = this.#writers.filter((w) => w !== writer);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener("abort", writer.onAbort, { once: true });
      this.#writers.push(writer);
    });
  }

  /** Whether someone waits in {@linkcode whenWritable} after a refused send. */
  get waitsAfterRefusal(): boolean {
    return this.#refused && this.#writers.length > 0;
  }

  #settleWritable(): void {
    if (this.#writers.length === 0) return;
    const writers = this.#writers;
    this.#writers = [];
    this.#stats.writableWakes++;
    for (const w of writers) {
      w.signal?.removeEventListener("abort", w.onAbort);
      w.resolve();
    }
  }

  /** Resolves once the backlog is empty (or the socket stopped). */
  flushed(): Promise<void> {
    if (this.#backlog.length === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Stops sending and receiving; the backlog is discarded and counted. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stats.queueDrops += this.#backlog.length;
    this.#backlog.clear();
    this.#settleDrained();
    this.#settleWritable();
  }

  /**
   * One step of a round: reads ZMQ_EVENTS, sends the backlog while POLLOUT, receives while
   * POLLIN up to the budget, until ZMQ_EVENTS shows nothing more to do.
   *
   * @returns `true` when the budget was used up (more may be waiting).
   */
  service(): boolean {
    if (this.#stopped || this.socket.closed) return false;
    // After a refused send with writers waiting: until the I/O thread signals again (ZMQ_FD
    // readable now) nothing can have freed room, so leave the socket alone; reading ZMQ_EVENTS
    // could consume that signal unseen. (Asked now, not from the last poll(2): a signal it saw
    // may have been consumed by sends since.)
    if (this.waitsAfterRefusal && !this.#more && !this.socket.commandsPending()) {
      return false;
    }
    const wakeWriters = this.#writers.length > 0;
    this.servicing = true;
    const onFrames = this.#o.onFrames;
    let received = 0;
    try {
      for (;;) {
        const ev = this.socket.events();
        if (!wakeWriters) {
          // Nobody waits yet: this read may consume the signal that room came back, so a later
          // whenWritable() must not wait for it (it resolves, and a refusal starts over).
          this.#refused = false;
        } else if ((ev & ZMQ_POLLOUT) !== 0 && this.#backlog.length < this.#queueMax) {
          this.#refused = false;
          this.#settleWritable();
        }
        let progress = false;
        if ((ev & ZMQ_POLLOUT) !== 0 && this.#backlog.length > 0) progress = this.#flush();
        if ((ev & ZMQ_POLLIN) !== 0 && onFrames !== undefined) {
          const n = this.#drain(onFrames, this.#budget - received);
          received += n;
          if (received >= this.#budget) return this.#more = true;
          progress ||= n > 0;
        }
        if (!progress) return false;
      }
    } catch (error) {
      if (this.#stopped) return false;
      this.#stats.receiveErrors++;
      this.#o.onError?.("receive_error", describeError(error));
      return false;
    } finally {
      this.servicing = false;
      if (received < this.#budget) this.#more = false;
      if (received > 0) this.#o.onRoundEnd?.();
    }
  }

  #drain(onFrames: (frames: Uint8Array[]) => void, max: number): number {
    const st = this.#stats;
    let n = 0;
    while (n < max && !this.#stopped) {
      const frames = this.socket.receive();
      if (frames === undefined) break;
      n++;
      st.received++;
      for (let i = 0; i < frames.length; i++) st.bytesIn += frames[i]!.byteLength;
      onFrames(frames);
    }
    return n;
  }

  #flush(): boolean {
    const st = this.#stats;
    let progress = false;
    while (this.#backlog.length > 0) {
      const frames = this.#backlog.shift()!;
      let ok: boolean;
      try {
        ok = this.socket.send(frames);
      } catch (error) {
        st.sendErrors++;
        this.#o.onError?.("send_error", describeError(error));
        continue;
      }
      if (!ok) {
        this.#backlog.unshift(frames);
        break;
      }
      progress = true;
      st.sent++;
      for (let i = 0; i < frames.length; i++) st.bytesOut += frames[i]!.byteLength;
    }
    if (this.#backlog.length === 0) this.#settleDrained();
    if (progress && !this.#refused && this.#backlog.length < this.#queueMax) this.#settleWritable();
    return progress;
  }

  #settleDrained(): void {
    const waiting = this.#drained;
    this.#drained = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * The waiter of one node. Create sockets, `add()` them, and dispose the reactor before closing
 * them: dispose wakes the poll and waits for it, so no FFI call stays in flight.
 *
 * @example
 * ```ts ignore
 * const reactor = new ZmqReactor(ctx.lib);
 * const pull = reactor.add(ctx.socket(ZMQ_PULL, "log PULL"), { onFrames: (f) => console.log(f) });
 * await reactor[Symbol.asyncDispose]();
 * pull.socket.close();
 * ```
 */
export class ZmqReactor implements AsyncDisposable {
  readonly #lib: Libzmq;
  readonly #wakeFd: number;
  #driven: DrivenSocket[] = [];
  #waiting: Promise<void> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #stopped = false;
  #disposing: Promise<void> | undefined;
  #word = new BigUint64Array([1n]);
  #wordBytes = new Uint8Array(this.#word.buffer);
  #rounds = 0;
  #waits = 0;

  /** @throws {Error} when no eventfd can be created. */
  constructor(lib: Libzmq) {
    this.#lib = lib;
    this.#wakeFd = lib.libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.#wakeFd < 0) throw new Error("Cannot create the reactor's eventfd");
  }

  /** Rounds run and waits started so far (for tests and benches). */
  get counters(): { rounds: number; waits: number } {
    return { rounds: this.#rounds, waits: this.#waits };
  }

  /** Drives `socket` from now on. @throws {RangeError} for bad options. */
  add(socket: ZmqSocket, options: DriveOptions = {}): DrivenSocket {
    if (this.#stopped) throw new Error(`Cannot drive ${socket.name}: reactor stopped`);
    const d = new DrivenSocket(socket, options);
    void socket.fd; // read ZMQ_FD now, on the event loop
    socket.touched = () => {
      if (d.servicing) return;
      d.dirty = true;
      this.schedule();
    };
    this.#driven.push(d);
    this.#wake(); // a poll in flight does not know the new descriptor
    this.schedule();
    return d;
  }

  /** Stops driving `d` (its socket may be closed afterwards, once no poll is in flight). */
  async remove(d: DrivenSocket): Promise<void> {
    d.stop();
    this.#driven = this.#driven.filter((x) => x !== d);
    d.socket.touched = () => {};
    this.#wake();
    await this.#waiting;
  }

  /** Asks for a round soon (after the current task); it reads the sockets marked dirty. */
  schedule(): void {
    if (this.#immediate !== undefined || this.#stopped) return;
    this.#immediate = setImmediate(() => this.#round());
  }

  /** Stops the waiter: wakes a poll in flight and waits for it. Idempotent. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= (async () => {
      this.#stopped = true;
      if (this.#immediate !== undefined) clearImmediate(this.#immediate);
      this.#immediate = undefined;
      for (const d of this.#driven) d.stop();
      this.#wake();
      while (this.#waiting !== undefined) await this.#waiting;
      this.#lib.libc.close(this.#wakeFd);
    })();
    return this.#disposing;
  }

  #round(): void {
    this.#immediate = undefined;
    if (this.#stopped) return;
    this.#rounds++;
    let more = false;
    for (const d of this.#driven) {
      if (!d.dirty) continue;
      d.dirty = false;
      if (d.service()) {
        d.dirty = true;
        more = true;
      }
    }
    if (more) this.schedule();
    else if (this.#waiting === undefined && this.#immediate === undefined) this.#wait();
  }

  #wait(): void {
    this.#waits++;
    const driven = this.#driven;
    const n = driven.length;
    const fds = new Uint8Array(8 * (n + 1));
    const view = new DataView(fds.buffer);
    for (let i = 0; i <= n; i++) {
      view.setInt32(8 * i, i < n ? driven[i]!.socket.fd : this.#wakeFd, true);
      view.setInt16(8 * i + 4, POLLIN, true);
    }
    // The one call off the event loop: poll(2) over descriptors, never a socket.
    this.#waiting = this.#lib.libc.poll(fds, BigInt(n + 1), -1).then((rc) => {
      this.#waiting = undefined;
      if (view.getInt16(8 * n + 6, true) !== 0) {
        this.#lib.libc.read(this.#wakeFd, this.#wordBytes, 8n); // reset the eventfd
      }
      // The sockets whose descriptor fired (any revents, errors included) need a look; on a
      // failed poll (EINTR) all of them.
      for (let i = 0; i < n; i++) {
        if (rc < 0 || view.getInt16(8 * i + 6, true) !== 0) driven[i]!.dirty = true;
      }
      if (!this.#stopped) this.#round();
    });
  }

  #wake(): void {
    if (this.#waiting === undefined) return;
    this.#word[0] = 1n;
    this.#lib.libc.write(this.#wakeFd, this.#wordBytes, 8n);
  }
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`Cannot drive socket: ${name} ${v} is not an integer >= 1`);
  }
  return v;
}

/**
 * libzmq contexts and sockets over FFI: synchronous, non-blocking calls only.
 *
 * ## The thread rule
 *
 * libzmq sockets are not thread-safe, and a `nonblocking` FFI call runs on another thread. So:
 *
 * 1. Every `zmq_*` call on a socket of a {@linkcode ZmqSocket} is synchronous and runs on the
 *    event loop. No method here is `async`; none hands the socket pointer to another thread.
 * 2. The only wait off the event loop is the {@linkcode ZmqReactor}'s `poll(2)` over plain file
 *    descriptors (each socket's `ZMQ_FD` and an eventfd). It never sees a socket, so a send or
 *    receive on the event loop while it waits cannot race it.
 * 3. `ZMQ_FD` is edge-triggered: a call that processes the socket's commands (send, receive,
 *    `ZMQ_EVENTS`, bind, connect) may consume its signal. So after each of them the socket is
 *    handed back to the reactor ({@linkcode ZmqSocket.touched}), which re-reads its `ZMQ_EVENTS`
 *    before it waits again. A socket nobody called since its last look needs no look: its
 *    descriptor still holds any signal that came since.
 * 4. The two blocking calls that own sockets (`zmq_proxy_steerable`, `zmq_ctx_term`) run on their
 *    own thread; the proxy's sockets are not {@linkcode ZmqSocket}s of a reactor and the event loop
 *    touches them only after the proxy returned; `zmq_ctx_term` runs after every socket closed.
 *
 * @module
 */

import {
  EAGAIN,
  EINTR,
  ERRNO_NAMES,
  type Libzmq,
  MSG_LAYOUT,
  openLibzmq,
  type OpenLibzmqOptions,
  ZMQ_DONTWAIT,
  ZMQ_EVENTS,
  ZMQ_FD,
  ZMQ_IO_THREADS,
  ZMQ_IPV6,
  ZMQ_LAST_ENDPOINT,
  ZMQ_SNDMORE,
} from "./libzmq.ts";
import { bytesEqualAt } from "../../bytes.ts";

/** A libzmq call failed; `code` is the errno name (`EADDRINUSE`, `ETERM`, ...). */
export class ZmqError extends Error {
  override name = "ZmqError";
  /** The errno name, or `E<number>` when unknown. */
  readonly code: string;
  /** The errno value. */
  readonly errno: number;
  /** libzmq's own words for it (`zmq_strerror`). */
  readonly reason: string;

  constructor(message: string, errno: number, reason = message) {
    super(message);
    this.errno = errno;
    this.reason = reason;
    this.code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  }
}

/** Options of {@linkcode ZmqContext.create}. */
export interface ZmqContextOptions extends OpenLibzmqOptions {
  /** ZMQ_IO_THREADS. Default 1. */
  ioThreads?: number;
  /** ZMQ_IPV6 for new sockets. Default false. */
  ipv6?: boolean;
  /** An already opened library (tests, one per process). Default: {@linkcode openLibzmq}. */
  lib?: Libzmq;
}

/**
 * One libzmq context. Close every socket before {@linkcode ZmqContext.terminate}.
 *
 * @example
 * ```ts ignore
 * const ctx = ZmqContext.create({ ioThreads: 2 });
 * const pull = ctx.socket(ZMQ_PULL, "log PULL");
 * pull.close();
 * await ctx.terminate();
 * ```
 */
export class ZmqContext {
  readonly lib: Libzmq;
  readonly #ptr: Deno.PointerObject;
  #sockets = new Set<ZmqSocket>();
  #terminating: Promise<void> | undefined;

  private constructor(lib: Libzmq, ptr: Deno.PointerObject) {
    this.lib = lib;
    this.#ptr = ptr;
  }

  /** Opens libzmq if needed and creates a context. @throws {LibzmqLoadError} {ZmqError} */
  static create(options: ZmqContextOptions = {}): ZmqContext {
    const lib = options.lib ?? openLibzmq(options);
    const ptr = lib.zmq.zmq_ctx_new();
    if (ptr === null) throw lastError(lib, "Cannot create a ZeroMQ context");
    const ctx = new ZmqContext(lib, ptr);
    if (options.ioThreads !== undefined) ctx.#set(ZMQ_IO_THREADS, options.ioThreads, "io threads");
    if (options.ipv6 === true) ctx.#set(ZMQ_IPV6, 1, "ipv6");
    return ctx;
  }

  /** Creates a socket of a `ZMQ_*` type; `name` is used in error messages. */
  socket(type: number, name: string): ZmqSocket {
    if (this.#terminating) throw new ZmqError(`Cannot create ${name}: context terminated`, 0);
    const ptr = this.lib.zmq.zmq_socket(this.#ptr, type);
    if (ptr === null) throw lastError(this.lib, `Cannot create ${name}`);
    const s = new ZmqSocket(this, ptr, name, () => this.#sockets.delete(s));
    this.#sockets.add(s);
    return s;
  }

  /** The raw context pointer, for `zmq_proxy_steerable`'s sockets (proxy.ts only). */
  get pointer(): Deno.PointerObject {
    return this.#ptr;
  }

  /**
   * Closes the sockets still open and terminates the context off the event loop (`zmq_ctx_term`
   * waits for each socket's linger). Idempotent.
   */
  terminate(): Promise<void> {
    this.#terminating ??= (async () => {
      for (const s of [...this.#sockets]) s.close();
      for (;;) {
        const rc = await this.lib.zmq.zmq_ctx_term(this.#ptr);
        if (rc === 0 || this.lib.zmq.zmq_errno() !== EINTR) return;
      }
    })();
    return this.#terminating;
  }

  #set(option: number, value: number, what: string): void {
    if (this.lib.zmq.zmq_ctx_set(this.#ptr, option, value) !== 0) {
      throw lastError(this.lib, `Cannot set the context's ${what} to ${value}`);
    }
  }
}

/** Receives into one reusable `zmq_msg_t` (64 bytes in libzmq 4.x). */
const MSG_T_SIZE = 64;
/**
 * Received frames are views into shared 64 KiB slabs: allocating an ArrayBuffer per frame costs
 * about 1.2 µs under Deno 2.9.6, a view a few ns. Frames above a quarter slab get their own.
 */
const SLAB_BYTES = 64 * 1024;

/**
 * One socket. All calls are synchronous and non-blocking (see the thread rule above).
 */
export class ZmqSocket {
  readonly name: string;
  readonly #lib: Libzmq;
  readonly #ctx: ZmqContext;
  #ptr: Deno.PointerObject | null;
  #onClose: () => void;
  #int = new Int32Array(1);
  #intBytes = new Uint8Array(this.#int.buffer);
  #len = new BigUint64Array(1);
  #lenBytes = new Uint8Array(this.#len.buffer);
  #msg = new Uint8Array(MSG_T_SIZE);
  #msgOpen = false;
  #slab = new ArrayBuffer(0);
  #slabUsed = 0;
  /** The previous messages' small leading frames, by place (see {@linkcode receive}). */
  readonly #repeats: Uint8Array[] = [];
  #fd = -1;
  #pollFdBytes = new Uint8Array(8);
  #pollFd = new DataView(this.#pollFdBytes.buffer);
  /** Set by the reactor: called after each send or receive (the `ZMQ_FD` edge rule). */
  touched: () => void = () => {};

  /** Use {@linkcode ZmqContext.socket}. */
  constructor(ctx: ZmqContext, ptr: Deno.PointerObject, name: string, onClose: () => void) {
    this.#ctx = ctx;
    this.#lib = ctx.lib;
    this.#ptr = ptr;
    this.name = name;
    this.#onClose = onClose;
  }

  /** The context of the socket. */
  get context(): ZmqContext {
    return this.#ctx;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#ptr === null;
  }

  /** The raw pointer (proxy.ts and monitors only; never across threads while in use here). */
  get pointer(): Deno.PointerObject {
    return this.#open();
  }

  /** Sets an integer option. @throws {ZmqError} naming the option. */
  setInt(option: number, value: number, what = `option ${option}`): void {
    this.#int[0] = value;
    this.#setRaw(option, this.#intBytes, what, String(value));
  }

  /** Sets a string (or bytes) option. @throws {ZmqError} naming the option. */
  setString(option: number, value: string | Uint8Array, what = `option ${option}`): void {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.#setRaw(option, bytes, what, typeof value === "string" ? `"${value}"` : "bytes");
  }

  /** Reads an integer option. */
  getInt(option: number): number {
    this.#len[0] = 4n;
    if (this.#lib.zmq.zmq_getsockopt(this.#open(), option, this.#intBytes, this.#lenBytes) !== 0) {
      throw lastError(this.#lib, `Cannot read option ${option} of ${this.name}`);
    }
    return this.#int[0]!;
  }

  /** The bound or connected endpoint (ZMQ_LAST_ENDPOINT), with the real port. */
  get lastEndpoint(): string {
    const buf = new Uint8Array(1024);
    this.#len[0] = BigInt(buf.length);
    if (this.#lib.zmq.zmq_getsockopt(this.#open(), ZMQ_LAST_ENDPOINT, buf, this.#lenBytes) !== 0) {
      return "";
    }
    const n = Number(this.#len[0]);
    return new TextDecoder().decode(buf.subarray(0, Math.max(0, n - 1)));
  }

  /** The socket's signalling file descriptor (ZMQ_FD). */
  get fd(): number {
    if (this.#fd < 0) this.#fd = this.getInt(ZMQ_FD);
    return this.#fd;
  }

  /**
   * Whether `ZMQ_FD` is signalled now: commands from libzmq's I/O thread wait to be processed
   * (the next `ZMQ_EVENTS`, send or receive processes them). A `poll(2)` with a 0 timeout on the
   * event loop; it touches no socket state.
   */
  commandsPending(): boolean {
    const view = this.#pollFd;
    view.setInt32(0, this.fd, true);
    view.setInt16(4, 1, true); // POLLIN
    view.setInt16(6, 0, true);
    return this.#lib.libc.pollNow(this.#pollFdBytes, 1n, 0) > 0 && view.getInt16(6, true) !== 0;
  }

  /**
   * ZMQ_EVENTS: `ZMQ_POLLIN` and/or `ZMQ_POLLOUT` (processes pending commands). A signal that
   * interrupts it (`EINTR`: a profiler's SIGPROF, SIGCHLD, ...) is retried: failing here would
   * leave the socket's `ZMQ_FD` edge consumed with nobody to look again.
   */
  events(): number {
    const ptr = this.#open();
    const z = this.#lib.zmq;
    try {
      for (;;) {
        this.#len[0] = 4n;
        if (z.zmq_getsockopt(ptr, ZMQ_EVENTS, this.#intBytes, this.#lenBytes) === 0) {
          return this.#int[0]!;
        }
        const errno = z.zmq_errno();
        if (errno !== EINTR) {
          throw lastError(this.#lib, `Cannot read ZMQ_EVENTS of ${this.name}`, errno);
        }
      }
    } finally {
      this.touched();
    }
  }

  /** Binds. @throws {ZmqError} (`EADDRINUSE`, `EINVAL`, ...). */
  bind(endpoint: string): void {
    const c = cstring(endpoint);
    this.#retrying(
      () => this.#lib.zmq.zmq_bind(this.#open(), c),
      `bind ${this.name} to ${endpoint}`,
    );
  }

  /** Connects (asynchronous in libzmq). @throws {ZmqError} for a malformed endpoint. */
  connect(endpoint: string): void {
    const c = cstring(endpoint);
    this.#retrying(
      () => this.#lib.zmq.zmq_connect(this.#open(), c),
      `connect ${this.name} to ${endpoint}`,
    );
  }

  /**
   * Starts libzmq's monitor of this socket: `events` (`ZMQ_EVENT_*` bits) are published on
   * `endpoint`, an inproc PAIR endpoint that another socket of the context connects to.
   *
   * @param what names the socket in the error.
   * @throws {ZmqError} when libzmq refuses.
   */
  monitor(endpoint: string, events: number, what = this.name): void {
    const c = cstring(endpoint);
    this.#retrying(
      () => this.#lib.zmq.zmq_socket_monitor(this.#open(), c, events),
      `monitor ${what}`,
    );
  }

  /**
   * Sends one multipart message without waiting (ZMQ_DONTWAIT). libzmq decides on the first
   * frame: when it is accepted, the others are too.
   *
   * @returns `false` on `EAGAIN` (HWM reached, no peer with ZMQ_IMMEDIATE, XPUB NODROP).
   * @throws {ZmqError} on any other failure.
   */
  send(frames: readonly Uint8Array[]): boolean {
    const ptr = this.#open();
    const send = this.#lib.zmq.zmq_send;
    const last = frames.length - 1;
    try {
      for (let i = 0; i <= last; i++) {
        const f = frames[i]!;
        const rc = send(
          ptr,
          f,
          usize(f.byteLength),
          i < last ? ZMQ_DONTWAIT | ZMQ_SNDMORE : ZMQ_DONTWAIT,
        );
        if (rc < 0) {
          const errno = this.#lib.zmq.zmq_errno();
          if (errno === EAGAIN && i === 0) return false;
          if (errno === EINTR) { // a signal (e.g. a profiler's) interrupted it: the frame waits
            i--;
            continue;
          }
          throw lastError(this.#lib, `Cannot send on ${this.name}`, errno);
        }
      }
      return true;
    } finally {
      this.touched();
    }
  }

  /**
   * Receives one multipart message without waiting; frames of any size are copied out whole.
   *
   * @returns the frames, or `undefined` on `EAGAIN` (nothing to read).
   * @throws {ZmqError} on any other failure.
   */
  receive(): Uint8Array[] | undefined {
    const ptr = this.#open();
    const z = this.#lib.zmq;
    const msg = this.#msg;
    if (!this.#msgOpen) {
      z.zmq_msg_init(msg);
      this.#msgOpen = true;
    }
    // The first four frames in locals, the array built once at the end with its final length:
    // pushing onto `[]` grew a backing store per message (1 % of the manager's busy time).
    let f0: Uint8Array | undefined, f1: Uint8Array | undefined, f2: Uint8Array | undefined;
    let f3: Uint8Array | undefined, rest: Uint8Array[] | undefined;
    let n = 0;
    const layout = this.#lib.msgLayout;
    const L = MSG_LAYOUT;
    try {
      for (;;) {
        const size = z.zmq_msg_recv(msg, ptr, ZMQ_DONTWAIT);
        if (size < 0) {
          const errno = z.zmq_errno();
          if (errno === EAGAIN && n === 0) return undefined;
          if (errno === EINTR) continue;
          throw lastError(this.#lib, `Cannot receive on ${this.name}`, errno);
        }
        const flagged = (msg[L.flags]! & 1) !== 0;
        let frame: Uint8Array;
        if (layout.ok && msg[L.type] === L.vsmType && msg[L.vsmSize] === size) {
          // A very small frame lives inside the zmq_msg_t: read it from there (no call). A
          // leading frame (topic, sender, format) that repeats the previous message's at the same
          // place is handed on as the same view: no allocation, and the text caches (`Utf8Cache`)
          // hit at once. Frames handed on are never written to, so sharing one is safe.
          const at = n;
          const prev = this.#repeats[at];
          if (
            flagged && prev !== undefined && bytesEqualAt(msg, L.vsmData, L.vsmData + size, prev)
          ) {
            frame = prev;
          } else {
            frame = this.#frame(size);
            for (let i = 0; i < size; i++) frame[i] = msg[L.vsmData + i]!;
            if (flagged && at < MAX_REPEATS) this.#repeats[at] = frame;
          }
        } else {
          frame = this.#frame(size);
          if (size > 0) {
            const data = z.zmq_msg_data(msg);
            if (data !== null) this.#lib.libc.memcpy(frame, data, usize(size));
          }
        }
        if (n === 0) f0 = frame;
        else if (n === 1) f1 = frame;
        else if (n === 2) f2 = frame;
        else if (n === 3) f3 = frame;
        else (rest ??= []).push(frame);
        n++;
        let more = flagged;
        if (!layout.ok || layout.checked < L.crossChecks) {
          more = z.zmq_msg_more(msg) !== 0;
          if (layout.ok && more !== flagged) layout.ok = false; // not the layout we know: stop
          else layout.checked++;
        }
        if (!more) return framesOf(n, f0!, f1, f2, f3, rest);
      }
    } finally {
      this.touched();
    }
  }

  /** A fresh frame of `size` bytes, from the current slab when it is small. */
  #frame(size: number): Uint8Array {
    if (size > SLAB_BYTES / 4) return new Uint8Array(size);
    if (this.#slabUsed + size > this.#slab.byteLength) {
      this.#slab = new ArrayBuffer(SLAB_BYTES);
      this.#slabUsed = 0;
    }
    const at = this.#slabUsed;
    this.#slabUsed = (at + size + 7) & ~7; // 8-byte aligned views (DataView, Float64 readers)
    // The constructor, not `subarray()`: TurboFan builds it inline, where `subarray()` calls the
    // species-constructor builtins (4.5 % of the manager's busy time in the events bench).
    return new Uint8Array(this.#slab, at, size);
  }

  /** Closes the socket (libzmq lingers in its I/O thread). Idempotent. */
  close(): void {
    const ptr = this.#ptr;
    if (ptr === null) return;
    this.#ptr = null;
    if (this.#msgOpen) this.#lib.zmq.zmq_msg_close(this.#msg);
    this.#msgOpen = false;
    this.#lib.zmq.zmq_close(ptr);
    this.#onClose();
  }

  /**
   * Runs a call that returns 0 or -1 again while a signal interrupts it. bind, connect and
   * monitor start by processing the socket's pending commands, where a signal (a profiler's
   * SIGPROF, SIGCHLD) interrupts them with `EINTR` before anything is done: a node must not fail
   * to start for that.
   */
  #retrying(call: () => number, what: string): void {
    try {
      for (;;) {
        if (call() === 0) return;
        const errno = this.#lib.zmq.zmq_errno();
        if (errno !== EINTR) throw lastError(this.#lib, `Cannot ${what}`, errno);
      }
    } finally {
      this.touched(); // the pending commands were processed: the ZMQ_FD edge may be gone
    }
  }

  #open(): Deno.PointerObject {
    if (this.#ptr === null) throw new ZmqError(`${this.name} is closed`, 88);
    return this.#ptr;
  }

  #setRaw(option: number, bytes: Uint8Array, what: string, shown: string): void {
    if (this.#lib.zmq.zmq_setsockopt(this.#open(), option, bytes, usize(bytes.byteLength)) !== 0) {
      throw lastError(this.#lib, `Cannot set ${what} of ${this.name} to ${shown}`);
    }
  }
}

/** A NUL-terminated UTF-8 copy of `s`. */
export function cstring(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** A {@linkcode ZmqError} for the calling thread's libzmq errno. */
export function lastError(lib: Libzmq, what: string, errno = lib.zmq.zmq_errno()): ZmqError {
  const p = lib.zmq.zmq_strerror(errno);
  const reason = p === null ? `errno ${errno}` : new Deno.UnsafePointerView(p).getCString();
  return new ZmqError(`${what}: ${reason}`, errno, reason);
}

/** The `n` frames of one message as an array of that length. */
function framesOf(
  n: number,
  f0: Uint8Array,
  f1: Uint8Array | undefined,
  f2: Uint8Array | undefined,
  f3: Uint8Array | undefined,
  rest: Uint8Array[] | undefined,
): Uint8Array[] {
  if (n === 4) return [f0, f1!, f2!, f3!];
  if (n === 1) return [f0];
  if (n === 2) return [f0, f1!];
  if (n === 3) return [f0, f1!, f2!];
  return [f0, f1!, f2!, f3!, ...rest!];
}

/**
 * A size for a `usize` parameter. A BigInt: Deno's FFI also takes a plain number there, but only
 * on its slow path (measured: 0.31 µs a call against 0.05 µs with a BigInt).
 */
function usize(n: number): bigint {
  return n < USIZES.length ? USIZES[n]! : BigInt(n);
}

/** The sizes of short frames (topics, senders, formats) as BigInts, made once. */
const USIZES: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/** Leading frames remembered for reuse (topic, sender, format of Zeek's four). */
const MAX_REPEATS = 3;

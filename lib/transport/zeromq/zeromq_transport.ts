/**
 * A node's ZeroMQ sockets as Zeek opens them: XSUB → proxy XPUB, XPUB → proxy XSUB, an optional
 * bound PULL for log batches and one PUSH connected to every logger.
 *
 * @module
 */

import * as zmq from "zeromq";
import { TransportClosedError } from "../../errors.ts";
import { OnloopQueue } from "../onloop_queue.ts";
import {
  LOG_WRITE_SEQ_PREFIX,
  LOG_WRITE_TOPIC,
  type LogTarget,
  parseLogWriteSeq,
  type Transport,
  type TransportHandlers,
  type TransportMessage,
  type TransportStats,
} from "../transport.ts";
import {
  type ResolvedZeromqTransportOptions,
  resolveZeromqTransportOptions,
  type ZeromqTransportOptions,
} from "./options.ts";
import { FrameDecoder } from "./_frame_decoder.ts";
import { bindOrThrow, connectOrThrow } from "./_util.ts";
import { SocketPump, type SocketPumpHandlers, type SocketPumpOptions } from "./socket_pump.ts";
import { curveClientSocketOptions } from "./curve.ts";
import { type CurveGuard, startCurveGuard } from "./zap_handler.ts";

/** {@linkcode TransportStats} plus the ZeroMQ-only counters. */
export interface ZeromqTransportStats extends TransportStats {
  /** CURVE connections the log PULL refused (unlisted key, plain ZMTP). 0 without CURVE. */
  curveRejected: number;
}

/** A {@linkcode Transport} over zeromq.js, with the bound PULL endpoint exposed. */
export interface ZeromqTransport extends Transport {
  /** The PULL's bound endpoint (real port when bound to `*`), or `undefined` without PULL. */
  readonly logEndpoint: string | undefined;
  /** Whether XPUB/XSUB/PUSH are CURVE clients (`client`) and the PULL a CURVE server. */
  readonly curve: { readonly client: boolean; readonly server: boolean };
  /** A snapshot of the counters. */
  readonly stats: ZeromqTransportStats;
}

/**
 * Opens the node's sockets (XSUB, XPUB, then PULL, then PUSH, as Zeek does) and starts polling.
 * No socket sets `receiveTimeout`/`sendTimeout` (they crash or stall under Deno 2.9.6).
 *
 * @param handlers receive messages, subscription notifications, log batches and errors.
 * @param options endpoints and socket options; Zeek's defaults apply.
 * @throws {Error} `Cannot bind log PULL to <endpoint>: <reason>` or `Cannot connect ...`.
 * @throws {RangeError} / {TypeError} for invalid options.
 *
 * @example
 * ```ts ignore
 * await using t = await createZeromqTransport(handlers, {
 *   connectXsubEndpoint: proxy.xpubEndpoint,
 *   connectXpubEndpoint: proxy.xsubEndpoint,
 * });
 * t.subscribe("zeek.cluster.");
 * t.publish({ topic: "zeek.cluster.worker", sender: id, format: "broker-bin-v1", payload });
 * ```
 */
export async function createZeromqTransport(
  handlers: TransportHandlers,
  options: ZeromqTransportOptions = {},
): Promise<ZeromqTransport> {
  const o = resolveZeromqTransportOptions(options);
  const context = o.context ?? new zmq.Context({ ipv6: o.ipv6 });
  const common = { context, ipv6: o.ipv6, reconnectInterval: o.reconnectIntervalMs };
  const heartbeat = heartbeatOptions(o);
  const client = curveClientSocketOptions(o.curveClient);
  const sockets: zmq.Socket[] = [];
  let guard: CurveGuard | undefined;
  try {
    const xsub = new zmq.XSubscriber({
      ...common,
      ...client,
      ...heartbeat,
      ...buf("receiveBufferSize", o.xsubRcvbuf),
      receiveHighWaterMark: o.xsubRcvhwm,
      reconnectMaxInterval: o.reconnectIntervalMaxMs,
      linger: 0,
    });
    sockets.push(xsub);
    connectOrThrow(xsub, "XSUB", o.connectXsubEndpoint);
    const xpub = new zmq.XPublisher({
      ...common,
      ...client,
      ...heartbeat,
      ...buf("sendBufferSize", o.xpubSndbuf),
      linger: o.lingerMs,
      noDrop: o.connectXpubNodrop,
      immediate: o.xpubImmediate,
      sendHighWaterMark: o.xpubSndhwm,
      reconnectMaxInterval: o.reconnectIntervalMaxMs,
    });
    xpub.verbosity = "allSubs"; // ZMQ_XPUB_VERBOSE
    sockets.push(xpub);
    connectOrThrow(xpub, "XPUB", o.connectXpubEndpoint);
    let pull: zmq.Pull | undefined;
    if (o.listenLogEndpoint !== "") {
      if (o.curveServer !== undefined) guard = await startCurveGuard(context, o.curveServer);
      pull = new zmq.Pull({
        ...common,
        ...buf("receiveBufferSize", o.logRcvbuf),
        receiveHighWaterMark: o.logRcvhwm,
        linger: 0,
        ...guard?.serverSocketOptions("log PULL"),
      });
      sockets.push(pull);
      guard?.watch(pull, "log PULL");
      await bindOrThrow(pull, "log PULL", o.listenLogEndpoint);
    }
    const newPush = () => {
      const push = new zmq.Push({
        ...common,
        ...client,
        ...buf("sendBufferSize", o.logSndbuf),
        sendHighWaterMark: o.logSndhwm,
        linger: o.lingerMs,
        immediate: o.logImmediate,
        reconnectMaxInterval: o.reconnectIntervalMaxMs,
      });
      sockets.push(push);
      return push;
    };
    // One PUSH per logger: round-robin is done here, per message and skipping a logger whose
    // queue is full, as libzmq balances one PUSH over its pipes in Zeek; a batch that asks for an
    // acknowledgement must go to one known logger.
    const pushes: zmq.Push[] = [];
    for (const endpoint of o.connectLogEndpoints) {
      const push = newPush();
      connectOrThrow(push, "log PUSH", endpoint);
      pushes.push(push);
    }
    return new ZeromqTransportImpl(handlers, o, { xsub, xpub, pull, pushes, guard });
  } catch (error) {
    for (const s of sockets) s.close();
    await guard?.[Symbol.asyncDispose]();
    throw error;
  }
}

interface Sockets {
  xsub: zmq.XSubscriber;
  xpub: zmq.XPublisher;
  pull: zmq.Pull | undefined;
  pushes: zmq.Push[];
  guard: CurveGuard | undefined;
}

class ZeromqTransportImpl implements ZeromqTransport {
  readonly logEndpoint: string | undefined;
  readonly closed: Promise<void | Error>;
  readonly curve: { readonly client: boolean; readonly server: boolean };
  #o: ResolvedZeromqTransportOptions;
  #sockets: Sockets;
  #onloop: OnloopQueue;
  #xsub: SocketPump;
  #xpub: SocketPump;
  #pull: SocketPump | undefined;
  #pushes: SocketPump[] = [];
  #decoder = new FrameDecoder();
  #encoder = new TextEncoder();
  #encoded = new Map<string, Uint8Array>();
  #counts = { messagesIn: 0, bytesIn: 0, subscriptionsIn: 0, logsIn: 0, logBytesIn: 0 };
  #msgErrors = 0;
  #noLogEndpointDrops = 0;
  #nextPush = 0;
  #closing = false;
  #disposing: Promise<void> | undefined;
  #resolveClosed!: (v: void | Error) => void;

  constructor(handlers: TransportHandlers, o: ResolvedZeromqTransportOptions, sockets: Sockets) {
    this.#o = o;
    this.#sockets = sockets;
    this.logEndpoint = sockets.pull?.lastEndpoint ?? undefined;
    this.curve = Object.freeze({
      client: o.curveClient !== undefined,
      server: sockets.guard !== undefined,
    });
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#onloop = new OnloopQueue(handlers, { hwm: o.onloopQueueHwm });
    const onError = (code: "receive_error" | "send_error", message: string) => {
      try {
        handlers.onError(code, message);
      } catch {
        // Nothing left to report to.
      }
    };
    const onRoundEnd = () => this.#onloop.drain();
    const pumpOptions = (name: string): SocketPumpOptions => ({
      name,
      pollMaxMessages: o.pollMaxMessages,
      pollIdleMaxMs: o.pollIdleMaxMs,
      pollSpinMs: o.pollSpinMs,
      sendQueueMax: o.sendQueueMax,
    });
    const pump = (socket: zmq.Socket, name: string, h: SocketPumpHandlers, retry = false) =>
      new SocketPump(socket as unknown as ConstructorParameters<typeof SocketPump>[0], h, {
        ...pumpOptions(name),
        retryOnEagain: retry,
        // XPUB and XSUB always report POLLOUT; PUSH must be checked (HWM, no peer).
        checkWritable: !(socket instanceof zmq.XPublisher || socket instanceof zmq.XSubscriber),
      });
    this.#xsub = pump(sockets.xsub, "XSUB", {
      onFrames: (f) => this.#onXsub(f),
      onRoundEnd,
      onError,
    });
    this.#xpub = pump(sockets.xpub, "XPUB", {
      onFrames: (f) => this.#onXpub(f),
      onRoundEnd,
      onError,
    }, o.xpubRetryOnEagain);
    if (sockets.pull) {
      this.#pull = pump(sockets.pull, "log PULL", {
        onFrames: (f) => this.#onPull(f),
        onRoundEnd,
        onError,
      });
    }
    this.#pushes = sockets.pushes.map((p) => pump(p, "log PUSH", { onError }));
  }

  get stats(): ZeromqTransportStats {
    const xpub = this.#xpub.stats;
    const push = { sent: 0, bytesOut: 0, drops: 0, sendErrors: 0 };
    for (const p of this.#pushes) {
      const st = p.stats;
      push.sent += st.sent;
      push.bytesOut += st.bytesOut;
      push.drops += st.queueDrops + st.eagainDrops;
      push.sendErrors += st.sendErrors;
    }
    return {
      ...this.#counts,
      messagesOut: xpub.sent,
      bytesOut: xpub.bytesOut,
      logsOut: push.sent,
      logBytesOut: push.bytesOut,
      xpubDrops: xpub.queueDrops + xpub.eagainDrops,
      onloopDrops: this.#onloop.drops,
      logDrops: this.#noLogEndpointDrops + push.drops,
      msgErrors: this.#msgErrors,
      sendErrors: xpub.sendErrors + push.sendErrors + this.#xsub.stats.sendErrors,
      handlerErrors: this.#onloop.handlerErrors,
      curveRejected: this.#sockets.guard?.stats.curveRejected ?? 0,
    };
  }

  publish(msg: TransportMessage): boolean {
    if (this.#closing) {
      throw new TransportClosedError(
        `Cannot publish to topic "${msg.topic}": transport is closed`,
      );
    }
    return this.#xpub.send([
      msg.topic,
      this.#bytes(msg.sender),
      this.#bytes(msg.format),
      msg.payload,
    ]);
  }

  subscribe(prefix: string): void {
    this.#xsubControl(1, prefix, "subscribe to");
  }

  unsubscribe(prefix: string): void {
    this.#xsubControl(0, prefix, "unsubscribe from");
  }

  get logEndpointCount(): number {
    return this.#pushes.length;
  }

  sendLog(sender: string, format: string, batch: Uint8Array, target?: LogTarget): boolean {
    if (this.#closing) {
      throw new TransportClosedError(`Cannot send log batch: transport is closed`);
    }
    const pushes = this.#pushes;
    if (pushes.length === 0) {
      this.#noLogEndpointDrops++;
      return false;
    }
    if (target !== undefined) {
      const push = pushes[target.logger];
      if (push === undefined) {
        throw new RangeError(`Cannot send log batch to logger ${target.logger}: no such endpoint`);
      }
      const topic = `${LOG_WRITE_SEQ_PREFIX}${target.seq}`;
      return push.send([topic, this.#bytes(sender), this.#bytes(format), batch]);
    }
    const frames = [LOG_WRITE_TOPIC, this.#bytes(sender), this.#bytes(format), batch];
    if (this.#o.logDistribution !== "round-robin") {
      let ok = true;
      for (const push of pushes) ok = push.send(frames) && ok;
      return ok;
    }
    for (let i = 0; i < pushes.length; i++) {
      const at = (this.#nextPush + i) % pushes.length;
      if (pushes[at]!.full) continue;
      this.#nextPush = at + 1;
      return pushes[at]!.send(frames);
    }
    return pushes[this.#nextPush++ % pushes.length]!.send(frames); // all full: dropped, counted
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= this.#close();
    return this.#disposing;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    const pumps = [this.#xsub, this.#xpub, this.#pull, ...this.#pushes].filter((p) =>
      p !== undefined
    );
    // Graceful: let queued sends reach libzmq, bounded by the linger time.
    const lingerMs = this.#o.lingerMs < 0 ? 30_000 : this.#o.lingerMs;
    await withTimeout(Promise.all(pumps.map((p) => p.flushed())), lingerMs);
    const stopping = Promise.all(pumps.map((p) => p.stop()));
    // A send() that zeromq.js parked on its poller (a PUSH whose pipe a CURVE server tore down
    // between `writable` and the send) only ends when its socket closes: bound the wait.
    await withTimeout(stopping, STOP_GRACE_MS);
    const { xsub, xpub, pull, pushes, guard } = this.#sockets;
    for (const s of [xsub, xpub, pull, ...pushes]) s?.close();
    await stopping;
    this.#onloop[Symbol.dispose]();
    await guard?.[Symbol.asyncDispose]();
    this.#resolveClosed(undefined);
  }

  /** UTF-8 bytes of a repeating short string (sender, format), cached; saves a conversion. */
  #bytes(s: string): Uint8Array {
    let b = this.#encoded.get(s);
    if (b === undefined) {
      if (this.#encoded.size >= 64) this.#encoded.clear();
      b = this.#encoder.encode(s);
      this.#encoded.set(s, b);
    }
    return b;
  }

  #xsubControl(kind: 0 | 1, prefix: string, verb: string): void {
    if (this.#closing) {
      throw new TransportClosedError(`Cannot ${verb} "${prefix}": transport is closed`);
    }
    const bytes = this.#encoder.encode(prefix);
    const frame = new Uint8Array(bytes.byteLength + 1);
    frame[0] = kind;
    frame.set(bytes, 1);
    this.#xsub.send([frame], true);
  }

  #onXsub(frames: Uint8Array[]): void {
    if (frames.length !== 4) {
      this.#msgErrors++;
      return;
    }
    const topic = this.#decoder.decode(frames[0]!);
    const sender = this.#decoder.decodeCached(frames[1]!);
    const format = this.#decoder.decodeCached(frames[2]!);
    if (topic === undefined || sender === undefined || format === undefined) {
      this.#msgErrors++;
      return;
    }
    const payload = frames[3]!;
    const c = this.#counts;
    c.messagesIn++;
    c.bytesIn += frames[0]!.byteLength + frames[1]!.byteLength + frames[2]!.byteLength +
      payload.byteLength;
    this.#onloop.pushMessage({ topic, sender, format, payload });
  }

  #onXpub(frames: Uint8Array[]): void {
    if (frames.length !== 1) {
      this.#msgErrors++;
      return;
    }
    const frame = frames[0]!;
    const kind = frame[0];
    if (kind !== 0 && kind !== 1) return; // empty frame or not a (un)subscription: ignored
    const topic = this.#decoder.decode(frame.subarray(1));
    if (topic === undefined) {
      this.#msgErrors++;
      return;
    }
    this.#counts.subscriptionsIn++;
    this.#onloop.pushSubscription({ type: kind === 1 ? "subscribed" : "unsubscribed", topic });
  }

  #onPull(frames: Uint8Array[]): void {
    if (frames.length !== 4) {
      this.#msgErrors++;
      return;
    }
    const sender = this.#decoder.decodeCached(frames[1]!);
    const format = this.#decoder.decodeCached(frames[2]!);
    if (sender === undefined || format === undefined) {
      this.#msgErrors++;
      return;
    }
    const batch = frames[3]!;
    this.#counts.logsIn++;
    this.#counts.logBytesIn += frames[0]!.byteLength + frames[1]!.byteLength +
      frames[2]!.byteLength + batch.byteLength;
    // Zeek's plain `log-write` is 9 bytes; only a longer frame 0 can carry a sequence number.
    const seq = frames[0]!.byteLength > LOG_WRITE_TOPIC.length
      ? parseLogWriteSeq(this.#decoder.decode(frames[0]!) ?? "")
      : undefined;
    this.#onloop.pushLog(
      seq === undefined ? { sender, format, batch } : { sender, format, batch, seq },
    );
  }
}

/** How long dispose waits for the pumps to stop before closing the sockets under them, ms. */
const STOP_GRACE_MS = 200;

function buf<K extends string>(key: K, value: number): { [P in K]?: number } {
  return (value === -1 ? {} : { [key]: value }) as { [P in K]?: number };
}

function heartbeatOptions(o: ResolvedZeromqTransportOptions) {
  return {
    ...(o.heartbeatIntervalMs > 0 ? { heartbeatInterval: o.heartbeatIntervalMs } : {}),
    ...(o.heartbeatTimeoutMs > 0 ? { heartbeatTimeout: o.heartbeatTimeoutMs } : {}),
    ...(o.heartbeatTtlMs > 0 ? { heartbeatTimeToLive: o.heartbeatTtlMs } : {}),
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A node's ZeroMQ sockets as Zeek opens them: XSUB → proxy XPUB, XPUB → proxy XSUB, an optional
 * bound PULL for log batches and one PUSH connected to every logger. libzmq is driven through
 * Deno FFI; all sockets of the node are served by one {@linkcode ZmqReactor} (see the thread rule
 * in `socket.ts`).
 *
 * @module
 */

import type { StartableTransport } from "../factory.ts";
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
import { decodeUtf8, Utf8Cache } from "../../utf8.ts";
import { bindOrThrow, connectOrThrow } from "./_util.ts";
import { type DrivenSocket, type DriveOptions, ZmqReactor } from "./reactor.ts";
import { ZmqContext, type ZmqSocket } from "./socket.ts";
import { applyCurveClient } from "./curve.ts";
import { type CurveGuard, startCurveGuard } from "./zap_handler.ts";
import {
  ZMQ_EVENT_DISCONNECTED,
  ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
  ZMQ_HEARTBEAT_IVL,
  ZMQ_HEARTBEAT_TIMEOUT,
  ZMQ_HEARTBEAT_TTL,
  ZMQ_IMMEDIATE,
  ZMQ_LINGER,
  ZMQ_PAIR,
  ZMQ_PULL,
  ZMQ_PUSH,
  ZMQ_RCVBUF,
  ZMQ_RCVHWM,
  ZMQ_RECONNECT_IVL,
  ZMQ_RECONNECT_IVL_MAX,
  ZMQ_SNDBUF,
  ZMQ_SNDHWM,
  ZMQ_XPUB,
  ZMQ_XPUB_NODROP,
  ZMQ_XPUB_VERBOSE,
  ZMQ_XSUB,
} from "./libzmq.ts";

/** {@linkcode TransportStats} plus the ZeroMQ-only counters. */
export interface ZeromqTransportStats extends TransportStats {
  /** CURVE connections the log PULL refused (unlisted key, plain ZMTP). 0 without CURVE. */
  curveRejected: number;
}

/** A {@linkcode Transport} over libzmq, with the bound PULL endpoint exposed. */
export interface ZeromqTransport extends Transport {
  /** The PULL's bound endpoint (real port when bound to `*`), or `undefined` without PULL. */
  readonly logEndpoint: string | undefined;
  /** Whether XPUB/XSUB/PUSH are CURVE clients (`client`) and the PULL a CURVE server. */
  readonly curve: { readonly client: boolean; readonly server: boolean };
  /** A snapshot of the counters. */
  readonly stats: ZeromqTransportStats;
  /**
   * How many log endpoints have a connection up now (ZMTP handshake done, not disconnected since;
   * from each PUSH's socket monitor). A graceful stop discards what is queued for a logger whose
   * connection went down (one never connected yet gets the linger, as before).
   */
  readonly logEndpointsUp: number;
}

/**
 * Opens the node's sockets (XSUB, XPUB, then PULL, then PUSH, as Zeek does) in its own libzmq
 * context and starts the node's waiter ({@linkcode ZmqReactor}).
 *
 * @param handlers receive messages, subscription notifications, log batches and errors.
 * @param options endpoints and socket options; Zeek's defaults apply.
 * @throws {Error} `Cannot bind log PULL to <endpoint>: <reason>` or `Cannot connect ...`.
 * @throws {LibzmqLoadError} when libzmq cannot be loaded (naming the paths tried).
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
  const transport = await openZeromqTransport(options);
  transport.start(handlers);
  return transport;
}

/**
 * Opens the node's sockets as {@linkcode createZeromqTransport} does, but delivers nothing until
 * `start(handlers)`: frames read before wait in the on-loop queue (bounded by `onloopQueueHwm`).
 *
 * @param options endpoints and socket options; Zeek's defaults apply.
 * @throws {Error} As {@linkcode createZeromqTransport}.
 *
 * @example
 * ```ts ignore
 * await using t = await openZeromqTransport({ connectXsubEndpoint, connectXpubEndpoint });
 * t.subscribe("zeek.cluster."); // wire the layers, then:
 * t.start(handlers);
 * ```
 */
export async function openZeromqTransport(
  options: ZeromqTransportOptions = {},
): Promise<ZeromqTransport & StartableTransport> {
  const o = resolveZeromqTransportOptions(options);
  const ownContext = o.context === undefined;
  const context = o.context ?? ZmqContext.create({ ipv6: o.ipv6 });
  const sockets: ZmqSocket[] = [];
  let guard: CurveGuard | undefined;
  const open = (type: number, name: string, linger: number) => {
    const s = context.socket(type, name);
    sockets.push(s);
    s.setInt(ZMQ_LINGER, linger, "ZMQ_LINGER");
    s.setInt(ZMQ_RECONNECT_IVL, o.reconnectIntervalMs, "ZMQ_RECONNECT_IVL");
    if (o.ipv6) s.setInt(42, 1, "ZMQ_IPV6");
    return s;
  };
  const connecting = (s: ZmqSocket) => {
    s.setInt(ZMQ_RECONNECT_IVL_MAX, o.reconnectIntervalMaxMs, "ZMQ_RECONNECT_IVL_MAX");
    applyCurveClient(s, o.curveClient);
  };
  const heartbeat = (s: ZmqSocket) => {
    if (o.heartbeatIntervalMs > 0) s.setInt(ZMQ_HEARTBEAT_IVL, o.heartbeatIntervalMs);
    if (o.heartbeatTimeoutMs > 0) s.setInt(ZMQ_HEARTBEAT_TIMEOUT, o.heartbeatTimeoutMs);
    if (o.heartbeatTtlMs > 0) s.setInt(ZMQ_HEARTBEAT_TTL, o.heartbeatTtlMs);
  };
  try {
    const xsub = open(ZMQ_XSUB, "XSUB", 0);
    connecting(xsub);
    heartbeat(xsub);
    if (o.xsubRcvbuf !== -1) xsub.setInt(ZMQ_RCVBUF, o.xsubRcvbuf, "ZMQ_RCVBUF");
    xsub.setInt(ZMQ_RCVHWM, o.xsubRcvhwm, "ZMQ_RCVHWM");
    connectOrThrow(xsub, "XSUB", o.connectXsubEndpoint);
    const xpub = open(ZMQ_XPUB, "XPUB", o.lingerMs);
    connecting(xpub);
    heartbeat(xpub);
    if (o.xpubSndbuf !== -1) xpub.setInt(ZMQ_SNDBUF, o.xpubSndbuf, "ZMQ_SNDBUF");
    xpub.setInt(ZMQ_XPUB_NODROP, o.connectXpubNodrop ? 1 : 0, "ZMQ_XPUB_NODROP");
    xpub.setInt(ZMQ_IMMEDIATE, o.xpubImmediate ? 1 : 0, "ZMQ_IMMEDIATE");
    xpub.setInt(ZMQ_SNDHWM, o.xpubSndhwm, "ZMQ_SNDHWM");
    xpub.setInt(ZMQ_XPUB_VERBOSE, 1, "ZMQ_XPUB_VERBOSE");
    connectOrThrow(xpub, "XPUB", o.connectXpubEndpoint);
    let pull: ZmqSocket | undefined;
    if (o.listenLogEndpoint !== "") {
      if (o.curveServer !== undefined) guard = await startCurveGuard(context, o.curveServer);
      pull = open(ZMQ_PULL, "log PULL", 0);
      if (o.logRcvbuf !== -1) pull.setInt(ZMQ_RCVBUF, o.logRcvbuf, "ZMQ_RCVBUF");
      pull.setInt(ZMQ_RCVHWM, o.logRcvhwm, "ZMQ_RCVHWM");
      guard?.applyServer(pull, "log PULL");
      bindOrThrow(pull, "log PULL", o.listenLogEndpoint);
    }
    // One PUSH per logger: round-robin is done here, per message and skipping a logger whose
    // backlog is full, as libzmq balances one PUSH over its pipes in Zeek; a batch that asks for
    // an acknowledgement must go to one known logger.
    const pushes: ZmqSocket[] = [];
    const pushMonitors: ZmqSocket[] = [];
    for (const endpoint of o.connectLogEndpoints) {
      const push = open(ZMQ_PUSH, "log PUSH", o.lingerMs);
      connecting(push);
      if (o.logSndbuf !== -1) push.setInt(ZMQ_SNDBUF, o.logSndbuf, "ZMQ_SNDBUF");
      push.setInt(ZMQ_SNDHWM, o.logSndhwm, "ZMQ_SNDHWM");
      push.setInt(ZMQ_IMMEDIATE, o.logImmediate ? 1 : 0, "ZMQ_IMMEDIATE");
      connectOrThrow(push, "log PUSH", endpoint);
      pushes.push(push);
      // Whether the logger's connection is up (ZMTP handshake done, not disconnected since): a
      // graceful stop does not linger for batches queued to a logger that is gone.
      const monitor = `inproc://zcluster-push-monitor-${crypto.randomUUID()}`;
      const events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED;
      push.monitor(monitor, events, `log PUSH to ${endpoint}`);
      const pair = open(ZMQ_PAIR, "log PUSH monitor", 0);
      pair.connect(monitor);
      pushMonitors.push(pair);
    }
    return new ZeromqTransportImpl(o, {
      context,
      ownContext,
      xsub,
      xpub,
      pull,
      pushes,
      pushMonitors,
      guard,
    });
  } catch (error) {
    for (const s of sockets) s.close();
    await guard?.[Symbol.asyncDispose]();
    if (ownContext) await context.terminate();
    throw error;
  }
}

interface Sockets {
  context: ZmqContext;
  ownContext: boolean;
  xsub: ZmqSocket;
  xpub: ZmqSocket;
  pull: ZmqSocket | undefined;
  pushes: ZmqSocket[];
  /** One PAIR per PUSH, connected to its socket monitor. */
  pushMonitors: ZmqSocket[];
  guard: CurveGuard | undefined;
}

class ZeromqTransportImpl implements ZeromqTransport {
  readonly logEndpoint: string | undefined;
  readonly closed: Promise<void | Error>;
  readonly curve: { readonly client: boolean; readonly server: boolean };
  #o: ResolvedZeromqTransportOptions;
  #sockets: Sockets;
  #onloop: OnloopQueue;
  #reactor: ZmqReactor;
  #xsub: DrivenSocket;
  #xpub: DrivenSocket;
  #pull: DrivenSocket | undefined;
  #pushes: DrivenSocket[] = [];
  #pushMonitors: DrivenSocket[] = [];
  /**
   * Per PUSH, from its socket monitor: `true` while its logger's connection is up, `false` once
   * it went down, `undefined` before the first connection (still starting: lingers as usual).
   */
  #pushUp: (boolean | undefined)[] = [];
  /**
   * One repeat cache per frame kind, so that many senders do not push the topics out: a manager
   * hears every node, a node a handful of topics and one format.
   */
  #topics = new Utf8Cache(16);
  #senders = new Utf8Cache(64);
  #formats = new Utf8Cache(4);
  #encoder = new TextEncoder();
  #encoded = new Map<string, Uint8Array>();
  readonly #lastTexts: (string | undefined)[] = [undefined, undefined, undefined];
  readonly #lastBytes: Uint8Array[] = [];
  #counts = { messagesIn: 0, bytesIn: 0, subscriptionsIn: 0, logsIn: 0, logBytesIn: 0 };
  #msgErrors = 0;
  #noLogEndpointDrops = 0;
  #nextPush = 0;
  #closing = false;
  #disposing: Promise<void> | undefined;
  #resolveClosed!: (v: void | Error) => void;

  constructor(o: ResolvedZeromqTransportOptions, sockets: Sockets) {
    this.#o = o;
    this.#sockets = sockets;
    this.logEndpoint = sockets.pull?.lastEndpoint;
    this.curve = Object.freeze({
      client: o.curveClient !== undefined,
      server: sockets.guard !== undefined,
    });
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#onloop = new OnloopQueue(undefined, { hwm: o.onloopQueueHwm });
    const onError = (code: "receive_error" | "send_error", message: string) =>
      this.#onloop.error(code, message);
    const onRoundEnd = () => this.#onloop.drain();
    const common: DriveOptions = {
      onError,
      pollMaxMessages: o.pollMaxMessages,
      sendQueueMax: o.sendQueueMax,
    };
    const r = this.#reactor = new ZmqReactor(sockets.context.lib);
    this.#xsub = r.add(sockets.xsub, {
      ...common,
      onFrames: (f) => this.#onXsub(f),
      onRoundEnd,
      onEagain: "wait",
    });
    this.#xpub = r.add(sockets.xpub, {
      ...common,
      onFrames: (f) => this.#onXpub(f),
      onRoundEnd,
      onEagain: o.xpubRetryOnEagain ? "wait" : "drop",
    });
    if (sockets.pull) {
      this.#pull = r.add(sockets.pull, { ...common, onFrames: (f) => this.#onPull(f), onRoundEnd });
    }
    this.#pushes = sockets.pushes.map((p) => r.add(p, { ...common, onEagain: "wait" }));
    this.#pushUp = sockets.pushes.map(() => undefined);
    this.#pushMonitors = sockets.pushMonitors.map((m, i) =>
      r.add(m, { ...common, onFrames: (f) => this.#onPushMonitor(i, f) })
    );
  }

  start(handlers: TransportHandlers): void {
    this.#onloop.start(handlers);
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
    const frames = [
      this.#bytesAt(0, msg.topic),
      this.#bytesAt(1, msg.sender),
      this.#bytesAt(2, msg.format),
      msg.payload,
    ];
    return this.#xpub.send(frames, false, true); // the payload is lent: a backlog copies it
  }

  async whenWritable(signal?: AbortSignal): Promise<void> {
    const closed = () => new TransportClosedError("Cannot wait to publish: transport is closed");
    if (this.#closing) throw closed();
    await this.#xpub.whenWritable(signal);
    if (this.#closing) throw closed();
  }

  subscribe(prefix: string): void {
    this.#xsubControl(1, prefix, "subscribe to");
  }

  unsubscribe(prefix: string): void {
    this.#xsubControl(0, prefix, "unsubscribe from");
  }

  get logEndpointsUp(): number {
    return this.#pushUp.filter((up) => up === true).length;
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
      const topic = this.#encoder.encode(`${LOG_WRITE_SEQ_PREFIX}${target.seq}`);
      return push.send([topic, this.#bytes(sender), this.#bytes(format), batch]);
    }
    const frames = [this.#bytes(LOG_WRITE_TOPIC), this.#bytes(sender), this.#bytes(format), batch];
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
    // Batches for a logger whose connection went down cannot leave within the linger (a logger
    // not connected yet may still come up in time: that one lingers as before): discard them
    // (backlog counted in logDrops, libzmq's queue by linger 0) instead of waiting it out, and
    // deliver what waits for the live ones. The monitors' latest news first, synchronously.
    for (const [i, m] of this.#pushMonitors.entries()) {
      for (let f = m.socket.receive(); f !== undefined; f = m.socket.receive()) {
        this.#onPushMonitor(i, f);
      }
    }
    const gone = this.#pushes.filter((_, i) => this.#pushUp[i] === false);
    for (const p of gone) p.stop();
    const driven = [this.#xsub, this.#xpub, this.#pull, ...this.#pushes].filter((
      p,
    ): p is DrivenSocket => p !== undefined && !gone.includes(p));
    // Graceful: let the backlogs reach libzmq, then libzmq's linger, both within linger_ms.
    const started = performance.now();
    const lingerMs = this.#o.lingerMs < 0 ? 30_000 : this.#o.lingerMs;
    await withTimeout(Promise.all(driven.map((p) => p.flushed())), lingerMs);
    await this.#reactor[Symbol.asyncDispose](); // no poll(2) in flight after this
    const left = Math.max(0, Math.round(lingerMs - (performance.now() - started)));
    const { context, ownContext, xsub, xpub, pull, pushes, pushMonitors, guard } = this.#sockets;
    for (const s of [xpub, ...pushes]) {
      if (this.#o.lingerMs >= 0 && !s.closed) s.setInt(ZMQ_LINGER, left, "ZMQ_LINGER");
    }
    for (const p of gone) if (!p.socket.closed) p.socket.setInt(ZMQ_LINGER, 0, "ZMQ_LINGER");
    for (const s of [xsub, xpub, pull, ...pushes, ...pushMonitors]) s?.close();
    this.#onloop[Symbol.dispose]();
    await guard?.[Symbol.asyncDispose]();
    if (ownContext) await context.terminate();
    this.#resolveClosed(undefined);
  }

  /**
   * {@linkcode #bytes} of the leading frame at `place` (topic, sender, format), answered from the
   * last one at that place when the text repeats (a stream of publishes): one string comparison
   * instead of a `Map` lookup.
   */
  #bytesAt(place: 0 | 1 | 2, s: string): Uint8Array {
    if (this.#lastTexts[place] === s) return this.#lastBytes[place]!;
    const b = this.#bytes(s);
    this.#lastTexts[place] = s;
    this.#lastBytes[place] = b;
    return b;
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

  /** A socket monitor event of PUSH `i`: `[u16 event, u32 value]`, then the address. */
  #onPushMonitor(i: number, frames: Uint8Array[]): void {
    const head = frames[0];
    if (frames.length !== 2 || head === undefined || head.byteLength < 6) return;
    const event = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(0, true);
    if (event === ZMQ_EVENT_HANDSHAKE_SUCCEEDED) this.#pushUp[i] = true;
    else if (event === ZMQ_EVENT_DISCONNECTED && this.#pushUp[i] !== undefined) {
      this.#pushUp[i] = false;
    }
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
    const topic = this.#topics.decodeFrame(frames[0]!); // topics repeat too (node, worker)
    const sender = this.#senders.decodeFrame(frames[1]!);
    const format = this.#formats.decodeFrame(frames[2]!);
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
    const topic = decodeUtf8(frame, 1, frame.length);
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
    const sender = this.#senders.decodeFrame(frames[1]!);
    const format = this.#formats.decodeFrame(frames[2]!);
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
      ? parseLogWriteSeq(decodeUtf8(frames[0]!, 0, frames[0]!.length) ?? "")
      : undefined;
    this.#onloop.pushLog(
      seq === undefined ? { sender, format, batch } : { sender, format, batch, seq },
    );
  }
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

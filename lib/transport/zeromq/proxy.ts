/**
 * The central XPUB/XSUB proxy ("broker") that Zeek runs inside the manager: XSUB binds the port
 * node XPUBs connect to, XPUB binds the port node XSUBs connect to, and libzmq's
 * `zmq_proxy_steerable` forwards between them on its own thread (a `nonblocking` FFI call). The
 * event loop never touches the two proxy sockets while it runs: it stops the proxy through the
 * control socket (TERMINATE) and closes them after the call returned.
 *
 * @module
 */

import { describeError } from "../_util.ts";
import { bindOrThrow, definedOnly } from "./_util.ts";
import type { CurveServerOptions } from "./curve.ts";
import {
  ZMQ_HEARTBEAT_IVL,
  ZMQ_HEARTBEAT_TIMEOUT,
  ZMQ_LINGER,
  ZMQ_PAIR,
  ZMQ_XPUB,
  ZMQ_XPUB_NODROP,
  ZMQ_XPUB_VERBOSER,
  ZMQ_XSUB,
} from "./libzmq.ts";
import { ZmqContext, type ZmqSocket } from "./socket.ts";
import { type CurveGuard, startCurveGuard } from "./zap_handler.ts";

/** A proxy call that returns sooner than this after it started counts as a quick return. */
const QUICK_RETURN_MS = 100;
/** Quick returns in a row that stop the proxy (see `#run`). */
const MAX_QUICK_RETURNS = 1_000;

/** The proxy's control socket, inside its own context. */
const CONTROL_ENDPOINT = "inproc://zcluster-proxy-control";

/** Zeek `listen_xpub_endpoint`: node XSUBs connect here. */
export const DEFAULT_LISTEN_XPUB_ENDPOINT = "tcp://127.0.0.1:5555";
/** Zeek `listen_xsub_endpoint`: node XPUBs connect here. */
export const DEFAULT_LISTEN_XSUB_ENDPOINT = "tcp://127.0.0.1:5556";
/** Zeek `proxy_io_threads`. */
export const DEFAULT_PROXY_IO_THREADS = 2;

/** Options of {@linkcode startZeromqProxy}; defaults are Zeek's. */
export interface ZeromqProxyOptions {
  /** Where the proxy XPUB binds (Zeek `listen_xpub_endpoint`). Default `tcp://127.0.0.1:5555`. */
  listenXpubEndpoint?: string;
  /** Where the proxy XSUB binds (Zeek `listen_xsub_endpoint`). Default `tcp://127.0.0.1:5556`. */
  listenXsubEndpoint?: string;
  /** ZMQ_XPUB_NODROP on the proxy XPUB (Zeek `listen_xpub_nodrop`). Default true. */
  listenXpubNodrop?: boolean;
  /** ZMQ_IO_THREADS of the proxy's own context (Zeek `proxy_io_threads`). Default 2. */
  proxyIoThreads?: number;
  /** ZMQ_IPV6 on the proxy sockets (Zeek `ipv6`, F since 8.1.2). Default false. */
  ipv6?: boolean;
  /**
   * ZMQ_LINGER of the proxy sockets. Zeek leaves the libzmq default; we set 0 so that exiting
   * never blocks on undeliverable messages. Default 0.
   */
  lingerMs?: number;
  /**
   * Beyond Zeek: ZMQ_HEARTBEAT_IVL on both proxy sockets, ms; 0 = off (Zeek sets none). With it on,
   * a node that stops answering (SIGSTOP, partition, dead host) is disconnected after
   * `heartbeatTimeoutMs`, so its subscriptions go away and the others see `node_down`.
   */
  heartbeatIntervalMs?: number;
  /** ZMQ_HEARTBEAT_TIMEOUT on both proxy sockets, ms; 0 = the interval (libzmq's default). */
  heartbeatTimeoutMs?: number;
  /**
   * CURVE server mode on both proxy sockets (Zeek 8.2 `curve_server_secretkey`), with a ZAP
   * handler admitting only `allowedClients`. Default: off (plain ZMTP, NULL mechanism).
   */
  curveServer?: CurveServerOptions;
  /**
   * Beyond Zeek: also bind both proxy sockets to `inproc://` endpoints of the proxy's context, so
   * that the node running the proxy connects its own XPUB and XSUB in-process (no TCP, no I/O
   * thread between them and the proxy). See {@linkcode ZeromqProxy.inproc}. Default false.
   */
  inproc?: boolean;
}

/** Zeek's proxy defaults. */
export const DEFAULT_ZEROMQ_PROXY_OPTIONS: Readonly<
  Required<Omit<ZeromqProxyOptions, "curveServer">>
> = Object.freeze({
  listenXpubEndpoint: DEFAULT_LISTEN_XPUB_ENDPOINT,
  listenXsubEndpoint: DEFAULT_LISTEN_XSUB_ENDPOINT,
  listenXpubNodrop: true,
  proxyIoThreads: DEFAULT_PROXY_IO_THREADS,
  ipv6: false,
  lingerMs: 0,
  heartbeatIntervalMs: 0,
  heartbeatTimeoutMs: 0,
  inproc: false,
});

/** A running proxy. */
export interface ZeromqProxy extends AsyncDisposable {
  /** The bound XPUB endpoint, with the real port when bound to port 0 or `*`. */
  readonly xpubEndpoint: string;
  /** The bound XSUB endpoint, with the real port when bound to port 0 or `*`. */
  readonly xsubEndpoint: string;
  /** Resolves when the proxy stopped: `undefined` after dispose, the cause if it failed. */
  readonly closed: Promise<void | Error>;
  /** Whether the sockets are CURVE servers. */
  readonly curve: boolean;
  /** A snapshot of the counters. */
  readonly stats: ZeromqProxyStats;
  /** With the `inproc` option: the proxy's context and in-process endpoints, else undefined. */
  readonly inproc: InprocProxy | undefined;
}

/**
 * The in-process side of a proxy started with `inproc: true`. Sockets of `context` (and only of
 * it) may connect to the two endpoints; close them before the proxy is disposed (it terminates the
 * context).
 */
export interface InprocProxy {
  /** The proxy's libzmq context. */
  readonly context: ZmqContext;
  /** The proxy XPUB's `inproc://` endpoint: a node XSUB connects here. */
  readonly xpubEndpoint: string;
  /** The proxy XSUB's `inproc://` endpoint: a node XPUB connects here. */
  readonly xsubEndpoint: string;
}

/** Counters of a {@linkcode ZeromqProxy}. */
export interface ZeromqProxyStats {
  /** CURVE connections refused: unlisted keys, plain ZMTP, failed handshakes. 0 without CURVE. */
  curveRejected: number;
  /** CURVE connections admitted by the ZAP handler. 0 without CURVE. */
  curveAccepted: number;
}

/**
 * Binds the proxy sockets and starts forwarding.
 *
 * @param options endpoints and socket options; Zeek's defaults apply.
 * @returns the running proxy; dispose it to terminate the forwarding thread and close the sockets.
 * @throws {Error} `Cannot bind proxy XPUB to tcp://127.0.0.1:5555: address in use` and the like.
 * @throws {RangeError} for a bad `proxyIoThreads` or `lingerMs`.
 *
 * @example
 * ```ts ignore
 * await using proxy = await startZeromqProxy({
 *   listenXpubEndpoint: "tcp://127.0.0.1:*",
 *   listenXsubEndpoint: "tcp://127.0.0.1:*",
 * });
 * console.log(proxy.xpubEndpoint, proxy.xsubEndpoint);
 * ```
 */
export async function startZeromqProxy(options: ZeromqProxyOptions = {}): Promise<ZeromqProxy> {
  const o = { ...DEFAULT_ZEROMQ_PROXY_OPTIONS, ...definedOnly(options) };
  if (!Number.isInteger(o.proxyIoThreads) || o.proxyIoThreads < 1) {
    throw new RangeError(`Cannot start proxy: proxyIoThreads ${o.proxyIoThreads} is not >= 1`);
  }
  if (!Number.isInteger(o.lingerMs) || o.lingerMs < -1) {
    throw new RangeError(`Cannot start proxy: lingerMs ${o.lingerMs} is not >= -1`);
  }
  const context = ZmqContext.create({ ioThreads: o.proxyIoThreads, ipv6: o.ipv6 });
  const sockets: ZmqSocket[] = [];
  let guard: CurveGuard | undefined;
  try {
    // The ZAP handler lives in the proxy's context and is bound before the server sockets.
    if (options.curveServer !== undefined) {
      guard = await startCurveGuard(context, options.curveServer);
    }
    const open = (type: number, name: string) => {
      const s = context.socket(type, name);
      sockets.push(s);
      s.setInt(ZMQ_LINGER, o.lingerMs, "ZMQ_LINGER");
      if (o.heartbeatIntervalMs > 0) {
        s.setInt(ZMQ_HEARTBEAT_IVL, o.heartbeatIntervalMs, "ZMQ_HEARTBEAT_IVL");
        if (o.heartbeatTimeoutMs > 0) {
          s.setInt(ZMQ_HEARTBEAT_TIMEOUT, o.heartbeatTimeoutMs, "ZMQ_HEARTBEAT_TIMEOUT");
        }
      }
      guard?.applyServer(s, name);
      return s;
    };
    const xpub = open(ZMQ_XPUB, "proxy XPUB");
    xpub.setInt(ZMQ_XPUB_NODROP, o.listenXpubNodrop ? 1 : 0, "ZMQ_XPUB_NODROP");
    xpub.setInt(ZMQ_XPUB_VERBOSER, 1, "ZMQ_XPUB_VERBOSER");
    const xsub = open(ZMQ_XSUB, "proxy XSUB");
    bindOrThrow(xpub, "proxy XPUB", o.listenXpubEndpoint);
    bindOrThrow(xsub, "proxy XSUB", o.listenXsubEndpoint);
    // The real ports, read before an inproc bind replaces ZMQ_LAST_ENDPOINT.
    const bound = { xpub: xpub.lastEndpoint, xsub: xsub.lastEndpoint };
    let inproc: InprocProxy | undefined;
    if (o.inproc) {
      const id = crypto.randomUUID();
      inproc = {
        context,
        xpubEndpoint: `inproc://zcluster-proxy-xpub-${id}`,
        xsubEndpoint: `inproc://zcluster-proxy-xsub-${id}`,
      };
      bindOrThrow(xpub, "proxy XPUB", inproc.xpubEndpoint);
      bindOrThrow(xsub, "proxy XSUB", inproc.xsubEndpoint);
    }
    const control = context.socket(ZMQ_PAIR, "proxy control");
    sockets.push(control);
    control.bind(CONTROL_ENDPOINT);
    const steer = context.socket(ZMQ_PAIR, "proxy control client");
    sockets.push(steer);
    steer.setInt(ZMQ_LINGER, 0);
    steer.connect(CONTROL_ENDPOINT);
    return new RunningProxy(context, { xsub, xpub, control, steer }, bound, guard, inproc);
  } catch (error) {
    for (const s of sockets) s.close();
    await guard?.[Symbol.asyncDispose]();
    await context.terminate();
    throw error;
  }
}

interface ProxySockets {
  xsub: ZmqSocket;
  xpub: ZmqSocket;
  control: ZmqSocket;
  steer: ZmqSocket;
}

class RunningProxy implements ZeromqProxy {
  readonly xpubEndpoint: string;
  readonly xsubEndpoint: string;
  readonly closed: Promise<void | Error>;
  readonly curve: boolean;
  readonly inproc: InprocProxy | undefined;
  #context: ZmqContext;
  #sockets: ProxySockets;
  #guard: CurveGuard | undefined;
  #running: Promise<void | Error>;
  #disposing: Promise<void> | undefined;

  constructor(
    context: ZmqContext,
    sockets: ProxySockets,
    bound: { xpub: string; xsub: string },
    guard: CurveGuard | undefined,
    inproc: InprocProxy | undefined,
  ) {
    this.xpubEndpoint = bound.xpub;
    this.xsubEndpoint = bound.xsub;
    this.inproc = inproc;
    this.curve = guard !== undefined;
    this.#context = context;
    this.#sockets = sockets;
    this.#guard = guard;
    // Frontend XSUB (publishers connect), backend XPUB (subscribers connect), as in Zeek. From
    // here until it returns, only the proxy's thread uses xsub, xpub and control.
    this.#running = this.#run();
    this.closed = this.#running;
  }

  /**
   * Forwards until TERMINATE (0) or a failure. A signal that lands on the proxy's thread (any
   * handled one, e.g. a second SIGTERM) ends `zmq_proxy_steerable` with -1 and `EINTR`; that errno
   * stays on the thread, so the event loop asks a socket of the proxy instead (its thread has
   * returned: the sockets are free): a terminated context answers `ETERM` and is a failure;
   * otherwise it calls the proxy again on the same sockets, as Zeek's proxy thread does.
   * {@linkcode MAX_QUICK_RETURNS} returns in a row, each within {@linkcode QUICK_RETURN_MS} of its
   * start, are a failure too (a fault that would otherwise spin).
   */
  async #run(): Promise<void | Error> {
    const { xsub, xpub, control } = this.#sockets;
    const zmq = this.#context.lib.zmq;
    const stopped = (error: unknown) =>
      new Error(`Proxy stopped: ${describeError(error)}`, { cause: error });
    let quick = 0;
    for (;;) {
      const started = performance.now();
      let rc: number;
      try {
        rc = await zmq.zmq_proxy_steerable(xsub.pointer, xpub.pointer, null, control.pointer);
      } catch (error) {
        return stopped(error);
      }
      if (rc === 0) return undefined;
      if (this.#disposing !== undefined) {
        return new Error(`Proxy stopped: zmq_proxy_steerable returned ${rc}`);
      }
      try {
        control.events();
      } catch (error) {
        return stopped(error);
      }
      quick = performance.now() - started < QUICK_RETURN_MS ? quick + 1 : 0;
      if (quick >= MAX_QUICK_RETURNS) {
        return new Error(
          `Proxy stopped: zmq_proxy_steerable returned ${rc} at once, ${quick} times in a row`,
        );
      }
    }
  }

  get stats(): ZeromqProxyStats {
    return this.#guard?.stats ?? { curveRejected: 0, curveAccepted: 0 };
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= (async () => {
      const { xsub, xpub, control, steer } = this.#sockets;
      try {
        steer.send([new TextEncoder().encode("TERMINATE")]);
      } catch {
        // The proxy already stopped: `closed` has settled.
      }
      await this.#running;
      for (const s of [steer, control, xsub, xpub]) s.close();
      // The ZAP handler goes last, then the context (off the event loop).
      await this.#guard?.[Symbol.asyncDispose]();
      await this.#context.terminate();
    })();
    return this.#disposing;
  }
}

/**
 * The central XPUB/XSUB proxy ("broker") that Zeek runs inside the manager: XSUB binds the port
 * node XPUBs connect to, XPUB binds the port node XSUBs connect to, and libzmq's `zmq_proxy`
 * forwards between them on a native thread (zeromq.js `Proxy`, checked to work under Deno 2.9.6).
 *
 * @module
 */

import * as zmq from "zeromq";
import { describeError } from "../_util.ts";
import { bindOrThrow, definedOnly } from "./_util.ts";
import type { CurveServerOptions } from "./curve.ts";
import { type CurveGuard, startCurveGuard } from "./zap_handler.ts";

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
  const context = new zmq.Context({ ioThreads: o.proxyIoThreads, ipv6: o.ipv6 });
  // The ZAP handler lives in the proxy's context and is bound before the server sockets.
  const guard = options.curveServer === undefined
    ? undefined
    : await startCurveGuard(context, options.curveServer);
  const heartbeat = o.heartbeatIntervalMs > 0
    ? {
      heartbeatInterval: o.heartbeatIntervalMs,
      ...(o.heartbeatTimeoutMs > 0 ? { heartbeatTimeout: o.heartbeatTimeoutMs } : {}),
    }
    : {};
  const xpub = new zmq.XPublisher({
    context,
    linger: o.lingerMs,
    noDrop: o.listenXpubNodrop,
    ...heartbeat,
    ...guard?.serverSocketOptions("proxy XPUB"),
  });
  xpub.verbosity = "allSubsUnsubs"; // ZMQ_XPUB_VERBOSER
  const xsub = new zmq.XSubscriber({
    context,
    linger: o.lingerMs,
    ...heartbeat,
    ...guard?.serverSocketOptions("proxy XSUB"),
  });
  guard?.watch(xpub, "proxy XPUB");
  guard?.watch(xsub, "proxy XSUB");
  try {
    await bindOrThrow(xpub, "proxy XPUB", o.listenXpubEndpoint);
    await bindOrThrow(xsub, "proxy XSUB", o.listenXsubEndpoint);
  } catch (error) {
    xpub.close();
    xsub.close();
    await guard?.[Symbol.asyncDispose]();
    throw error;
  }
  return new RunningProxy(xsub, xpub, guard);
}

class RunningProxy implements ZeromqProxy {
  readonly xpubEndpoint: string;
  readonly xsubEndpoint: string;
  readonly closed: Promise<void | Error>;
  readonly curve: boolean;
  #proxy: zmq.Proxy<zmq.XSubscriber, zmq.XPublisher>;
  #guard: CurveGuard | undefined;
  #disposing = false;

  constructor(xsub: zmq.XSubscriber, xpub: zmq.XPublisher, guard: CurveGuard | undefined) {
    this.xpubEndpoint = xpub.lastEndpoint ?? "";
    this.xsubEndpoint = xsub.lastEndpoint ?? "";
    this.curve = guard !== undefined;
    this.#guard = guard;
    // Frontend XSUB (publishers connect), backend XPUB (subscribers connect), as in Zeek.
    this.#proxy = new zmq.Proxy(xsub, xpub);
    this.closed = this.#proxy.run().then(
      () => undefined,
      (error: unknown) => new Error(`Proxy stopped: ${describeError(error)}`, { cause: error }),
    );
  }

  get stats(): ZeromqProxyStats {
    return this.#guard?.stats ?? { curveRejected: 0, curveAccepted: 0 };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#disposing) {
      this.#disposing = true;
      try {
        this.#proxy.terminate();
      } catch {
        // Already stopped (EBADF): `closed` has settled or is about to.
      }
    }
    await this.closed;
    // The proxy closed its sockets on termination; the ZAP handler goes last.
    await this.#guard?.[Symbol.asyncDispose]();
  }
}

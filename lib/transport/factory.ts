/**
 * How a node gets its transport: the {@link TransportFactory} signature (the ZeroMQ one is
 * `zeromqTransportFactory` in `zeromq/from_options.ts`; tests pass in-memory ones) and the CURVE
 * keys a node hands it.
 *
 * @module
 */
import type { ClusterOptions } from "../options/options.ts";
import type { Transport, TransportHandlers } from "./transport.ts";
import type { CurveClientOptions, CurveServerOptions } from "./zeromq/curve.ts";
import type { InprocProxy } from "./zeromq/proxy.ts";

/** CURVE settings for the transport, loaded by the node from its key files. */
export interface TransportSecurity {
  /**
   * The node's CURVE client keys (and the proxy's public key), when the layout enables CURVE.
   * Its type belongs to the ZeroMQ transport (`internal_mod.ts`), so it is left out of the
   * generated docs.
   *
   * @ignore
   */
  readonly curveClient?: CurveClientOptions;
  /**
   * The CURVE server keys and allow-list of the sockets this node binds (the proxy, a logger's
   * PULL). Left out of the generated docs like {@link TransportSecurity.curveClient}.
   *
   * @ignore
   */
  readonly curveServer?: CurveServerOptions;
  /**
   * The proxy this process runs, when its sockets may be reached in-process
   * (`zeromq.proxyInproc`). Its type belongs to the ZeroMQ transport, like the keys above.
   *
   * @ignore
   */
  readonly proxy?: InprocProxy;
}

/**
 * A transport whose sockets are open but which delivers nothing yet: the node wires its layers
 * to it (they can publish, subscribe and send logs at once), then starts it with one sink per
 * kind of input. What arrives before waits in the transport's bounded on-loop queue
 * (`onloopQueueHwm`; a message past it is dropped and counted in `stats.onloopDrops`).
 */
export interface StartableTransport extends Transport {
  /**
   * Starts delivering: events to `onMessage`, subscription changes to `onSubscription`, log
   * batches to `onLog`, failures to `onError`.
   *
   * @throws {Error} When started twice.
   */
  start(handlers: TransportHandlers): void;
}

/** Opens the node's transport (not yet delivering) from its options and CURVE keys. */
export type TransportFactory = (
  options: ClusterOptions,
  security?: TransportSecurity,
) => Promise<StartableTransport>;

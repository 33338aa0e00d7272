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
}

/** Creates the node's transport from the event layer's handlers. */
export type TransportFactory = (
  handlers: TransportHandlers,
  options: ClusterOptions,
  security?: TransportSecurity,
) => Promise<Transport>;

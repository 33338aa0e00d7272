/**
 * The ZeroMQ transport and proxy configured from a node's options: every `zeromq.*` option they
 * use, plus the CURVE keys. The node and the control client both get their sockets here.
 *
 * @module
 */
import type { ClusterOptions } from "../../options/options.ts";
import type { TransportFactory, TransportSecurity } from "../factory.ts";
import type { ZeromqTransportOptions } from "./options.ts";
import type { ZeromqProxyOptions } from "./proxy.ts";
import { openZeromqTransport } from "./zeromq_transport.ts";

/**
 * The ZeroMQ transport's options from the node options: every `zeromq.*` option the transport
 * uses, plus the CURVE keys.
 *
 * @example
 * ```ts
 * import { zeromqTransportOptions } from "./from_options.ts";
 * import { parseLayout } from "../../layout/parse_layout.ts";
 * import { resolveOptions } from "../../options/options.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 2000 } });
 * zeromqTransportOptions(resolveOptions({ layout, node: "manager" })).xpubImmediate; // true
 * ```
 *
 * @param options The node's options.
 * @param security CURVE keys, if any.
 * @returns Options for `createZeromqTransport`.
 */
export function zeromqTransportOptions(
  options: ClusterOptions,
  security: TransportSecurity = {},
): ZeromqTransportOptions {
  const z = options.zeromq;
  const heartbeat = z.heartbeatIntervalMs > 0
    ? {
      heartbeatIntervalMs: z.heartbeatIntervalMs,
      heartbeatTimeoutMs: z.heartbeatTimeoutMs,
      heartbeatTtlMs: z.heartbeatTimeoutMs,
    }
    : {};
  // The proxy of this process, in-process: not when this transport binds a CURVE PULL, whose ZAP
  // handler would clash with the proxy's in the same context.
  const curvePull = security.curveServer !== undefined && z.listenLogEndpoint !== "";
  const inproc = z.proxyInproc && !curvePull ? security.proxy : undefined;
  return {
    connectXsubEndpoint: inproc?.xpubEndpoint ?? z.connectXsubEndpoint,
    connectXpubEndpoint: inproc?.xsubEndpoint ?? z.connectXpubEndpoint,
    ...(inproc ? { context: inproc.context } : {}),
    listenLogEndpoint: z.listenLogEndpoint,
    connectLogEndpoints: z.connectLogEndpoints,
    lingerMs: z.lingerMs,
    xpubSndhwm: z.xpubSndhwm,
    xpubSndbuf: z.xpubSndbuf,
    xsubRcvhwm: z.xsubRcvhwm,
    xsubRcvbuf: z.xsubRcvbuf,
    logSndhwm: z.logSndhwm,
    logSndbuf: z.logSndbuf,
    logRcvhwm: z.logRcvhwm,
    logRcvbuf: z.logRcvbuf,
    logImmediate: z.logImmediate,
    logDistribution: options.enableRoundRobinLogging ? "round-robin" : "all",
    connectXpubNodrop: z.connectXpubNodrop,
    xpubImmediate: z.xpubImmediate,
    xpubRetryOnEagain: z.xpubRetryOnEagain,
    onloopQueueHwm: z.onloopQueueHwm,
    pollMaxMessages: z.pollMaxMessages,
    reconnectIntervalMs: z.reconnectIntervalMs,
    reconnectIntervalMaxMs: z.reconnectIntervalMaxMs,
    ipv6: z.ipv6,
    ...heartbeat,
    ...(security.curveClient ? { curveClient: security.curveClient } : {}),
    ...(security.curveServer && z.listenLogEndpoint ? { curveServer: security.curveServer } : {}),
  };
}

/**
 * The options of the XPUB/XSUB proxy a node runs (`zeromq.runProxyThread`).
 *
 * @example
 * ```ts
 * import { zeromqProxyOptions } from "./from_options.ts";
 * import { parseLayout } from "../../layout/parse_layout.ts";
 * import { resolveOptions } from "../../options/options.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 2000 } });
 * zeromqProxyOptions(resolveOptions({ layout, node: "manager" })).proxyIoThreads; // 2
 * ```
 *
 * @param options The node's options.
 * @param security CURVE keys, if any.
 * @returns Options for `startZeromqProxy`.
 */
export function zeromqProxyOptions(
  options: ClusterOptions,
  security: TransportSecurity = {},
): ZeromqProxyOptions {
  const z = options.zeromq;
  return {
    listenXpubEndpoint: z.listenXpubEndpoint,
    listenXsubEndpoint: z.listenXsubEndpoint,
    listenXpubNodrop: z.listenXpubNodrop,
    proxyIoThreads: z.proxyIoThreads,
    ipv6: z.ipv6,
    heartbeatIntervalMs: z.heartbeatIntervalMs,
    heartbeatTimeoutMs: z.heartbeatTimeoutMs,
    inproc: z.proxyInproc,
    ...(security.curveServer ? { curveServer: security.curveServer } : {}),
  };
}

/** The ZeroMQ transport configured from the node options. */
export const zeromqTransportFactory: TransportFactory = (options, security = {}) =>
  openZeromqTransport(zeromqTransportOptions(options, security));

/**
 * Options of the ZeroMQ cluster backend, named as Zeek's `Cluster::Backend::ZeroMQ` options in
 * camelCase, with Zeek 8.2's defaults.
 *
 * @module
 */
import { DEFAULT_PROXY_XPUB_PORT, DEFAULT_PROXY_XSUB_PORT } from "../layout/proxy.ts";

/** Zeek's `Cluster::Backend::ZeroMQ` options. */
export interface ZeroMqOptions {
  /** Where this node's XPUB connects: the proxy's XSUB (`connect_xpub_endpoint`). */
  readonly connectXpubEndpoint: string;
  /** Where this node's XSUB connects: the proxy's XPUB (`connect_xsub_endpoint`). */
  readonly connectXsubEndpoint: string;
  /** PULL endpoints of the loggers this node pushes log batches to (`connect_log_endpoints`). */
  readonly connectLogEndpoints: readonly string[];
  /** Whether this process runs the central XPUB/XSUB proxy (`run_proxy_thread`). */
  readonly runProxyThread: boolean;
  /**
   * Beyond Zeek: the node that runs the proxy connects its own XPUB and XSUB to it in-process
   * (`inproc://`, the proxy's libzmq context) instead of over TCP, as a Zeek manager does. Every
   * other node still reaches the proxy over TCP; nothing changes on the wire. Off when this node
   * also binds a CURVE log PULL (one ZAP handler per context).
   */
  readonly proxyInproc: boolean;
  /** I/O threads of the proxy's context (`proxy_io_threads`). */
  readonly proxyIoThreads: number;
  /** The proxy's XSUB bind endpoint (`listen_xsub_endpoint`). */
  readonly listenXsubEndpoint: string;
  /** The proxy's XPUB bind endpoint (`listen_xpub_endpoint`). */
  readonly listenXpubEndpoint: string;
  /** The PULL endpoint a logger binds, or "" (`listen_log_endpoint`). */
  readonly listenLogEndpoint: string;
  /** ZMQ_LINGER of XPUB and PUSH, ms (`linger_ms`). */
  readonly lingerMs: number;
  /** ZMQ_SNDHWM of the node XPUB (`xpub_sndhwm`); 0 = unlimited. */
  readonly xpubSndhwm: number;
  /** ZMQ_SNDBUF of the node XPUB (`xpub_sndbuf`); -1 = OS default. */
  readonly xpubSndbuf: number;
  /** ZMQ_RCVHWM of the node XSUB (`xsub_rcvhwm`). */
  readonly xsubRcvhwm: number;
  /** ZMQ_RCVBUF of the node XSUB (`xsub_rcvbuf`). */
  readonly xsubRcvbuf: number;
  /** Bound of the queue between the sockets and event handlers (`onloop_queue_hwm`); 0 = none. */
  readonly onloopQueueHwm: number;
  /** ZMQ_IMMEDIATE of the log PUSH (`log_immediate`). */
  readonly logImmediate: boolean;
  /** ZMQ_SNDHWM of the log PUSH (`log_sndhwm`). */
  readonly logSndhwm: number;
  /** ZMQ_RCVHWM of the log PULL (`log_rcvhwm`). */
  readonly logRcvhwm: number;
  /** ZMQ_SNDBUF of the log PUSH (`log_sndbuf`). */
  readonly logSndbuf: number;
  /** ZMQ_RCVBUF of the log PULL (`log_rcvbuf`). */
  readonly logRcvbuf: number;
  /** ZMQ_IPV6 on the contexts (`ipv6`; F from Zeek 8.1.2). Turned on when an endpoint is IPv6. */
  readonly ipv6: boolean;
  /** ZMQ_XPUB_NODROP on the node XPUB (`connect_xpub_nodrop`). */
  readonly connectXpubNodrop: boolean;
  /**
   * Beyond Zeek: when the XPUB is at its high-water mark, keep events in the bounded send queue and
   * retry (true) instead of dropping each one (false, Zeek's policy, counted in xpub drops).
   */
  readonly xpubRetryOnEagain: boolean;
  /**
   * Beyond Zeek: ZMQ_IMMEDIATE on the node XPUB. On (the default), losing the proxy connection
   * ends the XPUB's pipe, libzmq reports every subscription gone and the node raises `node_down`
   * for all peers; the proxy replays them after the reconnect. Off, as in Zeek, a node never learns
   * that the proxy went away.
   */
  readonly xpubImmediate: boolean;
  /** ZMQ_XPUB_NODROP on the proxy XPUB (`listen_xpub_nodrop`). */
  readonly listenXpubNodrop: boolean;
  /** Messages read from one socket per poll round (`poll_max_messages`). */
  readonly pollMaxMessages: number;
  /** How long half-finished hellos are kept, ms (`hello_expiration`). */
  readonly helloExpirationMs: number;
  /** Prefix of the internal "ready to publish" topics (`internal_topic_prefix`). */
  readonly internalTopicPrefix: string;
  /**
   * Beyond Zeek: ZMTP heartbeat interval in ms on the proxy's and the node's sockets
   * (ZMQ_HEARTBEAT_IVL); 0 turns heartbeats off. A peer silent for
   * {@link ZeroMqOptions.heartbeatTimeoutMs} is disconnected, so a hung or partitioned node is
   * declared down.
   */
  readonly heartbeatIntervalMs: number;
  /** ZMQ_HEARTBEAT_TIMEOUT (and TTL) in ms. */
  readonly heartbeatTimeoutMs: number;
  /**
   * CURVE (beyond Zeek 8.2: per-node keys and an allow-list). This node's secret key file (Z85,
   * mode 0600; its `.pub` beside it, or derived). "" turns CURVE off.
   */
  readonly curveKeyFile: string;
  /** The proxy's (server's) public key file, for nodes that connect to it. */
  readonly curveServerPublicKeyFile: string;
  /** The server secret key file, for nodes that bind (the proxy on the manager, loggers). */
  readonly curveServerKeyFile: string;
  /** Allowed node public keys, one per line (`KEY [name]`, `#` comments), for binding nodes. */
  readonly curveAllowListFile: string;
  /** ZMQ_RECONNECT_IVL in ms (libzmq's default, which Zeek keeps). */
  readonly reconnectIntervalMs: number;
  /** ZMQ_RECONNECT_IVL_MAX in ms; 0 keeps the interval fixed. Set from `Cluster::retry_interval`. */
  readonly reconnectIntervalMaxMs: number;
}

export { DEFAULT_PROXY_XPUB_PORT, DEFAULT_PROXY_XSUB_PORT };

/** Zeek 8.2's defaults, with endpoints on 127.0.0.1. */
export const DEFAULT_ZEROMQ_OPTIONS: ZeroMqOptions = Object.freeze({
  connectXpubEndpoint: `tcp://127.0.0.1:${DEFAULT_PROXY_XSUB_PORT}`,
  connectXsubEndpoint: `tcp://127.0.0.1:${DEFAULT_PROXY_XPUB_PORT}`,
  connectLogEndpoints: [],
  runProxyThread: false,
  proxyInproc: true,
  proxyIoThreads: 2,
  listenXsubEndpoint: `tcp://127.0.0.1:${DEFAULT_PROXY_XSUB_PORT}`,
  listenXpubEndpoint: `tcp://127.0.0.1:${DEFAULT_PROXY_XPUB_PORT}`,
  listenLogEndpoint: "",
  lingerMs: 500,
  xpubSndhwm: 1000,
  xpubSndbuf: -1,
  xsubRcvhwm: 1000,
  xsubRcvbuf: -1,
  onloopQueueHwm: 10000,
  logImmediate: false,
  logSndhwm: 1000,
  logRcvhwm: 1000,
  logSndbuf: -1,
  logRcvbuf: -1,
  ipv6: false,
  connectXpubNodrop: true,
  xpubRetryOnEagain: false,
  xpubImmediate: true,
  listenXpubNodrop: true,
  pollMaxMessages: 100,
  helloExpirationMs: 10_000,
  internalTopicPrefix: "zeek.zeromq.internal.",
  heartbeatIntervalMs: 500,
  heartbeatTimeoutMs: 2000,
  curveKeyFile: "",
  curveServerPublicKeyFile: "",
  curveServerKeyFile: "",
  curveAllowListFile: "",
  reconnectIntervalMs: 100,
  reconnectIntervalMaxMs: 0,
});

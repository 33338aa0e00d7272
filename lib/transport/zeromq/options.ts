/**
 * Options of the ZeroMQ node transport, with Zeek's `Cluster::Backend::ZeroMQ` defaults.
 *
 * @module
 */

import type { ZmqContext } from "./socket.ts";
import { DEFAULT_ONLOOP_QUEUE_HWM } from "../transport.ts";
import { DEFAULT_POLL_MAX_MESSAGES, DEFAULT_SEND_QUEUE_MAX } from "./reactor.ts";

/** Formerly the cap of the idle poll backoff; kept so old settings still parse (unused). */
export const DEFAULT_POLL_IDLE_MAX_MS = 4;
/** Formerly the spin time after activity; kept so old settings still parse (unused). */
export const DEFAULT_POLL_SPIN_MS = 1;
import { DEFAULT_LISTEN_XPUB_ENDPOINT, DEFAULT_LISTEN_XSUB_ENDPOINT } from "./proxy.ts";
import {
  checkCurveClientOptions,
  checkCurveServerOptions,
  type CurveClientOptions,
  type CurveServerOptions,
} from "./curve.ts";

/** Options of `createZeromqTransport()`. Every field is optional; defaults are Zeek's. */
export interface ZeromqTransportOptions {
  /** Where the node XSUB connects: the proxy XPUB (Zeek `connect_xsub_endpoint`). */
  connectXsubEndpoint?: string;
  /** Where the node XPUB connects: the proxy XSUB (Zeek `connect_xpub_endpoint`). */
  connectXpubEndpoint?: string;
  /** PULL bind endpoint for loggers (Zeek `listen_log_endpoint`); `""` = no PULL. */
  listenLogEndpoint?: string;
  /** Logger PULL endpoints; one PUSH connects to all (Zeek `connect_log_endpoints`). */
  connectLogEndpoints?: readonly string[];
  /** ZMQ_LINGER of XPUB and PUSH, and the bound of the graceful drain on dispose (Zeek `linger_ms`). */
  lingerMs?: number;
  /** ZMQ_SNDHWM of XPUB (Zeek `xpub_sndhwm`); 0 = unlimited. */
  xpubSndhwm?: number;
  /** ZMQ_SNDBUF of XPUB (Zeek `xpub_sndbuf`); -1 = OS default. */
  xpubSndbuf?: number;
  /** ZMQ_RCVHWM of XSUB (Zeek `xsub_rcvhwm`). */
  xsubRcvhwm?: number;
  /** ZMQ_RCVBUF of XSUB (Zeek `xsub_rcvbuf`); -1 = OS default. */
  xsubRcvbuf?: number;
  /** ZMQ_SNDHWM of PUSH (Zeek `log_sndhwm`). */
  logSndhwm?: number;
  /** ZMQ_SNDBUF of PUSH (Zeek `log_sndbuf`). */
  logSndbuf?: number;
  /** ZMQ_RCVHWM of PULL (Zeek `log_rcvhwm`). */
  logRcvhwm?: number;
  /** ZMQ_RCVBUF of PULL (Zeek `log_rcvbuf`). */
  logRcvbuf?: number;
  /** ZMQ_IMMEDIATE of PUSH (Zeek `log_immediate`). */
  logImmediate?: boolean;
  /**
   * How log batches reach several loggers: `round-robin` (one PUSH, each batch to one logger, as
   * Zeek's ZeroMQ backend does) or `all` (one PUSH per logger, every logger gets every batch: the
   * documented meaning of `Cluster::enable_round_robin_logging = F`). Default `round-robin`.
   */
  logDistribution?: "round-robin" | "all";
  /** ZMQ_XPUB_NODROP of the node XPUB (Zeek `connect_xpub_nodrop`). */
  connectXpubNodrop?: boolean;
  /**
   * ZMQ_IMMEDIATE of the node XPUB. Beyond Zeek (which leaves it off): with it on, losing the
   * proxy connection terminates the pipe, so libzmq reports every subscription as gone and the
   * node sees `node_down` for all peers; after the reconnect the proxy replays the subscriptions
   * and the hellos run again. Off, a node never learns that the proxy restarted. Default true.
   */
  xpubImmediate?: boolean;
  /** Bound of the onloop queue (Zeek `onloop_queue_hwm`); 0 = unbounded. */
  onloopQueueHwm?: number;
  /** Messages read per socket per poll round (Zeek `poll_max_messages`). */
  pollMaxMessages?: number;
  /** Unused since the transport waits in poll(2) like Zeek (kept so old settings parse). */
  pollIdleMaxMs?: number;
  /** Unused since the transport waits in poll(2) like Zeek (kept so old settings parse). */
  pollSpinMs?: number;
  /** Bound of each socket's backlog waiting for POLLOUT (PUSH; XPUB with retry) (ours). */
  sendQueueMax?: number;
  /** On XPUB `EAGAIN`: drop and count (false, Zeek) or keep it and wait for POLLOUT (true). */
  xpubRetryOnEagain?: boolean;
  /** ZMQ_RECONNECT_IVL of connecting sockets; Zeek leaves libzmq's 100 ms. */
  reconnectIntervalMs?: number;
  /** ZMQ_RECONNECT_IVL_MAX; 0 = no exponential backoff (libzmq default). */
  reconnectIntervalMaxMs?: number;
  /** ZMQ_HEARTBEAT_IVL on XPUB/XSUB; 0 = off (Zeek sets none). */
  heartbeatIntervalMs?: number;
  /** ZMQ_HEARTBEAT_TIMEOUT on XPUB/XSUB; 0 = libzmq default (the interval). */
  heartbeatTimeoutMs?: number;
  /** ZMQ_HEARTBEAT_TTL on XPUB/XSUB; 0 = off. */
  heartbeatTtlMs?: number;
  /** ZMQ_IPV6 on every socket (Zeek `ipv6`, F since 8.1.2). */
  ipv6?: boolean;
  /**
   * Context to create the sockets in; by default the transport creates its own. With
   * `curveServer` the transport binds the context's ZAP handler, so only one such transport (and
   * no other ZAP handler) may use the context.
   */
  context?: ZmqContext;
  /**
   * CURVE client mode on XPUB, XSUB and PUSH (Zeek 8.2 `curve_server_publickey`,
   * `curve_client_{public,secret}key`). Default: off (plain ZMTP).
   */
  curveClient?: CurveClientOptions;
  /**
   * CURVE server mode on the log PULL, with a ZAP handler admitting only the allow-list (Zeek
   * 8.2 applies its server keys to the logger PULL). Default: off. Ignored without a PULL.
   */
  curveServer?: CurveServerOptions;
}

type OptionalKeys = "context" | "curveClient" | "curveServer";

/** Resolved options (every field but `context`, `curveClient` and `curveServer` present). */
export type ResolvedZeromqTransportOptions =
  & Readonly<Required<Omit<ZeromqTransportOptions, OptionalKeys>>>
  & Readonly<Pick<ZeromqTransportOptions, OptionalKeys>>;

/** Zeek's node defaults (`connect_*` point at the proxy defaults 5555/5556). */
export const DEFAULT_ZEROMQ_TRANSPORT_OPTIONS: Readonly<
  Required<Omit<ZeromqTransportOptions, OptionalKeys>>
> = Object.freeze({
  connectXsubEndpoint: DEFAULT_LISTEN_XPUB_ENDPOINT,
  connectXpubEndpoint: DEFAULT_LISTEN_XSUB_ENDPOINT,
  listenLogEndpoint: "",
  connectLogEndpoints: Object.freeze([]) as readonly string[],
  lingerMs: 500,
  xpubSndhwm: 1000,
  xpubSndbuf: -1,
  xsubRcvhwm: 1000,
  xsubRcvbuf: -1,
  logSndhwm: 1000,
  logSndbuf: -1,
  logRcvhwm: 1000,
  logRcvbuf: -1,
  logImmediate: false,
  logDistribution: "round-robin",
  connectXpubNodrop: true,
  xpubImmediate: true,
  onloopQueueHwm: DEFAULT_ONLOOP_QUEUE_HWM,
  pollMaxMessages: DEFAULT_POLL_MAX_MESSAGES,
  pollIdleMaxMs: DEFAULT_POLL_IDLE_MAX_MS,
  pollSpinMs: DEFAULT_POLL_SPIN_MS,
  sendQueueMax: DEFAULT_SEND_QUEUE_MAX,
  xpubRetryOnEagain: false,
  reconnectIntervalMs: 100,
  reconnectIntervalMaxMs: 0,
  heartbeatIntervalMs: 0,
  heartbeatTimeoutMs: 0,
  heartbeatTtlMs: 0,
  ipv6: false,
});

const NON_NEGATIVE = [
  "xpubSndhwm",
  "xsubRcvhwm",
  "logSndhwm",
  "logRcvhwm",
  "onloopQueueHwm",
  "reconnectIntervalMaxMs",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "heartbeatTtlMs",
] as const;
const AT_LEAST_MINUS_ONE = [
  "lingerMs",
  "xpubSndbuf",
  "xsubRcvbuf",
  "logSndbuf",
  "logRcvbuf",
] as const;
const POSITIVE = [
  "pollMaxMessages",
  "pollIdleMaxMs",
  "sendQueueMax",
  "reconnectIntervalMs",
] as const;

/**
 * Applies the defaults and checks ranges.
 *
 * @throws {RangeError} for a value out of range, naming the option.
 * @throws {TypeError} for a non-string endpoint.
 */
export function resolveZeromqTransportOptions(
  options: ZeromqTransportOptions,
): ResolvedZeromqTransportOptions {
  const o: Record<string, unknown> = { ...DEFAULT_ZEROMQ_TRANSPORT_OPTIONS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  const check = (names: readonly string[], min: number) => {
    for (const name of names) {
      const v = o[name];
      if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
        throw new RangeError(
          `Invalid transport option ${name}: ${String(v)} is not an integer >= ${min}`,
        );
      }
    }
  };
  check(NON_NEGATIVE, 0);
  check(AT_LEAST_MINUS_ONE, -1);
  check(POSITIVE, 1);
  if (typeof o.pollSpinMs !== "number" || !(o.pollSpinMs >= 0)) {
    throw new RangeError(
      `Invalid transport option pollSpinMs: ${String(o.pollSpinMs)} is not >= 0`,
    );
  }
  for (const name of ["connectXsubEndpoint", "connectXpubEndpoint", "listenLogEndpoint"]) {
    if (typeof o[name] !== "string") {
      throw new TypeError(`Invalid transport option ${name}: expected a string`);
    }
  }
  const logs = o.connectLogEndpoints;
  if (!Array.isArray(logs) || logs.some((e) => typeof e !== "string" || e === "")) {
    throw new TypeError(`Invalid transport option connectLogEndpoints: expected non-empty strings`);
  }
  if (o.curveClient !== undefined) checkCurveClientOptions(o.curveClient as CurveClientOptions);
  if (o.curveServer !== undefined) checkCurveServerOptions(o.curveServer as CurveServerOptions);
  return o as unknown as ResolvedZeromqTransportOptions;
}

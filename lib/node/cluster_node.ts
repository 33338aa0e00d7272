/**
 * The composition root of a node: builds every part from the options and injected dependencies
 * (proxy, transport, event layer; logging, stores, metrics as they are configured), and disposes
 * them in reverse order.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { Cluster } from "../cluster/cluster.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { silentLogger } from "../diagnostics/logger.ts";
import { makeNodeId } from "../membership/node_id.ts";
import type { ClusterOptions } from "../options/options.ts";
import { createEventSerializer } from "../serialization/event.ts";
import type { Transport } from "../transport/transport.ts";
import { createMemoryHub } from "../transport/memory_transport.ts";
import { CLUSTER_LOG, type LogService } from "../logging/log_service.ts";
import type { NodeMetrics } from "../metrics/types.ts";
import {
  createNodeLogging,
  loggerOfEndpoint,
  openLogFiles,
  startLogReception,
} from "./_logging.ts";
import { nodeRoles, writesLogsLocally } from "../roles/roles.ts";
import { assertLogDirectoryFree } from "../locks/lock_file.ts";
import { createMetricsFor, serveNodeMetrics } from "./_metrics.ts";
import { type NodeStore, NodeStores } from "./_stores.ts";
import { installControl } from "../control/control_service.ts";
import { WEBSOCKET_CLIENT_ADDED, WEBSOCKET_CLIENT_LOST } from "../cluster/cluster.ts";
import { type BrokerValue, count, port as brokerPort } from "../serialization/mod.ts";
import type { ClientInfo } from "../websocket/session.ts";
import {
  listenWebSocket,
  type ListenWebSocketOptions,
  type WebSocketServer,
} from "../websocket/ws_server.ts";
import { startZeromqProxy } from "../transport/zeromq/proxy.ts";
import { zeromqProxyOptions, zeromqTransportFactory } from "../transport/zeromq/from_options.ts";
import type {
  StartableTransport,
  TransportFactory,
  TransportSecurity,
} from "../transport/factory.ts";
import { loadCurveSettings } from "../security/curve_config.ts";
import { OptionsError } from "../errors.ts";

/**
 * Zeek's `Cluster::EndpointInfo` as Broker data: `[id, [address, bound_port], application_name]`
 * (the name is `null` when the client sent no `X-Application-Name`).
 */
function endpointInfo(info: ClientInfo): BrokerValue[] {
  return [
    info.id,
    [info.address, brokerPort(info.port)],
    info.applicationName === "unknown" ? null : info.applicationName,
  ];
}

/** A connection a node is about to make, as passed to a {@link ConnectNodeHook}. */
export interface ConnectTarget {
  /** The node at the other end (the manager for the proxy, a logger's name for logs). */
  readonly node: string;
  /** What the connection is for. */
  readonly kind: "proxy" | "logger";
  /** The endpoints that would be connected. */
  readonly endpoints: readonly string[];
}

/**
 * Zeek's `Cluster::connect_node_hook`: called before the node connects to the proxy or to a
 * logger; returning `false` (Zeek's `break`) prevents that connection. A node whose proxy
 * connection is prevented runs on its own, on an isolated in-memory transport.
 */
export type ConnectNodeHook = (target: ConnectTarget) => boolean;

/** Dependencies of a node, injected. */
export interface NodeDeps {
  /** Diagnostics; silent by default. */
  readonly logger?: Logger;
  /** Time; the system clock by default. */
  readonly clock?: Clock;
  /** Node id; a fresh Zeek-style id by default. */
  readonly nodeId?: string;
  /** The transport; ZeroMQ by default. */
  readonly transport?: TransportFactory;
  /** Zeek's `Cluster::connect_node_hook`. */
  readonly connectNodeHook?: ConnectNodeHook;
  /** Answer Zeek's control events (default true); tests that install their own pass false. */
  readonly control?: boolean;
  /** Log every received event at debug level. */
  readonly traceEvents?: boolean;
  /** Site code: runs once the node is up (the twin of Zeek's `local.zeek`). */
  readonly setup?: (node: RunningNode) => void | Promise<void>;
  /** Stops the node when aborted (as `node.close()`); an aborted signal refuses to start. */
  readonly signal?: AbortSignal;
}

/** A running node. */
export interface RunningNode extends AsyncDisposable {
  /** The node's options. */
  readonly options: ClusterOptions;
  /** The event layer: publish, subscribe, on, membership queries. */
  readonly cluster: Cluster;
  /** The node's transport (counters in `transport.stats`). */
  readonly transport: Transport;
  /** The logging framework: `createStream`, `write`, filters. */
  readonly log: LogService;
  /** The node's metrics (registry and handles). */
  readonly metrics: NodeMetrics;
  /** Where `/metrics` is served, when the node has a metrics port. */
  readonly metricsAddr?: Deno.NetAddr;
  /** Zeek's `Cluster::log`: writes a message to cluster.log. */
  clusterLog(message: string): boolean;
  /** Zeek's `Cluster::create_store`. */
  createStore(name: string, options?: { persistent?: boolean }): NodeStore;
  /** The stores created so far. */
  stores(): NodeStore[];
  /**
   * Zeek's `Cluster::listen_websocket`: serves the WebSocket API (`/v1/messages/json`) for
   * external clients; stopped with the node.
   */
  listenWebSocket(
    options: Omit<ListenWebSocketOptions, "metrics" | "logger" | "clusterLog">,
  ): Promise<WebSocketServer>;
  /** Resolves when the node has stopped: with the error that stopped it, or undefined. */
  readonly closed: Promise<void | Error>;
  /** Stops the node (same as disposing it). */
  close(): Promise<void>;
}

/**
 * Creates the node's transport after asking the connect hook about each connection: a vetoed
 * logger is left out of the log endpoints, a vetoed proxy leaves the node on an isolated
 * in-memory transport.
 */
async function connectTransport(
  options: ClusterOptions,
  deps: NodeDeps,
  logger: Logger,
  security: TransportSecurity,
): Promise<{ transport: StartableTransport; logEndpoints: readonly string[] }> {
  const hook = deps.connectNodeHook;
  const factory = deps.transport ?? zeromqTransportFactory;
  if (!hook) {
    const transport = await factory(options, security);
    return { transport, logEndpoints: options.zeromq.connectLogEndpoints };
  }
  const z = options.zeromq;
  const manager =
    Object.keys(options.layout).find((n) => options.layout[n]!.nodeType === "MANAGER") ?? "";
  const proxyEndpoints = [z.connectXsubEndpoint, z.connectXpubEndpoint];
  if (!hook({ node: manager, kind: "proxy", endpoints: proxyEndpoints })) {
    logger.warn("connect_node_hook prevented the connection to the proxy: running isolated");
    return { transport: createMemoryHub().open(), logEndpoints: [] };
  }
  const logEndpoints = z.connectLogEndpoints.filter((endpoint) => {
    const node = loggerOfEndpoint(options, endpoint);
    const allowed = hook({ node, kind: "logger", endpoints: [endpoint] });
    if (!allowed) logger.warn(`connect_node_hook prevented the connection to logger ${node}`);
    return allowed;
  });
  const transport = await factory({
    ...options,
    zeromq: { ...z, connectLogEndpoints: logEndpoints },
  }, security);
  return { transport, logEndpoints };
}

/**
 * Loads the CURVE keys named in the options. A node that binds (the proxy on the manager, a
 * logger's PULL) needs the server key and the allow-list: without them it would listen in plain
 * text where its clients expect CURVE.
 *
 * @throws {OptionsError} For missing, malformed or world-readable key files.
 */
async function loadSecurity(
  options: ClusterOptions,
  clock: Clock,
  logger: Logger,
): Promise<TransportSecurity> {
  const z = options.zeromq;
  if (z.curveKeyFile === "") return {};
  const roles = nodeRoles(options);
  const binds = roles.runsProxy || roles.pullsLogs;
  if (binds && (z.curveServerKeyFile === "" || z.curveAllowListFile === "")) {
    throw new OptionsError(
      `Node ${options.node} binds ${
        roles.runsProxy ? "the proxy" : "a log PULL"
      } with CURVE on: give --curve-server-key and --curve-allow`,
    );
  }
  const settings = await loadCurveSettings({
    keyFile: z.curveKeyFile,
    ...(z.curveServerPublicKeyFile ? { serverPublicKeyFile: z.curveServerPublicKeyFile } : {}),
    ...(binds ? { serverKeyFile: z.curveServerKeyFile, allowListFile: z.curveAllowListFile } : {}),
  });
  return {
    curveClient: settings.client,
    ...(settings.server
      ? {
        curveServer: {
          ...settings.server,
          clock,
          onRejected: (r) =>
            logger.warn(`refused ${r.type} on ${r.socket} from ${r.address}: ${r.detail}`, {
              suppressed: r.suppressed,
            }),
        },
      }
      : {}),
  };
}

/**
 * Checks, without taking anything, that no other process holds the log directory this node would
 * write to (`zcluster start` asks this of every node before it starts any).
 *
 * @param options The node's options.
 * @throws {LockHeldError} When a process holds it, naming its pid.
 * @example
 * ```ts
 * import { assertNodeDirectoriesFree } from "./mod.ts";
 * import { resolveOptions } from "../options/mod.ts";
 * const layout = { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } } as const;
 * assertNodeDirectoriesFree(resolveOptions({ layout, node: "manager" }));
 * ```
 */
export function assertNodeDirectoriesFree(options: ClusterOptions): void {
  if (writesLogsLocally(options)) assertLogDirectoryFree(options.logDir);
}

/**
 * Creates and starts a node: logging (the log directory's lock first), the proxy (manager), the
 * transport, the event layer, metrics and stores, in that order.
 *
 * @param options The node's options.
 * @param deps Logger, clock, transport factory, site code.
 * @returns The running node; `await using` disposes it.
 * @throws {LockHeldError} When another process holds the log directory or a store file.
 * @throws {Error} When a listener cannot bind (the message names the endpoint).
 *
 * @example
 * ```ts
 * import { count, createNode, nodeTopic, parseLayout, resolveOptions } from "../../mod.ts";
 * const layout = parseLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 },
 * });
 * await using node = await createNode(resolveOptions({ layout, node: "worker-1" }), {
 *   setup(node) {
 *     node.cluster.on("Cluster::node_up", (name) => {
 *       node.cluster.publish(nodeTopic(name), "Site::hello", node.options.node, count(1));
 *     });
 *   },
 * });
 * await node.closed; // until SIGTERM or node.close()
 * ```
 */
export async function createNode(
  options: ClusterOptions,
  deps: NodeDeps = {},
): Promise<RunningNode> {
  deps.signal?.throwIfAborted();
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const nodeId = deps.nodeId ??
    makeNodeId({ node: options.node || "standalone", host: Deno.hostname(), pid: Deno.pid });
  const roles = nodeRoles(options);
  // Everything the node starts, disposed in reverse order when it stops.
  const stack = new AsyncDisposableStack();
  let failure: Error | undefined;
  let cluster: Cluster | undefined;
  let resolveClosed!: (value: void | Error) => void;
  const closed = new Promise<void | Error>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      cluster?.stopping(); // before anything is disposed: no node_down for what stopping shows
      await stack.disposeAsync().catch((error) => {
        for (const e of disposalErrors(error)) {
          logger.error("error while stopping", { error: String(e) });
        }
      });
      resolveClosed(failure);
    })();
  try {
    // First: the log directory's lock, before anything binds or touches a file (a second instance
    // on the same directory stops here, exit 2, naming the pid that holds it).
    const files = await openLogFiles(options, { clock, logger });
    if (files) stack.defer(() => files.close());
    const security = await loadSecurity(options, clock, logger);
    const listeners = new Listeners(security);
    const proxy = roles.runsProxy
      ? stack.use(await startZeromqProxy(zeromqProxyOptions(options, security)))
      : undefined;
    if (proxy) {
      listeners.zeromq(`proxy XPUB ${proxy.xpubEndpoint}`, `proxy XSUB ${proxy.xsubEndpoint}`);
      // Without its proxy the cluster's publish/subscribe stops: a proxy that fails takes the
      // node down with it (exit 1, for systemd to restart), never silently. A stop resolves it
      // with undefined.
      proxy.closed.then((result) => {
        if (result instanceof Error && closing === undefined) {
          logger.error(`proxy failed: ${result.message}`);
          failure = result;
          close();
        }
      });
    }
    // The transport's sockets open now, and deliver once every layer is wired to it (below).
    // The proxy of this process is reached in-process (zeromq.proxyInproc), the others over TCP.
    const { transport, logEndpoints } = await connectTransport(
      options,
      deps,
      logger,
      proxy?.inproc ? { ...security, proxy: proxy.inproc } : security,
    );
    stack.use(transport);
    if (roles.pullsLogs) listeners.zeromq(`log PULL ${options.zeromq.listenLogEndpoint}`);
    const logging = createNodeLogging(options, {
      clock,
      logger,
      nodeId,
      files,
      transport,
      endpoints: logEndpoints,
    });
    const clusterLog = (message: string) =>
      logging.service.write(CLUSTER_LOG, { ts: clock.now(), node: options.node, message });
    const events = cluster = new Cluster(options, {
      serializer: createEventSerializer(options.eventSerializer),
      clock,
      logger,
      nodeId,
      traceEvents: deps.traceEvents ?? false,
      clusterLog,
    });
    const reception = stack.use(startLogReception(options, { logging, cluster }));
    stack.defer(() => events.detach());
    stack.use(logging.service);
    cluster.attach(transport);
    // Wired: events and subscriptions to the event layer, log batches to the logging layer.
    transport.start({ ...cluster.handlers, onLog: reception.onLog });
    transport.closed.then((result) => {
      if (result instanceof Error) {
        logger.error(`transport failed: ${result.message}`);
        failure = result;
        close();
      }
    });
    const metrics = createMetricsFor(options, {
      cluster,
      transport,
      log: logging.service,
      logging,
      acks: reception.acks,
    }, logger);
    metrics.zeromq.curveRejected.addSource(() =>
      (proxy?.stats.curveRejected ?? 0) +
      ((transport.stats as Partial<{ curveRejected: number }>).curveRejected ?? 0)
    );
    const server = serveNodeMetrics(options, metrics, { cluster });
    if (server) {
      stack.use(server);
      const http = `http://${server.addr.hostname}:${server.addr.port}`;
      listeners.http(`metrics ${http}/metrics`);
      if (roles.servesStatusPage) listeners.http(`status page ${http}/`);
    }
    const stores = stack.use(new NodeStores(options, cluster, clock, logger));
    const node: RunningNode = {
      options,
      cluster,
      transport,
      log: logging.service,
      metrics,
      ...(server ? { metricsAddr: server.addr } : {}),
      clusterLog,
      createStore: (name, createOptions = {}) => stores.create(name, createOptions.persistent),
      stores: () => stores.list(),
      listenWebSocket: async (wsOptions) => {
        const server = await listenWebSocketFor(events, wsOptions, { metrics, logger, clusterLog });
        if (closing) await server[Symbol.asyncDispose]();
        else stack.use(server);
        logger.info(`listener websocket ${server.url}`, {
          encrypted: wsOptions.tlsOptions?.certFile ? "tls" : "plain",
        });
        return server;
      },
      closed,
      close,
      [Symbol.asyncDispose]: close,
    };
    logger.info(`node ${options.node || "(standalone)"} up`, {
      type: roles.nodeType,
      id: nodeId,
      format: options.eventSerializer,
      listeners: listeners.toString(),
      curve: security.curveServer ? "client+server" : security.curveClient ? "client" : "off",
      ...(server ? {} : { metrics: "off (no metricsPort in the layout)" }),
    });
    if (deps.control !== false) stack.use(installControl(node, { clock, logger }));
    await deps.setup?.(node);
    if (deps.signal) {
      const signal = deps.signal;
      const onAbort = () => void close();
      signal.addEventListener("abort", onAbort, { once: true });
      stack.defer(() => signal.removeEventListener("abort", onAbort));
      if (signal.aborted) onAbort();
    }
    return node;
  } catch (error) {
    await close();
    throw error;
  }
}

/** The errors a failed `disposeAsync()` carries (one per failed disposal). */
function disposalErrors(error: unknown): unknown[] {
  const errors: unknown[] = [];
  while (error instanceof SuppressedError) {
    errors.push(error.error);
    error = error.suppressed;
  }
  errors.push(error);
  return errors.reverse();
}

/** The listeners a node reports in its `up` line, with the encryption each uses. */
class Listeners {
  readonly #mode: string;
  readonly #lines: string[] = [];
  constructor(security: TransportSecurity) {
    this.#mode = security.curveServer
      ? `curve, ${security.curveServer.allowedClients.length} allowed keys`
      : security.curveClient
      ? "curve"
      : "plain";
  }
  /** Adds ZeroMQ listeners: plain or CURVE as the node's keys say. */
  zeromq(...lines: string[]): void {
    for (const line of lines) this.#lines.push(`${line} (${this.#mode})`);
  }
  /** Adds an HTTP listener (plain text). */
  http(line: string): void {
    this.#lines.push(`${line} (plain)`);
  }
  toString(): string {
    return this.#lines.length > 0 ? this.#lines.join("; ") : "none";
  }
}

/**
 * Serves Zeek's WebSocket API for a node: its metrics and diagnostics, and Zeek's
 * `Cluster::websocket_client_added`/`_lost` events raised on the node's event layer.
 */
function listenWebSocketFor(
  cluster: Cluster,
  wsOptions: Omit<ListenWebSocketOptions, "metrics" | "logger" | "clusterLog">,
  parts: { metrics: NodeMetrics; logger: Logger; clusterLog: (message: string) => boolean },
): Promise<WebSocketServer> {
  return listenWebSocket(cluster, {
    ...wsOptions,
    metrics: parts.metrics.websocket,
    logger: parts.logger,
    clusterLog: (message) => void parts.clusterLog(message),
    // Zeek raises these as events; site code handles them with cluster.on().
    onClientAdded: (info, subscriptions) => {
      cluster.raise(WEBSOCKET_CLIENT_ADDED, endpointInfo(info), [...subscriptions]);
      wsOptions.onClientAdded?.(info, subscriptions);
    },
    onClientLost: (info, code, reason) => {
      cluster.raise(WEBSOCKET_CLIENT_LOST, endpointInfo(info), count(code), reason);
      wsOptions.onClientLost?.(info, code, reason);
    },
  });
}

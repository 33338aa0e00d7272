/**
 * What a node does, answered from its options: whether it runs the XPUB/XSUB proxy, writes log
 * files itself or sends batches to the loggers, pulls log batches, is where stores keep their
 * masters, and serves `/services.json` and the status page. Pure functions of the options (no
 * I/O); the composition root (`lib/node/`), the options and the store placement ask here instead
 * of deciding by node type where they stand.
 *
 * @module
 */
import { nodesOfType } from "../layout/queries.ts";
import type { ClusterLayout, NodeType } from "../layout/types.ts";

/**
 * What the role questions read from a node's options (a `ClusterOptions` has it all; tests and
 * the options themselves pass just these fields).
 */
export interface RoleInput {
  /** The node's name; "" for a standalone node outside any cluster. */
  readonly node: string;
  /** The cluster layout. */
  readonly layout: ClusterLayout;
  /** Whether the manager is also the logger (Zeek's `Cluster::manager_is_logger`). */
  readonly managerIsLogger: boolean;
  /** The ZeroMQ endpoints the options resolved (what the node binds and connects). */
  readonly zeromq: {
    /** Whether the node runs the XPUB/XSUB proxy thread. */
    readonly runProxyThread: boolean;
    /** The log PULL endpoint the node binds ("" for none). */
    readonly listenLogEndpoint: string;
    /** The loggers' PULL endpoints the node pushes batches to. */
    readonly connectLogEndpoints: readonly string[];
  };
}

/** Everything a node does, as {@link nodeRoles} answers it. */
export interface NodeRoles {
  /** The node's type ("NONE" for a standalone node). */
  readonly nodeType: NodeType;
  /** Runs the XPUB/XSUB proxy the other nodes connect to. */
  readonly runsProxy: boolean;
  /** Writes log files itself (Zeek's `Log::enable_local_logging`). */
  readonly writesLogsLocally: boolean;
  /** Sends its log batches to the loggers (Zeek's `Log::enable_remote_logging`). */
  readonly sendsLogs: boolean;
  /** Binds a log PULL socket and writes the batches other nodes push to it. */
  readonly pullsLogs: boolean;
  /** Holds the masters of the stores placed by default (every store, when standalone). */
  readonly hostsStoreMasters: boolean;
  /** Serves `/services.json` (Prometheus HTTP service discovery): the manager, with a metrics port. */
  readonly servesServicesJson: boolean;
  /** Serves the status page (`/` and `/status.json`): the manager, with a metrics port. */
  readonly servesStatusPage: boolean;
}

/**
 * The type of a layout node, "NONE" for a standalone node (no name) or a name the layout lacks.
 *
 * @example
 * ```ts
 * import { nodeTypeOf } from "./roles.ts";
 * const layout = { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } } as const;
 * nodeTypeOf({ node: "manager", layout }); // "MANAGER"
 * nodeTypeOf({ node: "", layout }); // "NONE"
 * ```
 *
 * @param input The node's name and the layout.
 * @returns The node type.
 */
export function nodeTypeOf(input: Pick<RoleInput, "node" | "layout">): NodeType {
  return input.node === "" ? "NONE" : input.layout[input.node]?.nodeType ?? "NONE";
}

/**
 * Whether a node of this type is where log batches end up (a logger, or the manager when it is
 * the logger): it binds the log PULL and rotates its files by default.
 *
 * @example
 * ```ts
 * import { isLogSink } from "./roles.ts";
 * isLogSink("MANAGER", true); // true
 * isLogSink("WORKER", true); // false
 * ```
 *
 * @param nodeType The node's type.
 * @param managerIsLogger Whether the manager is the logger.
 * @returns True for a log sink.
 */
export function isLogSink(nodeType: NodeType, managerIsLogger: boolean): boolean {
  return nodeType === "LOGGER" || (nodeType === "MANAGER" && managerIsLogger);
}

/**
 * Whether a node of this type runs the XPUB/XSUB proxy unless an option says otherwise (the
 * manager does, as Zeek's `Cluster::Backend::ZeroMQ::run_proxy_thread` on the manager).
 *
 * @example
 * ```ts
 * import { runsProxyByDefault } from "./roles.ts";
 * runsProxyByDefault("MANAGER"); // true
 * ```
 *
 * @param nodeType The node's type.
 * @returns True for the manager.
 */
export function runsProxyByDefault(nodeType: NodeType): boolean {
  return nodeType === "MANAGER";
}

/**
 * Whether the node writes log files itself (Zeek's `Log::enable_local_logging`): a standalone
 * node, a logger, or the manager when it is the logger. The others send batches to the loggers.
 *
 * @example
 * ```ts
 * import { writesLogsLocally } from "./roles.ts";
 * const layout = {
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2 },
 * } as const;
 * writesLogsLocally({ node: "worker-1", layout, managerIsLogger: true }); // false
 * ```
 *
 * @param input The node's name, the layout and `managerIsLogger`.
 * @returns True when the node writes its own log files.
 */
export function writesLogsLocally(
  input: Pick<RoleInput, "node" | "layout" | "managerIsLogger">,
): boolean {
  const type = nodeTypeOf(input);
  return type === "NONE" || isLogSink(type, input.managerIsLogger);
}

/**
 * The node that holds the master of a store placed by default: the first manager by name
 * (Zeek's `Cluster::default_master_node`), or undefined when the layout has none.
 *
 * @example
 * ```ts
 * import { defaultStoreMaster } from "./roles.ts";
 * const layout = { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } } as const;
 * defaultStoreMaster(layout); // "manager"
 * ```
 *
 * @param layout The cluster layout.
 * @returns The node's name.
 */
export function defaultStoreMaster(layout: ClusterLayout): string | undefined {
  return nodesOfType(layout, "MANAGER")[0];
}

/**
 * Everything the node does, from its options.
 *
 * @example
 * ```ts
 * import { nodeRoles } from "./roles.ts";
 * const layout = {
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 2000 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2001 },
 * } as const;
 * const zeromq = { runProxyThread: false, listenLogEndpoint: "", connectLogEndpoints: [] };
 * // In a node: nodeRoles(options), with the options from resolveOptions().
 * nodeRoles({ node: "worker-1", layout, managerIsLogger: true, zeromq }).sendsLogs; // true
 * ```
 *
 * @param input The node's options.
 * @returns What the node does.
 */
export function nodeRoles(input: RoleInput): NodeRoles {
  const nodeType = nodeTypeOf(input);
  const local = writesLogsLocally(input);
  const pages = nodeType === "MANAGER" && (input.layout[input.node]?.metricsPort ?? 0) > 0;
  return {
    nodeType,
    runsProxy: input.zeromq.runProxyThread,
    writesLogsLocally: local,
    sendsLogs: !local,
    pullsLogs: input.zeromq.listenLogEndpoint !== "",
    hostsStoreMasters: nodeType === "NONE" || defaultStoreMaster(input.layout) === input.node,
    servesServicesJson: pages,
    servesStatusPage: pages,
  };
}

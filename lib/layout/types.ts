/**
 * Cluster layout types: the twin of Zeek's `Cluster::Node` and `Cluster::nodes`.
 *
 * @module
 */

/** Node types, as Zeek's `Cluster::NodeType` (without the deprecated TIME_MACHINE). */
export const NODE_TYPES = ["NONE", "CONTROL", "MANAGER", "LOGGER", "PROXY", "WORKER"] as const;

/** One of {@link NODE_TYPES}. */
export type NodeType = typeof NODE_TYPES[number];

/** One node of the cluster, as Zeek's `Cluster::Node` record. */
export interface ClusterNode {
  /** The node's role. */
  readonly nodeType: NodeType;
  /** The node's address (IPv4 or IPv6 text). */
  readonly ip: string;
  /** IPv6 zone id, e.g. `eth0`, when `ip` is link-local. */
  readonly zoneId?: string;
  /** The node's port: the PULL port that loggers bind for log batches (Zeek's `$p`). */
  readonly p: number;
  /** The manager this node reports to (a MANAGER node's name). */
  readonly manager?: string;
  /** The node's id, set at run time from its hellos (Zeek's `$id`); leave unset in layouts. */
  readonly id?: string;
  /** Port of the node's Prometheus endpoint (Zeek's `$metrics_port`). */
  readonly metricsPort?: number;
  /**
   * Port of the node's WebSocket API listener, bound on the node's `ip` (zcluster, not Zeek: Zeek
   * scripts call `Cluster::listen_websocket`). `start --websocket` gives the manager one instead.
   */
  readonly websocketPort?: number;
  /**
   * MANAGER only: the central proxy's XPUB endpoint, which the manager binds and every node
   * connects to (zcluster, not Zeek: Zeek's `Cluster::Backend::ZeroMQ::listen_xpub_endpoint`).
   * Default `tcp://<manager ip>:5555`.
   */
  readonly proxyXpub?: string;
  /** MANAGER only: the central proxy's XSUB endpoint. Default `tcp://<manager ip>:5556`. */
  readonly proxyXsub?: string;
}

/** The cluster layout: node name → node, as Zeek's `Cluster::nodes`. */
export type ClusterLayout = Readonly<Record<string, ClusterNode>>;

/** The field names a node may have; anything else is rejected as a likely typo. */
export const NODE_FIELDS: readonly (keyof ClusterNode)[] = [
  "nodeType",
  "ip",
  "zoneId",
  "p",
  "manager",
  "id",
  "metricsPort",
  "websocketPort",
  "proxyXpub",
  "proxyXsub",
];

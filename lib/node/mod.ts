/**
 * The node: composition root that wires transport, membership, logging, stores and metrics.
 *
 * @module
 */

export type { NodeStore } from "./_stores.ts";
export {
  assertNodeDirectoriesFree,
  createNode,
  zeromqProxyOptions,
  zeromqTransportFactory,
  zeromqTransportOptions,
} from "./cluster_node.ts";
export type {
  ConnectNodeHook,
  ConnectTarget,
  NodeDeps,
  RunningNode,
  TransportFactory,
  TransportSecurity,
} from "./cluster_node.ts";

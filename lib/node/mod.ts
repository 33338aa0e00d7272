/**
 * The node: composition root that wires transport, membership, logging, stores and metrics.
 *
 * @module
 */

export type { NodeStore } from "./_stores.ts";
export { assertNodeDirectoriesFree, createNode } from "./cluster_node.ts";
export type { ConnectNodeHook, ConnectTarget, NodeDeps, RunningNode } from "./cluster_node.ts";

/**
 * The node: composition root that wires transport, membership, logging, stores and metrics.
 *
 * @module
 */
export * from "./cluster_node.ts";
export type { NodeStore } from "./_stores.ts";

/**
 * Cluster topics: `nodeTopic`, `nodeidTopic`, type, pool and broadcast topics, Zeek 8.x strings.
 *
 * @example
 * ```ts
 * import { nodeTopic } from "./mod.ts";
 * nodeTopic("worker-2"); // "zeek.cluster.node.worker-2."
 * ```
 *
 * @module
 */
export * from "./topics.ts";
export * from "./prefix_match.ts";

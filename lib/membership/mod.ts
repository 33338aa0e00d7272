/**
 * Membership: node ids and the hello / node_up / node_down state machine of Zeek's ZeroMQ backend.
 *
 * @example
 * ```ts
 * import { makeNodeId } from "./mod.ts";
 * makeNodeId({ node: "worker-1", host: "h", pid: 42, unique: "Nx" }); // "zeromq_worker-1_h_42_Nx"
 * ```
 *
 * @module
 */

export { makeNodeId, uniqueId } from "./node_id.ts";
export type { NodeIdParts } from "./node_id.ts";
export { CLUSTER_HELLO, MAX_DEPARTED, Membership, ZEROMQ_HELLO } from "./membership.ts";
export type { MembershipAction, MembershipOptions, MembershipStats } from "./membership.ts";

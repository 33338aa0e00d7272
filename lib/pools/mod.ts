/**
 * Zeek's cluster pools as pure logic: `fnv1a32` key digests, rendezvous hashing
 * (`hrw_weight`, `HashHRW`), pool membership (`Cluster::register_pool` at `zeek_init`), and the
 * `hrw_topic` / `rr_topic` choices behind `Cluster::publish_hrw` and `Cluster::publish_rr`.
 *
 * @example
 * ```ts
 * import { registerPools } from "./mod.ts";
 * const pools = registerPools({
 *   manager: { nodeType: "MANAGER" },
 *   "proxy-1": { nodeType: "PROXY" },
 *   "proxy-2": { nodeType: "PROXY" },
 *   "worker-1": { nodeType: "WORKER" },
 * }, "worker-1");
 * pools.nodeUp("proxy-1");
 * pools.nodeUp("proxy-2");
 * pools.proxy.hrwTopic({ addr: "10.0.0.1" }); // a proxy's node topic
 * pools.proxy.rrTopic(); // "zeek.cluster.node.proxy-1."
 * ```
 *
 * @module
 */

export * from "./fnv1a32.ts";
export * from "./hrw.ts";
export * from "./pool.ts";
export * from "./register_pools.ts";

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

export {
  fnv1a32,
  FNV1A32_OFFSET_BASIS,
  FNV1A32_PRIME,
  hrwKeyDigest,
  ZEEK_TYPE_TAG_ADDR,
  ZEEK_TYPE_TAG_COUNT,
} from "./fnv1a32.ts";
export type { HrwAddrKey, HrwKey } from "./fnv1a32.ts";
export { HRW_INCREMENT, HRW_MULTIPLIER, HrwSites, hrwWeight } from "./hrw.ts";
export {
  LOGGER_POOL_SPEC,
  Pool,
  POOL_NODE_TYPES,
  PROXY_POOL_SPEC,
  WORKER_POOL_SPEC,
} from "./pool.ts";
export type { PoolMember, PoolNodeType, PoolOptions, PoolSpec } from "./pool.ts";
export { ClusterPools, registerPools } from "./register_pools.ts";
export type { PoolLayout, PoolLayoutEntry, RegisterPoolsOptions } from "./register_pools.ts";

/**
 * Node options: Zeek's `Cluster::` and `Cluster::Backend::ZeroMQ::` options with Zeek's defaults.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./mod.ts";
 * import { layout } from "../../cluster-layout.ts";
 * const options = resolveOptions({ layout, node: "worker-1" });
 * options.zeromq.connectXsubEndpoint; // "tcp://127.0.0.1:5555"
 * ```
 *
 * @module
 */

export {
  DEFAULT_CLUSTER_OPTIONS,
  DEFAULT_LOGGER_ROTATION_INTERVAL_MS,
  DEFAULT_RETRY_INTERVAL_MS,
  getNodeCount,
  isEnabled,
  localNodeMetricsPort,
  localNodeType,
  resolveOptions,
} from "./options.ts";
export type {
  ClusterOptionOverrides,
  ClusterOptions,
  LogFormat,
  LogJsonTimestamps,
  ResolveOptionsInput,
} from "./options.ts";
export { DEFAULT_ZEROMQ_OPTIONS } from "./zeromq_options.ts";
export type { ZeroMqOptions } from "./zeromq_options.ts";
export { DEFAULT_PROXY_XPUB_PORT, DEFAULT_PROXY_XSUB_PORT } from "../layout/proxy.ts";

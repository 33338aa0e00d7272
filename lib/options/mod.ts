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
export * from "./options.ts";
export * from "./zeromq_options.ts";

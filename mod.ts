/**
 * zcluster: Zeek's cluster framework (ZeroMQ backend) as a TypeScript library and one binary per
 * host. This is the surface that site code imports.
 *
 * @example
 * ```ts
 * import { nodeTopic, parseLayout, resolveOptions } from "./mod.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * const options = resolveOptions({ layout, node: "manager" });
 * nodeTopic("manager"); // "zeek.cluster.node.manager."
 * ```
 *
 * @module
 */
export * from "./lib/errors.ts";
export * from "./lib/clock.ts";
export * from "./lib/layout/mod.ts";
export * from "./lib/topics/mod.ts";
export * from "./lib/options/mod.ts";
export * from "./lib/diagnostics/mod.ts";
export * from "./lib/node/mod.ts";
export * from "./lib/pools/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/transport/mod.ts";
export * from "./lib/membership/mod.ts";
export * from "./lib/cluster/mod.ts";
export * from "./lib/serialization/mod.ts";
export * from "./lib/logging/mod.ts";
export * from "./lib/stores/mod.ts";
export * from "./lib/websocket/mod.ts";
export * from "./lib/control/mod.ts";
export * from "./lib/deploy/mod.ts";

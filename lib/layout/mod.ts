/**
 * Cluster layouts: types, `defineLayout()` for TypeScript authors, `parseLayout()` for JSON.
 *
 * @example
 * ```ts
 * import { parseLayout } from "./mod.ts";
 * const layout = parseLayout(JSON.parse('{"manager":{"nodeType":"MANAGER","ip":"127.0.0.1","p":27762}}'));
 * ```
 *
 * @module
 */

export { NODE_FIELDS, NODE_TYPES } from "./types.ts";
export type { ClusterLayout, ClusterNode, NodeType } from "./types.ts";
export { defineLayout } from "./define_layout.ts";
export { parseLayout, parseLayoutJson } from "./parse_layout.ts";
export { layoutProblems, validateLayout } from "./validate_layout.ts";
export { managerOf, nodesOfType } from "./queries.ts";
export {
  DEFAULT_PROXY_XPUB_PORT,
  DEFAULT_PROXY_XSUB_PORT,
  isEndpoint,
  proxyEndpoints,
  tcpEndpoint,
} from "./proxy.ts";
export type { ProxyEndpoints } from "./proxy.ts";

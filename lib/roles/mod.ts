/**
 * Roles: what a node does (runs the proxy, writes logs locally or sends them, pulls logs, hosts
 * store masters, serves `/services.json` and the status page), answered from its options.
 *
 * @module
 */

export {
  defaultStoreMaster,
  isLogSink,
  nodeRoles,
  nodeTypeOf,
  runsProxyByDefault,
  writesLogsLocally,
} from "./roles.ts";
export type { NodeRoles, RoleInput } from "./roles.ts";

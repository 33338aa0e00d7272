/**
 * The event layer: `publish`, `subscribe`, `on`, membership events, as Zeek's `Cluster::` API.
 *
 * @module
 */

export { CounterMap } from "./_counters.ts";
export {
  Cluster,
  NODE_DOWN,
  NODE_UP,
  WEBSOCKET_CLIENT_ADDED,
  WEBSOCKET_CLIENT_LOST,
} from "./cluster.ts";
export type {
  AnyEventListener,
  ClusterDeps,
  ClusterStats,
  EndpointInfoValue,
  EventHandler,
  EventInfo,
  KnownEvents,
} from "./cluster.ts";

/**
 * The event layer: `publish`, `subscribe`, `on`, membership events, as Zeek's `Cluster::` API.
 *
 * @module
 */
export * from "./cluster.ts";
export { CounterMap } from "./_counters.ts";

/**
 * The manager's live status page (`GET /` on its metrics port) and its JSON endpoint
 * (`GET /status.json`, version 1): node table, plots of the last minutes, cluster.log tail.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { mountStatus, StatusCollector } from "./mod.ts";
 * await using collector = new StatusCollector({
 *   layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } },
 *   self: "manager",
 *   selfId: "id",
 *   membership: { upNodes: () => [], idOf: () => undefined, onChange: () => () => {} },
 *   ownMetrics: () => Promise.resolve(new Map()),
 * });
 * mountStatus(new Hono(), collector);
 * ```
 *
 * @module
 */
export * from "./collector.ts";
export * from "./routes.ts";
export * from "./sample.ts";
export { STATUS_PAGE_HTML } from "./page.ts";

/**
 * The status page's routes on the manager's metrics app (the same listener and bind rules as
 * `/metrics`): `GET /` (the page) and `GET /status.json` (the data, version 1).
 *
 * @module
 */

import type { Hono } from "hono";
import { NO_CACHE_HEADERS } from "../metrics/metrics_app.ts";
import type { StatusCollector } from "./collector.ts";
import { STATUS_PAGE_HTML } from "./page.ts";

/**
 * Adds `GET /` and `GET /status.json` to a Hono app.
 *
 * @param app The metrics app (`createMetricsApp()`).
 * @param collector Where the data comes from; one collection per interval serves every viewer.
 * @returns The same app.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { StatusCollector } from "./collector.ts";
 * import { mountStatus } from "./routes.ts";
 * await using collector = new StatusCollector({
 *   layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } },
 *   self: "manager",
 *   selfId: "id",
 *   membership: { upNodes: () => [], idOf: () => undefined, onChange: () => () => {} },
 *   ownMetrics: () => Promise.resolve(new Map()),
 * });
 * const app = mountStatus(new Hono(), collector);
 * const res = await app.request("/status.json");
 * console.assert((await res.json()).version === 1);
 * ```
 */
export function mountStatus(app: Hono, collector: StatusCollector): Hono {
  app.get("/", () =>
    new Response(STATUS_PAGE_HTML, {
      headers: { ...NO_CACHE_HEADERS, "Content-Type": "text/html; charset=utf-8" },
    }));
  app.get("/status.json", async () =>
    new Response(await collector.document(), {
      headers: { ...NO_CACHE_HEADERS, "Content-Type": "application/json" },
    }));
  return app;
}

/**
 * The per-node metrics HTTP app (Hono): `GET /metrics` in Prometheus text format and, on the
 * manager, `GET /services.json` for Prometheus HTTP service discovery. Other paths answer 404 with
 * the body and cache headers Zeek's endpoint sends.
 *
 * @module
 */

import { Hono } from "hono";
import { Counter, type Registry } from "prom-client";
import { buildServicesJson, type ServicesOptions } from "./services.ts";

/** Options of `createMetricsApp()`. */
export interface MetricsAppOptions {
  /** The node's registry, e.g. `createNodeMetrics(...).registry`. */
  readonly registry: Registry;
  /** The node name, for the `node` label of the request-error counter. */
  readonly node?: string;
  /** Layout nodes for `/services.json`; give it on the manager only (others answer 404). */
  readonly services?: ServicesOptions;
}

/** Headers Zeek's endpoint sends on `/services.json` and on 404s. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
  "Expires": "0",
  "Pragma": "no-cache",
};

/** Body of a 404, as Zeek's endpoint writes it. */
export const NOT_FOUND_BODY = "Error 404: Not Found\nNot Found";

/**
 * Creates the metrics app. The `/services.json` body is built once, here, from the static layout
 * (as Zeek does). Each scrape is counted in `exposer_scrapes_total` and
 * `exposer_transferred_bytes_total` after it is rendered, so the first scrape shows 0.
 *
 * @param options The registry, and `services` on the manager.
 * @returns A Hono app; serve it with `serveMetrics()` or call `app.request()` in tests.
 * @throws {RangeError} If a layout node has a bad metrics port.
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { createMetricsApp } from "./metrics_app.ts";
 * const app = createMetricsApp({ registry: new Registry() });
 * const res = await app.request("/metrics");
 * console.assert(res.status === 200);
 * await res.body?.cancel();
 * ```
 */
export function createMetricsApp(options: MetricsAppOptions): Hono {
  const { registry } = options;
  const scrapes = exposerCounter(
    registry,
    "exposer_scrapes_total",
    "Number of times the metrics were scraped",
  );
  const bytes = exposerCounter(
    registry,
    "exposer_transferred_bytes_total",
    "Bytes of metrics sent to scrapers",
  );
  const errorCounter = exposerErrorCounter(registry);
  const node = options.node ?? "";
  const errors = { inc: (labels: { code: string }) => errorCounter.inc({ ...labels, node }) };
  const servicesBody = options.services === undefined
    ? undefined
    : JSON.stringify(buildServicesJson(options.services));
  const encoder = new TextEncoder();

  const app = new Hono();
  app.get("/metrics", async () => {
    const text = await registry.metrics();
    const body = encoder.encode(text);
    scrapes.inc();
    bytes.inc(body.byteLength);
    return new Response(body, { headers: { "Content-Type": registry.contentType } });
  });
  app.get("/services.json", () => {
    if (servicesBody === undefined) {
      errors.inc({ code: "404" });
      return notFound();
    }
    return new Response(servicesBody, {
      headers: { ...NO_CACHE_HEADERS, "Content-Type": "application/json" },
    });
  });
  app.notFound(() => {
    errors.inc({ code: "404" });
    return notFound();
  });
  app.onError((error) => {
    errors.inc({ code: "500" });
    const detail = error instanceof Error ? error.message : String(error);
    return new Response(`Cannot collect metrics: ${detail}`, {
      status: 500,
      headers: { ...NO_CACHE_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
    });
  });
  return app;
}

function notFound(): Response {
  return new Response(NOT_FOUND_BODY, {
    status: 404,
    headers: { ...NO_CACHE_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
  });
}

/**
 * Requests the metrics endpoint refused (unknown paths and methods, failed collections), by status
 * code; requests Deno's HTTP server rejects before they reach the app (malformed HTTP) are not seen.
 */
function exposerErrorCounter(registry: Registry): Counter<"code" | "node"> {
  const name = "zcluster_http_errors_total";
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<"code" | "node">;
  return new Counter({
    name,
    help: "Requests the metrics endpoint refused, by HTTP status code",
    labelNames: ["code", "node"],
    registers: [registry],
  });
}

/** The exposer counters carry no `node` label, like prometheus-cpp's own. */
function exposerCounter(registry: Registry, name: string, help: string): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, registers: [registry] });
}

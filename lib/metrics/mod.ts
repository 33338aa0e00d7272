/**
 * Per-node Prometheus metrics modelled on Zeek 8.x, so Zeek dashboards carry over: a registry of
 * typed handles per node (`createNodeMetrics`), the HTTP app serving `/metrics` and, on the
 * manager, `/services.json` (`createMetricsApp`), a `Deno.serve` wrapper (`serveMetrics`), and a
 * parser of the text format for `zcluster status` (`parsePrometheusText`).
 *
 * ```ts
 * import { createMetricsApp, createNodeMetrics, parsePrometheusText, sampleValue } from "./mod.ts";
 *
 * const metrics = createNodeMetrics({ node: "manager", nodeType: "MANAGER", version: "0.1.0" });
 * const stats = { messagesSent: 0 }; // owned by a transport
 * using _source = metrics.addSource(() => ({ zeromqMessagesSent: stats.messagesSent }));
 * stats.messagesSent += 2;
 * metrics.recordIncomingEvent("ping", "zeek.test.ping");
 *
 * const app = createMetricsApp({
 *   registry: metrics.registry,
 *   services: { layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760, metricsPort: 9991 } } },
 * });
 * const families = parsePrometheusText(await (await app.request("/metrics")).text());
 * console.assert(sampleValue(families, "zeek_cluster_core_incoming_events_total") === 1);
 * console.assert(sampleValue(families, "zcluster_zeromq_messages_sent_total") === 2);
 * ```
 *
 * @module
 */

export * from "./handles.ts";
export * from "./metrics_app.ts";
export * from "./metrics_server.ts";
export * from "./process_stats.ts";
export * from "./registry.ts";
export * from "./scrape.ts";
export * from "./services.ts";
export * from "./topic_normalization.ts";
export * from "./types.ts";

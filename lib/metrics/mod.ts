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

export type {
  CounterMetric,
  GaugeMetric,
  LabelledCounterMetric,
  LabelledGaugeMetric,
  LabelledValue,
  Labels,
} from "./handles.ts";
export { createMetricsApp, NO_CACHE_HEADERS, NOT_FOUND_BODY } from "./metrics_app.ts";
export type { MetricsAppOptions } from "./metrics_app.ts";
export { serveMetrics } from "./metrics_server.ts";
export type { FetchApp, MetricsServer, ServeMetricsOptions } from "./metrics_server.ts";
export { parseProcStat, parseStatusKb, processStatsReader, USER_HZ } from "./process_stats.ts";
export type { ProcessStats, ProcStat } from "./process_stats.ts";
export { createNodeMetrics, versionLabels } from "./registry.ts";
export type { NodeMetricsOptions, VersionLabels } from "./registry.ts";
export { parsePrometheusText, sampleValue } from "./scrape.ts";
export type { ScrapedFamily, ScrapedSample, ScrapedType } from "./scrape.ts";
export { buildServicesJson, formatHostPort } from "./services.ts";
export type { ServicesOptions, ServiceTargetGroup } from "./services.ts";
export { NORMALIZED_TOPIC_PART, normalizeTelemetryTopic } from "./topic_normalization.ts";
export type {
  ClusterMetrics,
  EventTelemetryLevel,
  LogMetrics,
  LogWriterLabel,
  NodeMetrics,
  ProcessMetrics,
  ProcessStatsReader,
  ProxyMetrics,
  ScalarReadings,
  StoreMetrics,
  WebSocketMetrics,
  ZeroMqMetrics,
} from "./types.ts";

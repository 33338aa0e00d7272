/**
 * Pure parts of the status page's data: what one scrape of a node's `/metrics` says, rates
 * between two scrapes, and the JSON document `/status.json` serves (version 1, documented in the
 * README; fields are only ever added).
 *
 * @module
 */

import type { Registry } from "prom-client";
import { parsePrometheusText, sampleValue, type ScrapedFamily } from "../metrics/scrape.ts";
import type { NodeType } from "../layout/types.ts";

/** The version of the `/status.json` document. */
export const STATUS_VERSION = 1;

/** Drop counters of a node, totals since it started, by kind. */
export interface NodeDrops {
  /** Publishes dropped at the XPUB high-water mark (`zeek_cluster_zeromq_xpub_drops_total`). */
  readonly xpub: number;
  /** Received events dropped, inbound queue full (`zeek_cluster_zeromq_onloop_drops_total`). */
  readonly onloop: number;
  /** Log records dropped before they were sent or written (`zcluster_log_queue_drops_total`). */
  readonly logQueue: number;
  /** Log writes a writer discarded (`zeek_log_writer_discarded_writes_total`). */
  readonly logDiscarded: number;
  /** WebSocket clients dropped for a full outbound buffer (`zcluster_websocket_overflows_total`). */
  readonly websocketOverflows: number;
}

/** What one scrape of a node's `/metrics` says. */
export interface NodeSample {
  /** When it was taken, epoch seconds. */
  readonly at: number;
  /** Counters (totals). */
  readonly eventsIn: number;
  readonly eventsOut: number;
  /** Log records the node's streams wrote (`zeek_log_stream_writes_total`). */
  readonly logRecords: number;
  readonly drops: NodeDrops;
  /** Largest clone lag of the node's stores, seconds; null without clones. */
  readonly storeCloneLagS: number | null;
  /** WebSocket clients connected now; null when the node reports none. */
  readonly websocketClients: number | null;
  /** Process start, epoch seconds; null when unknown. */
  readonly startTime: number | null;
}

/** The metric families a sample reads; everything else in a scrape is skipped unparsed. */
export const STATUS_METRIC_NAMES: readonly string[] = [
  "zeek_cluster_core_incoming_events_total",
  "zeek_cluster_core_outgoing_events_total",
  "zeek_log_stream_writes_total",
  "zeek_cluster_zeromq_xpub_drops_total",
  "zeek_cluster_zeromq_onloop_drops_total",
  "zcluster_log_queue_drops_total",
  "zeek_log_writer_discarded_writes_total",
  "zcluster_websocket_overflows_total",
  "zcluster_store_clone_lag_seconds",
  "zcluster_websocket_clients",
  "process_start_time_seconds",
];
const WANTED = new Set(STATUS_METRIC_NAMES);

/**
 * Parses the sample lines of a `/metrics` text that a status sample reads, skipping the others
 * (and every comment) before parsing: a node's exposition holds many more families.
 *
 * @param text A Prometheus text exposition.
 * @returns The parsed families that matter.
 * @throws {SyntaxError} For a malformed line among those kept.
 * @example
 * ```ts
 * import { parseStatusMetrics } from "./sample.ts";
 * const f = parseStatusMetrics("other 1\nzcluster_websocket_clients{node=\"m\"} 2\n");
 * console.assert(f.size === 1);
 * ```
 */
export function parseStatusMetrics(text: string): Map<string, ScrapedFamily> {
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    const end = brace >= 0 && (space < 0 || brace < space) ? brace : space;
    if (WANTED.has(end < 0 ? line : line.slice(0, end))) kept.push(line);
  }
  return parsePrometheusText(kept.join("\n"));
}

/**
 * Reads the families a status sample needs straight from a registry (the manager's own; no text
 * rendering of the rest).
 *
 * @param registry A prom-client registry.
 * @returns The families, as `parsePrometheusText()` gives them.
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { familiesFromRegistry } from "./sample.ts";
 * console.assert((await familiesFromRegistry(new Registry())).size === 0);
 * ```
 */
export async function familiesFromRegistry(
  registry: Registry,
): Promise<Map<string, ScrapedFamily>> {
  const out = new Map<string, ScrapedFamily>();
  for (const name of STATUS_METRIC_NAMES) {
    const metric = registry.getSingleMetric(name);
    if (!metric) continue;
    const { values } = await metric.get();
    out.set(name, {
      name,
      help: undefined,
      type: "untyped",
      samples: values.map((v) => ({
        name,
        labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)])),
        value: v.value,
      })),
    });
  }
  return out;
}

/**
 * Reads a node's sample from its parsed `/metrics`.
 *
 * @param families The parsed exposition (`parsePrometheusText()`).
 * @param at When it was scraped, epoch seconds.
 * @returns The sample (absent counters read 0).
 * @example
 * ```ts
 * import { parsePrometheusText } from "../metrics/scrape.ts";
 * import { sampleFromMetrics } from "./sample.ts";
 * const f = parsePrometheusText("zeek_cluster_core_incoming_events_total{node=\"m\"} 5\n");
 * console.assert(sampleFromMetrics(f, 0).eventsIn === 5);
 * ```
 */
export function sampleFromMetrics(
  families: ReadonlyMap<string, ScrapedFamily>,
  at: number,
): NodeSample {
  const v = (name: string) => sampleValue(families, name) ?? 0;
  const lags = families.get("zcluster_store_clone_lag_seconds")?.samples ?? [];
  const clients = sampleValue(families, "zcluster_websocket_clients");
  const start = sampleValue(families, "process_start_time_seconds");
  return {
    at,
    eventsIn: v("zeek_cluster_core_incoming_events_total"),
    eventsOut: v("zeek_cluster_core_outgoing_events_total"),
    logRecords: v("zeek_log_stream_writes_total"),
    drops: {
      xpub: v("zeek_cluster_zeromq_xpub_drops_total"),
      onloop: v("zeek_cluster_zeromq_onloop_drops_total"),
      logQueue: v("zcluster_log_queue_drops_total"),
      logDiscarded: v("zeek_log_writer_discarded_writes_total"),
      websocketOverflows: v("zcluster_websocket_overflows_total"),
    },
    storeCloneLagS: lags.length === 0 ? null : Math.max(...lags.map((s) => s.value)),
    websocketClients: clients ?? null,
    startTime: start && start > 0 ? start : null,
  };
}

/** Rates between two samples, per second; null without a usable earlier sample. */
export interface NodeRates {
  readonly eventsInPerS: number | null;
  readonly eventsOutPerS: number | null;
  readonly logRecordsPerS: number | null;
}

/**
 * Rates between two samples of the same process. A counter that went down (the node restarted)
 * gives null rather than a negative rate.
 *
 * @param prev The earlier sample, if any.
 * @param next The later sample.
 * @returns Per-second rates.
 * @example
 * ```ts
 * import { ratesBetween } from "./sample.ts";
 * const drops = { xpub: 0, onloop: 0, logQueue: 0, logDiscarded: 0, websocketOverflows: 0 };
 * const s = { eventsIn: 0, eventsOut: 0, logRecords: 0, drops, storeCloneLagS: null,
 *   websocketClients: null, startTime: 1 };
 * const r = ratesBetween({ ...s, at: 10 }, { ...s, at: 12, eventsIn: 10 });
 * console.assert(r.eventsInPerS === 5);
 * ```
 */
export function ratesBetween(prev: NodeSample | undefined, next: NodeSample): NodeRates {
  const seconds = prev ? next.at - prev.at : 0;
  const usable = prev !== undefined && seconds > 0 && prev.startTime === next.startTime;
  const rate = (a: number | undefined, b: number) =>
    !usable || a === undefined || b < a ? null : (b - a) / seconds;
  return {
    eventsInPerS: rate(prev?.eventsIn, next.eventsIn),
    eventsOutPerS: rate(prev?.eventsOut, next.eventsOut),
    logRecordsPerS: rate(prev?.logRecords, next.logRecords),
  };
}

/** One node in `/status.json`. */
export interface NodeStatusDoc extends NodeRates {
  readonly name: string;
  readonly type: NodeType;
  readonly host: string;
  /** `up` while the node holds the cluster's membership (the manager itself is always up). */
  readonly state: "up" | "down";
  /** Since when (epoch seconds) the state holds, as seen by the manager. */
  readonly since: number;
  /** The node id; null when down. */
  readonly id: string | null;
  /** Seconds since the process started; null when unknown. */
  readonly uptimeS: number | null;
  /** Totals since the node started; null before its first scrape. */
  readonly drops: NodeDrops | null;
  readonly storeCloneLagS: number | null;
  readonly websocketClients: number | null;
  /** Its `/metrics` URL; null when it has no metrics port. */
  readonly metricsUrl: string | null;
  /** The last scrape: when, and why it failed (null when it worked). */
  readonly scrape: { readonly at: number | null; readonly error: string | null };
}

/** One line of cluster.log. */
export interface ClusterLogLine {
  readonly ts: number;
  readonly node: string;
  readonly message: string;
}

/** The `/status.json` document. */
export interface StatusDoc {
  readonly version: typeof STATUS_VERSION;
  /** The node that serves it (the manager). */
  readonly manager: string;
  /** When the document was built, epoch seconds. */
  readonly generatedAt: number;
  /** Seconds between collections. */
  readonly intervalS: number;
  readonly nodes: readonly NodeStatusDoc[];
  /** Per-node series over the last minutes, one point per collection, oldest first. */
  readonly history: {
    /** Collection times, epoch seconds. */
    readonly t: readonly number[];
    /** Node name → series aligned with `t` (null where the node had no rate). */
    readonly nodes: Readonly<
      Record<string, {
        readonly eventsPerS: readonly (number | null)[];
        readonly logRecordsPerS: readonly (number | null)[];
      }>
    >;
  };
  /** The last lines of cluster.log, when the manager can read it (`file` null otherwise). */
  readonly clusterLog: { readonly file: string | null; readonly lines: readonly ClusterLogLine[] };
}

/**
 * Parses the data lines of a cluster.log tail (Zeek ASCII or JSON lines); header lines, partial
 * lines and lines that do not parse are skipped.
 *
 * @param text The tail of the file (it may start in the middle of a line).
 * @param max How many lines to keep, the last ones.
 * @returns The lines, oldest first.
 * @example
 * ```ts
 * import { parseClusterLogTail } from "./sample.ts";
 * const lines = parseClusterLogTail("#fields\tts\tnode\tmessage\n1.5\tmanager\thi\n", 10);
 * console.assert(lines[0]?.message === "hi");
 * ```
 */
export function parseClusterLogTail(text: string, max: number): ClusterLogLine[] {
  const out: ClusterLogLine[] = [];
  const lines = text.split("\n");
  for (const line of lines.slice(text.startsWith("#") ? 0 : 1)) {
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("{")) {
      try {
        const o = JSON.parse(line);
        const ts = typeof o.ts === "number" ? o.ts : Date.parse(o.ts) / 1000;
        if (Number.isFinite(ts)) {
          out.push({ ts, node: String(o.node ?? ""), message: String(o.message ?? "") });
        }
      } catch { /* a partial line */ }
      continue;
    }
    const [ts, node, ...message] = line.split("\t");
    const t = Number(ts);
    if (!Number.isFinite(t) || node === undefined) continue;
    out.push({ ts: t, node, message: message.join("\t") });
  }
  return out.slice(-max);
}

/**
 * Compares zcluster's exposition with real Zeek 8.2.2 scrapes (testdata/metrics-*.txt): for every
 * family both expose, the same name, TYPE and label names. Families Zeek has that zcluster skips
 * are listed with the reason; families only the spec documents are checked against the spec.
 */
import assert from "node:assert/strict";
import { createNodeMetrics } from "./registry.ts";
import { createMetricsApp } from "./metrics_app.ts";
import { parsePrometheusText, type ScrapedFamily } from "./scrape.ts";

/** Families zcluster exposes under Zeek's exact name, type and labels. */
const MATCHED = [
  "exposer_scrapes_total",
  "exposer_transferred_bytes_total",
  "zeek_log_stream_writes_total",
  "zeek_log_writer_writes_total",
  "zeek_log_writer_discarded_writes_total",
  "process_cpu_user_seconds_total",
  "process_cpu_system_seconds_total",
  "process_resident_memory_bytes",
  "process_virtual_memory_bytes",
  "process_open_fds",
  "process_start_time_seconds",
  "zeek_cluster_onloop_queue_blocks_total",
  "zeek_cluster_zeromq_xpub_drops_total",
  "zeek_cluster_zeromq_onloop_drops_total",
  "zeek_cluster_zeromq_msg_errors_total",
  "zeek_cluster_core_outgoing_events_total",
  "zeek_cluster_core_incoming_events_total",
  "zeek_event_handler_invocations_total",
  "zeek_cluster_zeromq_proxy_frontend_messages_received_total",
  "zeek_cluster_zeromq_proxy_frontend_bytes_received_total",
  "zeek_cluster_zeromq_proxy_frontend_messages_sent_total",
  "zeek_cluster_zeromq_proxy_frontend_bytes_sent_total",
  "zeek_cluster_zeromq_proxy_backend_messages_received_total",
  "zeek_cluster_zeromq_proxy_backend_bytes_received_total",
  "zeek_cluster_zeromq_proxy_backend_messages_sent_total",
  "zeek_cluster_zeromq_proxy_backend_bytes_sent_total",
  "zeek_broker_stores",
  "zeek_broker_pending_queries",
];

/** Families in Zeek's scrapes that zcluster deliberately does not expose, with the reason. */
const SKIPPED: Readonly<Record<string, string>> = {
  exposer_request_latencies: "prometheus-cpp summary; zcluster exposes no summaries",
  zeek_log_writer_truncated_string_fields_total: "zcluster writers do not truncate fields",
  zeek_log_writer_truncated_containers_total: "zcluster writers do not truncate containers",
  zeek_msgthread_threads_total: "Zeek writer threads; zcluster has none",
  zeek_msgthread_in_messages_total: "Zeek writer threads",
  zeek_msgthread_out_messages_total: "Zeek writer threads",
  zeek_msgthread_active_threads: "Zeek writer threads",
  zeek_msgthread_pending_in_messages: "Zeek writer threads",
  zeek_msgthread_pending_out_messages: "Zeek writer threads",
  zeek_msgthread_pending_messages_in_buckets: "Zeek writer threads",
  zeek_msgthread_pending_messages_out_buckets: "Zeek writer threads",
  broker_processed_messages_total: "Broker transport; zcluster is ZeroMQ only",
  broker_connections: "Broker transport",
  zeek_broker_peers: "Broker transport",
  zeek_broker_incoming_events_total: "Broker transport (always 0 under ZeroMQ)",
  zeek_broker_outgoing_events_total: "Broker transport",
  zeek_broker_incoming_logs_total: "Broker transport",
  zeek_broker_outgoing_logs_total: "Broker transport",
  zeek_broker_incoming_ids_total: "Broker transport",
  zeek_broker_outgoing_ids_total: "Broker transport",
  zeek_timers_total: "Zeek timer manager; no equivalent",
  zeek_timers_lag_time_seconds: "Zeek timer manager",
  zeek_timers_pending: "Zeek timer manager",
  zeek_dnsmgr_requests_total: "Zeek DNS manager; no equivalent",
  zeek_dnsmgr_successful_requests_total: "Zeek DNS manager",
  zeek_dnsmgr_failed_requests_total: "Zeek DNS manager",
  zeek_dnsmgr_pending_asyncs_requests: "Zeek DNS manager",
  zeek_dnsmgr_cache_entries: "Zeek DNS manager",
  zeek_triggers_total: "Zeek `when` triggers; no equivalent",
  zeek_pending_triggers: "Zeek `when` triggers",
  zeek_ended_sessions_total: "packet sessions; zcluster analyses no traffic",
};

/** Families only the spec documents (not in the scrapes), with the label names it gives. */
const SPEC_ONLY: Readonly<Record<string, { type: string; labels: string[] }>> = {
  zeek_version_info: {
    type: "gauge",
    labels: [
      "beta",
      "commit",
      "debug",
      "major",
      "minor",
      "node",
      "patch",
      "version_number",
      "version_string",
    ],
  },
  zeek_cluster_core_verbose_incoming_events_total: {
    type: "counter",
    labels: ["handler", "node", "topic"],
  },
  zeek_cluster_core_verbose_outgoing_events_total: {
    type: "counter",
    labels: ["handler", "node", "topic"],
  },
  zeek_cluster_websocket_incoming_events_total: { type: "counter", labels: ["app", "node"] },
  zeek_cluster_websocket_outgoing_events_total: { type: "counter", labels: ["app", "node"] },
  broker_store_entries: { type: "gauge", labels: ["name"] },
  broker_store_processed_updates_total: { type: "counter", labels: ["name"] },
};

async function zcluster(nodeType: "MANAGER" | "WORKER", node: string) {
  const m = createNodeMetrics({ node, nodeType, version: "0.1.0" });
  const writer = {
    filter_name: "default",
    module: "Cluster",
    path: "cluster",
    stream: "Cluster::LOG",
    writer: "Log::WRITER_ASCII",
  };
  // Touch every labelled family once so its label names show in the exposition.
  m.logs.streamWrites.inc({ module: "Cluster", stream: "Cluster::LOG" });
  m.logs.writerWrites.inc(writer);
  m.logs.writerDiscardedWrites.inc(writer, 0);
  m.cluster.handlerInvocations.inc({ name: "zeek_init" });
  m.recordIncomingEvent("ping", "zeek.test.ping");
  m.recordOutgoingEvent("pong", "zeek.test.pong");
  m.cluster.serializationErrors.inc({ direction: "decode" }, 0);
  m.websocket.incomingEvents.inc({ app: "unknown" }, 0);
  m.websocket.outgoingEvents.inc({ app: "unknown" }, 0);
  m.websocket.messages.inc({ direction: "received" }, 0);
  m.websocket.errors.inc({ code: "deserialization_error" }, 0);
  m.stores.entries.set({ name: "s" }, 0);
  m.stores.processedUpdates.inc({ name: "s" }, 0);
  m.stores.operations.inc({ name: "s", op: "put" }, 0);
  m.stores.errors.inc({ code: "no_such_key", name: "s" }, 0);
  m.stores.cloneLagSeconds.set({ name: "s" }, 0);
  const app = createMetricsApp({ registry: m.registry });
  return parsePrometheusText(await (await app.request("/metrics")).text());
}

async function zeek(file: string) {
  return parsePrometheusText(
    await Deno.readTextFile(new URL(`./testdata/${file}`, import.meta.url)),
  );
}

function labelNames(family: ScrapedFamily | undefined): string[] {
  const names = new Set<string>();
  for (const s of family?.samples ?? []) {
    for (const k of Object.keys(s.labels)) if (k !== "quantile" && k !== "le") names.add(k);
  }
  return [...names].sort();
}

for (
  const [nodeType, node, file] of [
    ["MANAGER", "manager", "metrics-manager.txt"],
    ["WORKER", "worker-1", "metrics-worker-1.txt"],
  ] as const
) {
  Deno.test(`zcluster ${node} exposition matches Zeek's families, types and labels`, async () => {
    const theirs = await zeek(file);
    const ours = await zcluster(nodeType, node);
    for (const name of theirs.keys()) {
      assert.ok(MATCHED.includes(name) || name in SKIPPED, `unclassified Zeek family ${name}`);
    }
    for (const name of MATCHED) {
      const z = theirs.get(name);
      if (!z) {
        assert.equal(ours.has(name), false, `${name} is on the ${node} only in zcluster`);
        continue;
      }
      const o = ours.get(name);
      assert.ok(o, `zcluster lacks ${name}`);
      assert.equal(o.type, z.type, `TYPE of ${name}`);
      assert.deepEqual(labelNames(o), labelNames(z), `labels of ${name}`);
      if (name.startsWith("zeek_") || name.startsWith("process_")) {
        assert.ok(o.samples.every((s) => s.labels.node === node), `node label of ${name}`);
      }
    }
    for (const name of Object.keys(SKIPPED)) assert.equal(ours.has(name), false, name);
  });
}

Deno.test("zcluster exposes the spec-only Zeek families with the spec's labels", async () => {
  const ours = await zcluster("MANAGER", "manager");
  for (const [name, want] of Object.entries(SPEC_ONLY)) {
    const o = ours.get(name);
    assert.ok(o, `zcluster lacks ${name}`);
    assert.equal(o.type, want.type, `TYPE of ${name}`);
    assert.deepEqual(labelNames(o), want.labels, `labels of ${name}`);
  }
});

Deno.test("zcluster families are all accounted for and validly named", async () => {
  const ours = await zcluster("MANAGER", "manager");
  for (const [name, family] of ours) {
    const kind = MATCHED.includes(name) ? "zeek" : name in SPEC_ONLY ? "spec" : "zcluster";
    if (kind === "zcluster") {
      assert.match(name, /^zcluster_/, `${name} is neither Zeek's nor zcluster_-prefixed`);
      // A labelled counter shows no sample (hence no labels) until it is first incremented.
      if (family.samples.length > 0) {
        assert.ok(labelNames(family).includes("node"), `${name} lacks node`);
      }
    }
    assert.match(name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    assert.ok(family.help && family.help.length > 0, `${name} has no HELP`);
    assert.ok(family.type === "counter" || family.type === "gauge", `${name}: ${family.type}`);
    assert.equal(name.endsWith("_total"), family.type === "counter", `${name} vs _total`);
    for (const label of labelNames(family)) assert.match(label, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  }
});

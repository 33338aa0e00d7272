import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createNodeMetrics, type NodeMetricsOptions, versionLabels } from "./registry.ts";
import { parsePrometheusText, sampleValue } from "./scrape.ts";
import type { ProcessStats } from "./process_stats.ts";

const STATS: ProcessStats = {
  cpuUserSeconds: 0.08,
  cpuSystemSeconds: 0.04,
  residentMemoryBytes: 81321984,
  virtualMemoryBytes: 1274064896,
  openFds: 66,
  startTimeSeconds: 1795602306.774874,
};

function make(options: Partial<NodeMetricsOptions> = {}) {
  return createNodeMetrics({
    node: "manager",
    nodeType: "MANAGER",
    version: "0.1.0",
    processStats: () => STATS,
    ...options,
  });
}

async function scrape(registry: Registry) {
  return parsePrometheusText(await registry.metrics());
}

Deno.test("createNodeMetrics() counters move by exactly what was done", async () => {
  const m = make();
  m.cluster.incomingEvents.inc();
  m.cluster.incomingEvents.inc(101);
  m.zeromq.bytesSent.inc(12486);
  m.cluster.handlerInvocations.inc({ name: "ping" }, 100);
  m.cluster.handlerInvocations.inc({ name: "ping" });
  m.cluster.handlerInvocations.inc({ name: "zeek_init" });
  assert.equal(m.cluster.incomingEvents.get(), 102);
  assert.equal(m.cluster.handlerInvocations.get({ name: "ping" }), 101);
  assert.equal(m.cluster.handlerInvocations.get({ name: "missing" }), 0);
  const f = await scrape(m.registry);
  assert.equal(sampleValue(f, "zeek_cluster_core_incoming_events_total", { node: "manager" }), 102);
  assert.equal(sampleValue(f, "zcluster_zeromq_bytes_sent_total"), 12486);
  assert.equal(sampleValue(f, "zeek_event_handler_invocations_total", { name: "ping" }), 101);
  assert.equal(sampleValue(f, "zeek_event_handler_invocations_total", { name: "zeek_init" }), 1);
  assert.equal(sampleValue(f, "zeek_cluster_core_outgoing_events_total"), 0);
});

Deno.test("createNodeMetrics() counters refuse to go down or by non-finite amounts", () => {
  const m = make();
  assert.throws(() => m.cluster.outgoingEvents.inc(-1), {
    name: "RangeError",
    message:
      "Cannot increment counter zeek_cluster_core_outgoing_events_total by -1: counters only go up",
  });
  assert.throws(() => m.zeromq.bytesSent.inc(Number.NaN), RangeError);
  assert.equal(m.cluster.outgoingEvents.get(), 0);
});

Deno.test("createNodeMetrics() labelled metrics reject missing and unknown labels", () => {
  const m = make();
  assert.throws(
    () => m.logs.streamWrites.inc({ module: "Cluster" } as never),
    {
      name: "TypeError",
      message: 'Cannot use metric zeek_log_stream_writes_total: label "stream" is missing',
    },
  );
  assert.throws(
    () => m.logs.streamWrites.inc({ module: "Cluster", stream: "x", node: "evil" } as never),
    /unknown label "node"/,
  );
});

Deno.test("createNodeMetrics() prints labels in Zeek's alphabetical order", async () => {
  const m = make();
  m.logs.streamWrites.inc({ stream: "Cluster::LOG", module: "Cluster" });
  const labels = {
    writer: "Log::WRITER_ASCII",
    stream: "Cluster::LOG",
    path: "cluster",
    module: "Cluster",
    filter_name: "default",
  };
  m.logs.writerWrites.inc(labels);
  m.logs.writerDiscardedWrites.inc(labels, 0);
  const text = await m.registry.metrics();
  // Lines copied from the Zeek 8.2.2 manager scrape.
  for (
    const line of [
      'zeek_log_stream_writes_total{module="Cluster",node="manager",stream="Cluster::LOG"} 1',
      'zeek_log_writer_writes_total{filter_name="default",module="Cluster",node="manager",path="cluster",stream="Cluster::LOG",writer="Log::WRITER_ASCII"} 1',
      'zeek_log_writer_discarded_writes_total{filter_name="default",module="Cluster",node="manager",path="cluster",stream="Cluster::LOG",writer="Log::WRITER_ASCII"} 0',
      'zeek_cluster_onloop_queue_blocks_total{node="manager",tag="ZeroMQ"} 0',
      'zeek_cluster_zeromq_xpub_drops_total{node="manager"} 0',
      'process_open_fds{node="manager"} 66',
      'process_start_time_seconds{node="manager"} 1795602306.774874',
    ]
  ) {
    assert.ok(text.split("\n").includes(line), `missing line: ${line}`);
  }
});

Deno.test("createNodeMetrics() exposes version info gauges set to 1", async () => {
  const f = await scrape(make({ version: "1.2.3-dev.42" }).registry);
  const [sample] = f.get("zeek_version_info")?.samples ?? [];
  assert.deepEqual(sample?.labels, {
    beta: "true",
    commit: "42",
    debug: "false",
    major: "1",
    minor: "2",
    node: "manager",
    patch: "3",
    version_number: "10203",
    version_string: "1.2.3-dev.42",
  });
  assert.equal(sample?.value, 1);
  assert.equal(
    sampleValue(f, "zcluster_version_info", { node_type: "manager", version: "1.2.3-dev.42" }),
    1,
  );
});

Deno.test("versionLabels() follows Zeek's version number and rejects non-semver", () => {
  assert.equal(versionLabels("8.2.2").version_number, "80202");
  assert.equal(versionLabels("8.2.2").beta, "false");
  assert.equal(versionLabels("8.2.2").commit, "0");
  assert.throws(() => versionLabels("8.2"), {
    name: "RangeError",
    message: 'Cannot parse version "8.2": expected MAJOR.MINOR.PATCH',
  });
});

Deno.test("createNodeMetrics() records events with normalised topics at VERBOSE", async () => {
  const m = make();
  m.recordIncomingEvent("Cluster::hello", "zeek.cluster.nodeid.NRMWuA4h.");
  m.recordIncomingEvent("Cluster::hello", "zeek.cluster.nodeid.Zx91.");
  m.recordOutgoingEvent("ping", "zeek.test.ping");
  assert.equal(m.cluster.incomingEvents.get(), 2);
  assert.equal(m.cluster.outgoingEvents.get(), 1);
  assert.equal(
    m.cluster.verboseIncomingEvents?.get({
      handler: "Cluster::hello",
      topic: "zeek.cluster.nodeid.__normalized__",
    }),
    2,
  );
  const f = await scrape(m.registry);
  assert.equal(
    sampleValue(f, "zeek_cluster_core_verbose_outgoing_events_total", {
      handler: "ping",
      node: "manager",
      topic: "zeek.test.ping",
    }),
    1,
  );
});

Deno.test("createNodeMetrics() at INFO registers no per-handler families", async () => {
  const m = make({ eventTelemetry: "info" });
  m.recordIncomingEvent("ping", "zeek.test.ping");
  assert.equal(m.cluster.verboseIncomingEvents, undefined);
  const f = await scrape(m.registry);
  assert.equal(f.has("zeek_cluster_core_verbose_incoming_events_total"), false);
  assert.equal(sampleValue(f, "zeek_cluster_core_incoming_events_total"), 1);
});

Deno.test("createNodeMetrics() has proxy counters only on the node running the proxy", async () => {
  const worker = make({ node: "worker-1", nodeType: "WORKER" });
  assert.equal(worker.proxy, undefined);
  const f = await scrape(worker.registry);
  assert.equal(f.has("zeek_cluster_zeromq_proxy_frontend_messages_received_total"), false);
  const manager = make();
  manager.proxy?.frontendMessagesReceived.inc(104);
  const g = await scrape(manager.registry);
  assert.equal(sampleValue(g, "zeek_cluster_zeromq_proxy_frontend_messages_received_total"), 104);
  assert.notEqual(make({ nodeType: "WORKER", runsProxy: true }).proxy, undefined);
});

Deno.test("createNodeMetrics() reads sources at scrape time and keeps counters monotonic", async () => {
  const m = make();
  const stats = { messagesSent: 5, bytesSent: 500, clients: 3 };
  const source = m.addSource(() => ({
    zeromqMessagesSent: stats.messagesSent,
    zeromqBytesSent: stats.bytesSent,
    websocketClients: stats.clients,
  }));
  m.zeromq.messagesSent.inc(1);
  m.websocket.clients.inc();
  stats.messagesSent = 7;
  assert.equal(m.zeromq.messagesSent.get(), 8);
  const f = await scrape(m.registry);
  assert.equal(sampleValue(f, "zcluster_zeromq_messages_sent_total"), 8);
  assert.equal(sampleValue(f, "zcluster_zeromq_bytes_sent_total"), 500);
  assert.equal(sampleValue(f, "zcluster_websocket_clients"), 4);
  source[Symbol.dispose]();
  source[Symbol.dispose]();
  stats.messagesSent = 100;
  assert.equal(m.zeromq.messagesSent.get(), 8, "a removed counter source keeps its last value");
  assert.equal(m.zeromq.bytesSent.get(), 500);
  assert.equal(m.websocket.clients.get(), 1, "a removed gauge source drops its contribution");
});

Deno.test("LabelledCounterMetric.addSource() adds labelled readings", () => {
  const m = make();
  m.stores.operations.inc({ name: "s", op: "put" }, 2);
  using _s = m.stores.operations.addSource(() => [
    { labels: { name: "s", op: "put" }, value: 3 },
    { labels: { name: "s", op: "get" }, value: 4 },
  ]);
  assert.equal(m.stores.operations.get({ name: "s", op: "put" }), 5);
  assert.equal(m.stores.operations.get({ name: "s", op: "get" }), 4);
});

Deno.test("createNodeMetrics() reports a throwing source to onSourceError or fails the scrape", async () => {
  const seen: string[] = [];
  const m = make({ onSourceError: (_e, name) => seen.push(name) });
  using _s = m.addSource(() => {
    throw new Error("boom");
  });
  m.zeromq.msgErrors.inc(2);
  const f = await scrape(m.registry);
  assert.equal(sampleValue(f, "zeek_cluster_zeromq_msg_errors_total"), 2);
  assert.ok(seen.includes("zeek_cluster_zeromq_msg_errors_total"));
  const strict = make();
  using _t = strict.addSource(() => {
    throw new Error("boom");
  });
  await assert.rejects(strict.registry.metrics(), /boom/);
});

Deno.test("createNodeMetrics() broker_store families carry no node label", async () => {
  const m = make();
  m.stores.entries.set({ name: "known_hosts" }, 46);
  m.stores.processedUpdates.inc({ name: "known_hosts" }, 46);
  m.stores.cloneLagSeconds.set({ name: "known_hosts" }, 0.25);
  const f = await scrape(m.registry);
  assert.deepEqual(f.get("broker_store_entries")?.samples, [
    { name: "broker_store_entries", labels: { name: "known_hosts" }, value: 46 },
  ]);
  assert.equal(sampleValue(f, "broker_store_processed_updates_total"), 46);
  assert.equal(
    sampleValue(f, "zcluster_store_clone_lag_seconds", { name: "known_hosts", node: "manager" }),
    0.25,
  );
  m.stores.entries.remove({ name: "known_hosts" });
  assert.equal((await scrape(m.registry)).get("broker_store_entries")?.samples.length, 0);
});

Deno.test("createNodeMetrics() keeps nodes in separate registries", async () => {
  const a = make({ node: "a" });
  const b = make({ node: "b" });
  a.cluster.incomingEvents.inc(3);
  assert.equal(sampleValue(await scrape(b.registry), "zeek_cluster_core_incoming_events_total"), 0);
  const shared = new Registry();
  make({ registry: shared });
  assert.throws(() => make({ registry: shared }), /already been registered/);
});

Deno.test("createNodeMetrics() rejects an empty node name", () => {
  assert.throws(() => make({ node: "" }), TypeError);
});

Deno.test("createNodeMetrics() reads the real /proc by default", async () => {
  const m = createNodeMetrics({ node: "n", nodeType: "WORKER", version: "0.1.0" });
  const f = await scrape(m.registry);
  const rss = sampleValue(f, "process_resident_memory_bytes") ?? 0;
  const start = sampleValue(f, "process_start_time_seconds") ?? 0;
  assert.ok(rss > 0, `rss ${rss}`);
  assert.ok(start > 1e9 && start <= Date.now() / 1000 + 1, `start ${start}`);
  if (Deno.build.os === "linux") assert.ok((sampleValue(f, "process_open_fds") ?? 0) > 0);
});

import assert from "node:assert/strict";
import { Hono } from "hono";
import { ManualClock } from "../clock.ts";
import { createMetricsApp } from "../metrics/metrics_app.ts";
import { serveMetrics } from "../metrics/metrics_server.ts";
import { createNodeMetrics } from "../metrics/registry.ts";
import { parsePrometheusText } from "../metrics/scrape.ts";
import { StatusCollector } from "./collector.ts";
import { mountStatus } from "./routes.ts";
import {
  familiesFromRegistry,
  parseClusterLogTail,
  parseStatusMetrics,
  ratesBetween,
  sampleFromMetrics,
  type StatusDoc,
} from "./sample.ts";

Deno.test("sampleFromMetrics() reads counters, drops of every kind, clone lag and clients", () => {
  const f = parsePrometheusText([
    'zeek_cluster_core_incoming_events_total{node="w"} 10',
    'zeek_cluster_core_outgoing_events_total{node="w"} 4',
    'zeek_log_stream_writes_total{module="Conn",node="w",stream="Conn::LOG"} 7',
    'zeek_log_stream_writes_total{module="DNS",node="w",stream="DNS::LOG"} 3',
    'zeek_cluster_zeromq_xpub_drops_total{node="w"} 1',
    'zeek_cluster_zeromq_onloop_drops_total{node="w"} 2',
    'zcluster_log_queue_drops_total{node="w"} 3',
    'zeek_log_writer_discarded_writes_total{node="w"} 4',
    'zcluster_websocket_overflows_total{node="w"} 5',
    'zcluster_store_clone_lag_seconds{name="a",node="w"} 0.5',
    'zcluster_store_clone_lag_seconds{name="b",node="w"} 1.5',
    'zcluster_websocket_clients{node="w"} 2',
    'process_start_time_seconds{node="w"} 1000',
    "",
  ].join("\n"));
  assert.deepEqual(sampleFromMetrics(f, 1010), {
    at: 1010,
    eventsIn: 10,
    eventsOut: 4,
    logRecords: 10,
    drops: { xpub: 1, onloop: 2, logQueue: 3, logDiscarded: 4, websocketOverflows: 5 },
    storeCloneLagS: 1.5,
    websocketClients: 2,
    startTime: 1000,
  });
  const empty = sampleFromMetrics(new Map(), 5);
  assert.equal(empty.storeCloneLagS, null);
  assert.equal(empty.websocketClients, null);
  assert.equal(empty.startTime, null);
});

Deno.test("parseStatusMetrics() keeps the families a sample reads and skips the rest unparsed", () => {
  const text = [
    "# HELP zeek_cluster_core_incoming_events_total Number of events received",
    "# TYPE zeek_cluster_core_incoming_events_total counter",
    'zeek_cluster_core_incoming_events_total{node="w"} 10',
    'zeek_event_handler_invocations_total{name="x",node="w"} this would not parse',
    "zcluster_websocket_clients 3",
    "",
  ].join("\n");
  const f = parseStatusMetrics(text);
  assert.deepEqual([...f.keys()].sort(), [
    "zcluster_websocket_clients",
    "zeek_cluster_core_incoming_events_total",
  ]);
  assert.equal(sampleFromMetrics(f, 0).eventsIn, 10);
  assert.equal(sampleFromMetrics(f, 0).websocketClients, 3);
});

Deno.test("familiesFromRegistry() reads the same values as a scrape of /metrics", async () => {
  const m = createNodeMetrics({ node: "w", nodeType: "WORKER", version: "1.0.0" });
  m.cluster.incomingEvents.inc(7);
  m.logs.streamWrites.inc({ module: "Conn", stream: "Conn::LOG" }, 2);
  m.logs.streamWrites.inc({ module: "DNS", stream: "DNS::LOG" }, 3);
  m.websocket.clients.set(4);
  const direct = sampleFromMetrics(await familiesFromRegistry(m.registry), 1);
  const scraped = sampleFromMetrics(parseStatusMetrics(await m.registry.metrics()), 1);
  assert.equal(direct.eventsIn, 7);
  assert.equal(direct.logRecords, 5);
  assert.equal(direct.websocketClients, 4);
  assert.deepEqual({ ...direct, startTime: null }, { ...scraped, startTime: null });
});

Deno.test("ratesBetween() gives per-second rates, and none across a restart", () => {
  const base = sampleFromMetrics(new Map(), 100);
  const a = { ...base, startTime: 1, eventsIn: 10, eventsOut: 0, logRecords: 5 };
  const b = { ...a, at: 102, eventsIn: 30, logRecords: 5 };
  assert.deepEqual(ratesBetween(a, b), { eventsInPerS: 10, eventsOutPerS: 0, logRecordsPerS: 0 });
  assert.equal(ratesBetween(undefined, b).eventsInPerS, null);
  assert.equal(ratesBetween(a, { ...b, startTime: 2 }).eventsInPerS, null);
  assert.equal(ratesBetween(b, { ...b, at: 103, eventsIn: 1 }).eventsInPerS, null);
});

Deno.test("parseClusterLogTail() keeps the last whole lines of ASCII and JSON logs", () => {
  const ascii = "#separator \\x09\n#fields\tts\tnode\tmessage\n1.5\tmanager\tgot hello\tx\n";
  assert.deepEqual(parseClusterLogTail(ascii, 5), [
    { ts: 1.5, node: "manager", message: "got hello\tx" },
  ]);
  // A tail read from the middle of the file starts mid-line: that line is skipped.
  assert.deepEqual(parseClusterLogTail("ger\tpartial\n2\tw\tb\n3\tw\tc\n", 1), [
    { ts: 3, node: "w", message: "c" },
  ]);
  const json = '\n{"ts":4.25,"node":"w","message":"m"}\n{"ts":"1970-01-01T00:00:05Z","node":"x"}\n';
  assert.deepEqual(parseClusterLogTail(json, 5), [
    { ts: 4.25, node: "w", message: "m" },
    { ts: 5, node: "x", message: "" },
  ]);
});

Deno.test("StatusCollector serves status.json from one shared collection: scrapes, membership, history", async () => {
  const worker = createNodeMetrics({ node: "worker-1", nodeType: "WORKER", version: "1.0.0" });
  await using server = serveMetrics({
    app: createMetricsApp({ registry: worker.registry }),
    hostname: "127.0.0.1",
    port: 0,
  });
  const manager = createNodeMetrics({ node: "manager", nodeType: "MANAGER", version: "1.0.0" });
  const clock = new ManualClock(1_800_000_000);
  let up = ["worker-1"];
  let changed = () => {};
  const timers: (() => void)[] = [];
  let scrapes = 0;
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/cluster.log`,
    "#separator \\x09\n#fields\tts\tnode\tmessage\n1.0\tworker-1\tgot hello from manager\n",
  );
  try {
    await using collector = new StatusCollector({
      layout: {
        manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1, metricsPort: 1 },
        "worker-1": {
          nodeType: "WORKER",
          ip: "127.0.0.1",
          p: 2,
          manager: "manager",
          metricsPort: server.addr.port,
        },
        "worker-2": { nodeType: "WORKER", ip: "127.0.0.1", p: 3, manager: "manager" },
      },
      self: "manager",
      selfId: "manager-id",
      membership: {
        upNodes: () => up,
        idOf: (name) => (up.includes(name) ? `${name}-id` : undefined),
        onChange: (listener) => {
          changed = listener;
          return () => {};
        },
      },
      ownMetrics: () => familiesFromRegistry(manager.registry),
      clock,
      fetch: (url, init) => {
        scrapes++;
        return fetch(url, init);
      },
      schedule: (fn) => {
        timers.push(fn);
        return () => {};
      },
      clusterLogFile: `${dir}/cluster.log`,
      historyPoints: 3,
    });
    const app = mountStatus(new Hono(), collector);
    const get = async () => (await (await app.request("/status.json")).json()) as StatusDoc;

    let doc = await get();
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.nodes.map((n) => [n.name, n.state, n.id]), [
      ["manager", "up", "manager-id"],
      ["worker-1", "up", "worker-1-id"],
      ["worker-2", "down", null],
    ]);
    assert.equal(doc.nodes[1]!.metricsUrl, `http://127.0.0.1:${server.addr.port}/metrics`);
    assert.equal(doc.nodes[2]!.metricsUrl, null);
    assert.deepEqual(doc.clusterLog.lines, [
      { ts: 1, node: "worker-1", message: "got hello from manager" },
    ]);
    assert.equal(scrapes, 1); // worker-2 is down and has no port: not scraped.

    // Many viewers, one collection per interval.
    await Promise.all([get(), get(), get()]);
    assert.equal(scrapes, 1);
    assert.equal(timers.length, 1);

    worker.cluster.incomingEvents.inc(20);
    worker.logs.streamWrites.inc({ module: "Conn", stream: "Conn::LOG" }, 4);
    clock.advance(2000);
    for (const fire of timers.splice(0)) fire();
    await waitUntil(() => collector.stats.collections === 2);
    doc = await get();
    const w1 = doc.nodes[1]!;
    assert.equal(w1.eventsInPerS, 10);
    assert.equal(w1.logRecordsPerS, 2);
    assert.deepEqual(doc.history.t.length, 2);
    assert.deepEqual(doc.history.nodes["worker-1"]!.eventsPerS, [null, 10]);

    // A node going down shows at once, before the next collection.
    up = [];
    clock.advance(500);
    changed();
    doc = await get();
    assert.equal(doc.nodes[1]!.state, "down");
    assert.equal(doc.nodes[1]!.since, clock.now());

    // History is bounded.
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      for (const fire of timers.splice(0)) fire();
      await waitUntil(() => collector.stats.collections === 3 + i);
    }
    doc = await get();
    assert.equal(doc.history.t.length, 3);
    assert.equal(doc.history.nodes.manager!.eventsPerS.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function waitUntil(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(predicate(), "condition not reached");
}

/**
 * Multi-process metrics: every node with a `metricsPort` serves Prometheus `/metrics` (the manager
 * also `/services.json`), and the counters move by exactly what the test did to the cluster.
 */
import assert from "node:assert/strict";
import { parsePrometheusText, sampleValue, type ScrapedFamily } from "../../lib/metrics/scrape.ts";
import { LOG_ACK_EVENT } from "../../lib/logging/delivery/log_delivery.ts";
import { nodeTopic } from "../../lib/topics/topics.ts";
import { startCluster, type StartClusterOptions, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

type Families = Map<string, ScrapedFamily>;

const INCOMING = "zeek_cluster_core_incoming_events_total";
const OUTGOING = "zeek_cluster_core_outgoing_events_total";
const INVOCATIONS = "zeek_event_handler_invocations_total";
const ONLOOP_DROPS = "zeek_cluster_zeromq_onloop_drops_total";
const XPUB_DROPS = "zeek_cluster_zeromq_xpub_drops_total";
const SENT = "zcluster_zeromq_messages_sent_total";

/**
 * Starts a cluster whose nodes all get a free metrics port except `noMetrics`, or the port given in
 * `metricsPorts` (the layout file is rewritten before any process reads it). Nodes in `deferred`
 * stay stopped.
 */
async function startMetricsCluster(
  options: StartClusterOptions & {
    readonly noMetrics?: readonly string[];
    readonly metricsPorts?: Readonly<Record<string, number>>;
  },
): Promise<TestCluster> {
  const names = Object.keys(options.nodes ?? {});
  const cluster = await startCluster({ ...options, metrics: true, deferred: names });
  for (const name of options.noMetrics ?? []) delete cluster.layout[name]!.metricsPort;
  for (const [name, port] of Object.entries(options.metricsPorts ?? {})) {
    cluster.layout[name]!.metricsPort = port;
  }
  await Deno.writeTextFile(cluster.layoutPath, JSON.stringify(cluster.layout, null, 2));
  const manager = names.filter((n) => options.nodes![n] === "MANAGER");
  for (const name of [...manager, ...names.filter((n) => !manager.includes(n))]) {
    if (!options.deferred?.includes(name)) cluster.start(name);
  }
  return cluster;
}

function portOf(cluster: TestCluster, name: string): number {
  return cluster.layout[name]!.metricsPort as number;
}

function servicesUrl(cluster: TestCluster, name: string): string {
  return `http://127.0.0.1:${portOf(cluster, name)}/services.json`;
}

/** A counter of a node's /metrics (0 when absent), always with the node's own `node` label. */
function counter(
  cluster: TestCluster,
  node: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return cluster.metric(node, name, labels);
}

/**
 * A node's incoming events less logger acknowledgements of its log batches (reliable delivery:
 * events that come at any time), both from one scrape: a node counts an event as received and as
 * handled in the same turn, so one scrape's two counts are of the same moment and the difference
 * is exact, where two scrapes would let an acknowledgement slip in between.
 */
async function incomingLessAcks(cluster: TestCluster, node: string): Promise<number> {
  const res = await fetch(cluster.metricsUrl(node));
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${node} /metrics answered ${res.status}: ${text}`);
  const families = parsePrometheusText(text);
  return (sampleValue(families, INCOMING, { node }) ?? 0) -
    (sampleValue(families, INVOCATIONS, { name: LOG_ACK_EVENT, node }) ?? 0);
}

/** The same, read in-process from a node's registry (the tester has no metrics port). */
async function ownCounter(
  node: { metrics: { registry: { metrics(): Promise<string> }; node: string } },
  name: string,
): Promise<number> {
  const families = parsePrometheusText(await node.metrics.registry.metrics());
  return sampleValue(families, name, { node: node.metrics.node }) ?? 0;
}

/** TCP ports a process listens on, from its socket fds and `/proc/net/tcp{,6}` (Linux). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(await Deno.readLink(`/proc/${pid}/fd/${entry.name}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  const ports: number[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await Deno.readTextFile(file).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A" || !inodes.has(cols[9]!)) continue;
      ports.push(parseInt(cols[1]!.split(":").pop()!, 16));
    }
  }
  return ports;
}

const FIVE = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"];

Deno.test("every node serves /metrics; N events from the tester move the counters by exactly N", async () => {
  await using cluster = await startMetricsCluster({
    nodes: {
      manager: "MANAGER",
      "logger-1": "LOGGER",
      "proxy-1": "PROXY",
      "worker-1": "WORKER",
      "worker-2": "WORKER",
      tester: "CONTROL",
    },
    deferred: ["tester"],
    noMetrics: ["tester"],
  });
  await cluster.waitForFullMesh(FIVE, 30_000);
  for (const name of FIVE) {
    const line = await cluster.waitForLine(name, new RegExp(`node ${name} up `));
    assert.match(
      line,
      new RegExp(`metrics http://127\\.0\\.0\\.1:${portOf(cluster, name)}/metrics`),
    );
    const res = await fetch(cluster.metricsUrl(name));
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(text);
    assert.equal(sampleValue(families, "zeek_version_info", { node: name }), 1, name);
    for (const family of families.values()) {
      for (const s of family.samples) {
        if (!s.name.startsWith("exposer_") && !s.name.startsWith("broker_")) {
          assert.equal(s.labels.node, name, `${name}: ${s.name} has node="${s.labels.node}"`);
        }
      }
    }
  }

  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().length === 5, 20_000, "tester sees all nodes");
  // node_up on worker-1 follows the tester's last hello: nothing more from the tester is due.
  await cluster.waitForLine("worker-1", /node_up tester/);
  // Reliable log delivery: logger-1's acknowledgements of worker-1's log batches are events to
  // worker-1 too, and may come at any time; they are counted apart.
  const incomingBefore = await incomingLessAcks(cluster, "worker-1");
  const outgoingBefore = await ownCounter(tester, OUTGOING);
  assert.equal(await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::counted" }), 0);

  const n = 37;
  for (let i = 0; i < n; i++) {
    assert.ok(tester.cluster.publish(nodeTopic("worker-1"), "Test::counted", `e${i}`));
  }
  let handled = 0;
  await waitFor(
    async () =>
      (handled = await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::counted" })) >= n,
    30_000,
    () => `worker-1 handling ${n} Test::counted (at ${handled})`,
  );
  // A last event to worker-1 on the same path: once it is in, nothing of the burst is left.
  assert.ok(tester.cluster.publish(nodeTopic("worker-1"), "Test::barrier"));
  await waitFor(
    async () => (await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::barrier" })) === 1,
    30_000,
    "worker-1 handling Test::barrier",
  );
  assert.equal(await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::counted" }), n);
  assert.equal(await incomingLessAcks(cluster, "worker-1") - incomingBefore, n + 1);
  assert.equal(await ownCounter(tester, OUTGOING) - outgoingBefore, n + 1);
  assert.equal(await counter(cluster, "worker-2", INVOCATIONS, { name: "Test::counted" }), 0);
  assert.equal(await counter(cluster, "worker-1", ONLOOP_DROPS), 0);
  assert.equal(await ownCounter(tester, XPUB_DROPS), 0);
});

Deno.test("drops: a worker's full onloop queue and a publisher's full XPUB queue count exactly sent - received", async () => {
  await using cluster = await startMetricsCluster({
    nodes: {
      manager: "MANAGER",
      "worker-1": "WORKER",
      "worker-2": "WORKER",
      tester: "CONTROL",
    },
    // No ZMTP heartbeats: worker-1 is SIGSTOPped below and must stay connected meanwhile.
    args: ["--no-heartbeat"],
    // A poll round reads up to 1000 messages but only 100 events fit in the onloop queue.
    nodeArgs: {
      "worker-1": ["--set", "zeromq.onloopQueueHwm=100", "--set", "zeromq.pollMaxMessages=1000"],
    },
    deferred: ["tester"],
    noMetrics: ["tester"],
  });
  const real = ["manager", "worker-1", "worker-2"];
  await cluster.waitForFullMesh(real, 30_000);
  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().length === 3, 20_000, "tester sees all nodes");
  for (const name of real) await cluster.waitForLine(name, /node_up tester/);

  // 1. Onloop drops on worker-1: events pile up while it is stopped, then arrive in one round.
  const w1 = async () => ({
    handled: await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::onloop" }),
    drops: await counter(cluster, "worker-1", ONLOOP_DROPS),
    // Less the manager's (the logger here) acknowledgements of worker-1's log batches.
    incoming: await incomingLessAcks(cluster, "worker-1"),
  });
  const before = await w1();
  assert.equal(before.drops, 0);
  let sent = 0;
  let dropped = 0;
  let handled = 0;
  for (let round = 1; round <= 5 && dropped === 0; round++) {
    const burst = 800;
    const sentBefore = tester.transport.stats.messagesOut;
    cluster.kill("worker-1", "SIGSTOP");
    try {
      for (let i = 0; i < burst; i++) {
        assert.ok(tester.cluster.publish(nodeTopic("worker-1"), "Test::onloop", i));
      }
      // Every event has left the tester's queue for libzmq (no XPUB drop: checked below).
      await waitFor(
        () => tester.transport.stats.messagesOut - sentBefore === burst,
        30_000,
        `the tester flushing ${burst} events`,
      );
    } finally {
      cluster.kill("worker-1", "SIGCONT");
    }
    sent += burst;
    await waitFor(
      async () => {
        const now = await w1();
        handled = now.handled - before.handled;
        dropped = now.drops - before.drops;
        return handled + dropped >= sent;
      },
      60_000,
      `worker-1 handling or dropping ${sent} events (handled ${handled}, dropped ${dropped})`,
    );
  }
  assert.ok(tester.cluster.publish(nodeTopic("worker-1"), "Test::barrier"));
  await waitFor(
    async () => (await counter(cluster, "worker-1", INVOCATIONS, { name: "Test::barrier" })) === 1,
    30_000,
    "worker-1 handling Test::barrier",
  );
  const after = await w1();
  assert.equal(await ownCounter(tester, XPUB_DROPS), 0, "the tester dropped nothing");
  assert.ok(after.drops - before.drops > 0, "worker-1 dropped some events");
  assert.equal(after.drops - before.drops, sent - (after.handled - before.handled));
  assert.equal(after.incoming - before.incoming, after.handled - before.handled + 1);
  console.log(`worker-1: ${sent} sent, ${after.drops - before.drops} dropped at the onloop queue`);

  // 2. XPUB drops on the publisher: a synchronous burst beyond its HWM (1000). Sends go to
  // libzmq at once, whose I/O thread drains the pipe into the kernel's socket buffers while the
  // burst runs, so the burst goes on (at least 2,500, at most 200,000) until one is refused.
  const xpubBefore = await ownCounter(tester, XPUB_DROPS);
  const outgoingBefore = await ownCounter(tester, OUTGOING);
  const sentMsgsBefore = await ownCounter(tester, SENT);
  // worker-2's log batches are acknowledged too (the manager is the logger): counted apart.
  const w2Before = await incomingLessAcks(cluster, "worker-2");
  let burst = 0;
  let accepted = 0;
  while (burst < 200_000 && (burst < 2500 || accepted === burst)) {
    if (tester.cluster.publish(nodeTopic("worker-2"), "Test::xpub", burst)) accepted++;
    burst++;
  }
  assert.ok(accepted < burst, "some publishes were refused");
  await waitFor(
    async () =>
      (await ownCounter(tester, SENT)) - sentMsgsBefore +
          (await ownCounter(tester, XPUB_DROPS)) - xpubBefore === burst,
    30_000,
    `the tester sending or dropping ${burst} events`,
  );
  const xpubDrops = (await ownCounter(tester, XPUB_DROPS)) - xpubBefore;
  let w2Handled = 0;
  await waitFor(
    async () =>
      (w2Handled = await counter(cluster, "worker-2", INVOCATIONS, { name: "Test::xpub" })) >=
        burst - xpubDrops,
    60_000,
    `worker-2 handling ${burst - xpubDrops} events (at ${w2Handled})`,
  );
  assert.ok(tester.cluster.publish(nodeTopic("worker-2"), "Test::barrier"));
  await waitFor(
    async () => (await counter(cluster, "worker-2", INVOCATIONS, { name: "Test::barrier" })) === 1,
    30_000,
    "worker-2 handling Test::barrier",
  );
  w2Handled = await counter(cluster, "worker-2", INVOCATIONS, { name: "Test::xpub" });
  assert.ok(xpubDrops >= burst - accepted, `xpub drops ${xpubDrops} cover the refused publishes`);
  assert.equal(xpubDrops, burst - w2Handled);
  assert.equal((await ownCounter(tester, OUTGOING)) - outgoingBefore, accepted + 1);
  assert.equal(await incomingLessAcks(cluster, "worker-2") - w2Before, w2Handled + 1);
  assert.equal(await counter(cluster, "worker-2", ONLOOP_DROPS), 0);
  console.log(`tester: ${burst} published, ${xpubDrops} dropped at its XPUB`);
});

Deno.test("the manager lists metrics targets in layout order; a worker answers 404; no metricsPort binds nothing", async () => {
  await using cluster = await startMetricsCluster({
    nodes: {
      manager: "MANAGER",
      "logger-1": "LOGGER",
      "worker-1": "WORKER",
      "worker-2": "WORKER",
      "worker-3": "WORKER",
    },
    noMetrics: ["worker-2"],
  });
  await cluster.waitForFullMesh(
    ["manager", "logger-1", "worker-1", "worker-2", "worker-3"],
    30_000,
  );
  const res = await fetch(servicesUrl(cluster, "manager"));
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(body, [{
    targets: ["manager", "logger-1", "worker-1", "worker-3"].map((n) =>
      `127.0.0.1:${portOf(cluster, n)}`
    ),
    labels: {},
  }]);

  const notFound = await fetch(servicesUrl(cluster, "worker-1"));
  assert.equal(notFound.status, 404);
  assert.match(await notFound.text(), /Not Found/);

  const up = await cluster.waitForLine("worker-2", /node worker-2 up /);
  assert.match(up, /metrics="?off \(no metricsPort in the layout\)/);
  assert.match(up, /listeners=none/);
  assert.deepEqual(await listeningPorts(cluster.nodes.get("worker-2")!.proc.pid), []);
  assert.deepEqual(await listeningPorts(cluster.nodes.get("worker-1")!.proc.pid), [
    portOf(cluster, "worker-1"),
  ]);
  assert.doesNotMatch(await cluster.waitForLine("worker-1", /node worker-1 up /), /metrics=off/);
});

Deno.test("--metrics-advertise changes the addresses the manager's /services.json lists", async () => {
  await using cluster = await startMetricsCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER" },
    nodeArgs: { manager: ["--metrics-advertise", "10.9.9.9"] },
    deferred: ["worker-1", "worker-2"],
  });
  await cluster.waitForLine("manager", /node manager up /);
  const res = await fetch(servicesUrl(cluster, "manager"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), [{
    targets: ["manager", "worker-1", "worker-2"].map((n) => `10.9.9.9:${portOf(cluster, n)}`),
    labels: {},
  }]);
  // The manager itself still binds its layout address.
  assert.equal(await counter(cluster, "manager", "zeek_version_info"), 1);
});

Deno.test("a metrics port already in use stops the node at startup with exit code 1, naming port and node", async () => {
  using held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = held.addr.port;
  await using cluster = await startMetricsCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER" },
    metricsPorts: { "worker-1": port },
  });
  const worker = cluster.nodes.get("worker-1")!;
  const status = await worker.status;
  const output = worker.lines.join("\n");
  assert.equal(status.code, 1, output);
  assert.match(
    output,
    new RegExp(
      `^zcluster: .*Node worker-1: Cannot serve metrics on 127\\.0\\.0\\.1:${port}: address in use$`,
      "m",
    ),
  );
  assert.doesNotMatch(output, /node worker-1 up /);
  await cluster.waitForLine("manager", /node manager up /);
  assert.equal(await counter(cluster, "manager", "zeek_version_info"), 1);
});

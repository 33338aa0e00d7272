/**
 * Multi-process membership and pub/sub: real node processes on loopback, killed and restarted.
 */
import assert from "node:assert/strict";
import { nodeTopic } from "../../lib/topics/topics.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startRelay } from "../_relay.ts";
import { startTester } from "../_tester.ts";

const NODES = {
  manager: "MANAGER",
  "logger-1": "LOGGER",
  "proxy-1": "PROXY",
  "worker-1": "WORKER",
  "worker-2": "WORKER",
  tester: "CONTROL",
};
const REAL = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"];

Deno.test("five node processes see each other; events reach exactly their topic's subscribers", async () => {
  await using cluster = await startCluster({ nodes: NODES, deferred: ["tester"] });
  await cluster.waitForFullMesh(REAL);
  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().length === 5, 15_000, "tester sees all nodes");
  assert.equal(tester.cluster.getActiveNodeCount("WORKER"), 2);
  for (const name of REAL) await cluster.waitForLine(name, /node_up tester/);

  assert.ok(tester.cluster.publish("zeek.cluster.worker", "Test::to_workers", "hello"));
  assert.ok(tester.cluster.publish(nodeTopic("worker-2"), "Test::to_w2", "only you"));
  const tid = tester.cluster.nodeId;
  await cluster.waitForLine("worker-1", new RegExp(`event Test::to_workers from ${tid}`));
  await cluster.waitForLine("worker-2", new RegExp(`event Test::to_workers from ${tid}`));
  await cluster.waitForLine("worker-2", /event Test::to_w2 .*only you/);
  // A last event to the manager: once it arrived, earlier events had their chance everywhere.
  tester.cluster.publish(nodeTopic("manager"), "Test::barrier");
  await cluster.waitForLine("manager", /event Test::barrier/);
  for (const name of ["manager", "logger-1", "proxy-1"]) {
    assert.equal(cluster.count(name, /event Test::to_/), 0, `${name} got a worker event`);
  }
  assert.equal(cluster.count("worker-1", /event Test::to_w2/), 0);
});

Deno.test("broker-json-v1 works end to end; a node with another format is ignored and counted", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER", tester: "CONTROL" },
    args: ["--format", "json"],
    nodeArgs: { "worker-2": ["--format", "bin"] },
    deferred: ["tester"],
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await using tester = await startTester(cluster, "broker-json-v1");
  await waitFor(
    () => tester.cluster.upNodes().includes("worker-1"),
    15_000,
    "tester sees worker-1",
  );
  tester.cluster.publish("zeek.cluster.worker", "Test::json", "j");
  await cluster.waitForLine("worker-1", /event Test::json .*args=.*j/);
  await cluster.waitForLine("manager", /wrong format "broker-bin-v1", expected "broker-json-v1"/);
  assert.ok(!tester.cluster.upNodes().includes("worker-2"));
  assert.equal(cluster.count("manager", /node_up worker-2/), 0);
  assert.ok(tester.cluster.stats.formatMismatches > 0);
});

Deno.test("kill -9 of a worker raises node_down everywhere; its restart comes up with a new id", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER" },
  });
  await cluster.waitForFullMesh(["manager", "worker-1", "worker-2"]);
  const oldId = /id=(\S+)/.exec(await cluster.waitForLine("manager", /node_up worker-2/))![1];
  const killedAt = Date.now();
  await cluster.stop("worker-2");
  await cluster.waitForLine("manager", /node_down worker-2/);
  await cluster.waitForLine("worker-1", /node_down worker-2/);
  const latency = Date.now() - killedAt;
  console.log(`node_down seen on manager and worker-1 ${latency} ms after kill -9`);
  assert.ok(latency < 3000, `node_down took ${latency} ms`);
  cluster.start("worker-2");
  await cluster.waitForLine("worker-2", /node_up manager/);
  const upLines = () => cluster.lines("manager").filter((l) => /node_up worker-2/.test(l));
  await waitFor(() => upLines().length === 2, 15_000, "second node_up worker-2 on manager");
  const newId = /id=(\S+)/.exec(upLines()[1]!)![1];
  assert.notEqual(newId, oldId);
  await cluster.waitForLine("worker-1", /node_up worker-2.*id=/);
});

Deno.test("kill -9 of the manager (the proxy) and a restart: every node resumes without help", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER", tester: "CONTROL" },
    deferred: ["tester"],
  });
  await cluster.waitForFullMesh(["manager", "worker-1", "worker-2"]);
  await cluster.stop("manager");
  await cluster.waitForLine("worker-1", /node_down worker-2/);
  await cluster.waitForLine("worker-2", /node_down worker-1/);
  cluster.start("manager");
  await cluster.waitForFullMesh(["manager", "worker-1", "worker-2"]);
  // The workers' first node_up lines already satisfy the mesh wait: wait for the second ones.
  const ups = (node: string, peer: string) => cluster.changes(node, "up", peer);
  await waitFor(
    () => ups("worker-1", "worker-2") === 2 && ups("worker-2", "worker-1") === 2,
    15_000,
    () =>
      `each worker sees the other come back (worker-1: ${ups("worker-1", "worker-2")}, ` +
      `worker-2: ${ups("worker-2", "worker-1")} node_up lines)`,
  );
  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().length === 3, 15_000, "tester sees all nodes");
  tester.cluster.publish("zeek.cluster.worker", "Test::after_restart");
  await cluster.waitForLine("worker-1", /event Test::after_restart/);
  await cluster.waitForLine("worker-2", /event Test::after_restart/);
});

Deno.test("SIGSTOP of a worker: declared down within 3 s by heartbeats, back up after SIGCONT", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER" },
  });
  await cluster.waitForFullMesh(["manager", "worker-1", "worker-2"]);
  const stoppedAt = Date.now();
  cluster.kill("worker-2", "SIGSTOP");
  try {
    await cluster.waitForLine("manager", /node_down worker-2/, 10_000);
    await cluster.waitForLine("worker-1", /node_down worker-2/, 10_000);
    const latency = Date.now() - stoppedAt;
    console.log(`SIGSTOPped worker declared down after ${latency} ms`);
    assert.ok(latency < 6000, `declared down after ${latency} ms`);
  } finally {
    cluster.kill("worker-2", "SIGCONT");
  }
  // At least the second node_up (a loaded machine may declare the resumed worker down and up
  // once more before it settles).
  const ups = () => cluster.count("manager", /node_up worker-2/);
  const downs = () => cluster.count("manager", /node_down worker-2/);
  await waitFor(
    () => ups() >= 2 && ups() === downs() + 1,
    20_000,
    () => `worker-2 back up on the manager (${ups()} node_up, ${downs()} node_down lines)`,
  );
});

for (const cut of ["XSUB", "XPUB"] as const) {
  Deno.test(`a worker whose ${cut} connection alone is cut and comes back is up again on every node`, async () => {
    await using cluster = await startCluster({
      nodes: { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER" },
      deferred: ["worker-2"],
    });
    // The worker's XSUB connects to the proxy's XPUB, its XPUB to the proxy's XSUB.
    await using relay = await startRelay(cut === "XSUB" ? cluster.proxyXpub : cluster.proxyXsub);
    cluster.nodeArgsOverride("worker-2", [
      cut === "XSUB" ? "--proxy-xpub" : "--proxy-xsub",
      relay.endpoint,
    ]);
    cluster.start("worker-2");
    await cluster.waitForFullMesh(["manager", "worker-1", "worker-2"]);
    const cutAt = Date.now();
    assert.equal(relay.cut(), 2);
    // Cutting its XSUB takes the worker's subscriptions away: the others see it go. Cutting its
    // XPUB takes everybody's subscriptions away from it: it sees the others go.
    const [watcher, peers] = cut === "XSUB"
      ? [["manager", "worker-1"], ["worker-2"]]
      : [["worker-2"], ["manager", "worker-1"]];
    const ups = (node: string, peer: string) => cluster.changes(node, "up", peer);
    const downs = (node: string, peer: string) => cluster.changes(node, "down", peer);
    const pairs = watcher.flatMap((w) => peers.map((p) => [w, p] as const));
    const said = () =>
      pairs.map(([w, p]) => `${w}: ${p} up ${ups(w, p)}, down ${downs(w, p)}`).join("; ");
    await waitFor(
      () => pairs.every(([w, p]) => downs(w, p) === 1),
      10_000,
      () => `node_down (${said()})`,
    );
    await waitFor(
      () => pairs.every(([w, p]) => ups(w, p) === 2 && downs(w, p) === 1),
      15_000,
      () => `node_up again (${said()})`,
    );
    console.log(`${cut} cut: every node_up again ${Date.now() - cutAt} ms after the cut`);
    assert.ok(relay.accepted >= 2, `the worker reconnected through the relay (${relay.accepted})`);
    // The side that never saw anything go answered the returning hellos (and saw nothing go).
    for (const p of peers) {
      await cluster.waitForLine(p, /sends ZeroMQ::hello twice/);
      for (const w of watcher) assert.equal(downs(p, w), 0, `${p} saw ${w} go`);
    }
  });
}

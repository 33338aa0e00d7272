/**
 * The control framework across real node processes: a manager and two workers, each answering
 * control requests, and an in-process controller (the layout's CONTROL node) that prints options,
 * collects peer and net stats, and stops the whole cluster.
 */
import assert from "node:assert/strict";
import { ControlClient, resolveControlOptions } from "../../lib/control/control_client.ts";
import { parseNetStats } from "../../lib/control/commands.ts";
import { parseLayout } from "../../lib/layout/parse_layout.ts";
import { startCluster, type TestCluster } from "../_cluster.ts";

const NODES = {
  manager: "MANAGER",
  "worker-1": "WORKER",
  "worker-2": "WORKER",
  control: "CONTROL",
};
const REAL = ["manager", "worker-1", "worker-2"];

async function connect(cluster: TestCluster): Promise<ControlClient> {
  const options = resolveControlOptions({
    layout: parseLayout(cluster.layout),
    overrides: {
      zeromq: {
        connectXsubEndpoint: cluster.proxyXpub,
        connectXpubEndpoint: cluster.proxyXsub,
        heartbeatIntervalMs: 0,
      },
    },
  });
  return await ControlClient.connect({ options });
}

Deno.test("control: print, peerstatus and netstats answer from every node process", async () => {
  await using cluster = await startCluster({ nodes: NODES, deferred: ["control"] });
  await cluster.waitForFullMesh(REAL);
  await using client = await connect(cluster);
  assert.equal(client.name, "control");

  assert.equal(await client.print("worker-1", "retryIntervalMs"), "1000");
  assert.equal(await client.print("worker-1", "Cluster::retry_interval"), "1.0 sec");
  assert.equal(await client.print("manager", "zeromq.runProxyThread"), "T");

  const peers = await client.peerStatus();
  assert.deepEqual(peers.map((r) => r.node), REAL);
  for (const reply of peers) {
    assert.ok(reply.ok, `${reply.node}: ${!reply.ok && reply.error.message}`);
    const others = REAL.filter((n) => n !== reply.node);
    const named = reply.value.trimEnd().split("\n").map((l) => /node=(\S+)$/.exec(l)?.[1]);
    assert.deepEqual(named, others);
    assert.match(reply.id, new RegExp(`^zeromq_${reply.node}_`));
  }

  const stats = await client.netStats();
  for (const reply of stats) {
    assert.ok(reply.ok, reply.node);
    const parsed = parseNetStats(reply.value);
    assert.ok(parsed.link! > 0, `${reply.node} received events`);
    assert.equal(parsed.dropped, 0);
  }
  const rows = await client.status({ sampleMs: 200 });
  assert.deepEqual(rows.map((r) => [r.node, r.up]), REAL.map((n) => [n, true]));
  for (const row of rows) {
    assert.match(row.id!, new RegExp(`^zeromq_${row.node}_`));
    assert.equal(typeof row.eventsInPerS, "number");
    assert.ok(row.uptimeS! > 0);
  }
  // No node took the client for a peer: it never said hello.
  for (const name of REAL) assert.equal(cluster.count(name, /node_up control/), 0);
  for (const name of REAL) assert.equal(cluster.count(name, /unexpected node/), 0);
});

Deno.test("control: stop shuts every node process down cleanly (exit 0) within 2 s", async () => {
  await using cluster = await startCluster({ nodes: NODES, deferred: ["control"] });
  await cluster.waitForFullMesh(REAL);
  await using client = await connect(cluster);
  const started = Date.now();
  const results = await client.stop(undefined, { timeoutMs: 2000 });
  assert.deepEqual(results.map((r) => [r.node, r.state]), [
    ["manager", "confirmed"],
    ["worker-1", "stopped"],
    ["worker-2", "stopped"],
  ]);
  const statuses = await Promise.all(REAL.map((n) => cluster.nodes.get(n)!.status));
  const elapsed = Date.now() - started;
  console.log(`every node exited ${elapsed} ms after the stop request`);
  assert.deepEqual(statuses.map((s) => s.code), [0, 0, 0]);
  assert.ok(elapsed < 2000, `stop took ${elapsed} ms`);
  for (const name of REAL) {
    assert.ok(cluster.lines(name).some((l) => /shutting down/.test(l)), `${name} shut down`);
  }
});

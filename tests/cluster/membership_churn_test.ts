/**
 * Membership churn with real processes: 20 workers that each join and exit within milliseconds of
 * their hellos. A node may see such a worker's unsubscription (XPUB) before its hellos (XSUB); it
 * must still end with every one of them down.
 */
import assert from "node:assert/strict";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SHORT = Array.from({ length: 20 }, (_, i) => `short-${String(i + 1).padStart(2, "0")}`);
const LATE = ["late-1", "late-2"];
const STAYING = ["manager", "logger-1", "worker-1"];

Deno.test("20 workers that join and exit within milliseconds end down on every other node", async () => {
  const nodes: Record<string, string> = {
    manager: "MANAGER",
    "logger-1": "LOGGER",
    "worker-1": "WORKER",
    tester: "CONTROL",
  };
  for (const name of [...SHORT, ...LATE]) nodes[name] = "WORKER";
  await using cluster = await startCluster({
    nodes,
    deferred: ["tester", ...SHORT, ...LATE],
    entry: new URL("./_short_site.ts", import.meta.url).pathname,
    metrics: true,
  });
  await cluster.waitForFullMesh(STAYING);
  await using tester = await startTester(cluster);
  await waitFor(
    () => tester.cluster.upNodes().length === 3,
    15_000,
    () => `tester sees all nodes (sees ${tester.cluster.upNodes().join(", ")})`,
  );
  const startWorkers = tester.cluster.getActiveNodeCount("WORKER");
  assert.equal(startWorkers, 1);

  // Four at a time; each exits by itself once it has said hello.
  for (let i = 0; i < SHORT.length; i += 4) {
    const batch = SHORT.slice(i, i + 4);
    const statuses = batch.map((name) => cluster.start(name).status);
    for (const [j, status] of (await Promise.all(statuses)).entries()) {
      const lines = cluster.lines(batch[j]!);
      assert.equal(status.code, 0, `${batch[j]} exited ${status.code}:\n${lines.join("\n")}`);
      assert.ok(lines.some((l) => /node_up manager/.test(l)), `${batch[j]} never joined`);
    }
  }

  // The deterministic form of the race: hellos that arrive after the unsubscription.
  for (const name of LATE) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_late_hello_peer.ts", import.meta.url).pathname,
        name,
        cluster.proxyXpub,
        cluster.proxyXsub,
        "4",
      ],
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /said hello to 4 nodes after leaving/);
  }

  const balanced = (node: string, name: string) =>
    cluster.changes(node, "up", name) === cluster.changes(node, "down", name);
  await waitFor(
    () => STAYING.every((node) => [...SHORT, ...LATE].every((name) => balanced(node, name))),
    20_000,
    "every node_up of a short or late worker followed by its node_down",
  );
  await waitFor(
    () => tester.cluster.getActiveNodeCount("WORKER") === startWorkers,
    20_000,
    "tester back at its worker count",
  );
  assert.deepEqual(tester.cluster.upNodes().sort(), ["logger-1", "manager", "worker-1"]);
  // 2 late peers x 2 hellos reached the tester after their unsubscription.
  assert.ok(tester.cluster.membershipStats.hellosFromDeparted >= 4);
  for (const node of STAYING) {
    for (const name of LATE) {
      assert.equal(cluster.changes(node, "up", name), 0, `${node}: ${name}`);
    }
    const seen = SHORT.filter((name) => cluster.changes(node, "up", name));
    console.log(`${node}: ${seen.length} of 20 short workers seen up, all down again`);
    // Each late peer's two hellos reached this node after its unsubscription: held, counted.
    const held = await cluster.metric(node, "zcluster_membership_departed_hellos_total", {
      event: "held",
    });
    assert.ok(held >= 2 * LATE.length, `${node} held back ${held} hellos`);
    assert.ok(
      cluster.count(node, /node_down short-/) > 0,
      `${node} never saw a short worker come and go`,
    );
  }
  console.log(
    `tester: ${tester.cluster.membershipStats.hellosFromDeparted} hellos from departed ids held back`,
  );
});

/**
 * R7-style fuzzing of a node's sockets with real processes: 10,000 malformed messages reach a
 * worker's XSUB (and garbage its XPUB); the worker survives, counts them, and good events still
 * arrive after every batch.
 */
import assert from "node:assert/strict";
import { parsePrometheusText, sampleValue } from "../../lib/metrics/scrape.ts";
import { encodeEvent } from "../../lib/serialization/mod.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SENDER = new URL("../../lib/transport/zeromq/testdata/fuzz_sender.ts", import.meta.url)
  .pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

async function errorsOn(url: string): Promise<number> {
  const families = parsePrometheusText(await (await fetch(url)).text());
  const msg = sampleValue(families, "zeek_cluster_zeromq_msg_errors_total") ?? 0;
  const ser = sampleValue(families, "zcluster_serialization_errors_total", { direction: "in" }) ??
    0;
  return msg + ser;
}

Deno.test("a worker survives 10,000 malformed messages, counts them, and keeps receiving good events", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", tester: "CONTROL" },
    deferred: ["tester"],
    metrics: true,
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().includes("worker-1"), 15_000, "worker-1 up");
  const url = cluster.metricsUrl("worker-1");
  const before = await errorsOn(url);
  const good = encodeEvent({ name: "Fuzz::ok", args: ["x"] }, "broker-bin-v1");
  const hex = Array.from(good, (b) => b.toString(16).padStart(2, "0")).join("");
  for (let batch = 0; batch < 10; batch++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        CONFIG,
        SENDER,
        cluster.proxyXsub,
        cluster.proxyXpub,
        "zeek.cluster.worker",
        "1000",
        String(batch + 1),
        hex,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    tester.cluster.publish("zeek.cluster.worker", `Fuzz::after_batch_${batch}`);
    await cluster.waitForLine("worker-1", new RegExp(`event Fuzz::after_batch_${batch} `), 10_000);
  }
  const after = await errorsOn(url);
  console.log(`worker-1 error counters rose by ${after - before}`);
  assert.ok(after - before >= 5_000, `errors rose by ${after - before}`);
  assert.equal(cluster.nodes.get("worker-1")!.proc.pid > 0, true);
  assert.equal(
    await Promise.race([
      cluster.nodes.get("worker-1")!.status.then(() => "exited"),
      new Promise((r) => setTimeout(() => r("alive"), 100)),
    ]),
    "alive",
  );
});

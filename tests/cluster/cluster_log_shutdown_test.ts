/**
 * cluster.log at shutdown, against a real Zeek 8.2.2 logger: the same layout and the same stop
 * order as the recording in `testdata/zeek-8.2.2/zeek-logs/` (worker-1, then proxy-1, then the
 * manager, then the logger, each with SIGTERM). The zcluster logger must write the records a Zeek
 * logger writes: those of the recording (the manager's, proxy-1's and worker-1's hellos and node
 * downs) plus its own hellos and `node down: worker-1` / `node down: proxy-1`, and no
 * `node down: manager` (see the README, "cluster.log at shutdown").
 */
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";

const ZEEK_CLUSTER_LOG = new URL(
  "../../testdata/zeek-8.2.2/zeek-logs/mysql_mysql/ascii/cluster.log",
  import.meta.url,
);
const NODES = { manager: "MANAGER", logger: "LOGGER", "proxy-1": "PROXY", "worker-1": "WORKER" };

/** `node<TAB>message` of each record, node ids left out, sorted. */
function records(text: string): string[] {
  return text.split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split("\t").slice(1).join("\t").replace(/ \(zeromq_[^)]*\)$/, ""))
    .sort();
}

/** Waits until the logger's cluster.log holds `wanted` (records as {@link records} gives them). */
async function waitForRecords(cluster: TestCluster, wanted: readonly string[]): Promise<void> {
  let have: string[] = [];
  await waitFor(
    async () => {
      have = records(await Deno.readTextFile(`${cluster.logDir}/cluster.log`).catch(() => ""));
      return wanted.every((w) => have.includes(w));
    },
    15_000,
    () => `cluster.log records ${wanted.filter((w) => !have.includes(w)).join(" | ")}`,
  );
}

/**
 * Stops the nodes in the recording's order. Like the recorded Zeek nodes, each node's records
 * reach the logger before the next stop (their batches leave every second), so what is compared
 * is what each node decided to write, not how far its last batch got.
 */
async function stopInZeekOrder(cluster: TestCluster): Promise<void> {
  const names = Object.keys(NODES);
  await waitForRecords(
    cluster,
    names.flatMap((a) => names.filter((b) => b !== a).map((b) => `${a}\tgot hello from ${b}`)),
  );
  assert.equal((await cluster.stop("worker-1", "SIGTERM")).code, 0);
  await waitForRecords(
    cluster,
    ["manager", "proxy-1", "logger"].map((n) => `${n}\tnode down: worker-1`),
  );
  assert.equal((await cluster.stop("proxy-1", "SIGTERM")).code, 0);
  await waitForRecords(cluster, ["manager", "logger"].map((n) => `${n}\tnode down: proxy-1`));
  assert.equal((await cluster.stop("manager", "SIGTERM")).code, 0);
}

for (const immediate of [true, false]) {
  Deno.test(`cluster.log at shutdown is a Zeek logger's (zeromq.xpubImmediate=${immediate})`, async () => {
    await using cluster = await startCluster({
      nodes: NODES,
      args: ["--rotate", "0", "--set", `zeromq.xpubImmediate=${immediate}`],
    });
    await cluster.waitForFullMesh(Object.keys(NODES));
    await stopInZeekOrder(cluster);
    if (immediate) {
      // The logger does notice that the manager and its proxy are gone (node_down, pools)...
      await cluster.waitForLine("logger", /node_down manager/);
    }
    assert.equal((await cluster.stop("logger", "SIGTERM")).code, 0);
    const logger = cluster.history.get("logger")!;
    assert.ok(
      !logger.some((l) => /\berror\b/i.test(l) && !/level=debug/.test(l)),
      logger.join("\n"),
    );

    const zcluster = records(await Deno.readTextFile(`${cluster.logDir}/cluster.log`));
    // ...but writes what a Zeek logger writes: the records of the other nodes (as in the real
    // recording) and its own, with no "node down: manager".
    const zeek = [
      ...records(await Deno.readTextFile(ZEEK_CLUSTER_LOG)),
      "logger\tgot hello from manager",
      "logger\tgot hello from proxy-1",
      "logger\tgot hello from worker-1",
      "logger\tnode down: worker-1",
      "logger\tnode down: proxy-1",
    ].sort();
    assert.deepEqual(zcluster, zeek);
  });
}

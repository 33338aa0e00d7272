/**
 * Multi-process logging: workers write records, loggers write Zeek ASCII files.
 */
import assert from "node:assert/strict";
import { count } from "../../lib/serialization/mod.ts";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";
import { parsePrometheusText, sampleValue } from "../../lib/metrics/scrape.ts";
import { createZeromqTransport } from "../../lib/transport/zeromq/mod.ts";

const SITE = new URL("./_log_site.ts", import.meta.url).pathname;

/** Data lines (no `#` header lines) of every `test.log` under a logger's directory. */
async function dataLines(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !/^test(\..*)?\.log$/.test(e.name)) continue;
      const text = await Deno.readTextFile(`${dir}/${e.name}`);
      out.push(...text.split("\n").filter((l) => l !== "" && !l.startsWith("#")));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

function logDirOf(cluster: TestCluster, node: string): string {
  return `${cluster.logDir}/${node}`;
}

async function writeFromWorkers(cluster: TestCluster, workers: string[], n: number) {
  await using tester = await startTester(cluster);
  await waitFor(
    () => workers.every((w) => tester.cluster.upNodes().includes(w)),
    20_000,
    "tester sees the workers",
  );
  tester.cluster.publish("zeek.cluster.worker", "Test::write_logs", count(n));
  for (const w of workers) await cluster.waitForLine(w, new RegExp(`wrote ${n} records`), 60_000);
}

const TWO_LOGGERS = {
  manager: "MANAGER",
  "logger-1": "LOGGER",
  "logger-2": "LOGGER",
  "worker-1": "WORKER",
  "worker-2": "WORKER",
  tester: "CONTROL",
};

function perNodeLogDirs(cluster: TestCluster, names: string[]): Record<string, string[]> {
  return Object.fromEntries(names.map((n) => [n, ["--log-dir", logDirOf(cluster, n)]]));
}

Deno.test("2 workers x 50,000 records into 2 loggers: exactly 100,000 lines, both loggers used", async () => {
  await using cluster = await startCluster({
    nodes: TWO_LOGGERS,
    entry: SITE,
    deferred: ["tester", "logger-1", "logger-2"],
  });
  const dirs = perNodeLogDirs(cluster, ["logger-1", "logger-2"]);
  for (const l of ["logger-1", "logger-2"]) {
    cluster.nodeArgsOverride(l, dirs[l]!);
    cluster.start(l);
  }
  await cluster.waitForFullMesh(["manager", "logger-1", "logger-2", "worker-1", "worker-2"]);
  await writeFromWorkers(cluster, ["worker-1", "worker-2"], 50_000);
  let a: string[] = [], b: string[] = [];
  await waitFor(
    async () => {
      a = (await dataLines(logDirOf(cluster, "logger-1"))).filter((l) => l.includes("\tworker-"));
      b = (await dataLines(logDirOf(cluster, "logger-2"))).filter((l) => l.includes("\tworker-"));
      return a.length + b.length >= 100_000;
    },
    30_000,
    "100,000 lines on disk",
  );
  await new Promise((r) => setTimeout(r, 1500));
  a = (await dataLines(logDirOf(cluster, "logger-1"))).filter((l) => l.includes("\tworker-"));
  b = (await dataLines(logDirOf(cluster, "logger-2"))).filter((l) => l.includes("\tworker-"));
  console.log(`logger-1 ${a.length} lines, logger-2 ${b.length} lines`);
  assert.equal(a.length + b.length, 100_000);
  assert.ok(a.length > 0 && b.length > 0, "round-robin used both loggers");
  const keys = new Set([...a, ...b].map((l) => l.split("\t").slice(1, 3).join("/")));
  assert.equal(keys.size, 100_000, "no duplicates");
});

Deno.test("enableRoundRobinLogging=false: every logger gets every record", async () => {
  await using cluster = await startCluster({
    nodes: TWO_LOGGERS,
    entry: SITE,
    deferred: ["tester", "logger-1", "logger-2"],
    args: ["--set", "enableRoundRobinLogging=false"],
  });
  const dirs = perNodeLogDirs(cluster, ["logger-1", "logger-2"]);
  for (const l of ["logger-1", "logger-2"]) {
    cluster.nodeArgsOverride(l, dirs[l]!);
    cluster.start(l);
  }
  await cluster.waitForFullMesh(["manager", "logger-1", "logger-2", "worker-1", "worker-2"]);
  await writeFromWorkers(cluster, ["worker-1", "worker-2"], 20_000);
  for (const l of ["logger-1", "logger-2"]) {
    await waitFor(
      async () =>
        (await dataLines(logDirOf(cluster, l))).filter((x) => x.includes("\tworker-")).length >=
          40_000,
      30_000,
      `${l} has all 40,000 records`,
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const l of ["logger-1", "logger-2"]) {
    const lines = (await dataLines(logDirOf(cluster, l))).filter((x) => x.includes("\tworker-"));
    assert.equal(lines.length, 40_000, l);
  }
});

Deno.test("with no logger in the layout the manager writes the logs, cluster.log included", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER", tester: "CONTROL" },
    entry: SITE,
    deferred: ["tester"],
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await writeFromWorkers(cluster, ["worker-1"], 5_000);
  await waitFor(
    async () => (await dataLines(cluster.logDir)).length >= 5_000,
    20_000,
    "manager wrote 5,000 records",
  );
  const text = await Deno.readTextFile(`${cluster.logDir}/test.log`);
  const header = text.split("\n").filter((l) => l.startsWith("#"));
  assert.deepEqual(header.slice(0, 5), [
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\ttest",
  ]);
  assert.equal(header[6], "#fields\tts\tnode\tseq\ttags\tvals\tnote\tok");
  assert.equal(header[7], "#types\ttime\tstring\tcount\tset[string]\tvector[count]\tstring\tbool");
  const row3 = text.split("\n").find((l) => l.split("\t")[2] === "3")!.split("\t");
  assert.deepEqual(row3.slice(1), ["worker-1", "3", "odd,x\\x2cy", "3,6", "-", "F"]);
  const row1 = text.split("\n").find((l) => l.split("\t")[2] === "1")!.split("\t");
  assert.equal(row1[5], "note\\x091");
  const row0 = text.split("\n").find((l) => l.split("\t")[2] === "0")!.split("\t");
  assert.equal(row0[3], "(empty)");
  await waitFor(
    async () => {
      const c = await Deno.readTextFile(`${cluster.logDir}/cluster.log`).catch(() => "");
      return /\tworker-1\tgot hello from manager/.test(c) &&
        /\tmanager\tgot hello from worker-1/.test(c);
    },
    10_000,
    "cluster.log has both joins",
  );
});

Deno.test("a logger survives 10,000 malformed batches, counts them, and still writes good ones", async () => {
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "logger-1": "LOGGER", "worker-1": "WORKER", tester: "CONTROL" },
    entry: SITE,
    deferred: ["tester"],
    metrics: true,
  });
  await cluster.waitForFullMesh(["manager", "logger-1", "worker-1"]);
  const endpoint = `tcp://127.0.0.1:${cluster.layout["logger-1"]!.p}`;
  const handlers = { onMessage() {}, onSubscription() {}, onLog() {}, onError() {} };
  await using push = await createZeromqTransport(handlers, {
    connectXsubEndpoint: cluster.proxyXpub,
    connectXpubEndpoint: cluster.proxyXsub,
    connectLogEndpoints: [endpoint],
    sendQueueMax: 20_000,
  });
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (let i = 0; i < 10_000; i++) {
    const bytes = new Uint8Array(rand() % 200);
    for (let j = 0; j < bytes.length; j++) bytes[j] = rand() & 0xff;
    if (i % 10 === 0 && bytes.length > 4) bytes.set([0, 0, 0, 9], 0);
    push.sendLog("fuzzer", i % 100 === 0 ? "other-serializer" : "zeek-bin-serializer", bytes);
    if (i % 500 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await waitFor(
    async () => {
      const text = await (await fetch(cluster.metricsUrl("logger-1"))).text();
      const v = sampleValue(parsePrometheusText(text), "zeek_cluster_serialization_errors_total", {
        direction: "in",
      }) ?? sampleValue(
        parsePrometheusText(text),
        "zcluster_serialization_errors_total",
        { direction: "in" },
      );
      return (v ?? 0) >= 10_000;
    },
    30_000,
    "10,000 bad batches counted on logger-1",
  );
  await writeFromWorkers(cluster, ["worker-1"], 1_000);
  await waitFor(
    async () =>
      (await dataLines(cluster.logDir)).filter((l) => l.includes("\tworker-1\t")).length >= 1000,
    20_000,
    "good records still land",
  );
});

/**
 * Multi-process data stores: the persistent master (SQLite) on the manager, clones on two
 * workers, driven through `_store_site.ts` by the in-process tester node. The manager is killed
 * with SIGKILL and restarted; the SQLite file is checked between restarts.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type BrokerValue, count, encodeBinV1, interval } from "../../lib/serialization/mod.ts";
import { STORE_EVENTS, storeMasterTopic } from "../../lib/stores/replication.ts";
import { nodeTopic } from "../../lib/topics/topics.ts";
import type { RunningNode } from "../../lib/node/cluster_node.ts";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SITE = new URL("./_store_site.ts", import.meta.url).pathname;
const NODES = { manager: "MANAGER", "worker-1": "WORKER", "worker-2": "WORKER", tester: "CONTROL" };
const REAL = ["manager", "worker-1", "worker-2"];
const WORKERS = ["worker-1", "worker-2"];
/** Generous: a loaded 2-core machine runs three Deno nodes and the test. */
const WAIT_MS = 60_000;

/** A store cluster: nodes, tester, the master's SQLite directory. */
interface StoreCluster extends AsyncDisposable {
  readonly cluster: TestCluster;
  readonly tester: RunningNode;
  readonly dir: string;
  readonly dbPath: string;
}

async function startStoreCluster(extraArgs: string[] = []): Promise<StoreCluster> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-stores-" });
  const cluster = await startCluster({
    nodes: NODES,
    entry: SITE,
    deferred: ["tester"],
    args: ["--log-level", "info", "--set", `defaultStoreDir=${JSON.stringify(dir)}`, ...extraArgs],
  });
  let tester: RunningNode | undefined;
  try {
    await cluster.waitForFullMesh(REAL, WAIT_MS);
    await cluster.waitForLine("manager", /store test master/, WAIT_MS);
    for (const w of WORKERS) await cluster.waitForLine(w, /store test attached/, WAIT_MS);
    tester = await startTester(cluster);
    await waitForTester(tester);
  } catch (error) {
    await tester?.close();
    await cluster[Symbol.asyncDispose]();
    throw error;
  }
  const t = tester;
  return {
    cluster,
    tester: t,
    dir,
    dbPath: `${dir}/test.sqlite`,
    async [Symbol.asyncDispose]() {
      await t.close();
      await cluster[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

async function waitForTester(tester: RunningNode): Promise<void> {
  await waitFor(
    () => REAL.every((n) => tester.cluster.upNodes().includes(n)),
    WAIT_MS,
    "the tester sees every node",
  );
}

/** Publishes an event to one node and waits for the first new line of it matching `answer`. */
async function ask(
  sc: StoreCluster,
  node: string,
  event: string,
  args: BrokerValue[],
  answer: RegExp,
  timeoutMs = WAIT_MS,
): Promise<string> {
  const from = sc.cluster.lines(node).length;
  sc.tester.cluster.publish(nodeTopic(node), event, ...args);
  return await waitForLineAfter(sc.cluster, node, from, answer, timeoutMs);
}

async function waitForLineAfter(
  cluster: TestCluster,
  node: string,
  from: number,
  pattern: RegExp,
  timeoutMs = WAIT_MS,
): Promise<string> {
  let found: string | undefined;
  await waitFor(
    () => (found = cluster.lines(node).slice(from).find((l) => pattern.test(l))) !== undefined,
    timeoutMs,
    () => `${node}: ${pattern}\n--- ${node} output:\n${cluster.lines(node).slice(-30).join("\n")}`,
  );
  return found!;
}

/** `get` on a node until it returns `expected` (replication is asynchronous). */
async function getUntil(sc: StoreCluster, node: string, key: string, expected: string) {
  let last = "";
  await waitFor(
    async () => {
      last = await ask(
        sc,
        node,
        "Test::get",
        ["test", key],
        new RegExp(`^get store=test key=${key} `),
      );
      return last.endsWith(` value=${expected}`);
    },
    WAIT_MS,
    `${node} reads ${key}=${expected} (last: ${last})`,
  );
}

/** Keys acknowledged to a worker's load loop so far. */
function acked(cluster: TestCluster, node: string): string[] {
  return cluster.lines(node).filter((l) => l.startsWith("acked ")).map((l) => l.slice(6));
}

/** Asks a node whether it holds every key; @returns the `has` line. */
async function has(sc: StoreCluster, node: string, keys: string[]): Promise<string> {
  return await ask(sc, node, "Test::has", ["test", keys], /^has store=test /);
}

async function hasAllUntil(sc: StoreCluster, node: string, keys: string[]): Promise<void> {
  let last = "";
  await waitFor(
    async () => (last = await has(sc, node, keys)).includes(` n=${keys.length} of=`),
    WAIT_MS,
    () => `${node} holds all ${keys.length} keys (last: ${last})`,
  );
}

/** The number of snapshots a worker's clone has applied so far. */
function snapshots(cluster: TestCluster, node: string): number {
  let n = 0;
  for (const l of cluster.lines(node)) {
    const m = /^store test attached snapshots=(\d+)/.exec(l);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

async function waitForResync(sc: StoreCluster, before: Record<string, number>): Promise<void> {
  for (const w of WORKERS) {
    await waitFor(
      () => snapshots(sc.cluster, w) > before[w]!,
      WAIT_MS,
      `${w} re-attached to the restarted master`,
    );
  }
}

function snapshotCounts(cluster: TestCluster): Record<string, number> {
  return Object.fromEntries(WORKERS.map((w) => [w, snapshots(cluster, w)]));
}

/** Restarts the manager and waits for the mesh, the tester and both clones' resync. */
async function restartManager(sc: StoreCluster): Promise<void> {
  const before = snapshotCounts(sc.cluster);
  sc.cluster.start("manager");
  await sc.cluster.waitForLine("manager", /store test master/, WAIT_MS);
  await waitForResync(sc, before);
  await waitForTester(sc.tester);
}

/**
 * Checks the master's file: integrity, and which of `keys` it lacks. It is opened read-only; when
 * the kill left a hot rollback journal (a transaction in progress), a read-only connection may
 * not roll it back, so a copy of the file and its journal is opened instead, as the restarted
 * master would open the original.
 */
async function checkFile(path: string, keys: readonly string[]): Promise<FileCheck> {
  try {
    return { ...inspect(new DatabaseSync(path, { readOnly: true }), keys), hotJournal: false };
  } catch (error) {
    if (!/readonly database/.test(String(error))) throw error;
  }
  const copy = await Deno.makeTempDir({ prefix: "zcluster-stores-copy-" });
  try {
    for (const suffix of ["", "-journal", "-wal", "-shm"]) {
      await Deno.copyFile(path + suffix, `${copy}/test.sqlite${suffix}`).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
    return { ...inspect(new DatabaseSync(`${copy}/test.sqlite`), keys), hotJournal: true };
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
}

interface FileCheck {
  readonly integrity: string;
  readonly missing: string[];
  readonly hotJournal: boolean;
}

function inspect(db: DatabaseSync, keys: readonly string[]): Omit<FileCheck, "hotJournal"> {
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all().map((r) => Object.values(r)[0])
      .join(",");
    const stored = new Set<string>();
    for (const row of db.prepare("SELECT key FROM store").all()) {
      stored.add(hex(row.key as Uint8Array));
    }
    return { integrity, missing: keys.filter((k) => !stored.has(hex(encodeBinV1(k)))) };
  } finally {
    db.close();
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("a write on a clone is visible on the master and on the other clone", async () => {
  await using sc = await startStoreCluster();
  await ask(sc, "worker-1", "Test::put", ["test", "k1", "v1"], /^put store=test key=k1 ok/);
  await getUntil(sc, "worker-1", "k1", '"v1"');
  await getUntil(sc, "manager", "k1", '"v1"');
  await getUntil(sc, "worker-2", "k1", '"v1"');
  await ask(sc, "worker-2", "Test::put", ["test", "k1", "v2"], /^put store=test key=k1 ok/);
  await getUntil(sc, "manager", "k1", '"v2"');
  await getUntil(sc, "worker-1", "k1", '"v2"');
});

Deno.test("increment from two clones at once, 10,000 each, ends at exactly 20,000 everywhere", async () => {
  await using sc = await startStoreCluster();
  const from = Object.fromEntries(WORKERS.map((w) => [w, sc.cluster.lines(w).length]));
  for (const w of WORKERS) {
    sc.tester.cluster.publish(nodeTopic(w), "Test::increment", "test", "ctr", count(10_000));
  }
  for (const w of WORKERS) {
    const line = await waitForLineAfter(sc.cluster, w, from[w]!, /^increment store=test key=ctr /);
    assert.match(line, / n=10000 ok=10000 failed=0$/, `${w}: ${line}`);
  }
  for (const node of REAL) await getUntil(sc, node, "ctr", "20000");
});

Deno.test("kill -9 of the manager under write load: every acked write survives, buffered writes apply once", async () => {
  await using sc = await startStoreCluster();
  const { cluster } = sc;
  await ask(sc, "worker-1", "Test::load", ["a", count(4000), count(20)], /^acked a0$/);
  await waitFor(() => acked(cluster, "worker-1").length >= 500, WAIT_MS, "500 acked writes");
  // worker-2 starts 500 increments once it declares the manager (and the proxy) down: they
  // cannot have reached the killed master, so the restarted one must apply each exactly once.
  await ask(
    sc,
    "worker-2",
    "Test::increment",
    ["test", "buffered", count(500), "manager"],
    /^increment scheduled/,
  );
  await cluster.stop("manager");
  const beforeKill = acked(cluster, "worker-1");
  const file = await checkFile(sc.dbPath, beforeKill);
  assert.equal(file.integrity, "ok");
  assert.deepEqual(file.missing, [], "acked writes in the file after kill -9");
  await cluster.waitForLine("worker-2", /^increment started .* after node_down manager/, WAIT_MS);
  await new Promise((r) => setTimeout(r, 1000));
  await restartManager(sc);
  await cluster.waitForLine("worker-1", /^load done prefix=a /, WAIT_MS);
  assert.match(
    cluster.lines("worker-1").find((l) => l.startsWith("load done"))!,
    /acked=4000 failed=0/,
  );
  await cluster.waitForLine("worker-2", /^increment store=test key=buffered n=500 /, WAIT_MS);
  assert.match(
    cluster.lines("worker-2").find((l) => l.startsWith("increment store=test key=buffered"))!,
    /ok=500 failed=0/,
  );
  const all = acked(cluster, "worker-1");
  assert.equal(new Set(all).size, 4000);
  for (const node of REAL) await hasAllUntil(sc, node, all);
  for (const node of REAL) await getUntil(sc, node, "buffered", "500");
  for (const node of REAL) await getUntil(sc, node, "a3999", "3999");
});

Deno.test("a clone cut off longer than its stale interval rejects reads with stale_data, then recovers", async () => {
  await using sc = await startStoreCluster([
    "--set",
    'stores={"test":{"cloneStaleIntervalMs":2000}}',
  ]);
  const { cluster } = sc;
  await ask(sc, "worker-1", "Test::put", ["test", "s", "fresh"], /^put store=test key=s ok/);
  const from = cluster.lines("worker-1").length;
  sc.tester.cluster.publish(nodeTopic("worker-1"), "Test::poll_get", "test", "s", count(250));
  await waitForLineAfter(cluster, "worker-1", from, /^get store=test key=s value="fresh"/);
  const before = snapshotCounts(cluster);
  await cluster.stop("manager");
  const killedAt = cluster.lines("worker-1").length;
  const stale = await waitForLineAfter(
    cluster,
    "worker-1",
    killedAt,
    /^get store=test key=s error=stale_data /,
  );
  const out = Number(/no contact with its master for ([\d.]+) ms/.exec(stale)?.[1]);
  assert.ok(out > 2000, stale);
  assert.match(stale, /\(stale interval 2000 ms\)/, "the --set stores override reached the clone");
  await cluster.waitForLine("worker-1", /^store test detached/);
  const staleAt = cluster.lines("worker-1").length;
  cluster.start("manager");
  await waitForResync(sc, before);
  await waitForLineAfter(cluster, "worker-1", staleAt, /^get store=test key=s value="fresh"/);
  await waitForTester(sc.tester);
  await ask(sc, "worker-1", "Test::stop_poll", [], /^poll stopped/);
  await ask(sc, "worker-2", "Test::put", ["test", "s", "after"], /^put store=test key=s ok/);
  await getUntil(sc, "worker-1", "s", '"after"');
  const afterResync = cluster.lines("worker-1").slice(staleAt).filter((l) => l.startsWith("get "));
  const firstGood = afterResync.findIndex((l) => l.includes("value="));
  assert.ok(
    afterResync.slice(firstGood).every((l) => l.includes("value=")),
    "no stale read after the resync",
  );
});

Deno.test("bad input: unknown stores, wrong increment types, oversized keys, junk messages fail clearly and lose nothing", async () => {
  await using sc = await startStoreCluster([
    "--set",
    'stores={"ghost":{"cloneMutationBufferIntervalMs":2000}}',
  ]);
  const { cluster } = sc;
  await ask(sc, "worker-1", "Test::load", ["b", count(200), count(20)], /^load done prefix=b /);
  const kept = acked(cluster, "worker-1");
  assert.equal(kept.length, 200);
  await ask(sc, "worker-1", "Test::put", ["test", "str", "text"], /^put store=test key=str ok/);
  await ask(sc, "worker-1", "Test::put", ["test", "n", count(5)], /^put store=test key=n ok/);

  // A store no master was created for: reads wait for a snapshot, then fail; writes time out.
  const ghostGet = await ask(sc, "worker-1", "Test::get", ["ghost", "x"], /^get store=ghost /);
  assert.match(ghostGet, /error=stale_data Cannot read store "ghost": no snapshot from its master/);
  const ghostPut = await ask(sc, "worker-2", "Test::put", ["ghost", "x", "y"], /^put store=ghost /);
  assert.match(ghostPut, /error=request_timeout Cannot put in store "ghost": master unreachable/);
  const badName = await ask(sc, "worker-1", "Test::get", ["no such/store!", "x"], /^get store=/);
  assert.match(badName, /error=invalid_name Cannot create store "no such\/store!"/);

  // Increment of a string, by a string, and by a mismatched number type: type_clash, on a clone
  // and on the master.
  for (const node of ["worker-1", "manager"]) {
    const cases: [string, BrokerValue][] = [
      ["str", count(1)],
      ["n", "one"],
      ["n", interval(1)],
      ["missing-" + node, "one"],
    ];
    for (const [key, amount] of cases) {
      const line = await ask(
        sc,
        node,
        "Test::increment_by",
        ["test", key, amount],
        new RegExp(`^increment_by store=test key=${key} `),
      );
      assert.match(line, /error=type_clash /, `${node} increment ${key} by ${String(amount)}`);
    }
    const big = await ask(sc, node, "Test::put_big_key", ["test", count(70_000)], /^put_big_key /);
    assert.match(big, /error=key_too_large Cannot write key: key is \d+ bytes, limit 65536/);
  }

  // Junk on the store protocol: the master counts it, warns, and goes on.
  const junkFrom = cluster.lines("manager").length;
  sc.tester.cluster.publish(storeMasterTopic("test"), STORE_EVENTS.write, "test", count(1), "junk");
  sc.tester.cluster.publish(storeMasterTopic("test"), STORE_EVENTS.attach, "test");
  await waitForLineAfter(cluster, "manager", junkFrom, /store test: invalid_data: /);

  // Nothing else lost: every earlier key and value, and the store still takes writes.
  await ask(sc, "worker-2", "Test::put", ["test", "after", "ok"], /^put store=test key=after ok/);
  for (const node of REAL) {
    await hasAllUntil(sc, node, [...kept, "str", "n", "after"]);
    await getUntil(sc, node, "n", "5");
    await getUntil(sc, node, "str", '"text"');
    await getUntil(sc, node, "after", '"ok"');
  }
  const sizes = await Promise.all(
    REAL.map((node) => ask(sc, node, "Test::size", ["test"], /^size store=test /)),
  );
  for (const s of sizes) assert.equal(s, "size store=test n=203");
});

Deno.test("20 kill -9 cycles of the manager mid-write: every acked write kept, file intact", async () => {
  await using sc = await startStoreCluster();
  const { cluster } = sc;
  await ask(sc, "worker-1", "Test::load", ["c", count(1_000_000), count(20)], /^acked c0$/);
  let hot = 0;
  for (let cycle = 1; cycle <= 20; cycle++) {
    const base = acked(cluster, "worker-1").length;
    await waitFor(
      () => acked(cluster, "worker-1").length >= base + 100,
      WAIT_MS,
      `cycle ${cycle}: 100 more acked writes`,
    );
    await cluster.stop("manager");
    const keys = acked(cluster, "worker-1");
    const file = await checkFile(sc.dbPath, keys);
    assert.equal(file.integrity, "ok", `cycle ${cycle}: integrity`);
    assert.deepEqual(file.missing, [], `cycle ${cycle}: ${keys.length} acked writes in the file`);
    if (file.hotJournal) hot++;
    await restartManager(sc);
  }
  await ask(sc, "worker-1", "Test::stop_load", ["c"], /^load done prefix=c /);
  const done = cluster.lines("worker-1").find((l) => l.startsWith("load done prefix=c"))!;
  assert.match(done, / failed=0$/);
  const all = acked(cluster, "worker-1");
  await hasAllUntil(sc, "manager", all);
  await hasAllUntil(sc, "worker-2", all);
  await cluster.stop("manager");
  const file = await checkFile(sc.dbPath, all);
  assert.equal(file.integrity, "ok");
  assert.deepEqual(file.missing, []);
  console.log(`20 cycles: ${all.length} acked writes kept; ${hot} kills left a hot journal`);
});

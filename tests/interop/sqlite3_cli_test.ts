/**
 * Interop with the stock SQLite tooling: the Debian `sqlite3` CLI opens the persistent store file
 * a real zcluster master (manager process) wrote, and sees Broker's schema: the `meta` and
 * `store` tables, `broker_version`, `broker-bin-v1` key and value blobs, and an intact file.
 */
import assert from "node:assert/strict";
import { count, encodeBinV1 } from "../../lib/serialization/mod.ts";
import { BROKER_VERSION } from "../../lib/stores/sqlite_backend.ts";
import { nodeTopic } from "../../lib/topics/topics.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SITE = new URL("../cluster/_store_site.ts", import.meta.url).pathname;
const NODES = { manager: "MANAGER", "worker-1": "WORKER", tester: "CONTROL" };
const WAIT_MS = 60_000;

/**
 * Runs `sqlite3 -readonly -batch FILE SQL`.
 * @returns Its stdout, trimmed.
 * @throws {Error} Naming the Debian package when `sqlite3` is not installed.
 */
async function sqlite3(file: string, sql: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("sqlite3", {
      args: ["-readonly", "-batch", file, sql],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "sqlite3 is not installed: install the Debian package sqlite3 (apt-get install -y sqlite3)",
      );
    }
    throw error;
  }
  const dec = new TextDecoder();
  assert.equal(out.code, 0, `sqlite3 ${file} ${JSON.stringify(sql)}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim();
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join("");
}

Deno.test("the sqlite3 CLI reads a zcluster master's store file: Broker's tables, version, blobs, integrity", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-sqlite3-" });
  try {
    await using cluster = await startCluster({
      nodes: NODES,
      entry: SITE,
      deferred: ["tester"],
      args: ["--log-level", "info", "--set", `defaultStoreDir=${JSON.stringify(dir)}`],
    });
    await cluster.waitForLine("manager", /store test master/, WAIT_MS);
    await cluster.waitForLine("worker-1", /store test attached/, WAIT_MS);
    await using tester = await startTester(cluster);
    await waitFor(
      () => ["manager", "worker-1"].every((n) => tester.cluster.upNodes().includes(n)),
      WAIT_MS,
      "the tester sees the nodes",
    );
    tester.cluster.publish(nodeTopic("worker-1"), "Test::load", "k", count(100), count(10));
    await cluster.waitForLine("worker-1", /^load done prefix=k acked=100 failed=0/, WAIT_MS);
    tester.cluster.publish(nodeTopic("worker-1"), "Test::put", "test", "greeting", "hello");
    await cluster.waitForLine("worker-1", /^put store=test key=greeting ok/, WAIT_MS);
    const status = await cluster.stop("manager", "SIGTERM");
    assert.equal(status.code, 0, "the manager stopped cleanly");

    const file = `${dir}/test.sqlite`;
    assert.deepEqual((await sqlite3(file, ".tables")).split(/\s+/).sort(), ["meta", "store"]);
    assert.equal(
      await sqlite3(file, "SELECT value FROM meta WHERE key='broker_version';"),
      BROKER_VERSION,
    );
    assert.equal(await sqlite3(file, "PRAGMA integrity_check;"), "ok");
    assert.equal(await sqlite3(file, "SELECT count(*) FROM store;"), "101");
    assert.equal(
      await sqlite3(
        file,
        `SELECT hex(value) FROM store WHERE key = x'${hex(encodeBinV1("k42"))}';`,
      ),
      hex(encodeBinV1(count(42))),
    );
    assert.equal(
      await sqlite3(
        file,
        `SELECT hex(value), expiry IS NULL FROM store WHERE key = x'${
          hex(encodeBinV1("greeting"))
        }';`,
      ),
      `${hex(encodeBinV1("hello"))}|1`,
    );
    const schema = await sqlite3(file, ".schema store");
    assert.match(schema, /create table store\(key blob primary key, value blob, expiry integer\)/i);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

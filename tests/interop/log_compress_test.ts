/**
 * Compressed log archives (`--log-compress gzip`) read by the standard tools: every rotated file
 * of a real logger passes `gzip -t`, and `zcat | bro-cut` (Debian package `bro-aux`) returns every
 * record; a process killed with SIGKILL during a compression leaves the plain file or a complete
 * `.gz`, never a half-written `.gz`, and the next start finishes the work.
 */
import assert from "node:assert/strict";
import { count } from "../../lib/serialization/mod.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SITE = new URL("../cluster/_log_site.ts", import.meta.url).pathname;
const CHILD = new URL("./_compress_child.ts", import.meta.url).pathname;
const NODES = { manager: "MANAGER", "logger-1": "LOGGER", "worker-1": "WORKER", tester: "CONTROL" };
const GZ_RE = /^(\w+)\.\d{4}(-\d\d){5}-\d{4}(-\d\d){5}(-\d+)?\.log\.gz$/;

async function sh(script: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command("sh", { args: ["-c", script, "sh", ...args] }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

async function requireTools(): Promise<void> {
  const r = await sh("command -v bro-cut && command -v zcat && command -v gzip");
  if (r.code !== 0) {
    throw new Error(
      "Cannot find bro-cut, zcat or gzip: install bro-aux and gzip (apt-get install)",
    );
  }
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** `zcat FILES | bro-cut COLUMNS`, one array of columns per record. */
async function zcatBroCut(dir: string, files: string[], columns: string[]): Promise<string[][]> {
  const proc = new Deno.Command("sh", {
    args: ["-c", `cd "$0" && zcat -- "$@" | bro-cut ${columns.join(" ")}`, dir, ...files],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await proc.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

Deno.test("log compression: a logger's rotated .gz files pass gzip -t and zcat | bro-cut reads every record", async () => {
  await requireTools();
  await using cluster = await startCluster({
    nodes: NODES,
    entry: SITE,
    deferred: ["tester"],
    nodeArgs: { "logger-1": ["--rotate", "1s", "--log-compress", "gzip"] },
  });
  await cluster.waitForFullMesh(["manager", "logger-1", "worker-1"]);
  const rounds = 3;
  const perRound = 3000;
  {
    await using tester = await startTester(cluster);
    await waitFor(() => tester.cluster.upNodes().includes("worker-1"), 20_000, "worker-1 up");
    for (let i = 1; i <= rounds; i++) {
      tester.cluster.publish("zeek.cluster.worker", "Test::write_logs", count(perRound));
      await waitFor(
        () => cluster.count("worker-1", /wrote \d+ records/) >= i,
        30_000,
        `round ${i} written`,
      );
      await new Promise((r) => setTimeout(r, 1200));
    }
  }
  // Every record reached the logger (live or rotated) before it stops.
  await new Promise((r) => setTimeout(r, 1500));
  const status = await cluster.stop("logger-1", "SIGTERM");
  assert.equal(status.code, 0, "logger-1 exits 0 on SIGTERM");

  const all = await names(cluster.logDir);
  assert.ok(!all.some((n) => n.endsWith(".tmp")), `no temp file left: ${all}`);
  assert.ok(!all.some((n) => /^test\..*\.log$/.test(n)), `no plain test log left: ${all}`);
  const gz = all.filter((n) => n.startsWith("test.") && n.endsWith(".log.gz"));
  assert.ok(gz.length >= 2, `several rotated files: ${all}`);
  for (const file of all.filter((n) => n.endsWith(".gz"))) {
    assert.match(file, GZ_RE);
    const t = await sh(`gzip -t -- "$1/$2"`, cluster.logDir, file);
    assert.equal(t.code, 0, `gzip -t ${file}: ${t.out}`);
  }
  const rows = await zcatBroCut(cluster.logDir, gz, ["node", "seq"]);
  assert.equal(rows.length, rounds * perRound);
  const seen = new Map<string, number>();
  for (const [node, seq] of rows) {
    assert.equal(node, "worker-1");
    seen.set(seq!, (seen.get(seq!) ?? 0) + 1);
  }
  assert.equal(seen.size, perRound);
  assert.ok([...seen.values()].every((n) => n === rounds));
});

Deno.test("log compression: kill -9 during compression leaves the plain file or a complete .gz; a restart finishes", async () => {
  await requireTools();
  const records = 200_000;
  for (const delayMs of [0, 150, 600]) {
    const dir = await Deno.makeTempDir({ prefix: "zcluster-compress-" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, "write", dir, String(records)],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      try {
        await waitFor(
          async () => (await names(dir)).some((n) => n.endsWith(".log.gz.tmp")),
          120_000,
          "the compression's temp file",
        );
        await new Promise((r) => setTimeout(r, delayMs));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* it ended by itself: the checks below say whether that is right */ }
      }
      const out = await output;
      assert.equal(out.signal, "SIGKILL", new TextDecoder().decode(out.stderr));
      // Right after the kill: the plain file, or a complete .gz, never a half-written one.
      const after = await names(dir);
      const plain = after.filter((n) => /^big\.[\d-]+\.log$/.test(n));
      const gz = after.filter((n) => n.endsWith(".log.gz"));
      assert.ok(plain.length + gz.length === 1, `one copy of the rotated file: ${after}`);
      for (const file of gz) {
        const t = await sh(`gzip -t -- "$1/$2"`, dir, file);
        assert.equal(t.code, 0, `gzip -t ${file} after kill at +${delayMs} ms: ${t.out}`);
      }

      // A restart finishes the compression and removes the leftovers.
      const again = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, "recover", dir],
      }).output();
      assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
      const final = await names(dir);
      assert.equal(final.length, 1, `only the .gz is left: ${final}`);
      assert.match(final[0]!, GZ_RE);
      const t = await sh(`gzip -t -- "$1/$2"`, dir, final[0]!);
      assert.equal(t.code, 0, t.out);
      const rows = await zcatBroCut(dir, final, ["seq"]);
      assert.equal(rows.length, records);
      assert.equal(rows[records - 1]![0], String(records - 1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

/**
 * R8 store durability: worker-1 writes into the persistent store `chaos` (SQLite master on the
 * manager) with 20 puts in flight; the manager is killed with `kill -9` mid-write, ×20 (quick ×5).
 * After each kill the master's files, as the crash left them, are opened (a copy, so that the
 * check cannot repair the original): `PRAGMA integrity_check` must say ok and every write
 * acknowledged so far must be present. At the end the restarted master is stopped gracefully and
 * every acknowledged write (including those buffered during the outages) must be there.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { encodeBinV1 } from "../../lib/serialization/mod.ts";
import type { ChaosCluster } from "../cluster.ts";
import { type Ctx, sleep, startCluster } from "../scenario.ts";
import { type Row, row } from "../table.ts";

/** Result of checking a store file. */
export interface FileCheck {
  readonly integrity: string;
  readonly missing: number;
  readonly rows: number;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Opens a copy of a SQLite store (file, -wal, -shm) and checks it.
 *
 * @param path The store file.
 * @param keys Keys that must be present.
 * @returns Integrity result and how many keys are missing.
 */
export async function checkStoreFile(path: string, keys: readonly string[]): Promise<FileCheck> {
  const copy = await Deno.makeTempDir({ dir: path.slice(0, path.lastIndexOf("/")) });
  try {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) {
      await Deno.copyFile(path + suffix, `${copy}/s.sqlite${suffix}`).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
    const db = new DatabaseSync(`${copy}/s.sqlite`);
    try {
      const integrity = db.prepare("PRAGMA integrity_check").all()
        .map((r) => String(Object.values(r)[0])).join(",");
      const stored = new Set<string>();
      for (const r of db.prepare("SELECT key FROM store").all()) {
        stored.add(hex(r.key as Uint8Array));
      }
      const missing = keys.filter((k) => !stored.has(hex(encodeBinV1(k)))).length;
      return { integrity, missing, rows: stored.size };
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(copy, { recursive: true }).catch(() => {});
  }
}

function acked(cluster: ChaosCluster, prefix = ""): string[] {
  const head = `chaos acked ${prefix}`;
  return cluster.lines("worker-1").filter((l) => l.text.startsWith(head)).map((l) =>
    l.text.slice("chaos acked ".length)
  );
}

function snapshots(cluster: ChaosCluster, node: string): number {
  let n = 0;
  for (const l of cluster.lines(node)) {
    const m = /^chaos store attached snapshots=(\d+)/.exec(l.text);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** R8. */
export async function r8Store(ctx: Ctx): Promise<Row[]> {
  const cycles = ctx.quick ? 5 : 20;
  await using cluster = await startCluster(ctx, { store: true });
  const dbPath = `${cluster.storeDir}/chaos.sqlite`;
  await cluster.expect("manager", /^chaos store master/, 0, 30_000);
  for (const w of ["worker-1", "worker-2"]) {
    await cluster.expect(w, /^chaos store attached/, 0, 30_000);
  }
  const bad: string[] = [];
  let missingAfterKills = 0;
  const prefixes: string[] = [];
  for (let i = 0; i < cycles; i++) {
    const prefix = `c${i}_`;
    prefixes.push(prefix);
    await cluster.send("worker-1", { cmd: "store_load", prefix, n: 1_000_000, window: 20 });
    // Kill at a different point of the write stream each cycle.
    const threshold = 100 + ((i * 137) % 400);
    await waitFor(() => acked(cluster, prefix).length >= threshold, 30_000, `acks of ${prefix}`);
    await cluster.stop("manager", "SIGKILL");
    await sleep(200, ctx.signal); // lines printed before the kill reach us
    const keys = acked(cluster);
    await cluster.send("worker-1", { cmd: "store_stop", prefix });
    const check = await checkStoreFile(dbPath, keys);
    missingAfterKills += check.missing;
    if (check.integrity !== "ok") bad.push(`cycle ${i + 1}: integrity ${check.integrity}`);
    if (check.missing > 0) bad.push(`cycle ${i + 1}: ${check.missing} acked writes missing`);
    ctx.log(
      `R8: cycle ${i + 1}: ${keys.length} acked, ${check.rows} rows, integrity ` +
        `${check.integrity}, missing ${check.missing}`,
    );
    const before = [snapshots(cluster, "worker-1"), snapshots(cluster, "worker-2")];
    cluster.start("manager");
    await cluster.expect("manager", /^chaos store master/, 0, 30_000);
    await waitFor(
      () =>
        snapshots(cluster, "worker-1") > before[0]! && snapshots(cluster, "worker-2") > before[1]!,
      30_000,
      "clones re-attached",
    );
  }
  for (const p of prefixes) {
    await cluster.expect("worker-1", new RegExp(`^chaos store-load-done prefix=${p} `), 0, 60_000);
  }
  const failedPuts = cluster.lines("worker-1").filter((l) => l.text.startsWith("chaos put-fail"))
    .length;
  const all = acked(cluster);
  await cluster.stop("manager", "SIGTERM");
  const final = await checkStoreFile(dbPath, all);
  const ok = bad.length === 0 && final.integrity === "ok" && final.missing === 0;
  return [row(
    "R8",
    `store master kill -9 mid-write ×${cycles}${ctx.quick ? " (quick; full ×20)" : ""}: ` +
      `every acked write present, integrity_check ok`,
    `${all.length} writes acked (${failedPuts} failed, reported to the writer); after each kill: ` +
      `${missingAfterKills} acked missing, integrity ${
        bad.length ? bad.slice(0, 3).join("; ") : "ok ×" + cycles
      }; ` +
      `at the end: ${final.missing} missing, integrity ${final.integrity}`,
    ok,
  )];
}

/**
 * publishHrw across real proxy processes, checked against an independent implementation of
 * Zeek's HRW (BigInt arithmetic, written from the wire spec §6).
 */
import assert from "node:assert/strict";
import { addr, count } from "../../lib/serialization/mod.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const M32 = 0x1_0000_0000n;

function fnv(bytes: Uint8Array): bigint {
  let h = 2166136261n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) % M32;
  return h;
}

function le(value: bigint, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

type Key = { kind: "s"; v: string } | { kind: "c"; v: bigint } | { kind: "a"; v: string };

function digest(key: Key): bigint {
  const enc = new TextEncoder();
  if (key.kind === "s") return fnv(enc.encode(key.v));
  if (key.kind === "c") return fnv(new Uint8Array([...le(3n, 4), ...le(key.v, 8)]));
  return fnv(new Uint8Array([...le(11n, 4), ...enc.encode(key.v), 0]));
}

function weight(d: bigint, site: bigint): bigint {
  const a = 1103515245n;
  const inner = (a * site + 12345n) % M32;
  return ((a * (inner ^ (d & 0x7fffffffn)) + 12345n) % M32) % 0x8000_0000n;
}

function choose(key: Key, nodes: string[]): string {
  let best = "", bestW = -1n, bestSite = -1n;
  for (const name of nodes) {
    const site = fnv(new TextEncoder().encode(`${name}.0`));
    const w = weight(digest(key), site);
    if (w > bestW || (w === bestW && site > bestSite)) [best, bestW, bestSite] = [name, w, site];
  }
  return best;
}

function keys(): Key[] {
  const out: Key[] = [];
  for (let i = 0; i < 400; i++) out.push({ kind: "s", v: `key-${i}` });
  for (let i = 0; i < 400; i++) out.push({ kind: "c", v: BigInt(i * 7919) });
  for (let i = 0; i < 200; i++) {
    out.push({ kind: "a", v: `10.${i >> 8}.${i & 255}.${(i * 3) % 256}` });
  }
  return out;
}

Deno.test("publishHrw picks Zeek's HRW member for 1,000 keys; a dead proxy moves only its keys", async () => {
  const proxies = ["proxy-1", "proxy-2", "proxy-3"];
  await using cluster = await startCluster({
    nodes: {
      manager: "MANAGER",
      "proxy-1": "PROXY",
      "proxy-2": "PROXY",
      "proxy-3": "PROXY",
      tester: "CONTROL",
    },
    deferred: ["tester"],
  });
  await cluster.waitForFullMesh(["manager", ...proxies]);
  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.pools.proxy.aliveCount === 3, 20_000, "three proxies alive");

  const all = keys();
  const received = (round: string) => {
    const at = new Map<number, string>();
    for (const p of proxies) {
      for (const line of cluster.lines(p)) {
        const m = new RegExp(`event Test::hrw_${round} .*args=.*?(\\d+)\\D*$`).exec(line);
        if (m) at.set(Number(m[1]), p);
      }
    }
    return at;
  };
  // In chunks: a burst beyond the XPUB high-water mark (1000) is dropped, as in Zeek.
  const send = async (round: string) => {
    for (const [i, key] of all.entries()) {
      const k = key.kind === "s" ? key.v : key.kind === "c" ? count(key.v) : addr(key.v);
      assert.ok(tester.cluster.publishHrw("proxy", k, `Test::hrw_${round}`, count(i)));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(tester.transport.stats.xpubDrops, 0);
  };
  await send("a");
  await waitFor(() => received("a").size === all.length, 30_000, "1,000 keys at the proxies");
  const before = received("a");
  all.forEach((key, i) =>
    assert.equal(
      before.get(i),
      choose(key, proxies),
      `key ${JSON.stringify(key, (_k, v) => typeof v === "bigint" ? String(v) : v)}`,
    )
  );
  for (const p of proxies) assert.ok([...before.values()].includes(p), `${p} got keys`);

  await cluster.stop("proxy-2");
  await waitFor(() => tester.cluster.pools.proxy.aliveCount === 2, 10_000, "proxy-2 down");
  await send("b");
  const alive = ["proxy-1", "proxy-3"];
  await waitFor(() => received("b").size === all.length, 30_000, "1,000 keys at two proxies");
  const after = received("b");
  let moved = 0;
  all.forEach((key, i) => {
    assert.equal(after.get(i), choose(key, alive));
    if (before.get(i) !== after.get(i)) {
      moved++;
      assert.equal(before.get(i), "proxy-2", "only proxy-2's keys move");
    }
  });
  assert.equal(moved, [...before.values()].filter((p) => p === "proxy-2").length);
  console.log(`${moved} of ${all.length} keys moved off proxy-2`);
});

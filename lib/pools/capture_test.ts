/** Every entry of the real Zeek 8.2.2 capture `vectors/hrw.json` (see its README, "Pools"). */
import assert from "node:assert/strict";
import { hrwKeyDigest } from "./fnv1a32.ts";
import type { Pool } from "./pool.ts";
import { registerPools } from "./register_pools.ts";

type Kind = "string" | "count" | "addr";
interface Phase {
  alive: string[];
  hrw: Record<Kind, (string | null)[]>;
  rr: Record<Kind, (string | null)[]>;
  rr_seq: (string | null)[];
}
interface Capture {
  layout: {
    nodes: Record<string, { node_type: string }>;
    manager_is_logger: boolean;
    proxy_pool: {
      topic: string;
      node_list: { name: string; alias: string; site_id: number; topic: string }[];
    };
  };
  keys: { string: string[]; count: number[]; addr: string[] };
  fnv1a32: Record<Kind, number[]>;
  before: Phase;
  after_proxy2_down: Phase;
}

const capture: Capture = JSON.parse(
  await Deno.readTextFile(new URL("../../testdata/zeek-8.2.2/hrw.json", import.meta.url)),
);
const KINDS: readonly Kind[] = ["string", "count", "addr"];
const hrwKeys = {
  string: capture.keys.string,
  count: capture.keys.count.map(BigInt),
  addr: capture.keys.addr.map((addr) => ({ addr })),
};
// rr_topic takes a string: Zeek passed cat(key).
const rrKeys = { ...capture.keys, count: capture.keys.count.map(String) };

function build() {
  const layout = Object.entries(capture.layout.nodes).map(([name, n]) => ({
    name,
    nodeType: n.node_type,
  }));
  return registerPools(layout, "worker-1", {
    managerIsLogger: capture.layout.manager_is_logger,
  });
}

function checkPhase(pool: Pool, phase: Phase): void {
  assert.deepEqual(pool.members.filter((m) => m.alive).map((m) => m.name), phase.alive);
  for (const kind of KINDS) {
    const got = hrwKeys[kind].map((k) => pool.hrwMember(k)?.name ?? null);
    assert.deepEqual(got, phase.hrw[kind], `hrw ${kind}`);
  }
  for (const kind of KINDS) {
    const got = rrKeys[kind].map((k) => pool.rrMember(k)?.name ?? null);
    assert.deepEqual(got, phase.rr[kind], `rr ${kind}`);
  }
  const seq = phase.rr_seq.map(() => pool.rrMember("seq")?.name ?? null);
  assert.deepEqual(seq, phase.rr_seq, "rr seq");
}

Deno.test("hrwKeyDigest() matches Zeek 8.2.2 fnv1a32 for every captured key", () => {
  for (const kind of KINDS) {
    assert.deepEqual(hrwKeys[kind].map(hrwKeyDigest), capture.fnv1a32[kind], kind);
  }
  assert.deepEqual(capture.keys.count.map(hrwKeyDigest), capture.fnv1a32.count);
});

Deno.test("registerPools() builds the captured proxy pool", () => {
  const pools = build();
  assert.equal(pools.proxy.topic, capture.layout.proxy_pool.topic);
  assert.deepEqual(
    pools.proxy.members.map(({ name, alias, siteId, topic }) => ({
      name,
      alias,
      site_id: siteId,
      topic,
    })),
    capture.layout.proxy_pool.node_list,
  );
});

Deno.test("Pool matches every captured hrw and rr choice before and after proxy-2 goes down", () => {
  const pools = build();
  for (const name of ["manager", "proxy-1", "proxy-2", "proxy-3", "worker-2"]) {
    pools.nodeUp(name);
  }
  checkPhase(pools.proxy, capture.before);
  pools.nodeDown("proxy-2");
  checkPhase(pools.proxy, capture.after_proxy2_down);
});

Deno.test("Pool.hrwMember() moves only proxy-2's keys when proxy-2 goes down", () => {
  const pools = build();
  for (const name of ["proxy-1", "proxy-2", "proxy-3"]) pools.nodeUp(name);
  const choose = (kind: Kind) => hrwKeys[kind].map((k) => pools.proxy.hrwMember(k)?.name);
  const before = KINDS.map(choose);
  pools.nodeDown("proxy-2");
  const after = KINDS.map(choose);
  const moved = KINDS.map((_, i) => {
    const b = before[i]!;
    const a = after[i]!;
    a.forEach((name, j) => assert.ok(name !== "proxy-2" && (b[j] === "proxy-2" || b[j] === name)));
    return a.filter((_, j) => a[j] !== b[j]).length;
  });
  assert.deepEqual(moved, [87, 93, 37]);
});

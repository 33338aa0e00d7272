import assert from "node:assert/strict";
import { fnv1a32 } from "./fnv1a32.ts";
import { Pool, PROXY_POOL_SPEC, WORKER_POOL_SPEC } from "./pool.ts";

function workers(localNode = "manager"): Pool {
  const pool = new Pool(WORKER_POOL_SPEC, { localNode });
  pool.addMember("worker-1");
  pool.addMember("worker-2");
  return pool;
}

Deno.test("Pool.addMember() gives alias name.0, site id fnv1a32(alias) and the node topic", () => {
  const pool = workers();
  assert.deepEqual(pool.members, [
    {
      name: "worker-1",
      alias: "worker-1.0",
      siteId: 4178617771,
      topic: "zeek.cluster.node.worker-1.",
      alive: false,
    },
    {
      name: "worker-2",
      alias: "worker-2.0",
      siteId: 3162793146,
      topic: "zeek.cluster.node.worker-2.",
      alive: false,
    },
  ]);
  assert.equal(pool.addMember("worker-1"), false);
  assert.equal(pool.members.length, 2);
  assert.equal(pool.topic, "zeek.cluster.pool.worker");
});

Deno.test("Pool.addMember() bumps the alias counter on a site id collision", () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  assert.equal(fnv1a32(utf8("node-522789.0")), fnv1a32(utf8("node-739192.0")));
  const pool = new Pool(PROXY_POOL_SPEC);
  pool.addMember("node-522789");
  pool.addMember("node-739192");
  const [a, b] = pool.members;
  assert.equal(a?.alias, "node-522789.0");
  assert.equal(b?.alias, "node-739192.1");
  assert.equal(b?.siteId, 2270781898);
});

Deno.test("Pool.hrwTopic() splits keys 0..9 as the spec and is undefined with no sites", () => {
  const pool = workers();
  assert.equal(pool.hrwTopic("0"), undefined);
  pool.nodeUp("worker-1");
  pool.nodeUp("worker-2");
  const picks = Array.from({ length: 10 }, (_, k) => pool.hrwMember(String(k))?.name);
  assert.deepEqual(picks, [
    "worker-2",
    "worker-1",
    "worker-2",
    "worker-1",
    "worker-1",
    "worker-2",
    "worker-1",
    "worker-2",
    "worker-1",
    "worker-1",
  ]);
  assert.equal(pool.hrwTopic("0"), "zeek.cluster.node.worker-2.");
  pool.nodeDown("worker-2");
  assert.equal(pool.hrwTopic("0"), "zeek.cluster.node.worker-1.");
  pool.nodeDown("worker-1");
  assert.equal(pool.hrwTopic("0"), undefined);
  assert.equal(pool.aliveCount, 0);
});

Deno.test("Pool.rrTopic() alternates per key as the spec RR vector", () => {
  const pool = workers();
  pool.nodeUp("worker-1");
  pool.nodeUp("worker-2");
  const seq = Array.from({ length: 10 }, () => pool.rrMember("ping-key-args")?.name);
  assert.deepEqual(seq, seq.map((_, i) => (i % 2 === 0 ? "worker-1" : "worker-2")));
  assert.equal(pool.rrTopic("other"), "zeek.cluster.node.worker-1.");
  assert.equal(pool.rrTopic("ping-key-args"), "zeek.cluster.node.worker-1.");
  assert.equal(pool.rrTopic(), "zeek.cluster.node.worker-1.");
  assert.equal(pool.rrTopic(""), "zeek.cluster.node.worker-2.");
});

Deno.test("Pool.rrTopic() skips dead members and is undefined when none is alive", () => {
  const pool = workers();
  assert.equal(pool.rrTopic("k"), undefined);
  pool.nodeUp("worker-2");
  assert.equal(pool.rrTopic("k"), "zeek.cluster.node.worker-2.");
  assert.equal(pool.rrTopic("k"), "zeek.cluster.node.worker-2.");
  assert.equal(new Pool(WORKER_POOL_SPEC).rrTopic("k"), undefined);
});

Deno.test("Pool keeps the local node alive for rr but never an HRW site", () => {
  const pool = workers("worker-1");
  assert.deepEqual(pool.members.map((m) => m.alive), [true, false]);
  assert.equal(pool.aliveCount, 1);
  assert.equal(pool.hrwTopic("0"), undefined);
  assert.equal(pool.nodeUp("worker-1"), true);
  assert.equal(pool.hrwTopic("1"), undefined);
  assert.equal(pool.rrTopic("k"), "zeek.cluster.node.worker-1.");
  pool.nodeUp("worker-2");
  for (let k = 0; k < 10; k++) assert.equal(pool.hrwMember(String(k))?.name, "worker-2");
  assert.equal(pool.nodeDown("worker-1"), true);
  assert.equal(pool.members[0]?.alive, true);
  assert.equal(pool.nodeUp("proxy-1"), false);
  assert.equal(pool.nodeDown("proxy-1"), false);
  assert.equal(pool.has("worker-2"), true);
});

Deno.test("Pool() rejects invalid specs", () => {
  assert.throws(() => new Pool({ topic: "t", nodeType: "MANAGER" as never }), RangeError);
  assert.throws(() => new Pool({ topic: "t", nodeType: "PROXY", maxNodes: -1 }), RangeError);
  assert.throws(() => new Pool({ topic: "t", nodeType: "PROXY", maxNodes: 1.5 }), RangeError);
  assert.throws(() => new Pool({ topic: "t", nodeType: "PROXY", exclusive: true }), TypeError);
});

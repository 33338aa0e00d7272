import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Cluster } from "../cluster/cluster.ts";
import { ManualClock, systemClock } from "../clock.ts";
import { StoreError } from "../errors.ts";
import { type BrokerValue, count, valuesEqual } from "../serialization/mod.ts";
import { tempDir } from "./_test_helpers.ts";
import { advance, FakeHub, pump, rng, storeSetup } from "./_fake_channel.ts";
import { CloneStore } from "./clone_store.ts";
import { MasterStore } from "./master_store.ts";
import { MemoryBackend } from "./memory_backend.ts";
import { STORE_EVENTS, type StoreChannel } from "./replication.ts";
import { SqliteBackend } from "./sqlite_backend.ts";
import { SqliteWriteBehindBackend } from "./sqlite_write_behind.ts";
import type { Store } from "./store.ts";

// Compile-time: a Cluster is a StoreChannel.
const _clusterIsChannel = (c: Cluster): StoreChannel => c;

const code = (c: string) => (e: unknown) => e instanceof StoreError && e.code === c;

async function same(a: Store, b: Store): Promise<void> {
  const ka = await a.keys();
  assert.ok(valuesEqual(ka, await b.keys()), "same keys");
  for (const k of ka) assert.ok(valuesEqual(await a.get(k), await b.get(k)), `same value`);
}

Deno.test("CloneStore takes a snapshot on attach; reads before it wait", async () => {
  await using s = storeSetup([]);
  await s.master.put("a", 1);
  await s.master.put("b", count(2));
  const clone = new CloneStore({
    name: "s",
    channel: s.hub.endpoint("w1"),
    clock: s.clock,
    tickIntervalMs: 0,
  });
  s.stores.push(clone);
  const early = clone.get("a");
  await pump(s.hub);
  assert.equal(await early, 1);
  assert.equal(clone.attached, true);
  await same(s.master, clone);
  assert.equal(clone.stats.snapshots, 1);
});

Deno.test("CloneStore forwards every command; results and errors come back", async () => {
  await using s = storeSetup(["w1", "w2"]);
  await pump(s.hub);
  const [c1, c2] = s.clones as [CloneStore, CloneStore];
  const inserted = c1.putUnique("u", "first");
  const notInserted = c2.putUnique("u", "second");
  await pump(s.hub);
  assert.deepEqual([await inserted, await notInserted], [true, false]);
  const writes = [
    c1.put("k", "v"),
    c1.append("str", "ab"),
    c1.append("str", "cd"),
    c1.insertIntoSet("set", "x"),
    c1.insertIntoTable("tbl", "i", 1),
    c1.push("vec", 1),
    c1.push("vec", 2),
    c1.pop("vec"),
    c2.increment("n", count(5)),
    c2.decrement("n", count(2)),
    c2.erase("k"),
  ];
  await pump(s.hub);
  await Promise.all(writes);
  assert.equal(await c1.get("str"), "abcd");
  assert.deepEqual(await c2.get("vec"), [1]);
  assert.equal(await c2.getIndex("set", "x"), true);
  assert.equal(await c2.getIndex("tbl", "i"), 1);
  assert.ok(valuesEqual(await c1.get("n"), count(3)));
  assert.equal(await c1.exists("k"), false);
  const clash = assert.rejects(c1.increment("str", count(1)), code("type_clash"));
  const missing = assert.rejects(c1.decrement("nope"), code("no_such_key"));
  await pump(s.hub);
  await clash;
  await missing;
  await assert.rejects(c1.get("nope"), code("no_such_key"));
  await same(s.master, c1);
  await same(s.master, c2);
});

Deno.test("CloneStore writes are read-your-writes: the value is local when the write resolves", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  // Acks overtake updates: updates to w1 are held until acks arrived.
  s.hub.hold = (m) => m.name === STORE_EVENTS.update;
  const w = c1.put("k", "v");
  let done = false;
  void w.then(() => (done = true));
  await pump(s.hub);
  assert.equal(done, false);
  s.hub.hold = undefined;
  s.hub.release();
  await pump(s.hub);
  await w;
  assert.equal(await c1.get("k"), "v");
});

Deno.test("Concurrent increments from two clones sum exactly (2 x 1000)", async () => {
  await using s = storeSetup(["w1", "w2"]);
  await pump(s.hub);
  const all: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) {
    for (const c of s.clones) all.push(c.increment("n"));
  }
  await pump(s.hub);
  await Promise.all(all);
  for (const st of s.stores) assert.ok(valuesEqual(await st.get("n"), count(2000)));
  assert.equal(s.master.stats.ops.add, 2000);
});

Deno.test("CloneStore detects a gap, nacks it and the master retransmits", async () => {
  await using s = storeSetup(["w1", "w2"]);
  await pump(s.hub);
  const [c1] = s.clones as [CloneStore];
  let dropped = false;
  s.hub.drop = (m) => {
    if (!dropped && m.to === "w1" && m.name === STORE_EVENTS.update) return (dropped = true);
    return false;
  };
  await s.master.put("a", 1);
  await s.master.put("b", 2);
  await pump(s.hub);
  assert.equal(c1.stats.seqBehind, 2);
  await assert.rejects(c1.get("a"), code("no_such_key"));
  await advance(s.clock, s.hub, s.stores, 500);
  assert.ok(c1.stats.nacks >= 1);
  assert.equal(s.master.stats.retransmits, 1);
  assert.equal(c1.stats.snapshots, 1);
  assert.equal(c1.stats.seqBehind, 0);
  await same(s.master, c1);
});

Deno.test("CloneStore too far behind the master's log gets a snapshot", async () => {
  await using s = storeSetup(["w1"], { master: { logMax: 5 } });
  await pump(s.hub);
  const c1 = s.clones[0]!;
  s.hub.drop = (m) => m.to === "w1" && m.name === STORE_EVENTS.update;
  for (let i = 0; i < 20; i++) await s.master.put(i, i);
  await pump(s.hub);
  s.hub.drop = undefined;
  await advance(s.clock, s.hub, s.stores, 1500);
  assert.equal(c1.stats.snapshots, 2);
  assert.equal(c1.size, 20);
  await same(s.master, c1);
});

Deno.test("Replication converges when every message is reordered", async () => {
  await using s = storeSetup(["w1", "w2", "w3"]);
  await pump(s.hub);
  s.hub.shuffle = rng(42);
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const c = s.clones[i % 3]!;
    all.push(c.increment(`n${i % 7}`), c.put(`k${i % 11}`, i), c.insertIntoSet("set", i % 13));
    if (i % 20 === 0) await pump(s.hub);
  }
  await pump(s.hub);
  await advance(s.clock, s.hub, s.stores, 2000);
  await Promise.all(all);
  for (const c of s.clones) await same(s.master, c);
  let total = 0n;
  for (let j = 0; j < 7; j++) total += ((await s.master.get(`n${j}`)) as { value: bigint }).value;
  assert.equal(total, 200n);
});

Deno.test("CloneStore reads go stale after the stale interval and recover on reattach", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  await s.master.put("k", "v");
  await pump(s.hub);
  s.hub.partition("manager", "w1");
  await advance(s.clock, s.hub, s.stores, 11_000);
  assert.equal(c1.attached, false);
  assert.equal(await c1.get("k"), "v");
  await advance(s.clock, s.hub, s.stores, 290_000);
  await assert.rejects(c1.get("k"), code("stale_data"));
  assert.equal(c1.stats.staleReads, 1);
  s.hub.heal();
  await advance(s.clock, s.hub, s.stores, 10_000);
  assert.equal(c1.attached, true);
  assert.equal(await c1.get("k"), "v");
});

Deno.test("CloneStore's stale_data message gives whole milliseconds", async () => {
  // Regression: with a real clock (fractional performance.now()), the message read
  // "no contact with its master for 10145.648352 ms".
  await using s = storeSetup(["w1"], { clone: { staleIntervalMs: 2000 } });
  await pump(s.hub);
  const c1 = s.clones[0]!;
  s.hub.partition("manager", "w1");
  await advance(s.clock, s.hub, s.stores, 12_000.375, 100.125);
  await assert.rejects(c1.get("k"), (e: unknown) => {
    assert.ok(e instanceof StoreError && e.code === "stale_data");
    assert.match(e.message, /no contact with its master for \d+ ms \(stale interval 2000 ms\)$/);
    return true;
  });
});

Deno.test("CloneStore buffers writes while detached and the master applies them exactly once", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  s.hub.partition("manager", "w1");
  await advance(s.clock, s.hub, s.stores, 15_000);
  assert.equal(c1.attached, false);
  const w = c1.increment("n");
  let done = false;
  void w.then(() => (done = true));
  // After healing, lose the first ack so the clone re-sends the write.
  let acks = 0;
  s.hub.drop = (m) => m.name === STORE_EVENTS.ack && acks++ === 0;
  s.hub.heal();
  await advance(s.clock, s.hub, s.stores, 10_000);
  await w;
  assert.equal(done, true);
  assert.ok(s.master.stats.duplicateWrites >= 1);
  assert.ok(valuesEqual(await s.master.get("n"), count(1)));
  assert.ok(valuesEqual(await c1.get("n"), count(1)));
});

Deno.test("CloneStore fails buffered writes after the mutation buffer interval", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  s.hub.partition("manager", "w1");
  const w = c1.put("x", 1);
  const failed = assert.rejects(w, code("request_timeout"));
  await advance(s.clock, s.hub, s.stores, 121_000);
  await failed;
  await assert.rejects(c1.put("y", 1), code("request_timeout"));
  assert.equal(c1.stats.failedWrites, 2);
  s.hub.heal();
  await advance(s.clock, s.hub, s.stores, 10_000);
  assert.equal(await s.master.exists("x"), false);
  const ok = c1.put("z", 1);
  await pump(s.hub);
  await ok;
  assert.equal(await s.master.get("z"), 1);
});

Deno.test("CloneStore started before its master attaches on the master's first heartbeat", async () => {
  const clock = new ManualClock();
  const hub = new FakeHub();
  await using clone = new CloneStore({
    name: "s",
    channel: hub.endpoint("w1"),
    clock,
    tickIntervalMs: 0,
  });
  const early = clone.get("k");
  const rejected = assert.rejects(early, code("stale_data"));
  await advance(clock, hub, [clone], 5_000);
  await rejected;
  await using master = new MasterStore({
    name: "s",
    backend: new MemoryBackend(),
    clock,
    channel: hub.endpoint("manager"),
    tickIntervalMs: 0,
  });
  await master.put("k", "v");
  await pump(hub);
  assert.equal(clone.attached, true);
  assert.equal(await clone.get("k"), "v");
});

Deno.test("Expiry: lazy on the master, swept and replicated as expire", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  const w = c1.put("tmp", 1, { expiryMs: 500 });
  await pump(s.hub);
  await w;
  assert.equal(await c1.get("tmp"), 1);
  s.clock.advance(600);
  await assert.rejects(s.master.get("tmp"), code("no_such_key"));
  assert.equal(await c1.get("tmp"), 1);
  await advance(s.clock, s.hub, s.stores, 1000);
  assert.equal(s.master.stats.ops.expire, 1);
  await assert.rejects(c1.get("tmp"), code("no_such_key"));
  assert.equal(s.master.size, 0);
});

for (
  const [name, open] of [
    ["SqliteBackend", (path: string) => new SqliteBackend({ path })],
    ["SqliteWriteBehindBackend", (path: string) => new SqliteWriteBehindBackend({ path })],
  ] as const
) {
  Deno.test(`MasterStore on ${name} restarted from its file keeps every acknowledged write`, async () => {
    using dir = tempDir();
    const path = `${dir.path}/stores/s.sqlite`;
    const clock = new ManualClock();
    const hub = new FakeHub();
    await using clone = new CloneStore({
      name: "s",
      channel: hub.endpoint("w1"),
      clock,
      tickIntervalMs: 0,
    });
    const master1 = new MasterStore({
      name: "s",
      backend: open(path),
      clock,
      channel: hub.endpoint("manager"),
      tickIntervalMs: 0,
    });
    await pump(hub, [master1]);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) writes.push(clone.increment("n"), clone.put(`k${i}`, i));
    writes.push(clone.put("exp", 1, { expiryMs: 60_000 }));
    await pump(hub, [master1]);
    await Promise.all(writes);
    // Every acknowledged write is committed: a second connection sees it.
    const db = new DatabaseSync(path, { readOnly: true });
    assert.equal(Number(db.prepare("select count(*) as n from store").get()?.["n"]), 102);
    db.close();
    await master1[Symbol.asyncDispose]();
    await using master2 = new MasterStore({
      name: "s",
      backend: open(path),
      clock,
      channel: hub.endpoint("manager-restarted"),
      tickIntervalMs: 0,
    });
    await pump(hub, [master2]);
    assert.equal(clone.stats.snapshots, 2);
    assert.ok(valuesEqual(await master2.get("n"), count(100)));
    const more = clone.increment("n");
    await pump(hub, [master2]);
    await more;
    assert.ok(valuesEqual(await clone.get("n"), count(101)));
    await advance(clock, hub, [master2, clone], 61_000);
    assert.equal(await clone.exists("exp"), false);
    assert.equal(master2.size, 101);
  });
}

Deno.test("Store dispose rejects pending writes and later calls", async () => {
  const s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  s.hub.partition("manager", "w1");
  const w = c1.put("k", 1);
  await s[Symbol.asyncDispose]();
  await assert.rejects(w, code("store_closed"));
  await assert.rejects(c1.get("k"), code("store_closed"));
  await assert.rejects(s.master.put("k", 1), code("store_closed"));
  await c1[Symbol.asyncDispose]();
});

Deno.test("MasterStore without a channel is a local store", async () => {
  await using m = new MasterStore({
    name: "local",
    backend: new MemoryBackend(),
    clock: new ManualClock(),
    tickIntervalMs: 0,
  });
  assert.equal(await m.putUnique("k", 1), true);
  assert.equal(await m.putUnique("k", 2), false);
  await m.increment("n", 1.5);
  await m.increment("n", 1.5);
  assert.equal(await m.get("n"), 3);
  const keys: BrokerValue = await m.keys();
  assert.equal((keys as { size: number }).size, 2);
  assert.equal(m.stats.ops.put_unique, 2);
});

Deno.test("MasterStore and CloneStore with their own timers dispose cleanly", async () => {
  const hub = new FakeHub();
  await using master = new MasterStore({
    name: "t",
    backend: new MemoryBackend(),
    clock: systemClock,
    channel: hub.endpoint("m"),
  });
  await using clone = new CloneStore({ name: "t", channel: hub.endpoint("c"), clock: systemClock });
  await pump(hub);
  const w = clone.put("k", 1);
  await pump(hub);
  await w;
  assert.equal(await master.get("k"), 1);
});

Deno.test("CloneStore settles many in-flight writes in order, each once its update is applied", async () => {
  await using s = storeSetup(["w1"]);
  await pump(s.hub);
  const c1 = s.clones[0]!;
  // Acks overtake updates; the first half of the updates is then released, then the rest.
  s.hub.hold = (m) => m.name === STORE_EVENTS.update;
  const order: number[] = [];
  const writes = Array.from({ length: 200 }, (_, i) =>
    c1.put(`k${i}`, i).then(async () => {
      order.push(i);
      assert.equal(await c1.get(`k${i}`), i, `k${i} is local when its write resolves`);
    }));
  await pump(s.hub);
  assert.deepEqual(order, []);
  s.hub.hold = undefined;
  s.hub.release();
  await pump(s.hub);
  await Promise.all(writes);
  assert.deepEqual(order, Array.from({ length: 200 }, (_, i) => i));
  assert.equal(c1.size, 200);
});

Deno.test("MasterStore re-acknowledges a retransmitted write from its bounded result window", async () => {
  await using s = storeSetup(["w1"], { master: { writerWindow: 8 } });
  await pump(s.hub);
  const c1 = s.clones[0]!;
  // The first ack message is lost: the clone retransmits, the master answers from its window.
  let lost = false;
  s.hub.drop = (m) => {
    if (m.name !== STORE_EVENTS.ack || lost) return false;
    lost = true;
    return true;
  };
  const writes = Array.from({ length: 20 }, (_, i) => c1.increment(`n${i % 3}`));
  await pump(s.hub);
  await advance(s.clock, s.hub, s.stores, 1500);
  await Promise.all(writes);
  assert.equal(s.master.stats.duplicateWrites > 0, true);
  assert.ok(valuesEqual(await s.master.get("n0"), count(7)));
  assert.ok(valuesEqual(await c1.get("n2"), count(6)));
});

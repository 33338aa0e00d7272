import assert from "node:assert/strict";
import { type Clock, ManualClock } from "../clock.ts";
import { type BrokerValue, Count, decodeBinV1, interval } from "../serialization/mod.ts";
import { FakeHub, type FakeMessage, pump, storeSetup } from "./_fake_channel.ts";
import { MasterStore } from "./master_store.ts";
import { MemoryBackend } from "./memory_backend.ts";
import { encodeCommand, STORE_EVENTS, storeMasterTopic } from "./replication.ts";

/** A wall clock that moves 1 ms forward on every read. */
class TickingClock implements Clock {
  readonly inner = new ManualClock();
  reads = 0;
  now(): number {
    this.reads++;
    this.inner.advance(1);
    return this.inner.now();
  }
  monotonicMs(): number {
    return this.inner.monotonicMs();
  }
}

const c = (n: number) => new Count(n);

Deno.test("MasterStore stamps every write of one message with one time", async () => {
  const clock = new TickingClock();
  const hub = new FakeHub();
  const backend = new MemoryBackend();
  await using master = new MasterStore({
    name: "s",
    backend,
    clock,
    channel: hub.endpoint("manager"),
    tickIntervalMs: 0,
  });
  const writer = hub.endpoint("w1");
  const put = (key: string) => encodeCommand({ type: "put", key, value: 1, expiry: interval(10) });
  writer.publish(storeMasterTopic("s"), STORE_EVENTS.write, "s", "w1", c(1), [
    [c(1), put("a")],
    [c(2), put("b")],
    [c(3), put("c")],
  ]);
  await pump(hub);
  const expiries = ["a", "b", "c"].map((k) => backend.get(k)?.expiryNs);
  assert.ok(expiries[0] !== undefined && expiries[0] !== null);
  assert.deepEqual(expiries, [expiries[0], expiries[0], expiries[0]]);
  assert.equal(master.size, 3);
});

Deno.test("MasterStore stamps the local writes of one batch with one time", async () => {
  const clock = new TickingClock();
  const backend = new MemoryBackend();
  await using master = new MasterStore({ name: "s", backend, clock, tickIntervalMs: 0 });
  await Promise.all(["a", "b", "c"].map((k) => master.put(k, 1, { expiryMs: 10_000 })));
  const first = backend.get("a")?.expiryNs;
  assert.deepEqual(["b", "c"].map((k) => backend.get(k)?.expiryNs), [first, first]);
  // The next batch takes a new time.
  await master.put("d", 1, { expiryMs: 10_000 });
  assert.ok(backend.get("d")!.expiryNs! > first!);
});

Deno.test("MasterStore acknowledges a clone's writes in compact runs, errors in full", async () => {
  await using s = storeSetup(["w1"]);
  const { hub, master } = s;
  const clone = s.clones[0]!;
  const acks: BrokerValue[] = [];
  hub.drop = (m: FakeMessage) => {
    if (m.name === STORE_EVENTS.ack) acks.push((decodeBinV1(m.bytes) as BrokerValue[])[3]!);
    return false;
  };
  await pump(hub);
  const results = Promise.allSettled([
    clone.put("a", 1),
    clone.put("b", 2),
    clone.decrement("missing"), // no_such_key
    clone.put("c", 3),
    clone.putUnique("d", 4), // result true
    clone.put("e", 5),
    clone.put("f", 6),
  ]);
  await pump(hub);
  const settled = await results;
  assert.deepEqual(settled.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "fulfilled",
  ]);
  assert.equal((settled[4] as PromiseFulfilledResult<BrokerValue>).value, true);
  assert.deepEqual(acks, [[
    [c(1), c(1), c(2)],
    [c(3), c(2), "no_such_key", (acks[0] as BrokerValue[][])[1]![3]!, null],
    [c(4), c(3), c(1)],
    [c(5), c(4), "", "", true],
    [c(6), c(5), c(2)],
  ]]);
  assert.equal(master.stats.lastSeq, 6);
  assert.equal(await clone.get("f"), 6);
});

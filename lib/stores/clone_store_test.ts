import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import { type BrokerValue, Count, decodeBinV1 } from "../serialization/mod.ts";
import { advance, FakeHub, type FakeMessage, pump } from "./_fake_channel.ts";
import { CloneStore } from "./clone_store.ts";
import { MasterStore } from "./master_store.ts";
import { MemoryBackend } from "./memory_backend.ts";
import { STORE_EVENTS } from "./replication.ts";

/** Request ids of every write message, in delivery order. */
function writeIds(m: FakeMessage): number[] {
  const args = decodeBinV1(m.bytes) as BrokerValue[];
  return (args[3] as BrokerValue[][]).map((w) => Number((w[0] as Count).value));
}

Deno.test("CloneStore sends each new write once, in request-id order, in bounded messages", async () => {
  const clock = new ManualClock();
  const hub = new FakeHub();
  const sent: number[][] = [];
  hub.drop = (m) => {
    if (m.name === STORE_EVENTS.write) sent.push(writeIds(m));
    return false;
  };
  await using master = new MasterStore({
    name: "s",
    backend: new MemoryBackend(),
    clock,
    channel: hub.endpoint("manager"),
    tickIntervalMs: 0,
  });
  await using clone = new CloneStore({
    name: "s",
    channel: hub.endpoint("w1"),
    clock,
    cloneId: "w1",
    tickIntervalMs: 0,
    maxWritesPerMessage: 3,
  });
  // Written before the snapshot: sent once attached.
  const early = [clone.put("a", 1), clone.put("b", 2)];
  await pump(hub);
  await Promise.all(early);
  const batch1 = [1, 2, 3, 4].map((i) => clone.put(`k${i}`, i));
  await Promise.resolve();
  const batch2 = [5, 6, 7].map((i) => clone.put(`k${i}`, i));
  await pump(hub);
  await Promise.all([...batch1, ...batch2]);
  assert.deepEqual(sent, [[1, 2], [3, 4, 5], [6], [7, 8, 9]]);
  // Retransmission still covers unacknowledged writes: lose the write message once.
  let lost = false;
  hub.drop = (m) => {
    if (m.name !== STORE_EVENTS.write) return false;
    sent.push(writeIds(m));
    if (lost) return false;
    return lost = true;
  };
  const late = clone.put("late", 0);
  await pump(hub);
  await advance(clock, hub, [master, clone], 1500);
  await late;
  assert.deepEqual(sent.slice(4), [[10], [10]]);
  assert.equal(await clone.get("late"), 0);
  assert.equal(master.size, 10);
});

import assert from "node:assert/strict";
import { type BrokerValue, Count, decodeBinV1 } from "../serialization/mod.ts";
import { advance, type FakeMessage, pump, storeSetup } from "./_fake_channel.ts";
import { STORE_EVENTS } from "./replication.ts";

/** Request ids of every write message, in delivery order. */
function writeIds(m: FakeMessage): number[] {
  const args = decodeBinV1(m.bytes) as BrokerValue[];
  return (args[3] as BrokerValue[][]).map((w) => Number((w[0] as Count).value));
}

Deno.test("CloneStore sends each new write once, in request-id order, in bounded messages", async () => {
  await using s = storeSetup(["w1"], { clone: { maxWritesPerMessage: 3 } });
  const { clock, hub, master } = s;
  const clone = s.clones[0]!;
  const sent: number[][] = [];
  hub.drop = (m: FakeMessage) => {
    if (m.name === STORE_EVENTS.write) sent.push(writeIds(m));
    return false;
  };
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
  hub.drop = (m: FakeMessage) => {
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

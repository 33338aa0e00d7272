import assert from "node:assert/strict";
import { count } from "../serialization/mod.ts";
import { AckRing, UpdateLog, WriterState } from "./_master_state.ts";
import type { StoreUpdate } from "./operations.ts";
import type { WriteAck } from "./replication.ts";

const ack = (reqId: number): WriteAck => ({
  reqId,
  seq: reqId,
  code: "",
  message: "",
  result: null,
});

Deno.test("WriterState.done() keeps the results of the last `window` requests, across gaps", () => {
  const w = new WriterState(1, 3);
  for (let i = 1; i <= 5; i++) w.done(ack(i));
  assert.deepEqual([...w.results.keys()], [3, 4, 5]);
  assert.equal(w.next, 6);
  w.advance(100);
  w.done(ack(100));
  assert.deepEqual([...w.results.keys()], [4, 5, 100]);
  w.done(ack(101));
  w.done(ack(102));
  w.done(ack(103));
  assert.deepEqual([...w.results.keys()], [101, 102, 103]);
  assert.equal(w.next, 104);
});

Deno.test("WriterState.done() evicts in order over a long run with a large window", () => {
  // Regression: eviction used `results.keys().next()`, which walks the deleted slots V8 leaves
  // at the front of a Map used as a FIFO (about 8 µs a write with a 10,000 window).
  const w = new WriterState(1, 10_000);
  for (let i = 1; i <= 200_000; i++) w.done(ack(i));
  assert.equal(w.results.size, 10_000);
  assert.equal(w.results.has(190_000), false);
  assert.equal(w.results.has(190_001), true);
  assert.equal(w.results.get(200_000)?.reqId, 200_000);
});

Deno.test("AckRing.get() finds kept acks after the ring wrapped, across gaps", () => {
  const ring = new AckRing(4);
  for (const id of [1, 2, 5, 6, 7, 9, 12]) ring.push(ack(id));
  assert.deepEqual([...ring.keys()], [6, 7, 9, 12]);
  assert.equal(ring.size, 4);
  for (const id of [6, 7, 9, 12]) assert.equal(ring.get(id)?.reqId, id);
  for (const id of [1, 5, 8, 10, 13]) assert.equal(ring.has(id), false);
});

Deno.test("AckRing keeps failures and results of the acks that have them, also after wrapping", () => {
  const ring = new AckRing(3);
  const failed: WriteAck = { reqId: 2, seq: 7, code: "type_clash", message: "no", result: null };
  const unique: WriteAck = { reqId: 3, seq: 8, code: "", message: "", result: true };
  ring.push({ ...ack(1), seq: 6 });
  ring.push(failed);
  ring.push(unique);
  assert.deepEqual(ring.get(1), { ...ack(1), seq: 6 });
  assert.deepEqual(ring.get(2), failed);
  assert.deepEqual(ring.get(3), unique);
  ring.push(ack(4)); // forgets 1
  ring.push(ack(5)); // forgets the failure of 2: its slot now holds a plain success
  assert.equal(ring.has(2), false);
  assert.deepEqual(ring.get(5), ack(5));
  assert.deepEqual(ring.get(3), unique);
});

Deno.test("UpdateLog.range() gives back each kind of update as pushed, after the ring wrapped", () => {
  const log = new UpdateLog(4);
  const updates: StoreUpdate[] = [
    { type: "put", key: "a", value: count(1), expiryNs: null },
    { type: "erase", key: "a" },
    { type: "put", key: "b", value: "v", expiryNs: 5n },
    { type: "expire", key: "b" },
    { type: "clear" },
    { type: "put", key: count(9), value: [1, 2], expiryNs: null },
  ];
  updates.forEach((u, i) => log.push(i + 1, u));
  assert.equal(log.has(2), false);
  assert.equal(log.has(3), true);
  assert.equal(log.has(7), true, "the next one");
  assert.deepEqual(log.range(3, 6), updates.slice(2));
});

import assert from "node:assert/strict";
import { RingQueue } from "./_ring_queue.ts";

Deno.test("RingQueue keeps FIFO order across growth and unshift", () => {
  const q = new RingQueue<number>(2);
  for (let i = 0; i < 40; i++) q.push(i);
  for (let i = 0; i < 10; i++) assert.equal(q.shift(), i);
  q.unshift(-1);
  for (let i = 40; i < 60; i++) q.push(i);
  assert.equal(q.shift(), -1);
  const rest: number[] = [];
  while (q.length > 0) rest.push(q.shift()!);
  assert.deepEqual(rest, Array.from({ length: 50 }, (_, i) => i + 10));
  assert.equal(q.shift(), undefined);
});

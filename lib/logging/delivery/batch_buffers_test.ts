import assert from "node:assert/strict";
import { BatchBufferPool } from "./batch_buffers.ts";

Deno.test("BatchBufferPool.take() reuses a given-back buffer that is large enough", () => {
  const pool = new BatchBufferPool(4);
  const first = pool.take(1000);
  assert.equal(first.length, 1000);
  first.fill(7);
  pool.give(first.subarray(0, 10)); // a batch is a view of its buffer
  assert.equal(pool.size, 1);
  assert.equal(pool.take(2000).length, 2000, "too small: a new one");
  const again = pool.take(800);
  assert.equal(again.buffer, first.buffer, "the same memory");
  assert.equal(again.length, 1000, "the whole buffer");
  assert.deepEqual(pool.stats, { reused: 1, allocated: 2, discarded: 0 });
});

Deno.test("BatchBufferPool.give() keeps at most its bound, never one buffer twice, never huge ones", () => {
  const pool = new BatchBufferPool(2);
  const a = pool.take(100);
  pool.give(a);
  pool.give(a.subarray(5));
  assert.equal(pool.size, 1, "given twice, kept once");
  pool.give(pool.take(100).fill(0));
  pool.give(new Uint8Array(100));
  pool.give(new Uint8Array(100));
  assert.equal(pool.size, 2);
  pool.give(new Uint8Array(5 * 1024 * 1024));
  assert.equal(pool.size, 2);
  assert.equal(pool.stats.discarded, 3);
  const x = pool.take(10);
  const y = pool.take(10);
  assert.notEqual(x.buffer, y.buffer, "two takes never share a buffer");
});

Deno.test("BatchBufferPool.take() never hands a small batch a much larger buffer", () => {
  const pool = new BatchBufferPool();
  pool.give(new Uint8Array(4 * 1024 * 1024));
  const small = pool.take(4096);
  assert.equal(small.length, 4096, "a fresh one: the big buffer would outlive the batch unseen");
  assert.equal(pool.size, 1);
  assert.equal(pool.take(3 * 1024 * 1024).length, 4 * 1024 * 1024, "a batch of that size takes it");
});

import assert from "node:assert/strict";
import type { LogBatch } from "../transport/transport.ts";
import { BATCH_LEDGER_FILE, BatchLedger } from "./batch_ledger.ts";
import { LogAcknowledger } from "./log_acks.ts";

const MALFORMED = new Uint8Array([0xff]);

function batch(sender: string, seq?: number, bytes = new Uint8Array([1])): LogBatch {
  return seq === undefined
    ? { sender, format: "zeek-bin-serializer", batch: bytes }
    : { sender, format: "zeek-bin-serializer", batch: bytes, seq };
}

/** Lets pending promise reactions run (no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/**
 * An acknowledger over a real ledger in a temp dir, a recording writer (throws for
 * {@linkcode MALFORMED}), a `flushed` whose promises the test settles, and recorded acks.
 */
async function setup(ackDelayMs?: number) {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const written: LogBatch[] = [];
  const flushes: PromiseWithResolvers<void>[] = [];
  const acked: [string, number[]][] = [];
  let ackWaiter: PromiseWithResolvers<void> | undefined;
  const acks = new LogAcknowledger({
    ledger,
    write: (b) => {
      if (b.batch === MALFORMED) throw new SyntaxError("Cannot decode batch: bad tag 255");
      written.push(b);
    },
    flushed: () => {
      const d = Promise.withResolvers<void>();
      flushes.push(d);
      return d.promise;
    },
    sendAcks: (sender, seqs) => {
      acked.push([sender, seqs]);
      ackWaiter?.resolve();
    },
    ...(ackDelayMs === undefined ? {} : { ackDelayMs }),
  });
  return {
    acks,
    ledger,
    written,
    flushes,
    acked,
    /** Resolves once the ack timer sent something. */
    nextAcks(): Promise<void> {
      ackWaiter = Promise.withResolvers<void>();
      return ackWaiter.promise;
    },
    async [Symbol.asyncDispose]() {
      acks[Symbol.dispose]();
      ledger[Symbol.dispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("LogAcknowledger.receive() writes a batch without a number and acks nothing", async () => {
  await using t = await setup();
  const b = batch("zeek_w1");
  t.acks.receive(b);
  t.acks.receive(b); // no number: no way to tell copies apart
  assert.deepEqual(t.written, [b, b]);
  assert.equal(t.flushes.length, 0);
  assert.deepEqual(t.acks.stats, { written: 0, duplicates: 0, ackEvents: 0 });
  t.acks[Symbol.dispose]();
  assert.deepEqual(t.acked, []);
});

Deno.test("LogAcknowledger.receive() acks a numbered batch only once it is flushed", async () => {
  await using t = await setup(1);
  const b = batch("s", 1);
  t.acks.receive(b);
  assert.deepEqual(t.written, [b]);
  assert.equal(t.flushes.length, 1);
  await settle();
  assert.equal(t.ledger.has("s", 1), false);
  assert.equal(t.acks.stats.written, 0);
  const sent = t.nextAcks();
  t.flushes[0]!.resolve();
  await settle();
  assert.equal(t.ledger.has("s", 1), true);
  assert.equal(t.acks.stats.written, 1);
  await sent;
  assert.deepEqual(t.acked, [["s", [1]]]);
  assert.equal(t.acks.stats.ackEvents, 1);
});

Deno.test("LogAcknowledger.receive() acks a copy of a written batch again without writing", async () => {
  await using t = await setup(1);
  t.ledger.add("s", 4); // written before, e.g. before a restart
  const sent = t.nextAcks();
  t.acks.receive(batch("s", 4));
  assert.deepEqual(t.written, []);
  assert.equal(t.flushes.length, 0);
  assert.equal(t.acks.stats.duplicates, 1);
  await sent;
  assert.deepEqual(t.acked, [["s", [4]]]);
  // The same after this acknowledger wrote it itself.
  t.acks.receive(batch("s", 5));
  t.flushes[0]!.resolve();
  const second = t.nextAcks();
  await settle();
  await second;
  const third = t.nextAcks();
  t.acks.receive(batch("s", 5));
  await third;
  assert.equal(t.written.length, 1);
  assert.deepEqual(t.acked, [["s", [4]], ["s", [5]], ["s", [5]]]);
  assert.deepEqual(t.acks.stats, { written: 1, duplicates: 2, ackEvents: 3 });
});

Deno.test("LogAcknowledger.receive() drops a copy of a batch still in flight", async () => {
  await using t = await setup(1);
  t.acks.receive(batch("s", 1));
  t.acks.receive(batch("s", 1));
  t.acks.receive(batch("other", 1)); // another sender's 1 is another batch
  assert.equal(t.written.length, 2);
  assert.equal(t.flushes.length, 2);
  assert.equal(t.acks.stats.duplicates, 1);
  const sent = t.nextAcks();
  for (const f of t.flushes) f.resolve();
  await sent;
  assert.deepEqual(t.acked, [["s", [1]], ["other", [1]]]);
  assert.equal(t.acks.stats.written, 2);
});

Deno.test("LogAcknowledger coalesces acks per sender into one sendAcks call", async () => {
  await using t = await setup(1);
  for (const seq of [1, 2, 3]) t.acks.receive(batch("s", seq));
  t.acks.receive(batch("t", 9));
  const sent = t.nextAcks();
  for (const f of t.flushes) f.resolve();
  await sent; // both senders go out in the same timer run
  assert.deepEqual(t.acked, [["s", [1, 2, 3]], ["t", [9]]]);
  assert.equal(t.acks.stats.ackEvents, 2);
});

Deno.test("LogAcknowledger.receive() acks a malformed batch and rethrows", async () => {
  await using t = await setup(1);
  const sent = t.nextAcks();
  assert.throws(() => t.acks.receive(batch("s", 3, MALFORMED)), SyntaxError);
  assert.equal(t.flushes.length, 0);
  await sent;
  assert.deepEqual(t.acked, [["s", [3]]]);
  assert.equal(t.ledger.has("s", 3), false);
  assert.deepEqual(t.acks.stats, { written: 0, duplicates: 0, ackEvents: 1 });
  // Without a number, the error is the caller's alone.
  assert.throws(() => t.acks.receive(batch("s", undefined, MALFORMED)), SyntaxError);
});

Deno.test("LogAcknowledger.receive() does not ack when the flush fails, and writes a copy again", async () => {
  await using t = await setup(1);
  t.acks.receive(batch("s", 1));
  t.flushes[0]!.reject(new Error("Disk full"));
  await settle();
  assert.equal(t.ledger.has("s", 1), false);
  assert.equal(t.acks.stats.written, 0);
  t.acks.receive(batch("s", 1)); // the sender's resend
  assert.equal(t.written.length, 2);
  assert.equal(t.acks.stats.duplicates, 0);
  const sent = t.nextAcks();
  t.flushes[1]!.resolve();
  await sent;
  // One ack, for the second copy only.
  assert.deepEqual(t.acked, [["s", [1]]]);
  assert.equal(t.acks.stats.written, 1);
});

Deno.test("LogAcknowledger[Symbol.dispose]() sends the waiting acks and stops", async () => {
  await using t = await setup(60_000); // the timer never fires: dispose must clear it
  t.acks.receive(batch("s", 1));
  t.acks.receive(batch("s", 2));
  t.flushes[0]!.resolve();
  await settle();
  assert.deepEqual(t.acked, []);
  t.acks[Symbol.dispose]();
  assert.deepEqual(t.acked, [["s", [1]]]);
  // After dispose: a flush finishing neither records nor acks; nor does a copy.
  t.flushes[1]!.resolve();
  await settle();
  assert.equal(t.ledger.has("s", 2), false);
  t.acks.receive(batch("s", 1));
  t.acks[Symbol.dispose]();
  assert.deepEqual(t.acked, [["s", [1]]]);
  assert.equal(t.acks.stats.ackEvents, 1);
});

Deno.test("LogAcknowledger.receive() records a batch in the ledger in the same turn when flushSync can write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const order: string[] = [];
  const acked: [string, number[]][] = [];
  let canSync = true;
  const acks = new LogAcknowledger({
    ledger,
    write: () => order.push("write"),
    flushSync: () => {
      order.push(canSync ? "flushSync" : "flushSync refused");
      return canSync;
    },
    flushed: () => {
      order.push("flushed");
      return Promise.resolve();
    },
    sendAcks: (sender, seqs) => acked.push([sender, seqs]),
    ackDelayMs: 60_000,
  });
  try {
    acks.receive(batch("s", 1));
    assert.equal(ledger.has("s", 1), true, "in the ledger before receive() returns");
    assert.deepEqual(order, ["write", "flushSync"]);
    canSync = false;
    acks.receive(batch("s", 2));
    assert.equal(ledger.has("s", 2), false, "waits for the asynchronous flush");
    await settle();
    assert.equal(ledger.has("s", 2), true);
    assert.deepEqual(order.slice(2), ["write", "flushSync refused", "flushed"]);
  } finally {
    acks[Symbol.dispose]();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(acked, [["s", [1, 2]]], "dispose sent both acknowledgements");
});

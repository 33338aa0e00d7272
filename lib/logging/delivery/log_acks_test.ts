import assert from "node:assert/strict";
import { ManualTimers } from "../../clock.ts";
import type { LogBatch } from "../../transport/transport.ts";
import { BATCH_LEDGER_FILE, BatchLedger } from "./batch_ledger.ts";
import { type BatchLines, LogAcknowledger } from "./log_acks.ts";

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

/** A write-out the test ends: `resolve()` or `reject(error)` calls the waiting callback. */
interface WriteOut {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * An acknowledger over a real ledger in a temp dir, a recording writer (throws for
 * {@linkcode MALFORMED}) whose lines always wait for a write-out the test ends, and recorded
 * acks.
 */
async function setup(ackDelayMs?: number) {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const written: LogBatch[] = [];
  const flushes: WriteOut[] = [];
  const acked: [string, number[]][] = [];
  let ackWaiter: PromiseWithResolvers<void> | undefined;
  const lines: BatchLines = {
    flushSync: () => false,
    whenWritten: (done) =>
      flushes.push({
        resolve: () => done(undefined, false),
        reject: (error) => done(error, false),
      }),
  };
  const acks = new LogAcknowledger({
    ledger,
    write: (b) => {
      if (b.batch === MALFORMED) throw new SyntaxError("Cannot decode batch: bad tag 255");
      written.push(b);
      return lines;
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
  let writeOut: (() => void) | undefined;
  const lines: BatchLines = {
    flushSync: () => {
      order.push(canSync ? "flushSync" : "flushSync refused");
      return canSync;
    },
    whenWritten: (done) => {
      order.push("whenWritten");
      writeOut = () => done(undefined, false);
    },
  };
  const acks = new LogAcknowledger({
    ledger,
    write: (b) => {
      order.push("write");
      // A batch with nothing to write (refused, empty) has no lines to wait for.
      return b.seq === 3 ? undefined : lines;
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
    assert.equal(ledger.has("s", 2), false, "waits for the write-out of its file");
    assert.deepEqual(order.slice(2), ["write", "flushSync refused", "whenWritten"]);
    writeOut!();
    assert.equal(ledger.has("s", 2), true, "recorded from within the write-out");
    acks.receive(batch("s", 3));
    assert.equal(ledger.has("s", 3), true, "nothing to write: recorded at once");
    assert.deepEqual(order.slice(5), ["write"]);
  } finally {
    acks[Symbol.dispose]();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(acked, [["s", [1, 2, 3]]], "dispose sent the acknowledgements");
});

Deno.test("LogAcknowledger records the batches one write-out wrote together, with its last callback", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const waiting: ((error: Error | undefined, more: boolean) => void)[] = [];
  const acked: [string, number[]][] = [];
  const acks = new LogAcknowledger({
    ledger,
    write: () => ({ flushSync: () => false, whenWritten: (done) => waiting.push(done) }),
    sendAcks: (sender, seqs) => acked.push([sender, seqs]),
    ackDelayMs: 60_000,
  });
  try {
    for (const seq of [1, 2, 3]) acks.receive(batch("s", seq));
    acks.receive(batch("t", 1));
    // One write-out wrote 1, 2 (failed for none) and t's 1; 3 is left for the next one.
    waiting[0]!(undefined, true);
    waiting[1]!(undefined, true);
    assert.equal(ledger.has("s", 1), false, "not before the write-out's last callback");
    waiting[3]!(undefined, false);
    assert.deepEqual([ledger.has("s", 1), ledger.has("s", 2), ledger.has("t", 1)], [
      true,
      true,
      true,
    ]);
    assert.equal(ledger.has("s", 3), false);
    assert.equal(Deno.readTextFileSync(`${dir}/${BATCH_LEDGER_FILE}`), "s 1\ns 2\nt 1\n");
    // A failed write-out records none of its batches.
    waiting[2]!(new Error("No space left on device"), false);
    assert.equal(ledger.has("s", 3), false);
    assert.equal(acks.stats.written, 3);
  } finally {
    acks[Symbol.dispose]();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(acked, [["s", [1, 2]], ["t", [1]]]);
});

Deno.test("LogAcknowledger.receive() neither records nor acks a batch whose write failed in flushSync", async () => {
  await using t = await setup(1);
  let fail = true;
  const failing = new LogAcknowledger({
    ledger: t.ledger,
    write: () => ({
      flushSync: () => false,
      // What a file whose flushSync() failed does: nothing left to write, the error that lost it.
      whenWritten: (done) => done(fail ? new Error("Input/output error") : undefined, false),
    }),
    sendAcks: (sender, seqs) => t.acked.push([sender, seqs]),
    ackDelayMs: 1,
  });
  failing.receive(batch("s", 1));
  assert.equal(t.ledger.has("s", 1), false);
  assert.equal(failing.stats.written, 0);
  fail = false;
  failing.receive(batch("s", 1)); // the resend: not in flight any more, written again
  assert.equal(t.ledger.has("s", 1), true);
  failing[Symbol.dispose]();
  assert.deepEqual(t.acked, [["s", [1]]], "one ack, for the copy written");
  assert.deepEqual(failing.stats, { written: 1, duplicates: 0, ackEvents: 1 });
});

Deno.test("LogAcknowledger acknowledges a sender's batches in the order they came, recording each at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const waiting = new Map<number, (error: Error | undefined, more: boolean) => void>();
  const acked: [string, number[]][] = [];
  let ackWaiter = Promise.withResolvers<void>();
  /** Batches 1 and 4 go to a file being opened; the others to one open and idle. */
  const acks = new LogAcknowledger({
    ledger,
    write: (b) => {
      if (b.batch === MALFORMED) throw new SyntaxError("Cannot decode batch: bad tag 255");
      const slow = b.seq === 1 || b.seq === 4;
      return { flushSync: () => !slow, whenWritten: (done) => waiting.set(b.seq!, done) };
    },
    sendAcks: (sender, seqs) => {
      acked.push([sender, seqs]);
      ackWaiter.resolve();
    },
    ackDelayMs: 1,
  });
  try {
    acks.receive(batch("s", 1));
    acks.receive(batch("s", 2));
    acks.receive(batch("t", 7)); // another sender: not held back by s's batches
    assert.throws(() => acks.receive(batch("s", 3, MALFORMED)), SyntaxError);
    acks.receive(batch("s", 4));
    acks.receive(batch("s", 5));
    assert.deepEqual([1, 2, 4, 5].map((s) => ledger.has("s", s)), [false, true, false, true]);
    await ackWaiter.promise;
    assert.deepEqual(acked, [["t", [7]]], "2, 3 and 5 wait for 1");
    ackWaiter = Promise.withResolvers();
    waiting.get(1)!(undefined, false);
    await ackWaiter.promise;
    assert.deepEqual(acked.slice(1), [["s", [1, 2, 3]]], "5 waits for 4");
    ackWaiter = Promise.withResolvers();
    // 4's write-out fails: not acknowledged (the sender sends it again), 5 goes.
    waiting.get(4)!(new Error("No space left on device"), false);
    await ackWaiter.promise;
    assert.deepEqual(acked.slice(2), [["s", [5]]]);
    assert.equal(ledger.has("s", 4), false);
    acks.receive(batch("s", 6));
    assert.deepEqual(acks.stats, { written: 5, duplicates: 0, ackEvents: 3 });
  } finally {
    acks[Symbol.dispose]();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(acked.slice(3), [["s", [6]]], "nothing held any more");
});

Deno.test("LogAcknowledger coalesces acknowledgements until its injected timer fires", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_" });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const timers = new ManualTimers();
  const acked: [string, number[]][] = [];
  const acks = new LogAcknowledger({
    ledger,
    write: () => ({ flushSync: () => true, whenWritten: (done) => done(undefined, false) }),
    sendAcks: (sender, seqs) => acked.push([sender, seqs]),
    ackDelayMs: 5,
    timers,
  });
  try {
    acks.receive(batch("a", 1));
    acks.receive(batch("b", 1));
    acks.receive(batch("a", 2));
    await settle();
    assert.deepEqual(acked, [], "nothing before the coalescing wait");
    assert.equal(timers.pending, 1, "one timer for all of them");
    timers.advance(4);
    assert.deepEqual(acked, []);
    timers.advance(1);
    assert.deepEqual(acked, [["a", [1, 2]], ["b", [1]]]);
    assert.equal(acks.stats.ackEvents, 2);
    assert.equal(timers.pending, 0);
    acks.receive(batch("a", 3));
    await settle();
    acks[Symbol.dispose]();
    assert.equal(timers.pending, 0, "dispose clears the pending timer");
  } finally {
    acks[Symbol.dispose]();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import type { LogTarget } from "../../transport/transport.ts";
import { LogDelivery, type LogDeliveryOptions } from "./log_delivery.ts";

interface Sent {
  readonly logger: number;
  readonly seq: number;
  readonly batch: Uint8Array;
}

/** A LogDelivery with a recording `send`, a settable clock and a set of refusing loggers. */
function setup(loggers: string[], options: Partial<LogDeliveryOptions> = {}) {
  const sent: Sent[] = [];
  const refuse = new Set<number>();
  const clock = { t: 0 };
  const delivery = new LogDelivery({
    loggers,
    send: (target: LogTarget, batch: Uint8Array) => {
      if (refuse.has(target.logger)) return false;
      sent.push({ logger: target.logger, seq: target.seq, batch });
      return true;
    },
    now: () => clock.t,
    ackTimeoutMs: 1000,
    ...options,
  });
  /** The sends since the last call, as `[logger, seq]` pairs. */
  const take = (): [number, number][] => sent.splice(0).map((s) => [s.logger, s.seq]);
  return { delivery, sent, refuse, clock, take };
}

const bytes = (n: number) => new Uint8Array(n);

Deno.test("LogDelivery.send() numbers batches and goes round-robin over the loggers", () => {
  const { delivery, sent, take } = setup(["l0", "l1"]);
  const b = bytes(3);
  assert.equal(delivery.send(b), true);
  assert.equal(sent[0]!.batch, b);
  for (let i = 0; i < 3; i++) delivery.send(bytes(1));
  assert.deepEqual(take(), [[0, 1], [1, 2], [0, 3], [1, 4]]);
  assert.equal(delivery.stats.sent, 4);
  assert.equal(delivery.stats.pending, 4);
  assert.equal(delivery.stats.pendingBytes, 6);
});

Deno.test("LogDelivery.onAck() forgets acknowledged batches and counts them", () => {
  const { delivery, take } = setup(["l0", "l1"]);
  delivery.send(bytes(10));
  delivery.send(bytes(20));
  take();
  delivery.onAck("l1", [2]);
  assert.equal(delivery.stats.acked, 1);
  assert.equal(delivery.stats.pending, 1);
  assert.equal(delivery.stats.pendingBytes, 10);
  delivery.onAck("l0", [1, 1, 99]); // repeats and unknown numbers are ignored
  assert.equal(delivery.stats.acked, 2);
  assert.equal(delivery.stats.pending, 0);
  assert.equal(delivery.stats.pendingBytes, 0);
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.resent, 0);
});

Deno.test("LogDelivery.onAck() resends, same number, what the logger sent earlier lost", () => {
  const { delivery, take } = setup(["l0"]);
  for (let i = 0; i < 3; i++) delivery.send(bytes(1));
  assert.deepEqual(take(), [[0, 1], [0, 2], [0, 3]]);
  delivery.onAck("l0", [3]);
  assert.deepEqual(take(), [[0, 1], [0, 2]]);
  assert.equal(delivery.stats.resent, 2);
  assert.equal(delivery.stats.pending, 2);
  // The resent copies are later than 3 on that logger: acking them resends nothing.
  delivery.onAck("l0", [2]);
  assert.deepEqual(take(), [[0, 1]]); // 1 was resent before 2: the gap again
  delivery.onAck("l0", [1]);
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.pending, 0);
});

Deno.test("LogDelivery.onAck() does not resend batches sent to another logger", () => {
  const { delivery, take } = setup(["l0", "l1"]);
  for (let i = 0; i < 4; i++) delivery.send(bytes(1)); // l0: 1, 3; l1: 2, 4
  take();
  delivery.onAck("l0", [3]);
  assert.deepEqual(take(), [[0, 1]]); // 1 was lost by l0; 2 (on l1) is not touched
  assert.equal(delivery.stats.resent, 1);
});

Deno.test("LogDelivery.onAck() ignores an unknown logger name", () => {
  const { delivery, take, clock } = setup(["l0"]);
  delivery.send(bytes(1));
  delivery.send(bytes(1));
  take();
  delivery.onAck("nobody", [2]);
  assert.equal(delivery.stats.acked, 0);
  assert.equal(delivery.stats.pending, 2);
  assert.deepEqual(take(), []);
  // Nor does it make l0 count as acknowledging: its batches are forgotten at the timeout.
  clock.t = 1000;
  delivery.tick();
  assert.equal(delivery.stats.unconfirmed, 2);
  assert.deepEqual(take(), []);
});

Deno.test("LogDelivery.onAck() from the original logger clears a batch moved elsewhere", () => {
  const { delivery, take, clock } = setup(["l0", "l1"]);
  delivery.send(bytes(1)); // 1 → l0
  delivery.onAck("l0", [1]);
  delivery.onAck("l1", []);
  delivery.send(bytes(1)); // 2 → l1
  delivery.send(bytes(1)); // 3 → l0
  take();
  delivery.loggerDown("l0");
  clock.t = 1000;
  delivery.onAck("l1", [2]);
  delivery.tick(); // 3's timeout passes while l0 is down: it moves to l1
  assert.deepEqual(take(), [[1, 3]]);
  delivery.onAck("l0", [3]); // l0 had written it after all
  assert.equal(delivery.stats.pending, 0);
  delivery.onAck("l1", [3]); // the second copy's ack is a no-op
  assert.equal(delivery.stats.acked, 3);
  assert.deepEqual(take(), []);
});

Deno.test("LogDelivery keeps a down logger's batches for it, resends them when it is back, moves them only after the timeout", () => {
  const { delivery, take, clock } = setup(["l0", "l1"]);
  delivery.send(bytes(1)); // 1 → l0
  delivery.onAck("l0", [1]);
  delivery.onAck("l1", []);
  delivery.send(bytes(1)); // 2 → l1
  delivery.send(bytes(1)); // 3 → l0
  delivery.send(bytes(1)); // 4 → l1
  delivery.send(bytes(1)); // 5 → l0
  take();
  delivery.loggerDown("l0");
  assert.deepEqual(take(), [], "nothing moves when l0 goes down: it may have written them");
  // New batches skip the down logger.
  delivery.send(bytes(1));
  delivery.send(bytes(1));
  assert.deepEqual(take(), [[1, 6], [1, 7]]);
  delivery.loggerUp("l0");
  assert.deepEqual(
    take(),
    [[0, 3], [0, 5]],
    "back up: l0 gets its own again (its ledger drops copies)",
  );
  assert.equal(delivery.stats.resent, 2);
  delivery.loggerUp("l0"); // already up: nothing again
  assert.deepEqual(take(), []);
  // Down past the timeout: then they go to a logger that acknowledges.
  delivery.loggerDown("l0");
  clock.t = 2000;
  delivery.onAck("l1", [2, 4, 6, 7]);
  delivery.tick();
  assert.deepEqual(take(), [[1, 3], [1, 5]]);
  assert.equal(delivery.stats.pending, 2);
});

Deno.test("LogDelivery.loggerDown() resends nothing for a logger that never acked", () => {
  const { delivery, take } = setup(["l0", "l1"]);
  delivery.send(bytes(1));
  delivery.send(bytes(1));
  delivery.onAck("l1", []); // l1 speaks the protocol; l0 never did
  take();
  delivery.loggerDown("l0");
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.resent, 0);
  assert.equal(delivery.stats.pending, 2);
});

Deno.test("LogDelivery.tick() keeps the batches of a down logger on it when no other is up", () => {
  const { delivery, take, clock } = setup(["l0", "l1"]);
  delivery.send(bytes(1)); // 1 → l0
  delivery.send(bytes(1)); // 2 → l1
  delivery.onAck("l0", []);
  delivery.onAck("l1", []);
  take();
  delivery.loggerDown("l1");
  delivery.loggerDown("l0");
  delivery.loggerDown("nobody"); // unknown names are ignored
  assert.deepEqual(take(), []);
  clock.t = 1000;
  delivery.tick(); // nobody is up: each goes again to its own logger (queued for its return)
  assert.deepEqual(take(), [[0, 1], [1, 2]]);
  assert.equal(delivery.stats.pending, 2);
});

Deno.test("LogDelivery.send() still sends when every logger is down", () => {
  const { delivery, take } = setup(["l0", "l1"]);
  delivery.loggerDown("l0");
  delivery.loggerDown("l1");
  assert.equal(delivery.send(bytes(1)), true);
  assert.equal(delivery.send(bytes(1)), true);
  assert.equal(delivery.send(bytes(1)), true);
  assert.deepEqual(take(), [[0, 1], [1, 2], [0, 3]]);
  assert.equal(delivery.stats.dropped, 0);
});

Deno.test("LogDelivery.loggerUp() puts a logger back in the round-robin", () => {
  const { delivery, take } = setup(["l0", "l1", "l2"]);
  delivery.loggerDown("l1");
  for (let i = 0; i < 3; i++) delivery.send(bytes(1));
  assert.deepEqual(take(), [[0, 1], [2, 2], [0, 3]]);
  delivery.loggerUp("l1");
  delivery.loggerUp("nobody");
  for (let i = 0; i < 3; i++) delivery.send(bytes(1));
  assert.deepEqual(take(), [[1, 4], [2, 5], [0, 6]]);
});

Deno.test("LogDelivery.tick() resends after the timeout, doubling it per attempt", () => {
  const { delivery, take, clock } = setup(["l0"], { ackTimeoutMs: 1000 });
  delivery.onAck("l0", []);
  delivery.send(bytes(1)); // sent at 0
  take();
  clock.t = 999;
  delivery.tick();
  assert.deepEqual(take(), []);
  clock.t = 1000;
  delivery.tick();
  assert.deepEqual(take(), [[0, 1]]); // second send at 1000: next wait 2000
  clock.t = 2999;
  delivery.tick();
  assert.deepEqual(take(), []);
  clock.t = 3000;
  delivery.tick();
  assert.deepEqual(take(), [[0, 1]]); // third at 3000: next wait 4000
  clock.t = 6999;
  delivery.tick();
  assert.deepEqual(take(), []);
  clock.t = 7000;
  delivery.tick();
  assert.deepEqual(take(), [[0, 1]]);
  assert.equal(delivery.stats.resent, 3);
  assert.equal(delivery.stats.sent, 1);
  assert.equal(delivery.stats.unconfirmed, 0);
  delivery.onAck("l0", [1]);
  assert.equal(delivery.stats.pending, 0);
});

Deno.test("LogDelivery.tick() backs off to at most a minute", () => {
  const { delivery, take, clock } = setup(["l0"], { ackTimeoutMs: 20_000 });
  delivery.onAck("l0", []);
  delivery.send(bytes(1));
  take();
  clock.t = 20_000;
  delivery.tick(); // attempt 1, next wait 40 s
  clock.t = 60_000;
  delivery.tick(); // attempt 2, next wait min(80 s, 60 s)
  assert.deepEqual(take(), [[0, 1], [0, 1]]);
  clock.t = 119_999;
  delivery.tick();
  assert.deepEqual(take(), []);
  clock.t = 120_000;
  delivery.tick();
  assert.deepEqual(take(), [[0, 1]]);
});

Deno.test("LogDelivery.tick() forgets, never resends, batches of a logger that never acked", () => {
  const { delivery, take, clock } = setup(["l0"]);
  delivery.send(bytes(5));
  delivery.send(bytes(7));
  take();
  clock.t = 999;
  delivery.tick();
  assert.equal(delivery.stats.pending, 2);
  clock.t = 1000;
  delivery.tick();
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.unconfirmed, 2);
  assert.equal(delivery.stats.resent, 0);
  assert.equal(delivery.stats.pending, 0);
  assert.equal(delivery.stats.pendingBytes, 0);
  clock.t = 100_000;
  delivery.tick();
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.unconfirmed, 2);
});

Deno.test("LogDelivery.tick() treats each batch by the logger it went to", () => {
  const { delivery, take, clock } = setup(["l0", "l1"]);
  delivery.onAck("l1", []); // l1 acknowledges; l0 never does
  delivery.send(bytes(5)); // 1 → l0
  delivery.send(bytes(7)); // 2 → l1
  take();
  clock.t = 1000;
  delivery.tick();
  // 1 is forgotten; 2 is resent to the logger that acknowledges (round-robin would say l0).
  assert.deepEqual(take(), [[1, 2]]);
  assert.equal(delivery.stats.unconfirmed, 1);
  assert.equal(delivery.stats.resent, 1);
  assert.equal(delivery.stats.pending, 1);
  assert.equal(delivery.stats.pendingBytes, 7);
});

Deno.test("LogDelivery.send() evicts the oldest batches past the byte bound", () => {
  const { delivery, take } = setup(["l0"], { bufferBytes: 10 });
  delivery.send(bytes(4)); // 1
  delivery.send(bytes(4)); // 2
  assert.equal(delivery.stats.evicted, 0);
  delivery.send(bytes(4)); // 3: 12 > 10, 1 goes
  assert.equal(delivery.stats.evicted, 1);
  assert.equal(delivery.stats.pending, 2);
  assert.equal(delivery.stats.pendingBytes, 8);
  delivery.send(bytes(9)); // 4: 17, then 13 > 10: 2 and 3 go
  assert.equal(delivery.stats.evicted, 3);
  assert.equal(delivery.stats.pendingBytes, 9);
  delivery.send(bytes(20)); // 5: larger than the bound alone: kept, 4 goes
  assert.equal(delivery.stats.evicted, 4);
  assert.equal(delivery.stats.pending, 1);
  assert.equal(delivery.stats.pendingBytes, 20);
  take();
  // Evicted batches are gone: an ack for the last one finds no gap to resend.
  delivery.onAck("l0", [5]);
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.pending, 0);
});

Deno.test("LogDelivery.send() skips a refusing logger and returns false when all refuse", () => {
  const { delivery, refuse, take } = setup(["l0", "l1"]);
  refuse.add(0);
  assert.equal(delivery.send(bytes(1)), true);
  assert.equal(delivery.send(bytes(1)), true);
  assert.deepEqual(take(), [[1, 1], [1, 2]]);
  refuse.add(1);
  assert.equal(delivery.send(bytes(3)), false);
  assert.equal(delivery.stats.dropped, 1);
  assert.equal(delivery.stats.sent, 2);
  assert.equal(delivery.stats.pending, 2);
  assert.equal(delivery.stats.pendingBytes, 2);
  refuse.clear();
  delivery.send(bytes(1));
  assert.deepEqual(take(), [[0, 4]]); // the number 3 was used up by the dropped batch
});

Deno.test("LogDelivery.send() with no loggers drops", () => {
  const { delivery } = setup([]);
  assert.equal(delivery.send(bytes(1)), false);
  assert.equal(delivery.stats.dropped, 1);
  assert.equal(delivery.stats.pending, 0);
});

Deno.test("LogDelivery.tick() retries a resend nobody took at the next tick", () => {
  const { delivery, refuse, take, clock } = setup(["l0"]);
  delivery.onAck("l0", []);
  delivery.send(bytes(1));
  take();
  refuse.add(0);
  clock.t = 1000;
  delivery.tick();
  assert.deepEqual(take(), []);
  assert.equal(delivery.stats.resent, 0);
  assert.equal(delivery.stats.pending, 1);
  refuse.clear();
  clock.t = 3000; // the failed attempt counted: wait 2000 from 1000
  delivery.tick();
  assert.deepEqual(take(), [[0, 1]]);
  assert.equal(delivery.stats.resent, 1);
});

Deno.test("LogDelivery follows logger instances by id: a restart resends, a late down of the old one is ignored", () => {
  const { delivery, take } = setup(["l0"]);
  delivery.loggerUp("l0", "id-1");
  delivery.onAck("l0", []);
  delivery.send(bytes(1)); // 1 → l0, lost in the crash
  take();
  // The new instance's hello arrives before the old one's goodbye.
  delivery.loggerUp("l0", "id-2");
  assert.deepEqual(take(), [[0, 1]], "a new id means a restart: its batches go again");
  delivery.loggerDown("l0", "id-1");
  delivery.send(bytes(1));
  delivery.send(bytes(1));
  assert.deepEqual(take(), [[0, 2], [0, 3]]);
  delivery.loggerUp("l0", "id-2"); // same instance, still up: nothing again
  assert.deepEqual(take(), []);
  delivery.loggerDown("l0", "id-2");
  delivery.loggerUp("l0", "id-3");
  assert.deepEqual(take(), [[0, 1], [0, 2], [0, 3]]);
});

Deno.test("LogDelivery releases a batch acknowledged after one send, never one sent twice", () => {
  const released: Uint8Array[] = [];
  const { delivery, clock } = setup(["l0"], { release: (b) => released.push(b) });
  const once = bytes(1);
  const twice = bytes(2);
  delivery.send(twice);
  delivery.send(once);
  clock.t = 2000;
  delivery.tick(); // both resent: they may sit in a socket queue twice
  delivery.onAck("l0", [1]);
  assert.deepEqual(released, []);
  const fresh = bytes(3);
  delivery.send(fresh);
  delivery.onAck("l0", [2, 3]);
  assert.deepEqual(released, [fresh]);
  delivery.onAck("l0", [3]);
  assert.deepEqual(released, [fresh], "a repeated ack releases nothing again");
});

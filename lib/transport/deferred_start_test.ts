/**
 * Transports opened without handlers deliver nothing until `start()`: what arrives waits in the
 * bounded on-loop queue (the node wires its layers in between).
 */
import assert from "node:assert/strict";
import { OnloopQueue } from "./onloop_queue.ts";
import { createMemoryHub } from "./memory_transport.ts";
import type { TransportErrorCode, TransportHandlers, TransportMessage } from "./transport.ts";

function recorder() {
  const got: string[] = [];
  const handlers: TransportHandlers = {
    onMessage: (m) => void got.push(`message ${m.topic}`),
    onSubscription: (ev) => void got.push(`${ev.type} ${ev.topic}`),
    onLog: (b) => void got.push(`log ${b.sender}`),
    onError: (code: TransportErrorCode, message) => void got.push(`${code} ${message}`),
  };
  return { got, handlers };
}

const msg = (topic: string): TransportMessage => ({
  topic,
  sender: "s",
  format: "f",
  payload: new Uint8Array([1]),
});

Deno.test("OnloopQueue without handlers holds items and errors, bounded, until start()", async () => {
  const q = new OnloopQueue(undefined, { hwm: 2 });
  assert.equal(q.started, false);
  assert.equal(q.pushMessage(msg("a")), true);
  assert.equal(q.pushMessage(msg("b")), true);
  assert.equal(q.pushMessage(msg("c")), false, "past the high-water mark");
  q.error("receive_error", "early");
  q.drain();
  const { got, handlers } = recorder();
  assert.equal(got.length, 0);
  q.start(handlers);
  assert.equal(q.started, true);
  await Promise.resolve();
  assert.deepEqual(got, ["receive_error early", "message a", "message b"]);
  assert.equal(q.drops, 1);
  assert.throws(() => q.start(handlers), /started already/);
  q[Symbol.dispose]();
});

Deno.test("MemoryHub.open(): replayed subscriptions and messages wait for start()", async () => {
  const hub = createMemoryHub();
  const a = recorder();
  await using first = hub.attach(a.handlers);
  first.subscribe("zeek.test.");
  await using second = hub.open();
  second.subscribe("zeek.other.");
  first.publish(msg("zeek.other.x"));
  await new Promise((r) => setTimeout(r, 0));
  const b = recorder();
  assert.equal(b.got.length, 0);
  second.start(b.handlers);
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(b.got.includes("subscribed zeek.test."), b.got.join(", "));
  assert.ok(b.got.includes("message zeek.other.x"), b.got.join(", "));
});

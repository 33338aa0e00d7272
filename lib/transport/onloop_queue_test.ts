import assert from "node:assert/strict";
import { Recorder, utf8, waitFor } from "./_test_helpers.ts";
import { OnloopQueue } from "./onloop_queue.ts";

const msg = (topic: string) => ({ topic, sender: "s", format: "f", payload: utf8("p") });

Deno.test("OnloopQueue delivers in arrival order across kinds", () => {
  const order: string[] = [];
  using q = new OnloopQueue({
    onMessage: (m) => order.push(`m:${m.topic}`),
    onSubscription: (s) => order.push(`s:${s.type}:${s.topic}`),
    onLog: (l) => order.push(`l:${l.sender}`),
    onError: () => {},
  });
  q.pushMessage(msg("a"));
  q.pushSubscription({ type: "subscribed", topic: "t" });
  q.pushLog({ sender: "w", format: "f", batch: utf8("b") });
  q.pushMessage(msg("b"));
  q.drain();
  assert.deepEqual(order, ["m:a", "s:subscribed:t", "l:w", "m:b"]);
});

Deno.test("OnloopQueue drops events at the HWM; logs and subscriptions bypass it", () => {
  const r = new Recorder();
  using q = new OnloopQueue(r, { hwm: 2 });
  assert.equal(q.pushMessage(msg("1")), true);
  assert.equal(q.pushMessage(msg("2")), true);
  assert.equal(q.pushMessage(msg("3")), false);
  q.pushLog({ sender: "w", format: "f", batch: utf8("b") });
  q.pushSubscription({ type: "unsubscribed", topic: "t" });
  assert.equal(q.length, 4);
  assert.equal(q.drops, 1);
  q.drain();
  assert.equal(r.messages.length, 2);
  assert.equal(r.logs.length, 1);
  assert.equal(r.subscriptions.length, 1);
});

Deno.test("OnloopQueue reports handler exceptions and keeps delivering", () => {
  const r = new Recorder();
  r.onMessage = (m) => {
    if (m.topic === "bad") throw new Error("boom");
    r.messages.push(m);
  };
  using q = new OnloopQueue(r);
  q.pushMessage(msg("bad"));
  q.pushMessage(msg("good"));
  q.drain();
  assert.equal(r.messages.length, 1);
  assert.equal(q.handlerErrors, 1);
  assert.deepEqual(r.errors, [{ code: "handler_error", message: "Handler failed: boom" }]);
});

Deno.test("OnloopQueue defers beyond maxPerDrain and stops on dispose", async () => {
  const r = new Recorder();
  const q = new OnloopQueue(r, { maxPerDrain: 3 });
  for (let i = 0; i < 7; i++) q.pushMessage(msg(`${i}`));
  q.drain();
  assert.equal(r.messages.length, 3);
  await waitFor(() => r.messages.length === 7, "the deferred rest");
  q.pushMessage(msg("x"));
  q.pushMessage(msg("y"));
  q.pushMessage(msg("z"));
  q.pushMessage(msg("w"));
  q.drain();
  q[Symbol.dispose]();
  q[Symbol.dispose]();
  assert.equal(q.length, 0);
  assert.equal(q.pushMessage(msg("late")), false);
  assert.throws(() => new OnloopQueue(r, { hwm: -1 }), RangeError);
});

import assert from "node:assert/strict";
import { TransportClosedError } from "../errors.ts";
import { Recorder, utf8, waitFor } from "./_test_helpers.ts";
import { createMemoryHub } from "./memory_transport.ts";

const msg = (topic: string, sender = "a") => ({
  topic,
  sender,
  format: "broker-bin-v1",
  payload: utf8(topic),
});

Deno.test("createMemoryHub() routes by prefix, echoes own messages and keeps order", async () => {
  const hub = createMemoryHub();
  const ra = new Recorder();
  const rb = new Recorder();
  await using a = hub.attach(ra);
  await using b = hub.attach(rb);
  b.subscribe("zeek.b.");
  a.subscribe("zeek.a.");
  for (let i = 0; i < 10; i++) a.publish(msg(`zeek.b.${i}`));
  a.publish(msg("zeek.a.self"));
  a.publish(msg("zeek.c.nobody"));
  assert.equal(rb.messages.length, 0, "delivery is asynchronous");
  await waitFor(() => rb.messages.length === 10 && ra.messages.length === 1, "delivery");
  assert.deepEqual(
    rb.messages.map((m) => m.topic),
    Array.from({ length: 10 }, (_, i) => `zeek.b.${i}`),
  );
  assert.equal(ra.messages[0]!.topic, "zeek.a.self");
  assert.equal(a.stats.messagesOut, 12);
  assert.equal(b.stats.messagesIn, 10);
});

Deno.test("createMemoryHub() notifies like a verbose XPUB behind the proxy", async () => {
  const hub = createMemoryHub();
  const ra = new Recorder();
  const rb = new Recorder();
  await using a = hub.attach(ra);
  const b = hub.attach(rb);
  b.subscribe("t.");
  a.subscribe("t.");
  b.subscribe("only-b.");
  await waitFor(() => ra.subscriptions.length === 3, "three notifications");
  assert.deepEqual(ra.subscriptions, [
    { type: "subscribed", topic: "t." },
    { type: "subscribed", topic: "t." },
    { type: "subscribed", topic: "only-b." },
  ]);
  // A late joiner gets the current set once per topic.
  const rc = new Recorder();
  await using _c = hub.attach(rc);
  await waitFor(() => rc.subscriptions.length === 2, "replay");
  assert.deepEqual(rc.subscriptions.map((s) => s.topic).sort(), ["only-b.", "t."]);
  // Unsubscribing a shared topic is silent; a leaving member's own topics are unsubscribed.
  b.unsubscribe("t.");
  await b[Symbol.asyncDispose]();
  await b[Symbol.asyncDispose]();
  await waitFor(() => ra.saw("unsubscribed", "only-b."), "node_down-style unsubscription");
  assert.ok(!ra.saw("unsubscribed", "t."));
  assert.equal(hub.size, 2);
  assert.equal(await b.closed, undefined);
  assert.throws(() => b.publish(msg("t.x")), TransportClosedError);
  assert.throws(() => b.subscribe("x"), TransportClosedError);
});

Deno.test("createMemoryHub() sends log batches round-robin to listening members", async () => {
  const hub = createMemoryHub();
  const l1 = new Recorder();
  const l2 = new Recorder();
  await using _l1 = hub.attach(l1, { listenLogEndpoint: "logger-1" });
  await using _l2 = hub.attach(l2, { listenLogEndpoint: "logger-2" });
  await using w = hub.attach(new Recorder(), { connectLogEndpoints: ["logger-1", "logger-2"] });
  await using lonely = hub.attach(new Recorder());
  for (let i = 0; i < 4; i++) {
    assert.equal(w.sendLog("w", "zeek-bin-serializer", utf8(`${i}`)), true);
  }
  await waitFor(() => l1.logs.length + l2.logs.length === 4, "4 batches");
  assert.equal(l1.logs.length, 2);
  assert.equal(l2.logs.length, 2);
  assert.equal(l1.logs[0]!.sender, "w");
  assert.equal(lonely.sendLog("x", "f", utf8("b")), false);
  assert.equal(lonely.stats.logDrops, 1);
});

Deno.test("createMemoryHub() drops events beyond the onloop bound but never subscriptions", async () => {
  const hub = createMemoryHub();
  const r = new Recorder();
  await using a = hub.attach(r, { onloopQueueHwm: 3 });
  a.subscribe("t.");
  for (let i = 0; i < 10; i++) a.publish(msg("t.x"));
  await waitFor(() => r.subscriptions.length === 1, "the subscription");
  assert.equal(r.messages.length, 2); // the subscription notification occupies one slot
  assert.equal(a.stats.onloopDrops, 8);
});

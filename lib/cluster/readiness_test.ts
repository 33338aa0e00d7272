import assert from "node:assert/strict";
import { Readiness } from "./_readiness.ts";

function readiness(calls: string[]): Readiness {
  return new Readiness({
    internalTopicPrefix: "zeek.cluster.internal.",
    nodeId: "n1",
    subscribe: (topic) => calls.push(`+${topic}`),
    unsubscribe: (topic) => calls.push(`-${topic}`),
  });
}

Deno.test("Readiness.whenReady() resolves when its own topic comes back, then unsubscribes", async () => {
  const calls: string[] = [];
  const r = readiness(calls);
  const ready = r.whenReady();
  assert.deepEqual(calls, ["+zeek.cluster.internal.n1.1."]);
  assert.equal(r.isInternal("zeek.cluster.internal.n1.1."), true);
  assert.equal(r.isInternal("zeek.cluster.node.n1."), false);
  r.subscribed("zeek.cluster.node.n1."); // someone else's topic: still waiting
  assert.equal(calls.length, 1);
  r.subscribed("zeek.cluster.internal.n1.1.");
  await ready;
  assert.deepEqual(calls, ["+zeek.cluster.internal.n1.1.", "-zeek.cluster.internal.n1.1."]);
  r.subscribed("zeek.cluster.internal.n1.1."); // a repeat does nothing
  assert.equal(calls.length, 2);
});

Deno.test("Readiness.whenReady() rejects with the abort reason and unsubscribes", async () => {
  const calls: string[] = [];
  const r = readiness(calls);
  const controller = new AbortController();
  const ready = r.whenReady(controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(ready, /stop/);
  assert.deepEqual(calls, ["+zeek.cluster.internal.n1.1.", "-zeek.cluster.internal.n1.1."]);
  await assert.rejects(r.whenReady(AbortSignal.abort(new Error("early"))), /early/);
  assert.equal(calls.length, 2);
});

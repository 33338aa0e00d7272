import assert from "node:assert/strict";
import { parseLayout } from "../layout/parse_layout.ts";
import { DEFAULT_TOPIC_OPTIONS, nodeidTopic } from "../topics/topics.ts";
import { CLUSTER_HELLO, Membership, type MembershipAction, ZEROMQ_HELLO } from "./membership.ts";
import { makeNodeId, uniqueId } from "./node_id.ts";

const layout = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2 },
  "worker-2": { nodeType: "WORKER", ip: "127.0.0.1", p: 3 },
});

function member(name: string, id: string): Membership {
  return new Membership({
    layout,
    name,
    id,
    topics: DEFAULT_TOPIC_OPTIONS,
    helloExpirationMs: 10_000,
  });
}

/** Delivers the publish actions of `from` to `to` (both directions of a pair). */
function deliver(actions: MembershipAction[], to: Membership, toId: string): MembershipAction[] {
  const out: MembershipAction[] = [];
  for (const a of actions) {
    if (a.type !== "publish" || a.topic !== nodeidTopic(toId)) continue;
    const [name, id] = a.args;
    out.push(
      ...(a.event === ZEROMQ_HELLO ? to.zeromqHello(name, id, 0) : to.clusterHello(name, id, 0)),
    );
  }
  return out;
}

function ups(actions: MembershipAction[]): string[] {
  return actions.filter((a) => a.type === "node_up").map((a) => (a as { name: string }).name);
}

Deno.test("Membership completes the hello handshake and raises node_up once on each side", () => {
  const m = member("manager", "M1");
  const w = member("worker-1", "W1");
  // Both see each other's nodeid subscription (and their own, which is ignored).
  assert.deepEqual(m.subscribed(nodeidTopic("M1"), 0), []);
  const mActs = m.subscribed(nodeidTopic("W1"), 0);
  assert.deepEqual(mActs, [{
    type: "publish",
    topic: nodeidTopic("W1"),
    event: ZEROMQ_HELLO,
    args: ["manager", "M1"],
  }]);
  const wActs = w.subscribed(nodeidTopic("M1"), 0);
  // The ZeroMQ hellos cross; each answers with Cluster::hello.
  const wReply = deliver(mActs, w, "W1");
  const mReply = deliver(wActs, m, "M1");
  assert.equal(wReply.length, 1);
  assert.equal((wReply[0] as { event: string }).event, CLUSTER_HELLO);
  // The Cluster::hellos raise node_up.
  const onM = deliver(wReply, m, "M1");
  const onW = deliver(mReply, w, "W1");
  assert.deepEqual(ups(onM), ["worker-1"]);
  assert.deepEqual(ups(onW), ["manager"]);
  assert.ok(
    onM.some((a) => a.type === "cluster_log" && a.message === "got hello from worker-1 (W1)"),
  );
  assert.equal(m.activeCount("WORKER"), 1);
  assert.equal(m.nameOf("W1"), "worker-1");
  assert.deepEqual(m.pending(), { subscriptions: 0, hellos: 0, departed: 0 });
});

Deno.test("Membership handles a hello that arrives before the subscription", () => {
  const m = member("manager", "M1");
  assert.deepEqual(m.zeromqHello("worker-1", "W1", 0), []);
  const acts = m.subscribed(nodeidTopic("W1"), 0);
  assert.deepEqual(acts.map((a) => (a as { event: string }).event), [ZEROMQ_HELLO, CLUSTER_HELLO]);
});

Deno.test("Membership raises node_down on the nodeid unsubscription", () => {
  const m = member("manager", "M1");
  m.clusterHello("worker-1", "W1", 0);
  const acts = m.unsubscribed(nodeidTopic("W1"), 0);
  assert.deepEqual(acts, [
    { type: "node_down", name: "worker-1", id: "W1" },
    { type: "cluster_log", message: "node down: worker-1" },
  ]);
  assert.equal(m.activeCount("WORKER"), 0);
  assert.equal(m.unsubscribed(nodeidTopic("W1"), 0)[0]!.type, "warning");
  assert.deepEqual(m.unsubscribed("zeek.cluster.worker", 0), []);
});

Deno.test("Membership fabricates node_down when a restarted node never said goodbye", () => {
  const m = member("manager", "M1");
  m.clusterHello("worker-1", "W1", 0);
  const acts = m.zeromqHello("worker-1", "W2", 0);
  assert.equal(acts[0]!.type, "warning");
  assert.match((acts[0] as { message: string }).message, /never said goodbye/);
  assert.deepEqual(acts[1], { type: "node_down", name: "worker-1", id: "W1" });
  assert.deepEqual(ups(m.clusterHello("worker-1", "W2", 0)), ["worker-1"]);
  assert.equal(m.idOf("worker-1"), "W2");
  assert.match(
    (m.unsubscribed(nodeidTopic("W1"), 0)[0] as { message: string }).message,
    /unknown node/,
  );
});

Deno.test("Membership warns on a repeated hello and rejects unexpected and duplicate nodes", () => {
  const m = member("manager", "M1");
  m.clusterHello("worker-1", "W1", 0);
  const again = m.zeromqHello("worker-1", "W1", 0);
  assert.match((again[0] as { message: string }).message, /twice/);
  assert.deepEqual(again[1], {
    type: "publish",
    topic: nodeidTopic("W1"),
    event: CLUSTER_HELLO,
    args: ["manager", "M1"],
  });
  assert.deepEqual(ups(again), []);
  assert.deepEqual(m.clusterHello("intruder", "X", 0)[0]!.type, "error");
  const dup = m.clusterHello("worker-1", "W9", 0);
  assert.equal(dup[0]!.type, "error");
  assert.deepEqual(ups(dup), []);
});

Deno.test("Membership brings back a peer that saw our subscription go while we saw nothing", () => {
  const m = member("manager", "M1");
  const w = member("worker-1", "W1");
  const mActs = m.subscribed(nodeidTopic("W1"), 0);
  const wActs = w.subscribed(nodeidTopic("M1"), 0);
  deliver(deliver(mActs, w, "W1"), m, "M1");
  deliver(deliver(wActs, m, "M1"), w, "W1");
  assert.deepEqual([m.upNodes(), w.upNodes()], [["worker-1"], ["manager"]]);
  // The worker's subscriber connection drops and reconnects: only the manager sees it.
  assert.deepEqual(m.unsubscribed(nodeidTopic("W1"), 0).map((a) => a.type), [
    "node_down",
    "cluster_log",
  ]);
  const hello = m.subscribed(nodeidTopic("W1"), 0);
  const answer = deliver(hello, w, "W1");
  assert.deepEqual(answer.map((a) => a.type), ["warning", "publish"]);
  // Its Cluster::hello raises node_up and settles the manager's pending subscription.
  assert.deepEqual(ups(deliver(answer, m, "M1")), ["worker-1"]);
  assert.deepEqual(m.pending(), { subscriptions: 0, hellos: 0, departed: 0 });
  assert.deepEqual(m.expire(60_000), []);
  assert.equal(m.idOf("worker-1"), "W1");
  assert.deepEqual(w.upNodes(), ["manager"]);
});

Deno.test("Membership expires half-finished handshakes after helloExpirationMs", () => {
  const m = member("manager", "M1");
  m.subscribed(nodeidTopic("W1"), 0);
  m.zeromqHello("worker-2", "W2", 5_000);
  assert.deepEqual(m.expire(9_999), []);
  const first = m.expire(10_000);
  assert.deepEqual(first.map((a) => (a as { message: string }).message), [
    "Expired subscription from nodeid W1",
  ]);
  assert.deepEqual(m.expire(15_000).map((a) => (a as { message: string }).message), [
    "Expired hello from nodeid W2",
  ]);
  assert.deepEqual(m.pending(), { subscriptions: 0, hellos: 0, departed: 0 });
});

Deno.test("makeNodeId() follows Zeek's format and uniqueId() is base62 of 64 bits", () => {
  assert.equal(
    makeNodeId({ node: "worker-1", host: "host", pid: 4242, unique: "NrFj3eGxkRR5" }),
    "zeromq_worker-1_host_4242_NrFj3eGxkRR5",
  );
  assert.equal(uniqueId(() => new Uint8Array(8)), "N0");
  assert.equal(uniqueId(() => new Uint8Array(8).fill(255)), "NLygHa16AHYF");
  assert.match(uniqueId(), /^N[0-9A-Za-z]{1,11}$/);
  assert.notEqual(uniqueId(), uniqueId());
});

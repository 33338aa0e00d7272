/**
 * Property tests of the membership reducer over the orders in which one peer's four inputs can
 * reach a node: its nodeid subscription and unsubscription (XPUB stream), its ZeroMQ hello and its
 * cluster hello (XSUB stream). The two streams are not ordered against each other.
 */
import assert from "node:assert/strict";
import { parseLayout } from "../layout/parse_layout.ts";
import { DEFAULT_TOPIC_OPTIONS, nodeidTopic } from "../topics/topics.ts";
import {
  MAX_DEPARTED,
  Membership,
  type MembershipAction,
  type MembershipOptions,
} from "./membership.ts";

const layout = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
  logger: { nodeType: "LOGGER", ip: "127.0.0.1", p: 4 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2 },
});

const EXPIRATION_MS = 10_000;

function member(name: string, id: string, extra: Partial<MembershipOptions> = {}): Membership {
  return new Membership({
    layout,
    name,
    id,
    topics: DEFAULT_TOPIC_OPTIONS,
    helloExpirationMs: EXPIRATION_MS,
    ...extra,
  });
}

type Input = "subscription" | "zeromq hello" | "cluster hello" | "unsubscription";
const INPUTS: readonly Input[] = [
  "subscription",
  "zeromq hello",
  "cluster hello",
  "unsubscription",
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

function feed(m: Membership, input: Input, nowMs: number): MembershipAction[] {
  const topic = nodeidTopic("W1");
  switch (input) {
    case "subscription":
      return m.subscribed(topic, nowMs);
    case "zeromq hello":
      return m.zeromqHello("worker-1", "W1", nowMs);
    case "cluster hello":
      return m.clusterHello("worker-1", "W1", nowMs);
    case "unsubscription":
      return m.unsubscribed(topic, nowMs);
  }
}

/** Runs one order; returns the node_up/node_down sequence and the cluster.log lines. */
function run(order: readonly Input[]) {
  const m = member("manager", "M1");
  const events: string[] = [];
  const lines: string[] = [];
  order.forEach((input, i) => {
    for (const a of feed(m, input, i)) {
      if (a.type === "node_up" || a.type === "node_down") events.push(a.type);
      if (a.type === "cluster_log") lines.push(a.message);
    }
  });
  return { m, events, lines };
}

const ORDERS = permutations(INPUTS);

Deno.test("Membership: every order of one peer's four inputs ends with the peer down when it unsubscribed last", () => {
  assert.equal(ORDERS.length, 24);
  let checked = 0;
  for (const order of ORDERS) {
    // The peer subscribes, says both hellos and unsubscribes, in that wall order. The XPUB delivers
    // one topic's subscribe and unsubscribe in order, so the subscription is processed before the
    // unsubscription; the hellos (the other stream) may land anywhere.
    if (order.indexOf("subscription") > order.indexOf("unsubscription")) continue;
    checked++;
    const { m, events, lines } = run(order);
    const what = order.join(" -> ");
    assert.equal(m.idOf("worker-1"), undefined, `peer still up after ${what}`);
    assert.equal(m.activeCount("WORKER"), 0, what);
    assert.deepEqual(m.upNodes(), [], what);
    // Never a node_up without its node_down after it.
    const ups = events.filter((e) => e === "node_up").length;
    assert.deepEqual(events, ups === 1 ? ["node_up", "node_down"] : [], what);
    // cluster.log: a "got hello" is followed by a "node down", as Zeek writes them.
    assert.deepEqual(
      lines,
      ups === 1 ? ["got hello from worker-1 (W1)", "node down: worker-1"] : [],
      what,
    );
    // The hello came before the unsubscription was processed exactly when node_up was raised.
    assert.equal(ups === 1, order.indexOf("cluster hello") < order.indexOf("unsubscription"), what);
    // Nothing is left behind once helloExpirationMs has passed.
    m.expire(10 + EXPIRATION_MS);
    assert.deepEqual(m.pending(), { subscriptions: 0, hellos: 0, departed: 0 }, what);
    const late = order.slice(order.indexOf("unsubscription") + 1)
      .filter((i) => i === "zeromq hello" || i === "cluster hello").length;
    assert.equal(m.stats.hellosFromDeparted, ups === 1 ? 0 : late, what);
    assert.equal(m.stats.departedExpired, ups === 1 ? 0 : late, what);
  }
  assert.equal(checked, 12);
});

Deno.test("Membership: a subscription after the unsubscription is a new one and replays the hellos held meanwhile", () => {
  for (const order of ORDERS) {
    if (order.indexOf("subscription") < order.indexOf("unsubscription")) continue;
    // The XPUB said "gone", then "subscribed" again (the proxy replays subscriptions after a
    // reconnect): the peer is alive, and the hellos that came meanwhile must not be lost.
    // A cluster hello processed before the unsubscription was the old subscription's: the peer
    // went down, and the new subscription waits for new hellos.
    const { m, events } = run(order);
    const what = order.join(" -> ");
    const helloAfter = order.indexOf("cluster hello") > order.indexOf("unsubscription");
    assert.equal(m.idOf("worker-1"), helloAfter ? "W1" : undefined, what);
    assert.deepEqual(events, helloAfter ? ["node_up"] : ["node_up", "node_down"], what);
    assert.deepEqual(m.pending().departed, 0, what);
  }
});

Deno.test("Membership: a hello from a departed id is held for helloExpirationMs, then dropped and counted", () => {
  const m = member("manager", "M1");
  assert.equal(m.unsubscribed(nodeidTopic("W1"), 0)[0]!.type, "warning");
  const held = m.clusterHello("worker-1", "W1", EXPIRATION_MS - 1);
  assert.deepEqual(held.map((a) => a.type), ["warning"]);
  assert.equal(m.stats.hellosFromDeparted, 1);
  assert.deepEqual(m.upNodes(), []);
  // After the expiration the id is forgotten: a hello is an ordinary hello again.
  assert.deepEqual(m.expire(EXPIRATION_MS), []);
  assert.equal(m.stats.departedExpired, 1);
  assert.deepEqual(
    m.clusterHello("worker-1", "W1", EXPIRATION_MS).filter((a) => a.type === "node_up").length,
    1,
  );
});

Deno.test("Membership: the proxy host's departure raises node_down and writes its line when a new instance says hello", () => {
  const m = member("logger", "L1", { proxyHost: "manager" });
  m.clusterHello("manager", "M1", 0);
  m.clusterHello("worker-1", "W1", 0);
  // The manager (and its proxy) stops: node_down, but no cluster.log line, as on a Zeek logger.
  assert.deepEqual(m.unsubscribed(nodeidTopic("M1"), 1), [
    { type: "node_down", name: "manager", id: "M1" },
  ]);
  assert.equal(m.activeCount("MANAGER"), 0);
  // Other nodes' departures are written as before.
  assert.deepEqual(m.unsubscribed(nodeidTopic("W1"), 1)[1], {
    type: "cluster_log",
    message: "node down: worker-1",
  });
  // A new manager says hello: now a Zeek logger writes "node down: manager" (the old instance
  // "never said goodbye"), then "got hello from manager".
  const lines = [...m.zeromqHello("manager", "M2", 2), ...m.clusterHello("manager", "M2", 2)]
    .filter((a) => a.type === "cluster_log").map((a) => (a as { message: string }).message);
  assert.deepEqual(lines, ["node down: manager", "got hello from manager (M2)"]);
  // The same instance back after a lost connection is no news: no line.
  m.unsubscribed(nodeidTopic("M2"), 3);
  const again = [...m.zeromqHello("manager", "M2", 4), ...m.clusterHello("manager", "M2", 4)]
    .filter((a) => a.type === "cluster_log").map((a) => (a as { message: string }).message);
  assert.deepEqual(again, ["got hello from manager (M2)"]);
  // A new instance whose cluster hello comes first gets its line too, once.
  m.unsubscribed(nodeidTopic("M2"), 5);
  const first = [...m.clusterHello("manager", "M3", 6), ...m.zeromqHello("manager", "M3", 6)]
    .filter((a) => a.type === "cluster_log").map((a) => (a as { message: string }).message);
  assert.deepEqual(first, ["node down: manager", "got hello from manager (M3)"]);
});

Deno.test("Membership: the departed ids are bounded; the oldest is forgotten first and counted", () => {
  const m = member("manager", "M1");
  for (let i = 0; i <= MAX_DEPARTED; i++) m.unsubscribed(nodeidTopic(`X${i}`), 0);
  assert.equal(m.pending().departed, MAX_DEPARTED);
  assert.equal(m.stats.departedEvicted, 1);
  // X0 was forgotten: its hello is an ordinary one; X1 is still held back.
  assert.equal(m.clusterHello("worker-1", "X0", 1).filter((a) => a.type === "node_up").length, 1);
  assert.deepEqual(m.clusterHello("worker-1", "X1", 1).map((a) => a.type), ["warning"]);
});

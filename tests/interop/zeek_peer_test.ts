/**
 * Independent-peer interop: a Python node that builds every frame by hand from the wire spec
 * (`zeek_peer.py`, python3-zmq only) joins a real multi-process zcluster as the WORKER
 * "zeek-worker", says hello, exchanges typed events both ways and leaves.
 */
import assert from "node:assert/strict";
import type { EventFormat } from "../../lib/serialization/event.ts";
import {
  addr,
  BrokerSet,
  BrokerTable,
  type BrokerValue,
  ByteString,
  Count,
  count,
  EnumValue,
  enumValue,
  Int,
  int,
  interval,
  port,
  set,
  subnet,
  table,
  time,
  Timespan,
  Timestamp,
  valueToString,
} from "../../lib/serialization/mod.ts";
import { nodeTopic } from "../../lib/topics/topics.ts";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";
import { PeerProcess, requirePythonZmq, type Typed } from "./_peer_process.ts";

const PEER = "zeek-worker";
const NODES = { manager: "MANAGER", "worker-1": "WORKER", [PEER]: "WORKER", tester: "CONTROL" };

/** The event arguments, as zcluster values; ms-aligned times and short reals survive JSON v1. */
const VALUES: BrokerValue[] = [
  'hello, "Zeek" ü',
  count(2n ** 64n - 1n),
  int(-42),
  2.5,
  -0.125,
  addr("10.0.0.1"),
  addr("2001:db8::1"),
  port(443, "tcp"),
  port(53, "udp"),
  [count(1), "two", addr("192.168.0.1")],
  true,
  subnet("10.0.0.0/8"),
  interval(1.5),
  time(1700000000.5),
  enumValue("Cluster::WORKER"),
  set(["b", "a"]),
  table([["k", count(1)]]),
];

/** The same arguments as the peer prints them and takes them (`[type, value]`). */
const TYPED: Typed[] = [
  ["string", 'hello, "Zeek" ü'],
  ["count", "18446744073709551615"],
  ["integer", "-42"],
  ["real", 2.5],
  ["real", -0.125],
  ["address", "10.0.0.1"],
  ["address", "2001:db8::1"],
  ["port", "443/tcp"],
  ["port", "53/udp"],
  ["vector", [["count", "1"], ["string", "two"], ["address", "192.168.0.1"]]],
  ["boolean", true],
  ["subnet", "10.0.0.0/8"],
  ["timespan", "1500000000"],
  ["timestamp", "1700000000500000000"],
  ["enum-value", "Cluster::WORKER"],
  ["set", [["string", "a"], ["string", "b"]]],
  ["table", [[["string", "k"], ["count", "1"]]]],
];

/** A zcluster value in the peer's `[type, value]` notation. */
function toTyped(v: BrokerValue): Typed {
  if (v === null) return ["none", null];
  if (typeof v === "boolean") return ["boolean", v];
  if (typeof v === "number") return ["real", v];
  if (typeof v === "string" || v instanceof ByteString) return ["string", String(v)];
  if (Array.isArray(v)) return ["vector", v.map(toTyped)];
  if (v instanceof Count || v instanceof Int) {
    return [v instanceof Count ? "count" : "integer", v.value.toString()];
  }
  if (v instanceof Timestamp || v instanceof Timespan) {
    return [v instanceof Timestamp ? "timestamp" : "timespan", v.ns.toString()];
  }
  if (v instanceof EnumValue) return ["enum-value", v.name];
  if (v instanceof BrokerSet) return ["set", v.values.map(toTyped)];
  if (v instanceof BrokerTable) {
    return ["table", v.entries.map(([k, x]) => [toTyped(k), toTyped(x)])];
  }
  const kind = (v as { dataTag: number }).dataTag;
  return [kind === 6 ? "address" : kind === 7 ? "subnet" : "port", String(v)];
}

/** The `args=` field of a zcluster debug `event` line, unquoted. */
function argsField(line: string): string {
  const raw = line.slice(line.indexOf(" args=") + 6);
  return raw.startsWith('"') ? JSON.parse(raw) as string : raw;
}

async function interop(format: EventFormat): Promise<void> {
  await requirePythonZmq();
  assert.deepEqual(VALUES.map(toTyped), TYPED);
  const json = format === "broker-json-v1";
  await using cluster = await startCluster({
    nodes: NODES,
    args: ["--format", json ? "json" : "bin"],
    deferred: [PEER, "tester"],
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await using tester = await startTester(cluster, format);
  await waitFor(
    () => tester.cluster.upNodes().length === 2,
    15_000,
    "tester sees manager, worker-1",
  );
  const fromPeer: BrokerValue[][] = [];
  tester.cluster.on("Interop::from_peer", (...args) => void fromPeer.push(args));

  const sendArgs = JSON.stringify(TYPED);
  await using peer = new PeerProcess([
    ...["--name", PEER, "--type", "WORKER", "--format", json ? "json" : "bin"],
    ...["--xsub-connect", cluster.proxyXpub, "--xpub-connect", cluster.proxyXsub],
    ...["--layout", cluster.layoutPath, "--exit-on", "Interop::to_peer", "--timeout", "40"],
    ...["--send", "manager", "Interop::from_peer", sendArgs],
    ...["--send", "tester", "Interop::from_peer", sendArgs],
  ]);
  const peerId = (await peer.waitFor("start")).id as string;
  assert.match(peerId, new RegExp(`^zeromq_${PEER}_[^_]+_\\d+_N[0-9A-Za-z]+$`));

  // Membership in both directions, with the ids each side announced.
  await cluster.waitForLine("manager", new RegExp(`node_up ${PEER} id=${peerId}`));
  await cluster.waitForLine("worker-1", new RegExp(`node_up ${PEER} id=${peerId}`));
  for (const name of ["manager", "worker-1", "tester"]) {
    const up = await peer.waitFor("node_up", (o) => o.name === name);
    const id = name === "tester" ? tester.cluster.nodeId : tester.cluster.idOf(name);
    assert.equal(up.id, id, `the peer's id of ${name}`);
  }
  await waitFor(() => tester.cluster.upNodes().includes(PEER), 15_000, "tester sees the peer");
  assert.equal(tester.cluster.idOf(PEER), peerId);

  // zcluster -> peer: every value decoded exactly.
  assert.ok(tester.cluster.publish(nodeTopic(PEER), "Interop::to_peer", ...VALUES));
  const got = await peer.waitFor("event", (o) => o.name === "Interop::to_peer");
  assert.equal(got.sender, tester.cluster.nodeId);
  assert.equal(got.topic, nodeTopic(PEER));
  assert.deepEqual(got.args, TYPED);

  // peer -> zcluster: typed on the tester, logged on the manager.
  await waitFor(() => fromPeer.length > 0, 15_000, "Interop::from_peer on the tester");
  assert.deepEqual(fromPeer[0]!.map(toTyped), TYPED);
  const line = await cluster.waitForLine(
    "manager",
    new RegExp(`event Interop::from_peer from ${peerId} on ${nodeTopic("manager")} args=`),
  );
  assert.equal(argsField(line), VALUES.map(valueToString).join(", "));

  // The peer leaves after Interop::to_peer: node_down everywhere.
  const status = await peer.status;
  assert.equal(status.code, 0, `peer exit status\n${peer.stderr.join("\n")}`);
  assert.equal((await peer.waitFor("exit")).unsubscribed, true);
  await cluster.waitForLine("manager", new RegExp(`node_down ${PEER} id=${peerId}`));
  await cluster.waitForLine("worker-1", new RegExp(`node_down ${PEER}`));
  await waitFor(() => !tester.cluster.upNodes().includes(PEER), 15_000, "tester sees it down");

  assert.deepEqual(peer.all("error"), [], "the peer reported errors");
  assert.deepEqual(peer.all("unparsable"), []);
  assert.equal(cluster.count("manager", /Cannot decode|wrong format/), 0);
  assert.equal(tester.cluster.stats.serializationErrors, 0);
}

Deno.test("zeek_peer.py re-encodes every event of the Zeek 8.2.2 captures byte for byte", async () => {
  await requirePythonZmq();
  for (const name of ["zeek-8.2.2-zeromq-bin.json", "zeek-8.2.2-zeromq-json.json"]) {
    await using peer = new PeerProcess([
      "--check-capture",
      new URL(`../../testdata/zeek-8.2.2/${name}`, import.meta.url).pathname,
    ]);
    const status = await peer.status;
    const check = await peer.waitFor("check");
    assert.deepEqual(check.mismatches, [], name);
    assert.ok((check.checked as number) >= 15, name);
    assert.equal(status.code, 0, peer.stderr.join("\n"));
  }
});

Deno.test("a hand-built Python Zeek node joins zcluster over broker-bin-v1", async () => {
  await interop("broker-bin-v1");
});

Deno.test("a hand-built Python Zeek node joins zcluster over broker-json-v1", async () => {
  await interop("broker-json-v1");
});

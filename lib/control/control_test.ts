/**
 * The control service and client on in-process nodes over the memory hub: every command, the
 * client's hello-free join, timeouts, abort, and a staged stop that closes every node.
 */
import assert from "node:assert/strict";
import { ControlTimeoutError, OptionsError } from "../errors.ts";
import { parseLayout } from "../layout/parse_layout.ts";
import type { ClusterLayout } from "../layout/types.ts";
import { createNode, type RunningNode } from "../node/cluster_node.ts";
import type { TransportFactory } from "../transport/factory.ts";
import { resolveOptions } from "../options/options.ts";
import { createMemoryHub } from "../transport/memory_transport.ts";
import {
  ControlClient,
  controlTargets,
  resolveControlOptions,
  SYNTHETIC_CONTROL_NAME,
} from "./control_client.ts";
import { type ControlService, installControl } from "./control_service.ts";
import { CONFIGURATION_UPDATE_EVENT, parseNetStats } from "./commands.ts";

const NODES = {
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.2", p: 27763, manager: "manager" },
  "worker-2": { nodeType: "WORKER", ip: "127.0.0.3", p: 27764, manager: "manager" },
};

interface Fixture extends AsyncDisposable {
  readonly layout: ClusterLayout;
  readonly nodes: Map<string, RunningNode>;
  readonly services: Map<string, ControlService>;
  readonly transport: TransportFactory;
  connect(node?: string): Promise<ControlClient>;
}

async function startNodes(
  extra: Record<string, Record<string, unknown>> = {},
  names = Object.keys(NODES),
): Promise<Fixture> {
  const layout = parseLayout({ ...NODES, ...extra });
  const hub = createMemoryHub();
  // The hub replays current subscriptions as soon as a member attaches; they wait in the member's
  // queue until createNode() has wired its layers and starts it.
  const transport: TransportFactory = () => Promise.resolve(hub.open());
  const logDir = await Deno.makeTempDir({ prefix: "zcluster-control-" });
  const overrides = { logDir, zeromq: { runProxyThread: false, heartbeatIntervalMs: 0 } };
  const nodes = new Map<string, RunningNode>();
  const services = new Map<string, ControlService>();
  for (const name of names) {
    const node = await createNode(resolveOptions({ layout, node: name, overrides }), {
      transport,
      control: false,
    });
    nodes.set(name, node);
    services.set(name, installControl(node, { shutdownDelayMs: 0 }));
  }
  const clients: ControlClient[] = [];
  await waitUntil(() =>
    [...nodes.values()].every((n) => n.cluster.upNodes().length === names.length - 1)
  );
  return {
    layout,
    nodes,
    services,
    transport,
    async connect(node?: string) {
      const options = resolveControlOptions({ layout, ...(node ? { node } : {}), overrides });
      const client = await ControlClient.connect({ options, transport, connectTimeoutMs: 5000 });
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) await client[Symbol.asyncDispose]();
      for (const service of services.values()) service[Symbol.dispose]();
      for (const node of nodes.values()) await node.close();
      await Deno.remove(logDir, { recursive: true });
    },
  };
}

/** Polls a condition; the bound only guards against a hang. */
async function waitUntil(predicate: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(predicate(), `never happened: ${what}`);
}

Deno.test("ControlClient.print() returns an option by zcluster and by Zeek name", async () => {
  await using f = await startNodes();
  await using client = await f.connect();
  assert.equal(await client.print("worker-1", "retryIntervalMs"), "1000");
  assert.equal(await client.print("worker-1", "zeromq.lingerMs"), "500");
  assert.equal(await client.print("worker-1", "Cluster::retry_interval"), "1.0 sec");
  assert.equal(await client.print("manager", "Cluster::node"), "manager");
  assert.equal(await client.print("worker-2", "noSuchOption"), "<unknown id>");
  assert.equal(f.services.get("worker-1")!.answered.id_value, 3);
});

Deno.test("ControlClient joins without hello: nodes neither see it up nor log an error", async () => {
  await using f = await startNodes();
  await using client = await f.connect();
  assert.equal(client.name, SYNTHETIC_CONTROL_NAME);
  assert.deepEqual(client.upNodes().sort(), ["manager", "worker-1", "worker-2"]);
  await client.print("manager", "node");
  for (const node of f.nodes.values()) {
    assert.ok(!node.cluster.upNodes().includes("control"));
    assert.equal(node.cluster.stats.handlerErrors, 0);
  }
});

Deno.test("ControlClient takes its name from the layout's CONTROL node", async () => {
  await using f = await startNodes({ ctl: { nodeType: "CONTROL", ip: "127.0.0.1", p: 27765 } });
  await using client = await f.connect();
  assert.equal(client.name, "ctl");
  assert.match(client.nodeId, /^zeromq_ctl_/);
  assert.deepEqual(controlTargets(f.layout), ["manager", "worker-1", "worker-2"]);
  assert.throws(
    () => resolveControlOptions({ layout: f.layout, node: "worker-1" }),
    (e) => e instanceof OptionsError && /not a CONTROL node/.test(e.message),
  );
});

Deno.test("ControlClient.peerStatus() and netStats() answer per node", async () => {
  await using f = await startNodes();
  await using client = await f.connect();
  const peers = await client.peerStatus();
  assert.deepEqual(peers.map((r) => r.node), ["manager", "worker-1", "worker-2"]);
  const w1 = peers[1]!;
  assert.ok(w1.ok);
  assert.equal(w1.id, f.nodes.get("worker-1")!.cluster.nodeId);
  const lines = w1.value.trimEnd().split("\n");
  assert.equal(lines.length, 2);
  const managerId = f.nodes.get("manager")!.cluster.nodeId;
  assert.match(lines[0]!, new RegExp(`^\\d+\\.\\d{6} peer=${managerId} host=127.0.0.1 status=up`));
  const stats = await client.netStats(["worker-2"]);
  assert.ok(stats[0]!.ok);
  const parsed = parseNetStats(stats[0]!.value);
  assert.ok(parsed.link! >= parsed.recvd!);
  assert.ok(parsed.eventsIn! > 0);
  assert.ok(stats[0]!.value.endsWith("\n"));
});

Deno.test("ControlClient.configurationUpdate() raises the local event and is acknowledged", async () => {
  await using f = await startNodes();
  let raised = 0;
  f.nodes.get("worker-2")!.cluster.on(CONFIGURATION_UPDATE_EVENT, () => void raised++);
  await using client = await f.connect();
  const replies = await client.configurationUpdate(["worker-2"]);
  assert.ok(replies[0]!.ok);
  assert.equal(raised, 1);
});

Deno.test("ControlClient requests time out with ControlTimeoutError and honour abort", async () => {
  await using f = await startNodes({}, ["manager", "worker-1"]);
  await using client = await f.connect();
  await assert.rejects(
    client.print("worker-2", "retryIntervalMs", { timeoutMs: 50 }),
    (e) => e instanceof ControlTimeoutError && /worker-2: not up/.test(e.message),
  );
  const replies = await client.netStats(undefined, { timeoutMs: 50 });
  assert.deepEqual(replies.map((r) => r.ok), [true, true, false]);
  const controller = new AbortController();
  const reason = new Error("user gave up");
  const pending = client.print("worker-2", "x", { signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
});

Deno.test("ControlClient.status() reports each node with rates from two samples", async () => {
  await using f = await startNodes({}, ["manager", "worker-1"]);
  await using client = await f.connect();
  const rows = await client.status({ sampleMs: 20 });
  assert.deepEqual(rows.map((r) => [r.node, r.up]), [
    ["manager", true],
    ["worker-1", true],
    ["worker-2", false],
  ]);
  const w1 = rows[1]!;
  assert.equal(w1.type, "WORKER");
  assert.equal(w1.host, "127.0.0.2");
  assert.equal(w1.id, f.nodes.get("worker-1")!.cluster.nodeId);
  assert.equal(typeof w1.eventsInPerS, "number");
  assert.equal(typeof w1.eventsOutPerS, "number");
  assert.equal(w1.drops, 0);
  assert.ok(w1.uptimeS! >= 0);
  assert.equal(rows[2]!.id, undefined);
});

Deno.test("ControlClient.stop() confirms every node, manager last, and every node closes", async () => {
  await using f = await startNodes();
  await using client = await f.connect();
  const order: string[] = [];
  for (const [name, node] of f.nodes) node.closed.then(() => order.push(name));
  const results = await client.stop();
  assert.deepEqual(results.map((r) => [r.node, r.state]), [
    ["manager", "confirmed"],
    ["worker-1", "stopped"],
    ["worker-2", "stopped"],
  ]);
  const closed = await Promise.all([...f.nodes.values()].map((n) => n.closed));
  assert.deepEqual(closed, [undefined, undefined, undefined]);
  assert.equal(order.at(-1), "manager");
});

Deno.test("ControlClient.stop() reports nodes that are not running", async () => {
  await using f = await startNodes({}, ["manager", "worker-1"]);
  await using client = await f.connect();
  const results = await client.stop(["worker-2", "worker-1"]);
  assert.deepEqual(results.map((r) => r.state), ["not_running", "stopped"]);
  assert.equal(await f.nodes.get("worker-1")!.closed, undefined);
});

import assert from "node:assert/strict";
import { waitWithDeadline } from "../async.ts";
import { silentLogger } from "../diagnostics/logger.ts";
import { parseLayout } from "../layout/parse_layout.ts";
import { type ClusterOptions, resolveOptions } from "../options/options.ts";
import type { TransportFactory } from "../transport/factory.ts";
import { zeromqTransportFactory } from "../transport/zeromq/from_options.ts";
import type { ZmqContext } from "../transport/zeromq/socket.ts";
import { type ConnectTarget, createNode } from "./cluster_node.ts";
import { freePorts as ports } from "../../tests/_ports.ts";

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}

Deno.test("createNode() asks connectNodeHook before connecting; a veto keeps the connection closed", async () => {
  const [p1, p2, p3, xpub, xsub] = ports(5);
  const layout = parseLayout({
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: p1 },
    "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: p2, manager: "manager" },
    "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: p3, manager: "manager" },
  });
  const logDir = await Deno.makeTempDir();
  const overrides = {
    logDir,
    zeromq: {
      listenXpubEndpoint: `tcp://127.0.0.1:${xpub}`,
      connectXsubEndpoint: `tcp://127.0.0.1:${xpub}`,
      listenXsubEndpoint: `tcp://127.0.0.1:${xsub}`,
      connectXpubEndpoint: `tcp://127.0.0.1:${xsub}`,
    },
  };
  const node = (name: string, hook?: (t: ConnectTarget) => boolean) =>
    createNode(resolveOptions({ layout, node: name, overrides }), {
      ...(hook ? { connectNodeHook: hook } : {}),
    });
  await using manager = await node("manager");
  await using logger = await node("logger-1");
  const asked: ConnectTarget[] = [];
  // The worker may reach the proxy but not the logger.
  await using worker = await node("worker-1", (t) => {
    asked.push(t);
    return t.kind === "proxy";
  });
  assert.deepEqual(asked.map((t) => [t.kind, t.node]), [["proxy", "manager"], [
    "logger",
    "logger-1",
  ]]);
  assert.ok(await until(() => worker.cluster.upNodes().length === 2, 10_000), "worker joined");
  worker.log.write("Cluster::LOG", { ts: 1, node: "worker-1", message: "x" });
  worker.log.flush();
  assert.ok(await until(() => worker.transport.stats.logDrops > 0, 5_000), "no log endpoint");
  // A worker whose proxy connection is vetoed stays alone.
  await using isolated = await node("worker-1", (t) => t.kind !== "proxy");
  assert.equal(await until(() => isolated.cluster.upNodes().length > 0, 1_000), false);
  assert.equal(manager.cluster.upNodes().includes("logger-1"), true);
  await logger.close();
  await Deno.remove(logDir, { recursive: true });
});

/** A lone manager's options (its own ports and log directory, removed afterwards). */
async function withManagerOptions(
  zeromq: Record<string, unknown>,
  body: (options: ClusterOptions) => Promise<void>,
): Promise<void> {
  const [p1, xpub, xsub] = ports(3);
  const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: p1 } });
  const logDir = await Deno.makeTempDir();
  try {
    const endpoints = {
      listenXpubEndpoint: `tcp://127.0.0.1:${xpub}`,
      connectXsubEndpoint: `tcp://127.0.0.1:${xpub}`,
      listenXsubEndpoint: `tcp://127.0.0.1:${xsub}`,
      connectXpubEndpoint: `tcp://127.0.0.1:${xsub}`,
    };
    await body(
      resolveOptions({
        layout,
        node: "manager",
        overrides: { logDir, zeromq: { ...endpoints, ...zeromq } },
      }),
    );
  } finally {
    await Deno.remove(logDir, { recursive: true });
  }
}

Deno.test("createNode() stops the node when its signal aborts, and refuses an aborted signal", async () => {
  await withManagerOptions({}, async (options) => {
    const controller = new AbortController();
    const node = await createNode(options, { signal: controller.signal });
    let closed = false;
    node.closed.then(() => (closed = true));
    assert.equal(node.log.write("Cluster::LOG", { ts: 1, node: "manager", message: "up" }), true);
    controller.abort();
    assert.equal(await node.closed, undefined);
    assert.equal(closed, true);
    // Everything was released: a second node takes the same log directory.
    await using again = await createNode(options);
    assert.equal(again.options.logDir, options.logDir);
    await assert.rejects(
      createNode(options, { signal: AbortSignal.abort(new Error("not now")) }),
      /not now/,
    );
  });
});

Deno.test("createNode() stops with a failure when its proxy fails, and logs why", async () => {
  await withManagerOptions({}, async (options) => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    // The real proxy and transport, but the transport in a context of its own, over TCP: the test
    // learns the proxy's context and shuts it down (as a fault would end the proxy's thread)
    // without touching the node's sockets.
    let proxyContext: ZmqContext | undefined;
    const transport: TransportFactory = (o, security = {}) => {
      const { proxy, ...own } = security;
      proxyContext = proxy?.context;
      return zeromqTransportFactory(o, own);
    };
    const node = await createNode(options, { logger, transport });
    await node.cluster.whenReady();
    assert.ok(proxyContext, "the node runs its proxy in-process (zeromq.proxyInproc)");
    assert.equal(proxyContext.lib.zmq.zmq_ctx_shutdown(proxyContext.pointer), 0);
    // A failure deadline, not a timing assertion: a node that missed it would run on forever.
    let result: void | Error;
    try {
      result = await waitWithDeadline<void | Error>(
        (done) => (node.closed.then(done), () => {}),
        20_000,
        () => new Error("the node kept running without its proxy"),
      );
    } catch (error) {
      await node.close();
      throw error;
    }
    assert.ok(result instanceof Error);
    assert.match(result.message, /Proxy stopped/);
    assert.ok(errors.some((m) => /^proxy failed: Proxy stopped/.test(m)), errors.join("\n"));
  });
});

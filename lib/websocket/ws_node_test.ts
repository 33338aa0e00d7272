/**
 * The WebSocket API on real in-process nodes (ZeroMQ proxy and transport on 127.0.0.1) with real
 * WebSocket clients: the capture's ping/pong flow across two nodes, fan-out to 100 clients, the
 * connection limit, descriptor leaks over connect/disconnect cycles, and TLS.
 */
import assert from "node:assert/strict";
import { Cluster } from "../cluster/mod.ts";
import { parseLayout } from "../layout/mod.ts";
import { createNode, type RunningNode } from "../node/mod.ts";
import { resolveOptions } from "../options/mod.ts";
import { type BrokerValue, Count, count } from "../serialization/mod.ts";
import { listenWebSocket } from "./ws_server.ts";
import { pyDataMessage } from "../../tests/websocket/_helpers.ts";
import { freePort, RawClient, TestClient } from "../../tests/websocket/_clients.ts";
import type { CycleReport } from "../../tests/websocket/_fd_cycles_main.ts";

const SIGS = { ping: ["string", "count"], pong: ["string", "count"] } as const;

/** A manager (running the proxy) and, optionally, worker-1, on free ports. */
async function startCluster(withWorker: boolean): Promise<RunningNode[]> {
  const layout = parseLayout({
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: freePort() },
    ...(withWorker ? { "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: freePort() } } : {}),
  });
  const xpub = `tcp://127.0.0.1:${freePort()}`;
  const xsub = `tcp://127.0.0.1:${freePort()}`;
  const zeromq = {
    listenXpubEndpoint: xpub,
    listenXsubEndpoint: xsub,
    connectXsubEndpoint: xpub,
    connectXpubEndpoint: xsub,
  };
  // The manager writes the logs here (no logger in the layout); `stop()` removes it.
  const logDir = await Deno.makeTempDir({ prefix: "zcluster-ws-logs-" });
  const nodes = [
    await createNode(resolveOptions({ layout, node: "manager", overrides: { zeromq, logDir } })),
  ];
  if (withWorker) {
    nodes.push(
      await createNode(
        resolveOptions({ layout, node: "worker-1", overrides: { zeromq, logDir } }),
      ),
    );
  }
  return nodes;
}

async function stop(nodes: RunningNode[]): Promise<void> {
  const logDir = nodes[0]?.options.logDir;
  for (const node of nodes.reverse()) await node.close();
  if (logDir) await Deno.remove(logDir, { recursive: true });
}

/** Guards a wait against hanging the suite (not a timing assertion). */
function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Publishes `name` from `from` on `topic` until `until()` holds. */
async function publishUntil(
  from: RunningNode,
  topic: string,
  until: () => boolean,
  what: string,
): Promise<void> {
  await within(
    (async () => {
      while (!until()) {
        from.cluster.publish(topic, "sync");
        await tick();
      }
    })(),
    what,
  );
}

function pingFrame(msg: string, n: number): string {
  return pyDataMessage("ping", [
    { "@data-type": "string", data: msg },
    { "@data-type": "count", data: n },
  ]);
}

Deno.test("listenWebSocket() on a manager: the capture's ping/pong across two nodes", async () => {
  const nodes = await startCluster(true);
  const [manager, worker] = nodes as [RunningNode, RunningNode];
  try {
    // worker-1 plays ws.zeek: it answers ping(msg, n) with pong(msg, n + 1) on zeek.test.pong.
    let synced = false;
    worker.cluster.subscribe("zeek.test.ping");
    worker.cluster.on("sync", () => void (synced = true));
    worker.cluster.on("ping", (msg: BrokerValue, n: BrokerValue) => {
      worker.cluster.publish("zeek.test.pong", "pong", msg, count((n as Count).value + 1n));
    });
    await within(worker.cluster.whenReady(), "worker subscriptions");
    await publishUntil(manager, "zeek.test.ping", () => synced, "manager -> worker path");
    const managerPings: BrokerValue[][] = [];
    manager.cluster.subscribe("zeek.test.ping");
    manager.cluster.on("ping", (...args: BrokerValue[]) => void managerPings.push(args));

    await using ws = await listenWebSocket(manager.cluster, {
      listenAddr: "127.0.0.1",
      listenPort: 0,
      signatures: SIGS,
    });
    const a = await within(TestClient.subscribed(ws.url, ["zeek.test."]), "client a");
    const b = await within(TestClient.subscribed(ws.url, ["zeek.test.pong"]), "client b");
    const c = await within(TestClient.subscribed(ws.url, ["zeek.test.ping"]), "client c");
    a.ws.send(pingFrame("hi", 41));
    const pong = '{"type":"data-message","topic":"zeek.test.pong","@data-type":"vector","data":[' +
      '{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector",' +
      '"data":[{"@data-type":"string","data":"pong"},{"@data-type":"vector","data":[' +
      '{"@data-type":"string","data":"hi"},{"@data-type":"count","data":42}]}]}]}';
    // a never sees its own ping (it would arrive before the pong), b and a get Zeek's bytes.
    assert.equal(await within(a.nextText(), "pong at a"), pong);
    assert.equal(await within(b.nextText(), "pong at b"), pong);
    const seen = await within(c.next(), "ping at c");
    assert.equal(seen?.topic, "zeek.test.ping");
    assert.equal(managerPings.length, 1);
    assert.deepEqual(managerPings[0], ["hi", count(41)]);
    // Zeek's refusals are the same on a real node.
    a.ws.send(pingFrame("x", 1).replace('"data": 1}]', '"data": "one"}]'));
    assert.equal((await within(a.next(), "error"))?.code, "deserialization_failed");
    for (const client of [a, b, c]) await client.close();
    assert.equal(a.unread + b.unread + c.unread, 0);
  } finally {
    await stop(nodes);
  }
});

Deno.test("listenWebSocket() on a manager: 100 clients each get every event; client 101 is refused", async () => {
  const nodes = await startCluster(true);
  const [manager, worker] = nodes as [RunningNode, RunningNode];
  try {
    await using ws = await listenWebSocket(manager.cluster, {
      listenAddr: "127.0.0.1",
      listenPort: 0,
    });
    const clients = await within(
      Promise.all(Array.from({ length: 100 }, () => TestClient.subscribed(ws.url, ["zeek.fan."]))),
      "100 clients",
    );
    assert.equal(ws.stats.connected, 100);
    const refused = new TestClient(ws.url);
    assert.equal(await refused.opened, false);
    assert.equal(ws.stats.refused, 1);

    // Wait until worker-1's publishes reach the manager's new subscription, then send a burst.
    let first: Record<string, unknown> | undefined;
    const firstSeen = clients[0]!.next().then((m) => (first = m));
    await publishUntil(
      worker,
      "zeek.fan.sync",
      () => first !== undefined,
      "worker -> manager path",
    );
    await firstSeen;
    const N = 20;
    for (let i = 0; i < N; i++) worker.cluster.publish("zeek.fan.x", "fan", count(i));
    const received = await within(
      Promise.all(clients.map(async (client) => {
        const got: number[] = [];
        while (got.length < N) {
          const msg = await client.next();
          if (!msg) break;
          const body = (msg.data as { data: unknown }[])[2]!.data as { data: unknown }[];
          if (body[0]!.data === "fan") {
            got.push((body[1]!.data as { data: number }[])[0]!.data);
          }
        }
        return got;
      })),
      "the burst at every client",
    );
    const expected = Array.from({ length: N }, (_, i) => i);
    for (const got of received) assert.deepEqual(got, expected);
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await stop(nodes);
  }
});

Deno.test("listenWebSocket() on a manager: 1,000 connect/disconnect cycles leak no descriptors", async () => {
  // In a process of its own: test files running in parallel share this one's /proc/self/fd.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      new URL("../../tests/websocket/_fd_cycles_main.ts", import.meta.url).pathname,
      "1000",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  const report: CycleReport = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(report.portFdsBefore, 1, "the listener");
  assert.equal(report.portFdsConnected, 3, "the listener and both ends of a connection");
  assert.equal(report.portFdsAfter, 1);
  assert.equal(report.fdsAfter, report.fdsBefore);
  assert.equal(report.accepted, 1001);
});

Deno.test({
  name: "listenWebSocket() on a manager: events the node publishes itself reach clients",
  // Needs `Cluster.onPublish` (see ws_server.ts): a node never dispatches its own publishes.
  ignore: typeof (Cluster.prototype as { onPublish?: unknown }).onPublish !== "function",
  fn: async () => {
    const nodes = await startCluster(false);
    try {
      await using ws = await listenWebSocket(nodes[0]!.cluster, {
        listenAddr: "127.0.0.1",
        listenPort: 0,
      });
      const client = await within(TestClient.subscribed(ws.url, ["zeek.test.pong"]), "client");
      nodes[0]!.cluster.publish("zeek.test.pong", "pong", "hi", count(42));
      assert.equal((await within(client.next(), "pong"))?.topic, "zeek.test.pong");
      await client.close();
    } finally {
      await stop(nodes);
    }
  },
});

async function makeCert(dir: string): Promise<{ ca: string; cert: string; key: string } | string> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  try {
    await run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=zcluster test CA",
    ]);
    await run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "req.csr",
      "-subj",
      "/CN=127.0.0.1",
    ]);
    await Deno.writeTextFile(
      `${dir}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    await run([
      "x509",
      "-req",
      "-in",
      "req.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    ]);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "openssl is not installed";
    throw error;
  }
  return {
    ca: await Deno.readTextFile(`${dir}/ca.pem`),
    cert: `${dir}/cert.pem`,
    key: `${dir}/key.pem`,
  };
}

Deno.test("listenWebSocket() with TLS: wss works, plain ws:// fails cleanly", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-ws-tls-" });
  const nodes = await startCluster(false);
  try {
    const made = await makeCert(dir);
    if (typeof made === "string") {
      console.warn(`Skipping the TLS test: ${made}`);
      return;
    }
    await using ws = await listenWebSocket(nodes[0]!.cluster, {
      listenAddr: "127.0.0.1",
      listenPort: 0,
      tlsOptions: { certFile: made.cert, keyFile: made.key },
    });
    assert.match(ws.url, /^wss:\/\//);
    const subscribeOverTls = async () => {
      const raw = await RawClient.connectTls(ws.addr.port, made.ca);
      assert.match(await raw.upgrade(), / 101 /);
      await raw.sendText('["zeek.tls"]');
      const ack = JSON.parse(
        new TextDecoder().decode((await within(raw.readFrame(), "ack"))?.payload),
      );
      assert.equal(ack.type, "ack");
      raw.close();
    };
    await t.step("a wss client subscribes and gets its ack", subscribeOverTls);
    await t.step("a plain ws:// client fails and the server carries on", async () => {
      const plain = new TestClient(ws.url.replace("wss://", "ws://"));
      assert.equal(await within(plain.opened, "plain client"), false);
      await plain.closed;
      await subscribeOverTls();
    });
    while (ws.stats.connected > 0) await tick();
  } finally {
    await stop(nodes);
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The server on real sockets (Deno.serve + WebSocket clients) over a fake cluster: HTTP-level
 * behaviour, limits, shutdown, keepalive. The real-node suite is `ws_node_test.ts`.
 */
import assert from "node:assert/strict";
import { count, type ZeekEvent } from "../serialization/mod.ts";
import { createNodeMetrics } from "../metrics/mod.ts";
import {
  listenWebSocket,
  type ListenWebSocketOptions,
  type WebSocketEventInfo,
} from "./ws_server.ts";
import { FakeCluster, pyDataMessage } from "../../tests/websocket/_helpers.ts";
import { RawClient, TestClient } from "../../tests/websocket/_clients.ts";

function listen(cluster: FakeCluster, options: Partial<ListenWebSocketOptions> = {}) {
  return listenWebSocket(cluster, {
    listenAddr: "127.0.0.1",
    listenPort: 0,
    signatures: { ping: ["string", "count"] },
    ...options,
  });
}

const PING = pyDataMessage("ping", [
  { "@data-type": "string", data: "hi" },
  { "@data-type": "count", data: 41 },
]);

Deno.test("listenWebSocket() acks, publishes and fans events out without self-echo", async () => {
  const cluster = new FakeCluster("node-1");
  const metrics = createNodeMetrics({ node: "manager", nodeType: "MANAGER", version: "0.1.0" });
  await using server = await listen(cluster, { metrics: metrics.websocket });
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+\/v1\/messages\/json$/);
  const a = await TestClient.open(server.url);
  a.ws.send('["zeek.test."]');
  assert.deepEqual(await a.next(), {
    type: "ack",
    endpoint: "node-1-websocket-0",
    version: "8.2.2",
  });
  const b = await TestClient.subscribed(server.url, ["zeek.test.pong"]);
  assert.deepEqual(server.clients().map((c) => c.id), ["node-1-websocket-0", "node-1-websocket-1"]);
  a.ws.send(PING);
  a.ws.send("oops");
  assert.deepEqual(await a.next(), {
    type: "error",
    code: "deserialization_failed",
    context: "failed to decode JSON object",
  });
  assert.deepEqual(cluster.published.map((p) => [p.topic, p.sender]), [
    ["zeek.test.ping", "node-1-websocket-0"],
  ]);
  const pong = { name: "pong", args: ["hi", count(42)] };
  cluster.emit("zeek.test.pong", "node-2", pong); // To both.
  cluster.emit("zeek.test.ping", "node-1-websocket-0", pong); // a's own: to nobody.
  cluster.emit("zeek.test.ping", "node-1-websocket-1", pong); // b's: to a only.
  cluster.emit("", "node-1", pong); // A local raise: to nobody.
  assert.equal((await a.next())?.topic, "zeek.test.pong");
  assert.equal((await a.next())?.topic, "zeek.test.ping");
  assert.equal((await b.next())?.topic, "zeek.test.pong");
  assert.equal(server.stats.eventsDelivered, 3);
  assert.equal(metrics.websocket.incomingEvents.get({ app: "unknown" }), 3);
  assert.equal(metrics.websocket.outgoingEvents.get({ app: "unknown" }), 1);
  assert.equal(metrics.websocket.clients.get(), 2);
  await a.close();
  await b.close();
  assert.equal(b.unread, 0);
  assert.equal(cluster.subscriptions.size, 0);
});

Deno.test("listenWebSocket() refuses other URIs with invalid_uri and close 1008, as Zeek", async () => {
  await using server = await listen(new FakeCluster());
  const client = new TestClient(server.url.replace("/v1/messages/json", "/v1/messages/bin"));
  assert.deepEqual(await client.next(), {
    type: "error",
    code: "invalid_uri",
    context: "Invalid URI - use /v1/messages/json",
  });
  assert.deepEqual(await client.closed, {
    code: 1008,
    reason: "Invalid URI - use /v1/messages/json",
  });
  assert.equal(server.stats.errors.invalid_uri, 1);
});

Deno.test("listenWebSocket() checks X-Application-Name", async () => {
  await using server = await listen(new FakeCluster());
  const bad = await RawClient.connect(server.addr.port);
  assert.match(
    await bad.upgrade("/v1/messages/json", { "X-Application-Name": "no spaces" }),
    / 101 /,
  );
  assert.deepEqual(await bad.readUntilClose(), {
    texts: [
      '{"type":"error","code":"invalid_application_name","context":"Invalid X-Application-Name"}',
    ],
    close: { code: 1008, reason: "Invalid X-Application-Name" },
  });
  bad.close();
  const good = await RawClient.connect(server.addr.port);
  await good.upgrade("/v1/messages/json", { "X-Application-Name": "zeekctl/2.5.0" });
  await good.sendText('["x"]');
  const ack = await good.readFrame();
  assert.match(new TextDecoder().decode(ack?.payload), /"type":"ack"/);
  assert.deepEqual(server.clients()[0]?.applicationName, "zeekctl/2.5.0");
  good.close();
});

Deno.test("listenWebSocket() answers plain HTTP with 400 like IXWebSocket", async () => {
  await using server = await listen(new FakeCluster());
  const base = `http://127.0.0.1:${server.addr.port}`;
  for (
    const [path, method, text] of [
      ["/v1/messages/json", "GET", "Missing Sec-WebSocket-Key value"],
      ["/metrics", "GET", "Missing Sec-WebSocket-Key value"],
      ["/v1/messages/json", "POST", "Invalid HTTP method, need GET, got POST"],
    ]
  ) {
    const res = await fetch(base + path!, { method: method! });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), text);
  }
});

Deno.test("listenWebSocket() refuses connections beyond maxConnections", async () => {
  await using server = await listen(new FakeCluster(), { maxConnections: 3 });
  const clients = await Promise.all([0, 1, 2].map(() => TestClient.subscribed(server.url, [])));
  const refused = new TestClient(server.url);
  assert.equal(await refused.opened, false);
  assert.equal(server.stats.refused, 1);
  await clients[0]!.close();
  const again = await TestClient.subscribed(server.url, []);
  for (const c of [...clients, again]) await c.close();
});

Deno.test("listenWebSocket() closes clients with 1001 Terminating on shutdown, raising no client-lost hook (as Zeek)", async () => {
  const cluster = new FakeCluster();
  const lost: [string, number, string][] = [];
  const server = await listen(cluster, { onClientLost: (i, c, r) => lost.push([i.id, c, r]) });
  const client = await TestClient.subscribed(server.url, ["a"]);
  await server[Symbol.asyncDispose]();
  assert.deepEqual(await client.closed, { code: 1001, reason: "Terminating" });
  assert.equal(await server.closed, undefined);
  // Zeek's loop has stopped at shutdown: websocket_client_lost is not raised per client.
  assert.deepEqual(lost, []);
  assert.equal(cluster.listenerCount, 0);
  assert.equal(cluster.subscriptions.size, 0);
  await server.close();
});

Deno.test("listenWebSocket() stops when its signal aborts", async () => {
  const ac = new AbortController();
  const server = await listen(new FakeCluster(), { signal: ac.signal });
  ac.abort();
  assert.equal(await server.closed, undefined);
  await assert.rejects(
    listen(new FakeCluster(), { signal: AbortSignal.abort(new Error("stop")) }),
    /stop/,
  );
});

Deno.test("listenWebSocket() closes a client that never answers pings", async () => {
  const lost: [number, string][] = [];
  await using server = await listen(new FakeCluster(), {
    pingIntervalMs: 1000,
    onClientLost: (_i, code, reason) => lost.push([code, reason]),
  });
  const raw = await RawClient.connect(server.addr.port);
  await raw.upgrade();
  const ping = await raw.readFrame();
  assert.equal(ping?.opcode, 9);
  const { close } = await raw.readUntilClose();
  assert.deepEqual(close, { code: 1001, reason: "No response from ping frame." });
  raw.close();
  while (server.stats.connected > 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lost, [[1011, "Ping timeout"]]);
});

Deno.test("listenWebSocket() rejects bad addresses, half TLS options and busy ports", async () => {
  const cluster = new FakeCluster();
  await assert.rejects(listen(cluster, { listenAddr: "localhost" }), /Invalid listen_addr/);
  await assert.rejects(listen(cluster, { tlsOptions: { certFile: "c.pem" } }), /No key_file field/);
  await assert.rejects(listen(cluster, { tlsOptions: { keyFile: "k.pem" } }), /No cert_file field/);
  await using first = await listen(cluster);
  await assert.rejects(
    listen(cluster, { listenPort: first.addr.port }),
    /WebSocket: Unable to listen on 127\.0\.0\.1:\d+/,
  );
});

Deno.test("listenWebSocket() holds maxConnections under concurrent handshakes", async () => {
  await using server = await listen(new FakeCluster(), { maxConnections: 3 });
  const attempts = await Promise.all(
    Array.from(
      { length: 8 },
      () => TestClient.subscribed(server.url, ["x"]).catch(() => undefined),
    ),
  );
  const ok = attempts.filter((c) => c !== undefined);
  assert.equal(ok.length, 3);
  assert.equal(server.stats.connected, 3);
  assert.equal(server.stats.refused, 5);
  for (const c of ok) await c!.close();
});

class PublishingCluster extends FakeCluster {
  readonly #published = new Set<(event: ZeekEvent, info: WebSocketEventInfo) => void>();
  onPublish(listener: (event: ZeekEvent, info: WebSocketEventInfo) => void): () => void {
    this.#published.add(listener);
    return () => this.#published.delete(listener);
  }
  /** The node publishes an event itself. */
  nodePublish(topic: string, event: ZeekEvent): void {
    for (const l of this.#published) l(event, { topic, sender: this.nodeId });
  }
}

Deno.test("listenWebSocket() delivers the node's own publishes when the cluster reports them", async () => {
  const cluster = new PublishingCluster();
  await using server = await listen(cluster);
  const client = await TestClient.subscribed(server.url, ["zeek.test.pong"]);
  cluster.nodePublish("zeek.test.pong", { name: "pong", args: ["hi", count(42)] });
  assert.equal((await client.next())?.topic, "zeek.test.pong");
  await client.close();
});

Deno.test("listenWebSocket() closes 1009 on an oversized frame over a real socket", async () => {
  await using server = await listen(new FakeCluster(), { maxMessageBytes: 100 });
  const client = await TestClient.subscribed(server.url, ["x"]);
  client.ws.send(`["${"x".repeat(200)}"]`);
  assert.deepEqual(await client.closed, { code: 1009, reason: "Message too big" });
});

Deno.test("listenWebSocket() disconnects a client that stops reading once its queue overflows", async () => {
  const cluster = new FakeCluster();
  const lost: [number, string][] = [];
  await using server = await listen(cluster, {
    maxOutboundQueueSize: 4,
    sendHighWaterBytes: 256 * 1024,
    onClientLost: (_i, code, reason) => lost.push([code, reason]),
  });
  const raw = await RawClient.connect(server.addr.port);
  await raw.upgrade();
  await raw.sendText('["zeek.big"]');
  assert.equal((await raw.readFrame())?.opcode, 1); // The ack; then the client stops reading.
  const big = { name: "big", args: ["x".repeat(64 * 1024)] };
  for (let i = 0; i < 2000 && server.stats.overflows === 0; i++) {
    cluster.emit("zeek.big", "other", big);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(server.stats.overflows, 1);
  assert.equal(server.stats.errors.backpressure_overflow, 1);
  raw.close();
  while (server.stats.connected > 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lost, [[1008, "Backpressure overflow"]]);
});

Deno.test("listenWebSocket() reports a client that drops TCP without a close frame as 1006", async () => {
  const lost: [number, string][] = [];
  await using server = await listen(new FakeCluster(), {
    onClientLost: (_i, code, reason) => lost.push([code, reason]),
  });
  const raw = await RawClient.connect(server.addr.port);
  await raw.upgrade();
  await raw.sendText('["zeek.x"]');
  assert.equal((await raw.readFrame())?.opcode, 1); // The ack.
  raw.close(); // TCP close, no close frame.
  while (server.stats.connected > 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lost, [[1006, ""]]);
});

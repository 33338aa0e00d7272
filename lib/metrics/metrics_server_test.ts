import assert from "node:assert/strict";
import { createMetricsApp } from "./metrics_app.ts";
import { serveMetrics } from "./metrics_server.ts";
import { createNodeMetrics } from "./registry.ts";
import { parsePrometheusText, sampleValue } from "./scrape.ts";

Deno.test("serveMetrics() serves the app over real HTTP on 127.0.0.1", async () => {
  const m = createNodeMetrics({ node: "manager", nodeType: "MANAGER", version: "0.1.0" });
  m.cluster.incomingEvents.inc(102);
  await using server = serveMetrics({
    app: createMetricsApp({
      registry: m.registry,
      services: {
        layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1, metricsPort: 9991 } },
      },
    }),
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.equal(server.addr.hostname, "127.0.0.1");
  assert.ok(server.addr.port > 0);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  const f = parsePrometheusText(await res.text());
  assert.equal(sampleValue(f, "zeek_cluster_core_incoming_events_total", { node: "manager" }), 102);
  assert.ok((sampleValue(f, "process_resident_memory_bytes") ?? 0) > 0);
  const sd = await fetch(`${base}/services.json`);
  assert.deepEqual(await sd.json(), [{ targets: ["127.0.0.1:9991"], labels: {} }]);
});

Deno.test("serveMetrics() names the address when the port is taken", async () => {
  const app = createMetricsApp({
    registry: createNodeMetrics({ node: "a", nodeType: "WORKER", version: "0.1.0" }).registry,
  });
  await using first = serveMetrics({ app, hostname: "127.0.0.1", port: 0 });
  const port = first.addr.port;
  assert.throws(() => serveMetrics({ app, hostname: "127.0.0.1", port }), (error: unknown) => {
    assert.ok(error instanceof Deno.errors.AddrInUse);
    assert.equal(error.message, `Cannot serve metrics on 127.0.0.1:${port}: address in use`);
    assert.ok(error.cause instanceof Deno.errors.AddrInUse);
    return true;
  });
});

Deno.test("serveMetrics() stops on abort and tolerates a second dispose", async () => {
  const controller = new AbortController();
  const server = serveMetrics({
    app: createMetricsApp({
      registry: createNodeMetrics({ node: "a", nodeType: "WORKER", version: "0.1.0" }).registry,
    }),
    hostname: "127.0.0.1",
    port: 0,
    signal: controller.signal,
  });
  controller.abort();
  await server.finished;
  await server[Symbol.asyncDispose]();
  await server[Symbol.asyncDispose]();
});

import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type { ClusterLayout } from "../layout/mod.ts";
import { createMetricsApp, NO_CACHE_HEADERS, NOT_FOUND_BODY } from "./metrics_app.ts";
import { createNodeMetrics } from "./registry.ts";
import { parsePrometheusText, sampleValue } from "./scrape.ts";

const LAYOUT: ClusterLayout = {
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760, metricsPort: 27780 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27761, metricsPort: 27781 },
};

function node(name: string, nodeType: "MANAGER" | "WORKER") {
  return createNodeMetrics({
    node: name,
    nodeType,
    version: "0.1.0",
    processStats: () => ({
      cpuUserSeconds: 1,
      cpuSystemSeconds: 1,
      residentMemoryBytes: 1,
      virtualMemoryBytes: 1,
      openFds: 1,
      startTimeSeconds: 1,
    }),
  });
}

Deno.test("createMetricsApp() serves /metrics with prom-client's content type", async () => {
  const m = node("worker-1", "WORKER");
  m.cluster.outgoingEvents.inc(102);
  const res = await createMetricsApp({ registry: m.registry }).request("/metrics");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), Registry.PROMETHEUS_CONTENT_TYPE);
  const f = parsePrometheusText(await res.text());
  assert.equal(
    sampleValue(f, "zeek_cluster_core_outgoing_events_total", { node: "worker-1" }),
    102,
  );
});

Deno.test("createMetricsApp() counts scrapes after rendering them, like Zeek's exposer", async () => {
  const app = createMetricsApp({ registry: new Registry() });
  const first = await (await app.request("/metrics")).text();
  assert.equal(sampleValue(parsePrometheusText(first), "exposer_scrapes_total"), 0);
  assert.equal(sampleValue(parsePrometheusText(first), "exposer_transferred_bytes_total"), 0);
  const second = parsePrometheusText(await (await app.request("/metrics")).text());
  assert.equal(sampleValue(second, "exposer_scrapes_total"), 1);
  assert.equal(
    sampleValue(second, "exposer_transferred_bytes_total"),
    new TextEncoder().encode(first).byteLength,
  );
});

Deno.test("createMetricsApp() can be created twice on one registry", async () => {
  const registry = new Registry();
  createMetricsApp({ registry });
  const res = await createMetricsApp({ registry }).request("/metrics");
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("createMetricsApp() serves /services.json on the manager with Zeek's headers", async () => {
  const m = node("manager", "MANAGER");
  const app = createMetricsApp({ registry: m.registry, services: { layout: LAYOUT } });
  const res = await app.request("/services.json");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  for (const [name, value] of Object.entries(NO_CACHE_HEADERS)) {
    assert.equal(res.headers.get(name), value);
  }
  assert.equal(
    await res.text(),
    '[{"targets":["127.0.0.1:27780","127.0.0.1:27781"],"labels":{}}]',
  );
});

Deno.test("createMetricsApp() answers /services.json with Zeek's 404 on other nodes", async () => {
  const app = createMetricsApp({ registry: node("worker-1", "WORKER").registry });
  for (const path of ["/services.json", "/nope", "/metrics/"]) {
    const res = await app.request(path);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), NO_CACHE_HEADERS["Cache-Control"]);
    assert.equal(await res.text(), NOT_FOUND_BODY);
  }
});

Deno.test("createMetricsApp() answers 500 when a metric source fails", async () => {
  const m = node("manager", "MANAGER");
  using _s = m.addSource(() => {
    throw new Error("transport gone");
  });
  const res = await createMetricsApp({ registry: m.registry }).request("/metrics");
  assert.equal(res.status, 500);
  assert.equal(await res.text(), "Cannot collect metrics: transport gone");
});

Deno.test("createMetricsApp() counts refused requests by status code", async () => {
  const registry = new Registry();
  const app = createMetricsApp({ registry, node: "worker-1" });
  await app.request("/nope");
  await app.request("/services.json");
  await app.request("/metrics", { method: "POST" });
  const text = await (await app.request("/metrics")).text();
  assert.match(text, /zcluster_http_errors_total\{code="404",node="worker-1"\} 3/);
});

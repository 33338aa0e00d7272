import assert from "node:assert/strict";
import { parsePrometheusText, sampleValue } from "./scrape.ts";

const VECTORS = new URL("./testdata/", import.meta.url);
const manager = () => Deno.readTextFile(new URL("metrics-manager.txt", VECTORS));
const worker = () => Deno.readTextFile(new URL("metrics-worker-1.txt", VECTORS));

Deno.test("parsePrometheusText() reads the Zeek 8.2.2 manager scrape", async () => {
  const f = parsePrometheusText(await manager());
  assert.equal(f.size, 59); // one per "# TYPE" line
  const incoming = f.get("zeek_cluster_core_incoming_events_total");
  assert.equal(incoming?.type, "counter");
  assert.equal(incoming?.help, "Number of incoming events");
  assert.deepEqual(incoming?.samples, [
    { name: "zeek_cluster_core_incoming_events_total", labels: { node: "manager" }, value: 102 },
  ]);
  assert.equal(sampleValue(f, "zeek_event_handler_invocations_total", { name: "ping" }), 100);
  assert.equal(sampleValue(f, "zeek_event_handler_invocations_total"), 125);
  assert.equal(sampleValue(f, "zeek_cluster_zeromq_proxy_frontend_bytes_received_total"), 12486);
  assert.equal(sampleValue(f, "process_start_time_seconds"), 1795602306.774874);
  assert.equal(sampleValue(f, "zeek_timers_lag_time_seconds"), 8.797645568847656e-05);
  assert.equal(sampleValue(f, "broker_connections", { type: "native" }), 0);
  assert.equal(sampleValue(f, "no_such_metric"), undefined);
});

Deno.test("parsePrometheusText() groups summary samples and reads Nan", async () => {
  const f = parsePrometheusText(await manager());
  const summary = f.get("exposer_request_latencies");
  assert.equal(summary?.type, "summary");
  assert.deepEqual(summary?.samples.map((s) => s.name), [
    "exposer_request_latencies_count",
    "exposer_request_latencies_sum",
    "exposer_request_latencies",
    "exposer_request_latencies",
    "exposer_request_latencies",
  ]);
  assert.ok(Number.isNaN(summary?.samples[2]?.value));
  assert.equal(summary?.samples[2]?.labels.quantile, "0.5");
  assert.equal(sampleValue(f, "exposer_request_latencies_count"), 0);
});

Deno.test("parsePrometheusText() reads the worker scrape", async () => {
  const f = parsePrometheusText(await worker());
  assert.equal(
    sampleValue(f, "zeek_cluster_core_outgoing_events_total", { node: "worker-1" }),
    102,
  );
  assert.equal(sampleValue(f, "process_cpu_user_seconds_total"), 0.07000000000000001);
  assert.equal(f.has("zeek_cluster_zeromq_proxy_backend_bytes_sent_total"), false);
});

Deno.test("parsePrometheusText() unescapes label values and help, and allows timestamps", () => {
  const f = parsePrometheusText(
    [
      "# HELP a_total Line one\\nback\\\\slash",
      "# TYPE a_total counter",
      "# a plain comment",
      'a_total{path="C:\\\\x",q="say \\"hi\\"",nl="1\\n2",} 1.5e3 1700000000000',
      "b +Inf",
      "c -Inf",
      "",
    ].join("\n"),
  );
  assert.equal(f.get("a_total")?.help, "Line one\nback\\slash");
  assert.deepEqual(f.get("a_total")?.samples[0], {
    name: "a_total",
    labels: { path: "C:\\x", q: 'say "hi"', nl: "1\n2" },
    value: 1500,
  });
  assert.equal(f.get("b")?.type, "untyped");
  assert.equal(sampleValue(f, "b"), Number.POSITIVE_INFINITY);
  assert.equal(sampleValue(f, "c"), Number.NEGATIVE_INFINITY);
});

Deno.test("parsePrometheusText() rejects malformed lines with the line number", () => {
  assert.throws(() => parsePrometheusText("ok 1\nbad{x=1} 2"), {
    name: "SyntaxError",
    message: 'Cannot parse metrics line 2: expected ="..." after label "x"',
  });
  assert.throws(() => parsePrometheusText("x"), /line 1: expected a value after "x"/);
  assert.throws(() => parsePrometheusText("x one"), /bad value "one"/);
  assert.throws(() => parsePrometheusText('x{a="1} 2'), /unterminated value of label "a"/);
  assert.throws(() => parsePrometheusText("# TYPE x blob"), /unknown type "blob"/);
});

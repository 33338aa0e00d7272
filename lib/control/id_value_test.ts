import assert from "node:assert/strict";
import { parseLayout } from "../layout/parse_layout.ts";
import { resolveOptions } from "../options/options.ts";
import {
  formatZeekInterval,
  formatZeekValue,
  knownZeekIds,
  lookupId,
  UNKNOWN_ID,
} from "./id_value.ts";

const layout = parseLayout({
  manager: { nodeType: "MANAGER", ip: "10.0.0.1", p: 27762 },
  "logger-1": { nodeType: "LOGGER", ip: "10.0.0.1", p: 27763, manager: "manager" },
  "worker-1": { nodeType: "WORKER", ip: "10.0.0.2", p: 27764, manager: "manager" },
});
const options = resolveOptions({
  layout,
  node: "worker-1",
  env: { ZEEK_DEFAULT_CONNECT_RETRY: "2.5" },
  overrides: { eventSerializer: "broker-json-v1" },
});

Deno.test("formatZeekInterval() prints intervals as Zeek does", () => {
  assert.equal(formatZeekInterval(0), "0 secs");
  assert.equal(formatZeekInterval(1), "1.0 sec");
  assert.equal(formatZeekInterval(10), "10.0 secs");
  assert.equal(formatZeekInterval(0.5), "500.0 msecs");
  assert.equal(formatZeekInterval(2.5), "2.0 secs 500.0 msecs");
  assert.equal(formatZeekInterval(3600), "1.0 hr");
  assert.equal(formatZeekInterval(90061), "1.0 day 1.0 hr 1.0 min 1.0 sec");
  assert.equal(formatZeekInterval(1.0000015), "1.0 sec 1.5 usecs");
  assert.equal(formatZeekInterval(-60), "-1.0 min");
});

Deno.test("formatZeekValue() prints booleans, numbers, strings and vectors as Zeek", () => {
  assert.equal(formatZeekValue(true), "T");
  assert.equal(formatZeekValue(false), "F");
  assert.equal(formatZeekValue(1000), "1000");
  assert.equal(formatZeekValue("tcp://10.0.0.1:5556"), "tcp://10.0.0.1:5556");
  assert.equal(formatZeekValue(["a", "b"]), "[a, b]");
  assert.equal(formatZeekValue([]), "[]");
  assert.equal(formatZeekValue({ a: 1 }), '{"a":1}');
});

Deno.test("lookupId() finds options by zcluster name", () => {
  assert.equal(lookupId(options, "retryIntervalMs"), "2500");
  assert.equal(lookupId(options, "zeromq.lingerMs"), "500");
  assert.equal(lookupId(options, "zeromq.connectLogEndpoints"), "[tcp://10.0.0.1:27763]");
  assert.equal(lookupId(options, "managerIsLogger"), "F");
  assert.equal(lookupId(options, "node"), "worker-1");
  assert.equal(lookupId(options, "zeromq.nope"), UNKNOWN_ID);
  assert.equal(lookupId(options, "toString"), UNKNOWN_ID);
  assert.equal(lookupId(options, ""), UNKNOWN_ID);
});

Deno.test("lookupId() finds options by Zeek name, with Zeek's types", () => {
  assert.equal(lookupId(options, "Cluster::retry_interval"), "2.0 secs 500.0 msecs");
  assert.equal(lookupId(options, "Cluster::node"), "worker-1");
  assert.equal(lookupId(options, "Cluster::manager_is_logger"), "F");
  assert.equal(
    lookupId(options, "Cluster::event_serializer"),
    "Cluster::EVENT_SERIALIZER_BROKER_JSON_V1",
  );
  assert.equal(lookupId(options, "Cluster::default_backend"), "Broker::MEMORY");
  assert.equal(lookupId(options, "Log::flush_interval"), "1.0 sec");
  assert.equal(lookupId(options, "Cluster::Backend::ZeroMQ::linger_ms"), "500");
  assert.equal(lookupId(options, "Cluster::Backend::ZeroMQ::hello_expiration"), "10.0 secs");
  assert.equal(lookupId(options, "Cluster::Backend::ZeroMQ::connect_xpub_nodrop"), "T");
  assert.equal(
    lookupId(options, "Cluster::Backend::ZeroMQ::connect_xpub_endpoint"),
    "tcp://10.0.0.1:5556",
  );
  assert.equal(lookupId(options, "Cluster::no_such_thing"), UNKNOWN_ID);
  assert.match(lookupId(options, "Cluster::broadcast_topics"), /^\{\nzeek\.cluster\./);
});

Deno.test("knownZeekIds() maps every Zeek id to an existing option", () => {
  for (const [id, path] of Object.entries(knownZeekIds())) {
    assert.notEqual(lookupId(options, path), UNKNOWN_ID, `${id} -> ${path}`);
  }
});

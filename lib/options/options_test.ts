import assert from "node:assert/strict";
import { layout as defaultLayout } from "../../cluster-layout.ts";
import { OptionsError } from "../errors.ts";
import { parseLayout } from "../layout/parse_layout.ts";
import {
  getNodeCount,
  isEnabled,
  localNodeMetricsPort,
  localNodeType,
  resolveOptions,
} from "./options.ts";

Deno.test("resolveOptions() has Zeek's defaults", () => {
  const o = resolveOptions({ layout: defaultLayout, node: "worker-1" });
  assert.equal(o.retryIntervalMs, 1000);
  assert.equal(o.managerIsLogger, false);
  assert.equal(o.managerTopic, "zeek.cluster.manager");
  assert.equal(o.nodeTopicPrefix, "zeek.cluster.node");
  assert.equal(o.defaultBackend, "MEMORY");
  assert.equal(o.defaultPersistentBackend, "SQLITE");
  assert.equal(o.defaultStoreDir, "");
  assert.equal(o.defaultMasterNode, "");
  assert.equal(o.enableRoundRobinLogging, true);
  assert.equal(o.eventSerializer, "broker-bin-v1");
  assert.equal(o.logWriteBufferSize, 1000);
  assert.equal(o.logFlushIntervalMs, 1000);
  assert.equal(o.zeromq.connectXsubEndpoint, "tcp://127.0.0.1:5555");
  assert.equal(o.zeromq.connectXpubEndpoint, "tcp://127.0.0.1:5556");
  assert.equal(o.zeromq.runProxyThread, false);
  assert.deepEqual(o.zeromq.connectLogEndpoints, ["tcp://127.0.0.1:27763"]);
  assert.equal(o.zeromq.listenLogEndpoint, "");
  assert.equal(o.zeromq.lingerMs, 500);
  assert.equal(o.zeromq.xpubSndhwm, 1000);
  assert.equal(o.zeromq.onloopQueueHwm, 10000);
  assert.equal(o.zeromq.helloExpirationMs, 10_000);
  assert.ok(Object.isFrozen(o));
});

Deno.test("resolveOptions() makes the manager run the proxy and loggers bind PULL", () => {
  const m = resolveOptions({ layout: defaultLayout, node: "manager" });
  assert.equal(m.zeromq.runProxyThread, true);
  assert.equal(m.zeromq.listenXpubEndpoint, "tcp://127.0.0.1:5555");
  assert.equal(m.zeromq.listenXsubEndpoint, "tcp://127.0.0.1:5556");
  assert.equal(m.zeromq.listenLogEndpoint, "");
  const l = resolveOptions({ layout: defaultLayout, node: "logger-1" });
  assert.equal(l.zeromq.listenLogEndpoint, "tcp://127.0.0.1:27763");
  assert.deepEqual(l.zeromq.connectLogEndpoints, []);
  assert.equal(l.rotationIntervalMs, 3_600_000);
  assert.equal(resolveOptions({ layout: defaultLayout, node: "worker-1" }).rotationIntervalMs, 0);
});

Deno.test("resolveOptions() sets managerIsLogger exactly when the layout has no logger", () => {
  const layout = parseLayout({
    manager: { nodeType: "MANAGER", ip: "::1", p: 27762 },
    "worker-1": { nodeType: "WORKER", ip: "::1", p: 27763, manager: "manager" },
  });
  const m = resolveOptions({ layout, node: "manager" });
  assert.equal(m.managerIsLogger, true);
  assert.equal(m.zeromq.listenLogEndpoint, "tcp://[::1]:27762");
  assert.equal(m.zeromq.listenXpubEndpoint, "tcp://[::1]:5555");
  assert.equal(m.zeromq.ipv6, true);
  const w = resolveOptions({ layout, node: "worker-1" });
  assert.deepEqual(w.zeromq.connectLogEndpoints, ["tcp://[::1]:27762"]);
});

Deno.test("resolveOptions() reads ZEEK_DEFAULT_CONNECT_RETRY in seconds", () => {
  const o = resolveOptions({
    layout: defaultLayout,
    node: "worker-1",
    env: { ZEEK_DEFAULT_CONNECT_RETRY: "2.5" },
  });
  assert.equal(o.retryIntervalMs, 2500);
  assert.throws(
    () =>
      resolveOptions({
        layout: defaultLayout,
        node: "worker-1",
        env: { ZEEK_DEFAULT_CONNECT_RETRY: "soon" },
      }),
    /ZEEK_DEFAULT_CONNECT_RETRY "soon"/,
  );
});

Deno.test("resolveOptions() rejects an unknown node and bad overrides", () => {
  assert.throws(() => resolveOptions({ layout: defaultLayout, node: "worker-9" }), OptionsError);
  assert.throws(
    () =>
      resolveOptions({
        layout: defaultLayout,
        node: "worker-1",
        overrides: { logWriteBufferSize: 0 },
      }),
    /logWriteBufferSize/,
  );
  assert.throws(
    () =>
      resolveOptions({
        layout: defaultLayout,
        node: "worker-1",
        overrides: { defaultMasterNode: "x" },
      }),
    /defaultMasterNode/,
  );
});

Deno.test("cluster queries follow the seed's semantics", () => {
  const w = resolveOptions({ layout: defaultLayout, node: "worker-2" });
  assert.equal(isEnabled(w), true);
  assert.equal(localNodeType(w), "WORKER");
  assert.equal(localNodeMetricsPort(w), 9995);
  assert.equal(getNodeCount(w, "WORKER"), 2);
  assert.equal(getNodeCount(w, "PROXY"), 1);
  const none = resolveOptions({ layout: defaultLayout });
  assert.equal(isEnabled(none), false);
  assert.equal(localNodeType(none), "NONE");
  assert.equal(localNodeMetricsPort(none), 0);
  assert.deepEqual(none.zeromq.connectLogEndpoints, []);
});

Deno.test("resolveOptions() rejects unknown options and wrong types, naming them", () => {
  const bad = (overrides: Record<string, unknown>) =>
    resolveOptions({ layout: defaultLayout, node: "worker-1", overrides: overrides as never });
  assert.throws(
    () => bad({ enableRoundRobinLoging: false }),
    /Unknown option enableRoundRobinLoging/,
  );
  assert.throws(
    () => bad({ enableRoundRobinLogging: "no" }),
    /enableRoundRobinLogging: expected boolean, got string/,
  );
  assert.throws(() => bad({ zeromq: { lingerMs: "5" } }), /zeromq\.lingerMs: expected number/);
  assert.throws(() => bad({ zeromq: { lingerMS: 5 } }), /Unknown option zeromq\.lingerMS/);
});

Deno.test("resolveOptions() takes Zeek's JSON log options and refuses an unknown time format", () => {
  const d = resolveOptions({ layout: defaultLayout, node: "logger-1" });
  assert.equal(d.logJsonTimestamps, "epoch");
  assert.equal(d.logJsonIncludeUnsetFields, false);
  const o = resolveOptions({
    layout: defaultLayout,
    node: "logger-1",
    overrides: { logJsonTimestamps: "millis_unsigned", logJsonIncludeUnsetFields: true },
  });
  assert.equal(o.logJsonTimestamps, "millis_unsigned");
  assert.equal(o.logJsonIncludeUnsetFields, true);
  assert.throws(
    () =>
      resolveOptions({
        layout: defaultLayout,
        node: "logger-1",
        overrides: { logJsonTimestamps: "TS_ISO8601" as "iso8601" },
      }),
    /logJsonTimestamps: expected epoch, millis, millis_unsigned, iso8601, got TS_ISO8601/,
  );
});

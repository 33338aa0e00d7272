import assert from "node:assert/strict";
import { LayoutError } from "../errors.ts";
import { registerPools } from "./register_pools.ts";

const names = (members: readonly { name: string }[]) => members.map((m) => m.name);

Deno.test("registerPools() fills the predefined pools from a layout record", () => {
  const pools = registerPools({
    "worker-2": { nodeType: "WORKER" },
    manager: { nodeType: "MANAGER" },
    "proxy-1": { nodeType: "PROXY" },
    "worker-1": { nodeType: "WORKER" },
    "logger-1": { nodeType: "LOGGER" },
    control: { nodeType: "CONTROL" },
  }, "worker-1");
  assert.deepEqual(names(pools.worker.members), ["worker-1", "worker-2"]);
  assert.deepEqual(names(pools.proxy.members), ["proxy-1"]);
  assert.deepEqual(names(pools.logger.members), ["logger-1", "manager"]);
  assert.deepEqual([...pools].map((p) => p.topic), [
    "zeek.cluster.pool.logger",
    "zeek.cluster.pool.proxy",
    "zeek.cluster.pool.worker",
  ]);
  assert.equal(pools.get("zeek.cluster.pool.proxy"), pools.proxy);
  assert.equal(pools.get("nope"), undefined);
  assert.equal(pools.worker.members[0]?.alive, true);
  assert.equal(pools.nodeUp("manager"), true);
  assert.equal(pools.logger.members[1]?.alive, true);
  assert.equal(pools.nodeDown("manager"), true);
  assert.equal(pools.nodeUp("control"), false);
});

Deno.test("registerPools() leaves the manager out of the logger pool unless managerIsLogger", () => {
  const layout = [
    { name: "manager", nodeType: "MANAGER" },
    { name: "logger-2", nodeType: "LOGGER" },
    { name: "logger-1", nodeType: "LOGGER" },
  ];
  const off = registerPools(layout, "manager", { managerIsLogger: false });
  assert.deepEqual(names(off.logger.members), ["logger-1", "logger-2"]);
  const none = registerPools([{ name: "manager", nodeType: "MANAGER" }], "manager");
  assert.deepEqual(names(none.logger.members), ["manager"]);
  assert.equal(none.logger.rrTopic("Cluster::rr_log_topic"), "zeek.cluster.node.manager.");
});

Deno.test("registerPools() sorts eligible nodes in UTF-8 byte order, as strcmp", () => {
  const layout = ["b", "\u{1F600}", "a", "\uFF01", "Z"].map((name) => ({
    name,
    nodeType: "PROXY",
  }));
  const pools = registerPools(layout, "manager");
  assert.deepEqual(names(pools.proxy.members), ["Z", "a", "b", "\uFF01", "\u{1F600}"]);
});

Deno.test("registerPools() gives exclusive pools their max_nodes first", () => {
  const layout = ["proxy-3", "proxy-1", "proxy-2"].map((name) => ({ name, nodeType: "PROXY" }));
  const spec = { topic: "zz.exclusive", nodeType: "PROXY", maxNodes: 1, exclusive: true } as const;
  const pools = registerPools(layout, "manager", { extraPools: [spec] });
  assert.deepEqual(names(pools.extra[0]!.members), ["proxy-1"]);
  assert.deepEqual(names(pools.proxy.members), ["proxy-2", "proxy-3"]);
  assert.throws(
    () => registerPools(layout, "manager", { extraPools: [{ ...spec, maxNodes: 4 }] }),
    LayoutError,
  );
  assert.throws(
    () => registerPools(layout, "manager", { extraPools: [spec, { ...spec, maxNodes: 3 }] }),
    LayoutError,
  );
});

Deno.test("registerPools() shares one round-robin cursor per node type for max_nodes pools", () => {
  const layout = ["w1", "w2", "w3"].map((name) => ({ name, nodeType: "WORKER" }));
  const pools = registerPools(layout, "manager", {
    extraPools: [
      { topic: "b.pool", nodeType: "WORKER", maxNodes: 2 },
      { topic: "a.pool", nodeType: "WORKER", maxNodes: 2 },
    ],
  });
  assert.deepEqual(names(pools.extra[1]!.members), ["w1", "w2"]);
  assert.deepEqual(names(pools.extra[0]!.members), ["w3", "w1"]);
  assert.deepEqual(names(pools.worker.members), ["w2", "w3", "w1"]);
  const bigger = registerPools(layout, "manager", {
    workerPoolSpec: { topic: "zeek.cluster.pool.worker", nodeType: "WORKER", maxNodes: 9 },
  });
  assert.deepEqual(names(bigger.worker.members), ["w1", "w2", "w3"]);
});

Deno.test("registerPools() rejects repeated node names and bad specs", () => {
  const dup = [{ name: "p", nodeType: "PROXY" }, { name: "p", nodeType: "PROXY" }];
  assert.throws(() => registerPools(dup, "manager"), LayoutError);
  assert.throws(
    () =>
      registerPools([], "manager", {
        extraPools: [{ topic: "x", nodeType: "PROXY", exclusive: true }],
      }),
    TypeError,
  );
});

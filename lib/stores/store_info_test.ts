import assert from "node:assert/strict";
import { OptionsError } from "../errors.ts";
import type { ClusterLayout } from "../layout/types.ts";
import { DEFAULT_STORE_INFO, planStore } from "./store_info.ts";

const LAYOUT: ClusterLayout = {
  "manager-b": { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
  "manager-a": { nodeType: "MANAGER", ip: "127.0.0.1", p: 2 },
  "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 3 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 4 },
};

Deno.test("DEFAULT_STORE_INFO has Zeek's Cluster::StoreInfo defaults", () => {
  assert.equal(DEFAULT_STORE_INFO.masterNode, "");
  assert.equal(DEFAULT_STORE_INFO.master, false);
  assert.equal(DEFAULT_STORE_INFO.backend, "MEMORY");
  assert.equal(DEFAULT_STORE_INFO.cloneResyncIntervalMs, 10_000);
  assert.equal(DEFAULT_STORE_INFO.cloneStaleIntervalMs, 300_000);
  assert.equal(DEFAULT_STORE_INFO.cloneMutationBufferIntervalMs, 120_000);
  assert.deepEqual(DEFAULT_STORE_INFO.options.sqlite, {
    path: "",
    failureMode: "FAIL",
    integrityCheck: false,
  });
});

Deno.test("planStore() puts the master on the first manager by name and clones elsewhere", () => {
  const m = planStore("s", {}, { node: "manager-a", layout: LAYOUT });
  assert.equal(m.role, "master");
  assert.equal(m.info.master, true);
  assert.equal(m.info.masterNode, "manager-a");
  assert.equal(m.sqlite, undefined);
  for (const node of ["manager-b", "logger-1", "worker-1"]) {
    const c = planStore("s", {}, { node, layout: LAYOUT });
    assert.equal(c.role, "clone");
    assert.equal(c.info.masterNode, "manager-a");
  }
});

Deno.test("planStore() honours defaultMasterNode and per-store masterNode", () => {
  assert.equal(
    planStore("s", {}, { node: "logger-1", layout: LAYOUT, defaultMasterNode: "logger-1" }).role,
    "master",
  );
  const plan = planStore("s", {}, {
    node: "worker-1",
    layout: LAYOUT,
    defaultMasterNode: "logger-1",
    stores: { s: { masterNode: "worker-1", cloneStaleIntervalMs: -1 } },
  });
  assert.equal(plan.role, "master");
  assert.equal(plan.info.cloneStaleIntervalMs, -1);
});

Deno.test("planStore() makes a local master outside a cluster", () => {
  const plan = planStore("s", {}, { node: "", layout: {} });
  assert.equal(plan.role, "master");
  assert.equal(plan.info.masterNode, "");
});

Deno.test("planStore() turns persistent memory stores into SQLite with derived paths", () => {
  const plan = planStore("zeek/known/hosts", { persistent: true }, {
    node: "manager-a",
    layout: LAYOUT,
    defaultStoreDir: "/var/lib/zcluster",
  });
  assert.equal(plan.info.backend, "SQLITE");
  assert.equal(plan.sqlite?.path, "/var/lib/zcluster/zeek/known/hosts.sqlite");
  const noDir = planStore("h", { persistent: true }, { node: "manager-a", layout: LAYOUT });
  assert.equal(noDir.sqlite?.path, "h.sqlite");
  const explicit = planStore("h", { persistent: true }, {
    node: "manager-a",
    layout: LAYOUT,
    defaultStoreDir: "/d",
    stores: { h: { options: { sqlite: { path: "/x/h.db", journalMode: "WAL" } } } },
  });
  assert.deepEqual(explicit.sqlite, {
    path: "/x/h.db",
    failureMode: "FAIL",
    integrityCheck: false,
    journalMode: "WAL",
  });
  const memory = planStore("m", {}, { node: "manager-a", layout: LAYOUT, defaultStoreDir: "/d" });
  assert.equal(memory.info.backend, "MEMORY");
  assert.equal(memory.info.options.sqlite.path, "/d/m.sqlite");
});

Deno.test("planStore() rejects a cluster without a manager or an unknown master node", () => {
  assert.throws(
    () =>
      planStore("s", {}, {
        node: "w",
        layout: { w: { nodeType: "WORKER", ip: "127.0.0.1", p: 1 } },
      }),
    OptionsError,
  );
  assert.throws(
    () => planStore("s", {}, { node: "worker-1", layout: LAYOUT, defaultMasterNode: "nope" }),
    /master node "nope" is not in the layout/,
  );
});

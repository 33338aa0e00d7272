import assert from "node:assert/strict";
import type { ClusterLayout } from "../layout/mod.ts";
import { buildServicesJson, formatHostPort } from "./services.ts";

const LAYOUT: ClusterLayout = {
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760, metricsPort: 27780 },
  logger: { nodeType: "LOGGER", ip: "127.0.0.1", p: 27762 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27761, metricsPort: 27781 },
};

Deno.test("buildServicesJson() has the shape of Zeek's services.json", async () => {
  const zeek = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/services.json", import.meta.url)),
  );
  const ours = buildServicesJson({ layout: LAYOUT });
  // Zeek lists nodes in its table's iteration order; zcluster uses layout order.
  assert.deepEqual(ours, [{ targets: ["127.0.0.1:27780", "127.0.0.1:27781"], labels: {} }]);
  assert.deepEqual(
    ours.map((g) => ({ ...g, targets: [...g.targets].sort() })),
    zeek.map((g: { targets: string[] }) => ({ ...g, targets: [...g.targets].sort() })),
  );
  assert.equal(
    JSON.stringify(ours),
    '[{"targets":["127.0.0.1:27780","127.0.0.1:27781"],"labels":{}}]',
  );
});

Deno.test("buildServicesJson() brackets IPv6 and skips nodes without a metrics port", () => {
  const doc = buildServicesJson({
    layout: {
      manager: { nodeType: "MANAGER", ip: "::1", p: 1, metricsPort: 9991 },
      proxy: { nodeType: "PROXY", ip: "::1", p: 2, metricsPort: 0 },
    },
  });
  assert.deepEqual(doc, [{ targets: ["[::1]:9991"], labels: {} }]);
  assert.deepEqual(buildServicesJson({ layout: {} }), [{ targets: [], labels: {} }]);
});

Deno.test("buildServicesJson() publishes an advertised address (zeek/zeek#5586)", () => {
  assert.deepEqual(
    buildServicesJson({ layout: LAYOUT, advertiseAddress: "10.0.0.5" })[0]?.targets,
    ["10.0.0.5:27780", "10.0.0.5:27781"],
  );
  assert.deepEqual(
    buildServicesJson({ layout: LAYOUT, advertiseAddress: { "worker-1": "2001:db8::7" } })[0]
      ?.targets,
    ["127.0.0.1:27780", "[2001:db8::7]:27781"],
  );
});

Deno.test("buildServicesJson() rejects a bad metrics port", () => {
  assert.throws(
    () =>
      buildServicesJson({
        layout: { m: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1, metricsPort: 70000 } },
      }),
    { name: "RangeError", message: 'Cannot list node "m" in services.json: bad port 70000' },
  );
});

Deno.test("formatHostPort() brackets IPv6 once", () => {
  assert.equal(formatHostPort("127.0.0.1", 9991), "127.0.0.1:9991");
  assert.equal(formatHostPort("::1", 9991), "[::1]:9991");
  assert.equal(formatHostPort("[::1]", 9991), "[::1]:9991");
  assert.equal(formatHostPort("metrics.example", 80), "metrics.example:80");
});

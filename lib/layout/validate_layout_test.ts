import assert from "node:assert/strict";
import { LayoutError } from "../errors.ts";
import { defineLayout } from "./define_layout.ts";
import { parseLayout, parseLayoutJson } from "./parse_layout.ts";
import { layoutProblems } from "./validate_layout.ts";
import { proxyEndpoints } from "./proxy.ts";
import type { ClusterLayout } from "./types.ts";

const M = { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 };
const W = { nodeType: "WORKER", ip: "127.0.0.1", p: 27765, manager: "manager" };

/** Bad layouts, each with the fragments its error must name (node and field). */
const BAD: [string, unknown, string[]][] = [
  ["not an object", 42, ["must be an object"]],
  ["null", null, ["must be an object"]],
  ["an array", [M], ["must be an object", "an array"]],
  ["empty layout", {}, ["empty"]],
  ["no manager", { "worker-1": { ...W, manager: undefined } }, ["MANAGER"]],
  ["two managers", { manager: M, m2: { ...M, p: 1 } }, ["more than one MANAGER", "m2"]],
  ["unknown node type", { manager: M, w: { ...W, nodeType: "SENSOR" } }, [
    'node "w"',
    "nodeType",
    "SENSOR",
  ]],
  ["lower-case node type", { manager: M, w: { ...W, nodeType: "worker" } }, [
    'node "w"',
    "nodeType",
  ]],
  ["missing node type", { manager: { ip: "127.0.0.1", p: 1 } }, [
    'node "manager"',
    '"nodeType" is missing',
  ]],
  ["bad ipv4", { manager: { ...M, ip: "127.0.0.256" } }, ['node "manager"', '"ip"', "127.0.0.256"]],
  ["ipv4 with 3 parts", { manager: { ...M, ip: "10.0.1" } }, ['"ip"']],
  ["bad ipv6", { manager: { ...M, ip: "fe80:::1" } }, ['"ip"', "fe80:::1"]],
  ["ipv6 too many groups", { manager: { ...M, ip: "1:2:3:4:5:6:7:8:9" } }, ['"ip"']],
  ["hostname instead of ip", { manager: { ...M, ip: "localhost" } }, ['"ip"', "localhost"]],
  ["ip not a string", { manager: { ...M, ip: 127001 } }, ['"ip"']],
  ["missing ip", { manager: { nodeType: "MANAGER", p: 1 } }, ['"ip" is missing']],
  ["port 0", { manager: { ...M, p: 0 } }, ['node "manager"', '"p"', "1-65535"]],
  ["port 65536", { manager: { ...M, p: 65536 } }, ['"p"', "65536"]],
  ["port not integer", { manager: { ...M, p: 80.5 } }, ['"p"']],
  ["port as string", { manager: { ...M, p: "80/tcp" } }, ['"p"', "80/tcp"]],
  ["missing port", { manager: { nodeType: "MANAGER", ip: "127.0.0.1" } }, ['"p" is missing']],
  ["metrics port out of range", { manager: { ...M, metricsPort: -1 } }, ['"metricsPort"']],
  ["same ip:port", { manager: M, w: { ...W, p: 27762 } }, [
    'node "w"',
    '"p"',
    "127.0.0.1:27762",
    "manager",
  ]],
  ["same ip:metricsPort", {
    manager: { ...M, metricsPort: 9991 },
    w: { ...W, metricsPort: 9991 },
  }, ['node "w"', '"metricsPort"', "9991"]],
  ["metrics port equals a p on the same ip", {
    manager: M,
    w: { ...W, metricsPort: 27762 },
  }, ['node "w"', '"metricsPort"']],
  ["same ipv6 written two ways", {
    manager: { ...M, ip: "::1" },
    w: { ...W, ip: "0:0:0:0:0:0:0:1", p: 27762 },
  }, ['node "w"', '"p"']],
  ["worker's manager is a worker", {
    manager: M,
    w1: { ...W, p: 1 },
    w2: { ...W, p: 2, manager: "w1" },
  }, ['node "w2"', '"manager"', "WORKER"]],
  ["worker's manager unknown", { manager: M, w: { ...W, manager: "mgr" } }, [
    'node "w"',
    '"manager"',
    "mgr",
  ]],
  ["empty node name", { manager: M, "": W }, ['node name ""']],
  ["node name with a space", { manager: M, "worker 1": W }, ['"worker 1"']],
  ["typo in a field", { manager: { ...M, metrics_port: 9991 } }, [
    'node "manager"',
    'unknown field "metrics_port"',
  ]],
  ["typo nodetype", { manager: { ...M, nodetype: "MANAGER" } }, ['unknown field "nodetype"']],
  ["node is a string", { manager: M, w: "WORKER" }, ['node "w"', "must be an object"]],
  ["node is null", { manager: M, w: null }, ['node "w"', "must be an object"]],
  ["empty zoneId", { manager: { ...M, zoneId: "" } }, ['"zoneId"']],
  ["id not a string", { manager: { ...M, id: 5 } }, ['"id"']],
  ["a node on the default proxy XPUB port", { manager: M, w: { ...W, p: 5555 } }, [
    'node "w"',
    '"p" 127.0.0.1:5555',
    "proxy's XPUB port (default 5555",
    '"proxyXpub"',
  ]],
  ["a metrics port on the layout's proxy XSUB port", {
    manager: { ...M, proxyXsub: "tcp://127.0.0.1:7001" },
    w: { ...W, metricsPort: 7001 },
  }, ['node "w"', '"metricsPort" 127.0.0.1:7001', '"proxyXsub"']],
  ["a proxy port on a wildcard address clashing with a node", {
    manager: { ...M, proxyXpub: "tcp://*:27765" },
    w: W,
  }, ['node "w"', '"p"', "27765", "proxyXpub"]],
  ["the two proxy endpoints on one port", {
    manager: { ...M, proxyXpub: "tcp://127.0.0.1:7001", proxyXsub: "tcp://127.0.0.1:7001" },
  }, ['"proxyXsub" tcp://127.0.0.1:7001', '"proxyXpub"']],
  ["a proxy endpoint that is not an endpoint", { manager: { ...M, proxyXpub: "127.0.0.1:7001" } }, [
    'node "manager"',
    '"proxyXpub"',
    "ZeroMQ endpoint",
  ]],
  ["a proxy endpoint on a worker", { manager: M, w: { ...W, proxyXsub: "tcp://127.0.0.1:7001" } }, [
    'node "w"',
    '"proxyXsub" belongs on the MANAGER',
  ]],
  ["a websocket port on a node's p", { manager: { ...M, websocketPort: 27765 }, w: W }, [
    '"websocketPort"',
    "27765",
  ]],
];

for (const [label, input, fragments] of BAD) {
  Deno.test(`parseLayout() rejects a layout with ${label}`, () => {
    assert.throws(() => parseLayout(input), (error: unknown) => {
      assert.ok(error instanceof LayoutError, `expected LayoutError, got ${error}`);
      for (const fragment of fragments) {
        assert.ok(
          error.message.includes(fragment),
          `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`,
        );
      }
      return true;
    });
  });
}

Deno.test("parseLayout() accepts IPv4, IPv6, zone ids and every node type", () => {
  const layout = parseLayout({
    manager: { nodeType: "MANAGER", ip: "10.0.0.1", p: 27762, metricsPort: 9991 },
    logger: { nodeType: "LOGGER", ip: "fe80::1", zoneId: "eth0", p: 27763, manager: "manager" },
    proxy: { nodeType: "PROXY", ip: "::ffff:10.0.0.2", p: 27764 },
    "worker-1": { nodeType: "WORKER", ip: "2001:db8::7", p: 27765, manager: "manager" },
    control: { nodeType: "CONTROL", ip: "127.0.0.1", p: 1 },
    none: { nodeType: "NONE", ip: "127.0.0.1", p: 2 },
  });
  assert.equal(Object.keys(layout).length, 6);
  assert.ok(Object.isFrozen(layout));
  assert.ok(Object.isFrozen(layout.manager));
});

Deno.test("parseLayout() lists every problem at once", () => {
  const problems = layoutProblems({
    manager: { ...M, p: 0 },
    w: { ...W, nodeType: "X", ip: "nope" },
  });
  assert.equal(problems.length, 3);
});

Deno.test("parseLayoutJson() names the source when the JSON is broken", () => {
  assert.throws(
    () => parseLayoutJson("{", "layout file x.json"),
    /layout file x\.json is not valid JSON/,
  );
});

Deno.test("defineLayout() validates with the same rules", () => {
  assert.throws(
    () => defineLayout({ manager: { nodeType: "MANAGER", ip: "1.2.3", p: 1 } } as ClusterLayout),
    LayoutError,
  );
  const ok = defineLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } });
  assert.equal(ok.manager.p, 1);
});

Deno.test("layoutProblems() reports a wrong manager reference with the other problems, in one pass", () => {
  const problems = layoutProblems({
    manager: { ...M, p: 0 },
    w1: { ...W, ip: "nope" },
    w2: { ...W, p: 27766, manager: "mgr" },
    w3: { ...W, p: 27767, metricsPort: 5556 },
  });
  assert.deepEqual(problems.map((p) => p.slice(0, 30)), [
    'node "manager": field "p" must',
    'node "w1": field "ip" must be ',
    'node "w2": field "manager" nam',
    'node "w3": field "metricsPort"',
  ]);
});

Deno.test("parseLayout() accepts the proxy endpoints on the manager and websocket ports", () => {
  const layout = parseLayout({
    manager: {
      ...M,
      proxyXpub: "tcp://127.0.0.1:6555",
      proxyXsub: "ipc:///run/zcluster/xsub",
      websocketPort: 27759,
    },
    w: { ...W, p: 5555, websocketPort: 27760 },
  });
  assert.equal(layout.manager?.proxyXpub, "tcp://127.0.0.1:6555");
  assert.deepEqual(proxyEndpoints(layout), {
    xpub: "tcp://127.0.0.1:6555",
    xsub: "ipc:///run/zcluster/xsub",
  });
  assert.deepEqual(proxyEndpoints(parseLayout({ manager: { ...M, ip: "::1" } })), {
    xpub: "tcp://[::1]:5555",
    xsub: "tcp://[::1]:5556",
  });
});

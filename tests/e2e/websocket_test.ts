/**
 * `--websocket-undeclared-events accept` through `main.ts`: a manager that declares nothing
 * publishes a WebSocket client's undeclared event into the cluster, where a worker receives it.
 * (The default, `refuse`, is driven end to end by `tests/interop/ws_python_test.ts`.)
 */
import assert from "node:assert/strict";
import { startCluster } from "../_cluster.ts";
import { freePorts, waitFor } from "../_fixtures.ts";

Deno.test("main --websocket-undeclared-events accept publishes undeclared client events", async () => {
  const [wsPort] = freePorts(1);
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER" },
    nodeArgs: {
      manager: ["--websocket", `127.0.0.1:${wsPort}`, "--websocket-undeclared-events", "accept"],
    },
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await cluster.waitForLine("manager", /listener websocket ws:\/\/127\.0\.0\.1/);
  const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/v1/messages/json`);
  const messages: Record<string, unknown>[] = [];
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  ws.send("[]");
  await waitFor(() => messages.length > 0, 10_000, "the ack");
  assert.equal(messages[0]!.type, "ack");
  ws.send(JSON.stringify({
    type: "data-message",
    topic: "zeek.cluster.node.worker-1.",
    "@data-type": "vector",
    data: [
      { "@data-type": "count", data: 1 },
      { "@data-type": "count", data: 1 },
      {
        "@data-type": "vector",
        data: [
          { "@data-type": "string", data: "Site::undeclared" },
          { "@data-type": "vector", data: [{ "@data-type": "string", data: "passed" }] },
        ],
      },
    ],
  }));
  await cluster.waitForLine("worker-1", /event Site::undeclared .*passed/);
  assert.deepEqual(messages.filter((m) => m.type === "error"), []);
  const closed = new Promise((resolve) => (ws.onclose = resolve));
  ws.close();
  await closed;
});

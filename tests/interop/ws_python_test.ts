/**
 * The WebSocket API with two independent clients, Deno's WebSocket and Python's websockets
 * (Debian python3-websockets): both subscribe, receive an event a worker publishes, and publish
 * events that a worker's handler receives.
 */
import assert from "node:assert/strict";
import { startCluster } from "../_cluster.ts";
import { freePorts, waitFor } from "../_fixtures.ts";

const CLIENT = new URL("./ws_client.py", import.meta.url).pathname;

async function requireWebsockets(): Promise<void> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import websockets"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  if (!out.success) {
    throw new Error(
      "Cannot import websockets in /usr/bin/python3: install the Debian package python3-websockets (apt-get install -y python3-websockets)",
    );
  }
}

Deno.test("a Deno and a Python WebSocket client subscribe, receive a worker's event, and reach a worker", async () => {
  await requireWebsockets();
  const [wsPort] = freePorts(1);
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "worker-1": "WORKER" },
    nodeArgs: { manager: ["--websocket", `127.0.0.1:${wsPort}`] },
    entry: new URL("./_ws_site.ts", import.meta.url).pathname,
  });
  await cluster.waitForFullMesh(["manager", "worker-1"]);
  await cluster.waitForLine("manager", /listener websocket ws:\/\/127\.0\.0\.1/);
  const url = `ws://127.0.0.1:${wsPort}/v1/messages/json`;

  // The Deno client.
  const deno = new WebSocket(url);
  const denoMessages: Record<string, unknown>[] = [];
  deno.onmessage = (e) => denoMessages.push(JSON.parse(String(e.data)));
  await new Promise((resolve, reject) => {
    deno.onopen = resolve;
    deno.onerror = reject;
  });
  deno.send(JSON.stringify(["site.from_worker"]));
  await waitFor(
    () => denoMessages.some((m) => m.type === "ack"),
    10_000,
    "ack for the Deno client",
  );

  // The Python client: subscribes, publishes to worker-1, waits for the worker's event.
  const py = new Deno.Command("/usr/bin/python3", {
    args: [
      "-u",
      "-B",
      CLIENT,
      url,
      "--topics",
      "site.from_worker",
      "--expect",
      "Site::from_worker",
      "--publish",
      "zeek.cluster.node.worker-1.",
      "Site::from_python",
      "hello from python",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const pyOut = py.output();
  await cluster.waitForLine("worker-1", /event Site::from_python .*hello from python/);
  deno.send(JSON.stringify({
    type: "data-message",
    topic: "zeek.cluster.node.worker-1.",
    "@data-type": "vector",
    data: [
      { "@data-type": "count", data: 1 },
      { "@data-type": "count", data: 1 },
      {
        "@data-type": "vector",
        data: [
          { "@data-type": "string", data: "Site::from_deno" },
          { "@data-type": "vector", data: [{ "@data-type": "string", data: "hello from deno" }] },
        ],
      },
    ],
  }));
  await cluster.waitForLine("worker-1", /event Site::from_deno .*hello from deno/);

  await waitFor(
    () => denoMessages.some((m) => m.type === "data-message"),
    15_000,
    "the Deno client receives worker-1's event",
  );
  const { code, stdout } = await pyOut;
  const lines = new TextDecoder().decode(stdout).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(code, 0, JSON.stringify(lines));
  assert.equal(lines[0].msg.type, "ack");
  assert.ok(lines.some((l) => l.name === "Site::from_worker"));
  const got = denoMessages.find((m) => m.type === "data-message")!;
  assert.equal(got.topic, "site.from_worker");
  assert.match(JSON.stringify(got), /worker-1 got hello from (python|deno)/);
  assert.ok(lines.some((l) => /worker-1 got hello from/.test(JSON.stringify(l.msg))));
  deno.close();
});

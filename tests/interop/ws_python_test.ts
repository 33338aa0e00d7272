/**
 * The WebSocket API with two independent clients, Deno's WebSocket and Python's websockets
 * (Debian python3-websockets) speaking exactly as zeekpy does (binary frames, an
 * X-Application-Name, events with a metadata vector): both subscribe, get the ack as their first
 * message even though the site's `Cluster::websocket_client_added` handler publishes a welcome to
 * them at once, receive an event a worker publishes, and publish events that a worker's handler
 * receives. The manager's cluster.log records the clients as Zeek's does, and an undeclared event
 * gets Zeek's error reply.
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
  await waitFor(() => denoMessages.length >= 2, 10_000, "the Deno client's welcome");
  // The ack comes first, then what the client-added hook published (Zeek's order).
  assert.equal(denoMessages[0]!.type, "ack");
  assert.match(JSON.stringify(denoMessages[1]), /"Site::welcome"/);

  // The Python client: subscribes, publishes to worker-1, waits for the worker's event.
  const py = new Deno.Command("/usr/bin/python3", {
    args: [
      "-u",
      "-B",
      CLIENT,
      url,
      "--zeekpy",
      "zeekpy-test",
      "--topics",
      "site.from_worker",
      "--expect",
      "Site::welcome",
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

  const fromWorker = (m: Record<string, unknown>) =>
    m.type === "data-message" && JSON.stringify(m).includes('"Site::from_worker"');
  await waitFor(
    () => denoMessages.some(fromWorker),
    15_000,
    "the Deno client receives worker-1's event",
  );
  const { code, stdout, stderr } = await pyOut;
  const out = new TextDecoder().decode(stdout).trim();
  const lines = out.split("\n").map((l) => JSON.parse(l));
  assert.equal(code, 0, out + new TextDecoder().decode(stderr));
  assert.equal(lines[0].kind, "first");
  assert.equal(lines[0].msg.type, "ack");
  assert.match(lines[0].msg.endpoint, /-websocket-\d+$/);
  const welcome = lines.find((l) => l.name === "Site::welcome");
  assert.ok(welcome, out);
  assert.equal(welcome.msg.data[2].data[1].data[0].data, lines[0].msg.endpoint);
  assert.ok(lines.some((l) => l.name === "Site::from_worker"));
  const got = denoMessages.find(fromWorker)!;
  assert.equal(got.topic, "site.from_worker");
  assert.match(JSON.stringify(got), /worker-1 got hello from (python|deno)/);
  assert.ok(lines.some((l) => /worker-1 got hello from/.test(JSON.stringify(l.msg))));

  // An event no site code declared: Zeek's error reply, nothing published.
  const before = denoMessages.length;
  deno.send(JSON.stringify({
    type: "data-message",
    topic: "zeek.cluster.node.worker-1.",
    "@data-type": "vector",
    data: [
      { "@data-type": "count", data: 1 },
      { "@data-type": "count", data: 1 },
      {
        "@data-type": "vector",
        data: [{ "@data-type": "string", data: "Site::nope" }, {
          "@data-type": "vector",
          data: [],
        }],
      },
    ],
  }));
  await waitFor(() => denoMessages.length > before, 10_000, "the reply to an undeclared event");
  assert.deepEqual(denoMessages[before], {
    type: "error",
    code: "deserialization_failed",
    context: "failed to create Zeek event",
  });
  deno.close();

  // cluster.log (on the manager, the logger here) names both clients as Zeek's does.
  const pyId = lines[0].msg.endpoint as string;
  const clusterLog = async () => {
    const text = await Deno.readTextFile(`${cluster.logDir}/cluster.log`).catch(() => "");
    return text.split("\n").filter((l) => l.includes("WebSocket client"));
  };
  await waitFor(
    async () => (await clusterLog()).filter((l) => l.includes("gone with code")).length >= 2,
    15_000,
    "cluster.log lines for both clients",
  );
  const logged = await clusterLog();
  assert.ok(
    logged.some((l) =>
      new RegExp(
        `WebSocket client '${pyId}' \\(127\\.0\\.0\\.1:\\d+\\) application_name=zeekpy-test subscribed to \\[site\\.from_worker\\]`,
      ).test(l)
    ),
    logged.join("\n"),
  );
  assert.ok(
    logged.some((l) =>
      new RegExp(
        `WebSocket client '${pyId}' \\(127\\.0\\.0\\.1:\\d+\\) application_name=zeekpy-test gone with code 1000`,
      )
        .test(l)
    ),
    logged.join("\n"),
  );
});

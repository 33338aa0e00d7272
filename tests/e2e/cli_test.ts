import assert from "node:assert/strict";
import { freePorts, MAIN, pidsMatching, runCli, waitFor, writeLayout } from "../_fixtures.ts";

Deno.test("zcluster --version and --help exit 0", async () => {
  const v = await runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^zcluster \d+\.\d+\.\d+/);
  const h = await runCli(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /zcluster start/);
});

Deno.test("zcluster check accepts the default layout", async () => {
  const r = await runCli(["check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /embedded default: ok \(5 nodes\)/);
});

Deno.test("zcluster check exits 2 naming the node and field of each problem", async () => {
  const path = await writeLayout({
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 70000 },
    "worker-1": { nodeType: "WORKR", ip: "127.0.0.1", p: 27765, manager: "manager" },
  });
  const r = await runCli(["check", "--layout", path]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /node "manager": field "p" must be a port 1-65535, got number 70000/);
  assert.match(r.stderr, /node "worker-1": field "nodeType" must be one of/);
  const env = await runCli(["check"], { CLUSTER_LAYOUT: path });
  assert.equal(env.code, 2);
});

Deno.test("zcluster check rejects a .ts layout and a missing file", async () => {
  const ts = await runCli(["check", "--layout", "cluster-layout.ts"]);
  assert.equal(ts.code, 2);
  assert.match(ts.stderr, /must be JSON/);
  const missing = await runCli(["check", "--layout", "/nonexistent/layout.json"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read layout file/);
});

Deno.test("zcluster run with an unknown node exits 2 listing the known names", async () => {
  const r = await runCli(["run"], { CLUSTER_NODE: "worker-9" });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown node "worker-9".*manager, logger-1, proxy-1, worker-1, worker-2/);
  const none = await runCli(["run"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No node to run/);
});

Deno.test("zcluster rejects an unknown flag with exit 2", async () => {
  const r = await runCli(["run", "--nodee", "x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--nodee'/);
});

/** Spawns `zcluster start` on a layout file, with the proxy on `proxyPorts` (XPUB, XSUB). */
function spawnStart(
  layoutPath: string,
  logDir: string,
  proxyPorts: readonly [number, number],
  output: "piped" | "null",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "start",
      "--layout",
      layoutPath,
      "--log-dir",
      logDir,
      "--proxy-xpub",
      `tcp://127.0.0.1:${proxyPorts[0]}`,
      "--proxy-xsub",
      `tcp://127.0.0.1:${proxyPorts[1]}`,
    ],
    stdin: "null",
    stdout: output,
    stderr: output,
  }).spawn();
}

Deno.test("zcluster start runs every local node and SIGINT stops them all with exit 0", async () => {
  const ports = freePorts(8);
  const layout = {
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: ports[0] },
    "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: ports[1], manager: "manager" },
    "proxy-1": { nodeType: "PROXY", ip: "127.0.0.1", p: ports[2], manager: "manager" },
    "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: ports[3], manager: "manager" },
    "worker-2": { nodeType: "WORKER", ip: "127.0.0.1", p: ports[4], manager: "manager" },
    remote: { nodeType: "WORKER", ip: "192.0.2.1", p: ports[5], manager: "manager" },
  };
  const path = await writeLayout(layout);
  const logDir = path.replace(/layout\.json$/, "logs"); // removed with the layout's folder
  const proc = spawnStart(path, logDir, [ports[6]!, ports[7]!], "piped");
  const lines: string[] = [];
  const dec = new TextDecoder();
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) lines.push(...dec.decode(c).split("\n"));
  };
  const collected = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  try {
    await waitFor(async () => (await pidsMatching(path)).length >= 6, 20_000, "5 nodes up");
    await waitFor(
      () =>
        ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"].every((n) =>
          lines.some((l) => l.startsWith(`[${n}`) && / node \S+ up /.test(l))
        ),
      20_000,
      "every node's startup line",
    );
    await waitFor(
      () => lines.filter((l) => /info \S+: node_up /.test(l)).length >= 20,
      20_000,
      "every node up on every other",
    );
    assert.ok(!lines.some((l) => l.startsWith("[remote")), "the remote node must not start");
  } finally {
    proc.kill("SIGINT");
  }
  const status = await proc.status;
  await collected;
  assert.equal(status.code, 0, lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("all nodes stopped failed=0")), lines.join("\n"));
  await waitFor(async () => (await pidsMatching(path)).length === 0, 5000, "no stray process");
});

Deno.test("zcluster start killed with kill -9: its nodes see stdin close and stop by themselves", async () => {
  const ports = freePorts(4);
  const path = await writeLayout({
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: ports[0] },
    "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: ports[1], manager: "manager" },
  });
  const logDir = path.replace(/layout\.json$/, "logs"); // removed with the layout's folder
  const proc = spawnStart(path, logDir, [ports[2]!, ports[3]!], "null");
  try {
    // The supervisor and its two nodes all name the layout file on their command lines.
    await waitFor(async () => (await pidsMatching(path)).length >= 3, 20_000, "2 nodes up");
  } finally {
    proc.kill("SIGKILL");
  }
  await proc.status;
  try {
    await waitFor(async () => (await pidsMatching(path)).length === 0, 15_000, "no orphan node");
  } finally {
    for (const pid of await pidsMatching(path)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(logDir, { recursive: true }).catch(() => {});
  }
});

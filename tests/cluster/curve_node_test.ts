/**
 * CURVE end to end with real node processes configured by flags: listed keys join, an unlisted
 * key gets nothing through, a world-readable secret key is a startup error.
 */
import assert from "node:assert/strict";
import { runCli } from "../_fixtures.ts";
import { startCluster } from "../_cluster.ts";

async function keys(dir: string, name: string): Promise<string> {
  const r = await runCli(["keygen", `${dir}/${name}`]);
  assert.equal(r.code, 0, r.stderr);
  const text = await Deno.readTextFile(`${dir}/${name}.pub`);
  const key = text.split("\n").map((l) => l.trim()).find((l) => l.length === 40 && !/\s/.test(l));
  assert.ok(key, `no key in ${text}`);
  return key;
}

Deno.test("CURVE: listed nodes join and log, an unlisted key is refused and counted, bad key files stop a node", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-curve-" });
  const [manager, logger, worker] = await Promise.all(
    ["manager", "logger", "worker"].map((n) => keys(dir, n)),
  );
  await keys(dir, "server");
  await keys(dir, "intruder");
  await Deno.writeTextFile(
    `${dir}/allow`,
    `# allowed nodes\n${manager} manager\n${logger} logger-1\n${worker} worker-1\n`,
  );
  const server = ["--curve-server-key", `${dir}/server.key`, "--curve-allow", `${dir}/allow`];
  const client = (name: string) => [
    "--curve-key",
    `${dir}/${name}.key`,
    "--curve-server-pub",
    `${dir}/server.pub`,
  ];
  await using cluster = await startCluster({
    nodes: { manager: "MANAGER", "logger-1": "LOGGER", "worker-1": "WORKER", "worker-2": "WORKER" },
    metrics: true,
    nodeArgs: {
      manager: [...client("manager"), ...server],
      "logger-1": [...client("logger"), ...server],
      "worker-1": client("worker"),
      "worker-2": client("intruder"),
    },
  });
  await cluster.waitForFullMesh(["manager", "logger-1", "worker-1"]);
  assert.match(await cluster.waitForLine("manager", / up /), /curve=client\+server/);
  assert.match(
    await cluster.waitForLine("manager", / up /),
    /proxy XPUB \S+ \(curve, 3 allowed keys\)/,
  );
  await new Promise((r) => setTimeout(r, 1500));
  for (const n of ["manager", "logger-1", "worker-1"]) {
    assert.equal(cluster.count(n, /node_up worker-2/), 0, `${n} saw the intruder`);
  }
  assert.equal(cluster.count("worker-2", /node_up /), 0, "the intruder saw someone");
  const metrics = await (await fetch(cluster.metricsUrl("manager"))).text();
  const rejected = Number(/zcluster_zeromq_curve_rejected_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
  assert.ok(rejected > 0, `manager counted ${rejected} refusals`);
  await cluster.waitForLine("manager", /refused unlisted_key/);

  // A world-readable secret key file is a clear startup error, exit 2.
  await Deno.chmod(`${dir}/intruder.key`, 0o644);
  const bad = await runCli([
    "run",
    "--node",
    "worker-2",
    "--layout",
    cluster.layoutPath,
    ...client("intruder"),
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /mode 0644 is readable by others; chmod 600/);
  await Deno.writeTextFile(`${dir}/broken.key`, "not a key\n", { mode: 0o600 });
  const broken = await runCli([
    "run",
    "--node",
    "worker-2",
    "--layout",
    cluster.layoutPath,
    "--curve-key",
    `${dir}/broken.key`,
    "--curve-server-pub",
    `${dir}/server.pub`,
  ]);
  assert.equal(broken.code, 2, broken.stderr);
  const missing = await runCli([
    "run",
    "--node",
    "worker-2",
    "--layout",
    cluster.layoutPath,
    "--curve-key",
    `${dir}/none.key`,
  ]);
  assert.equal(missing.code, 2, missing.stderr);
  await Deno.remove(dir, { recursive: true });
});

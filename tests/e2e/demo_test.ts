import assert from "node:assert/strict";
import { fiveNodeLayout, freePorts, MAIN, waitFor, writeLayout } from "../_fixtures.ts";

async function logText(dir: string, path: string): Promise<string> {
  let text = "";
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.startsWith(`${path}.`) && e.name.endsWith(".log")) {
      text += await Deno.readTextFile(`${dir}/${e.name}`);
    }
  }
  return text;
}

Deno.test("zcluster start --site demo runs a living cluster: known_services.log and every join in cluster.log", async () => {
  const ports = freePorts(12);
  const path = await writeLayout(fiveNodeLayout(ports));
  const logDir = path.replace(/layout\.json$/, "logs"); // removed with the layout's folder
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "start",
      "--site",
      "demo",
      "--layout",
      path,
      "--log-dir",
      logDir,
      "--proxy-xpub",
      `tcp://127.0.0.1:${ports[10]}`,
      "--proxy-xsub",
      `tcp://127.0.0.1:${ports[11]}`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(
      async () => {
        const text = await logText(logDir, "known_services").catch(() => "");
        return text.split("\n").filter((l) => /^\d/.test(l)).length >= 20;
      },
      30_000,
      "20 known services on disk",
    );
    const metrics = await (await fetch(`http://127.0.0.1:${ports[5]}/metrics`)).text();
    assert.match(metrics, /zeek_cluster_core_incoming_events_total\{node="manager"\}/);
    const services = await (await fetch(`http://127.0.0.1:${ports[5]}/services.json`)).json();
    assert.equal(services[0].targets.length, 5);
  } finally {
    proc.kill("SIGINT");
  }
  assert.equal((await proc.status).code, 0);
  const cluster = await logText(logDir, "cluster");
  assert.equal(cluster.split("\n").filter((l) => l.includes("\tgot hello from ")).length, 20);
  const known = (await logText(logDir, "known_services")).split("\n").filter((l) => /^\d/.test(l));
  const services = known.map((l) => l.split("\t").slice(1, 3).join(":"));
  assert.equal(new Set(services).size, services.length, "each service logged once");
  assert.ok(known.every((l) => l.endsWith("\tproxy-1")));
  await Deno.remove(logDir, { recursive: true });
});

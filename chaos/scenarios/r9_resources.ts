/**
 * R9 resource bounds, default HWMs: (1) a client connects to and disconnects from every listener
 * (proxy XPUB and XSUB, logger PULL, WebSocket, metrics HTTP) 100 times (quick: 30); the
 * manager's and the logger's fd counts must come back to where they were (±2). (2) 60 s of
 * overload (quick: 15 s): both workers publish as fast as they can to a slow manager and write
 * 20,000 log records/s each; every node's RSS, sampled every 250 ms, must stay ≤ 512 MiB.
 *
 * @module
 */
import { fdCount, rssBytes } from "../proc.ts";
import { type Ctx, marks, PORTS, sleep, startCluster } from "../scenario.ts";
import { mib, type Row, row } from "../table.ts";
import { runTool, toolPath } from "../tools.ts";

const NODES = ["manager", "logger-1", "worker-1", "worker-2"] as const;
const RSS_CAP = 512 * 1024 * 1024;

/** R9. */
export async function r9Resources(ctx: Ctx): Promise<Row[]> {
  const reconnects = ctx.quick ? 30 : 100;
  const durationMs = ctx.quick ? 15_000 : 60_000;
  await using cluster = await startCluster(ctx, { websocket: true });
  const mgr = cluster.ip("manager");
  const clientArgs = (n: number) => [
    `tcp://${mgr}:${PORTS.proxyXsub}`,
    `tcp://${mgr}:${PORTS.proxyXpub}`,
    `tcp://${cluster.ip("logger-1")}:${PORTS.logger1}`,
    `ws://${mgr}:${PORTS.websocket}/v1/messages/json`,
    cluster.metricsUrl("manager"),
    String(n),
  ];
  const watched = ["manager", "logger-1"] as const;
  await runTool(toolPath("./fuzz/reconnect_client.ts"), clientArgs(3)); // warm-up
  await sleep(2000, ctx.signal);
  const before = watched.map((n) => fdCount(cluster.proc(n).pid) ?? NaN);
  const r = await runTool(toolPath("./fuzz/reconnect_client.ts"), clientArgs(reconnects), 300_000);
  const failures = Number(/failures (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  await sleep(2000, ctx.signal);
  const after = watched.map((n) => fdCount(cluster.proc(n).pid) ?? NaN);
  const fdOk = watched.every((_, i) => after[i]! <= before[i]! + 2) && r.code === 0;

  const peak = new Map<string, number>(NODES.map((n) => [n, 0]));
  const sampler = setInterval(() => {
    for (const n of NODES) {
      const rss = rssBytes(cluster.proc(n).pid) ?? 0;
      if (rss > peak.get(n)!) peak.set(n, rss);
    }
  }, 250);
  try {
    await cluster.send("manager", { cmd: "cost", us: 40 });
    const m = marks(cluster, ["worker-1", "worker-2"]);
    for (const w of ["worker-1", "worker-2"]) {
      await cluster.send(w, { cmd: "load", to: "manager", durationMs });
      await cluster.send(w, { cmd: "logload", rate: 20_000, durationMs });
    }
    for (const w of ["worker-1", "worker-2"]) {
      await cluster.expect(w, /^chaos load-done /, m[w], durationMs + 60_000);
    }
    await cluster.send("manager", { cmd: "cost", us: 0 });
    await sleep(2000, ctx.signal);
  } finally {
    clearInterval(sampler);
  }
  const dead = NODES.filter((n) => !cluster.proc(n).running);
  const maxRss = Math.max(...peak.values());
  const q = ctx.quick ? " (quick; full 100)" : "";
  return [
    row(
      "R9",
      `fd count stable over ${reconnects} reconnects${q} (proxy, PULL, WebSocket, HTTP)`,
      watched.map((n, i) => `${n} fds ${before[i]} → ${after[i]}`).join(", ") +
        `; ${failures} client failures` + (r.code !== 0 ? `; client exit ${r.code}` : ""),
      fdOk && failures === 0,
    ),
    row(
      "R9",
      `RSS ≤ 512 MiB during ${durationMs / 1000} s overload${
        ctx.quick ? " (quick; full 60 s)" : ""
      }, default HWMs`,
      NODES.map((n) => `${n} ${mib(peak.get(n)!)}`).join(", ") +
        (dead.length ? `; DEAD: ${dead.join(",")}` : ""),
      maxRss <= RSS_CAP && maxRss > 0 && dead.length === 0,
    ),
  ];
}

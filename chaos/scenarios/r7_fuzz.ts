/**
 * R7 malformed input: at least 10,000 fuzz cases per listener (full: 20,000), in batches of
 * 1,000 (2,000), into the proxy's XSUB/XPUB ports (the existing `fuzz_sender.ts`: wrong frame
 * counts, bad serializer names, mutated payloads, non-UTF-8 topics, garbage subscriptions), the
 * logger's PULL, the manager's WebSocket API and its metrics HTTP listener. After each batch a
 * good message must get through within 1 s; at the end every process must be alive and the
 * listener's error counter must have risen.
 *
 * @module
 */
import { encodeEvent } from "../../lib/serialization/mod.ts";
import type { ChaosCluster } from "../cluster.ts";
import { type Ctx, PORTS, startCluster } from "../scenario.ts";
import { ms, type Row, row } from "../table.ts";
import { pingVia, pingViaWebSocket, runTool, timedGet, toolPath } from "../tools.ts";

const NODES = ["manager", "logger-1", "worker-1", "worker-2"] as const;

async function zmqErrors(cluster: ChaosCluster, node: string): Promise<number> {
  return (await cluster.metric(node, "zeek_cluster_zeromq_msg_errors_total")) +
    (await cluster.metric(node, "zcluster_serialization_errors_total", { direction: "in" }));
}

interface Listener {
  readonly name: string;
  cases: number;
  good: number[];
  counterBefore: number;
  counterAfter: number;
  problems: string[];
}

function listener(name: string): Listener {
  return { name, cases: 0, good: [], counterBefore: 0, counterAfter: 0, problems: [] };
}

function sentOf(stdout: string): number {
  return Number(/sent (\d+)/.exec(stdout)?.[1] ?? 0);
}

async function fileContains(dir: string, prefix: string, needle: string): Promise<boolean> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.startsWith(prefix)) {
        if ((await Deno.readTextFile(`${dir}/${e.name}`)).includes(needle)) return true;
      }
    }
  } catch { /* not there yet */ }
  return false;
}

/** R7. */
export async function r7Fuzz(ctx: Ctx): Promise<Row[]> {
  const batches = 10;
  const perBatch = ctx.quick ? 1000 : 2000;
  await using cluster = await startCluster(ctx, { websocket: true });
  const mgr = cluster.ip("manager");
  const results: Listener[] = [];

  // XPUB/XSUB: malformed events to both workers through the proxy, garbage to every XPUB.
  {
    const l = listener("proxy XPUB/XSUB (workers' XSUB and XPUB)");
    const good = encodeEvent({ name: "Fuzz::ok", args: ["x"] }, "broker-bin-v1");
    const hex = Array.from(good, (b) => b.toString(16).padStart(2, "0")).join("");
    l.counterBefore = await zmqErrors(cluster, "worker-1") + await zmqErrors(cluster, "worker-2");
    for (let b = 0; b < batches; b++) {
      const r = await runTool(toolPath("../lib/transport/zeromq/testdata/fuzz_sender.ts"), [
        `tcp://${mgr}:${PORTS.proxyXsub}`,
        `tcp://${mgr}:${PORTS.proxyXpub}`,
        "zeek.cluster.worker",
        String(perBatch),
        String(b + 1),
        hex,
      ]);
      if (r.code !== 0) {
        l.problems.push(`fuzz_sender exit ${r.code}: ${r.stderr.trim().slice(-200)}`);
      }
      l.cases += sentOf(r.stdout);
      l.good.push(await pingVia(cluster, "worker-1", "worker-2", `x${b}`));
    }
    l.counterAfter = await zmqErrors(cluster, "worker-1") + await zmqErrors(cluster, "worker-2");
    results.push(l);
  }
  // Logger PULL.
  {
    const l = listener("logger PULL");
    l.counterBefore = await zmqErrors(cluster, "logger-1");
    for (let b = 0; b < batches; b++) {
      const seed = 1000 + b;
      const args = [
        `tcp://${cluster.ip("logger-1")}:${PORTS.logger1}`,
        String(perBatch),
        String(seed),
      ];
      if (b === 0) args.push("big");
      const r = await runTool(toolPath("./fuzz/pull_fuzz.ts"), args);
      if (r.code !== 0) l.problems.push(`pull_fuzz exit ${r.code}: ${r.stderr.trim().slice(-200)}`);
      l.cases += sentOf(r.stdout);
      const goodAt = Number(/good-at (\d+)/.exec(r.stdout)?.[1] ?? r.endedAt);
      const deadline = Date.now() + 5000;
      let seen = Infinity;
      while (Date.now() < deadline) {
        if (await fileContains(cluster.logDir("logger-1"), "fuzzgood", `"seq":${seed}`)) {
          seen = Date.now() - goodAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      l.good.push(seen);
    }
    l.counterAfter = await zmqErrors(cluster, "logger-1");
    results.push(l);
  }
  // WebSocket API.
  {
    const l = listener("manager WebSocket API");
    const url = `ws://${mgr}:${PORTS.websocket}/v1/messages/json`;
    l.counterBefore = await cluster.metric("manager", "zcluster_websocket_errors_total");
    for (let b = 0; b < batches; b++) {
      const r = await runTool(toolPath("./fuzz/ws_fuzz.ts"), [
        mgr,
        String(PORTS.websocket),
        String(perBatch),
        String(b + 7),
      ]);
      if (r.code !== 0) l.problems.push(`ws_fuzz exit ${r.code}: ${r.stderr.trim().slice(-200)}`);
      l.cases += sentOf(r.stdout);
      l.good.push(await pingViaWebSocket(cluster, url, "worker-1", `w${b}`));
    }
    l.counterAfter = await cluster.metric("manager", "zcluster_websocket_errors_total");
    results.push(l);
  }
  // Metrics HTTP.
  {
    const l = listener("manager metrics HTTP");
    l.counterBefore = await cluster.metric("manager", "zcluster_http_errors_total");
    const port = cluster.nodes.manager!.metricsPort!;
    for (let b = 0; b < batches; b++) {
      const r = await runTool(toolPath("./fuzz/http_fuzz.ts"), [
        mgr,
        String(port),
        String(perBatch),
        String(b + 11),
      ]);
      if (r.code !== 0) l.problems.push(`http_fuzz exit ${r.code}: ${r.stderr.trim().slice(-200)}`);
      l.cases += sentOf(r.stdout);
      if (b === batches - 1) ctx.log(`R7: http_fuzz: ${r.stdout.trim()}`);
      l.good.push(await timedGet(cluster.metricsUrl("manager")));
    }
    l.counterAfter = await cluster.metric("manager", "zcluster_http_errors_total");
    results.push(l);
  }
  const dead = NODES.filter((n) => !cluster.proc(n).running);
  const rows: Row[] = [];
  for (const l of results) {
    const maxGood = Math.max(...l.good);
    const hasCounter = !Number.isNaN(l.counterBefore);
    const rose = l.counterAfter - l.counterBefore;
    rows.push(row(
      "R7",
      `fuzz ${l.name}: ≥ 10,000 cases (${batches} × ${perBatch.toLocaleString("en-US")}${
        ctx.quick ? "" : "; quick 10 × 1,000"
      }), survives, error counter rises, good traffic ≤ 1 s after each batch`,
      `${l.cases} cases; ${dead.length ? `DEAD: ${dead.join(",")}` : "all nodes alive"}; ` +
        (hasCounter ? `error counter +${rose}` : "no error counter exists for this listener") +
        `; good message after each batch: max ${ms(maxGood)}` +
        (l.problems.length ? `; ${l.problems.slice(0, 2).join("; ")}` : ""),
      l.cases >= 10_000 && dead.length === 0 && maxGood <= 1000 &&
        l.problems.length === 0 && hasCounter && rose > 0,
    ));
  }
  return rows;
}

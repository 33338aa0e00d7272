/**
 * Idle benchmark: a 5-node local cluster (manager, logger-1, proxy-1, worker-1, worker-2; one
 * `main.ts` process per node, no site, no traffic) left alone for 30 s after it formed. Reads each
 * process's CPU time (user + system, all threads) and RSS from /proc. The budget is 0.5 % of a core
 * and 80 MiB per node; the transport waits in poll(2), so an idle node should do next to nothing.
 *
 * Reported as `budget / worst node` (>= 1 passes), CPU in hundredths of a percent of a core, with
 * every node's figures in `extra`.
 *
 * Run: `deno task bench idle`, or `deno run -A bench/idle.ts --seconds 30`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startCluster } from "../tests/_cluster.ts";
import type { Bench, BenchResult } from "./mod.ts";
import { processCpuMs, processRssBytes } from "./_process.ts";

/** CPU budget per idle node, percent of one core. */
export const IDLE_CPU_BUDGET_PERCENT = 0.5;
/** RSS budget per idle node, MiB. */
export const IDLE_RSS_BUDGET_MIB = 80;

/** Options of {@linkcode idleBench}. */
export interface IdleBenchOptions {
  /** Measuring time, s. Default 30. */
  readonly seconds?: number;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

/** One node's idle figures. */
export interface IdleNode {
  readonly name: string;
  readonly cpuPercent: number;
  readonly rssMiB: number;
}

/**
 * Starts the cluster, waits until every node sees every other, settles 3 s, then measures.
 *
 * @returns one entry per node.
 */
export async function measureIdle(options: IdleBenchOptions = {}): Promise<IdleNode[]> {
  const seconds = options.seconds ?? 30;
  await using cluster = await startCluster();
  const names = [...cluster.nodes.keys()];
  await cluster.waitForFullMesh(names, 60_000);
  await new Promise((r) => setTimeout(r, 3_000));
  const pids = names.map((n) => cluster.nodes.get(n)!.proc.pid);
  const before = pids.map((p) => processCpuMs(p) ?? NaN);
  const t0 = performance.now();
  options.progress?.(`  idle: measuring ${names.length} nodes for ${seconds} s`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wallMs = performance.now() - t0;
  return names.map((name, i) => ({
    name,
    cpuPercent: (100 * ((processCpuMs(pids[i]!) ?? NaN) - before[i]!)) / wallMs,
    rssMiB: (processRssBytes(pids[i]!) ?? NaN) / (1024 * 1024),
  }));
}

/** The idle benchmark. */
export function idleBench(options: IdleBenchOptions = {}): Bench {
  return {
    name: "idle",
    async run(): Promise<BenchResult[]> {
      const nodes = await measureIdle(options);
      const worstCpu = Math.max(...nodes.map((n) => n.cpuPercent));
      const worstRss = Math.max(...nodes.map((n) => n.rssMiB));
      const extra: Record<string, string> = {};
      for (const n of nodes) {
        extra[n.name] = `${n.cpuPercent.toFixed(2)}%/${n.rssMiB.toFixed(0)}MiB`;
      }
      return [
        {
          name: "idle 5 nodes: CPU budget / worst node",
          value: IDLE_CPU_BUDGET_PERCENT * 100,
          baseline: Math.max(worstCpu * 100, 0.1),
          baselineLabel: "worst",
          unit: "0.01%core",
          targetRatio: 1,
          extra: { worst_cpu_percent: worstCpu.toFixed(3), ...extra },
        },
        {
          name: "idle 5 nodes: RSS budget / worst node",
          value: IDLE_RSS_BUDGET_MIB,
          baseline: worstRss,
          baselineLabel: "worst",
          unit: "MiB",
          targetRatio: 1,
          extra: { worst_rss_mib: worstRss.toFixed(1) },
        },
      ];
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
  const { report } = await import("./mod.ts");
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  report(
    await idleBench({
      ...(seconds ? { seconds } : {}),
      progress: (l) => console.log(l),
    }).run(),
  );
}

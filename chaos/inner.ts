/**
 * The scenario process: runs inside the control host's namespace, runs each scenario in turn
 * (each starts and disposes its own cluster), and writes the rows to the result file after each
 * one, so the outer process can print what was measured even after an interruption.
 *
 * @module
 */
import { topologyOf } from "./netns.ts";
import type { Ctx, Scenario } from "./scenario.ts";
import { type Row, row } from "./table.ts";
import { r1Overload } from "./scenarios/r1_overload.ts";
import { r3WorkerKill } from "./scenarios/r3_worker_kill.ts";
import { r4LoggerKill } from "./scenarios/r4_logger_kill.ts";
import { r5ProxyKill } from "./scenarios/r5_proxy_kill.ts";
import { r6Partition } from "./scenarios/r6_partition.ts";
import { r7Fuzz } from "./scenarios/r7_fuzz.ts";
import { r8Store } from "./scenarios/r8_store.ts";
import { r9Resources } from "./scenarios/r9_resources.ts";
import { r10Shutdown } from "./scenarios/r10_shutdown.ts";

/** Scenarios in run order. */
export const SCENARIOS: readonly (readonly [string, Scenario])[] = [
  ["R1", r1Overload],
  ["R3", r3WorkerKill],
  ["R4", r4LoggerKill],
  ["R5", r5ProxyKill],
  ["R6", r6Partition],
  ["R7", r7Fuzz],
  ["R8", r8Store],
  ["R9", r9Resources],
  ["R10", r10Shutdown],
];

/** Options of {@link runInner}. */
export interface InnerOptions {
  readonly runId: string;
  readonly quick: boolean;
  readonly only: string | undefined;
  readonly resultPath: string;
}

/**
 * Runs the scenarios.
 *
 * @param options Run id, mode, selection, result file.
 * @returns 0 (the verdicts are in the result file).
 */
export async function runInner(options: InnerOptions): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("interrupted"));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  const t0 = Date.now();
  const ctx: Ctx = {
    topo: topologyOf(options.runId),
    quick: options.quick,
    signal: controller.signal,
    log: (m) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`),
  };
  const wanted = options.only?.split(",").map((s) => s.trim().toUpperCase());
  const rows: Row[] = [];
  for (const id of wanted ?? []) {
    if (!SCENARIOS.some(([known]) => known === id)) {
      rows.push(
        row(
          id,
          "a known target",
          `unknown target ${id}: known ${SCENARIOS.map(([k]) => k).join(", ")}`,
          false,
        ),
      );
    }
  }
  for (const [id, scenario] of SCENARIOS) {
    if (wanted && !wanted.includes(id)) continue;
    if (controller.signal.aborted) break;
    ctx.log(`${id}: start`);
    try {
      const got = await scenario(ctx);
      rows.push(...got);
      for (const r of got) ctx.log(`${r.id}: ${r.verdict} ${r.figure}`);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      rows.push(
        row(id, "scenario completes", `error: ${text.split("\n").slice(0, 6).join(" / ")}`, false),
      );
      ctx.log(`${id}: error ${error instanceof Error ? error.stack : error}`);
    }
    await Deno.writeTextFile(options.resultPath, JSON.stringify(rows));
  }
  ctx.log(`scenarios done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return 0;
}

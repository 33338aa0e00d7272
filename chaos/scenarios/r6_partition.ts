/**
 * R6 silent peer: worker-2's host is cut off (its veth link set down inside its namespace), and,
 * separately, worker-2 is frozen with SIGSTOP. Every other node must declare it down ≤ 3 s (ZMTP
 * heartbeats: 500 ms interval, 2 s timeout by default); after the link comes back (SIGCONT) it must
 * come back up. ×3 each (quick ×1). The link is always restored and the process always continued.
 *
 * @module
 */
import type { ChaosCluster } from "../cluster.ts";
import { setHostLink } from "../netns.ts";
import { type Ctx, marks, sleep, startCluster } from "../scenario.ts";
import { ms, type Row, row } from "../table.ts";

const OBSERVERS = ["manager", "logger-1", "worker-1"] as const;
/** How long the fault lasts once every observer saw node_down. */
const HOLD_MS = 1000;
/** How long to wait for node_up after the heal. */
const BACK_TIMEOUT_MS = 30_000;

interface FaultResult {
  down: number[];
  back: number[];
  problems: string[];
}

async function oneFault(
  ctx: Ctx,
  cluster: ChaosCluster,
  inject: () => Promise<void>,
  heal: () => Promise<void>,
  label: string,
  out: FaultResult,
): Promise<void> {
  const m = marks(cluster, OBSERVERS);
  const t0 = Date.now();
  try {
    await inject();
    for (const o of OBSERVERS) {
      const f = await cluster.find(o, /node_down worker-2( |$)/, m[o], 10_000);
      if (!f) out.problems.push(`${label}: ${o} never declared worker-2 down`);
      out.down.push(f ? f.ts - t0 : Infinity);
    }
    await sleep(HOLD_MS, ctx.signal);
  } finally {
    await heal();
  }
  const healAt = Date.now();
  for (const o of OBSERVERS) {
    const f = await cluster.find(o, /node_up worker-2( |$)/, m[o], BACK_TIMEOUT_MS);
    if (!f) out.problems.push(`${label}: ${o} never saw worker-2 back`);
    out.back.push(f ? f.ts - healAt : Infinity);
  }
  ctx.log(
    `R6: ${label}: down after ${out.down.slice(-3).map(ms).join("/")}, back after ` +
      `${out.back.slice(-3).map(ms).join("/")}`,
  );
  await sleep(1000, ctx.signal);
}

/** R6. */
export async function r6Partition(ctx: Ctx): Promise<Row[]> {
  const cycles = ctx.quick ? 1 : 3;
  await using cluster = await startCluster(ctx);
  const part: FaultResult = { down: [], back: [], problems: [] };
  const stop: FaultResult = { down: [], back: [], problems: [] };
  for (let i = 0; i < cycles; i++) {
    await oneFault(
      ctx,
      cluster,
      () => setHostLink(ctx.topo, "w2", false),
      () => setHostLink(ctx.topo, "w2", true),
      `partition ${i + 1}`,
      part,
    );
    await oneFault(
      ctx,
      cluster,
      () => Promise.resolve(cluster.signal("worker-2", "SIGSTOP")),
      () => Promise.resolve(cluster.signal("worker-2", "SIGCONT")),
      `SIGSTOP ${i + 1}`,
      stop,
    );
  }
  const q = ctx.quick ? " (quick; full ×3)" : "";
  const fig = (r: FaultResult) =>
    `down after max ${ms(Math.max(...r.down))}; back up max ${ms(Math.max(...r.back))} after ` +
    `the heal` + (r.problems.length ? `; ${r.problems.slice(0, 3).join("; ")}` : "");
  const ok = (r: FaultResult) => Math.max(...r.down) <= 3000 && r.problems.length === 0;
  return [
    row(
      "R6",
      `partition (worker host link down) ×${cycles}${q}: down ≤ 3 s, back after heal`,
      fig(part),
      ok(part),
    ),
    row(
      "R6",
      `SIGSTOP of a worker ×${cycles}${q}: down ≤ 3 s, back after SIGCONT`,
      fig(stop),
      ok(stop),
    ),
  ];
}

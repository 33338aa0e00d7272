/**
 * R3 worker restart: `kill -9` of worker-2 ×10 (quick ×3) while worker-1 and the manager publish
 * ticks every 20 ms. Every other node must log `node_down worker-2` ≤ 1 s after the kill, and
 * `node_up worker-2` with the new id ≤ 2 s after the restart; the ticks between the other nodes
 * must neither go missing nor stall for more than 1 s.
 *
 * @module
 */
import type { ChaosCluster } from "../cluster.ts";
import { type Ctx, marks, sleep, startCluster } from "../scenario.ts";
import { ms, type Row, row } from "../table.ts";

const OBSERVERS = ["manager", "logger-1", "worker-1"] as const;
const TICKERS = ["manager", "worker-1"] as const;
const TICK_MS = 20;
/** A stall of the other nodes' ticks longer than this counts as an interruption. */
const MAX_STALL_MS = 1000;

/** A node's `tick-report` lines, per sender. */
export async function tickReport(
  cluster: ChaosCluster,
  name: string,
): Promise<Map<string, { recv: number; missing: number; maxGapMs: number }>> {
  const from = cluster.lines(name).length;
  await cluster.send(name, { cmd: "tick_report" });
  await cluster.expect(name, /^chaos tick-report-end/, from, 10_000);
  const out = new Map<string, { recv: number; missing: number; maxGapMs: number }>();
  for (const l of cluster.grep(name, /^chaos tick-report from=/, from)) {
    const m = /from=(\S+) recv=(\d+) missing=(\d+) maxGapMs=(\d+)/.exec(l.text)!;
    out.set(m[1]!, { recv: Number(m[2]), missing: Number(m[3]), maxGapMs: Number(m[4]) });
  }
  return out;
}

/** R3. */
export async function r3WorkerKill(ctx: Ctx): Promise<Row[]> {
  const cycles = ctx.quick ? 3 : 10;
  await using cluster = await startCluster(ctx);
  for (const t of TICKERS) await cluster.send(t, { cmd: "ticker", periodMs: TICK_MS });
  await sleep(1000, ctx.signal);
  for (const o of OBSERVERS) await tickReport(cluster, o); // resets the stall windows
  const downs: number[] = [], ups: number[] = [], upsFromReady: number[] = [];
  const problems: string[] = [];
  let oldId =
    /id=(\S+)/.exec((await cluster.expect("worker-2", /^chaos site-ready/)).line.text)![1];
  for (let i = 0; i < cycles; i++) {
    const m = marks(cluster, OBSERVERS);
    const killAt = Date.now();
    await cluster.stop("worker-2", "SIGKILL");
    for (const o of OBSERVERS) {
      const f = await cluster.find(o, /node_down worker-2( |$)/, m[o], 10_000);
      if (!f) problems.push(`cycle ${i + 1}: ${o} never saw node_down`);
      downs.push(f ? f.ts - killAt : Infinity);
    }
    await sleep(300, ctx.signal);
    const m2 = marks(cluster, OBSERVERS);
    const restartAt = Date.now();
    cluster.start("worker-2");
    const ready = await cluster.expect("worker-2", /^chaos site-ready/, 0, 20_000);
    const newId = /id=(\S+)/.exec(ready.line.text)![1]!;
    if (newId === oldId) problems.push(`cycle ${i + 1}: same node id after restart`);
    const selfUp = (await cluster.expect("worker-2", /node worker-2 up/, 0, 20_000)).ts;
    for (const o of OBSERVERS) {
      const f = await cluster.find(o, new RegExp(`node_up worker-2 id=${newId}`), m2[o], 15_000);
      if (!f) problems.push(`cycle ${i + 1}: ${o} never saw node_up with the new id`);
      ups.push(f ? f.ts - restartAt : Infinity);
      upsFromReady.push(f ? f.ts - selfUp : Infinity);
    }
    ctx.log(
      `R3: cycle ${i + 1}: down ${downs.slice(-3).join("/")} ms; self up ${
        selfUp - restartAt
      } ms ` +
        `after spawn; node_up ${ups.slice(-3).join("/")} ms after spawn`,
    );
    oldId = newId;
    await sleep(500, ctx.signal);
  }
  let missing = 0, maxStall = 0;
  const reports = await Promise.all(OBSERVERS.map((o) => tickReport(cluster, o)));
  OBSERVERS.forEach((o, i) => {
    for (const [from, r] of reports[i]!) {
      if (from === "worker-2" || from === o) continue;
      missing += r.missing;
      maxStall = Math.max(maxStall, r.maxGapMs);
    }
  });
  const maxDown = Math.max(...downs), maxUp = Math.max(...ups);
  const q = ctx.quick ? " (quick; full ×10)" : "";
  return [
    row(
      "R3",
      `worker kill -9 ×${cycles}${q}: node_down seen everywhere ≤ 1 s`,
      `max ${ms(maxDown)}, median ${ms(median(downs))} over ${downs.length} observations` +
        (problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""),
      maxDown <= 1000,
    ),
    row(
      "R3",
      `restart: node_up with the new id ≤ 2 s after restart`,
      `max ${ms(maxUp)} after spawn (median ${ms(median(ups))}); ` +
        `max ${ms(Math.max(...upsFromReady))} after the node's own start-up line`,
      maxUp <= 2000 && problems.length === 0,
    ),
    row(
      "R3",
      `other traffic uninterrupted (ticks every ${TICK_MS} ms)`,
      `${missing} ticks missing, longest stall ${ms(maxStall)}`,
      missing === 0 && maxStall <= MAX_STALL_MS,
    ),
  ];
}

/** Median of finite values. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Infinity;
  return v[Math.floor(v.length / 2)]!;
}

/**
 * R4 logger restart: both workers write `Chaos::LOG` records (per-worker sequence numbers) at
 * 5,000 records/s each (10k/s in all) while logger-1 is killed with `kill -9`, kept down 1 s and
 * restarted, once per 6 s cycle, ×10 (quick ×2). Then the same with two loggers (round-robin),
 * killing logger-1 ×3 (quick ×1). The loggers' files are read back: per restart, the records lost
 * must be ≤ 0.1 % of a cycle's records, with no duplicates; with two loggers, none lost.
 *
 * @module
 */
import type { ChaosCluster } from "../cluster.ts";
import {
  type Ctx,
  marks,
  sleep,
  STANDARD_NODES,
  startCluster,
  TWO_LOGGER_NODES,
} from "../scenario.ts";
import { type Row, row } from "../table.ts";

const WORKERS = ["worker-1", "worker-2"] as const;
const RATE_PER_WORKER = 5000;
const CYCLE_MS = 6000;
const DOWN_MS = 1000;

/** Records found in log files, per writing node. */
export interface RecordCount {
  unique: number;
  dups: number;
  max: number;
  /** Every sequence number seen. */
  seqs: Set<number>;
}

/** Runs of missing sequence numbers below `end`, as `a-b` strings. */
export function missingRanges(seqs: ReadonlySet<number>, end: number): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= end; i++) {
    const missing = i < end && !seqs.has(i);
    if (missing && start < 0) start = i;
    if (!missing && start >= 0) {
      out.push(start === i - 1 ? `${start}` : `${start}-${i - 1}`);
      start = -1;
    }
  }
  return out;
}

/**
 * Reads every `chaos*.log` file (JSON lines) under the directories.
 *
 * @param dirs Log directories.
 * @returns Per node: unique sequence numbers, duplicates, highest.
 */
export async function countRecords(dirs: readonly string[]): Promise<Map<string, RecordCount>> {
  const out = new Map<string, RecordCount>();
  for (const dir of dirs) {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith("chaos") || !e.name.includes(".log")) continue;
      const text = await Deno.readTextFile(`${dir}/${e.name}`);
      for (const line of text.split("\n")) {
        if (!line.startsWith("{")) continue;
        let rec: { node?: string; seq?: number };
        try {
          rec = JSON.parse(line);
        } catch {
          continue; // a torn last line of a killed logger
        }
        if (typeof rec.node !== "string" || typeof rec.seq !== "number") continue;
        let c = out.get(rec.node);
        if (!c) out.set(rec.node, c = { unique: 0, dups: 0, max: -1, seqs: new Set() });
        const set = c.seqs;
        if (set.has(rec.seq)) c.dups++;
        else {
          set.add(rec.seq);
          c.unique++;
        }
        c.max = Math.max(c.max, rec.seq);
      }
    }
  }
  return out;
}

/** Waits until a node's `recordsReceived` stops growing. */
async function settleLogger(ctx: Ctx, cluster: ChaosCluster, name: string): Promise<void> {
  let last = -1;
  for (let stable = 0, i = 0; stable < 2 && i < 30; i++) {
    await sleep(1000, ctx.signal);
    const n = (await cluster.stats(name)).recordsReceived ?? 0;
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
}

interface Outcome {
  readonly written: number;
  readonly lost: number;
  readonly dups: number;
  readonly countedDrops: number;
  readonly restarts: number;
  /** Missing ranges per worker (first few). */
  readonly gaps: string;
}

async function runCycles(
  ctx: Ctx,
  cluster: ChaosCluster,
  loggers: readonly string[],
  restarts: number,
): Promise<Outcome> {
  const before = await Promise.all(WORKERS.map((w) => cluster.stats(w)));
  const durationMs = restarts * CYCLE_MS + 2000;
  const m = marks(cluster, WORKERS);
  for (const w of WORKERS) {
    await cluster.send(w, { cmd: "logload", rate: RATE_PER_WORKER, durationMs });
  }
  const loadStart = Date.now();
  const killSeqs: number[] = [];
  await sleep(1000, ctx.signal);
  for (let i = 0; i < restarts; i++) {
    const cycleStart = Date.now();
    // A different phase against the workers' 200 ms batch period in every cycle.
    await sleep((CYCLE_MS - DOWN_MS) / 2 + ((i * 73) % 200) - 100, ctx.signal);
    const killSeq = Math.round(((Date.now() - loadStart) / 1000) * RATE_PER_WORKER);
    killSeqs.push(killSeq);
    ctx.log(`R4: kill logger-1 at ≈ seq ${killSeq}`);
    await cluster.stop("logger-1", "SIGKILL");
    await sleep(DOWN_MS, ctx.signal);
    cluster.start("logger-1");
    await cluster.expect("logger-1", /node logger-1 up/, 0, 20_000);
    await sleep(Math.max(0, CYCLE_MS - (Date.now() - cycleStart)), ctx.signal);
  }
  let written = 0;
  const next: Record<string, number> = {};
  for (const w of WORKERS) {
    const f = await cluster.expect(w, /^chaos logload-done /, m[w], durationMs + 30_000);
    written += Number(/written=(\d+)/.exec(f.line.text)![1]);
    next[w] = Number(/next=(\d+)/.exec(f.line.text)![1]);
  }
  for (const l of loggers) await settleLogger(ctx, cluster, l);
  const after = await Promise.all(WORKERS.map((w) => cluster.stats(w)));
  let countedDrops = 0;
  WORKERS.forEach((_, i) => {
    countedDrops += (after[i]!.recordsDropped ?? 0) - (before[i]!.recordsDropped ?? 0);
  });
  // A graceful stop flushes and closes the files.
  for (const l of loggers) await cluster.stop(l, "SIGTERM");
  const counts = await countRecords(loggers.map((l) => cluster.logDir(l)));
  let unique = 0, dups = 0;
  const gaps: string[] = [];
  for (const w of WORKERS) {
    const c = counts.get(w);
    unique += c?.unique ?? 0;
    dups += c?.dups ?? 0;
    const ranges = missingRanges(c?.seqs ?? new Set(), next[w]!);
    const near = (r: string) => {
      const end = Number(r.split("-").pop());
      const k = killSeqs.reduce((a, b) => (Math.abs(b - end) < Math.abs(a - end) ? b : a), -1);
      return `${r} (kill at ≈ ${k})`;
    };
    if (ranges.length > 0) gaps.push(`${w} ${ranges.slice(0, 4).map(near).join(", ")}`);
  }
  return { written, lost: written - unique, dups, countedDrops, restarts, gaps: gaps.join("; ") };
}

/** R4. */
export async function r4LoggerKill(ctx: Ctx): Promise<Row[]> {
  const single = ctx.quick ? 2 : 10;
  const double = ctx.quick ? 1 : 3;
  const perCycle = RATE_PER_WORKER * WORKERS.length * (CYCLE_MS / 1000);
  const rows: Row[] = [];
  {
    await using cluster = await startCluster(ctx, { nodes: STANDARD_NODES });
    const o = await runCycles(ctx, cluster, ["logger-1"], single);
    const perRestart = o.lost / o.restarts;
    const pct = (perRestart / perCycle) * 100;
    rows.push(row(
      "R4",
      `logger kill -9 ×${single}${ctx.quick ? " (quick; full ×10)" : ""} under 10k rec/s, ` +
        `1 s down: loss ≤ 0.1 % per restart, 0 duplicates`,
      `lost ${o.lost} of ${o.written} (${Math.round(perRestart)} per restart = ${
        pct.toFixed(3)
      } % of a ${CYCLE_MS / 1000} s cycle's ${perCycle}); counted drops ${o.countedDrops}; ` +
        `duplicates ${o.dups}${o.gaps ? `; missing seqs: ${o.gaps}` : ""}`,
      pct <= 0.1 && o.dups === 0,
    ));
  }
  {
    await using cluster = await startCluster(ctx, { nodes: TWO_LOGGER_NODES });
    const o = await runCycles(ctx, cluster, ["logger-1", "logger-2"], double);
    rows.push(row(
      "R4",
      `two loggers, logger-1 kill -9 ×${double}${ctx.quick ? " (quick; full ×3)" : ""}: loss 0`,
      `lost ${o.lost} of ${o.written}; counted drops ${o.countedDrops}; duplicates ${o.dups}` +
        (o.gaps ? `; missing seqs: ${o.gaps}` : ""),
      o.lost === 0 && o.dups === 0,
    ));
  }
  return rows;
}

/**
 * R1 publish accounting: both workers publish `Chaos::seq` to the manager as fast as they can
 * while the manager spends busy time on each event (a slow consumer), for 20 s (quick: 8 s).
 * Once the manager's count stops moving, every event must be delivered, counted as a drop (xpub
 * drops on the sender, onloop drops on the receiver), or still queued. Unexplained loss must be 0.
 *
 * @module
 */
import type { ChaosCluster } from "../cluster.ts";
import { type Ctx, marks, sleep, startCluster } from "../scenario.ts";
import { type Row, row } from "../table.ts";

const WORKERS = ["worker-1", "worker-2"] as const;
/** Busy time per event on the manager: caps it near 25k events/s. */
const COST_US = 40;

/** Per-sender delivery as the manager's site reports it. */
export interface SeqReport {
  readonly recv: number;
  readonly unique: number;
  readonly max: number;
}

/** Asks a node for its `seq_report` and parses it. */
export async function seqReport(
  cluster: ChaosCluster,
  name: string,
): Promise<Map<string, SeqReport>> {
  const from = cluster.lines(name).length;
  await cluster.send(name, { cmd: "seq_report" });
  await cluster.expect(name, /^chaos seq-report-end/, from, 15_000);
  const out = new Map<string, SeqReport>();
  for (const l of cluster.grep(name, /^chaos seq-report from=/, from)) {
    const m = /from=(\S+) recv=(\d+) unique=(\d+) max=(-?\d+)/.exec(l.text)!;
    out.set(m[1]!, { recv: Number(m[2]), unique: Number(m[3]), max: Number(m[4]) });
  }
  return out;
}

type Stats = Record<string, number>;

function delta(after: Stats, before: Stats, key: string): number {
  return (after[key] ?? 0) - (before[key] ?? 0);
}

/**
 * Runs load from both workers to the manager and returns the accounting.
 *
 * @param cluster A running standard cluster.
 * @param durationMs Load duration.
 * @param costUs Busy time per event on the manager.
 */
export async function overload(
  ctx: Ctx,
  cluster: ChaosCluster,
  durationMs: number,
  costUs: number,
): Promise<Accounting> {
  const names = ["manager", ...WORKERS];
  const before = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await cluster.stats(n)] as const)),
  );
  await cluster.send("manager", { cmd: "cost", us: costUs });
  const m = marks(cluster, [...WORKERS]);
  for (const w of WORKERS) await cluster.send(w, { cmd: "load", to: "manager", durationMs });
  const sent: Record<string, number> = {};
  for (const w of WORKERS) {
    const f = await cluster.expect(w, /^chaos load-done /, m[w], durationMs + 60_000);
    sent[w] = Number(/sent=(\d+)/.exec(f.line.text)![1]);
  }
  await cluster.send("manager", { cmd: "cost", us: 0 });
  ctx.log(`R1: load done: ${JSON.stringify(sent)}; waiting for the manager to settle`);
  // Settle: until nothing is pending anywhere (every sent event is delivered or dropped), or
  // until nothing has moved for 5 s (what is left is then lost, or stuck).
  let last = "", still = 0;
  let report = new Map<string, SeqReport>();
  let after: Record<string, Stats> = {};
  const settleUntil = Date.now() + 60_000;
  while (Date.now() < settleUntil) {
    await sleep(1000, ctx.signal);
    report = await seqReport(cluster, "manager");
    after = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await cluster.stats(n)] as const)),
    );
    const total = [...report.values()].reduce((s, r) => s + r.recv, 0);
    let pending = -delta(after.manager!, before.manager!, "received");
    for (const w of WORKERS) {
      pending += sent[w]! - delta(after[w]!, before[w]!, "xpubDrops") -
        delta(after[w]!, before[w]!, "sendErrors");
    }
    pending -= delta(after.manager!, before.manager!, "onloopDrops");
    if (pending <= 0) break;
    const key = `${total}/${after.manager!.messagesIn}`;
    still = key === last ? still + 1 : 0;
    last = key;
    if (still >= 5) break;
  }
  // The report above was read before the stats: events the manager received in between would be
  // counted as received but not delivered. Read it again now that the stats are final.
  report = await seqReport(cluster, "manager");
  let xpubDrops = 0, senderQueued = 0, totalSent = 0;
  for (const w of WORKERS) {
    const d = delta(after[w]!, before[w]!, "xpubDrops");
    xpubDrops += d;
    totalSent += sent[w]!;
    // publish() refusals are queue drops, already inside xpubDrops.
    senderQueued += sent[w]! - d - delta(after[w]!, before[w]!, "messagesOut") -
      delta(after[w]!, before[w]!, "sendErrors");
  }
  const mgr = (k: string) => delta(after.manager!, before.manager!, k);
  const onloopDrops = mgr("onloopDrops");
  const onloopQueued = mgr("messagesIn") - onloopDrops - mgr("received") - mgr("ownDropped") -
    mgr("formatMismatches") - mgr("serializationErrors");
  let delivered = 0, dups = 0;
  for (const w of WORKERS) {
    const r = report.get(w);
    delivered += r?.unique ?? 0;
    dups += (r?.recv ?? 0) - (r?.unique ?? 0);
  }
  const queued = Math.max(0, senderQueued) + Math.max(0, onloopQueued);
  const unexplained = totalSent - delivered - xpubDrops - onloopDrops - queued;
  // Handed to libzmq by the senders but never read by the manager's XSUB.
  let handed = 0;
  for (const w of WORKERS) handed += delta(after[w]!, before[w]!, "messagesOut");
  const inFlight = handed - mgr("messagesIn");
  ctx.log(
    `R1: senders ${
      WORKERS.map((w) =>
        `${w} sent=${sent[w]} out=${delta(after[w]!, before[w]!, "messagesOut")} xpubDrops=${
          delta(after[w]!, before[w]!, "xpubDrops")
        }`
      ).join(" ")
    }; manager in=${mgr("messagesIn")} received=${mgr("received")} delivered=${delivered} ` +
      `onloopQueued=${onloopQueued} senderQueued=${senderQueued}`,
  );
  return {
    totalSent,
    delivered,
    xpubDrops,
    onloopDrops,
    queued,
    unexplained,
    dups,
    durationMs,
    inFlight,
  };
}

/** The figures of one overload run. */
export interface Accounting {
  readonly totalSent: number;
  readonly delivered: number;
  readonly xpubDrops: number;
  readonly onloopDrops: number;
  readonly queued: number;
  readonly unexplained: number;
  readonly dups: number;
  readonly durationMs: number;
  /** Handed to libzmq by the senders, never read by the receiver (after settling). */
  readonly inFlight: number;
}

/** R1. */
export async function r1Overload(ctx: Ctx): Promise<Row[]> {
  const durationMs = ctx.quick ? 8_000 : 20_000;
  await using cluster = await startCluster(ctx);
  const a = await overload(ctx, cluster, durationMs, COST_US);
  const rate = Math.round(a.totalSent / (durationMs / 1000));
  const figure =
    `sent ${a.totalSent} (${rate}/s offered) = delivered ${a.delivered} + xpub drops ` +
    `${a.xpubDrops} + onloop drops ${a.onloopDrops} + queued ${a.queued}; unexplained ` +
    `${a.unexplained}, duplicates ${a.dups}` +
    (a.unexplained !== 0
      ? ` (handed to libzmq by the workers but never read by the manager: ${a.inFlight})`
      : "") +
    (a.xpubDrops + a.onloopDrops === 0 ? " (no drops: overload not reached)" : "");
  return [
    row(
      "R1",
      `overload ${durationMs / 1000} s${
        ctx.quick ? " (quick; full 20 s)" : ""
      }: unexplained loss 0`,
      figure,
      a.unexplained === 0 && a.dups === 0 && a.xpubDrops + a.onloopDrops > 0,
    ),
  ];
}

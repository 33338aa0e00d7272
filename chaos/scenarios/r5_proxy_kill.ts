/**
 * R5 manager/proxy restart: worker-1, worker-2 and logger-1 each publish a tick every 20 ms on a
 * topic all nodes subscribe to; the manager (which runs the XPUB/XSUB proxy) is killed with
 * `kill -9`, kept down 1 s and restarted, ×5 (quick ×2). For every surviving node and every other
 * ticker, the first tick after the outage must arrive ≤ 1 s after the proxy is back (the restarted
 * manager's start-up line, logged once its proxy sockets are bound). The restarted manager must
 * also hear every ticker within 1 s. Worker-1's fd count before and after is reported for R9.
 *
 * @module
 */
import { fdCount } from "../proc.ts";
import { type Ctx, marks, sleep, startCluster } from "../scenario.ts";
import { ms, type Row, row } from "../table.ts";

const TICKERS = ["worker-1", "worker-2", "logger-1"] as const;
const TICK_MS = 20;

/** R5. */
export async function r5ProxyKill(ctx: Ctx): Promise<Row[]> {
  const cycles = ctx.quick ? 2 : 5;
  await using cluster = await startCluster(ctx);
  for (const t of TICKERS) await cluster.send(t, { cmd: "ticker", periodMs: TICK_MS });
  await sleep(1000, ctx.signal);
  const fdsBefore = fdCount(cluster.proc("worker-1").pid) ?? NaN;
  const resume: number[] = [];
  const problems: string[] = [];
  let worst = "";
  for (let i = 0; i < cycles; i++) {
    const m = marks(cluster, TICKERS);
    await cluster.stop("manager", "SIGKILL");
    await sleep(1000, ctx.signal);
    cluster.start("manager");
    const back = (await cluster.expect("manager", /node manager up/, 0, 20_000)).ts;
    for (const r of [...TICKERS, "manager"]) {
      for (const s of TICKERS) {
        if (s === r) continue;
        const re = r === "manager"
          ? new RegExp(`^chaos tick-first from=${s} `)
          : new RegExp(`^chaos tick-resume from=${s} `);
        const f = await cluster.find(r, re, r === "manager" ? 0 : m[r], 15_000);
        if (!f) problems.push(`cycle ${i + 1}: ${r} never heard ${s} again`);
        const latency = f ? f.ts - back : Infinity;
        if (latency >= Math.max(...resume, -Infinity)) worst = `${s}→${r}`;
        resume.push(latency);
      }
    }
    ctx.log(`R5: cycle ${i + 1}: resumed after ${resume.slice(-9).map((x) => ms(x)).join(", ")}`);
    await cluster.waitForMesh(["manager", ...TICKERS]);
    await sleep(1000, ctx.signal);
  }
  await sleep(1000, ctx.signal);
  const fdsAfter = fdCount(cluster.proc("worker-1").pid) ?? NaN;
  const max = Math.max(...resume);
  const sorted = [...resume].sort((a, b) => a - b);
  return [
    row(
      "R5",
      `manager/proxy kill -9 ×${cycles}${ctx.quick ? " (quick; full ×5)" : ""}, 1 s down: ` +
        `every node resumes pub/sub ≤ 1 s after the proxy is back`,
      `max ${ms(max)} (${worst}), median ${ms(sorted[Math.floor(sorted.length / 2)]!)} over ` +
        `${resume.length} sender→receiver pairs` +
        (problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""),
      max <= 1000 && problems.length === 0,
    ),
    row(
      "R9",
      `fd count stable across ${cycles} proxy restarts (worker-1 reconnects)`,
      `worker-1 fds ${fdsBefore} → ${fdsAfter}`,
      fdsAfter <= fdsBefore + 2,
    ),
  ];
}

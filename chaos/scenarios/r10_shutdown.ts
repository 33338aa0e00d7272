/**
 * R10 shutdown: both workers write 2,000 log records/s; the logger is killed with `kill -9`
 * (so log batches queue towards a peer that is gone), then the workers and the manager get
 * SIGTERM together. Each must exit with code 0 within linger (500 ms) + 1 s.
 *
 * @module
 */
import { type Ctx, sleep, startCluster } from "../scenario.ts";
import { ms, type Row, row } from "../table.ts";

const STOPPED = ["worker-1", "worker-2", "manager"] as const;
const LINGER_MS = 500;

/** R10. */
export async function r10Shutdown(ctx: Ctx): Promise<Row[]> {
  await using cluster = await startCluster(ctx);
  for (const w of ["worker-1", "worker-2"]) {
    await cluster.send(w, { cmd: "logload", rate: 2000, durationMs: 60_000 });
  }
  await sleep(1500, ctx.signal);
  await cluster.stop("logger-1", "SIGKILL");
  await sleep(2000, ctx.signal); // batches pile up towards the dead logger
  const results = await Promise.all(STOPPED.map(async (n) => {
    const p = cluster.proc(n);
    const took = await cluster.stop(n, "SIGTERM", 15_000);
    const status = await p.status;
    return { n, took, code: status.code };
  }));
  const max = Math.max(...results.map((r) => r.took));
  const codes = results.filter((r) => r.code !== 0);
  return [row(
    "R10",
    `graceful stop (SIGTERM) with the logger already gone: ≤ linger ${LINGER_MS} ms + 1 s`,
    results.map((r) => `${r.n} ${ms(r.took)} exit ${r.code}`).join(", "),
    max <= LINGER_MS + 1000 && codes.length === 0,
  )];
}

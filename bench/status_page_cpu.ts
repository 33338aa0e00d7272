/**
 * What the status page costs the manager: its CPU time (utime + stime from `/proc/<pid>/stat`,
 * every thread) over the same span with no page open, with one page open, and with three, on a
 * running five-node cluster with the demo site's traffic. Needs Debian's `chromium`.
 *
 * `deno run -A bench/status_page_cpu.ts [SECONDS] [demo|idle]` (60 s per phase by default; `idle`
 * runs no site code, for a quieter baseline). Phases alternate
 * (none, one, three, none, one, three) so that drift in the machine's load falls on all of them.
 *
 * @module
 */
import { startCluster } from "../tests/_cluster.ts";
import { HeadlessPage } from "../tests/interop/_chromium.ts";

const TICKS_PER_S = 100; // USER_HZ on Linux.

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After ")": field 3 is the state; utime is field 14 and stime 15 (1-based in proc(5)).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

async function measure(pid: number, seconds: number): Promise<number> {
  const a = await cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await cpuSeconds(pid);
  return (b - a) / ((performance.now() - t0) / 1000) * 100;
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 60);
  const idle = Deno.args[1] === "idle";
  await using cluster = await startCluster({
    metrics: true,
    args: idle ? [] : ["--site", "demo"],
  });
  for (const name of ["logger-1", "proxy-1", "worker-1", "worker-2"]) {
    await cluster.waitForLine("manager", new RegExp(`node_up ${name}( |$)`), 30_000);
  }
  const pid = cluster.nodes.get("manager")!.proc.pid;
  const url = `http://127.0.0.1:${cluster.layout.manager!.metricsPort}/`;
  await new Promise((r) => setTimeout(r, 5000));
  const results: Record<string, number[]> = { none: [], one: [], three: [] };
  for (let round = 0; round < 2; round++) {
    results.none!.push(await measure(pid, seconds));
    {
      await using _page = await HeadlessPage.open(url);
      await new Promise((r) => setTimeout(r, 3000));
      results.one!.push(await measure(pid, seconds));
    }
    {
      await using _a = await HeadlessPage.open(url);
      await using _b = await HeadlessPage.open(url);
      await using _c = await HeadlessPage.open(url);
      await new Promise((r) => setTimeout(r, 3000));
      results.three!.push(await measure(pid, seconds));
    }
    // Collection stops 30 s after the last request: let it, before the next "none".
    await new Promise((r) => setTimeout(r, 32_000));
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const none = mean(results.none!);
  console.log(
    `manager CPU, % of one core, ${seconds} s per phase, 2 rounds, ${idle ? "idle" : "demo site"}:`,
  );
  for (const [phase, xs] of Object.entries(results)) {
    const m = mean(xs);
    console.log(
      `  ${phase.padEnd(5)} pages: ${m.toFixed(2)} % (${xs.map((x) => x.toFixed(2)).join(", ")})` +
        `  delta ${(m - none).toFixed(2)} points`,
    );
  }
}

/**
 * Logs benchmark: records/s from 2 worker processes through a logger process to an ASCII file on
 * disk, zcluster (`node.log.write` → batches of 1000 in `zeek-bin-serializer` → PUSH → PULL →
 * decode → ASCII format → `bench.log`) against raw zeromq.js PUSH/PULL of the same batch bytes with
 * each batch written to a file as is (`_raw_logs.ts`), in the same run.
 *
 * Method: each side starts its processes and waits until they are ready (zcluster: manager with
 * the proxy, logger-1, worker-1, worker-2, all `zcluster run` with `--rotate 0`; raw: a PULL logger
 * and two PUSH workers). The harness then writes `go` to both workers and takes the time; the run
 * ends when the logger's file holds every record (zcluster: the file reaches the exact size of its
 * header plus every formatted line, polled every 5 ms; raw: the logger reports the time of its last
 * write). Rate = records / (end − go). Rounds alternate raw and zcluster; each side's best round is
 * reported. Every process has a hard exit deadline and is SIGKILLed at the end of its round.
 *
 * Run: `deno task bench logs`, or `deno run -A bench/logs.ts --records 250000 --rounds 2`;
 * `--deno-flags=--cpu-prof,--cpu-prof-dir=/tmp/prof` profiles every zcluster child.
 *
 * @module
 */
import { hostMs } from "./_child.ts"; // the raw side compares with a child's reading
import { parseArgs } from "node:util";
import { makeNodeId } from "../lib/membership/node_id.ts";
import { formatAsciiTime } from "../lib/logging/mod.ts";
import type { ManagerResult, WorkerDone } from "./_child.ts";
// Types only: a value import would deadlock `mod.ts`'s top-level await on this dynamic import.
import type { Bench, BenchResult } from "./mod.ts";
import { ChildProcess, freePorts } from "./_process.ts";
import { BENCH_PAD, BENCH_TS, type LogsNodeConfig } from "./_logs_node.ts";
import type { RawLogsConfig } from "./_raw_logs.ts";

/** Options of {@link logsBench}. */
export interface LogsBenchOptions {
  /** Records per worker per round (a multiple of 1000). Default 250,000. */
  readonly records?: number;
  /** Rounds per side. Default 2. */
  readonly rounds?: number;
  /** Extra `deno run` flags for the zcluster children. */
  readonly denoFlags?: readonly string[];
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

/** One round of one side. */
export interface LogsRound {
  readonly kind: "zcluster" | "raw";
  readonly records: number;
  readonly ms: number;
  readonly rate: number;
  readonly dropped: number;
  /** zcluster: the slowest worker's time from `go` to its last `node.log.write` and flush. */
  readonly workerMs?: number;
}

const NODE_SCRIPT = new URL("./_logs_node.ts", import.meta.url).pathname;
const RAW_SCRIPT = new URL("./_raw_logs.ts", import.meta.url).pathname;
const WORKERS = ["worker-1", "worker-2"];
const STARTUP_MS = 60_000;
const HARD_TIMEOUT_MS = 180_000;
const TARGET_RATIO = 0.5;
const TARGET_RATE = 150_000;

/** Bytes of the data lines a worker's records make in the ASCII file. */
function dataBytes(node: string, records: number): number {
  const fixed = `${formatAsciiTime(BENCH_TS)}\t${node}\t\t${BENCH_PAD}\n`.length;
  let digits = 0;
  for (let seq = 0; seq < records; seq++) digits += String(seq).length;
  return fixed * records + digits;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

/** Size of the ASCII header zcluster writes, read from the file once it exists. */
async function headerBytes(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const i = text.indexOf("#types\t");
  if (i < 0) return undefined;
  const end = text.indexOf("\n", i);
  return end < 0 ? undefined : end + 1;
}

/** Asks every child to exit (so profiles get written), then kills what is left. */
async function killAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => c.write("stop").catch(() => {})));
  await Promise.all(children.map((c) => c.exited(5_000)));
  await Promise.all(children.map((c) => c.kill()));
}

async function zclusterRound(records: number, options: LogsBenchOptions): Promise<LogsRound> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-bench-logs-" });
  const ports = freePorts(6);
  const names = ["manager", "logger-1", ...WORKERS];
  const layout: Record<string, Record<string, unknown>> = {};
  names.forEach((name, i) => {
    layout[name] = {
      nodeType: name === "manager" ? "MANAGER" : name === "logger-1" ? "LOGGER" : "WORKER",
      ip: "127.0.0.1",
      p: ports[i],
      ...(name === "manager" ? {} : { manager: "manager" }),
    };
  });
  const layoutPath = `${dir}/layout.json`;
  await Deno.writeTextFile(layoutPath, JSON.stringify(layout));
  const children: ChildProcess[] = [];
  try {
    for (const name of names) {
      const config: LogsNodeConfig = {
        name,
        records,
        hardTimeoutMs: HARD_TIMEOUT_MS,
        argv: [
          "run",
          "--node",
          name,
          "--layout",
          layoutPath,
          "--proxy-xpub",
          `tcp://127.0.0.1:${ports[4]}`,
          "--proxy-xsub",
          `tcp://127.0.0.1:${ports[5]}`,
          "--log-dir",
          `${dir}/${name}`,
          "--rotate",
          "0",
          "--log-level",
          "warn",
        ],
      };
      children.push(new ChildProcess(NODE_SCRIPT, JSON.stringify(config), options.denoFlags ?? []));
    }
    for (const c of children) await c.next("ready", STARTUP_MS);
    const file = `${dir}/logger-1/bench.log`;
    const want = WORKERS.reduce((n, w) => n + dataBytes(w, records), 0);
    const start = hostMs();
    for (const w of children.slice(2)) await w.write("go");
    let header: number | undefined;
    let end = 0;
    const deadline = start + HARD_TIMEOUT_MS / 2;
    while (hostMs() < deadline) {
      header ??= await headerBytes(file);
      if (header !== undefined && (await fileSize(file)) >= header + want) {
        end = hostMs();
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const done = await Promise.all(
      children.slice(2).map((w) => w.next("done", 10_000) as Promise<WorkerDone>),
    );
    const dropped = done.reduce((n, d) => n + d.dropped, 0);
    if (end === 0) {
      throw new Error(
        `zcluster logger wrote ${await fileSize(file)} of ${(header ?? 0) + want} bytes ` +
          `(dropped at the workers: ${dropped})`,
      );
    }
    const total = records * WORKERS.length;
    return {
      kind: "zcluster",
      records: total,
      ms: end - start,
      rate: total / ((end - start) / 1000),
      dropped,
      workerMs: Math.max(...done.map((d) => d.elapsedMs)),
    };
  } finally {
    await killAll(children);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function rawRound(records: number): Promise<LogsRound> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-bench-raw-logs-" });
  const [port] = freePorts(1);
  const endpoint = `tcp://127.0.0.1:${port}`;
  const messages = (records / 1000) * WORKERS.length;
  const sender = makeNodeId({ node: "worker-1", host: Deno.hostname(), pid: 12345 });
  const config = (c: Omit<RawLogsConfig, "endpoint" | "hardTimeoutMs">) =>
    JSON.stringify({ ...c, endpoint, hardTimeoutMs: HARD_TIMEOUT_MS });
  const children: ChildProcess[] = [];
  try {
    const logger = new ChildProcess(
      RAW_SCRIPT,
      config({ role: "logger", name: "logger-1", file: `${dir}/bench.log`, messages }),
      [],
    );
    children.push(logger);
    await logger.next("ready", STARTUP_MS);
    for (const name of WORKERS) {
      children.push(
        new ChildProcess(RAW_SCRIPT, config({ role: "worker", name, records, sender }), []),
      );
    }
    for (const c of children.slice(1)) await c.next("ready", STARTUP_MS);
    const start = hostMs();
    for (const w of children.slice(1)) await w.write("go");
    const result = (await logger.next("result", HARD_TIMEOUT_MS / 2)) as ManagerResult;
    const total = records * WORKERS.length;
    const ms = result.lastMs - start;
    return { kind: "raw", records: total, ms, rate: total / (ms / 1000), dropped: 0 };
  } finally {
    await killAll(children);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The logs benchmark.
 *
 * @param options Records, rounds, child flags.
 * @returns The bench.
 */
export function logsBench(options: LogsBenchOptions = {}): Bench {
  const records = Math.max(1000, Math.round((options.records ?? 250_000) / 1000) * 1000);
  const rounds = options.rounds ?? 2;
  return {
    name: "logs",
    async run(): Promise<BenchResult[]> {
      const all: LogsRound[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const kind of ["raw", "zcluster"] as const) {
          const round = kind === "raw"
            ? await rawRound(records)
            : await zclusterRound(records, options);
          options.progress?.(
            `${kind} round ${r + 1}: ${round.records} records in ${round.ms.toFixed(0)} ms = ` +
              `${round.rate.toFixed(0)} records/s (dropped ${round.dropped}` +
              (round.workerMs === undefined
                ? ")"
                : `, workers done in ${round.workerMs.toFixed(0)} ms)`),
          );
          all.push(round);
        }
      }
      const best = (kind: LogsRound["kind"]) =>
        all.filter((x) => x.kind === kind).reduce((a, b) => (b.rate > a.rate ? b : a));
      const zc = best("zcluster");
      const raw = best("raw");
      return [{
        name: `logs 2 workers -> 1 logger, ascii`,
        value: zc.rate,
        baseline: raw.rate,
        unit: "records/s",
        targetRatio: TARGET_RATIO,
        extra: {
          target_rate: TARGET_RATE,
          rate: zc.rate >= TARGET_RATE ? "PASS" : "MISS",
          records: zc.records,
          zcluster_ms: Math.round(zc.ms),
          raw_ms: Math.round(raw.ms),
          dropped: all.filter((x) => x.kind === "zcluster").reduce((n, x) => n + x.dropped, 0),
          rounds,
        },
      }];
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      records: { type: "string" },
      rounds: { type: "string" },
      "deno-flags": { type: "string" },
    },
  });
  const { report } = await import("./mod.ts");
  const bench = logsBench({
    ...(values.records ? { records: Number(values.records) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values["deno-flags"] ? { denoFlags: values["deno-flags"].split(",") } : {}),
    progress: (line) => console.log(line),
  });
  report(await bench.run());
}

/**
 * A zcluster node process of the logs benchmark (run by `bench/logs.ts`, not by hand): the real
 * `zcluster run` program (`main()` with the flags the harness passes) plus a site that defines the
 * `Bench::LOG` stream (path `bench`).
 *
 * Every node writes `ready` on stdout once it is up (workers: once they see `logger-1` up). A
 * worker then waits for `go` on stdin, writes its records through `node.log.write` as fast as it
 * can (yielding to the event loop after every batch of {@link CHUNK}), flushes, and writes `done`
 * with the records written and those the transport dropped. Any node exits on `stop` (or when
 * stdin closes).
 *
 * @module
 */
import process from "node:process";
import { main } from "../main.ts";
import type { LogColumns } from "../lib/logging/mod.ts";
import type { RunningNode } from "../lib/node/cluster_node.ts";
import { emit, hostMs, immediate, sleep, StdinWords } from "./_child.ts";

/** The benchmark stream. */
export const BENCH_LOG = "Bench::LOG";
/** Its columns. */
export const BENCH_COLUMNS: LogColumns = {
  ts: "time",
  node: "string",
  seq: "count",
  pad: "string",
};
/** The `ts` of every record (fixed, so the harness knows every line's length). */
export const BENCH_TS = 1700000000.5;
/** The `pad` of every record. */
export const BENCH_PAD = "p".repeat(40);
/** Records written between yields (Zeek's `Log::write_buffer_size`, one batch). */
const CHUNK = 1000;

/** What a node process is told, as one JSON argument. */
export interface LogsNodeConfig {
  /** Node name. */
  readonly name: string;
  /** `zcluster` arguments (`run --node ... --layout ...`). */
  readonly argv: string[];
  /** Records a worker writes on `go`. */
  readonly records: number;
  /** The process exits by itself after this long. */
  readonly hardTimeoutMs: number;
}

/** The record `seq` of a node. */
export function benchRecord(node: string, seq: number): Record<string, unknown> {
  return { ts: BENCH_TS, node, seq, pad: BENCH_PAD };
}

async function runWorker(
  node: RunningNode,
  config: LogsNodeConfig,
  words: StdinWords,
): Promise<void> {
  while (!node.cluster.upNodes().includes("logger-1")) await sleep(10);
  emit({ type: "ready", name: config.name });
  if ((await words.next()) !== "go") return;
  const start = hostMs();
  for (let seq = 0; seq < config.records;) {
    const end = Math.min(config.records, seq + CHUNK);
    for (; seq < end; seq++) node.log.write(BENCH_LOG, benchRecord(config.name, seq));
    await immediate();
  }
  node.log.flush();
  emit({
    type: "done",
    name: config.name,
    sent: config.records,
    dropped: node.log.stats.recordsDropped,
    retries: 0,
    elapsedMs: hostMs() - start,
  });
}

/**
 * Diagnostics: with `ZCLUSTER_BENCH_CPU_DIR` set, a node writes `<dir>/<name>.json` on `stop`:
 * the CPU time (user, system, in ms, all threads), minor page faults and context switches of the
 * process since it was ready.
 */
function cpuReporter(name: string): () => void {
  const dir = Deno.env.get("ZCLUSTER_BENCH_CPU_DIR");
  if (!dir) return () => {};
  const ready = process.resourceUsage();
  return () => {
    const now = process.resourceUsage();
    const report = {
      name,
      userMs: (now.userCPUTime - ready.userCPUTime) / 1000,
      systemMs: (now.systemCPUTime - ready.systemCPUTime) / 1000,
      minorFaults: now.minorPageFault - ready.minorPageFault,
      voluntarySwitches: now.voluntaryContextSwitches - ready.voluntaryContextSwitches,
      involuntarySwitches: now.involuntaryContextSwitches - ready.involuntaryContextSwitches,
    };
    Deno.writeTextFileSync(`${dir}/${name}.json`, JSON.stringify(report));
  };
}

/** Exits (cleanly, so that `--cpu-prof` writes its profile) on `stop` or when stdin closes. */
async function exitOnStop(words: StdinWords, report: () => void): Promise<void> {
  for (;;) {
    const word = await words.next();
    if (word === "stop" || word === "") {
      report();
      Deno.exit(0);
    }
  }
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0] ?? "{}") as LogsNodeConfig;
  const timer = setTimeout(() => Deno.exit(3), config.hardTimeoutMs);
  Deno.unrefTimer(timer);
  const words = new StdinWords();
  const code = await main(config.argv, {
    setup(node) {
      node.log.createStream(BENCH_LOG, { path: "bench", columns: BENCH_COLUMNS });
      const report = cpuReporter(config.name);
      const started = config.name.startsWith("worker")
        ? runWorker(node, config, words)
        : Promise.resolve(emit({ type: "ready", name: config.name }));
      started.then(() => exitOnStop(words, report)).catch((e) =>
        console.error(`${config.name}: ${e}`)
      );
    },
  });
  Deno.exit(code);
}

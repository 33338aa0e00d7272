/**
 * Stores benchmark: put throughput of a persistent (SQLite) store through the master and through
 * a clone, against raw `node:sqlite` batched upserts in the same run, and the replication lag of
 * a clone at a fixed offered write rate.
 *
 * Method (all files in a fresh temp dir on the same disk, Broker's schema and SQLite's default
 * PRAGMAs, i.e. rollback journal and `synchronous=FULL`, as a Zeek master opens them):
 * - raw: one `DatabaseSync`, `replace into store(key, value, expiry)` with pre-encoded
 *   broker-bin-v1 blobs, one transaction per 1000 rows.
 * - master: an in-process `MasterStore` on a `SqliteWriteBehindBackend` (what a node's
 *   persistent master uses), `put` in windows of 1000 (the master hands one batch per microtask
 *   to its commit thread, so about one per window). Raw and master alternate for
 *   `--rounds` rounds (3); each side's best round counts.
 * - clone: real processes, as deployed: a manager process (the XPUB/XSUB proxy and the master)
 *   and a worker process whose clone puts with 5000 writes in flight (`--window`); each put
 *   resolves once the master committed it and the clone applied the update. Rate = writes /
 *   (last ack - first put), best of the rounds. The bench process is a third node; during the
 *   rounds it has no clone of the store (one master, one writing clone).
 * - lag: the worker puts at a fixed rate (10,000/s by default, 1 ms ticks) values stamped with
 *   the wall time; the bench process's clone, attached after the rounds (then 1 s to digest its
 *   snapshot), records now - stamp once it applied each update.
 *   p50 and p99 over every update.
 * Every phase has a deadline; children get SIGTERM at the end whatever happened, and SIGKILL
 * 5 s later if still there; each child also exits by itself after 10 minutes. Figures move a lot
 * with other load on the machine.
 *
 * Run: `deno task bench stores` (about 15 s), or `deno run -A bench/stores.ts [--puts 50000]
 * [--rounds 3] [--window 5000] [--rate 10000] [--lag-ms 3000] [--wal]
 * [--deno-flags=--cpu-prof,...]`. `--wal` runs the clone phases' master in WAL mode with
 * `synchronous=NORMAL`.
 * `deno run -A bench/stores.ts node run ...` is the node program it spawns.
 *
 * @module
 */
import { hostMs } from "./_child.ts"; // one clock for the master and clone processes
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { systemClock } from "../lib/clock.ts";
import { parseLayout } from "../lib/layout/parse_layout.ts";
import { createNode, type RunningNode } from "../lib/node/cluster_node.ts";
import { resolveOptions } from "../lib/options/options.ts";
import { type BrokerValue, type Count, count, encodeBinV1 } from "../lib/serialization/mod.ts";
import { CloneStore } from "../lib/stores/clone_store.ts";
import { MasterStore } from "../lib/stores/master_store.ts";
import { decodeUpdate, STORE_EVENTS } from "../lib/stores/replication.ts";
import { SqliteWriteBehindBackend } from "../lib/stores/sqlite_write_behind.ts";
import { nodeTopic } from "../lib/topics/topics.ts";
// Types only: a value import would deadlock `mod.ts`'s top-level await on this dynamic import.
import { freePorts } from "../tests/_ports.ts";
import type { Bench, BenchResult } from "./mod.ts";

const STORE = "bench";
const RAW_BATCH = 1000;
const MASTER_WINDOW = 1000;
const PHASE_TIMEOUT_MS = 120_000;
/** Pause between the second clone's attach and the lag phase. */
const LAG_SETTLE_MS = 1000;
/** Children exit by themselves this long after their start, whatever happens to the bench. */
const CHILD_DEADLINE_MS = 600_000;
const DEADLINE_ENV = "ZCLUSTER_BENCH_DEADLINE_MS";
const WAL_OVERRIDES = { options: { sqlite: { journalMode: "WAL", synchronous: "NORMAL" } } };

/** Options of {@link storesBench}. */
export interface StoresBenchOptions {
  /** Puts per throughput phase. Default 50,000. */
  readonly puts?: number;
  /** Offered write rate of the lag phase, puts/s. Default 10,000. */
  readonly rate?: number;
  /** Length of the lag phase, ms. Default 3000. */
  readonly lagMs?: number;
  /** Throughput rounds per side (raw and master alternate); the best counts. Default 3. */
  readonly rounds?: number;
  /** Clone writes in flight in the clone phase. Default 5000. */
  readonly cloneWindow?: number;
  /** Extra `deno run` flags for the node processes (e.g. `--cpu-prof`). */
  readonly denoFlags?: readonly string[];
  /**
   * The clone phases' master in WAL mode with `synchronous=NORMAL` (commits without fsync), set
   * through the `stores` option; off by default (SQLite's and Broker's defaults).
   */
  readonly wal?: boolean;
  /** Progress lines (default: none). */
  readonly progress?: (line: string) => void;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Raw `node:sqlite` batched upserts into Broker's schema. @returns Puts/s. */
export function rawSqlitePuts(path: string, n: number): number {
  const keys = Array.from({ length: n }, (_, i) => encodeBinV1(`k${i}`));
  const values = Array.from({ length: n }, (_, i) => encodeBinV1(count(i)));
  const db = new DatabaseSync(path);
  try {
    db.exec("create table if not exists meta(key text primary key, value text)");
    db.exec("create table if not exists store(key blob primary key, value blob, expiry integer)");
    const put = db.prepare("replace into store(key, value, expiry) values(?, ?, ?)");
    const t0 = performance.now();
    for (let i = 0; i < n; i += RAW_BATCH) {
      db.exec("begin");
      for (let j = i; j < Math.min(n, i + RAW_BATCH); j++) put.run(keys[j]!, values[j]!, null);
      db.exec("commit");
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

/** Puts through an in-process SQLite master. @returns Puts/s. */
export async function masterPuts(path: string, n: number): Promise<number> {
  await using master = new MasterStore({
    name: STORE,
    backend: new SqliteWriteBehindBackend({ path }),
    clock: systemClock,
    tickIntervalMs: 0,
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i += MASTER_WINDOW) {
    const window: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + MASTER_WINDOW); j++) {
      window.push(master.put(`k${j}`, count(j)));
    }
    await Promise.all(window);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** A node process of the bench cluster, its stdout JSON lines kept. */
class NodeProc {
  readonly name: string;
  readonly messages: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly #proc: Deno.ChildProcess;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(name: string, args: string[], denoFlags: readonly string[]) {
    this.name = name;
    const script = new URL(import.meta.url).pathname;
    this.#proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...denoFlags, script, "node", "run", ...args],
      env: { [DEADLINE_ENV]: String(CHILD_DEADLINE_MS) },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = this.#pump(this.#proc.stdout, (l) => {
      if (l.startsWith("{")) this.messages.push(JSON.parse(l));
    });
    const err = this.#pump(this.#proc.stderr, (l) => {
      this.stderr.push(l);
      if (this.stderr.length > 200) this.stderr.shift();
    });
    this.status = this.#proc.status.then(async (s) => {
      await Promise.all([out, err]);
      return s;
    });
  }

  /** CPU time the process used so far (all threads), ms; `undefined` where /proc is missing. */
  cpuMs(): number | undefined {
    try {
      const fields = Deno.readTextFileSync(`/proc/${this.#proc.pid}/stat`).split(") ")[1]!.split(
        " ",
      );
      return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 Hz ticks
    } catch {
      return undefined;
    }
  }

  async #pump(stream: ReadableStream<Uint8Array>, line: (l: string) => void): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      parts.forEach(line);
    }
    if (pending) line(pending);
  }

  /** Waits for a JSON message of `type`, removing it. */
  async next(type: string, timeoutMs: number): Promise<Record<string, unknown>> {
    await until(
      () => this.messages.some((m) => m.type === type),
      timeoutMs,
      () => `${this.name}: ${type}\n${this.stderr.slice(-20).join("\n")}`,
    );
    const i = this.messages.findIndex((m) => m.type === type);
    return this.messages.splice(i, 1)[0]!;
  }

  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits for it. */
  async stop(): Promise<void> {
    const signal = (s: Deno.Signal) => {
      try {
        this.#proc.kill(s);
      } catch { /* already gone */ }
    };
    signal("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((r) => (timer = setTimeout(r, 5000)));
    if (await Promise.race([this.status.then(() => true), late.then(() => false)]) === false) {
      signal("SIGKILL");
    }
    clearTimeout(timer);
    await this.status;
  }
}

async function until(
  predicate: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Clone throughput and lag with real manager and worker processes. */
async function clonePhases(
  dir: string,
  o: Required<Omit<StoresBenchOptions, "progress">>,
  progress: (line: string) => void,
): Promise<{ cloneRate: number; lags: number[]; offered: number; achieved: number }> {
  const [pm, pw, pb, xpub, xsub] = freePorts(5);
  const layout = {
    manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: pm },
    "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: pw, manager: "manager" },
    bench: { nodeType: "CONTROL", ip: "127.0.0.1", p: pb, manager: "manager" },
  };
  const layoutPath = `${dir}/layout.json`;
  await Deno.writeTextFile(layoutPath, JSON.stringify(layout));
  const proxyXpub = `tcp://127.0.0.1:${xpub}`;
  const proxyXsub = `tcp://127.0.0.1:${xsub}`;
  const common = [
    "--layout",
    layoutPath,
    "--proxy-xpub",
    proxyXpub,
    "--proxy-xsub",
    proxyXsub,
    "--log-dir",
    `${dir}/logs`,
    "--set",
    `defaultStoreDir=${JSON.stringify(`${dir}/master`)}`,
    ...(o.wal ? ["--set", `stores=${JSON.stringify({ [STORE]: WAL_OVERRIDES })}`] : []),
  ];
  const procs = [
    new NodeProc("manager", ["--node", "manager", ...common], o.denoFlags),
    new NodeProc("worker-1", ["--node", "worker-1", ...common], o.denoFlags),
  ];
  let node: RunningNode | undefined;
  try {
    for (const p of procs) await p.next("ready", PHASE_TIMEOUT_MS);
    node = await createNode(resolveOptions({
      layout: parseLayout(layout),
      node: "bench",
      overrides: {
        zeromq: {
          connectXsubEndpoint: proxyXpub,
          connectXpubEndpoint: proxyXsub,
          runProxyThread: false,
          connectLogEndpoints: [],
          heartbeatIntervalMs: 0,
        },
      },
    }));
    const n = node;
    await until(
      () => ["manager", "worker-1"].every((x) => n.cluster.upNodes().includes(x)),
      PHASE_TIMEOUT_MS,
      () => "the bench node to see the cluster",
    );
    const worker = procs[1]!;
    const ask = (event: string, ...args: BrokerValue[]) =>
      n.cluster.publish(nodeTopic("worker-1"), event, ...args);

    let cloneRate = 0;
    for (let round = 1; round <= o.rounds; round++) {
      progress(`clone round ${round}: ${o.puts} puts from worker-1, ${o.cloneWindow} in flight`);
      const cpu0 = procs.map((p) => p.cpuMs());
      ask("Bench::puts", `r${round}.`, count(o.puts), count(o.cloneWindow));
      const puts = await worker.next("puts", PHASE_TIMEOUT_MS);
      if (puts.failed !== 0) throw new Error(`clone puts failed: ${JSON.stringify(puts)}`);
      const roundRate = Number(puts.n) / (Number(puts.ms) / 1000);
      // CPU per put of each process (all its threads), a figure less moved by other load.
      const cpu = procs.map((p, i) => {
        const [a, b] = [cpu0[i], p.cpuMs()];
        return a === undefined || b === undefined
          ? ""
          : ` ${p.name} ${((b - a) * 1000 / o.puts).toFixed(1)} us`;
      });
      progress(
        `clone round ${round}: ${Math.round(roundRate)} puts/s; CPU per put:${cpu.join(",")}`,
      );
      cloneRate = Math.max(cloneRate, roundRate);
    }

    // The second clone joins for the lag phase only: the throughput rounds measure one master and
    // the one clone that writes, without a bystander applying every update on the same 2 cores.
    const clone = n.createStore(STORE).store as CloneStore;
    await until(() => clone.attached, PHASE_TIMEOUT_MS, () => "the bench clone to attach");
    // Its snapshot (every key of the rounds) is large: let both sides digest it first.
    await new Promise((r) => setTimeout(r, LAG_SETTLE_MS));
    progress(`lag: ${o.rate} puts/s for ${o.lagMs} ms from worker-1, measured on a second clone`);
    const lags: number[] = [];
    const off = n.cluster.on(STORE_EVENTS.update, (store, _epoch, _first, updates) => {
      if (store !== STORE) return;
      const now = hostMs();
      for (const u of updates as BrokerValue[]) {
        const update = decodeUpdate(u);
        if (update.type === "put" && typeof update.value === "number") {
          lags.push(now - update.value);
        }
      }
    });
    ask("Bench::rate", count(o.rate), count(o.lagMs));
    const rate = await worker.next("rate", PHASE_TIMEOUT_MS + o.lagMs);
    const expected = Number(rate.n);
    await until(
      () => lags.length >= expected,
      30_000,
      () => `${expected} updates on the bench clone`,
    )
      .catch(() => {});
    off();
    if (rate.failed !== 0) throw new Error(`lag puts failed: ${JSON.stringify(rate)}`);
    return {
      cloneRate,
      lags: lags.sort((a, b) => a - b),
      offered: o.rate,
      achieved: Number(rate.n) / (Number(rate.ms) / 1000),
    };
  } finally {
    await node?.close();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/**
 * The stores benchmark.
 *
 * @param options Sizes and rates.
 * @returns A {@link Bench} whose `run()` measures raw, master, clone and lag in one run.
 */
export function storesBench(options: StoresBenchOptions = {}): Bench {
  const o = {
    puts: 50_000,
    rate: 10_000,
    lagMs: 3000,
    cloneWindow: 5000,
    rounds: 3,
    denoFlags: [],
    wal: false,
    ...options,
  };
  const progress = options.progress ?? (() => {});
  return {
    name: "stores",
    async run(): Promise<BenchResult[]> {
      const dir = await Deno.makeTempDir({ prefix: "zcluster-bench-stores-" });
      try {
        let raw = 0, master = 0;
        for (let round = 1; round <= o.rounds; round++) {
          progress(`raw round ${round}: ${o.puts} node:sqlite upserts, ${RAW_BATCH} a transaction`);
          raw = Math.max(raw, rawSqlitePuts(`${dir}/raw${round}.sqlite`, o.puts));
          progress(`master round ${round}: ${o.puts} puts, ${MASTER_WINDOW} a window`);
          master = Math.max(master, await masterPuts(`${dir}/master${round}.sqlite`, o.puts));
        }
        const c = await clonePhases(dir, o, progress);
        const p50 = percentile(c.lags, 0.5), p99 = percentile(c.lags, 0.99);
        return [
          {
            name: "stores: puts via master",
            value: master,
            baseline: raw,
            unit: "puts/s",
            targetRatio: 0.5,
          },
          {
            name: `stores: puts via clone (2 processes)${o.wal ? " (WAL)" : ""}`,
            value: c.cloneRate,
            baseline: raw,
            unit: "puts/s",
            targetRatio: 0.5,
          },
          {
            name: `stores: clone lag at ${o.rate} puts/s${o.wal ? " (WAL)" : ""}`,
            value: c.achieved,
            baseline: c.offered,
            unit: "puts/s",
            extra: {
              updates: c.lags.length,
              p50_ms: p50.toFixed(2),
              p99_ms: p99.toFixed(2),
              max_ms: (c.lags.at(-1) ?? NaN).toFixed(2),
              p99_target: `<=20ms ${p99 <= 20 ? "PASS" : "MISS"}`,
            },
          },
        ];
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}

/** The node program: a persistent store, and `Bench::puts` / `Bench::rate` on the worker. */
function nodeSetup(node: RunningNode): void {
  const deadline = Number(Deno.env.get(DEADLINE_ENV) ?? CHILD_DEADLINE_MS);
  Deno.unrefTimer(setTimeout(() => Deno.exit(3), deadline));
  const { store } = node.createStore(STORE, { persistent: true });
  const emit = (m: Record<string, unknown>) => console.log(JSON.stringify(m));
  const num = (v: BrokerValue | undefined) => Number((v as Count).value);
  node.cluster.on("Bench::puts", async (prefix, n, window) => {
    const total = num(n);
    let next = 0, failed = 0;
    const t0 = performance.now();
    const run = async () => {
      while (next < total) {
        const i = next++;
        await store.put(`${prefix}${i}`, count(i)).catch(() => failed++);
      }
    };
    await Promise.all(Array.from({ length: num(window) }, run));
    emit({ type: "puts", n: total, ms: performance.now() - t0, failed });
  });
  node.cluster.on("Bench::rate", async (rate, durationMs) => {
    const perMs = num(rate) / 1000;
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    let sent = 0, failed = 0;
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed >= num(durationMs)) break;
      for (const due = Math.floor(elapsed * perMs); sent < due; sent++) {
        pending.push(store.put(`l${sent}`, hostMs()).catch(() => failed++));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const ms = performance.now() - t0;
    await Promise.all(pending);
    emit({ type: "rate", n: sent, ms, failed });
  });
  const ready = setInterval(() => {
    if (store instanceof CloneStore && !store.attached) return;
    clearInterval(ready);
    emit({ type: "ready" });
  }, 20);
}

if (import.meta.main) {
  if (Deno.args[0] === "node") {
    const { runMain } = await import("../main.ts");
    await runMain(Deno.args.slice(1), { setup: nodeSetup });
  }
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      puts: { type: "string" },
      rate: { type: "string" },
      "lag-ms": { type: "string" },
      "deno-flags": { type: "string" },
      wal: { type: "boolean" },
      window: { type: "string" },
      rounds: { type: "string" },
    },
  });
  const { report } = await import("./mod.ts");
  report(
    await storesBench({
      ...(values.puts ? { puts: Number(values.puts) } : {}),
      ...(values.rate ? { rate: Number(values.rate) } : {}),
      ...(values["lag-ms"] ? { lagMs: Number(values["lag-ms"]) } : {}),
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
      ...(values.window ? { cloneWindow: Number(values.window) } : {}),
      ...(values.wal ? { wal: true } : {}),
      ...(values["deno-flags"] ? { denoFlags: values["deno-flags"].split(",") } : {}),
      progress: (l) => console.error(l),
    }).run(),
  );
}

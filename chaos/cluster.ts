/**
 * A zcluster cluster spread over the suite's host namespaces: a layout on 198.18.0.x, one
 * `ip netns exec <ns> deno run chaos/site.ts run --node X` process per node, its output lines,
 * its commands on stdin, its metrics, RSS and fd count.
 *
 * @module
 */
import { parsePrometheusText, sampleValue } from "../lib/metrics/scrape.ts";
import { HOST_IPS, type HostName, type Topology } from "./netns.ts";
import { type Child, type Line, Spawner } from "./proc.ts";

const SITE = new URL("./site.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

/** One node of a chaos layout. */
export interface NodeSpec {
  readonly type: "MANAGER" | "LOGGER" | "WORKER";
  readonly host: HostName;
  /** PULL port (loggers) or layout port. */
  readonly p: number;
  readonly metricsPort?: number;
}

/** Options of {@link ChaosCluster.create}. */
export interface ChaosClusterOptions {
  readonly topo: Topology;
  readonly nodes: Readonly<Record<string, NodeSpec>>;
  /** Flags for every node. */
  readonly args?: readonly string[];
  /** Create the persistent store `chaos` (master on the manager). */
  readonly store?: boolean;
  /** Serve the WebSocket API on the manager at this port. */
  readonly websocketPort?: number;
}

/** Where a node's line was found. */
export interface Found {
  readonly index: number;
  readonly line: Line;
  /** The node's own timestamp of the line (ISO prefix or `t=`), else the read time. */
  readonly ts: number;
}

/** The node's own time of a line: `t=<epoch ms>` or the logger's ISO prefix. */
export function lineTime(line: Line): number {
  const t = / t=(\d{13})\b/.exec(line.text);
  if (t) return Number(t[1]);
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) /.exec(line.text);
  if (iso) return Date.parse(iso[1]!);
  return line.at;
}

/** A running chaos cluster; disposing kills every process and removes its files. */
export class ChaosCluster implements AsyncDisposable {
  readonly topo: Topology;
  readonly nodes: Readonly<Record<string, NodeSpec>>;
  readonly dir: string;
  readonly layoutPath: string;
  readonly storeDir: string;
  readonly spawner = new Spawner();
  readonly #options: ChaosClusterOptions;
  readonly #procs = new Map<string, Child>();
  /** Earlier processes per node (restarts). */
  readonly history = new Map<string, Child[]>();

  private constructor(options: ChaosClusterOptions, dir: string) {
    this.#options = options;
    this.topo = options.topo;
    this.nodes = options.nodes;
    this.dir = dir;
    this.layoutPath = `${dir}/layout.json`;
    this.storeDir = `${dir}/stores`;
  }

  /** Writes the layout and starts every node (the manager first). */
  static async create(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const dir = await Deno.makeTempDir({ prefix: `${options.topo.prefix}cluster-` });
    const c = new ChaosCluster(options, dir);
    const manager = Object.keys(options.nodes).find((n) => options.nodes[n]!.type === "MANAGER");
    const layout: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(options.nodes)) {
      layout[name] = {
        nodeType: spec.type,
        ip: HOST_IPS[spec.host],
        p: spec.p,
        ...(spec.metricsPort ? { metricsPort: spec.metricsPort } : {}),
        ...(spec.type !== "MANAGER" ? { manager } : {}),
      };
    }
    await Deno.writeTextFile(c.layoutPath, JSON.stringify(layout, null, 2));
    await Deno.mkdir(c.storeDir);
    for (const name of Object.keys(options.nodes)) await Deno.mkdir(`${dir}/logs-${name}`);
    if (manager) c.start(manager);
    for (const name of Object.keys(options.nodes)) if (name !== manager) c.start(name);
    return c;
  }

  /** The node's log directory. */
  logDir(name: string): string {
    return `${this.dir}/logs-${name}`;
  }

  /** The node's ip. */
  ip(name: string): string {
    return HOST_IPS[this.nodes[name]!.host];
  }

  /** Starts (or restarts) a node. */
  start(name: string, extra: readonly string[] = []): Child {
    const spec = this.nodes[name];
    if (!spec) throw new Error(`No node ${name}`);
    const old = this.#procs.get(name);
    if (old) this.history.set(name, [...(this.history.get(name) ?? []), old]);
    const ws = spec.type === "MANAGER" && this.#options.websocketPort
      ? ["--websocket", `${HOST_IPS[spec.host]}:${this.#options.websocketPort}`]
      : [];
    const argv = [
      Deno.execPath(),
      "run",
      "-A",
      "--cached-only",
      "--config",
      CONFIG,
      SITE,
      "run",
      "--node",
      name,
      "--layout",
      this.layoutPath,
      "--log-dir",
      this.logDir(name),
      "--log-format",
      "json",
      "--log-level",
      "info",
      "--set",
      `defaultStoreDir=${JSON.stringify(this.storeDir)}`,
      ...ws,
      ...(this.#options.args ?? []),
      ...extra,
    ];
    const env = this.#options.store ? ["env", "CHAOS_STORE=1"] : [];
    const child = this.spawner.spawn({
      ns: this.topo.ns[spec.host],
      argv: [...env, ...argv],
      label: name,
      stdin: true,
    });
    this.#procs.set(name, child);
    return child;
  }

  /** The node's current process. */
  proc(name: string): Child {
    const p = this.#procs.get(name);
    if (!p) throw new Error(`No process for ${name}`);
    return p;
  }

  /** Lines of the node's current process. */
  lines(name: string): Line[] {
    return this.#procs.get(name)?.lines ?? [];
  }

  /** Sends a command to a node's site. */
  send(name: string, command: Record<string, unknown>): Promise<void> {
    return this.proc(name).send(command);
  }

  /** Signals a node. */
  signal(name: string, sig: Deno.Signal): void {
    this.#procs.get(name)?.signal(sig);
  }

  /** Signals a node and waits for it to end; returns the time it took in ms. */
  async stop(name: string, sig: Deno.Signal = "SIGKILL", timeoutMs = 10_000): Promise<number> {
    const p = this.proc(name);
    const t0 = Date.now();
    p.signal(sig);
    const ended = await Promise.race([
      p.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    if (!ended) {
      p.signal("SIGKILL");
      await p.status;
    }
    return (p.endedAt ?? Date.now()) - t0;
  }

  /**
   * Finds the first line matching `re` at index ≥ `from` in a node's current output, waiting up
   * to `timeoutMs`. Returns undefined on timeout.
   */
  async find(name: string, re: RegExp, from = 0, timeoutMs = 15_000): Promise<Found | undefined> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      const lines = this.lines(name);
      for (; i < lines.length; i++) {
        const line = lines[i]!;
        if (re.test(line.text)) return { index: i, line, ts: lineTime(line) };
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Like {@link find} but throws with the node's last lines on timeout. */
  async expect(name: string, re: RegExp, from = 0, timeoutMs = 15_000): Promise<Found> {
    const f = await this.find(name, re, from, timeoutMs);
    if (f) return f;
    const tail = this.lines(name).slice(-15).map((l) => `  ${l.text}`).join("\n");
    throw new Error(`Timed out waiting for ${name}: ${re}\n${tail}`);
  }

  /** Every line matching `re` from index `from`. */
  grep(name: string, re: RegExp, from = 0): Line[] {
    return this.lines(name).slice(from).filter((l) => re.test(l.text));
  }

  /** Waits until each of `names` has seen node_up of every other one (from line `from`). */
  async waitForMesh(names: readonly string[], timeoutMs = 30_000): Promise<void> {
    for (const a of names) {
      for (const b of names) {
        if (a !== b) await this.expect(a, new RegExp(`node_up ${b}( |$)`), 0, timeoutMs);
      }
    }
  }

  /** Sends `stats` and parses the answer. */
  async stats(name: string, timeoutMs = 10_000): Promise<Record<string, number>> {
    const from = this.lines(name).length;
    await this.send(name, { cmd: "stats" });
    const f = await this.expect(name, /^chaos stats /, from, timeoutMs);
    return JSON.parse(f.line.text.slice("chaos stats ".length));
  }

  /** The metrics URL of a node. */
  metricsUrl(name: string): string {
    return `http://${this.ip(name)}:${this.nodes[name]!.metricsPort}/metrics`;
  }

  /** Scrapes one sample from a node's `/metrics` (sum over label sets when none are given). */
  async metric(name: string, metric: string, labels?: Record<string, string>): Promise<number> {
    const res = await fetch(this.metricsUrl(name), { signal: AbortSignal.timeout(5000) });
    const families = parsePrometheusText(await res.text());
    if (labels) return sampleValue(families, metric, labels) ?? 0;
    const fam = families.get(metric);
    return fam ? fam.samples.reduce((s, x) => s + x.value, 0) : 0;
  }

  /** Names of nodes whose process runs. */
  get running(): string[] {
    return [...this.#procs].filter(([, p]) => p.running).map(([n]) => n);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.spawner.killAll();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

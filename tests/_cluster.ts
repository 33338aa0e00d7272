/**
 * A real multi-process cluster for tests: one `main.ts run` process per node, on free loopback
 * ports, with every output line kept per node. `await using cluster = await startCluster(...)`
 * kills whatever is left.
 *
 * @module
 */
import { parsePrometheusText, sampleValue } from "../lib/metrics/scrape.ts";
import { freePorts, MAIN, waitFor, writeLayout } from "./_fixtures.ts";

/** A node's `node_up`/`node_down` line for `peer` (not for a peer whose name continues it). */
function membershipLine(change: "up" | "down", peer: string): RegExp {
  return new RegExp(`node_${change} ${peer}( |$)`);
}

/** A node process. */
export interface NodeProcess {
  readonly name: string;
  readonly proc: Deno.ChildProcess;
  /** Every line the node wrote (stdout and stderr). */
  readonly lines: string[];
  readonly status: Promise<Deno.CommandStatus>;
  /** How it ended, once it did (for diagnostics). */
  exit?: Deno.CommandStatus;
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Node name → type; ports are assigned. Default: manager, logger-1, proxy-1, worker-1/2. */
  readonly nodes?: Record<string, string>;
  /** Extra flags for every node. */
  readonly args?: readonly string[];
  /** Extra flags per node. */
  readonly nodeArgs?: Readonly<Record<string, readonly string[]>>;
  /** Nodes to leave stopped at first. */
  readonly deferred?: readonly string[];
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Give nodes metrics ports. */
  readonly metrics?: boolean;
  /** The program each node runs (a site entry built on `runMain`); `main.ts` by default. */
  readonly entry?: string;
}

/** A running test cluster. */
export class TestCluster implements AsyncDisposable {
  readonly layout: Record<string, Record<string, unknown>>;
  readonly layoutPath: string;
  readonly proxyXpub: string;
  readonly proxyXsub: string;
  readonly logDir: string;
  readonly nodes = new Map<string, NodeProcess>();
  /** Lines of processes that have ended, per node (restarts append). */
  readonly history = new Map<string, string[]>();
  readonly #options: StartClusterOptions;

  constructor(
    options: StartClusterOptions,
    layout: Record<string, Record<string, unknown>>,
    layoutPath: string,
    proxy: [string, string],
    logDir: string,
  ) {
    this.#options = options;
    this.layout = layout;
    this.layoutPath = layoutPath;
    [this.proxyXpub, this.proxyXsub] = proxy;
    this.logDir = logDir;
  }

  readonly #extraArgs = new Map<string, readonly string[]>();

  /** Adds flags to one node's next starts. */
  nodeArgsOverride(name: string, args: readonly string[]): void {
    this.#extraArgs.set(name, args);
  }

  /** The flags a node process of this cluster runs with. */
  argsFor(name: string): string[] {
    return [
      "run",
      "-A",
      this.#options.entry ?? MAIN,
      "run",
      "--node",
      name,
      "--layout",
      this.layoutPath,
      "--proxy-xpub",
      this.proxyXpub,
      "--proxy-xsub",
      this.proxyXsub,
      "--log-dir",
      this.logDir,
      "--log-level",
      "debug",
      "--exit-with-parent",
      ...(this.#options.args ?? []),
      ...(this.#options.nodeArgs?.[name] ?? []),
      ...(this.#extraArgs.get(name) ?? []),
    ];
  }

  /** Starts (or restarts) one node. */
  start(name: string): NodeProcess {
    const proc = new Deno.Command(Deno.execPath(), {
      args: this.argsFor(name),
      env: { ...this.#options.env },
      // Never written: if this test process dies, the node sees stdin close and stops
      // (--exit-with-parent) instead of running on as an orphan.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    const dec = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      let pending = "";
      for await (const chunk of stream) {
        pending += dec.decode(chunk, { stream: true });
        const parts = pending.split("\n");
        pending = parts.pop() ?? "";
        lines.push(...parts);
      }
      if (pending) lines.push(pending);
    };
    const output = Promise.all([pump(proc.stdout), pump(proc.stderr)]).catch(() => {});
    const status = proc.status.then(async (s) => {
      await proc.stdin.close().catch(() => {});
      await output;
      return s;
    });
    const node: NodeProcess = { name, proc, lines, status };
    status.then((s) => node.exit = s, () => {});
    this.nodes.set(name, node);
    return node;
  }

  /** Sends a signal to a node. */
  kill(name: string, signal: Deno.Signal = "SIGKILL"): void {
    try {
      this.nodes.get(name)?.proc.kill(signal);
    } catch { /* gone */ }
  }

  /** Kills a node and waits for it to end. */
  async stop(name: string, signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    this.kill(name, signal);
    const status = await node.status;
    this.history.set(name, [...(this.history.get(name) ?? []), ...node.lines]);
    return status;
  }

  /** Lines of the current process of a node. */
  lines(name: string): string[] {
    return this.nodes.get(name)?.lines ?? [];
  }

  /** Waits for a line matching `pattern` in a node's current output. */
  async waitForLine(name: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    let found: string | undefined;
    try {
      await waitFor(
        () => (found = this.lines(name).find((l) => pattern.test(l))) !== undefined,
        timeoutMs,
        `${name}: ${pattern}`,
      );
    } catch (error) {
      // The output as it is at the timeout, not as it was when the wait began.
      const tail = this.lines(name).slice(-30).join("\n");
      const exit = this.nodes.get(name)?.exit;
      const state = exit
        ? `exited with code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ""}`
        : "still running";
      throw new Error(`${(error as Error).message}\n--- ${name} (${state}) output:\n${tail}`, {
        cause: error,
      });
    }
    return found!;
  }

  /** The metrics URL of a node (cluster started with `metrics: true`). */
  metricsUrl(name: string): string {
    return `http://127.0.0.1:${this.layout[name]!.metricsPort}/metrics`;
  }

  /**
   * One sample of a node's /metrics, always with the node's own `node` label (0 when absent).
   *
   * @throws {Error} when /metrics does not answer 200
   */
  async metric(node: string, name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await fetch(this.metricsUrl(node));
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${node} /metrics answered ${res.status}: ${text}`);
    return sampleValue(parsePrometheusText(text), name, { ...labels, node }) ?? 0;
  }

  /** Counts lines matching `pattern` in a node's current output. */
  count(name: string, pattern: RegExp): number {
    return this.lines(name).filter((l) => pattern.test(l)).length;
  }

  /** How many `node_up` (or `node_down`) lines for `peer` a node wrote in its current output. */
  changes(name: string, change: "up" | "down", peer: string): number {
    return this.count(name, membershipLine(change, peer));
  }

  /** Waits until every listed node has reported node_up for every other listed node. */
  async waitForFullMesh(names: readonly string[], timeoutMs = 20_000): Promise<void> {
    for (const a of names) {
      for (const b of names) {
        if (a !== b) await this.waitForLine(a, membershipLine("up", b), timeoutMs);
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const name of this.nodes.keys()) this.kill(name, "SIGKILL");
    await Promise.all([...this.nodes.values()].map((n) => n.status));
    await Deno.remove(this.logDir, { recursive: true }).catch(() => {});
    const layoutDir = this.layoutPath.slice(0, this.layoutPath.lastIndexOf("/"));
    await Deno.remove(layoutDir, { recursive: true }).catch(() => {});
  }
}

const DEFAULT_NODES: Record<string, string> = {
  manager: "MANAGER",
  "logger-1": "LOGGER",
  "proxy-1": "PROXY",
  "worker-1": "WORKER",
  "worker-2": "WORKER",
};

/**
 * Writes a layout on free ports and starts one process per node (manager first).
 *
 * @param options Nodes, flags, nodes to defer.
 * @returns The running cluster.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const nodes = options.nodes ?? DEFAULT_NODES;
  const names = Object.keys(nodes);
  const ports = freePorts(names.length * 2 + 2);
  const layout: Record<string, Record<string, unknown>> = {};
  names.forEach((name, i) => {
    layout[name] = {
      nodeType: nodes[name],
      ip: "127.0.0.1",
      p: ports[i],
      ...(options.metrics ? { metricsPort: ports[names.length + i] } : {}),
      ...(nodes[name] !== "MANAGER" ? { manager: names.find((n) => nodes[n] === "MANAGER") } : {}),
    };
  });
  const layoutPath = await writeLayout(layout);
  const logDir = await Deno.makeTempDir({ prefix: "zcluster-logs-" });
  const proxy: [string, string] = [
    `tcp://127.0.0.1:${ports[ports.length - 2]}`,
    `tcp://127.0.0.1:${ports[ports.length - 1]}`,
  ];
  const cluster = new TestCluster(options, layout, layoutPath, proxy, logDir);
  const order = [...names].sort((
    a,
    b,
  ) => (nodes[a] === "MANAGER" ? -1 : nodes[b] === "MANAGER" ? 1 : 0));
  for (const name of order) {
    if (!options.deferred?.includes(name)) cluster.start(name);
  }
  return cluster;
}

/**
 * `zcluster start`: runs every node of the layout whose ip is on this host as a child process,
 * prefixes each child's output with its node name, reports children that die, and stops them all
 * on abort (Ctrl-C / SIGTERM).
 *
 * @module
 */
import type { ClusterLayout } from "../layout/types.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { canonicalIp } from "../net/ip.ts";

/** How to run one child. */
export interface ChildCommand {
  /** The executable (`Deno.execPath()`). */
  readonly command: string;
  /** Arguments before the node name's flags (e.g. `run -A main.ts run`). */
  readonly args: readonly string[];
}

/** Options of {@link superviseCluster}. */
export interface SuperviseOptions {
  readonly layout: ClusterLayout;
  /** How to start a node process; `--node NAME` is appended. */
  readonly child: ChildCommand;
  /** Addresses of this host (canonical text). */
  readonly localAddresses: ReadonlySet<string>;
  /** Where prefixed child output lines go. */
  readonly writeLine: (line: string) => void;
  readonly logger: Logger;
  /** Aborting stops every child (SIGTERM, then SIGKILL after `killAfterMs`). */
  readonly signal: AbortSignal;
  /** Arguments for one node only, after its `--node NAME` (e.g. the manager's `--websocket`). */
  readonly nodeArgs?: (node: string) => readonly string[];
  /** Extra environment for the children. */
  readonly env?: Readonly<Record<string, string>>;
  /** Grace period before SIGKILL. Default 5000 ms. */
  readonly killAfterMs?: number;
  /** Order in which to start nodes; the manager first so the proxy is up early. */
  readonly startOrder?: readonly string[];
  /**
   * Called with the nodes about to start, before any is: throwing starts none (e.g. a log
   * directory another process holds).
   */
  readonly preflight?: (nodes: readonly string[]) => void;
}

/** The outcome of one child. */
export interface ChildResult {
  readonly node: string;
  readonly code: number;
  readonly signal: string | null;
  /** Whether it ended before we asked it to. */
  readonly unexpected: boolean;
}

/**
 * Addresses of this host: every interface address plus the loopback ranges.
 *
 * @returns Canonical address texts.
 */
export function hostAddresses(): Set<string> {
  const out = new Set<string>(["::1"]);
  try {
    for (const iface of Deno.networkInterfaces()) {
      const ip = canonicalIp(iface.address);
      if (ip) out.add(ip);
    }
  } catch {
    // No permission or no interfaces: loopback only.
  }
  return out;
}

/**
 * Whether a layout ip is on this host.
 *
 * @param ip Layout ip.
 * @param local Host addresses from {@link hostAddresses}.
 * @returns `true` for loopback (127.0.0.0/8, ::1) and interface addresses.
 */
export function isLocalIp(ip: string, local: ReadonlySet<string>): boolean {
  const canonical = canonicalIp(ip);
  if (canonical === undefined) return false;
  return canonical.startsWith("127.") || local.has(canonical);
}

/** The exit code of a node whose configuration cannot work; it stops the whole `start`. */
export const EXIT_REFUSED = 2;

const TYPE_ORDER = ["MANAGER", "LOGGER", "PROXY", "WORKER", "CONTROL", "NONE"];

async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  write: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      write(`${prefix}${pending.slice(0, nl)}`);
      pending = pending.slice(nl + 1);
    }
  }
  if (pending !== "") write(`${prefix}${pending}`);
}

/**
 * Runs the local nodes until `signal` aborts, then stops them.
 *
 * @param options Layout, child command, output sink and abort signal.
 * @returns Each child's result, once all have ended.
 */
export async function superviseCluster(options: SuperviseOptions): Promise<ChildResult[]> {
  const { layout, logger, signal } = options;
  const names = Object.keys(layout)
    .filter((name) => isLocalIp(layout[name]!.ip, options.localAddresses))
    .filter((name) => !["NONE", "CONTROL"].includes(layout[name]!.nodeType))
    .sort((a, b) =>
      TYPE_ORDER.indexOf(layout[a]!.nodeType) - TYPE_ORDER.indexOf(layout[b]!.nodeType) ||
      (a < b ? -1 : a > b ? 1 : 0)
    );
  if (names.length === 0) {
    logger.warn("no node of the layout has an ip on this host: nothing to start");
    return [];
  }
  options.preflight?.(names);
  const width = Math.max(...names.map((n) => n.length));
  let stopping = signal.aborted;
  const children = names.map((name) => {
    const proc = new Deno.Command(options.child.command, {
      args: [...options.child.args, "--node", name, ...(options.nodeArgs?.(name) ?? [])],
      env: { ...options.env, CLUSTER_NODE: name },
      // Held open and never written: it closes when this process ends, however it ends, and
      // children started with --exit-with-parent then stop.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const prefix = `[${name.padEnd(width)}] `;
    const output = Promise.all([
      pipeLines(proc.stdout, prefix, options.writeLine),
      pipeLines(proc.stderr, prefix, options.writeLine),
    ]).catch(() => {});
    const done = proc.status.then(async (status): Promise<ChildResult> => {
      await proc.stdin.close().catch(() => {});
      await output;
      const unexpected = !stopping && status.code !== 0;
      if (unexpected) {
        logger.error(`node ${name} died`, { code: status.code, signal: status.signal });
        // Exit 2 is a configuration that cannot work (bad options, a log directory or store
        // another process holds): the rest of the cluster stops rather than run without it.
        if (status.code === EXIT_REFUSED) {
          logger.error(`stopping every node: node ${name} refused to start (exit 2)`);
          stopAll();
        }
      } else if (!stopping) {
        logger.info(`node ${name} stopped`, { code: 0 });
      }
      return { node: name, code: status.code, signal: status.signal, unexpected };
    });
    return { name, proc, done };
  });
  logger.info(`started ${names.length} nodes`, {
    nodes: children.map((c) => `${c.name}(pid ${c.proc.pid})`).join(","),
  });
  const stopAll = () => {
    if (stopping && signal.aborted === false) return;
    stopping = true;
    for (const child of children) {
      try {
        child.proc.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    const timer = setTimeout(() => {
      for (const child of children) {
        try {
          child.proc.kill("SIGKILL");
        } catch { /* already gone */ }
      }
    }, options.killAfterMs ?? 5000);
    Promise.allSettled(children.map((c) => c.done)).then(() => clearTimeout(timer));
  };
  if (signal.aborted) stopAll();
  else signal.addEventListener("abort", stopAll, { once: true });
  const results = await Promise.all(children.map((c) => c.done));
  signal.removeEventListener("abort", stopAll);
  return results;
}

/**
 * What every scenario receives, and the standard four-host cluster it starts.
 *
 * @module
 */
import { sleep } from "../lib/async.ts";
import { ChaosCluster, type NodeSpec } from "./cluster.ts";
import type { Topology } from "./netns.ts";
import type { Row } from "./table.ts";

/** The scenario context. */
export interface Ctx {
  readonly topo: Topology;
  /** `--quick`: smaller counts and durations. */
  readonly quick: boolean;
  /** Progress output. */
  log(message: string): void;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** A scenario: runs, returns its rows. */
export type Scenario = (ctx: Ctx) => Promise<Row[]>;

/** Ports of the standard layout. */
export const PORTS = {
  manager: 27760,
  logger1: 27761,
  logger2: 27762,
  worker1: 27763,
  worker2: 27764,
  websocket: 27759,
  proxyXpub: 5555,
  proxyXsub: 5556,
} as const;

/** Metrics ports per node. */
export const METRICS = {
  manager: 9991,
  "logger-1": 9992,
  "worker-1": 9993,
  "worker-2": 9994,
  "logger-2": 9995,
} as const;

/** Manager, logger, two workers, each on its own host. */
export const STANDARD_NODES: Readonly<Record<string, NodeSpec>> = Object.freeze({
  manager: { type: "MANAGER", host: "mgr", p: PORTS.manager, metricsPort: METRICS.manager },
  "logger-1": { type: "LOGGER", host: "log", p: PORTS.logger1, metricsPort: METRICS["logger-1"] },
  "worker-1": { type: "WORKER", host: "w1", p: PORTS.worker1, metricsPort: METRICS["worker-1"] },
  "worker-2": { type: "WORKER", host: "w2", p: PORTS.worker2, metricsPort: METRICS["worker-2"] },
});

/** The standard nodes plus a second logger on the logger host. */
export const TWO_LOGGER_NODES: Readonly<Record<string, NodeSpec>> = Object.freeze({
  ...STANDARD_NODES,
  "logger-2": { type: "LOGGER", host: "log", p: PORTS.logger2, metricsPort: METRICS["logger-2"] },
});

/** Options of {@link startCluster}. */
export interface StartOptions {
  readonly nodes?: Readonly<Record<string, NodeSpec>>;
  readonly args?: readonly string[];
  readonly store?: boolean;
  readonly websocket?: boolean;
}

/**
 * Starts a cluster and waits for its full mesh and every site.
 *
 * @param ctx Context.
 * @param options Nodes, flags, store, WebSocket.
 * @returns The running cluster (the caller disposes it).
 */
export async function startCluster(ctx: Ctx, options: StartOptions = {}): Promise<ChaosCluster> {
  const nodes = options.nodes ?? STANDARD_NODES;
  const cluster = await ChaosCluster.create({
    topo: ctx.topo,
    nodes,
    ...(options.args ? { args: options.args } : {}),
    ...(options.store ? { store: true } : {}),
    ...(options.websocket ? { websocketPort: PORTS.websocket } : {}),
  });
  try {
    const names = Object.keys(nodes);
    await cluster.waitForMesh(names);
    for (const n of names) await cluster.expect(n, /^chaos site-ready/);
    return cluster;
  } catch (error) {
    await cluster[Symbol.asyncDispose]();
    throw error;
  }
}

/** Sleeps, unless aborted (the one helper in `lib/async.ts`). */
export { sleep };

/** Line count of each node now (to search only newer lines). */
export function marks(cluster: ChaosCluster, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, cluster.lines(n).length]));
}

import type { ControlClient, RequestOptions } from "./control_client.ts";
import { CONTROLLED_TYPES, DEFAULT_CONTROL_TIMEOUT_MS, type NetStats } from "./commands.ts";
import { parseNetStats } from "./commands.ts";
import { sleep } from "../async.ts";
import type { NodeStatus } from "./format.ts";

/** How one node ended a `stop`. */
export type StopState =
  /** It answered `shutdown_response` and left the proxy (its subscriptions went away). */
  | "stopped"
  /** It answered; its departure was not seen (the manager runs the proxy itself, or time ran out). */
  | "confirmed"
  /** It was not up when the stop began. */
  | "not_running"
  /** It did not answer in time. */
  | "no_answer";

/** One node's outcome of {@link ControlClient.stop}. */
export interface StopResult {
  /** Node name. */
  readonly node: string;
  /** What happened to it. */
  readonly state: StopState;
  /** The node id that answered. */
  readonly id?: string;
  /** Why it did not answer. */
  readonly error?: Error;
}

/** Options of {@link ControlClient.status}. */
export interface StatusOptions extends RequestOptions {
  /** Time between the two `net_stats` samples, ms (default 1000). */
  readonly sampleMs?: number;
  /** Nodes to report; every controlled node by default. */
  readonly nodes?: readonly string[];
}

/** Default interval between the two samples of `status`, ms. */
export const DEFAULT_STATUS_SAMPLE_MS = 1000;

function stages(client: ControlClient, nodes: readonly string[]): string[][] {
  const typeOf = (n: string) => client.options.layout[n]?.nodeType ?? "NONE";
  const order = CONTROLLED_TYPES as readonly string[];
  const others = nodes.filter((n) => !order.includes(typeOf(n)));
  return [others, ...order.map((type) => nodes.filter((n) => typeOf(n) === type))]
    .filter((stage) => stage.length > 0);
}

/** Stops nodes stage by stage; see {@link ControlClient.stop}. */
export async function runStop(
  client: ControlClient,
  nodes: readonly string[],
  opts: RequestOptions,
): Promise<StopResult[]> {
  const { signal } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
  const deadline = client.clock.monotonicMs() + timeoutMs;
  const remaining = () => Math.max(0, deadline - client.clock.monotonicMs());
  const up = new Set(client.upNodes());
  const results = new Map<string, StopResult>();
  for (const stage of stages(client, nodes)) {
    await Promise.all(stage.map(async (node) => {
      if (!up.has(node)) {
        results.set(node, { node, state: "not_running" });
        return;
      }
      let id: string;
      try {
        id = (await client.request(node, "shutdown", [], { timeoutMs: remaining(), signal })).id;
      } catch (error) {
        if (signal?.aborted) throw error;
        results.set(node, { node, state: "no_answer", error: error as Error });
        return;
      }
      if (client.options.layout[node]?.nodeType === "MANAGER") {
        results.set(node, { node, state: "confirmed", id });
        return;
      }
      try {
        await client.waitUp(node, remaining(), signal, false);
        results.set(node, { node, state: "stopped", id });
      } catch (error) {
        if (signal?.aborted) throw error;
        results.set(node, { node, state: "confirmed", id });
      }
    }));
  }
  return nodes.map((node) => results.get(node)!);
}

interface Sample {
  readonly id: string;
  readonly stats: Partial<NetStats> & { ts: number };
}

async function sample(
  client: ControlClient,
  nodes: readonly string[],
  opts: RequestOptions,
): Promise<Map<string, Sample>> {
  const up = new Set(client.upNodes());
  const replies = await client.requestAll(nodes.filter((n) => up.has(n)), "net_stats", opts);
  const out = new Map<string, Sample>();
  for (const reply of replies) {
    if (!reply.ok) continue;
    try {
      out.set(reply.node, { id: reply.id, stats: parseNetStats(reply.value) });
    } catch { /* a malformed answer counts as no answer */ }
  }
  return out;
}

function rate(a: number | undefined, b: number | undefined, seconds: number): number | undefined {
  if (a === undefined || b === undefined || seconds <= 0) return undefined;
  // One control request came in, and one reply went out, between the two samples.
  return Math.max(0, b - a - 1) / seconds;
}

/** Per-node status from two samples; see {@link ControlClient.status}. */
export async function runStatus(client: ControlClient, opts: StatusOptions): Promise<NodeStatus[]> {
  const layout = client.options.layout;
  const nodes = opts.nodes ??
    Object.keys(layout).filter((n) =>
      (CONTROLLED_TYPES as readonly string[]).includes(layout[n]!.nodeType)
    );
  const sampleMs = opts.sampleMs ?? DEFAULT_STATUS_SAMPLE_MS;
  const request = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const first = await sample(client, nodes, request);
  await sleep(sampleMs, opts.signal);
  const second = await sample(client, nodes, request);
  return nodes.map((node): NodeStatus => {
    const a = first.get(node);
    const b = second.get(node);
    const last = b ?? a;
    const base = { node, type: layout[node]?.nodeType ?? "NONE", host: layout[node]?.ip ?? "" };
    if (last === undefined) return { ...base, up: client.upNodes().includes(node) };
    const s = last.stats;
    const seconds = a && b ? b.stats.ts - a.stats.ts || sampleMs / 1000 : 0;
    const inRate = rate(a?.stats.eventsIn, b?.stats.eventsIn, seconds);
    const outRate = rate(a?.stats.eventsOut, b?.stats.eventsOut, seconds);
    const drops = (s.dropped ?? 0) + (s.xpubDrops ?? 0) + (s.logDrops ?? 0);
    return {
      ...base,
      up: true,
      id: last.id,
      ...(s.uptimeS !== undefined ? { uptimeS: s.uptimeS } : {}),
      ...(inRate !== undefined ? { eventsInPerS: inRate } : {}),
      ...(outRate !== undefined ? { eventsOutPerS: outRate } : {}),
      ...(s.logWrites !== undefined ? { logWrites: s.logWrites } : {}),
      drops,
    };
  });
}

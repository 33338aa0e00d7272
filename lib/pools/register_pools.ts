/**
 * Pool membership for a whole layout, as Zeek computes it at `zeek_init` (priority -5).
 *
 * @module
 */

import { LayoutError } from "../errors.ts";
import {
  LOGGER_POOL_SPEC,
  Pool,
  type PoolNodeType,
  type PoolSpec,
  PROXY_POOL_SPEC,
  WORKER_POOL_SPEC,
} from "./pool.ts";

const UTF8 = new TextEncoder();

/** One layout node, as far as pools care. Node types other than pool types are ignored. */
export interface PoolLayoutEntry {
  /** The node name. */
  readonly name: string;
  /** The node type, e.g. `"PROXY"`; `"MANAGER"` matters when the manager is a logger. */
  readonly nodeType: string;
}

/**
 * A layout: a list of `{ name, nodeType }`, or a record of name → `{ nodeType }` (so a
 * `ClusterLayout` fits as it is).
 */
export type PoolLayout =
  | readonly PoolLayoutEntry[]
  | Readonly<Record<string, { readonly nodeType: string }>>;

/** Options for {@link registerPools}. */
export interface RegisterPoolsOptions {
  /** Zeek's `Cluster::manager_is_logger`: the manager joins LOGGER pools. Default `true`. */
  readonly managerIsLogger?: boolean;
  /** Replaces {@link PROXY_POOL_SPEC} (Zeek's `redef Cluster::proxy_pool_spec`). */
  readonly proxyPoolSpec?: PoolSpec;
  /** Replaces {@link WORKER_POOL_SPEC}. */
  readonly workerPoolSpec?: PoolSpec;
  /** Replaces {@link LOGGER_POOL_SPEC}. */
  readonly loggerPoolSpec?: PoolSpec;
  /** More pools (Zeek's `Cluster::register_pool`), returned in this order as `extra`. */
  readonly extraPools?: readonly PoolSpec[];
}

/**
 * Every pool of one node, built by {@link registerPools}.
 *
 * @example
 * ```ts
 * import { registerPools } from "../../mod.ts";
 * const pools = registerPools({
 *   manager: { nodeType: "MANAGER" },
 *   "proxy-1": { nodeType: "PROXY" },
 * }, "manager");
 * pools.nodeUp("proxy-1");
 * pools.proxy.rrTopic(); // "zeek.cluster.node.proxy-1."
 * ```
 */
export class ClusterPools implements Iterable<Pool> {
  /** Zeek's `Cluster::proxy_pool`. */
  readonly proxy: Pool;
  /** Zeek's `Cluster::worker_pool`. */
  readonly worker: Pool;
  /** Zeek's `Cluster::logger_pool`. */
  readonly logger: Pool;
  /** The pools of `extraPools`, in the order given. */
  readonly extra: readonly Pool[];
  #all: readonly Pool[];

  /**
   * Creates a `ClusterPools`.
   *
   * @param pools The three predefined pools, the extra pools, and all pools sorted by topic.
   */
  constructor(pools: {
    proxy: Pool;
    worker: Pool;
    logger: Pool;
    extra: readonly Pool[];
    all: readonly Pool[];
  }) {
    this.proxy = pools.proxy;
    this.worker = pools.worker;
    this.logger = pools.logger;
    this.extra = pools.extra;
    this.#all = pools.all;
  }

  /** Every pool, sorted by topic. */
  [Symbol.iterator](): Iterator<Pool> {
    return this.#all[Symbol.iterator]();
  }

  /**
   * The first pool (in topic order) with a topic.
   *
   * @param topic The pool topic.
   * @returns The pool, or `undefined`.
   */
  get(topic: string): Pool | undefined {
    return this.#all.find((p) => p.topic === topic);
  }

  /**
   * Applies `Cluster::node_up` to every pool the node is in.
   *
   * @param name The node name.
   * @returns `true` if the node is in at least one pool.
   */
  nodeUp(name: string): boolean {
    let found = false;
    for (const pool of this.#all) found = pool.nodeUp(name) || found;
    return found;
  }

  /**
   * Applies `Cluster::node_down` to every pool the node is in.
   *
   * @param name The node name.
   * @returns `true` if the node is in at least one pool.
   */
  nodeDown(name: string): boolean {
    let found = false;
    for (const pool of this.#all) found = pool.nodeDown(name) || found;
    return found;
  }
}

/**
 * Builds every pool for a layout as Zeek does:
 * - eligible nodes per type are sorted by name in byte order; with `managerIsLogger` the first
 *   manager (by name) is appended to the LOGGER list;
 * - pools are processed sorted by topic;
 * - exclusive pools first take the first `maxNodes` eligible nodes, which leave the list;
 * - the other pools take all remaining eligible nodes, or `maxNodes` of them, picked round
 *   robin with one cursor per node type shared by the pools of that type.
 *
 * @param layout The layout.
 * @param localNode This node's name (alive from the start, never an HRW site).
 * @param options Pool specs and `managerIsLogger`.
 * @returns The pools; call `nodeUp`/`nodeDown` as nodes come and go.
 * @throws {LayoutError} If a node name repeats, or exclusive pools need more nodes of a type
 * than the layout has.
 * @throws {RangeError | TypeError} For an invalid pool spec (see {@link Pool}).
 * @example
 * ```ts
 * import { registerPools } from "./register_pools.ts";
 * const pools = registerPools(
 *   [{ name: "manager", nodeType: "MANAGER" }, { name: "proxy-1", nodeType: "PROXY" }],
 *   "manager",
 * );
 * pools.nodeUp("proxy-1");
 * pools.proxy.hrwTopic("key"); // "zeek.cluster.node.proxy-1."
 * ```
 */
export function registerPools(
  layout: PoolLayout,
  localNode: string,
  options: RegisterPoolsOptions = {},
): ClusterPools {
  const opts = { localNode };
  const proxy = new Pool(options.proxyPoolSpec ?? PROXY_POOL_SPEC, opts);
  const worker = new Pool(options.workerPoolSpec ?? WORKER_POOL_SPEC, opts);
  const logger = new Pool(options.loggerPoolSpec ?? LOGGER_POOL_SPEC, opts);
  const extra = (options.extraPools ?? []).map((spec) => new Pool(spec, opts));
  const all = [worker, proxy, logger, ...extra].sort((a, b) => _compareBytes(a.topic, b.topic));
  const eligible = _eligibility(_entries(layout), options.managerIsLogger ?? true);
  _assignMembers(all, eligible);
  return new ClusterPools({ proxy, worker, logger, extra, all });
}

function _entries(layout: PoolLayout): PoolLayoutEntry[] {
  const entries = Array.isArray(layout)
    ? [...layout as readonly PoolLayoutEntry[]]
    : Object.entries(layout).map(([name, node]) => ({ name, nodeType: node.nodeType }));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { name } of entries) {
    if (seen.has(name)) problems.push(`node "${name}": name is used twice`);
    seen.add(name);
  }
  if (problems.length > 0) throw new LayoutError(problems);
  return entries;
}

function _eligibility(
  entries: readonly PoolLayoutEntry[],
  managerIsLogger: boolean,
): Map<PoolNodeType, string[]> {
  const ofType = (type: string) =>
    entries.filter((e) => e.nodeType === type).map((e) => e.name).sort(_compareBytes);
  const loggers = ofType("LOGGER");
  const manager = ofType("MANAGER")[0];
  if (managerIsLogger && manager !== undefined) loggers.push(manager);
  return new Map<PoolNodeType, string[]>([
    ["WORKER", ofType("WORKER")],
    ["PROXY", ofType("PROXY")],
    ["LOGGER", loggers],
  ]);
}

function _assignMembers(pools: readonly Pool[], eligible: Map<PoolNodeType, string[]>): void {
  const excluded = new Map<PoolNodeType, number>();
  for (const pool of pools) {
    if (!pool.spec.exclusive) continue;
    const type = pool.spec.nodeType;
    excluded.set(type, (excluded.get(type) ?? 0) + (pool.spec.maxNodes ?? 0));
  }
  const problems: string[] = [];
  for (const [type, need] of excluded) {
    const have = eligible.get(type)!.length;
    if (need > have) {
      problems.push(`exclusive pools need ${need} ${type} nodes, the layout has ${have}`);
    }
  }
  if (problems.length > 0) throw new LayoutError(problems);

  for (const pool of pools) {
    if (!pool.spec.exclusive) continue;
    const names = eligible.get(pool.spec.nodeType)!;
    const taken = names.splice(0, pool.spec.maxNodes ?? 0);
    for (const name of taken) pool.addMember(name);
  }

  const cursors = new Map<PoolNodeType, number>();
  for (const pool of pools) {
    if (pool.spec.exclusive) continue;
    const type = pool.spec.nodeType;
    const names = eligible.get(type)!;
    const count = Math.min(pool.spec.maxNodes ?? names.length, names.length);
    let cursor = cursors.get(type) ?? 0;
    for (let i = 0; i < count; i++) {
      pool.addMember(names[cursor]!);
      cursor = cursor + 1 === names.length ? 0 : cursor + 1;
    }
    cursors.set(type, cursor);
  }
}

/** Byte-order comparison of the UTF-8 forms, as C `strcmp`. */
function _compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const x = UTF8.encode(a);
  const y = UTF8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/**
 * One cluster pool: its members, their liveness, and the HRW and round-robin choices
 * (Zeek's `Cluster::Pool`, `hrw_topic`, `rr_topic`).
 *
 * @module
 */

import { fnv1a32, type HrwKey, hrwKeyDigest } from "./fnv1a32.ts";
import { HrwSites } from "./hrw.ts";

/** Node types a pool may hold (Zeek has no MANAGER pools; a manager joins LOGGER pools). */
export type PoolNodeType = "LOGGER" | "PROXY" | "WORKER";

/** The node types a pool may hold, for run-time checks. */
export const POOL_NODE_TYPES: readonly PoolNodeType[] = ["LOGGER", "PROXY", "WORKER"];

/** A pool specification (Zeek's `Cluster::PoolSpec`). */
export interface PoolSpec {
  /** The topic that reaches every member, e.g. `zeek.cluster.pool.proxy`. */
  readonly topic: string;
  /** The type of node the pool holds. */
  readonly nodeType: PoolNodeType;
  /** At most this many members; all eligible nodes when unset. */
  readonly maxNodes?: number;
  /** Whether the members are kept out of every other pool (needs `maxNodes`). */
  readonly exclusive?: boolean;
}

/** Zeek's `Cluster::proxy_pool_spec`. */
export const PROXY_POOL_SPEC: PoolSpec = Object.freeze({
  topic: "zeek.cluster.pool.proxy",
  nodeType: "PROXY",
});

/** Zeek's `Cluster::worker_pool_spec`. */
export const WORKER_POOL_SPEC: PoolSpec = Object.freeze({
  topic: "zeek.cluster.pool.worker",
  nodeType: "WORKER",
});

/** Zeek's `Cluster::logger_pool_spec`. */
export const LOGGER_POOL_SPEC: PoolSpec = Object.freeze({
  topic: "zeek.cluster.pool.logger",
  nodeType: "LOGGER",
});

/** A snapshot of one pool member (Zeek's `Cluster::PoolNode`). */
export interface PoolMember {
  /** The node name, e.g. `proxy-1`. */
  readonly name: string;
  /** `name + "." + c`, with `c` the first counter whose site id is new to the pool. */
  readonly alias: string;
  /** `fnv1a32(alias)`. */
  readonly siteId: number;
  /** The node's topic, `zeek.cluster.node.<name>.`. */
  readonly topic: string;
  /** Whether the node is up (the local node always is). */
  readonly alive: boolean;
}

/** Options for {@link Pool}. */
export interface PoolOptions {
  /** This node's name: alive from the start, never an HRW site. */
  readonly localNode?: string;
}

interface _Member {
  readonly name: string;
  readonly alias: string;
  readonly siteId: number;
  readonly topic: string;
  alive: boolean;
}

const UTF8 = new TextEncoder();

/**
 * One pool. Members are added in order with {@link Pool.addMember} (`registerPools` does that
 * for a layout); {@link Pool.nodeUp} and {@link Pool.nodeDown} track liveness. Alive members
 * are the HRW sites, except the local node, which is alive but never a site: Zeek raises no
 * `node_up` for itself, so `publish_hrw` never picks it while `publish_rr` can.
 *
 * "Nothing to choose" is `undefined` here, where Zeek returns the empty topic `""`.
 *
 * @example
 * ```ts
 * import { Pool, WORKER_POOL_SPEC } from "./pool.ts";
 * const pool = new Pool(WORKER_POOL_SPEC, { localNode: "manager" });
 * pool.addMember("worker-1");
 * pool.addMember("worker-2");
 * pool.nodeUp("worker-1");
 * pool.nodeUp("worker-2");
 * pool.hrwTopic("0"); // "zeek.cluster.node.worker-2."
 * pool.rrTopic("k"); // "zeek.cluster.node.worker-1."
 * ```
 */
export class Pool {
  /** The specification the pool was built from. */
  readonly spec: PoolSpec;
  #localNode: string | undefined;
  #byName = new Map<string, _Member>();
  #list: _Member[] = [];
  #sites = new HrwSites<_Member>();
  #rrCursors = new Map<string, number>();

  /**
   * Creates a `Pool`.
   *
   * @param spec The pool specification.
   * @param options The local node's name.
   * @throws {RangeError} If `spec.nodeType` is not LOGGER, PROXY or WORKER, or `maxNodes` is
   * not a non-negative integer.
   * @throws {TypeError} If `spec.exclusive` is set without `maxNodes`.
   */
  constructor(spec: PoolSpec, options: PoolOptions = {}) {
    _checkSpec(spec);
    this.spec = spec;
    this.#localNode = options.localNode;
  }

  /** The pool topic, `spec.topic`. */
  get topic(): string {
    return this.spec.topic;
  }

  /** Snapshots of the members in the order they were added (Zeek's `node_list`). */
  get members(): readonly PoolMember[] {
    return this.#list.map(_snapshot);
  }

  /** The number of alive members, the local node included (Zeek's `alive_count`). */
  get aliveCount(): number {
    return this.#list.reduce((n, m) => n + (m.alive ? 1 : 0), 0);
  }

  /**
   * Whether a node is a member.
   *
   * @param name The node name.
   * @returns `true` if it is.
   */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * Adds a member at the end of the list (Zeek's `init_pool_node`). Its alias is `name.0`, or
   * `name.1`, … if `fnv1a32` of the alias equals a member's site id. It starts alive only if
   * it is the local node.
   *
   * @param name The node name.
   * @returns `false` if the node is already a member.
   */
  addMember(name: string): boolean {
    if (this.#byName.has(name)) return false;
    const used = new Set(this.#list.map((m) => m.siteId));
    let c = 0;
    let alias = `${name}.${c}`;
    let siteId = fnv1a32(UTF8.encode(alias));
    while (used.has(siteId)) {
      c++;
      alias = `${name}.${c}`;
      siteId = fnv1a32(UTF8.encode(alias));
    }
    const member: _Member = {
      name,
      alias,
      siteId,
      topic: _nodeTopic(name),
      alive: name === this.#localNode,
    };
    this.#byName.set(name, member);
    this.#list.push(member);
    return true;
  }

  /**
   * Marks a member alive and makes it an HRW site (on `Cluster::node_up`). The local node is
   * left as it is: alive and not a site.
   *
   * @param name The node name.
   * @returns `false` if the node is not a member.
   */
  nodeUp(name: string): boolean {
    const member = this.#byName.get(name);
    if (!member) return false;
    if (name === this.#localNode) return true;
    member.alive = true;
    this.#sites.add(member.siteId, member);
    return true;
  }

  /**
   * Marks a member dead and removes its HRW site (on `Cluster::node_down`). The local node is
   * left as it is.
   *
   * @param name The node name.
   * @returns `false` if the node is not a member.
   */
  nodeDown(name: string): boolean {
    const member = this.#byName.get(name);
    if (!member) return false;
    if (name === this.#localNode) return true;
    member.alive = false;
    this.#sites.remove(member.siteId);
    return true;
  }

  /**
   * The member rendezvous hashing picks for a key: the HRW site with the highest
   * `hrwWeight(hrwKeyDigest(key), siteId)`, ties to the larger site id.
   *
   * @param key The key (string, count or addr; see `HrwKey`).
   * @returns The member, or `undefined` when no member other than the local node is up.
   * @throws {TypeError | RangeError} For a key `hrwKeyDigest` cannot hash.
   */
  hrwMember(key: HrwKey): PoolMember | undefined {
    if (this.#sites.size === 0) return undefined;
    const member = this.#sites.choose(hrwKeyDigest(key));
    return member && _snapshot(member);
  }

  /**
   * The topic of {@link Pool.hrwMember} (Zeek's `Cluster::hrw_topic`).
   *
   * @param key The key.
   * @returns `zeek.cluster.node.<name>.`, or `undefined` where Zeek returns `""`.
   */
  hrwTopic(key: HrwKey): string | undefined {
    return this.hrwMember(key)?.topic;
  }

  /**
   * The next alive member for a key, round robin (Zeek's `rr_topic`). Each key has its own
   * cursor into the member list, starting at 0: the walk goes from the cursor through the list
   * cyclically to the first alive member (the local node counts), and leaves the cursor just
   * past it. If nothing is alive the cursor stays where it was.
   *
   * @param key The round-robin key; `""` by default, as Zeek.
   * @returns The member, or `undefined` when the pool is empty or nothing is alive.
   */
  rrMember(key = ""): PoolMember | undefined {
    const list = this.#list;
    const start = this.#rrCursors.get(key) ?? 0;
    this.#rrCursors.set(key, start);
    if (start >= list.length) return undefined;
    let next = start;
    let chosen: _Member | undefined;
    do {
      const member = list[next]!;
      next = next + 1 === list.length ? 0 : next + 1;
      if (member.alive) {
        chosen = member;
        break;
      }
    } while (next !== start);
    this.#rrCursors.set(key, next);
    return chosen && _snapshot(chosen);
  }

  /**
   * The topic of {@link Pool.rrMember} (Zeek's `Cluster::rr_topic`).
   *
   * @param key The round-robin key; `""` by default.
   * @returns `zeek.cluster.node.<name>.`, or `undefined` where Zeek returns `""`.
   */
  rrTopic(key = ""): string | undefined {
    return this.rrMember(key)?.topic;
  }
}

function _snapshot(m: _Member): PoolMember {
  return { name: m.name, alias: m.alias, siteId: m.siteId, topic: m.topic, alive: m.alive };
}

/** Zeek 8.x `Cluster::node_topic(name)`. */
function _nodeTopic(name: string): string {
  return `zeek.cluster.node.${name}.`;
}

function _checkSpec(spec: PoolSpec): void {
  if (!POOL_NODE_TYPES.includes(spec.nodeType)) {
    throw new RangeError(
      `Cannot create pool "${spec.topic}": invalid node type ${String(spec.nodeType)}`,
    );
  }
  const max = spec.maxNodes;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0)) {
    throw new RangeError(
      `Cannot create pool "${spec.topic}": maxNodes must be a non-negative integer, got ${max}`,
    );
  }
  if (spec.exclusive && max === undefined) {
    throw new TypeError(`Cannot create pool "${spec.topic}": exclusive needs maxNodes`);
  }
}

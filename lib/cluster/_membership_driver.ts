/**
 * Membership driving of the event layer: feeds hellos, subscriptions and the expiry tick to the
 * membership state machine and carries out what it asks (publish a hello, pool up/down,
 * `node_up`/`node_down`, cluster.log lines, warnings).
 *
 * @module
 */
import type { Clock, TimerId, Timers } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import type { NodeType } from "../layout/types.ts";
import {
  Membership,
  type MembershipAction,
  type MembershipOptions,
  type MembershipStats,
  ZEROMQ_HELLO,
} from "../membership/membership.ts";
import type { ClusterPools } from "../pools/register_pools.ts";
import type { BrokerValue, ZeekEvent } from "../serialization/mod.ts";
import { NODE_DOWN, NODE_UP } from "./events.ts";

/** What {@link MembershipDriver} drives and carries out its actions with. */
export interface MembershipDriverDeps {
  /** The state machine's plain configuration (layout, names, topics, hello expiry). */
  readonly membership: MembershipOptions;
  /** Monotonic time. */
  readonly clock: Clock;
  /** The expiry tick's timer. */
  readonly timers: Timers;
  /** Diagnostics. */
  readonly logger: Logger;
  /** The pools a node up or down changes. */
  readonly pools: ClusterPools;
  /** Publishes a membership event (a hello). */
  readonly publish: (topic: string, name: string, ...args: BrokerValue[]) => boolean;
  /** Raises `node_up`/`node_down` locally. */
  readonly raise: (name: string, ...args: BrokerValue[]) => void;
  /** Zeek's `Cluster::log`. */
  readonly clusterLog?: ((message: string) => void) | undefined;
}

/** Hellos, subscriptions and expiry in; membership actions out. */
export class MembershipDriver {
  readonly #deps: MembershipDriverDeps;
  readonly #membership: Membership;
  readonly #seenTopics = new Set<string>();
  #expiryTimer: TimerId | undefined;
  #stopping = false;

  /** @param deps Membership options, clock, timers, logger, pools and the layer's calls. */
  constructor(deps: MembershipDriverDeps) {
    this.#deps = deps;
    this.#membership = new Membership(deps.membership);
  }

  /** Counters of the state machine. */
  get stats(): Readonly<MembershipStats> {
    return this.#membership.stats;
  }

  /** Starts the once-a-second expiry of hellos and departed ids. */
  start(): void {
    this.#expiryTimer = this.#deps.timers.setInterval(
      () => this.#apply(this.#membership.expire(this.#nowMs())),
      1000,
    );
  }

  /** Stops the expiry tick. */
  stop(): void {
    this.#deps.timers.clearInterval(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }

  /** From now on membership changes write nothing to cluster.log (see `Cluster.stopping`). */
  stopping(): void {
    this.#stopping = true;
  }

  /**
   * A received hello (`Cluster::hello` or the ZeroMQ backend's).
   *
   * @param event The decoded event.
   * @returns false when it is malformed (nothing changed).
   */
  hello(event: ZeekEvent): boolean {
    const [name, id] = event.args;
    if (typeof name !== "string" || typeof id !== "string" || event.args.length !== 2) {
      return false;
    }
    this.#apply(
      event.name === ZEROMQ_HELLO
        ? this.#membership.zeromqHello(name, id, this.#nowMs())
        : this.#membership.clusterHello(name, id, this.#nowMs()),
    );
    return true;
  }

  /** A peer's subscription, as the proxy reports it (repeats are ignored). @param topic Topic. */
  subscribed(topic: string): void {
    if (this.#seenTopics.has(topic)) return;
    this.#seenTopics.add(topic);
    this.#apply(this.#membership.subscribed(topic, this.#nowMs()));
  }

  /** A peer's unsubscription. @param topic Topic. */
  unsubscribed(topic: string): void {
    this.#seenTopics.delete(topic);
    this.#apply(this.#membership.unsubscribed(topic, this.#nowMs()));
  }

  /** Alive nodes of a type. @param type Node type. */
  activeCount(type: NodeType): number {
    return this.#membership.activeCount(type);
  }

  /** The name of a node id that is up. @param id Node id. */
  nameOf(id: string): string | undefined {
    return this.#membership.nameOf(id);
  }

  /** Names of the peers that are up. */
  upNodes(): string[] {
    return this.#membership.upNodes();
  }

  /** The id of a peer that is up. @param name Node name. */
  idOf(name: string): string | undefined {
    return this.#membership.idOf(name);
  }

  #nowMs(): number {
    return this.#deps.clock.monotonicMs();
  }

  #apply(actions: MembershipAction[]): void {
    const deps = this.#deps;
    for (const action of actions) {
      switch (action.type) {
        case "publish":
          deps.publish(action.topic, action.event, ...action.args);
          break;
        case "node_up":
        case "node_down": {
          if (action.type === "node_up") deps.pools.nodeUp(action.name);
          else deps.pools.nodeDown(action.name);
          const name = action.type === "node_up" ? NODE_UP : NODE_DOWN;
          deps.logger.info(`${action.type} ${action.name}`, { id: action.id });
          deps.raise(name, action.name, action.id);
          break;
        }
        case "cluster_log":
          if (!this.#stopping) deps.clusterLog?.(action.message);
          break;
        case "warning":
          deps.logger.warn(action.message);
          break;
        case "error":
          deps.logger.error(action.message);
          break;
      }
    }
  }
}

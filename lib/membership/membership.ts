/**
 * Membership as a pure state machine over subscription notifications and hellos, following Zeek's
 * ZeroMQ backend (`main.zeek`) and the base cluster framework: subscribing to a nodeid topic starts
 * the hello handshake, `Cluster::hello` raises `node_up`, unsubscribing raises `node_down`.
 *
 * No sockets and no clock: the caller feeds inputs with the current monotonic time and carries out
 * the returned actions.
 *
 * @module
 */
import type { ClusterLayout, NodeType } from "../layout/types.ts";
import { nodeidFromTopic, nodeidTopic, type TopicOptions } from "../topics/topics.ts";

/** Wire name of the backend hello. */
export const ZEROMQ_HELLO = "Cluster::Backend::ZeroMQ::hello";
/** Wire name of the cluster hello. */
export const CLUSTER_HELLO = "Cluster::hello";

/** What the caller must do after an input. */
export type MembershipAction =
  | {
    readonly type: "publish";
    readonly topic: string;
    readonly event: string;
    readonly args: [string, string];
  }
  | { readonly type: "node_up"; readonly name: string; readonly id: string }
  | { readonly type: "node_down"; readonly name: string; readonly id: string }
  | { readonly type: "cluster_log"; readonly message: string }
  | { readonly type: "warning"; readonly message: string }
  | { readonly type: "error"; readonly message: string };

/** Options of {@link Membership}. */
export interface MembershipOptions {
  readonly layout: ClusterLayout;
  /** Local node name. */
  readonly name: string;
  /** Local node id. */
  readonly id: string;
  readonly topics: TopicOptions;
  /** Zeek's `hello_expiration`, ms. */
  readonly helloExpirationMs: number;
  /**
   * The peer that runs the XPUB/XSUB proxy (the manager). Its departure is raised as `node_down`
   * but its `node down:` cluster.log line is held until it says hello again with a new id, which
   * is when a Zeek node writes it (see the README, "cluster.log at shutdown").
   */
  readonly proxyHost?: string;
}

/** Most node ids remembered as departed; beyond it the oldest is forgotten (and counted). */
export const MAX_DEPARTED = 10_000;

/** Counters of {@link Membership}. */
export interface MembershipStats {
  /** Hellos (either kind) from a node id whose unsubscription came first, held back. */
  hellosFromDeparted: number;
  /** Held hellos whose node id stayed gone for `helloExpirationMs`: dropped, no `node_up`. */
  departedExpired: number;
  /** Departed ids forgotten early because {@link MAX_DEPARTED} were remembered. */
  departedEvicted: number;
}

/** A hello held back because its node id had already unsubscribed. */
interface Departure {
  /** Monotonic time at which the id is forgotten, ms. */
  readonly expiresMs: number;
  /** Hellos that arrived after the unsubscription, replayed if the id subscribes again. */
  readonly held: { readonly event: string; readonly name: string }[];
}

/** The membership state machine. */
export class Membership {
  readonly #o: MembershipOptions;
  /** Peers whose nodeid subscription was seen, hello not yet: id → expiry (ms). */
  readonly #pendingSubscriptions = new Map<string, number>();
  /** Peers whose ZeroMQ::hello arrived, subscription not yet: id → expiry (ms). */
  readonly #pendingHellos = new Map<string, number>();
  /** Node name → current id (Zeek's `Cluster::nodes[name]$id`). */
  readonly #ids = new Map<string, string>();
  /** Ids that unsubscribed while no node had them (before their hello): id → departure. */
  readonly #departed = new Map<string, Departure>();
  /** Proxy hosts whose `node down:` line waits for their next hello: name → id that left. */
  readonly #unloggedDowns = new Map<string, string>();
  /** Counters; see {@link MembershipStats}. */
  readonly stats: MembershipStats = {
    hellosFromDeparted: 0,
    departedExpired: 0,
    departedEvicted: 0,
  };

  /** @param options Layout, own name and id, topics, hello expiration. */
  constructor(options: MembershipOptions) {
    this.#o = options;
  }

  /** The local node's id. */
  get id(): string {
    return this.#o.id;
  }

  /**
   * A subscription notification from the XPUB (first sighting of a topic).
   *
   * @param topic The subscribed topic.
   * @param nowMs Monotonic time.
   * @returns Actions to carry out.
   */
  subscribed(topic: string, nowMs: number): MembershipAction[] {
    const peer = nodeidFromTopic(topic, this.#o.topics);
    if (peer === undefined || peer === this.#o.id) return [];
    const actions: MembershipAction[] = [this.#hello(ZEROMQ_HELLO, topic)];
    if (this.#pendingHellos.delete(peer)) {
      actions.push(this.#hello(CLUSTER_HELLO, nodeidTopic(peer, this.#o.topics)));
    } else {
      this.#pendingSubscriptions.set(peer, nowMs + this.#o.helloExpirationMs);
    }
    // The XPUB reports one topic's subscribe and unsubscribe in order, so a subscription after the
    // unsubscription is a new one (the proxy replays them after a reconnect): the id is back, and
    // the hellos held meanwhile count.
    const departure = this.#departed.get(peer);
    if (departure !== undefined) {
      this.#departed.delete(peer);
      for (const { event, name } of departure.held) {
        actions.push(
          ...(event === ZEROMQ_HELLO
            ? this.zeromqHello(name, peer, nowMs)
            : this.clusterHello(name, peer, nowMs)),
        );
      }
    }
    return actions;
  }

  /**
   * An unsubscription notification from the XPUB. The XPUB and the XSUB are not ordered against
   * each other, so a node that leaves right after its hellos may be seen leaving before its hellos
   * are: an id that no node has is remembered as departed for `helloExpirationMs`, its pending
   * subscription is cancelled, and its hellos are held back (no `node_up` for a node already gone).
   *
   * @param topic The unsubscribed topic.
   * @param nowMs Monotonic time.
   * @returns Actions to carry out.
   */
  unsubscribed(topic: string, nowMs: number): MembershipAction[] {
    const peer = nodeidFromTopic(topic, this.#o.topics);
    if (peer === undefined || peer === this.#o.id) return [];
    this.#pendingSubscriptions.delete(peer);
    this.#pendingHellos.delete(peer);
    for (const [name, id] of this.#ids) {
      if (id === peer) return this.#nodeDown(name, id, name !== this.#o.proxyHost);
    }
    if (this.#departed.size >= MAX_DEPARTED && !this.#departed.has(peer)) {
      const oldest = this.#departed.keys().next().value!;
      this.#departed.delete(oldest);
      this.stats.departedEvicted++;
    }
    this.#departed.set(peer, { expiresMs: nowMs + this.#o.helloExpirationMs, held: [] });
    return [{ type: "warning", message: `unsubscription of unknown node with id ${peer}` }];
  }

  /** Holds a hello from a departed id; true when held. */
  #heldBack(event: string, name: string, id: string, nowMs: number): boolean {
    const departure = this.#departed.get(id);
    if (departure === undefined) return false;
    if (departure.expiresMs <= nowMs) {
      this.#departed.delete(id);
      this.stats.departedExpired += departure.held.length;
      return false;
    }
    this.stats.hellosFromDeparted++;
    if (departure.held.length < 4) departure.held.push({ event, name });
    return true;
  }

  /**
   * A received `Cluster::Backend::ZeroMQ::hello(name, id)`.
   *
   * @param name Sender's node name.
   * @param id Sender's node id.
   * @param nowMs Monotonic time.
   * @returns Actions to carry out.
   */
  zeromqHello(name: string, id: string, nowMs: number): MembershipAction[] {
    if (this.#heldBack(ZEROMQ_HELLO, name, id, nowMs)) {
      return [{ type: "warning", message: `ZeroMQ::hello from departed node ${name} (${id})` }];
    }
    const actions: MembershipAction[] = [];
    const known = this.#ids.get(name);
    if (known === id) {
      // The sender saw our nodeid subscription go and come back, so one of our two proxy
      // connections dropped and reconnected (heartbeats drop a hung node's two at different
      // moments), and it said node_down. We never saw it go and will not say hello again on our
      // own: a Cluster::hello brings it back (beyond Zeek, which ignores this hello; see the README,
      // "Membership: a node that lost one of its two connections").
      return [
        {
          type: "warning",
          message: `node ${name} (${id}) sends ZeroMQ::hello twice: answered with Cluster::hello`,
        },
        this.#hello(CLUSTER_HELLO, nodeidTopic(id, this.#o.topics)),
      ];
    }
    if (known !== undefined) {
      actions.push({
        type: "warning",
        message: `node ${name} (${known}) never said goodbye, now ${id}`,
      });
      actions.push(...this.#nodeDown(name, known, true));
    } else {
      actions.push(...this.#owedDownLine(name, id));
    }
    if (this.#pendingSubscriptions.delete(id)) {
      actions.push(this.#hello(CLUSTER_HELLO, nodeidTopic(id, this.#o.topics)));
    } else {
      this.#pendingHellos.set(id, nowMs + this.#o.helloExpirationMs);
    }
    return actions;
  }

  /**
   * A received `Cluster::hello(name, id)`.
   *
   * @param name Sender's node name.
   * @param id Sender's node id.
   * @param nowMs Monotonic time.
   * @returns Actions to carry out.
   */
  clusterHello(name: string, id: string, nowMs: number): MembershipAction[] {
    if (!(name in this.#o.layout)) {
      return [{ type: "error", message: `Got Cluster::hello msg from unexpected node: ${name}` }];
    }
    if (this.#heldBack(CLUSTER_HELLO, name, id, nowMs)) {
      return [{ type: "warning", message: `Cluster::hello from departed node ${name} (${id})` }];
    }
    // Its handshake is complete: a Cluster::hello answering a repeated ZeroMQ::hello comes without
    // a ZeroMQ::hello of its own.
    this.#pendingSubscriptions.delete(id);
    const actions: MembershipAction[] = [];
    const known = this.#ids.get(name);
    if (known !== undefined && known !== id) {
      actions.push({ type: "error", message: `duplicate node: ${name} (${known} and ${id})` });
    } else if (known === undefined) {
      actions.push(...this.#owedDownLine(name, id));
      actions.push({ type: "node_up", name, id });
    }
    this.#ids.set(name, id);
    actions.push({ type: "cluster_log", message: `got hello from ${name} (${id})` });
    return actions;
  }

  /**
   * Expires half-finished handshakes older than `helloExpirationMs`.
   *
   * @param nowMs Monotonic time.
   * @returns Warnings for what expired.
   */
  expire(nowMs: number): MembershipAction[] {
    const actions: MembershipAction[] = [];
    for (const [id, at] of this.#pendingSubscriptions) {
      if (at > nowMs) continue;
      this.#pendingSubscriptions.delete(id);
      actions.push({ type: "warning", message: `Expired subscription from nodeid ${id}` });
    }
    for (const [id, at] of this.#pendingHellos) {
      if (at > nowMs) continue;
      this.#pendingHellos.delete(id);
      actions.push({ type: "warning", message: `Expired hello from nodeid ${id}` });
    }
    for (const [id, departure] of this.#departed) {
      if (departure.expiresMs > nowMs) continue;
      this.#departed.delete(id);
      this.stats.departedExpired += departure.held.length;
    }
    return actions;
  }

  /** @returns The id of a node that is up, or undefined. @param name Node name. */
  idOf(name: string): string | undefined {
    return this.#ids.get(name);
  }

  /** Zeek's `Cluster::nodeid_to_node`: the name of the node with an id. @param id Node id. */
  nameOf(id: string): string | undefined {
    for (const [name, known] of this.#ids) if (known === id) return name;
    return undefined;
  }

  /** Names of the nodes that are up (peers only; never the local node). */
  upNodes(): string[] {
    return [...this.#ids.keys()];
  }

  /**
   * Zeek's `Cluster::get_active_node_count`: peers of a type that are up.
   *
   * @param type Node type.
   * @returns The count.
   */
  activeCount(type: NodeType): number {
    let n = 0;
    for (const name of this.#ids.keys()) if (this.#o.layout[name]?.nodeType === type) n++;
    return n;
  }

  /** Half-finished handshakes and remembered departures, for diagnostics. */
  pending(): { subscriptions: number; hellos: number; departed: number } {
    return {
      subscriptions: this.#pendingSubscriptions.size,
      hellos: this.#pendingHellos.size,
      departed: this.#departed.size,
    };
  }

  /**
   * The `node down:` line of a proxy host whose departure was not written, due when it says hello
   * again: a Zeek node never saw it leave and writes the line when a new instance (a new id) says
   * hello. The same id back (a lost and regained connection) is no news to it.
   */
  #owedDownLine(name: string, id: string): MembershipAction[] {
    const gone = this.#unloggedDowns.get(name);
    if (gone === undefined) return [];
    this.#unloggedDowns.delete(name);
    return gone === id ? [] : [{ type: "cluster_log", message: `node down: ${name}` }];
  }

  #nodeDown(name: string, id: string, logged: boolean): MembershipAction[] {
    this.#ids.delete(name);
    if (!logged) this.#unloggedDowns.set(name, id);
    const down: MembershipAction = { type: "node_down", name, id };
    return logged ? [down, { type: "cluster_log", message: `node down: ${name}` }] : [down];
  }

  #hello(event: string, topic: string): MembershipAction {
    return { type: "publish", topic, event, args: [this.#o.name, this.#o.id] };
  }
}

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
    return actions;
  }

  /**
   * An unsubscription notification from the XPUB.
   *
   * @param topic The unsubscribed topic.
   * @returns Actions to carry out.
   */
  unsubscribed(topic: string): MembershipAction[] {
    const peer = nodeidFromTopic(topic, this.#o.topics);
    if (peer === undefined || peer === this.#o.id) return [];
    for (const [name, id] of this.#ids) {
      if (id === peer) return this.#nodeDown(name, id);
    }
    return [{ type: "warning", message: `unsubscription of unknown node with id ${peer}` }];
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
    const actions: MembershipAction[] = [];
    const known = this.#ids.get(name);
    if (known === id) {
      return [{ type: "warning", message: `node ${name} (${id}) sends ZeroMQ::hello twice` }];
    }
    if (known !== undefined) {
      actions.push({
        type: "warning",
        message: `node ${name} (${known}) never said goodbye, now ${id}`,
      });
      actions.push(...this.#nodeDown(name, known));
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
   * @returns Actions to carry out.
   */
  clusterHello(name: string, id: string): MembershipAction[] {
    if (!(name in this.#o.layout)) {
      return [{ type: "error", message: `Got Cluster::hello msg from unexpected node: ${name}` }];
    }
    const actions: MembershipAction[] = [];
    const known = this.#ids.get(name);
    if (known !== undefined && known !== id) {
      actions.push({ type: "error", message: `duplicate node: ${name} (${known} and ${id})` });
    } else if (known === undefined) {
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

  /** Half-finished handshakes, for diagnostics. */
  pending(): { subscriptions: number; hellos: number } {
    return { subscriptions: this.#pendingSubscriptions.size, hellos: this.#pendingHellos.size };
  }

  #nodeDown(name: string, id: string): MembershipAction[] {
    this.#ids.delete(name);
    return [
      { type: "node_down", name, id },
      { type: "cluster_log", message: `node down: ${name}` },
    ];
  }

  #hello(event: string, topic: string): MembershipAction {
    return { type: "publish", topic, event, args: [this.#o.name, this.#o.id] };
  }
}

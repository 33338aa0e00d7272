/**
 * The event layer of a node, the twin of Zeek's `Cluster::` publish/subscribe API: events are
 * serialized, published through the transport with the node id as sender, received messages are
 * filtered (own echoes, wrong format), decoded and dispatched to handlers in order, and the hello
 * protocol keeps membership.
 *
 * @module
 */
import { type Clock, systemTimers, type TimerId, type Timers } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import type { NodeType } from "../layout/types.ts";
import {
  CLUSTER_HELLO,
  Membership,
  type MembershipAction,
  type MembershipStats,
  ZEROMQ_HELLO,
} from "../membership/membership.ts";
import type { ClusterOptions } from "../options/options.ts";
import { localNodeType } from "../options/options.ts";
import {
  type BrokerValue,
  checkEventArgs,
  type EventMetadataEntry,
  type EventSerializer,
  NETWORK_TIMESTAMP,
  time,
  Timestamp,
  validateParamTypes,
  valueToString,
  type ZeekEvent,
  type ZeekParamType,
} from "../serialization/mod.ts";
import { nodeidTopic, nodeTopic, poolTopic, typeTopic } from "../topics/topics.ts";
import type {
  SubscriptionEvent,
  Transport,
  TransportErrorCode,
  TransportHandlers,
  TransportMessage,
} from "../transport/transport.ts";
import { CounterMap, RateLimitedWarner } from "./_counters.ts";
import type { Pool } from "../pools/pool.ts";
import type { HrwKey } from "../pools/fnv1a32.ts";
import { type ClusterPools, registerPools } from "../pools/register_pools.ts";
import { Address, Count, type Port } from "../serialization/mod.ts";

/** Wire name of the local `Cluster::node_up(name, id)` event. */
export const NODE_UP = "Cluster::node_up";
/** Wire name of the local `Cluster::node_down(name, id)` event. */
export const NODE_DOWN = "Cluster::node_down";

/**
 * Wire name of the local `Cluster::websocket_client_added(endpoint, subscriptions)` event, raised
 * by a node's WebSocket API right after a client's ack.
 */
export const WEBSOCKET_CLIENT_ADDED = "Cluster::websocket_client_added";
/**
 * Wire name of the local `Cluster::websocket_client_lost(endpoint, code, reason)` event, raised
 * when an admitted WebSocket client is gone (not at shutdown).
 */
export const WEBSOCKET_CLIENT_LOST = "Cluster::websocket_client_lost";

/**
 * Zeek's `Cluster::EndpointInfo` as Broker data: `[id, [address, bound_port], application_name]`,
 * the name `null` without an `X-Application-Name` header.
 */
export type EndpointInfoValue = [
  id: string,
  network: [string, Port],
  applicationName: string | null,
];

/** Typed signatures of the events zcluster itself raises or handles. */
export interface KnownEvents {
  /** A peer joined: its name and node id. */
  "Cluster::node_up": [name: string, id: string];
  /** A peer left: its name and node id. */
  "Cluster::node_down": [name: string, id: string];
  /** A WebSocket client subscribed: its endpoint and topics. */
  "Cluster::websocket_client_added": [endpoint: EndpointInfoValue, subscriptions: string[]];
  /** A WebSocket client went away: its endpoint, the close code and reason. */
  "Cluster::websocket_client_lost": [endpoint: EndpointInfoValue, code: Count, reason: string];
  /** A node's hello, sent on a new peer's nodeid topic. */
  "Cluster::hello": [name: string, id: string];
  /** The ZeroMQ backend's hello (the same fields). */
  "Cluster::Backend::ZeroMQ::hello": [name: string, id: string];
}

/** Where an event came from. */
export interface EventInfo {
  /** The topic the event arrived on. */
  readonly topic: string;
  /** The sender's node id; the local id for locally raised events. */
  readonly sender: string;
  /** Metadata of the event, if any. */
  readonly event: ZeekEvent;
}

/** An event handler. */
export type EventHandler<A extends unknown[] = BrokerValue[]> = (
  ...args: A
) => void | Promise<void>;

/** A listener of every dispatched event (used by bridges such as the WebSocket API). */
export type AnyEventListener = (event: ZeekEvent, info: EventInfo) => void;

/** Plain counters of the event layer. */
export interface ClusterStats {
  /** Events published, by name. */
  readonly published: CounterMap;
  /** Events dispatched to handlers (received and raised locally), by name. */
  readonly handled: CounterMap;
  /** Events received from other nodes (after the own-echo and format filters, decoded). */
  received: number;
  /** Events that could not be published (serialization errors, transport drops). */
  publishFailures: number;
  /** Own echoes dropped by the sender-id filter. */
  ownDropped: number;
  /** Messages dropped because frame 2 was not our event serializer. */
  formatMismatches: number;
  /** Payloads that failed to decode. */
  serializationErrors: number;
  /** Handler exceptions. */
  handlerErrors: number;
  /** Received events whose arguments did not fit their declaration (dropped, as Zeek). */
  signatureMismatches: number;
}

/** Dependencies of {@link Cluster}. */
export interface ClusterDeps {
  /** Encodes and decodes events in the cluster's format. */
  readonly serializer: EventSerializer;
  /** Time, for timestamps and expiry. */
  readonly clock: Clock;
  /** The timer of membership expiry (default: the global timers). */
  readonly timers?: Timers;
  /** Diagnostics. */
  readonly logger: Logger;
  /** Zeek's `Cluster::log`: cluster.log messages (membership joins and leaves). */
  readonly clusterLog?: (message: string) => void;
  /** A node id; a fresh one is made by the caller. */
  readonly nodeId: string;
  /** Log every received event at debug level (for operators and multi-process tests). */
  readonly traceEvents?: boolean;
}

/**
 * The event layer of one node. Attach a transport with {@link Cluster.attach}.
 *
 * @example
 * ```ts
 * import { count, nodeTopic, type RunningNode } from "../../mod.ts";
 * declare const node: RunningNode;
 * const cluster = node.cluster;
 * cluster.subscribe("site.alerts.");
 * cluster.on("Site::alert", ["string", "count"], (what, n) => console.log(what, n));
 * cluster.on("Cluster::node_up", (name) => {
 *   cluster.publish(nodeTopic(name), "Site::alert", "hello", count(1));
 * });
 * cluster.publishHrw(cluster.pools.proxy, "10.0.0.1", "Site::seen", "10.0.0.1");
 * ```
 */
export class Cluster {
  /** The node's options. */
  readonly options: ClusterOptions;
  /** This node's id (Zeek's `Cluster::node_id()`). */
  readonly nodeId: string;
  /** Counters of published and handled events. */
  readonly stats: ClusterStats;
  readonly #deps: ClusterDeps;
  readonly #membership: Membership;
  readonly #handlers = new Map<string, EventHandler<unknown[]>[]>();
  readonly #signatures = new Map<string, readonly ZeekParamType[]>();
  /** The event whose handlers run now (Zeek's current event), for metadata and timestamps. */
  #current: ZeekEvent | undefined;
  readonly #anyListeners = new Set<AnyEventListener>();
  readonly #publishListeners = new Set<AnyEventListener>();
  readonly #seenTopics = new Set<string>();
  readonly #subscriptions = new Map<string, number>();
  readonly #readyWaiters = new Map<string, () => void>();
  #readySeq = 0;
  readonly #warn: RateLimitedWarner;
  #transport: Transport | undefined;
  /** Zeek's `Cluster::proxy_pool`, `worker_pool`, `logger_pool`. */
  readonly pools: ClusterPools;
  #expiryTimer: TimerId | undefined;

  /**
   * Creates a `Cluster`.
   *
   * @param options Node options.
   * @param deps Serializer, clock, logger, node id.
   */
  constructor(options: ClusterOptions, deps: ClusterDeps) {
    this.options = options;
    this.nodeId = deps.nodeId;
    this.#deps = deps;
    this.#warn = new RateLimitedWarner(deps.logger, deps.clock, 60_000);
    this.stats = {
      published: new CounterMap(),
      handled: new CounterMap(),
      received: 0,
      publishFailures: 0,
      ownDropped: 0,
      formatMismatches: 0,
      serializationErrors: 0,
      handlerErrors: 0,
      signatureMismatches: 0,
    };
    this.pools = registerPools(options.layout, options.node, {
      managerIsLogger: options.managerIsLogger,
    });
    const proxyHost = Object.entries(options.layout).find(([, n]) => n.nodeType === "MANAGER")
      ?.[0];
    this.#membership = new Membership({
      layout: options.layout,
      name: options.node,
      id: deps.nodeId,
      topics: options,
      helloExpirationMs: options.zeromq.helloExpirationMs,
      ...(proxyHost !== undefined && proxyHost !== options.node ? { proxyHost } : {}),
    });
  }

  /** Counters of the membership state machine (hellos held back from departed node ids...). */
  get membershipStats(): Readonly<MembershipStats> {
    return this.#membership.stats;
  }

  #stopping = false;

  /**
   * Marks the node as terminating: from now on membership changes still update the pools and
   * raise `node_up`/`node_down`, but write nothing to cluster.log. A Zeek node terminates its log
   * writers before its cluster backend and never runs the events its backend queues after its
   * main loop ended, so it writes no `node down` for what it learns while it stops.
   */
  stopping(): void {
    this.#stopping = true;
  }

  /**
   * The event layer's sinks for the transport: events, subscription changes (membership) and
   * transport errors. Log batches go to the logging layer, not here. Start the transport with
   * them after {@link Cluster.attach}.
   */
  readonly handlers: Omit<TransportHandlers, "onLog"> = {
    onMessage: (msg) => this.#onMessage(msg),
    onSubscription: (ev) => this.#onSubscription(ev),
    onError: (code, message) => this.#onTransportError(code, message),
  };

  /**
   * Connects the layer to its transport and makes the subscriptions every Zeek node makes: its
   * pools, its type topic, its nodeid topic and its node topic (in that order).
   *
   * @param transport The node's transport (started with {@link Cluster.handlers} afterwards).
   */
  attach(transport: Transport): void {
    const early = [...this.#subscriptions.keys()];
    this.#transport = transport;
    for (const topic of this.defaultSubscriptions()) this.subscribe(topic);
    for (const topic of early) transport.subscribe(topic);
    this.#expiryTimer = (this.#deps.timers ?? systemTimers).setInterval(
      () => this.#apply(this.#membership.expire(this.#nowMs())),
      1000,
    );
  }

  /** Stops timers; the transport is disposed by its owner. */
  detach(): void {
    (this.#deps.timers ?? systemTimers).clearInterval(this.#expiryTimer);
    this.#expiryTimer = undefined;
    this.#transport = undefined;
  }

  /** The topics a node subscribes to at start, in Zeek's order. */
  defaultSubscriptions(): string[] {
    const type = localNodeType(this.options);
    const topics: string[] = [];
    const pool = poolTopic(type);
    if (pool) topics.push(pool);
    if (type === "MANAGER" && this.options.managerIsLogger) topics.unshift(poolTopic("LOGGER")!);
    const typed = typeTopic(type, this.options);
    if (typed) topics.push(typed);
    topics.push(nodeidTopic(this.nodeId, this.options), nodeTopic(this.options.node, this.options));
    return topics;
  }

  /**
   * Zeek's `Cluster::publish`: publishes an event to a topic.
   *
   * @param topic The topic.
   * @param name The fully qualified event name.
   * @param args The event arguments (use `count()`, `int()`, `addr()`... for non-JS types).
   * @returns `false` when the event could not be sent (counted; see the logger).
   */
  publish(topic: string, name: string, ...args: BrokerValue[]): boolean {
    return this.publishEvent(topic, this.#withTimestamp({ name, args }));
  }

  /**
   * With `addNetworkTimestamp`, the event gets a network timestamp as Zeek's `MakeEvent` gives
   * one: the timestamp of the event being handled (`CurrentEventTime()`; a remote event's is its
   * sender's), or the current time when none is.
   */
  #withTimestamp(event: ZeekEvent): ZeekEvent {
    if (!this.options.addNetworkTimestamp) return event;
    const value = this.currentEventTime() ?? time(this.#deps.clock.now());
    return { ...event, metadata: [{ id: NETWORK_TIMESTAMP, value }] };
  }

  /**
   * The event whose handlers are running (Zeek's current event), with its metadata; `undefined`
   * outside a handler. An async handler sees it only before its first `await`.
   *
   * @returns The event being handled.
   *
   * @example
   * ```ts ignore
   * cluster.on("Site::ping", ["string"], () => {
   *   const meta = cluster.currentEvent()?.metadata ?? [];
   * });
   * ```
   */
  currentEvent(): ZeekEvent | undefined {
    return this.#current;
  }

  /**
   * Zeek's `EventMetadata::current(id)`: the values of one metadata id on the event being handled.
   *
   * @param id A metadata id (`NETWORK_TIMESTAMP` is 1).
   * @returns The values, empty outside a handler or when the event has none.
   */
  currentEventMetadata(id: bigint): BrokerValue[] {
    return (this.#current?.metadata ?? [])
      .filter((m: EventMetadataEntry) => m.id === id)
      .map((m) => m.value);
  }

  /**
   * Zeek's `current_event_time()`: the network timestamp of the event being handled.
   *
   * @returns The timestamp, or `undefined` outside a handler or when the event carries none.
   */
  currentEventTime(): Timestamp | undefined {
    const value = this.currentEventMetadata(NETWORK_TIMESTAMP)[0];
    return value instanceof Timestamp ? value : undefined;
  }

  /**
   * Declares an event and its parameter types (Zeek's `global x: event(...)`). Declared events
   * are checked where Zeek checks them: events published by WebSocket clients are refused with
   * `failed to create Zeek event` when their arguments do not fit, and events received from
   * other nodes are dropped (counted in `stats.signatureMismatches`) before their handlers run.
   * Declaring the same event again with the same types is a no-op.
   *
   * @param name The fully qualified event name.
   * @param params Zeek type names of the parameters, in order.
   * @throws {TypeError} When a type name is unknown or the event was declared with other types.
   *
   * @example
   * ```ts ignore
   * cluster.declare("Site::ping", ["string", "count"]);
   * ```
   */
  declare(name: string, params: readonly ZeekParamType[]): void {
    const checked = validateParamTypes(name, params);
    const known = this.#signatures.get(name);
    if (known !== undefined) {
      if (known.length === checked.length && known.every((t, i) => t === checked[i])) return;
      throw new TypeError(
        `Cannot declare event ${name}(${checked.join(", ")}): already declared as ${name}(${
          known.join(", ")
        })`,
      );
    }
    this.#signatures.set(name, [...checked]);
  }

  /**
   * The declared parameter types of an event.
   *
   * @param name The event name.
   * @returns The types, or `undefined` when the event is not declared.
   */
  signatureOf(name: string): readonly ZeekParamType[] | undefined {
    return this.#signatures.get(name);
  }

  /**
   * Publishes an already built event (with its metadata).
   *
   * @param topic The topic.
   * @param event The event.
   * @param sender Sender id on the wire; the node id by default.
   * @returns `false` when the event could not be sent.
   */
  publishEvent(topic: string, event: ZeekEvent, sender = this.nodeId): boolean {
    const transport = this.#transport;
    if (!transport) {
      this.stats.publishFailures++;
      return false;
    }
    let payload: Uint8Array;
    try {
      payload = this.#deps.serializer.encode(event);
    } catch (error) {
      this.stats.publishFailures++;
      this.#deps.logger.error(
        `Cannot publish ${event.name} to ${topic}: ${(error as Error).message}`,
      );
      return false;
    }
    const ok = transport.publish({ topic, sender, format: this.#deps.serializer.format, payload });
    if (!ok) {
      this.stats.publishFailures++;
      return false;
    }
    this.stats.published.inc(event.name);
    // Events sent on behalf of others (WebSocket clients) come back through the transport.
    if (sender !== this.nodeId) return true;
    for (const listener of this.#publishListeners) {
      try {
        listener(event, { topic, sender, event });
      } catch (error) {
        this.#handlerFailed(event.name, error);
      }
    }
    return true;
  }

  /**
   * Zeek's `Cluster::subscribe`. Subscriptions are counted: a prefix subscribed twice (say by the
   * node and by a WebSocket client) stays until it is unsubscribed twice.
   *
   * @param prefix Topic prefix.
   */
  subscribe(prefix: string): void {
    const n = this.#subscriptions.get(prefix) ?? 0;
    this.#subscriptions.set(prefix, n + 1);
    if (n === 0) this.#transport?.subscribe(prefix);
  }

  /**
   * Zeek's `Cluster::unsubscribe`.
   *
   * @param prefix Topic prefix.
   * @returns `false` when the prefix was not subscribed.
   */
  unsubscribe(prefix: string): boolean {
    const n = this.#subscriptions.get(prefix);
    if (n === undefined) return false;
    if (n > 1) {
      this.#subscriptions.set(prefix, n - 1);
      return true;
    }
    this.#subscriptions.delete(prefix);
    this.#transport?.unsubscribe(prefix);
    return true;
  }

  /**
   * Resolves once every subscription made before the call is active at the proxy, the way Zeek's
   * ZeroMQ backend learns it is "ready to publish": it subscribes to an internal topic of its own
   * and waits for its XPUB to echo it back, then unsubscribes.
   *
   * @param signal Aborts the wait.
   * @returns When ready.
   */
  whenReady(signal?: AbortSignal): Promise<void> {
    const topic = `${this.options.zeromq.internalTopicPrefix}${this.nodeId}.${++this
      .#readySeq}.`;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#readyWaiters.delete(topic);
        this.unsubscribe(topic);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#readyWaiters.set(topic, () => {
        signal?.removeEventListener("abort", onAbort);
        this.unsubscribe(topic);
        resolve();
      });
      this.subscribe(topic);
    });
  }

  /**
   * Registers an event handler. Handlers of one event run in registration order.
   *
   * @param name Event name, e.g. `Cluster::node_up`.
   * @param handler Receives the event's arguments.
   * @returns A function that removes the handler.
   */
  on<K extends keyof KnownEvents>(name: K, handler: EventHandler<KnownEvents[K]>): () => void;
  /** Registers a handler of any event (see the typed overload above). */
  on(name: string, handler: EventHandler): () => void;
  /**
   * Registers a handler and declares the event with these parameter types (see
   * {@link Cluster.declare}).
   */
  on(name: string, params: readonly ZeekParamType[], handler: EventHandler): () => void;
  on(
    name: string,
    paramsOrHandler: readonly ZeekParamType[] | EventHandler<never[]>,
    typedHandler?: EventHandler<never[]>,
  ): () => void {
    let handler: EventHandler<never[]>;
    if (typeof paramsOrHandler === "function") {
      handler = paramsOrHandler;
    } else {
      if (typeof typedHandler !== "function") {
        throw new TypeError(`Cannot register a handler of ${name}: the handler is not a function`);
      }
      this.declare(name, paramsOrHandler);
      handler = typedHandler;
    }
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as EventHandler<unknown[]>);
    this.#handlers.set(name, list);
    return () => {
      const i = list.indexOf(handler as EventHandler<unknown[]>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * Listens to every dispatched event, local or remote.
   *
   * @param listener Receives the event and where it came from.
   * @returns A function that removes the listener.
   */
  onAny(listener: AnyEventListener): () => void {
    this.#anyListeners.add(listener);
    return () => this.#anyListeners.delete(listener);
  }

  /**
   * Listens to the events this node publishes as itself (they never come back through the
   * transport: the node filters its own echoes; events published on behalf of others, such as
   * WebSocket clients, do come back and are not reported here). Bridges such as the WebSocket
   * API use it.
   *
   * @param listener Receives each published event with its topic and sender.
   * @returns A function that removes the listener.
   */
  onPublish(listener: AnyEventListener): () => void {
    this.#publishListeners.add(listener);
    return () => this.#publishListeners.delete(listener);
  }

  /**
   * Zeek's `Cluster::publish_hrw`: publishes to the pool member chosen by highest random weight
   * for `key`; only alive members count, and never the local node. Keys are strings, counts
   * (`bigint`, `number` or `Count`) and addresses (`Address`), hashed as Zeek hashes them.
   *
   * @param pool A pool (`cluster.pools.proxy`...) or its node type name.
   * @param key The partitioning key.
   * @param name Event name.
   * @param args Event arguments.
   * @returns `false` when the pool has no alive member or the event could not be sent.
   */
  publishHrw(
    pool: Pool | "proxy" | "worker" | "logger",
    key: HrwKey | Count | Address,
    name: string,
    ...args: BrokerValue[]
  ): boolean {
    const topic = this.#pool(pool).hrwTopic(hrwKeyOf(key));
    return topic === undefined ? false : this.publish(topic, name, ...args);
  }

  /**
   * Zeek's `Cluster::publish_rr`: publishes to the next alive pool member for `key` (each key has
   * its own round-robin cursor). May pick the local node, whose own echo is then dropped, as in
   * Zeek.
   *
   * @param pool A pool or its node type name.
   * @param key The round-robin key.
   * @param name Event name.
   * @param args Event arguments.
   * @returns `false` when the pool has no alive member or the event could not be sent.
   */
  publishRr(
    pool: Pool | "proxy" | "worker" | "logger",
    key: string,
    name: string,
    ...args: BrokerValue[]
  ): boolean {
    const topic = this.#pool(pool).rrTopic(key);
    return topic === undefined ? false : this.publish(topic, name, ...args);
  }

  #pool(pool: Pool | "proxy" | "worker" | "logger"): Pool {
    return typeof pool === "string" ? this.pools[pool] : pool;
  }

  /** Zeek's `Cluster::get_active_node_count`. @param type Node type. */
  getActiveNodeCount(type: NodeType): number {
    return this.#membership.activeCount(type);
  }

  /** Zeek's `Cluster::nodeid_to_node`. @param id Node id. */
  nodeidToNode(id: string): string | undefined {
    return this.#membership.nameOf(id);
  }

  /** Names of the peers that are up. */
  upNodes(): string[] {
    return this.#membership.upNodes();
  }

  /** @param name Node name. @returns The id of a peer that is up. */
  /** Zeek's `Cluster::nodeid_topic` lookup by name. @param name Node name. @returns The id of a peer that is up. */
  idOf(name: string): string | undefined {
    return this.#membership.idOf(name);
  }

  /**
   * Raises an event locally, as Zeek's `event` statement: handlers run, nothing is sent.
   *
   * @param name Event name.
   * @param args Arguments.
   */
  raise(name: string, ...args: BrokerValue[]): void {
    const event = this.#withTimestamp({ name, args });
    this.#dispatch(event, { topic: "", sender: this.nodeId, event });
  }

  #nowMs(): number {
    return this.#deps.clock.monotonicMs();
  }

  #onMessage(msg: TransportMessage): void {
    if (msg.sender === this.nodeId) {
      this.stats.ownDropped++;
      return;
    }
    if (msg.format !== this.#deps.serializer.format) {
      this.stats.formatMismatches++;
      this.#warn.warn(
        `format:${msg.sender}`,
        `Dropped event from ${msg.sender}: wrong format "${msg.format}", expected "${this.#deps.serializer.format}"`,
      );
      return;
    }
    let event: ZeekEvent;
    try {
      event = this.#deps.serializer.decode(msg.payload);
    } catch (error) {
      this.stats.serializationErrors++;
      this.#warn.warn(
        `decode:${msg.sender}`,
        `Cannot decode event from ${msg.sender} on ${msg.topic}: ${(error as Error).message}`,
      );
      return;
    }
    this.stats.received++;
    if (this.#deps.traceEvents) {
      this.#deps.logger.debug(`event ${event.name} from ${msg.sender} on ${msg.topic}`, {
        args: event.args.map((a) => valueToString(a)).join(", "),
      });
    }
    if (event.name === ZEROMQ_HELLO || event.name === CLUSTER_HELLO) this.#onHello(event);
    const params = this.#signatures.get(event.name);
    const problem = params && checkEventArgs(event, params);
    if (problem !== undefined) {
      this.stats.signatureMismatches++;
      this.#warn.warn(`signature:${event.name}`, `Dropped event from ${msg.sender}: ${problem}`);
      return;
    }
    this.#dispatch(event, { topic: msg.topic, sender: msg.sender, event });
  }

  #onHello(event: ZeekEvent): void {
    const [name, id] = event.args;
    if (typeof name !== "string" || typeof id !== "string" || event.args.length !== 2) {
      this.stats.serializationErrors++;
      this.#warn.warn("hello", `Dropped malformed ${event.name}: expected (string, string)`);
      return;
    }
    this.#apply(
      event.name === ZEROMQ_HELLO
        ? this.#membership.zeromqHello(name, id, this.#nowMs())
        : this.#membership.clusterHello(name, id, this.#nowMs()),
    );
  }

  #onSubscription(ev: SubscriptionEvent): void {
    if (ev.type === "subscribed") {
      const waiter = this.#readyWaiters.get(ev.topic);
      if (waiter) {
        this.#readyWaiters.delete(ev.topic);
        waiter();
      }
      if (ev.topic.startsWith(this.options.zeromq.internalTopicPrefix)) return;
      if (this.#seenTopics.has(ev.topic)) return;
      this.#seenTopics.add(ev.topic);
      this.#apply(this.#membership.subscribed(ev.topic, this.#nowMs()));
    } else {
      if (ev.topic.startsWith(this.options.zeromq.internalTopicPrefix)) return;
      this.#seenTopics.delete(ev.topic);
      this.#apply(this.#membership.unsubscribed(ev.topic, this.#nowMs()));
    }
  }

  #onTransportError(code: TransportErrorCode, message: string): void {
    this.#warn.warn(`transport:${code}`, `Transport ${code}: ${message}`);
  }

  #apply(actions: MembershipAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case "publish":
          this.publish(action.topic, action.event, ...action.args);
          break;
        case "node_up":
        case "node_down": {
          if (action.type === "node_up") this.pools.nodeUp(action.name);
          else this.pools.nodeDown(action.name);
          const name = action.type === "node_up" ? NODE_UP : NODE_DOWN;
          this.#deps.logger.info(`${action.type} ${action.name}`, { id: action.id });
          this.raise(name, action.name, action.id);
          break;
        }
        case "cluster_log":
          if (!this.#stopping) this.#deps.clusterLog?.(action.message);
          break;
        case "warning":
          this.#deps.logger.warn(action.message);
          break;
        case "error":
          this.#deps.logger.error(action.message);
          break;
      }
    }
  }

  #dispatch(event: ZeekEvent, info: EventInfo): void {
    this.stats.handled.inc(event.name);
    for (const listener of this.#anyListeners) {
      try {
        listener(event, info);
      } catch (error) {
        this.#handlerFailed(event.name, error);
      }
    }
    const list = this.#handlers.get(event.name);
    if (!list) return;
    const outer = this.#current;
    this.#current = event;
    try {
      for (const handler of [...list]) {
        try {
          const result = handler(...event.args);
          if (result instanceof Promise) {
            result.catch((error) => this.#handlerFailed(event.name, error));
          }
        } catch (error) {
          this.#handlerFailed(event.name, error);
        }
      }
    } finally {
      this.#current = outer;
    }
  }

  #handlerFailed(name: string, error: unknown): void {
    this.stats.handlerErrors++;
    this.#deps.logger.error(
      `Handler of ${name} failed: ${error instanceof Error ? error.message : error}`,
    );
  }
}

function hrwKeyOf(key: HrwKey | Count | Address): HrwKey {
  if (key instanceof Count) return key.value;
  if (key instanceof Address) return { addr: key.toString() };
  return key;
}

/**
 * The event layer of a node, the twin of Zeek's `Cluster::` publish/subscribe API: events are
 * serialized, published through the transport with the node id as sender, received messages are
 * filtered (own echoes, wrong format), decoded and dispatched to handlers in order, and the hello
 * protocol keeps membership. This file is the API and the receive path; its parts are dispatch
 * (`_dispatch.ts`), membership driving (`_membership_driver.ts`), readiness (`_readiness.ts`) and
 * the names, types and counters they share (`events.ts`).
 *
 * @module
 */
import { type Clock, systemTimers, type Timers } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { TransportClosedError } from "../errors.ts";
import type { NodeType } from "../layout/types.ts";
import { CLUSTER_HELLO, type MembershipStats, ZEROMQ_HELLO } from "../membership/membership.ts";
import type { ClusterOptions } from "../options/options.ts";
import { localNodeType } from "../options/options.ts";
import {
  type BrokerValue,
  type EventSerializer,
  NETWORK_TIMESTAMP,
  time,
  type Timestamp,
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
import { RateLimitedWarner } from "./_counters.ts";
import { EventDispatcher } from "./_dispatch.ts";
import { MembershipDriver } from "./_membership_driver.ts";
import { Readiness } from "./_readiness.ts";
import {
  type AnyEventListener,
  type ClusterStats,
  type EventHandler,
  type KnownEvents,
  newClusterStats,
} from "./events.ts";
import type { Pool } from "../pools/pool.ts";
import type { HrwKey } from "../pools/fnv1a32.ts";
import { type ClusterPools, registerPools } from "../pools/register_pools.ts";
import { Address, Count } from "../serialization/mod.ts";

export { NODE_DOWN, NODE_UP, WEBSOCKET_CLIENT_ADDED, WEBSOCKET_CLIENT_LOST } from "./events.ts";
export type {
  AnyEventListener,
  ClusterStats,
  EndpointInfoValue,
  EventHandler,
  EventInfo,
  KnownEvents,
} from "./events.ts";

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
  readonly #membership: MembershipDriver;
  readonly #events: EventDispatcher;
  readonly #readiness: Readiness;
  readonly #subscriptions = new Map<string, number>();
  readonly #warn: RateLimitedWarner;
  #transport: Transport | undefined;
  /** Zeek's `Cluster::proxy_pool`, `worker_pool`, `logger_pool`. */
  readonly pools: ClusterPools;

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
    this.stats = newClusterStats();
    this.#events = new EventDispatcher(this.stats, deps.logger);
    this.pools = registerPools(options.layout, options.node, {
      managerIsLogger: options.managerIsLogger,
    });
    // The only two backend settings the layer uses, read once; its parts take them as plain values.
    const { helloExpirationMs, internalTopicPrefix } = options.zeromq;
    this.#readiness = new Readiness({
      internalTopicPrefix,
      nodeId: deps.nodeId,
      subscribe: (topic) => this.subscribe(topic),
      unsubscribe: (topic) => this.unsubscribe(topic),
    });
    const proxyHost = Object.entries(options.layout).find(([, n]) => n.nodeType === "MANAGER")
      ?.[0];
    this.#membership = new MembershipDriver({
      membership: {
        layout: options.layout,
        name: options.node,
        id: deps.nodeId,
        topics: options,
        helloExpirationMs,
        ...(proxyHost !== undefined && proxyHost !== options.node ? { proxyHost } : {}),
      },
      clock: deps.clock,
      timers: deps.timers ?? systemTimers,
      logger: deps.logger,
      pools: this.pools,
      publish: (topic, name, ...args) => this.publish(topic, name, ...args),
      raise: (name, ...args) => this.raise(name, ...args),
      clusterLog: deps.clusterLog,
    });
  }

  /** Counters of the membership state machine (hellos held back from departed node ids...). */
  get membershipStats(): Readonly<MembershipStats> {
    return this.#membership.stats;
  }

  /**
   * Marks the node as terminating: from now on membership changes still update the pools and
   * raise `node_up`/`node_down`, but write nothing to cluster.log. A Zeek node terminates its log
   * writers before its cluster backend and never runs the events its backend queues after its
   * main loop ended, so it writes no `node down` for what it learns while it stops.
   */
  stopping(): void {
    this.#membership.stopping();
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
    this.#membership.start();
  }

  /** Stops timers; the transport is disposed by its owner. */
  detach(): void {
    this.#membership.stop();
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
    return this.#events.current;
  }

  /**
   * Zeek's `EventMetadata::current(id)`: the values of one metadata id on the event being handled.
   *
   * @param id A metadata id (`NETWORK_TIMESTAMP` is 1).
   * @returns The values, empty outside a handler or when the event has none.
   */
  currentEventMetadata(id: bigint): BrokerValue[] {
    return this.#events.currentMetadata(id);
  }

  /**
   * Zeek's `current_event_time()`: the network timestamp of the event being handled.
   *
   * @returns The timestamp, or `undefined` outside a handler or when the event carries none.
   */
  currentEventTime(): Timestamp | undefined {
    return this.#events.currentTime();
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
    this.#events.declare(name, params);
  }

  /**
   * The declared parameter types of an event.
   *
   * @param name The event name.
   * @returns The types, or `undefined` when the event is not declared.
   */
  signatureOf(name: string): readonly ZeekParamType[] | undefined {
    return this.#events.signatureOf(name);
  }

  /**
   * Backpressure for fast publishers: resolves when a publish may go (the transport's
   * {@linkcode Transport.whenWritable}). Await it after {@link Cluster.publish} returned `false`
   * instead of sleeping or spinning; no timer, no polling.
   *
   * @param signal Stops waiting (rejects with its reason).
   * @throws {TransportClosedError} when no transport is attached or it is closing.
   *
   * @example
   * ```ts ignore
   * while (!cluster.publish(topic, "Site::seen", host)) await cluster.whenWritable(signal);
   * ```
   */
  whenWritable(signal?: AbortSignal): Promise<void> {
    const transport = this.#transport;
    if (!transport) {
      return Promise.reject(new TransportClosedError("Cannot wait to publish: no transport"));
    }
    return transport.whenWritable(signal);
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
    const serializer = this.#deps.serializer;
    try {
      // Transient bytes: the transport copies what it keeps past publish().
      payload = serializer.encodeTransient?.(event) ?? serializer.encode(event);
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
    this.#events.published(event, { topic, sender, event });
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
    return this.#readiness.whenReady(signal);
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
    return this.#events.on(name, handler);
  }

  /**
   * Listens to every dispatched event, local or remote.
   *
   * @param listener Receives the event and where it came from.
   * @returns A function that removes the listener.
   */
  onAny(listener: AnyEventListener): () => void {
    return this.#events.onAny(listener);
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
    return this.#events.onPublish(listener);
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
    this.#events.dispatch(event, "", this.nodeId);
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
    const problem = this.#events.mismatch(event);
    if (problem !== undefined) {
      this.stats.signatureMismatches++;
      this.#warn.warn(`signature:${event.name}`, `Dropped event from ${msg.sender}: ${problem}`);
      return;
    }
    this.#events.dispatch(event, msg.topic, msg.sender);
  }

  #onHello(event: ZeekEvent): void {
    if (!this.#membership.hello(event)) {
      this.stats.serializationErrors++;
      this.#warn.warn("hello", `Dropped malformed ${event.name}: expected (string, string)`);
    }
  }

  #onSubscription(ev: SubscriptionEvent): void {
    if (ev.type === "subscribed") {
      this.#readiness.subscribed(ev.topic);
      if (this.#readiness.isInternal(ev.topic)) return;
      this.#membership.subscribed(ev.topic);
    } else {
      if (this.#readiness.isInternal(ev.topic)) return;
      this.#membership.unsubscribed(ev.topic);
    }
  }

  #onTransportError(code: TransportErrorCode, message: string): void {
    this.#warn.warn(`transport:${code}`, `Transport ${code}: ${message}`);
  }
}

function hrwKeyOf(key: HrwKey | Count | Address): HrwKey {
  if (key instanceof Count) return key.value;
  if (key instanceof Address) return { addr: key.toString() };
  return key;
}

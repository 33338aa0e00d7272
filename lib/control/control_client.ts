/**
 * The controller: a client that joins the cluster's ZeroMQ proxy and sends Zeek's control requests
 * to nodes, the way zeekctl does for a ZeroMQ cluster (requests on each node's topic
 * `zeek.cluster.node.<name>.`, replies on `zeek/control/<command>_response/<node>`).
 *
 * How it joins: the client takes its name from the layout's CONTROL node (or the one named with
 * `--node`); a layout without one is fine and the client calls itself `control`. Either way it
 * never says hello: it does not subscribe to a nodeid topic, so no node starts the hello handshake
 * with it, no `node_up` is raised and no "Got Cluster::hello msg from unexpected node" error is
 * logged. That is exactly how Zeek nodes treat zeekctl's WebSocket client: they handle any event
 * that arrives on their node topic, whoever sent it. The client learns which nodes are up from the
 * node-topic subscriptions the proxy forwards to its XPUB (each running node holds
 * `zeek.cluster.node.<name>.`), and a node's id from the sender frame of its replies.
 *
 * Replies carry no request id (as in Zeek), so two controllers working at once can take each
 * other's answers.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { silentLogger } from "../diagnostics/logger.ts";
import { ControlTimeoutError, OptionsError, TransportClosedError } from "../errors.ts";
import type { ClusterLayout } from "../layout/types.ts";
import { makeNodeId } from "../membership/node_id.ts";
import type { TransportFactory } from "../transport/factory.ts";
import { zeromqTransportFactory } from "../transport/zeromq/from_options.ts";
import type { ClusterOptions, ResolveOptionsInput } from "../options/options.ts";
import { resolveOptions } from "../options/options.ts";
import {
  type BrokerValue,
  createEventSerializer,
  type EventSerializer,
} from "../serialization/mod.ts";
import { nodeTopic } from "../topics/topics.ts";
import type {
  SubscriptionEvent,
  Transport,
  TransportHandlers,
  TransportMessage,
} from "../transport/transport.ts";
import { waitWithDeadline } from "../async.ts";
import {
  CONTROL_TOPIC,
  type ControlCommand,
  CONTROLLED_TYPES,
  DEFAULT_CONTROL_TIMEOUT_MS,
  parseResponseTopic,
  REQUEST_EVENTS,
  RESPONSE_EVENTS,
} from "./commands.ts";
import { runStatus, runStop, type StatusOptions, type StopResult } from "./_operations.ts";
import type { NodeStatus } from "./format.ts";

/** The client's name when the layout has no CONTROL node. */
export const SYNTHETIC_CONTROL_NAME = "control";

/** Options of {@link ControlClient.connect}. */
export interface ControlClientOptions {
  /** Cluster options from {@link resolveControlOptions}: layout, topics, proxy endpoints, format. */
  readonly options: ClusterOptions;
  /** The transport; ZeroMQ by default. */
  readonly transport?: TransportFactory;
  /** Time; the system clock by default. */
  readonly clock?: Clock;
  /** Diagnostics; silent by default. */
  readonly logger?: Logger;
  /** The client's node id; a fresh Zeek-style one by default. */
  readonly nodeId?: string;
  /** How long to wait for the proxy to confirm the client's subscriptions, ms. */
  readonly connectTimeoutMs?: number;
  /** Aborts connecting. */
  readonly signal?: AbortSignal;
}

/** Options of one control operation. */
export interface RequestOptions {
  /** Time allowed for the whole operation, ms ({@link DEFAULT_CONTROL_TIMEOUT_MS}). */
  readonly timeoutMs?: number | undefined;
  /** Aborts the operation (rejects with `signal.reason`). */
  readonly signal?: AbortSignal | undefined;
}

/** One node's answer to a request sent to several nodes. */
export type NodeReply<T> =
  | { readonly node: string; readonly ok: true; readonly id: string; readonly value: T }
  | { readonly node: string; readonly ok: false; readonly error: Error };

/** A reply: its arguments and the sender's node id. */
export interface RawReply {
  /** The reply event's arguments. */
  readonly args: readonly BrokerValue[];
  /** The node id that sent it. */
  readonly id: string;
}

/**
 * Options of a controller: the layout's CONTROL node (or `input.node`, which must be one), else
 * no local node (the client then calls itself {@link SYNTHETIC_CONTROL_NAME}).
 *
 * @param input Layout, environment, overrides (proxy endpoints, event format), optional name.
 * @returns The options to pass to {@link ControlClient.connect}.
 * @throws {OptionsError} When `input.node` is not a CONTROL node of the layout.
 *
 * @example
 * ```ts
 * import { type ClusterLayout, resolveControlOptions } from "../../mod.ts";
 * declare const layout: ClusterLayout;
 * const options = resolveControlOptions({ layout }); // a controller outside the layout's nodes
 * ```
 */
export function resolveControlOptions(input: ResolveOptionsInput): ClusterOptions {
  const { layout } = input;
  const requested = input.node;
  if (requested !== undefined && requested !== "") {
    if (layout[requested]?.nodeType !== "CONTROL") {
      throw new OptionsError(
        `Cannot control the cluster as "${requested}": not a CONTROL node of the layout`,
      );
    }
    return resolveOptions(input);
  }
  const control = Object.keys(layout).find((name) => layout[name]!.nodeType === "CONTROL");
  return resolveOptions({ ...input, node: control ?? "" });
}

/**
 * The nodes a controller addresses by default: every MANAGER, LOGGER, PROXY and WORKER.
 *
 * @param layout The layout.
 * @returns Node names in layout order.
 */
export function controlTargets(layout: ClusterLayout): string[] {
  return Object.keys(layout).filter((name) =>
    (CONTROLLED_TYPES as readonly string[]).includes(layout[name]!.nodeType)
  );
}

type Waiter = (reply: RawReply) => void;

/**
 * A controller connected to the cluster.
 *
 * @example
 * ```ts
 * import { type ClusterLayout, connectControl, resolveControlOptions } from "../../mod.ts";
 * declare const layout: ClusterLayout;
 * await using client = await connectControl({ options: resolveControlOptions({ layout }) });
 * await client.print("worker-1", "Cluster::retry_interval"); // the value, as Zeek prints it
 * for (const reply of await client.netStats()) if (reply.ok) console.log(reply.node, reply.value);
 * ```
 */
export class ControlClient implements AsyncDisposable {
  /** The client's name (its CONTROL node, or `control`). */
  readonly name: string;
  /** The client's node id (sender frame of its requests). */
  readonly nodeId: string;
  /** The cluster options it was built from. */
  readonly options: ClusterOptions;
  /** The client's clock. */
  readonly clock: Clock;
  readonly #logger: Logger;
  readonly #serializer: EventSerializer;
  readonly #up = new Set<string>();
  readonly #upListeners = new Set<() => void>();
  readonly #pending = new Map<string, Waiter[]>();
  readonly #subscribedListeners = new Map<string, () => void>();
  #transport: Transport | undefined;

  private constructor(options: ClusterOptions, deps: Omit<ControlClientOptions, "options">) {
    this.options = options;
    this.name = options.node || SYNTHETIC_CONTROL_NAME;
    this.clock = deps.clock ?? systemClock;
    this.#logger = deps.logger ?? silentLogger;
    this.#serializer = createEventSerializer(options.eventSerializer);
    this.nodeId = deps.nodeId ??
      makeNodeId({ node: this.name, host: Deno.hostname(), pid: Deno.pid });
  }

  /**
   * Connects to the proxy and waits until the client's subscription to `zeek/control` is active.
   *
   * @param opts Options, transport, clock, logger.
   * @returns The connected client; `await using` disposes it.
   * @throws {ControlTimeoutError} When the proxy does not confirm in time.
   */
  static async connect(opts: ControlClientOptions): Promise<ControlClient> {
    const client = new ControlClient(opts.options, opts);
    const z = opts.options.zeromq;
    const clientOptions: ClusterOptions = {
      ...opts.options,
      zeromq: { ...z, runProxyThread: false, listenLogEndpoint: "", connectLogEndpoints: [] },
    };
    const transport = await (opts.transport ?? zeromqTransportFactory)(clientOptions);
    transport.start(client.#handlers);
    client.#transport = transport;
    try {
      client.#transport.subscribe(CONTROL_TOPIC);
      const ready = `${z.internalTopicPrefix}${client.nodeId}.1.`;
      const confirmed = waitWithDeadline<void>(
        (done) => {
          client.#subscribedListeners.set(ready, () => done());
          return () => client.#subscribedListeners.delete(ready);
        },
        opts.connectTimeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS,
        () =>
          new ControlTimeoutError(
            `Cannot reach the cluster's proxy at ${z.connectXsubEndpoint}: no answer`,
          ),
        opts.signal,
      );
      client.#transport.subscribe(ready);
      await confirmed;
      client.#transport.unsubscribe(ready);
    } catch (error) {
      await client[Symbol.asyncDispose]();
      throw error;
    }
    return client;
  }

  readonly #handlers: TransportHandlers = {
    onMessage: (msg) => this.#onMessage(msg),
    onSubscription: (ev) => this.#onSubscription(ev),
    onLog: () => {},
    onError: (code, message) => this.#logger.warn(`Transport ${code}: ${message}`),
  };

  /** Names of the nodes whose node topic is subscribed at the proxy (running nodes). */
  upNodes(): string[] {
    return [...this.#up];
  }

  /**
   * Zeek's `Control::id_value_request`: an option's value on one node.
   *
   * @param node Node name.
   * @param option zcluster name (`retryIntervalMs`, `zeromq.lingerMs`) or Zeek id.
   * @param opts Timeout and signal.
   * @returns The value as the node prints it (`<unknown id>` for an unknown option).
   * @throws {ControlTimeoutError} When the node is not up or does not answer in time.
   */
  async print(node: string, option: string, opts: RequestOptions = {}): Promise<string> {
    const reply = await this.request(node, "id_value", [option], opts);
    return String(reply.args[1] ?? "");
  }

  /**
   * Zeek's `Control::peer_status_request` to several nodes.
   *
   * @param nodes Node names; every controlled node by default.
   * @param opts Timeout and signal.
   * @returns Each node's text (one line per peer).
   */
  peerStatus(nodes?: readonly string[], opts: RequestOptions = {}): Promise<NodeReply<string>[]> {
    return this.requestAll(nodes, "peer_status", opts);
  }

  /**
   * Zeek's `Control::net_stats_request` to several nodes.
   *
   * @param nodes Node names; every controlled node by default.
   * @param opts Timeout and signal.
   * @returns Each node's text (see `parseNetStats`).
   */
  netStats(nodes?: readonly string[], opts: RequestOptions = {}): Promise<NodeReply<string>[]> {
    return this.requestAll(nodes, "net_stats", opts);
  }

  /**
   * Zeek's `Control::configuration_update_request` to several nodes (acknowledged; see the
   * control service for what it changes).
   *
   * @param nodes Node names; every controlled node by default.
   * @param opts Timeout and signal.
   * @returns Each node's acknowledgement.
   */
  configurationUpdate(
    nodes?: readonly string[],
    opts: RequestOptions = {},
  ): Promise<NodeReply<string>[]> {
    return this.requestAll(nodes, "configuration_update", opts);
  }

  /**
   * Stops nodes gracefully with `Control::shutdown_request`: workers, then proxies, then loggers,
   * then the manager (which runs the proxy), each stage waiting for its nodes' answers and their
   * departure from the proxy.
   *
   * @param nodes Node names; every controlled node by default.
   * @param opts Timeout for the whole stop (default 10 s) and signal.
   * @returns One result per node.
   */
  stop(nodes?: readonly string[], opts: RequestOptions = {}): Promise<StopResult[]> {
    return runStop(this, nodes ?? controlTargets(this.options.layout), opts);
  }

  /**
   * Per-node status from two `net_stats` samples: type, host, up, id, uptime, event rates, log
   * writes, drops. Nodes that are not up are reported down at once.
   *
   * @param opts Sampling interval, timeout, signal, nodes.
   * @returns One status per node.
   */
  status(opts: StatusOptions = {}): Promise<NodeStatus[]> {
    return runStatus(this, opts);
  }

  /**
   * Sends one request and waits for the node's reply. Waits (within the timeout) for the node to
   * be up first, since an event to a topic nobody holds is dropped by the proxy.
   *
   * @param node Node name.
   * @param command The command.
   * @param args The request's arguments.
   * @param opts Timeout and signal.
   * @returns The reply.
   * @throws {ControlTimeoutError} When the node is not up or does not answer in time.
   * @throws {TransportClosedError} When the client is closed.
   */
  async request(
    node: string,
    command: ControlCommand,
    args: readonly BrokerValue[] = [],
    opts: RequestOptions = {},
  ): Promise<RawReply> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
    const deadline = this.clock.monotonicMs() + timeoutMs;
    await this.waitUp(node, timeoutMs, opts.signal);
    const key = `${command}/${node}`;
    return await waitWithDeadline<RawReply>(
      (done) => {
        const list = this.#pending.get(key) ?? [];
        list.push(done);
        this.#pending.set(key, list);
        this.#publish(node, command, args);
        return () => {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0 && this.#pending.get(key) === list) this.#pending.delete(key);
        };
      },
      deadline - this.clock.monotonicMs(),
      () =>
        new ControlTimeoutError(
          `No ${RESPONSE_EVENTS[command]} from ${node} within ${timeoutMs} ms`,
        ),
      opts.signal,
    );
  }

  /**
   * Sends one request to several nodes at once.
   *
   * @param nodes Node names; every controlled node by default.
   * @param command The command.
   * @param opts Timeout and signal.
   * @returns Each node's reply text (first argument), or its error.
   */
  async requestAll(
    nodes: readonly string[] | undefined,
    command: ControlCommand,
    opts: RequestOptions = {},
  ): Promise<NodeReply<string>[]> {
    const targets = nodes ?? controlTargets(this.options.layout);
    return await Promise.all(targets.map(async (node): Promise<NodeReply<string>> => {
      try {
        const reply = await this.request(node, command, [], opts);
        return { node, ok: true, id: reply.id, value: String(reply.args[0] ?? "") };
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        return { node, ok: false, error: error as Error };
      }
    }));
  }

  /**
   * Waits until a node is up (holds its node topic) or down.
   *
   * @param node Node name.
   * @param timeoutMs How long to wait, ms.
   * @param signal Abort signal.
   * @param up Wait for up (true) or for down (false).
   * @throws {ControlTimeoutError} When the state is not reached in time.
   */
  waitUp(node: string, timeoutMs: number, signal?: AbortSignal, up = true): Promise<void> {
    if (this.#transport === undefined) {
      return Promise.reject(new TransportClosedError(`Cannot control ${node}: client is closed`));
    }
    return waitWithDeadline<void>(
      (done) => {
        const check = () => {
          if (this.#up.has(node) === up) done();
        };
        this.#upListeners.add(check);
        check();
        return () => this.#upListeners.delete(check);
      },
      timeoutMs,
      () =>
        new ControlTimeoutError(
          up
            ? `Cannot reach ${node}: not up (its node topic is not subscribed) after ${timeoutMs} ms`
            : `${node} did not leave the cluster within ${timeoutMs} ms`,
        ),
      signal,
    );
  }

  #publish(node: string, command: ControlCommand, args: readonly BrokerValue[]): void {
    const event = { name: REQUEST_EVENTS[command], args: [...args] };
    const topic = nodeTopic(node, this.options);
    const ok = this.#transport?.publish({
      topic,
      sender: this.nodeId,
      format: this.#serializer.format,
      payload: this.#serializer.encode(event),
    });
    if (!ok) this.#logger.warn(`Cannot send ${event.name} to ${topic}: dropped`);
  }

  #onSubscription(ev: SubscriptionEvent): void {
    if (ev.type === "subscribed") this.#subscribedListeners.get(ev.topic)?.();
    const prefix = `${this.options.nodeTopicPrefix}.`;
    if (!ev.topic.startsWith(prefix) || !ev.topic.endsWith(".")) return;
    const name = ev.topic.slice(prefix.length, -1);
    if (name === "" || !(name in this.options.layout)) return;
    if (ev.type === "subscribed") this.#up.add(name);
    else this.#up.delete(name);
    for (const listener of [...this.#upListeners]) listener();
  }

  #onMessage(msg: TransportMessage): void {
    if (msg.sender === this.nodeId || msg.format !== this.#serializer.format) return;
    const target = parseResponseTopic(msg.topic);
    if (target === undefined) return;
    const waiters = this.#pending.get(`${target.command}/${target.node}`);
    if (!waiters || waiters.length === 0) return;
    try {
      const event = this.#serializer.decode(msg.payload);
      if (event.name !== RESPONSE_EVENTS[target.command]) return;
      waiters[0]!({ args: event.args, id: msg.sender });
    } catch (error) {
      this.#logger.warn(`Cannot decode reply on ${msg.topic}: ${(error as Error).message}`);
    }
  }

  /** Disconnects from the proxy. Safe to call twice. */
  async [Symbol.asyncDispose](): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    this.#up.clear();
    await transport?.[Symbol.asyncDispose]();
  }
}

/**
 * Connects a controller (see {@link ControlClient.connect}).
 *
 * @param opts Options, transport, clock, logger.
 * @returns The connected client.
 *
 * @example
 * ```ts
 * import { type ClusterLayout, connectControl, resolveControlOptions } from "../../mod.ts";
 * declare const layout: ClusterLayout;
 * await using client = await connectControl({ options: resolveControlOptions({ layout }) });
 * for (const row of await client.status()) console.log(row.node, row.up ? "running" : "stopped");
 * ```
 */
export function connectControl(opts: ControlClientOptions): Promise<ControlClient> {
  return ControlClient.connect(opts);
}

/**
 * An in-process {@linkcode Transport} for unit tests of pure cluster logic. A hub plays the part
 * of the XPUB/XSUB proxy with libzmq's pub/sub semantics (wire spec §1.9):
 *
 * - every subscribe is announced to every member, the subscriber and duplicates included
 *   (XPUB_VERBOSE); an unsubscribe is announced only when no member holds the topic any more;
 * - a member that attaches gets the current subscription set replayed, once per topic;
 * - a member that leaves causes `unsubscribed` for each topic only it held;
 * - a message reaches each member holding a matching prefix once, the publisher included;
 * - log batches go round-robin to the members listening on the named log endpoints.
 *
 * Delivery is asynchronous (a microtask) and ordered, through the same bounded onloop queue as
 * the ZeroMQ transport.
 *
 * @module
 */

import type { StartableTransport } from "./factory.ts";
import { TransportClosedError } from "../errors.ts";
import { OnloopQueue } from "./onloop_queue.ts";
import {
  DEFAULT_ONLOOP_QUEUE_HWM,
  emptyTransportStats,
  LOG_WRITE_TOPIC,
  type LogBatch,
  type LogTarget,
  type Transport,
  type TransportHandlers,
  type TransportMessage,
  type TransportStats,
} from "./transport.ts";

/** Options of {@linkcode MemoryHub.attach}. */
export interface MemoryTransportOptions {
  /** Log endpoint name this member listens on (like a bound PULL); `""` = none. */
  listenLogEndpoint?: string;
  /** Log endpoint names this member sends to (like one PUSH connected to each). */
  connectLogEndpoints?: readonly string[];
  /** Bound of the onloop queue; 0 = unbounded. Default 10000. */
  onloopQueueHwm?: number;
}

/** Defaults of {@linkcode MemoryTransportOptions}. */
export const DEFAULT_MEMORY_TRANSPORT_OPTIONS: Readonly<Required<MemoryTransportOptions>> = Object
  .freeze({
    listenLogEndpoint: "",
    connectLogEndpoints: Object.freeze([]) as readonly string[],
    onloopQueueHwm: DEFAULT_ONLOOP_QUEUE_HWM,
  });

/** The in-process stand-in for the proxy. */
export interface MemoryHub {
  /** Attaches a new member (a node's transport). */
  attach(handlers: TransportHandlers, options?: MemoryTransportOptions): Transport;
  /**
   * Attaches a member that delivers nothing until `start(handlers)` (what arrives before waits
   * in its on-loop queue, bounded by `onloopQueueHwm`).
   */
  open(options?: MemoryTransportOptions): StartableTransport;
  /** Number of attached members. */
  readonly size: number;
}

/**
 * Creates an empty hub.
 *
 * @example
 * ```ts
 * import { createMemoryHub } from "./memory_transport.ts";
 * const hub = createMemoryHub();
 * const got: string[] = [];
 * const noop = () => {};
 * await using a = hub.attach({ onMessage: (m) => got.push(m.topic), onSubscription: noop, onLog: noop, onError: noop });
 * a.subscribe("zeek.");
 * a.publish({ topic: "zeek.x", sender: "a", format: "f", payload: new Uint8Array() });
 * ```
 */
export function createMemoryHub(): MemoryHub {
  return new Hub();
}

class Hub implements MemoryHub {
  readonly members = new Set<MemoryTransport>();
  /** topic -> number of members holding it (the proxy XSUB's trie). */
  readonly counts = new Map<string, number>();
  #roundRobin = 0;

  get size(): number {
    return this.members.size;
  }

  attach(handlers: TransportHandlers, options: MemoryTransportOptions = {}): Transport {
    const member = this.open(options);
    member.start(handlers);
    return member;
  }

  open(options: MemoryTransportOptions = {}): StartableTransport {
    const member = new MemoryTransport(this, undefined, options);
    this.members.add(member);
    for (const topic of this.counts.keys()) member.notify("subscribed", topic);
    return member;
  }

  subscribe(member: MemoryTransport, prefix: string): void {
    if (!member.prefixes.has(prefix)) {
      member.prefixes.add(prefix);
      this.counts.set(prefix, (this.counts.get(prefix) ?? 0) + 1);
    }
    for (const m of this.members) m.notify("subscribed", prefix);
  }

  unsubscribe(member: MemoryTransport, prefix: string): void {
    if (!member.prefixes.delete(prefix)) return;
    this.#release(prefix);
  }

  publish(msg: TransportMessage): void {
    for (const m of this.members) {
      for (const p of m.prefixes) {
        if (msg.topic.startsWith(p)) {
          m.deliver(msg);
          break;
        }
      }
    }
  }

  sendLog(endpoints: readonly string[], log: LogBatch) {
    const targets = [...this.members].filter((m) =>
      m.listenLog !== "" && endpoints.includes(m.listenLog)
    );
    if (targets.length === 0) return false;
    targets[this.#roundRobin++ % targets.length]!.deliverLog(log);
    return true;
  }

  detach(member: MemoryTransport): void {
    if (!this.members.delete(member)) return;
    for (const prefix of member.prefixes) this.#release(prefix);
    member.prefixes.clear();
  }

  #release(prefix: string): void {
    const n = (this.counts.get(prefix) ?? 1) - 1;
    if (n > 0) {
      this.counts.set(prefix, n);
      return;
    }
    this.counts.delete(prefix);
    for (const m of this.members) m.notify("unsubscribed", prefix);
  }
}

class MemoryTransport implements StartableTransport {
  readonly closed: Promise<void | Error>;
  readonly prefixes = new Set<string>();
  readonly listenLog: string;
  #hub: Hub;
  #connectLogs: readonly string[];
  #onloop: OnloopQueue;
  #stats = emptyTransportStats();
  #closing = false;
  #resolveClosed!: (v: void | Error) => void;

  constructor(hub: Hub, handlers: TransportHandlers | undefined, options: MemoryTransportOptions) {
    const o = { ...DEFAULT_MEMORY_TRANSPORT_OPTIONS, ...options };
    this.#hub = hub;
    this.listenLog = o.listenLogEndpoint;
    this.#connectLogs = o.connectLogEndpoints;
    this.#onloop = new OnloopQueue(handlers, { hwm: o.onloopQueueHwm });
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  start(handlers: TransportHandlers): void {
    this.#onloop.start(handlers);
  }

  get stats(): TransportStats {
    return {
      ...this.#stats,
      onloopDrops: this.#onloop.drops,
      handlerErrors: this.#onloop.handlerErrors,
    };
  }

  publish(msg: TransportMessage): boolean {
    if (this.#closing) {
      throw new TransportClosedError(`Cannot publish to topic "${msg.topic}": transport is closed`);
    }
    this.#stats.messagesOut++;
    this.#stats.bytesOut += messageBytes(msg);
    this.#hub.publish({ ...msg, payload: msg.payload.slice() }); // only lent for this call

    return true;
  }

  /** The hub never refuses a publish: resolves at once while open. */
  whenWritable(signal?: AbortSignal): Promise<void> {
    try {
      this.#assertOpen("Cannot wait to publish");
      signal?.throwIfAborted();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  subscribe(prefix: string): void {
    this.#assertOpen(`Cannot subscribe to "${prefix}"`);
    this.#hub.subscribe(this, prefix);
  }

  unsubscribe(prefix: string): void {
    this.#assertOpen(`Cannot unsubscribe from "${prefix}"`);
    this.#hub.unsubscribe(this, prefix);
  }

  get logEndpointCount(): number {
    return this.#connectLogs.length;
  }

  sendLog(sender: string, format: string, batch: Uint8Array, target?: LogTarget): boolean {
    this.#assertOpen("Cannot send log batch");
    let endpoints = this.#connectLogs;
    if (target !== undefined) {
      const endpoint = endpoints[target.logger];
      if (endpoint === undefined) {
        throw new RangeError(`Cannot send log batch to logger ${target.logger}: no such endpoint`);
      }
      endpoints = [endpoint];
    }
    const log = target === undefined
      ? { sender, format, batch }
      : { sender, format, batch, seq: target.seq };
    if (!this.#hub.sendLog(endpoints, log)) {
      this.#stats.logDrops++;
      return false;
    }
    this.#stats.logsOut++;
    this.#stats.logBytesOut += LOG_WRITE_TOPIC.length + sender.length + format.length +
      batch.byteLength;
    return true;
  }

  /** Called by the hub. */
  notify(type: "subscribed" | "unsubscribed", topic: string): void {
    if (this.#closing) return;
    this.#stats.subscriptionsIn++;
    this.#onloop.pushSubscription({ type, topic });
    this.#onloop.drainSoon();
  }

  /** Called by the hub. */
  deliver(msg: TransportMessage): void {
    if (this.#closing) return;
    this.#stats.messagesIn++;
    this.#stats.bytesIn += messageBytes(msg);
    this.#onloop.pushMessage(msg);
    this.#onloop.drainSoon();
  }

  /** Called by the hub. */
  deliverLog(log: LogBatch): void {
    if (this.#closing) return;
    this.#stats.logsIn++;
    this.#stats.logBytesIn += LOG_WRITE_TOPIC.length + log.sender.length + log.format.length +
      log.batch.byteLength;
    this.#onloop.pushLog(log);
    this.#onloop.drainSoon();
  }

  [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#hub.detach(this);
      this.#onloop[Symbol.dispose]();
      this.#resolveClosed(undefined);
    }
    return Promise.resolve();
  }

  #assertOpen(what: string): void {
    if (this.#closing) throw new TransportClosedError(`${what}: transport is closed`);
  }
}

function messageBytes(msg: TransportMessage): number {
  return msg.topic.length + msg.sender.length + msg.format.length + msg.payload.byteLength;
}

/**
 * One WebSocket API client (spec B.3, B.7-B.10): checks the URI and `X-Application-Name`, takes
 * the subscriptions, subscribes them in the cluster and acks once they are active, then publishes
 * the client's events and delivers matching cluster events through a bounded outbound queue.
 *
 * The session depends only on a small socket shape ({@link WebSocketLike}) and a small cluster
 * shape ({@link SessionCluster}); the owner feeds it the socket's events (`open`,
 * `handleMessage`, `handleClose`, `handlePong`).
 *
 * Keepalive: when the socket can send pings (`ping()` plus `handlePong()` calls), the session
 * pings every `pingIntervalMs` and closes with 1011 "Ping timeout" when no pong came since the
 * previous ping, as Zeek. Deno's server WebSocket cannot send pings from script; there the server
 * uses Deno's own idle timeout instead, which closes with 1001 "No response from ping frame." on
 * the wire; the session reports such a loss as 1011 "Ping timeout", as Zeek's
 * `websocket_client_lost` would.
 *
 * @module
 */

import type { Logger } from "../diagnostics/logger.ts";
import type { WebSocketMetrics } from "../metrics/types.ts";
import type { ZeekEvent, ZeekParamType } from "../serialization/mod.ts";
import {
  type ClientFrame,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeServerMessage,
  ERROR_CONTEXT,
  type ErrorMessage,
  errorMessage,
  explainEventProblem,
  frameExceeds,
  isValidApplicationName,
  parseDataMessage,
  type ParseLimits,
  parseSubscriptions,
  WEBSOCKET_PATH,
} from "./protocol.ts";
import { OutboundQueue, type OverflowPolicy } from "./outbound_queue.ts";
import { systemTimers, type TimerId, type Timers } from "../clock.ts";
import { createWebSocketStats, type WebSocketStats } from "./stats.ts";

/**
 * Zeek's `Cluster::default_websocket_max_event_queue_size`: client events waiting for the node's
 * event loop, past which Zeek stalls reading from clients. zcluster publishes each client event
 * as its frame arrives, so that queue never holds more than one event and never stalls.
 */
export const DEFAULT_MAX_EVENT_QUEUE_SIZE = 32;
/**
 * Frames a client's outbound queue holds while its socket is backlogged (zcluster bound; Zeek's
 * outbound buffer is unbounded). At 6,000 events/s a reader that takes 1 ms per event falls
 * 5,000 frames behind per second, so this gives it about 3 s of slack.
 */
export const DEFAULT_MAX_OUTBOUND_QUEUE_SIZE = 16_384;
/** Bytes (UTF-16 code units of JSON text) the outbound queue holds, whichever bound comes first. */
export const DEFAULT_MAX_OUTBOUND_QUEUE_BYTES = 16 * 1024 * 1024;
/** Zeek's `Cluster::default_websocket_ping_interval`, in ms. */
export const DEFAULT_PING_INTERVAL_MS = 5000;
/** Frames a client may send before its ack (Zeek queues them unbounded). */
export const DEFAULT_MAX_PENDING_MESSAGES = 1000;
/** Bytes the socket may hold unsent before frames wait in the session's own queue. */
export const DEFAULT_SEND_HIGH_WATER_BYTES = 1024 * 1024;
/** The version sent in acks: the Zeek release whose WebSocket API zcluster follows. */
export const DEFAULT_SERVER_VERSION = "8.2.2";

/** Close codes and reasons used by the session. */
export const CLOSE = {
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  goingAway: 1001,
  subscribeFailed: "Could not subscribe. Something bad happened!",
  pingTimeout: "Ping timeout",
  terminating: "Terminating",
  messageTooBig: "Message too big",
  tooManyPending: "Too many messages before ack",
  backpressure: "Backpressure overflow",
  /** What Deno's idle timeout puts in its 1001 close. */
  denoIdleTimeout: "No response from ping frame.",
  /** RFC 6455 abnormal closure: the connection dropped without a close frame. */
  abnormal: 1006,
} as const;

/** The socket shape a session needs. */
export interface WebSocketLike {
  /** Sends a text frame. */
  send(text: string): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written (the WebSocket API's `bufferedAmount`). */
  readonly bufferedAmount?: number;
  /** Sends a PING frame, when the socket can. */
  ping?(): void;
}

/** The cluster shape a session needs (a subset of `Cluster`). */
export interface SessionCluster {
  subscribe(prefix: string): void;
  unsubscribe(prefix: string): unknown;
  whenReady(signal?: AbortSignal): Promise<void>;
  publishEvent(topic: string, event: ZeekEvent, sender: string): boolean;
  /** Declared parameter types of an event (a `Cluster` has it). */
  signatureOf?(name: string): readonly ZeekParamType[] | undefined;
}

/** Who a client is (Zeek's `Cluster::EndpointInfo`). */
export interface ClientInfo {
  /** Endpoint id, `<node id>-websocket-<n>`, as in the ack. */
  readonly id: string;
  /** Remote address. */
  readonly address: string;
  /** Remote port. */
  readonly port: number;
  /** `X-Application-Name`, or `unknown` without the header. */
  readonly applicationName: string;
}

/** Where a session is in its life. */
export type SessionState =
  | "connecting"
  | "awaiting_subscriptions"
  | "rejected"
  | "subscribing"
  | "ready"
  | "closing"
  | "closed";

/** How a session ended. */
export interface SessionClose {
  readonly code: number;
  readonly reason: string;
}

/** Options of {@link WebSocketSession}. */
export interface SessionOptions extends ParseLimits {
  /** The endpoint id. */
  readonly id: string;
  /** The request path; anything but `/v1/messages/json` is refused. */
  readonly path?: string;
  /** The `X-Application-Name` header, if sent. */
  readonly applicationName?: string | undefined;
  /** The client's address. */
  readonly address?: string;
  /** The client's port. */
  readonly port?: number;
  /** Version in the ack (default {@link DEFAULT_SERVER_VERSION}). */
  readonly version?: string;
  /**
   * Zeek's `max_event_queue_size`: client events waiting to be published (default 32). zcluster
   * publishes each as it arrives, so the bound is never reached (see
   * {@link DEFAULT_MAX_EVENT_QUEUE_SIZE}); accepted for Zeek's option set.
   */
  readonly maxEventQueueSize?: number;
  /** Outbound frames kept while the socket is backlogged (default 16,384). */
  readonly maxOutboundQueueSize?: number;
  /** Outbound bytes kept while the socket is backlogged (default 16 MiB). */
  readonly maxOutboundQueueBytes?: number;
  /** What a full outbound queue does (default `disconnect`). */
  readonly overflowPolicy?: OverflowPolicy;
  /** Socket backlog in bytes before frames are queued (default 1 MiB). */
  readonly sendHighWaterBytes?: number;
  /** PING interval when the socket has `ping()`; 0 or less disables (default 5000). */
  readonly pingIntervalMs?: number;
  /** Largest frame accepted; larger ones close with 1009 (default 4 MiB). */
  readonly maxMessageBytes?: number;
  /** Frames accepted before the ack (default 1000); more close with 1008. */
  readonly maxPendingMessages?: number;
  /** Shared counters. */
  readonly stats?: WebSocketStats;
  /** Metrics handles, when the node has metrics. */
  readonly metrics?: WebSocketMetrics;
  /** Diagnostics. */
  readonly logger?: Logger;
  /**
   * Zeek's `Cluster::log`: gets the lines Zeek's `websocket_client_added` and
   * `websocket_client_lost` handlers write to cluster.log.
   */
  readonly clusterLog?: (message: string) => void;
  /** Timer functions (the globals by default). */
  readonly timers?: Timers;
  /** Zeek's `Cluster::websocket_client_added`: raised right after the ack, as Zeek. */
  readonly onAdded?: (info: ClientInfo, subscriptions: readonly string[]) => void;
  /**
   * Zeek's `Cluster::websocket_client_lost`: raised once the session is gone, only for a client
   * that passed the URI and `X-Application-Name` checks, and not at server shutdown (as Zeek).
   */
  readonly onLost?: (info: ClientInfo, code: number, reason: string) => void;
}

/** One client of the WebSocket API. */
export class WebSocketSession implements AsyncDisposable {
  /** Who the client is. */
  readonly info: ClientInfo;
  /** Resolves once the socket has closed, with the code and reason reported. */
  readonly closed: Promise<SessionClose>;
  readonly #socket: WebSocketLike;
  readonly #cluster: SessionCluster;
  readonly #opts: SessionOptions;
  readonly #stats: WebSocketStats;
  readonly #timers: Timers;
  readonly #app: { app: string };
  readonly #limits: ParseLimits;
  #state: SessionState = "connecting";
  #topics: readonly string[] = [];
  #subscribed = false;
  #pending: ClientFrame[] = [];
  readonly #queue: OutboundQueue;
  #pingTimer: TimerId | undefined;
  #awaitingPong = false;
  #ready: AbortController | undefined;
  #serverClose: SessionClose | undefined;
  #counted = false;
  /** Passed the URI and application name checks (Zeek created a backend for it). */
  #admitted = false;
  /** Closed by the server's shutdown: no client-lost hook, as Zeek. */
  #terminated = false;
  #overflowLogged = false;
  #resolveClosed!: (close: SessionClose) => void;

  /**
   * @param socket The client's socket.
   * @param cluster The node's event layer.
   * @param options Identity, bounds, counters and hooks.
   */
  constructor(socket: WebSocketLike, cluster: SessionCluster, options: SessionOptions) {
    this.#socket = socket;
    this.#cluster = cluster;
    this.#opts = options;
    this.#stats = options.stats ?? createWebSocketStats();
    this.#timers = options.timers ?? systemTimers;
    this.info = {
      id: options.id,
      address: options.address ?? "",
      port: options.port ?? 0,
      applicationName: options.applicationName ?? "unknown",
    };
    this.#app = { app: this.info.applicationName };
    const lookup = options.signatureLookup ??
      (cluster.signatureOf ? (name: string) => cluster.signatureOf!(name) : undefined);
    this.#limits = lookup ? { ...options, signatureLookup: lookup } : options;
    this.#queue = new OutboundQueue(socket, {
      maxSize: options.maxOutboundQueueSize ?? DEFAULT_MAX_OUTBOUND_QUEUE_SIZE,
      maxBytes: options.maxOutboundQueueBytes ?? DEFAULT_MAX_OUTBOUND_QUEUE_BYTES,
      highWaterBytes: options.sendHighWaterBytes ?? DEFAULT_SEND_HIGH_WATER_BYTES,
      policy: options.overflowPolicy ?? "disconnect",
      timers: this.#timers,
      onWrite: () => {
        this.#stats.messagesOut++;
        this.#opts.metrics?.messages.inc({ direction: "sent" });
      },
    });
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** The current state. */
  get state(): SessionState {
    return this.#state;
  }

  /** The subscriptions (sorted, deduplicated); empty before the first message. */
  get topics(): readonly string[] {
    return this.#topics;
  }

  /** Frames waiting in the outbound queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The socket opened: checks the URI and the application name, then waits for subscriptions. */
  open(): void {
    if (this.#state !== "connecting") return;
    this.#counted = true;
    this.#stats.connected++;
    this.#stats.accepted++;
    this.#opts.metrics?.clients.inc();
    const path = this.#opts.path ?? WEBSOCKET_PATH;
    if (path !== WEBSOCKET_PATH) {
      return this.#refuse(errorMessage("invalid_uri", ERROR_CONTEXT.invalidUri));
    }
    const app = this.#opts.applicationName;
    if (app !== undefined && !isValidApplicationName(app)) {
      return this.#refuse(
        errorMessage("invalid_application_name", ERROR_CONTEXT.invalidApplicationName),
      );
    }
    this.#state = "awaiting_subscriptions";
    this.#admitted = true;
    const interval = this.#opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (this.#socket.ping && interval > 0) {
      this.#pingTimer = this.#timers.setInterval(() => this.#pingTick(), interval);
    }
  }

  /**
   * A frame arrived.
   *
   * @param frame Text, or the bytes of a binary frame (parsed as text, as Zeek does).
   */
  handleMessage(frame: ClientFrame): void {
    if (this.#state === "closing" || this.#state === "closed" || this.#state === "connecting") {
      return;
    }
    this.#stats.messagesIn++;
    this.#opts.metrics?.messages.inc({ direction: "received" });
    if (frameExceeds(frame, this.#opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES)) {
      this.#stats.oversizedMessages++;
      return this.close(CLOSE.tooBig, CLOSE.messageTooBig);
    }
    switch (this.#state) {
      case "awaiting_subscriptions": {
        const msg = parseSubscriptions(frame, this.#opts);
        if (msg.type === "error") {
          this.#state = "rejected";
          this.#sendError(msg);
        } else {
          this.#subscribe(msg.topics);
        }
        return;
      }
      case "rejected":
      case "subscribing":
        if (
          this.#pending.length >= (this.#opts.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES)
        ) {
          this.#stats.pendingOverflows++;
          return this.close(CLOSE.policy, CLOSE.tooManyPending);
        }
        this.#pending.push(frame);
        return;
      case "ready":
        return this.#handleData(frame);
    }
  }

  /** A PONG frame arrived. */
  handlePong(): void {
    this.#awaitingPong = false;
  }

  /**
   * The socket closed (by either side). Safe to call more than once.
   *
   * @param code The close code seen.
   * @param reason The close reason seen.
   */
  handleClose(code: number, reason: string): void {
    if (this.#state === "closed") return;
    let report: SessionClose = this.#serverClose ?? { code, reason };
    if (code === CLOSE.goingAway && reason === CLOSE.denoIdleTimeout) {
      report = { code: CLOSE.internal, reason: CLOSE.pingTimeout };
    } else if (!this.#serverClose && (code === 0 || code === CLOSE.abnormal)) {
      // The TCP connection dropped without a close frame: RFC 6455's 1006, as IXWebSocket reports.
      report = { code: CLOSE.abnormal, reason: "" };
    }
    this.#shutdown();
    this.#state = "closed";
    if (this.#counted) {
      this.#stats.connected--;
      this.#opts.metrics?.clients.dec();
    }
    const line = `WebSocket client ${this.#describe()} gone with code ${report.code}` +
      (report.reason ? ` and reason '${report.reason}'` : "");
    this.#opts.logger?.info(line);
    // Zeek raises websocket_client_lost (whose handler writes cluster.log) only for a client it
    // made a backend for, and for none once its loop is terminating.
    const lost = this.#admitted && !this.#terminated;
    try {
      if (lost) {
        this.#opts.clusterLog?.(line);
        this.#opts.onLost?.(this.info, report.code, report.reason);
      }
    } finally {
      this.#resolveClosed(report);
    }
  }

  /**
   * Zeek's `format_endpoint_info()`: `'<id>' (<address>:<port>)`, then
   * ` application_name=<name>` when the client sent the header.
   */
  #describe(): string {
    const { id, address, port } = this.info;
    const app = this.#opts.applicationName;
    return `'${id}' (${address}:${port})` + (app !== undefined ? ` application_name=${app}` : "");
  }

  /**
   * Whether a cluster event on `topic` from `sender` is for this client: a subscription
   * prefix-matches and the client did not publish it itself.
   *
   * @param topic The event's topic.
   * @param sender The publisher's id.
   * @returns `true` when it should be delivered (before the ack it is then discarded).
   */
  matches(topic: string, sender: string): boolean {
    if (sender === this.info.id || this.#state === "closing" || this.#state === "closed") {
      return false;
    }
    for (const prefix of this.#topics) if (topic.startsWith(prefix)) return true;
    return false;
  }

  /**
   * Delivers an encoded data message. Before the ack it is discarded (as Zeek); when the
   * outbound queue is full the overflow policy applies.
   *
   * @param frame The data message text.
   * @returns `true` when it was sent or queued.
   */
  deliver(frame: string): boolean {
    if (this.#state !== "ready") {
      if (this.#state === "subscribing") this.#stats.droppedBeforeAck++;
      return false;
    }
    if (!this.#send(frame)) return false;
    this.#stats.eventsDelivered++;
    this.#opts.metrics?.incomingEvents.inc(this.#app);
    return true;
  }

  /**
   * Closes the connection from the server side; the close is reported with this code and
   * reason once the socket confirms.
   *
   * @param code Close code.
   * @param reason Close reason.
   */
  close(code: number, reason: string): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.#serverClose = { code, reason };
    this.#shutdown();
    this.#state = "closing";
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closed underneath; handleClose follows.
    }
  }

  /**
   * Server shutdown: closes with 1001 "Terminating" without raising the client-lost hook (Zeek's
   * event loop has stopped by then; it raises nothing per client).
   */
  terminate(): void {
    if (this.#state === "closed") return;
    this.#terminated = true;
    this.close(CLOSE.goingAway, CLOSE.terminating);
  }

  /** Terminates (see {@link terminate}) and waits for the socket to close. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.closed;
  }

  #refuse(error: ErrorMessage): void {
    this.#sendError(error);
    this.close(CLOSE.policy, error.context);
  }

  #subscribe(topics: readonly string[]): void {
    this.#state = "subscribing";
    this.#topics = topics;
    this.#subscribed = true;
    const done: string[] = [];
    try {
      for (const topic of topics) {
        this.#cluster.subscribe(topic);
        done.push(topic);
      }
    } catch (error) {
      this.#topics = done;
      this.#opts.logger?.error(`WebSocket client '${this.info.id}': ${(error as Error).message}`);
      return this.close(CLOSE.internal, CLOSE.subscribeFailed);
    }
    const ready = new AbortController();
    this.#ready = ready;
    this.#cluster.whenReady(ready.signal).then(
      () => this.#onReady(),
      (error) => {
        if (ready.signal.aborted) return;
        this.#opts.logger?.error(`WebSocket client '${this.info.id}': ${String(error)}`);
        this.close(CLOSE.internal, CLOSE.subscribeFailed);
      },
    );
  }

  /**
   * Zeek's `HandleSubscriptionsActive`: the ack goes out first, then the frames the client sent
   * before it are handled, then the client-added hook runs (Zeek enqueues
   * `websocket_client_added`, so its handler runs after both) and its cluster.log line is written.
   */
  #onReady(): void {
    if (this.#state !== "subscribing") return;
    this.#state = "ready";
    this.#ready = undefined;
    this.#send(encodeServerMessage({
      type: "ack",
      endpoint: this.info.id,
      version: this.#opts.version ?? DEFAULT_SERVER_VERSION,
    }));
    const pending = this.#pending;
    this.#pending = [];
    for (const frame of pending) {
      if (this.#state !== "ready") break;
      this.#handleData(frame);
    }
    // Zeek enqueued the added event before those frames ran, so it comes even if one of them
    // made the server close the client (the lost event then follows it).
    if ((this.#state as SessionState) === "closed") return;
    const line = `WebSocket client ${this.#describe()} subscribed to [${this.#topics.join(", ")}]`;
    this.#opts.logger?.info(line);
    this.#opts.clusterLog?.(line);
    this.#opts.onAdded?.(this.info, this.#topics);
  }

  #handleData(frame: ClientFrame): void {
    const msg = parseDataMessage(frame, this.#limits);
    if (msg.type === "error") {
      if (msg.context === ERROR_CONTEXT.eventFailed) {
        const why = explainEventProblem(frame, this.#limits);
        this.#opts.logger?.error(`WebSocket client '${this.info.id}': ${why ?? msg.context}`);
      }
      this.#sendError(msg);
      return;
    }
    if (this.#cluster.publishEvent(msg.topic, msg.event, this.info.id)) {
      this.#stats.eventsPublished++;
      this.#opts.metrics?.outgoingEvents.inc(this.#app);
    } else {
      this.#stats.publishFailures++;
    }
  }

  #sendError(error: ErrorMessage): void {
    this.#stats.errors[error.code] = (this.#stats.errors[error.code] ?? 0) + 1;
    this.#opts.metrics?.errors.inc({ code: error.code });
    this.#send(encodeServerMessage(error));
  }

  /** Sends now or queues; a full queue applies the overflow policy. */
  #send(text: string): boolean {
    const result = this.#queue.send(text);
    if (result === "sent" || result === "queued") return true;
    this.#stats.overflows++;
    this.#opts.metrics?.overflows.inc();
    if (result === "overflow" || !this.#overflowLogged) {
      // Logged when it happens (the close that follows may take a while to complete).
      this.#overflowLogged = true;
      this.#opts.logger?.warn(
        `WebSocket client ${this.#describe()} is not reading: its outbound queue is full (` +
          `${this.#queue.length} frames, ${this.#queue.bytes} bytes; bounds ${
            this.#opts.maxOutboundQueueSize ?? DEFAULT_MAX_OUTBOUND_QUEUE_SIZE
          } frames, ${
            this.#opts.maxOutboundQueueBytes ?? DEFAULT_MAX_OUTBOUND_QUEUE_BYTES
          } bytes)` +
          (result === "overflow"
            ? `; closing it with ${CLOSE.policy} '${CLOSE.backpressure}'`
            : `; dropping the ${result === "dropped" ? "newest" : "oldest"} frames from now on`),
      );
    }
    if (result === "overflow") {
      const error = errorMessage("backpressure_overflow", ERROR_CONTEXT.backpressureOverflow);
      this.#stats.errors[error.code] = (this.#stats.errors[error.code] ?? 0) + 1;
      this.#opts.metrics?.errors.inc({ code: error.code });
      this.#queue.write(encodeServerMessage(error));
      this.close(CLOSE.policy, CLOSE.backpressure);
    }
    return result === "replaced_oldest";
  }

  #pingTick(): void {
    if (this.#awaitingPong) return this.close(CLOSE.internal, CLOSE.pingTimeout);
    this.#awaitingPong = true;
    try {
      this.#socket.ping?.();
    } catch {
      // Closing; handleClose follows.
    }
  }

  /** Stops timers, cancels the ready wait and removes the subscriptions. */
  #shutdown(): void {
    this.#timers.clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#ready?.abort();
    this.#ready = undefined;
    if (this.#subscribed) {
      this.#subscribed = false;
      for (const topic of this.#topics) this.#cluster.unsubscribe(topic);
    }
    this.#pending = [];
    this.#queue.clear();
  }
}

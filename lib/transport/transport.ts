/**
 * The narrow transport contract between the cluster logic and a message backend (ZeroMQ or the
 * in-memory hub). It moves opaque frames; serializers and own-message filtering live above it.
 *
 * @module
 */

/** Frame 0 of every log write sent over PUSH/PULL (Zeek's constant). */
export const LOG_WRITE_TOPIC = "log-write";

/**
 * Frame 0 of a log write that asks for an acknowledgement (zcluster's reliable log delivery):
 * this prefix and the sender's batch sequence number in decimal. Zeek loggers do not read frame 0.
 */
export const LOG_WRITE_SEQ_PREFIX = "log-write;zcluster-seq=";

/** Where {@linkcode Transport.sendLog} sends a batch that asks for an acknowledgement. */
export interface LogTarget {
  /** Index of the logger in the node's log endpoints (`connectLogEndpoints`). */
  readonly logger: number;
  /** The sender's sequence number of the batch (a safe non-negative integer). */
  readonly seq: number;
}

/**
 * Reads the sequence number from frame 0 of a log write.
 *
 * @returns the number, or `undefined` for Zeek's plain `log-write` (or anything else)
 */
export function parseLogWriteSeq(frame0: string): number | undefined {
  if (!frame0.startsWith(LOG_WRITE_SEQ_PREFIX)) return undefined;
  const digits = frame0.slice(LOG_WRITE_SEQ_PREFIX.length);
  if (!/^[0-9]{1,15}$/.test(digits)) return undefined;
  return Number(digits);
}

/** Default bound of the queue between the sockets and the handlers (Zeek `onloop_queue_hwm`). */
export const DEFAULT_ONLOOP_QUEUE_HWM = 10_000;

/**
 * One published event: the 4 frames `[topic, sender, format, payload]` of Zeek's XPUB/XSUB path.
 */
export interface TransportMessage {
  /** Frame 0: the topic; subscribers match on its prefix. */
  readonly topic: string;
  /** Frame 1: the sender's node id. */
  readonly sender: string;
  /** Frame 2: the event serializer name, e.g. `broker-bin-v1`. */
  readonly format: string;
  /** Frame 3: the serialized event. */
  readonly payload: Uint8Array;
}

/**
 * A subscription notification seen on the node's XPUB (`0x01`/`0x00` + topic). Every notification
 * is passed on, duplicates included (XPUB_VERBOSE); deduplication is the caller's business.
 */
export type SubscriptionEvent = {
  readonly type: "subscribed" | "unsubscribed";
  readonly topic: string;
};

/** One log write received on PULL: frames 1..3 of `["log-write", sender, format, batch]`. */
export interface LogBatch {
  /** Frame 1: the sender's node id. */
  readonly sender: string;
  /** Frame 2: the log serializer name, e.g. `zeek-bin-serializer`. */
  readonly format: string;
  /** Frame 3: one serialized batch. */
  readonly batch: Uint8Array;
  /** From frame 0: the sender's sequence number when it asks for an acknowledgement. */
  readonly seq?: number;
}

/** Codes passed to {@linkcode TransportHandlers.onError}. */
export type TransportErrorCode =
  | "receive_error"
  | "send_error"
  | "handler_error"
  | "fatal";

/**
 * Callbacks injected into a transport. They run on the event loop, in arrival order, from the
 * transport's "onloop" queue; exceptions they throw are reported to `onError("handler_error")`.
 */
export interface TransportHandlers {
  /** A 4-frame XSUB message (own messages included). Other frame counts count as `msgErrors`. */
  onMessage(msg: TransportMessage): void;
  /** A single-frame XPUB notification. Other first bytes are ignored; other frame counts are errors. */
  onSubscription(ev: SubscriptionEvent): void;
  /** A 4-frame PULL message. Frame 0 is only read for a sequence number (Zeek ignores it). */
  onLog(log: LogBatch): void;
  /** An error that arrived asynchronously; the transport keeps running unless `code` is `fatal`. */
  onError(code: TransportErrorCode, message: string): void;
}

/** Plain counters; a fresh snapshot on every read of {@linkcode Transport.stats}. */
export interface TransportStats {
  /** 4-frame messages delivered from XSUB (before the onloop bound). */
  messagesIn: number;
  /** Bytes of those messages (all frames). */
  bytesIn: number;
  /** Messages handed to XPUB without error. */
  messagesOut: number;
  /** Bytes of those messages (all frames). */
  bytesOut: number;
  /** Subscription notifications received on XPUB. */
  subscriptionsIn: number;
  /** Log batches received on PULL. */
  logsIn: number;
  /** Bytes of those batches (all frames). */
  logBytesIn: number;
  /** Log batches handed to PUSH without error. */
  logsOut: number;
  /** Bytes of those batches (all frames). */
  logBytesOut: number;
  /** Events dropped on publish: send queue full or XPUB NODROP `EAGAIN` (Zeek `xpub_drops`). */
  xpubDrops: number;
  /** Events dropped because the onloop queue was full (Zeek `onloop_drops`). */
  onloopDrops: number;
  /** Log batches dropped: no log endpoint, send queue full or `EAGAIN`. */
  logDrops: number;
  /** Malformed input: wrong frame count, non-UTF-8 topic/sender/format (Zeek `msg_errors`). */
  msgErrors: number;
  /** Send failures other than a full queue or `EAGAIN`. */
  sendErrors: number;
  /** Exceptions thrown by handlers. */
  handlerErrors: number;
}

/** The message backend of one node. */
export interface Transport extends AsyncDisposable {
  /**
   * Publishes one event (4 frames). `msg.payload` is only lent for the call (the publisher may
   * reuse its bytes right after): a transport that keeps the message past the call (a queue, a
   * backlog) keeps a copy.
   *
   * @returns `false` when it was dropped right away (counted in `xpubDrops`). Later `EAGAIN`
   * drops are counted too but cannot be reported here.
   * @throws {TransportClosedError} once the transport is closing.
   */
  publish(msg: TransportMessage): boolean;
  /**
   * Backpressure: resolves when a publish may go. At once unless the last publish was refused
   * (the XPUB at its HWM, `EAGAIN`) or the send queue is full; else when the transport reports
   * room again (ZeroMQ: the XPUB's descriptor signalled and `ZMQ_EVENTS` shows POLLOUT). No
   * timer, no polling. A publish after it may still be refused: then wait again.
   *
   * @throws {TransportClosedError} once the transport is closing (also when it closes while
   * waiting), or the signal's reason when `signal` aborts first.
   */
  whenWritable(signal?: AbortSignal): Promise<void>;
  /** Subscribes to a topic prefix (`0x01` + prefix on XSUB). @throws {TransportClosedError} */
  subscribe(prefix: string): void;
  /** Removes a subscription (`0x00` + prefix on XSUB). @throws {TransportClosedError} */
  unsubscribe(prefix: string): void;
  /**
   * Sends one log batch `["log-write", sender, format, batch]` to the loggers (round-robin), or,
   * with a `target`, to that logger only with frame 0 carrying the sequence number.
   *
   * @returns `false` when dropped right away (counted in `logDrops`).
   * @throws {TransportClosedError} once the transport is closing.
   * @throws {RangeError} for a target logger index out of range.
   */
  sendLog(sender: string, format: string, batch: Uint8Array, target?: LogTarget): boolean;
  /** How many log endpoints the node sends to (the index range of {@linkcode LogTarget.logger}). */
  readonly logEndpointCount: number;
  /** A snapshot of the counters. */
  readonly stats: TransportStats;
  /** Resolves once closed: `undefined` after dispose, the cause after a fatal error. */
  readonly closed: Promise<void | Error>;
}

/**
 * Returns a zeroed {@linkcode TransportStats}.
 *
 * @example
 * ```ts
 * import { emptyTransportStats } from "./transport.ts";
 * emptyTransportStats().xpubDrops; // 0
 * ```
 */
export function emptyTransportStats(): TransportStats {
  return {
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    subscriptionsIn: 0,
    logsIn: 0,
    logBytesIn: 0,
    logsOut: 0,
    logBytesOut: 0,
    xpubDrops: 0,
    onloopDrops: 0,
    logDrops: 0,
    msgErrors: 0,
    sendErrors: 0,
    handlerErrors: 0,
  };
}

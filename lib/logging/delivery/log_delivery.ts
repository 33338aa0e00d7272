/**
 * Reliable log delivery, the sending side (a zcluster extension; Zeek's PUSH/PULL has no
 * acknowledgements). Each batch gets a sequence number and goes to one logger, chosen round-robin
 * among the loggers not known to be down; it is kept until a logger acknowledges it. A batch is sent
 * again, with the same number and to the same logger, whose ledger then drops a copy it already
 * wrote, when:
 * - its logger acknowledged a batch sent to it later: batches travel in order on one connection, so
 *   the earlier one was lost (a logger killed with data in its socket buffers);
 * - its logger is back up (`Cluster::node_up`) after going down;
 * - no acknowledgement came within the ack timeout (doubling per attempt, at most a minute).
 * Only a batch whose logger is still down when its timeout passes goes to another logger: that one
 * cannot know whether the first wrote it, so a logger that died between writing a batch and
 * acknowledging it, and stayed down that long, may leave the batch written twice.
 *
 * A logger that never acknowledged anything (a Zeek logger, or zcluster with `logAcks` off) is never
 * sent a batch twice: its batches are forgotten after the ack timeout, as Zeek forgets them. The
 * batches kept are bounded in bytes; past the bound the oldest is forgotten and counted.
 *
 * @module
 */
import type { LogTarget } from "../../transport/transport.ts";

/** Wire name of the acknowledgement event: `(logger name, vector of count)` to the sender's nodeid topic. */
export const LOG_ACK_EVENT = "zcluster::log_ack";

/** Default bound of the batches awaiting an acknowledgement, in bytes. */
export const DEFAULT_LOG_RESEND_BUFFER_BYTES = 64 * 1024 * 1024;
/** Default time to wait for an acknowledgement before sending again, ms. */
export const DEFAULT_LOG_ACK_TIMEOUT_MS = 5_000;
const BACKOFF_MAX_MS = 60_000;

/** Options of {@linkcode LogDelivery}. */
export interface LogDeliveryOptions {
  /** Logger node names, in the order of the node's log endpoints. */
  readonly loggers: readonly string[];
  /** Sends a batch to one logger; false when the transport dropped it. */
  readonly send: (target: LogTarget, batch: Uint8Array) => boolean;
  /** Monotonic time, ms. */
  readonly now: () => number;
  /** Time to wait for an acknowledgement, ms. Default {@linkcode DEFAULT_LOG_ACK_TIMEOUT_MS}. */
  readonly ackTimeoutMs?: number;
  /** Bound of the kept batches, bytes. Default {@linkcode DEFAULT_LOG_RESEND_BUFFER_BYTES}. */
  readonly bufferBytes?: number;
  /**
   * Called with a batch that was sent once and acknowledged: its bytes reached the logger, so no
   * socket holds it any more and its buffer may be reused. A batch sent twice may still sit in a
   * socket's queue and is never handed back.
   */
  readonly release?: (batch: Uint8Array) => void;
}

/** Counters of a {@linkcode LogDelivery}. */
export interface LogDeliveryStats {
  /** Batches sent the first time. */
  sent: number;
  /** Batches acknowledged. */
  acked: number;
  /** Second and later sends. */
  resent: number;
  /** Batches forgotten unacknowledged because the buffer was full. */
  evicted: number;
  /** Batches forgotten after the timeout because their logger never acknowledges (Zeek's loggers). */
  unconfirmed: number;
  /** Batches the transport dropped at once (no logger took them). */
  dropped: number;
  /** Batches awaiting an acknowledgement now. */
  pending: number;
  /** Their bytes. */
  pendingBytes: number;
}

interface Entry {
  readonly seq: number;
  readonly batch: Uint8Array;
  logger: number;
  /** Position in its logger's send order. */
  order: number;
  sentAt: number;
  attempts: number;
}

interface LoggerState {
  readonly name: string;
  /** Node id of the instance last seen up ("" before any). */
  id: string;
  up: boolean;
  /** It has acknowledged something: it speaks the protocol. */
  acks: boolean;
  nextOrder: number;
}

/** The sending side of reliable log delivery. Owners call {@linkcode LogDelivery.tick} periodically. */
export class LogDelivery {
  readonly #o: Required<LogDeliveryOptions>;
  readonly #loggers: LoggerState[];
  /** By sequence number; iteration order is (re)send order. */
  readonly #entries = new Map<number, Entry>();
  #nextSeq = 1;
  #nextLogger = 0;
  #stats = { sent: 0, acked: 0, resent: 0, evicted: 0, unconfirmed: 0, dropped: 0, bytes: 0 };

  /** @param options loggers, send function, clock and bounds */
  constructor(options: LogDeliveryOptions) {
    this.#o = {
      ackTimeoutMs: DEFAULT_LOG_ACK_TIMEOUT_MS,
      bufferBytes: DEFAULT_LOG_RESEND_BUFFER_BYTES,
      release: () => {},
      ...options,
    };
    this.#loggers = options.loggers.map((name) => ({
      name,
      id: "",
      up: true,
      acks: false,
      nextOrder: 0,
    }));
  }

  /** A snapshot of the counters. */
  get stats(): LogDeliveryStats {
    const { bytes, ...rest } = this.#stats;
    return { ...rest, pending: this.#entries.size, pendingBytes: bytes };
  }

  /**
   * Sends a batch to the next logger.
   *
   * @returns false when no logger took it (counted in `dropped`)
   */
  send(batch: Uint8Array): boolean {
    const seq = this.#nextSeq++;
    const entry: Entry = { seq, batch, logger: -1, order: 0, sentAt: 0, attempts: 0 };
    if (!this.#dispatch(entry)) {
      this.#stats.dropped++;
      return false;
    }
    this.#stats.sent++;
    this.#entries.set(seq, entry);
    this.#stats.bytes += batch.byteLength;
    while (this.#stats.bytes > this.#o.bufferBytes && this.#entries.size > 1) {
      this.#forget(this.#entries.values().next().value!);
      this.#stats.evicted++;
    }
    return true;
  }

  /** A logger acknowledged batches: forget them, and resend what that logger evidently lost. */
  onAck(loggerName: string, seqs: readonly number[]): void {
    const index = this.#loggers.findIndex((l) => l.name === loggerName);
    if (index < 0) return;
    this.#loggers[index]!.acks = true;
    let latest = -1;
    for (const seq of seqs) {
      const entry = this.#entries.get(seq);
      if (entry === undefined) continue;
      if (entry.logger === index) latest = Math.max(latest, entry.order);
      this.#forget(entry);
      this.#stats.acked++;
      if (entry.attempts === 0) this.#o.release(entry.batch);
    }
    if (latest < 0) return;
    const lost = [...this.#entries.values()].filter((e) => e.logger === index && e.order < latest);
    for (const entry of lost) this.#resend(entry, false);
  }

  /**
   * A logger went down: new batches skip it; its own wait for it (see {@linkcode tick}). The down
   * of an earlier instance (`id` other than the one last seen up) is ignored.
   */
  loggerDown(name: string, id = ""): void {
    const logger = this.#loggers.find((l) => l.name === name);
    if (!logger || otherInstance(logger, id)) return;
    logger.up = false;
  }

  /**
   * A logger is (back) up, or restarted (a new `id`): it gets again what it has not acknowledged
   * (its ledger drops copies).
   */
  loggerUp(name: string, id = ""): void {
    const index = this.#loggers.findIndex((l) => l.name === name);
    if (index < 0) return;
    const logger = this.#loggers[index]!;
    const restarted = !logger.up || otherInstance(logger, id);
    logger.up = true;
    if (id !== "") logger.id = id;
    if (!restarted || !logger.acks) return;
    for (const entry of [...this.#entries.values()]) {
      if (entry.logger === index) this.#resend(entry, false);
    }
  }

  /** Resends batches whose acknowledgement is overdue; forgets those of loggers that never ack. */
  tick(): void {
    const now = this.#o.now();
    for (const entry of [...this.#entries.values()]) {
      const wait = Math.min(this.#o.ackTimeoutMs * 2 ** entry.attempts, BACKOFF_MAX_MS);
      if (now - entry.sentAt < wait) continue;
      if (this.#loggers[entry.logger]!.acks) {
        this.#resend(entry, true);
      } else {
        this.#forget(entry);
        this.#stats.unconfirmed++;
      }
    }
  }

  /**
   * Sends a batch again: to its logger, or, when `mayMove` and its logger is down while another
   * that acknowledges is up, to that one.
   */
  #resend(entry: Entry, mayMove: boolean): void {
    // Taken out and put back: the map's order stays the (re)send order.
    this.#entries.delete(entry.seq);
    this.#entries.set(entry.seq, entry);
    entry.attempts++;
    const loggers = this.#loggers;
    const move = mayMove && !loggers[entry.logger]!.up && loggers.some((l) => l.up && l.acks);
    const sent = move ? this.#dispatch(entry, true) : this.#sendTo(entry, entry.logger);
    if (sent) {
      this.#stats.resent++;
    } else {
      entry.sentAt = this.#o.now(); // nobody took it: the next tick tries again
    }
  }

  /** Sends to one logger and records it there. */
  #sendTo(entry: Entry, index: number): boolean {
    if (!this.#o.send({ logger: index, seq: entry.seq }, entry.batch)) return false;
    entry.logger = index;
    entry.order = this.#loggers[index]!.nextOrder++;
    entry.sentAt = this.#o.now();
    return true;
  }

  /**
   * Sends to the next logger that is up (any logger when none is) and takes it. A resend prefers
   * a logger that acknowledges, when one is up: one that does not would forget it again.
   */
  #dispatch(entry: Entry, resend = false): boolean {
    const loggers = this.#loggers;
    const n = loggers.length;
    if (n === 0) return false;
    const anyUp = loggers.some((l) => l.up);
    const acking = resend && loggers.some((l) => l.up && l.acks);
    for (let i = 0; i < n; i++) {
      const index = (this.#nextLogger + i) % n;
      const logger = loggers[index]!;
      if ((anyUp && !logger.up) || (acking && !logger.acks)) continue;
      if (!this.#sendTo(entry, index)) continue;
      this.#nextLogger = index + 1;
      return true;
    }
    return false;
  }

  #forget(entry: Entry): void {
    if (this.#entries.delete(entry.seq)) this.#stats.bytes -= entry.batch.byteLength;
  }
}

/** Whether node id `id` is known and not the instance of `logger` last seen up. */
function otherInstance(logger: { readonly id: string }, id: string): boolean {
  return id !== "" && logger.id !== "" && id !== logger.id;
}

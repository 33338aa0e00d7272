/**
 * Reliable log delivery, the logger's side: a batch that carries a sequence number is written
 * once, and acknowledged to its sender (coalesced per sender, a few ms apart) after its lines reached
 * the log file and the {@linkcode BatchLedger} recorded it. A copy of a batch already written is
 * acknowledged again and not written; a copy of one still being written is dropped (the first one's
 * acknowledgement covers it). A batch without a number (a Zeek sender) is written as always.
 *
 * @module
 */
import type { LogBatch } from "../transport/transport.ts";
import type { BatchLedger } from "./batch_ledger.ts";

/** Dependencies of {@linkcode LogAcknowledger}. */
export interface LogAcknowledgerDeps {
  readonly ledger: BatchLedger;
  /** Writes a batch (buffers its lines); throws for a batch that cannot be decoded. */
  readonly write: (batch: LogBatch) => void;
  /** Resolves once every buffered line is in its file. */
  readonly flushed: () => Promise<void>;
  /**
   * Writes every buffered line now if it can (synchronous system calls); false when it cannot and
   * `flushed` must be awaited. With it, a batch's lines and its ledger line are written in one turn.
   */
  readonly flushSync?: () => boolean;
  /** Sends acknowledgements to a sender. */
  readonly sendAcks: (sender: string, seqs: number[]) => void;
  /** Wait before sending, to coalesce acknowledgements, ms. Default 5. */
  readonly ackDelayMs?: number;
  /** The ledger could not record a batch (it is then not acknowledged, so it comes again). */
  readonly onError?: (error: Error) => void;
}

/** Counters of a {@linkcode LogAcknowledger}. */
export interface LogAcknowledgerStats {
  /** Numbered batches written. */
  written: number;
  /** Copies of written or in-flight batches, not written again. */
  duplicates: number;
  /** Acknowledgement events sent. */
  ackEvents: number;
}

/** The logger's side of reliable log delivery. */
export class LogAcknowledger implements Disposable {
  readonly stats: LogAcknowledgerStats = { written: 0, duplicates: 0, ackEvents: 0 };
  readonly #deps: LogAcknowledgerDeps;
  readonly #inflight = new Set<string>();
  #acks = new Map<string, number[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** @param deps ledger, writer, flush and ack sender */
  constructor(deps: LogAcknowledgerDeps) {
    this.#deps = deps;
  }

  /**
   * Takes one received batch.
   *
   * @throws what `write` throws for a malformed batch (which is then acknowledged: resending it
   * would not help)
   */
  receive(batch: LogBatch): void {
    const seq = batch.seq;
    if (seq === undefined) return this.#deps.write(batch);
    const { sender } = batch;
    if (this.#deps.ledger.has(sender, seq)) {
      this.stats.duplicates++;
      this.#ack(sender, seq);
      return;
    }
    const key = `${sender}\u0000${seq}`;
    if (this.#inflight.has(key)) {
      this.stats.duplicates++;
      return;
    }
    try {
      this.#deps.write(batch);
    } catch (error) {
      this.#ack(sender, seq);
      throw error;
    }
    if (this.#deps.flushSync?.()) {
      // The lines and the ledger line back to back: no turn of the event loop between them.
      this.#record(sender, seq);
      return;
    }
    this.#inflight.add(key);
    this.#deps.flushed().then(() => {
      this.#inflight.delete(key);
      if (!this.#closed) this.#record(sender, seq);
    }, () => {
      // Not written: no acknowledgement, so the sender sends it again.
      this.#inflight.delete(key);
    });
  }

  /** Records a written batch in the ledger, then acknowledges it. */
  #record(sender: string, seq: number): void {
    try {
      this.#deps.ledger.add(sender, seq);
    } catch (error) {
      this.#deps.onError?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.stats.written++;
    this.#ack(sender, seq);
  }

  /** Sends the acknowledgements still waiting and stops. */
  [Symbol.dispose](): void {
    this.#sendAcks();
    this.#closed = true;
  }

  #ack(sender: string, seq: number): void {
    if (this.#closed) return;
    const list = this.#acks.get(sender);
    if (list) list.push(seq);
    else this.#acks.set(sender, [seq]);
    this.#timer ??= setTimeout(() => this.#sendAcks(), this.#deps.ackDelayMs ?? 5);
  }

  #sendAcks(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const acks = this.#acks;
    this.#acks = new Map();
    for (const [sender, seqs] of acks) {
      this.stats.ackEvents++;
      this.#deps.sendAcks(sender, seqs);
    }
  }
}

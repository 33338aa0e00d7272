/**
 * Reliable log delivery, the logger's side: a batch that carries a sequence number is written
 * once, and acknowledged to its sender (coalesced per sender, a few ms apart) after its lines reached
 * the log file and the {@linkcode BatchLedger} recorded it. The ledger line is written right after
 * the system calls that wrote the batch's lines, with no turn of the event loop between: in the
 * same call when its file can write them at once, else from the write-out of that one file (a
 * batch never waits for another file's open or rotation), the ledger lines of all the batches one
 * write-out wrote in one write. Acknowledgements still go out in the order the batches came (a
 * sender takes an acknowledgement of a later batch to mean that the earlier ones were lost): one
 * that waits for a file holds back those of its sender's later batches, recorded or not, until it
 * is written (or failed: then it is not acknowledged). A copy of a batch already written is
 * acknowledged again and not written; a copy of one still being written is dropped (the first
 * one's acknowledgement covers it). A batch without a number (a Zeek sender) is written as always.
 *
 * @module
 */
import { systemTimers, type TimerId, type Timers } from "../../clock.ts";
import type { LogBatch } from "../../transport/transport.ts";
import type { BatchLedger, LedgerEntry } from "./batch_ledger.ts";

/**
 * Where the lines of a written batch wait: the one file they went to (a `LogFileWriter`, see
 * `LogWriterManager.lastBatchFile`).
 */
export interface BatchLines {
  /**
   * Writes the file's buffered lines now if it can (synchronous system calls); false when it
   * cannot (the file is being opened or rotated, a write-out is under way) and `whenWritten` must
   * be used.
   */
  flushSync(): boolean;
  /**
   * Calls `done` right after the write-out of the lines buffered so far, with its error if any;
   * `more` when callbacks of the same write-out follow within the same call (the acknowledger
   * records the batches with the last one, so it must be the file's only user of this).
   */
  whenWritten(done: (error: Error | undefined, more: boolean) => void): void;
}

/** Dependencies of {@linkcode LogAcknowledger}. */
export interface LogAcknowledgerDeps {
  readonly ledger: BatchLedger;
  /**
   * Writes a batch (buffers its lines) and returns where they wait, or undefined when nothing was
   * buffered (a batch refused or empty: it is recorded at once); throws for a batch that cannot
   * be decoded.
   */
  readonly write: (batch: LogBatch) => BatchLines | undefined;
  /** Sends acknowledgements to a sender. */
  readonly sendAcks: (sender: string, seqs: number[]) => void;
  /** Wait before sending, to coalesce acknowledgements, ms. Default 5. */
  readonly ackDelayMs?: number;
  /** The timers of the coalescing wait (default: the global ones). */
  readonly timers?: Timers;
  /** The ledger could not record a batch (it is then not acknowledged, so it comes again). */
  readonly onError?: (error: Error) => void;
}

/** A batch whose acknowledgement may wait for an earlier batch of its sender. */
interface Held {
  readonly seq: number;
  /** Still being written, to acknowledge, or not to acknowledge (not recorded). */
  state: "writing" | "ack" | "none";
}

/** A batch a write-out wrote, to record. */
interface Written extends LedgerEntry {
  readonly held: Held;
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

/**
 * The logger's side of reliable log delivery.
 *
 * @example
 * ```ts ignore
 * const acks = new LogAcknowledger({
 *   ledger: BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`),
 *   write: (batch) => (files.writeEncodedBatch(batch.batch), files.lastBatchFile),
 *   sendAcks: (sender, seqs) => publishAcks(sender, seqs),
 * });
 * acks.receive(batch); // written now; recorded and acknowledged once its lines are in the file
 * ```
 */
export class LogAcknowledger implements Disposable {
  readonly stats: LogAcknowledgerStats = { written: 0, duplicates: 0, ackEvents: 0 };
  readonly #deps: LogAcknowledgerDeps;
  readonly #inflight = new Set<string>();
  /** Batches a write-out wrote, recorded with its last callback. */
  #written: Written[] = [];
  /**
   * Per sender with a batch being written: its batches from that one on, in the order they came;
   * their acknowledgements go out in this order.
   */
  readonly #held = new Map<string, Held[]>();
  #acks = new Map<string, number[]>();
  #timer: TimerId | undefined;
  #closed = false;

  /** @param deps ledger, writer and ack sender */
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
    if (seq === undefined) {
      this.#deps.write(batch);
      return;
    }
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
    let lines: BatchLines | undefined;
    try {
      lines = this.#deps.write(batch);
    } catch (error) {
      this.#ackInOrder(sender, seq);
      throw error;
    }
    if (lines === undefined || lines.flushSync()) {
      // The lines and the ledger line back to back: no turn of the event loop between them.
      this.#record(sender, seq);
      return;
    }
    this.#inflight.add(key);
    const held: Held = { seq, state: "writing" };
    const list = this.#held.get(sender);
    if (list) list.push(held);
    else this.#held.set(sender, [held]);
    // Called from the write-out of this file right after its system calls: the ledger lines of
    // all the batches it wrote then go in one write.
    lines.whenWritten((error, more) => {
      this.#inflight.delete(key);
      if (error === undefined && !this.#closed) {
        this.#written.push({ sender, seq, held });
      } else {
        // Not written: no acknowledgement, so the sender sends it again.
        held.state = "none";
        this.#release(sender);
      }
      if (!more) this.#recordWritten();
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
    this.#ackInOrder(sender, seq);
  }

  /** Records the batches of the write-out that just ran in the ledger, then acknowledges them. */
  #recordWritten(): void {
    const written = this.#written;
    if (written.length === 0) return;
    this.#written = [];
    let state: Held["state"] = "ack";
    try {
      this.#deps.ledger.addAll(written);
      this.stats.written += written.length;
    } catch (error) {
      state = "none";
      this.#deps.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
    for (const { held } of written) held.state = state;
    for (const { sender } of written) this.#release(sender);
  }

  /** Acknowledges a batch now, or after the earlier ones of its sender still being written. */
  #ackInOrder(sender: string, seq: number): void {
    const list = this.#held.get(sender);
    if (list === undefined) this.#ack(sender, seq);
    else list.push({ seq, state: "ack" });
  }

  /** Acknowledges the held batches of `sender` up to the first one still being written. */
  #release(sender: string): void {
    const list = this.#held.get(sender);
    if (list === undefined) return;
    let n = 0;
    for (; n < list.length && list[n]!.state !== "writing"; n++) {
      if (list[n]!.state === "ack") this.#ack(sender, list[n]!.seq);
    }
    if (n === list.length) this.#held.delete(sender);
    else if (n > 0) list.splice(0, n);
  }

  /** Sends the acknowledgements still waiting and stops. */
  [Symbol.dispose](): void {
    this.#sendAcks();
    this.#closed = true;
    this.#held.clear();
  }

  #ack(sender: string, seq: number): void {
    if (this.#closed) return;
    const list = this.#acks.get(sender);
    if (list) list.push(seq);
    else this.#acks.set(sender, [seq]);
    this.#timer ??= (this.#deps.timers ?? systemTimers).setTimeout(
      () => this.#sendAcks(),
      this.#deps.ackDelayMs ?? 5,
    );
  }

  #sendAcks(): void {
    if (this.#timer !== undefined) (this.#deps.timers ?? systemTimers).clearTimeout(this.#timer);
    this.#timer = undefined;
    const acks = this.#acks;
    this.#acks = new Map();
    for (const [sender, seqs] of acks) {
      this.stats.ackEvents++;
      this.#deps.sendAcks(sender, seqs);
    }
  }
}

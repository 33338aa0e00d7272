/**
 * Reliable log delivery, the receiving side's memory: which (sender, sequence number) batches a
 * logger has written, so that a batch sent again is acknowledged without being written twice, also
 * across a restart of the logger. Kept in memory, bounded per sender and in senders (least recently
 * written first out), and appended to a file beside the logs, one `<sender> <seq>` line per batch,
 * written synchronously right after the batch's lines reached the log file. The file is compacted
 * on open and when it grows past a bound.
 *
 * @module
 */

/** The ledger's file name in the log directory. */
export const BATCH_LEDGER_FILE = ".zcluster-log-batches";

/** Options of {@linkcode BatchLedger.open}. */
export interface BatchLedgerOptions {
  /** Sequence numbers remembered per sender. Default 4096 (a sender resends only recent ones). */
  readonly perSenderMax?: number;
  /** Senders remembered. Default 1024. */
  readonly sendersMax?: number;
  /**
   * Compact the file when it grows past this many bytes, or past twice its size after the last
   * compaction when that is more. Default 8 MiB.
   */
  readonly fileMaxBytes?: number;
}

/** One written batch: its sender and sequence number. */
export interface LedgerEntry {
  readonly sender: string;
  readonly seq: number;
}

/** Remembers written batches, persisted in one append-only file. */
export class BatchLedger implements Disposable {
  readonly #path: string;
  readonly #perSenderMax: number;
  readonly #sendersMax: number;
  readonly #fileMaxBytes: number;
  /** sender → its remembered numbers, oldest first (Set keeps insertion order). */
  readonly #senders = new Map<string, Set<number>>();
  readonly #enc = new TextEncoder();
  #file: Deno.FsFile | undefined;
  #fileBytes = 0;
  /** The file size that triggers the next compaction. */
  #compactAt = 0;

  private constructor(path: string, options: BatchLedgerOptions) {
    this.#path = path;
    this.#perSenderMax = options.perSenderMax ?? 4096;
    this.#sendersMax = options.sendersMax ?? 1024;
    this.#fileMaxBytes = options.fileMaxBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Loads the ledger at `path` (a missing file is an empty ledger; a last line without its newline,
   * cut by a crash, and malformed lines are skipped) and rewrites it compacted.
   */
  static open(path: string, options: BatchLedgerOptions = {}): BatchLedger {
    const ledger = new BatchLedger(path, options);
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const lines = text.split("\n");
    lines.pop(); // "" after the last newline, or a line a crash cut short
    for (const line of lines) {
      const m = /^(\S+) ([0-9]{1,15})$/.exec(line);
      if (m) ledger.#remember(m[1]!, Number(m[2]));
    }
    ledger.#compact();
    return ledger;
  }

  /** Whether the batch was written. */
  has(sender: string, seq: number): boolean {
    return this.#senders.get(sender)?.has(seq) ?? false;
  }

  /** Records a written batch (in memory and in the file). */
  add(sender: string, seq: number): void {
    this.#remember(sender, seq);
    this.#append(`${sender} ${seq}\n`);
  }

  /**
   * Records written batches (in memory, and in the file with one write: a logger records together
   * the batches one write-out wrote).
   */
  addAll(entries: readonly LedgerEntry[]): void {
    let text = "";
    for (const { sender, seq } of entries) {
      this.#remember(sender, seq);
      text += `${sender} ${seq}\n`;
    }
    if (text !== "") this.#append(text);
  }

  /** Closes the file. */
  [Symbol.dispose](): void {
    this.#file?.close();
    this.#file = undefined;
  }

  #append(text: string): void {
    const bytes = this.#enc.encode(text);
    for (let off = 0; off < bytes.length;) off += this.#file!.writeSync(bytes.subarray(off));
    this.#fileBytes += bytes.length;
    if (this.#fileBytes > this.#compactAt) this.#compact();
  }

  #remember(sender: string, seq: number): void {
    let seqs = this.#senders.get(sender);
    if (seqs === undefined) {
      seqs = new Set();
      if (this.#senders.size >= this.#sendersMax) {
        this.#senders.delete(this.#senders.keys().next().value!);
      }
    } else {
      this.#senders.delete(sender); // re-inserted below: most recent last
    }
    this.#senders.set(sender, seqs);
    seqs.add(seq);
    if (seqs.size > this.#perSenderMax) seqs.delete(seqs.values().next().value!);
  }

  /** Rewrites the file with what is remembered (a temp file renamed over it), then appends to it. */
  #compact(): void {
    const lines: string[] = [];
    for (const [sender, seqs] of this.#senders) {
      for (const seq of seqs) lines.push(`${sender} ${seq}\n`);
    }
    const text = lines.join("");
    const tmp = `${this.#path}.tmp`;
    Deno.writeTextFileSync(tmp, text);
    Deno.renameSync(tmp, this.#path);
    this.#file?.close();
    this.#file = Deno.openSync(this.#path, { append: true });
    this.#fileBytes = this.#enc.encode(text).length;
    this.#compactAt = Math.max(this.#fileMaxBytes, 2 * this.#fileBytes);
  }
}

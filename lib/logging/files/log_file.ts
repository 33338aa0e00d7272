/**
 * One current log file per path: `dir/path.log`, ASCII or JSON, buffered and written through with
 * `Deno.FsFile`, rotated at interval boundaries and at shutdown with Zeek's names (see
 * `rotation.ts`). The writer has no timers: call {@linkcode LogFileWriter.tick} (the
 * `LogWriterManager` does it on its flush timer).
 *
 * @module
 */

import { systemClock } from "../../clock.ts";
import { SerializationError } from "../../errors.ts";
import { AsciiBatchFormatter } from "./_ascii_batch.ts";
import { ByteSink } from "../../byte_sink.ts";
import { type AsciiFormatOptions, AsciiFormatter } from "./ascii_writer.ts";
import type { LogFormat, LogFormatter } from "./formatter.ts";
import { type JsonFormatOptions, JsonFormatter } from "./json_writer.ts";
import {
  isValidLogPath,
  nextRotationTime,
  postProcessCall,
  type PostProcessor,
  PostProcessRunner,
  recoverLeftover,
  renameRotated,
  shadowName,
  type WallClock,
} from "./rotation.ts";
import type { LogCompressor } from "./compress.ts";
import type { LogField, LogRow } from "../schema/schema.ts";

/** Default size at which buffered lines are written out without waiting for the timer. */
export const DEFAULT_BUFFER_BYTES = 256 * 1024;
/** Default bound of buffered, not yet written bytes; records past it are dropped and counted. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Spare output buffers kept for reuse once their write-out is done. */
const SPARE_BUFFERS = 8;
/** Output buffers larger than this are not kept for reuse. */
const SPARE_BUFFER_MAX_BYTES = 4 * 1024 * 1024;

/** Buffered lines taken for one write-out. */
interface Chunk {
  readonly bytes: Uint8Array;
  readonly records: number;
  readonly periodStart: number;
}

/** Where a rotation cut the buffered lines: those before it belong to the period it closed. */
interface Seal {
  /** Bytes of the buffer before the cut. */
  pos: number;
  /** Records before the cut. */
  records: number;
  /** Start of the period the lines before the cut belong to. */
  readonly periodStart: number;
}

/**
 * A callback of {@linkcode LogFileWriter.whenWritten}: `error` when the write-out failed; `more`
 * when further callbacks of the same write-out follow within the same call (so that a caller can
 * gather what it records for them into one system call, made with the last).
 */
export type WrittenCallback = (error: Error | undefined, more: boolean) => void;

/** A {@linkcode WrittenCallback} and the count of records taken that it waits for. */
interface Waiter {
  readonly mark: number;
  readonly done: WrittenCallback;
}

/** Options of {@linkcode LogFileWriter}. */
export interface LogFileWriterOptions {
  /** Log directory (must exist). */
  readonly dir: string;
  /** Log path: the file is `dir/path.log`. Letters, digits, `_` and `-` only. */
  readonly path: string;
  /** The flattened columns. */
  readonly fields: readonly LogField[];
  /** `ascii` (default) or `json`. */
  readonly format?: LogFormat;
  /** ASCII separators and markers. */
  readonly ascii?: AsciiFormatOptions;
  /** JSON timestamp style. */
  readonly json?: JsonFormatOptions;
  /** Time source, epoch seconds. Default: the system clock. */
  readonly clock?: WallClock;
  /** Rotation interval in seconds; 0 (default) disables rotation. */
  readonly rotationIntervalSec?: number;
  /** Rotate at {@linkcode LogFileWriter.close} too. Default: when rotation is enabled (Zeek). */
  readonly rotateOnClose?: boolean;
  /** Write out when this many bytes are buffered. Default {@linkcode DEFAULT_BUFFER_BYTES}. */
  readonly bufferBytes?: number;
  /** Bound of pending bytes. Default {@linkcode DEFAULT_MAX_PENDING_BYTES}. */
  readonly maxPendingBytes?: number;
  /** `fdatasync` after every write-out (Zeek fsyncs on each flush). Default false. */
  readonly fsync?: boolean;
  /** Called for each rotated file with Zeek's `archive-log` argv. */
  readonly postProcessor?: PostProcessor;
  /**
   * Compresses each rotated file (`path.<open>-<close>.log.gz`) before the post-processor sees it;
   * the live file stays plain.
   */
  readonly compressor?: LogCompressor;
  /** Receives errors of background write-outs and post-processors. */
  readonly onError?: (error: Error) => void;
}

/** Counters of one writer. */
export interface LogFileStats {
  /** Records accepted by `write()`. */
  readonly records: number;
  /** Records written to the file. */
  readonly written: number;
  /** Records dropped (pending bound reached or a failed write-out). */
  readonly dropped: number;
  /** Files rotated. */
  readonly rotations: number;
  /** Errors (write-outs, post-processors). */
  readonly errors: number;
}

/**
 * Writes one log path. `write()` is synchronous (formats into a buffer); `flush()`, `tick()`,
 * `rotate()` and `close()` are serialized on an internal queue.
 *
 * @example
 * ```ts ignore
 * await using w = new LogFileWriter({ dir, path: "conn", fields, rotationIntervalSec: 3600 });
 * w.write([1700000000.5, "C1"]);
 * await w.flush(); // conn.log now holds the header and the record
 * ```
 */
export class LogFileWriter implements AsyncDisposable {
  readonly #dir: string;
  readonly #path: string;
  readonly #fields: readonly LogField[];
  readonly #fmt: LogFormatter;
  readonly #clock: WallClock;
  readonly #interval: number;
  readonly #rotateOnClose: boolean;
  readonly #bufferBytes: number;
  readonly #maxPending: number;
  readonly #fsync: boolean;
  readonly #post: PostProcessRunner;
  readonly #onError: (error: Error) => void;
  readonly #enc = new TextEncoder();
  /** The fused formatter of encoded batches, when the format allows it. */
  readonly #batchFmt: AsciiBatchFormatter | undefined;
  /** Formatted lines not yet taken for a write-out; its position is the pending byte count. */
  readonly #sink: ByteSink;
  readonly #bufferCapacity: number;
  /** Buffers whose write-out is done, for the next take. */
  readonly #spare: Uint8Array[] = [];
  #chunkRecords = 0;
  /** Records taken for write-outs so far. */
  #taken = 0;
  /** Records of taken chunks whose write-out is over (written or dropped), in take order. */
  #settled = 0;
  /** Callbacks of {@linkcode whenWritten}, in the order of their marks. */
  #waiters: Waiter[] = [];
  /** The error of the last write-out, undefined when it succeeded. */
  #lastError: Error | undefined;
  /** Cuts of rotations whose write-out has not run yet, oldest first. */
  #seals: Seal[] = [];
  /** A flush queued but not started: later flushes join it. */
  #flushPending: Promise<void> | undefined;
  #file: Deno.FsFile | undefined;
  #periodStart: number;
  #nextRotation: number | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Queued operations that have started and not finished (a write-out awaiting the disk). */
  #running = 0;
  #closed = false;
  #stats = { records: 0, written: 0, dropped: 0, rotations: 0, errors: 0 };

  /**
   * @param options directory, path, columns, format, clock, rotation and hooks
   * @throws {TypeError} for an invalid path
   */
  constructor(options: LogFileWriterOptions) {
    if (!isValidLogPath(options.path)) throw new TypeError(`Invalid log path "${options.path}"`);
    this.#dir = options.dir;
    this.#path = options.path;
    this.#fields = options.fields;
    this.#fmt = options.format === "json"
      ? new JsonFormatter(options.fields, options.json)
      : new AsciiFormatter(options.fields, options.ascii);
    this.#clock = options.clock ?? systemClock;
    this.#interval = options.rotationIntervalSec ?? 0;
    this.#rotateOnClose = options.rotateOnClose ?? this.#interval > 0;
    this.#bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.#maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#fsync = options.fsync ?? false;
    this.#bufferCapacity = Math.max(4096, Math.min(this.#bufferBytes, 1 << 20));
    this.#sink = new ByteSink(this.#bufferCapacity);
    this.#batchFmt = options.format !== "json" && AsciiBatchFormatter.supports(options.ascii)
      ? new AsciiBatchFormatter(options.fields, options.ascii)
      : undefined;
    this.#post = new PostProcessRunner(
      options.postProcessor,
      (e) => this.#report(e),
      options.compressor,
    );
    this.#onError = options.onError ?? (() => {});
    const now = this.#clock.now();
    this.#periodStart = now;
    this.#nextRotation = this.#interval > 0 ? nextRotationTime(now, this.#interval) : undefined;
  }

  /** The log path. */
  get path(): string {
    return this.#path;
  }

  /** The columns. */
  get fields(): readonly LogField[] {
    return this.#fields;
  }

  /** The next rotation time (epoch seconds), or undefined when rotation is off. */
  get nextRotation(): number | undefined {
    return this.#nextRotation;
  }

  /** Whether {@linkcode LogFileWriter.writeEncoded} is available (ASCII, one-byte separators). */
  get writesEncoded(): boolean {
    return this.#batchFmt !== undefined;
  }

  /** A snapshot of the counters. */
  stats(): LogFileStats {
    return { ...this.#stats };
  }

  /**
   * Formats one record into the buffer; starts a background write-out when the buffer is full.
   * When a rotation time has passed, the records buffered so far are sealed into the old file
   * first, so this record starts the new period.
   *
   * @throws {TypeError} after close
   */
  write(row: LogRow): void {
    if (this.#closed) throw new TypeError(`Cannot write to log "${this.#path}": writer is closed`);
    this.#stats.records++;
    if (this.#nextRotation !== undefined) {
      const now = this.#clock.now();
      if (now >= this.#nextRotation) this.#rotateInBackground(now);
    }
    const sink = this.#sink;
    const at = sink.pos;
    sink.utf8(this.#fmt.formatRow(row));
    if (sink.pos > this.#maxPending) {
      sink.pos = at;
      this.#stats.dropped++;
      return;
    }
    this.#chunkRecords++;
    if (this.#sink.pos >= this.#bufferBytes) {
      this.flush().catch((e) => this.#report(e));
    }
  }

  /**
   * Formats the records of an encoded batch straight from its bytes (the fused path: no row
   * objects), exactly as decoding them and calling {@linkcode LogFileWriter.write} for each would.
   * All or nothing: a malformed record or trailing bytes leave the buffer as it was. Records past
   * the pending bound are dropped and counted, as `write()` does. The rotation time is checked
   * once per batch.
   *
   * @param bytes the batch (frame 3 of a `log-write` message)
   * @param offset where its records start (`decodeLogBatchHeader(bytes).recordsOffset`)
   * @param count its record count
   * @returns the records buffered
   * @throws {SerializationError} for a malformed batch (nothing buffered; decode it for details)
   * @throws {TypeError} after close, or when {@linkcode LogFileWriter.writesEncoded} is false
   */
  writeEncoded(bytes: Uint8Array, offset: number, count: number): number {
    if (this.#closed) throw new TypeError(`Cannot write to log "${this.#path}": writer is closed`);
    const fmt = this.#batchFmt;
    if (!fmt) throw new TypeError(`Cannot write batches to log "${this.#path}": not supported`);
    const sink = this.#sink;
    const start = sink.pos;
    const max = this.#maxPending;
    let dropped = 0;
    fmt.begin(bytes, offset);
    try {
      for (let n = 0; n < count; n++) {
        const at = sink.pos;
        fmt.record(sink);
        if (sink.pos > max) {
          sink.pos = at;
          dropped++;
        }
      }
      if (fmt.offset !== bytes.length) {
        throw new SerializationError("Cannot decode log batch: trailing bytes");
      }
    } catch (e) {
      sink.pos = start;
      throw e;
    } finally {
      fmt.end();
    }
    if (this.#nextRotation !== undefined) {
      const now = this.#clock.now();
      // The batch opens the new period: the cut goes before its lines.
      if (now >= this.#nextRotation) this.#rotateInBackground(now, start);
    }
    this.#stats.records += count;
    this.#stats.dropped += dropped;
    this.#chunkRecords += count - dropped;
    if (this.#sink.pos >= this.#bufferBytes) {
      this.flush().catch((e) => this.#report(e));
    }
    return count - dropped;
  }

  /** A rotation started from a write (its errors reported, not thrown). */
  #rotateInBackground(now: number, cut = this.#sink.pos): void {
    this.#startRotation(now, false, cut).catch((e) => this.#report(e));
  }

  /**
   * Writes buffered records to `path.log`, creating it (with its header) if needed. The lines are
   * taken when the write-out starts, so a flush asked for while an earlier one is still queued
   * joins it: a busy writer makes one write per write-out, not one per call.
   */
  flush(): Promise<void> {
    if (this.#flushPending) return this.#flushPending;
    // Nothing buffered: done once the write-outs already queued are (no empty write-out queued).
    if (this.#sink.pos === 0 && this.#seals.length === 0) return this.#queue;
    const self = { run: undefined as Promise<void> | undefined };
    self.run = this.#enqueue(() => {
      if (this.#flushPending === self.run) this.#flushPending = undefined;
      return this.#writeBatch(this.#take());
    });
    this.#flushPending = self.run;
    return self.run;
  }

  /**
   * Writes the buffered lines now, with synchronous system calls, when that keeps the file's order:
   * the file is open, no write-out is under way and no rotation is pending. An operation queued but
   * not started then finds nothing left to write. Used where the caller must know the lines are in
   * the file before its next step (a logger acknowledging a batch).
   *
   * @returns true when nothing buffered is left unwritten; false when the caller must use
   * {@linkcode flush} instead
   */
  flushSync(): boolean {
    if (this.#sink.pos === 0) return true;
    if (this.#closed || this.#running > 0 || this.#seals.length > 0 || !this.#file) return false;
    const chunk = this.#take();
    try {
      const bytes = chunk.bytes;
      for (let off = 0; off < bytes.length;) off += this.#file.writeSync(bytes.subarray(off));
      if (this.#fsync) this.#file.syncDataSync();
      this.#stats.written += chunk.records;
    } catch (e) {
      this.#stats.dropped += chunk.records;
      this.#settle(chunk.records, e);
      this.#report(e);
      return false;
    }
    this.#settle(chunk.records, undefined);
    this.#recycle(chunk);
    return true;
  }

  /**
   * Calls `done` right after the write-out that writes the last of the lines buffered so far (its
   * system calls, `fdatasync` included when `fsync` is on): in the same turn, before any other
   * operation of the event loop, so that a caller can record the fact (a logger's ledger) with no
   * window but one system call wide. Called at once when nothing is buffered or being written,
   * with the error of the last write-out if it failed (a {@linkcode flushSync} that failed took
   * the lines buffered before it). No write-out is started: one already asked for
   * ({@linkcode flush}, {@linkcode tick}, a full buffer, a rotation, {@linkcode close}) takes the
   * lines. A failed write-out passes its error. No promise is made: a busy logger registers one
   * per batch. Waiters are bounded as the buffered lines are (one per batch buffered).
   *
   * @param done called once, with the error of the write-out when it failed
   */
  whenWritten(done: WrittenCallback): void {
    const mark = this.#taken + this.#chunkRecords;
    if (mark <= this.#settled) return done(this.#lastError, false);
    this.#waiters.push({ mark, done });
  }

  /** Rotates if the rotation time has passed, then flushes. */
  async tick(): Promise<void> {
    if (this.#closed) return;
    const now = this.#clock.now();
    if (this.#nextRotation !== undefined && now >= this.#nextRotation) {
      await this.#startRotation(now, false);
    }
    await this.flush();
  }

  /** Rotates now (buffered records go to the old file); a no-op for the file when none is open. */
  rotate(): Promise<void> {
    return this.#startRotation(this.#clock.now(), false);
  }

  /** Flushes and closes: rotates when `rotateOnClose`, else writes the footer. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const now = this.#clock.now();
      if (this.#rotateOnClose) {
        await this.#startRotation(now, true).catch((e) => this.#report(e));
      } else {
        await this.#enqueue(async () => {
          await this.#writeBatch(this.#take());
          if (!this.#file) return;
          this.#writeAll(this.#fmt.footer(now));
          this.#file.close();
          this.#file = undefined;
          await Deno.remove(`${this.#dir}/${shadowName(`${this.#path}.log`)}`).catch(() => {});
        }).catch((e) => this.#report(e));
      }
    }
    await this.#queue;
    if (this.#file) {
      // Only after a failed write-out: never leave the handle open.
      this.#file.close();
      this.#file = undefined;
    }
    // Every line was taken by the close; a waiter left would wait for nothing.
    this.#call(
      this.#waiters.splice(0),
      new Error(`Cannot write to log "${this.#path}": closed before the lines were written`),
    );
    await this.#post.settled();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(async () => {
      this.#running++;
      try {
        await op();
      } finally {
        this.#running--;
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #report(e: unknown): void {
    this.#stats.errors++;
    this.#onError(e instanceof Error ? e : new Error(String(e)));
  }

  /**
   * Takes the buffered lines up to the oldest rotation cut (all of them when there is none), with
   * the period they belong to.
   */
  #take(): Chunk {
    const sink = this.#sink;
    const seal = this.#seals[0];
    if (seal === undefined) {
      const bytes = sink.pos === 0 ? sink.buf.subarray(0, 0) : sink.swap(this.#nextBuffer());
      const chunk = { bytes, records: this.#chunkRecords, periodStart: this.#periodStart };
      this.#taken += chunk.records;
      this.#chunkRecords = 0;
      return chunk;
    }
    const bytes = sink.buf.subarray(0, seal.pos);
    const chunk = { bytes, records: seal.records, periodStart: seal.periodStart };
    if (seal.pos > 0) {
      // Rare (a rotation): the lines after the cut move to a fresh buffer.
      const tail = sink.buf.subarray(seal.pos, sink.pos);
      let next = this.#spare.pop();
      if (next === undefined || next.length < tail.length) {
        next = new Uint8Array(Math.max(this.#bufferCapacity, tail.length));
      }
      next.set(tail);
      sink.swap(next);
      sink.pos = tail.length;
    }
    this.#chunkRecords -= chunk.records;
    this.#taken += chunk.records;
    for (const s of this.#seals) {
      s.pos -= chunk.bytes.length;
      s.records -= chunk.records;
    }
    return chunk;
  }

  /**
   * A buffer to fill next: a spare one, else one of the usual capacity. Not as large as the
   * current one: after a backlog (the file being opened, a slow disk) the sink may have grown to
   * many megabytes, and a fresh buffer that large for every later write-out cost the logger more
   * than its formatting (measured: page faults and unmapping, 87k faults for 2M records).
   */
  #nextBuffer(): Uint8Array {
    return this.#spare.pop() ?? new Uint8Array(this.#bufferCapacity);
  }

  /** Keeps the buffer of a written chunk for reuse. */
  #recycle(chunk: Chunk): void {
    const buffer = chunk.bytes.buffer;
    if (
      buffer.byteLength > 0 && buffer.byteLength <= SPARE_BUFFER_MAX_BYTES &&
      buffer !== this.#sink.buf.buffer && this.#spare.length < SPARE_BUFFERS
    ) {
      this.#spare.push(new Uint8Array(buffer));
    }
  }

  async #open(periodStart: number): Promise<void> {
    const fileName = `${this.#path}.log`;
    const now = this.#clock.now();
    // Never append to or overwrite a file this writer did not create.
    const left = await recoverLeftover(this.#dir, this.#path, now);
    if (left) this.#post.run(left.call);
    const marker = JSON.stringify({ path: this.#path, periodStart, open: now });
    await Deno.writeTextFile(`${this.#dir}/${shadowName(fileName)}`, marker + "\n");
    this.#file = await Deno.open(`${this.#dir}/${fileName}`, { write: true, createNew: true });
    this.#writeAll(this.#fmt.header(this.#path, now));
  }

  async #writeBatch(batch: Chunk): Promise<void> {
    if (batch.records === 0) return;
    try {
      if (!this.#file) await this.#open(batch.periodStart);
      this.#writeBytes(batch.bytes);
      if (this.#fsync) await this.#file!.syncData();
      this.#stats.written += batch.records;
    } catch (e) {
      this.#stats.dropped += batch.records;
      this.#settle(batch.records, e);
      throw e;
    }
    this.#settle(batch.records, undefined);
    this.#recycle(batch);
  }

  /**
   * Counts `records` taken as written (or dropped, with `error`), and calls the waiters whose
   * lines they complete.
   */
  #settle(records: number, error: unknown): void {
    this.#settled += records;
    this.#lastError = error === undefined || error instanceof Error
      ? error
      : new Error(String(error));
    const waiters = this.#waiters;
    if (waiters.length === 0 || waiters[0]!.mark > this.#settled) return;
    let n = 0;
    while (n < waiters.length && waiters[n]!.mark <= this.#settled) n++;
    this.#call(waiters.splice(0, n), this.#lastError);
  }

  #call(waiters: readonly Waiter[], error: Error | undefined): void {
    const last = waiters.length - 1;
    for (let i = 0; i <= last; i++) {
      try {
        waiters[i]!.done(error, i < last);
      } catch (e) {
        this.#report(e);
      }
    }
  }

  #writeAll(text: string): void {
    if (text !== "") this.#writeBytes(this.#enc.encode(text));
  }

  /**
   * Writes with synchronous system calls, as {@linkcode LogFileWriter.flushSync} does: a write to
   * the page cache is a copy, and Deno's asynchronous write hands each one to a blocking thread and
   * back. Measured in the logs bench: a write-out still under way when the next batch came made
   * that batch's `flushSync` fail, so a busy logger stayed on the asynchronous path for nearly all
   * of its batches (2000 of 2000), each write-out taking all the lines buffered meanwhile.
   */
  #writeBytes(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length;) off += this.#file!.writeSync(bytes.subarray(off));
  }

  /**
   * Cuts the buffered lines at `cut` (those before it belong to the current period), starts the
   * next period, and queues the rotation: write the lines before the cut, `#close`, rename.
   */
  #startRotation(now: number, terminating: boolean, cut = this.#sink.pos): Promise<void> {
    this.#seals.push({ pos: cut, records: this.#chunkRecords, periodStart: this.#periodStart });
    // A queued flush may still take the lines before the cut, but not the later ones: a flush
    // asked for from now on queues behind the rotation.
    this.#flushPending = undefined;
    const openTime = this.#periodStart;
    if (this.#interval > 0) {
      const next = nextRotationTime(now, this.#interval);
      this.#nextRotation = next;
      this.#periodStart = next - this.#interval;
    } else {
      this.#periodStart = now;
    }
    return this.#enqueue(async () => {
      const batch = this.#take();
      this.#seals.shift();
      await this.#writeBatch(batch);
      if (!this.#file) return;
      this.#writeAll(this.#fmt.footer(now));
      this.#file.close();
      this.#file = undefined;
      const fileName = `${this.#path}.log`;
      const rotated = await renameRotated(this.#dir, fileName, this.#path, openTime);
      await Deno.remove(`${this.#dir}/${shadowName(fileName)}`).catch(() => {});
      this.#stats.rotations++;
      this.#post.run(
        postProcessCall(this.#dir, rotated, this.#path, { openTime, closeTime: now, terminating }),
      );
    });
  }
}

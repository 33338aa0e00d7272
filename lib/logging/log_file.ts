/**
 * One current log file per path: `dir/path.log`, ASCII or JSON, buffered and written through with
 * `Deno.FsFile`, rotated at interval boundaries and at shutdown with Zeek's names (see
 * `rotation.ts`). The writer has no timers: call {@linkcode LogFileWriter.tick} (the
 * `LogWriterManager` does it on its flush timer).
 *
 * @module
 */

import { systemClock } from "../clock.ts";
import { type AsciiFormatOptions, AsciiFormatter } from "./ascii_writer.ts";
import type { LogFormat, LogFormatter } from "./formatter.ts";
import { type JsonFormatOptions, JsonFormatter } from "./json_writer.ts";
import {
  isValidLogPath,
  nextRotationTime,
  type PostProcessCall,
  postProcessCall,
  type PostProcessor,
  recoverLeftover,
  renameRotated,
  shadowName,
  type WallClock,
} from "./rotation.ts";
import type { LogField, LogRow } from "./schema.ts";

/** Default size at which buffered lines are written out without waiting for the timer. */
export const DEFAULT_BUFFER_BYTES = 256 * 1024;
/** Default bound of buffered, not yet written bytes; records past it are dropped and counted. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

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
  readonly #post: PostProcessor | undefined;
  readonly #onError: (error: Error) => void;
  readonly #enc = new TextEncoder();
  /** Filled blocks waiting for a write-out, then the block being filled. */
  #blocks: Uint8Array[] = [];
  #block: Uint8Array;
  #blockPos = 0;
  #chunkRecords = 0;
  #pendingBytes = 0;
  #file: Deno.FsFile | undefined;
  #periodStart: number;
  #nextRotation: number | undefined;
  #queue: Promise<void> = Promise.resolve();
  #postRuns = new Set<Promise<void>>();
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
    this.#block = new Uint8Array(Math.max(4096, Math.min(this.#bufferBytes, 1 << 20)));
    this.#post = options.postProcessor;
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
      if (now >= this.#nextRotation) this.#startRotation(now, false).catch((e) => this.#report(e));
    }
    const line = this.#fmt.formatRow(row);
    if (this.#pendingBytes + line.length > this.#maxPending) {
      this.#stats.dropped++;
      return;
    }
    this.#append(line);
    this.#chunkRecords++;
    if (this.#pendingBytes >= this.#bufferBytes) {
      this.flush().catch((e) => this.#report(e));
    }
  }

  /** Encodes a line into the current block (a new block when it may not fit). */
  #append(line: string): void {
    const worst = line.length * 3;
    if (this.#block.length - this.#blockPos < worst) {
      if (this.#blockPos > 0) this.#blocks.push(this.#block.subarray(0, this.#blockPos));
      this.#block = new Uint8Array(Math.max(this.#block.length, worst));
      this.#blockPos = 0;
    }
    const { written } = this.#enc.encodeInto(line, this.#block.subarray(this.#blockPos));
    this.#blockPos += written;
    this.#pendingBytes += written;
  }

  /** Writes buffered records to `path.log`, creating it (with its header) if needed. */
  flush(): Promise<void> {
    const batch = this.#take();
    return this.#enqueue(() => this.#writeBatch(batch));
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
        const batch = this.#take();
        await this.#enqueue(async () => {
          await this.#writeBatch(batch);
          if (!this.#file) return;
          await this.#writeAll(this.#fmt.footer(now));
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
    await Promise.all([...this.#postRuns]);
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => {});
    return run;
  }

  #report(e: unknown): void {
    this.#stats.errors++;
    this.#onError(e instanceof Error ? e : new Error(String(e)));
  }

  /** Takes the buffered lines, with the period they belong to. */
  #take(): { blocks: Uint8Array[]; records: number; periodStart: number } {
    const blocks = this.#blocks;
    if (this.#blockPos > 0) {
      blocks.push(this.#block.subarray(0, this.#blockPos));
      this.#block = new Uint8Array(this.#block.length);
      this.#blockPos = 0;
    }
    const batch = { blocks, records: this.#chunkRecords, periodStart: this.#periodStart };
    this.#blocks = [];
    this.#chunkRecords = 0;
    this.#pendingBytes = 0;
    return batch;
  }

  async #open(periodStart: number): Promise<void> {
    const fileName = `${this.#path}.log`;
    const now = this.#clock.now();
    // Never append to or overwrite a file this writer did not create.
    const left = await recoverLeftover(this.#dir, this.#path, now);
    if (left) this.#runPost(left.call);
    const marker = JSON.stringify({ path: this.#path, periodStart, open: now });
    await Deno.writeTextFile(`${this.#dir}/${shadowName(fileName)}`, marker + "\n");
    this.#file = await Deno.open(`${this.#dir}/${fileName}`, { write: true, createNew: true });
    await this.#writeAll(this.#fmt.header(this.#path, now));
  }

  async #writeBatch(
    batch: { blocks: Uint8Array[]; records: number; periodStart: number },
  ): Promise<void> {
    if (batch.records === 0) return;
    try {
      if (!this.#file) await this.#open(batch.periodStart);
      for (const block of batch.blocks) await this.#writeBytes(block);
      if (this.#fsync) await this.#file!.syncData();
      this.#stats.written += batch.records;
    } catch (e) {
      this.#stats.dropped += batch.records;
      throw e;
    }
  }

  async #writeAll(text: string): Promise<void> {
    if (text !== "") await this.#writeBytes(this.#enc.encode(text));
  }

  async #writeBytes(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length;) off += await this.#file!.write(bytes.subarray(off));
  }

  /** Seals the buffered records into the current period, starts the next, and rotates the file. */
  #startRotation(now: number, terminating: boolean): Promise<void> {
    const batch = this.#take();
    const openTime = this.#periodStart;
    if (this.#interval > 0) {
      const next = nextRotationTime(now, this.#interval);
      this.#nextRotation = next;
      this.#periodStart = next - this.#interval;
    } else {
      this.#periodStart = now;
    }
    return this.#enqueue(async () => {
      await this.#writeBatch(batch);
      if (!this.#file) return;
      await this.#writeAll(this.#fmt.footer(now));
      this.#file.close();
      this.#file = undefined;
      const fileName = `${this.#path}.log`;
      const rotated = await renameRotated(this.#dir, fileName, this.#path, openTime);
      await Deno.remove(`${this.#dir}/${shadowName(fileName)}`).catch(() => {});
      this.#stats.rotations++;
      this.#runPost(
        postProcessCall(this.#dir, rotated, this.#path, { openTime, closeTime: now, terminating }),
      );
    });
  }

  #runPost(call: PostProcessCall): void {
    const post = this.#post;
    if (!post) return;
    const run = (async () => {
      try {
        await post(call);
      } catch (e) {
        this.#report(e);
      }
    })();
    this.#postRuns.add(run);
    run.finally(() => this.#postRuns.delete(run));
  }
}

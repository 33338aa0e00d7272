/**
 * The log writing side of a logger node: takes decoded batches (or local records), routes them to
 * one {@linkcode LogFileWriter} per (writer, path), created lazily, and drives flushing and rotation
 * from one timer.
 *
 * @module
 */

import { systemClock } from "../../clock.ts";
import type { AsciiFormatOptions } from "./ascii_writer.ts";
import { SerializationError } from "../../errors.ts";
import { lockLogDirectory } from "../../locks/lock_file.ts";
import { decodeLogBatch, decodeLogBatchHeader } from "../wire/_batch_decoder.ts";
import type { LogBatchData } from "../wire/batch_codec.ts";
import type { LogFormat } from "./formatter.ts";
import type { JsonFormatOptions } from "./json_writer.ts";
import { type LogFileStats, LogFileWriter } from "./log_file.ts";
import {
  type LogCompression,
  LogCompressor,
  type LogCompressorStats,
  pendingCompressions,
} from "./compress.ts";
import {
  isValidLogPath,
  postProcessCall,
  type PostProcessor,
  PostProcessRunner,
  type RecoveredLog,
  recoverLeftovers,
  type WallClock,
} from "./rotation.ts";
import { type LogField, type LogRow, type LogStream, validateRecord } from "../schema/schema.ts";

/** The writer name Zeek uses for the ASCII (and JSON) writer. */
export const WRITER_ASCII = "Log::WRITER_ASCII";
/** The writer name of Zeek's no-op writer; its batches are accepted and discarded. */
export const WRITER_NONE = "Log::WRITER_NONE";
/** Default flush timer period (Zeek's `Log::flush_interval` is 1 s). */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

/** Options of {@linkcode LogWriterManager.create}. */
export interface LogWriterManagerOptions {
  /** Log directory; created if missing. */
  readonly dir: string;
  /** `ascii` (default) or `json` for `Log::WRITER_ASCII` batches. */
  readonly format?: LogFormat;
  /** ASCII separators and markers. */
  readonly ascii?: AsciiFormatOptions;
  /** JSON timestamp style. */
  readonly json?: JsonFormatOptions;
  /** Time source, epoch seconds. Default: the system clock. */
  readonly clock?: WallClock;
  /** Rotation interval in seconds (Zeek's logger default is 3600); 0 disables. Default 0. */
  readonly rotationIntervalSec?: number;
  /** Flush timer period; 0 runs no timer (drive with {@linkcode LogWriterManager.tick}). */
  readonly flushIntervalMs?: number;
  /** Per-writer buffer size that triggers an early write-out. */
  readonly bufferBytes?: number;
  /** Per-writer bound of pending bytes. */
  readonly maxPendingBytes?: number;
  /** `fdatasync` after each write-out. */
  readonly fsync?: boolean;
  /** Called for each rotated file with Zeek's `archive-log` argv, leftovers included. */
  readonly postProcessor?: PostProcessor;
  /**
   * `gzip` compresses every rotated file to `path.<open>-<close>.log.gz` (see `compress.ts`), and
   * at start-up finishes what a crashed run left; default `none`.
   */
  readonly compression?: LogCompression;
  /** gzip level, 1 to 9 (6, as zlib). */
  readonly gzipLevel?: number;
  /** Receives every error (bad batches, write failures, post-processor failures). */
  readonly onError?: (error: Error) => void;
}

/** Counters of one (writer, path). */
export interface LogWriterCounters extends LogFileStats {
  /** The writer name, e.g. `Log::WRITER_ASCII`. */
  readonly writer: string;
  /** The path. */
  readonly path: string;
}

/** Counters of the manager. */
export interface LogManagerCounters {
  /** One entry per (writer, path). */
  readonly writers: readonly LogWriterCounters[];
  /** Batches or records refused (unknown writer, bad path, schema mismatch, bad record). */
  readonly rejected: number;
  /** Errors of all kinds, including those counted by the writers. */
  readonly errors: number;
  /** Files rotated at start-up because a previous run left them. */
  readonly recovered: number;
}

function sameFields(a: readonly LogField[], b: readonly LogField[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.type === b[i]!.type);
}

/**
 * Routes log records to files. Create it with {@linkcode LogWriterManager.create}, which also
 * rotates files a crashed run left behind.
 *
 * @example
 * ```ts ignore
 * await using logs = await LogWriterManager.create({ dir: "logs", rotationIntervalSec: 3600 });
 * logs.writeBatch(decodeLogBatch(frame3));
 * ```
 */
export class LogWriterManager implements AsyncDisposable {
  readonly #opt: LogWriterManagerOptions;
  readonly #clock: WallClock;
  readonly #writers = new Map<string, { writer: string; file: LogFileWriter }>();
  readonly #recovered: readonly RecoveredLog[];
  #rejected = 0;
  #errors = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  readonly #post: PostProcessRunner;
  #closed = false;
  /** The file the last batch went to. */
  #lastBatchFile: LogFileWriter | undefined;
  /** The log directory's lock, taken by {@linkcode LogWriterManager.create}; released last. */
  #lock: Disposable | undefined;
  readonly #compressor: LogCompressor | undefined;

  /**
   * Prefer {@linkcode LogWriterManager.create}: this constructor neither creates the directory nor
   * recovers leftovers up front (each path's leftover is still rotated before its file is opened).
   *
   * @param options directory, format, clock, rotation and hooks
   * @param recovered files already recovered, for the counters
   */
  constructor(options: LogWriterManagerOptions, recovered: readonly RecoveredLog[] = []) {
    this.#opt = options;
    this.#compressor = options.compression === "gzip"
      ? new LogCompressor(options.gzipLevel === undefined ? {} : { level: options.gzipLevel })
      : undefined;
    this.#clock = options.clock ?? systemClock;
    this.#recovered = recovered;
    this.#post = new PostProcessRunner(
      options.postProcessor,
      (e) => this.#report(e),
      this.#compressor,
    );
    this.#schedule();
  }

  /**
   * Creates the directory if needed, takes its lock (`.zcluster.lock`, held until
   * {@linkcode close}), rotates leftover current files, and starts the flush timer. Nothing in the
   * directory is touched before the lock is held, so the leftovers recovered are never the live
   * files of another process.
   *
   * @param options directory, format, clock, rotation and hooks
   * @returns the manager
   * @throws {LockHeldError} When another process holds the directory (it names its pid).
   */
  static async create(options: LogWriterManagerOptions): Promise<LogWriterManager> {
    const lock = lockLogDirectory(options.dir);
    let recovered: RecoveredLog[];
    try {
      recovered = await recoverLeftovers(options.dir, (options.clock ?? systemClock).now());
    } catch (error) {
      lock[Symbol.dispose]();
      throw error;
    }
    const m = new LogWriterManager(options, recovered);
    m.#lock = lock;
    const compressor = m.#compressor;
    if (compressor) {
      // Leftovers just rotated, and rotated files a crash left plain, compressed oldest first.
      for (const job of await pendingCompressions(options.dir)) {
        m.#post.run(
          postProcessCall(job.dir, job.plain, job.path, { ...job, terminating: false }),
        );
      }
    } else {
      for (const r of recovered) m.#post.run(r.call);
    }
    return m;
  }

  /**
   * The file whose buffer took the lines of the last {@linkcode writeBatch} or
   * {@linkcode writeEncodedBatch} call (a batch has one writer and path); undefined when that call
   * buffered nothing (refused, malformed, empty, `Log::WRITER_NONE`). A logger that acknowledges a
   * batch waits for the write-out of this file only, never for another file's open or rotation.
   */
  get lastBatchFile(): LogFileWriter | undefined {
    return this.#lastBatchFile;
  }

  /** Files rotated at start-up. */
  get recovered(): readonly RecoveredLog[] {
    return this.#recovered;
  }

  /**
   * Writes every record of a decoded batch to the batch's path. Refused (counted, reported to
   * `onError`, nothing thrown): unknown writers, unsafe paths, and fields that differ from those
   * the path's file was opened with. `Log::WRITER_NONE` batches are discarded. The batch's
   * records are written out to the file at once (in the background), not on the next tick.
   *
   * @returns the number of records accepted
   */
  writeBatch(batch: LogBatchData): number {
    this.#lastBatchFile = undefined;
    const n = this.writeRows(batch.path, batch.fields, batch.records, batch.writerName);
    if (n === 0) return 0;
    const file = this.#writers.get(`${batch.writerName}\u0000${batch.path}`)?.file;
    this.#lastBatchFile = file;
    // A batch from another node is written out at once, as Zeek's writer writes records through
    // to the file: a logger that is killed must not lose batches it had taken off the socket up to
    // a flush interval earlier.
    file?.flush().catch((e) => this.#report(e));
    return n;
  }

  /**
   * Writes an encoded batch (frame 3 of a `log-write` message) as {@linkcode writeBatch} writes
   * its decoded form, with the same output, counters and errors. For a path whose file is open
   * with the same fields (every batch after a path's first), the records are formatted straight
   * from the bytes (no row objects); anything else takes the decoding path.
   *
   * @param bytes the encoded batch
   * @returns the number of records accepted
   * @throws {SerializationError} for a malformed batch (nothing of it is written)
   */
  writeEncodedBatch(bytes: Uint8Array): number {
    this.#lastBatchFile = undefined;
    const head = decodeLogBatchHeader(bytes);
    const entry = this.#closed || head.writerName !== WRITER_ASCII
      ? undefined
      : this.#writers.get(`${head.writerName}\u0000${head.path}`);
    const file = entry?.file;
    if (!file || !file.writesEncoded || !sameFields(file.fields, head.fields)) {
      return this.writeBatch(decodeLogBatch(bytes));
    }
    try {
      file.writeEncoded(bytes, head.recordsOffset, head.numRecords);
    } catch (e) {
      if (!(e instanceof SerializationError)) throw e;
      // The decoder says exactly what is wrong; should it not object, its rows are written.
      return this.writeBatch(decodeLogBatch(bytes));
    }
    if (head.numRecords === 0) return 0;
    this.#lastBatchFile = file;
    file.flush().catch((e) => this.#report(e));
    return head.numRecords;
  }

  /**
   * Writes rows (one value per field, already valid) to `path`.
   *
   * @returns the number of rows accepted
   */
  writeRows(
    path: string,
    fields: readonly LogField[],
    rows: readonly LogRow[],
    writer = WRITER_ASCII,
  ): number {
    if (writer === WRITER_NONE) return 0;
    const file = this.#writerFor(writer, path, fields);
    if (!file) return 0;
    for (const row of rows) file.write(row);
    return rows.length;
  }

  /**
   * Validates a local record against a stream, applies its policy, and writes it to the stream's
   * path (or `path`).
   *
   * @returns whether the record was written (false when the policy vetoed it)
   * @throws {TypeError} when the record does not fit the stream (see `validateRecord`)
   */
  write(stream: LogStream, record: Readonly<Record<string, unknown>>, path = stream.path): boolean {
    if (stream.policy && !stream.policy(record)) return false;
    const row = validateRecord(stream.fields, record, { stream: stream.path });
    return this.writeRows(path, stream.fields, [row]) === 1;
  }

  /** Flushes every writer and rotates those whose time has come. */
  async tick(): Promise<void> {
    const runs = [...this.#writers.values()].map(({ file }) =>
      file.tick().catch((e) => this.#report(e))
    );
    await Promise.all(runs);
  }

  /** Writes every buffered record out. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.#writers.values()].map(({ file }) => file.flush().catch((e) => this.#report(e))),
    );
  }

  /** A snapshot of the counters. */
  counters(): LogManagerCounters {
    const writers = [...this.#writers.values()].map(({ writer, file }) => ({
      writer,
      path: file.path,
      ...file.stats(),
    }));
    return {
      writers,
      rejected: this.#rejected,
      errors: this.#errors + writers.reduce((n, w) => n + w.errors, 0),
      recovered: this.#recovered.length,
    };
  }

  /**
   * Stops the timer, closes every writer (rotating them when rotation is on), waits for the
   * post-processors, then releases the directory's lock. Safe twice.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#ticking;
      await Promise.all(
        [...this.#writers.values()].map(({ file }) => file.close().catch((e) => this.#report(e))),
      );
    }
    await this.#post.settled();
    await this.#compressor?.[Symbol.asyncDispose]();
    this.#lock?.[Symbol.dispose]();
    this.#lock = undefined;
  }

  /** Counters of the compression of rotated files, when it is on. */
  get compression(): LogCompressorStats | undefined {
    return this.#compressor?.stats;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #writerFor(writer: string, path: string, fields: readonly LogField[]): LogFileWriter | undefined {
    if (this.#closed) return this.#reject(`Cannot write log "${path}": manager is closed`);
    if (writer !== WRITER_ASCII) {
      return this.#reject(`Cannot write log "${path}": unsupported writer "${writer}"`);
    }
    if (!isValidLogPath(path)) {
      return this.#reject(`Cannot write log ${JSON.stringify(path)}: invalid path`);
    }
    const key = `${writer}\u0000${path}`;
    const have = this.#writers.get(key);
    if (have) {
      if (sameFields(have.file.fields, fields)) return have.file;
      return this.#reject(`Cannot write log "${path}": fields differ from the open file's`);
    }
    const o = this.#opt;
    const file = new LogFileWriter({
      dir: o.dir,
      path,
      fields,
      clock: this.#clock,
      onError: (e) => o.onError?.(e),
      ...(o.format === undefined ? {} : { format: o.format }),
      ...(o.ascii === undefined ? {} : { ascii: o.ascii }),
      ...(o.json === undefined ? {} : { json: o.json }),
      ...(o.rotationIntervalSec === undefined
        ? {}
        : { rotationIntervalSec: o.rotationIntervalSec }),
      ...(o.bufferBytes === undefined ? {} : { bufferBytes: o.bufferBytes }),
      ...(o.maxPendingBytes === undefined ? {} : { maxPendingBytes: o.maxPendingBytes }),
      ...(o.fsync === undefined ? {} : { fsync: o.fsync }),
      ...(o.postProcessor === undefined ? {} : { postProcessor: o.postProcessor }),
      ...(this.#compressor === undefined ? {} : { compressor: this.#compressor }),
    });
    this.#writers.set(key, { writer, file });
    return file;
  }

  #reject(message: string): undefined {
    this.#rejected++;
    this.#report(new TypeError(message));
    return undefined;
  }

  #report(e: unknown): void {
    this.#errors++;
    this.#opt.onError?.(e instanceof Error ? e : new Error(String(e)));
  }

  #schedule(): void {
    const period = this.#opt.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    if (period <= 0 || this.#closed) return;
    const now = this.#clock.now();
    let delay = period;
    for (const { file } of this.#writers.values()) {
      const next = file.nextRotation;
      if (next !== undefined) delay = Math.min(delay, Math.max(0, (next - now) * 1000));
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ticking = this.tick().finally(() => {
        this.#ticking = undefined;
        this.#schedule();
      });
    }, delay);
  }
}

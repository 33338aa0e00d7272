/**
 * Compression of rotated log files (`--log-compress gzip`): a rotated `path.<open>.log` becomes
 * `path.<open>-<close>.log.gz`, readable by `zcat | bro-cut` and `gzip -t`. Live files stay plain.
 *
 * Off the event loop: the gzip stream runs in a Web Worker (node:zlib, streamed from the file), one
 * file at a time; the node's event loop only renames and removes files.
 *
 * Crash safety: the worker writes `<final>.tmp`, fsyncs it, and only then is it renamed to the
 * final name (and the directory fsynced) before the plain file is removed. A crash at any moment
 * leaves the plain file (with perhaps a `.tmp` beside it), or a complete `.gz` (with perhaps the
 * plain file beside it). {@linkcode pendingCompressions}, run at start-up, removes `.tmp` leftovers,
 * removes a plain file whose complete `.gz` exists, and lists the plain rotated files still to
 * compress.
 *
 * @module
 */

import { formatLogTimestamp, parseLogTimestamp } from "./formatter.ts";

/** Compression of rotated log files. */
export type LogCompression = "none" | "gzip";

/** gzip level used when none is given (zlib's default). */
export const DEFAULT_GZIP_LEVEL = 6;

/** Compressions waiting at most; more are left plain (counted) until the next start. */
export const DEFAULT_COMPRESS_QUEUE_MAX = 10_000;

/** A rotated plain name: `path.YYYY-MM-DD-HH-MM-SS[-N].log`. */
const PLAIN_RE = /^([A-Za-z0-9_][A-Za-z0-9_-]*)\.(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:-\d+)?\.log$/;
const TMP_SUFFIX = ".tmp";

/**
 * The compressed name of a rotated file: `path.<open>-<close>.log.gz`, both times local
 * `%Y-%m-%d-%H-%M-%S` (the stamp of Zeek's rotated names).
 *
 * @param path The log path, e.g. `conn`.
 * @param openTime Period start, epoch seconds.
 * @param closeTime Close time, epoch seconds.
 * @returns The base name.
 * @example
 * ```ts
 * import { compressedName } from "./compress.ts";
 * console.assert(compressedName("conn", 0, 3600).endsWith(".log.gz"));
 * ```
 */
export function compressedName(path: string, openTime: number, closeTime: number): string {
  return `${path}.${formatLogTimestamp(openTime)}-${formatLogTimestamp(closeTime)}.log.gz`;
}

/** Options of {@linkcode LogCompressor}. */
export interface LogCompressorOptions {
  /** gzip level, 1 (fast) to 9 (small); {@linkcode DEFAULT_GZIP_LEVEL} by default. */
  readonly level?: number;
  /** Bound of the waiting compressions ({@linkcode DEFAULT_COMPRESS_QUEUE_MAX}). */
  readonly queueMax?: number;
}

/** Counters of a {@linkcode LogCompressor}. */
export interface LogCompressorStats {
  /** Files compressed. */
  readonly compressed: number;
  /** Compressions that failed (the plain file is kept). */
  readonly failed: number;
  /** Compressions refused because the queue was full (the plain file is kept). */
  readonly dropped: number;
  /** Plain bytes read, and gzip bytes written. */
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** One compression to run. */
export interface CompressJob {
  /** The log directory. */
  readonly dir: string;
  /** The rotated plain file's base name. */
  readonly plain: string;
  /** The log path. */
  readonly path: string;
  /** Period start and close time, epoch seconds (they name the `.gz`). */
  readonly openTime: number;
  readonly closeTime: number;
}

/**
 * Validates a gzip level.
 *
 * @param level The level.
 * @returns The level.
 * @throws {RangeError} Unless an integer from 1 to 9.
 */
export function checkGzipLevel(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new RangeError(`Invalid gzip level ${level}: expected an integer from 1 to 9`);
  }
  return level;
}

// The worker: streams one file through node:zlib's gzip into `tmp`, then fsyncs `tmp`. Kept as a
// string (run from a blob: URL) so that a compiled binary needs no extra file.
const WORKER_SOURCE = `
import { createReadStream, createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
self.onmessage = async (e) => {
  const { src, tmp, level } = e.data;
  try {
    await pipeline(createReadStream(src), createGzip({ level }), createWriteStream(tmp, { flags: "wx" }));
    const f = await Deno.open(tmp, { read: true, write: true });
    try { await f.sync(); } finally { f.close(); }
    self.postMessage({ ok: true });
  } catch (err) {
    self.postMessage({ ok: false, message: String(err && err.message || err) });
  }
};
`;

/**
 * Compresses rotated files one at a time in a worker, crash-safely (see the module doc).
 *
 * @example
 * ```ts
 * import { LogCompressor } from "./compress.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/conn.2026-01-01-00-00-00.log`, "#fields\tts\n1\n");
 * await using compressor = new LogCompressor({ level: 6 });
 * const gz = await compressor.compress({
 *   dir, plain: "conn.2026-01-01-00-00-00.log", path: "conn", openTime: 0, closeTime: 60,
 * });
 * console.assert(gz?.endsWith(".log.gz"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LogCompressor implements AsyncDisposable {
  readonly #level: number;
  readonly #queueMax: number;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #worker: Worker | undefined;
  #stats = { compressed: 0, failed: 0, dropped: 0, bytesIn: 0, bytesOut: 0 };

  /**
   * @param options Level and queue bound.
   * @throws {RangeError} For a bad level.
   */
  constructor(options: LogCompressorOptions = {}) {
    this.#level = checkGzipLevel(options.level ?? DEFAULT_GZIP_LEVEL);
    this.#queueMax = options.queueMax ?? DEFAULT_COMPRESS_QUEUE_MAX;
  }

  /** A snapshot of the counters. */
  get stats(): LogCompressorStats {
    return { ...this.#stats };
  }

  /**
   * Queues one file. The plain file is removed once its `.gz` is complete under the final name.
   *
   * @param job Directory, plain name, path and times.
   * @returns The `.gz` base name, or undefined when the queue was full (the file stays plain).
   * @throws {Error} `Cannot compress <file>: <reason>` (the plain file is kept).
   */
  compress(job: CompressJob): Promise<string | undefined> {
    if (this.#queued >= this.#queueMax) {
      this.#stats.dropped++;
      return Promise.resolve(undefined);
    }
    this.#queued++;
    const run = this.#tail.then(() => this.#run(job)).finally(() => {
      this.#queued--;
      if (this.#queued === 0) this.#stopWorker();
    });
    this.#tail = run.catch(() => {});
    return run;
  }

  async #run(job: CompressJob): Promise<string> {
    const { dir } = job;
    const src = `${dir}/${job.plain}`;
    try {
      const base = compressedName(job.path, job.openTime, job.closeTime);
      let final = base;
      for (let n = 1; await exists(`${dir}/${final}`); n++) {
        final = base.replace(/\.log\.gz$/, `-${n}.log.gz`);
      }
      const tmp = `${dir}/${final}${TMP_SUFFIX}`;
      await Deno.remove(tmp).catch(() => {});
      await this.#inWorker(src, tmp);
      await Deno.rename(tmp, `${dir}/${final}`);
      await syncDir(dir);
      const [plainSize, gzSize] = [
        (await Deno.stat(src)).size,
        (await Deno.stat(`${dir}/${final}`)).size,
      ];
      await Deno.remove(src);
      await syncDir(dir);
      this.#stats.compressed++;
      this.#stats.bytesIn += plainSize;
      this.#stats.bytesOut += gzSize;
      return final;
    } catch (error) {
      this.#stats.failed++;
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot compress ${src}: ${detail}`, { cause: error });
    }
  }

  #inWorker(src: string, tmp: string): Promise<void> {
    if (!this.#worker) {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
      try {
        this.#worker = new Worker(url, { type: "module" });
      } finally {
        URL.revokeObjectURL(url);
      }
    }
    const worker = this.#worker;
    return new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<{ ok: boolean; message?: string }>) =>
        e.data.ok ? resolve() : reject(new Error(e.data.message ?? "worker failed"));
      worker.onerror = (e) => {
        e.preventDefault();
        this.#stopWorker();
        reject(new Error(`compression worker failed: ${e.message}`));
      };
      worker.postMessage({ src, tmp, level: this.#level });
    });
  }

  #stopWorker(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** Waits for every queued compression, then stops the worker. Safe to call twice. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail;
    this.#stopWorker();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.lstat(file);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

/** The gzip trailer's ISIZE: the plain size modulo 2^32. */
async function gzipPlainSize(file: string): Promise<number | undefined> {
  using f = await Deno.open(file, { read: true });
  const size = (await f.stat()).size;
  if (size < 18) return undefined;
  await f.seek(size - 4, Deno.SeekMode.Start);
  const b = new Uint8Array(4);
  if ((await f.read(b)) !== 4) return undefined;
  return new DataView(b.buffer).getUint32(0, true);
}

/** The `#close` stamp of an ASCII log, from its last bytes. */
async function closeStampOf(file: string): Promise<number | undefined> {
  using f = await Deno.open(file, { read: true });
  const size = (await f.stat()).size;
  const n = Math.min(size, 512);
  await f.seek(size - n, Deno.SeekMode.Start);
  const b = new Uint8Array(n);
  const got = (await f.read(b)) ?? 0;
  const m = /#close\t(\S+)\s*$/.exec(new TextDecoder().decode(b.subarray(0, got)));
  return m?.[1] === undefined ? undefined : parseLogTimestamp(m[1]);
}

/**
 * Tidies `dir` after a crash and lists what is left to compress: removes `*.log.gz.tmp` leftovers
 * (a compression cut short), removes a rotated plain file whose complete `.gz` exists (the crash
 * came between the rename and the removal; a `.gz` under its final name is always complete, and its
 * recorded size must match), and returns the other rotated plain files, oldest first. The close
 * time is read from the file's `#close` line, else its modification time.
 *
 * @param dir The log directory.
 * @returns The compressions to run.
 * @example
 * ```ts
 * import { pendingCompressions } from "./compress.ts";
 * const dir = await Deno.makeTempDir();
 * console.assert((await pendingCompressions(dir)).length === 0);
 * await Deno.remove(dir);
 * ```
 */
export async function pendingCompressions(dir: string): Promise<CompressJob[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  const gz = new Set(names.filter((n) => n.endsWith(".log.gz")));
  const jobs: CompressJob[] = [];
  for (const name of names.sort()) {
    if (name.endsWith(`.log.gz${TMP_SUFFIX}`)) {
      await Deno.remove(`${dir}/${name}`).catch(() => {});
      continue;
    }
    const m = PLAIN_RE.exec(name);
    if (!m) continue;
    const path = m[1]!;
    const openTime = parseLogTimestamp(m[2]!);
    if (openTime === undefined) continue;
    const st = await Deno.stat(`${dir}/${name}`);
    const closeTime = (await closeStampOf(`${dir}/${name}`)) ??
      (st.mtime ? st.mtime.getTime() / 1000 : openTime);
    const base = compressedName(path, openTime, closeTime).replace(/\.log\.gz$/, "");
    let done = false;
    for (const candidate of gz) {
      if (!candidate.startsWith(base)) continue;
      const rest = candidate.slice(base.length);
      if (!/^(-\d+)?\.log\.gz$/.test(rest)) continue;
      if ((await gzipPlainSize(`${dir}/${candidate}`)) === st.size % 2 ** 32) done = true;
    }
    if (done) {
      await Deno.remove(`${dir}/${name}`);
      continue;
    }
    jobs.push({ dir, plain: name, path, openTime, closeTime });
  }
  return jobs.sort((a, b) => a.openTime - b.openTime || a.plain.localeCompare(b.plain));
}

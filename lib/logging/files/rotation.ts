/**
 * Rotation arithmetic and names, and the recovery of current log files left by a crashed run.
 *
 * Zeek semantics: rotation happens at wall-clock multiples of the interval counted from local
 * midnight; the rotated file is named `path.%Y-%m-%d-%H-%M-%S.log` after the start of its rotation
 * period (local time); the post-processor gets Zeek's `archive-log` argv
 * `<rotated file> <path> <open %y-%m-%d_%H.%M.%S> <close %y-%m-%d_%H.%M.%S> <terminating 0|1> ascii`.
 *
 * Crash safety: next to each open `path.log` sits a `.shadow.path.log` marker (as Zeek's leftover
 * log rotation) holding the period start. At start-up, {@linkcode recoverLeftovers} rotates every
 * marked file, and any unmarked `*.log` that begins with an ASCII `#separator` header, instead of
 * appending to it or overwriting it.
 *
 * @module
 */

import type { CompressJob } from "./compress.ts";
import type { Clock } from "../../clock.ts";
import { parseAsciiHeader } from "./ascii_writer.ts";
import { formatLocalTime, formatLogTimestamp, parseLogTimestamp } from "./formatter.ts";

/** The part of the project clock (`lib/clock.ts`) logging needs: wall-clock epoch seconds. */
export type WallClock = Pick<Clock, "now">;

/** What a post-processor is told about one rotated file. */
export interface PostProcessCall {
  /** Zeek's `archive-log` argv (without the program name). */
  readonly argv: readonly [string, string, string, string, "0" | "1", "ascii"];
  /** The log directory (Zeek runs the command there). */
  readonly dir: string;
  /** The rotated file's full name. */
  readonly file: string;
  /** The log path, e.g. `conn`. */
  readonly path: string;
  /** Period start (epoch seconds). */
  readonly openTime: number;
  /** Close time (epoch seconds). */
  readonly closeTime: number;
  /** Whether the rotation happened at shutdown. */
  readonly terminating: boolean;
}

/** Called once per rotated file, e.g. to compress or archive it. Errors go to `onError`. */
export type PostProcessor = (call: PostProcessCall) => void | Promise<void>;

/**
 * Runs post-processors in the background, one run per rotated file, and lets a closing owner wait
 * for the runs still going: the one runner of the file writer and the writer manager. A
 * post-processor's error (thrown or rejected) goes to `onError` and stops nothing else.
 *
 * @example
 * ```ts
 * import { PostProcessRunner } from "./rotation.ts";
 * const runner = new PostProcessRunner((call) => console.log(call.file), console.error);
 * await runner.settled();
 * ```
 */
export class PostProcessRunner {
  readonly #post: PostProcessor | undefined;
  readonly #onError: (e: unknown) => void;
  readonly #compressor: RotatedFileCompressor | undefined;
  readonly #runs = new Set<Promise<void>>();

  /**
   * @param post The post-processor (none and no compressor: `run` does nothing).
   * @param onError Receives each run's error, a failed compression's included.
   * @param compressor Compresses each rotated file first; the post-processor then gets the
   * compressed file (or the plain one when compression failed).
   */
  constructor(
    post: PostProcessor | undefined,
    onError: (e: unknown) => void,
    compressor?: RotatedFileCompressor,
  ) {
    this.#post = post;
    this.#onError = onError;
    this.#compressor = compressor;
  }

  /** Starts the work for one rotated file (in a later microtask). */
  run(call: PostProcessCall): void {
    const post = this.#post;
    const compressor = this.#compressor;
    if (!post && !compressor) return;
    const run = Promise.resolve().then(async () => {
      let target = call;
      if (compressor) {
        const { dir, path, openTime, closeTime, terminating } = call;
        const gz = await compressor
          .compress({ dir, plain: call.argv[0], path, openTime, closeTime })
          .catch((e) => void this.#onError(e));
        if (gz) target = postProcessCall(dir, gz, path, { openTime, closeTime, terminating });
      }
      await post?.(target);
    }).then(
      () => {},
      (e) => this.#onError(e),
    );
    this.#runs.add(run);
    run.finally(() => this.#runs.delete(run));
  }

  /** Resolves when every run started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#runs]);
  }
}

/** What {@linkcode PostProcessRunner} needs of a compressor (`LogCompressor` in `compress.ts`). */
export interface RotatedFileCompressor {
  /** Compresses one rotated file; resolves with the compressed file's name (undefined: none). */
  compress(job: CompressJob): Promise<string | undefined>;
}

/** A rotated name's `.YYYY-MM-DD-HH-MM-SS[-N].log` tail. */
const ROTATED_RE = /\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(?:-\d+)?\.log$/;
const SHADOW_PREFIX = ".shadow.";

/** Whether `path` is safe as a log path (letters, digits, `_`, `-`; no dots or slashes). */
export function isValidLogPath(path: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_-]{0,199}$/.test(path);
}

/**
 * The next rotation time after `now`: the next multiple of `intervalSec` counted from local
 * midnight plus `baseSec` (Zeek's `calc_next_rotate`).
 *
 * @example
 * ```ts
 * import { nextRotationTime } from "./rotation.ts";
 * nextRotationTime(1000.5, 5) - 1000.5 <= 5; // true
 * ```
 */
export function nextRotationTime(now: number, intervalSec: number, baseSec = 0): number {
  const d = new Date(Math.floor(now) * 1000);
  let dayStart = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000;
  if (now < dayStart + baseSec) dayStart -= 86400;
  const delta = now - (dayStart + baseSec);
  return now + intervalSec - (delta % intervalSec);
}

/** The rotated file name for a path and period start. */
export function rotatedName(path: string, periodStart: number): string {
  return `${path}.${formatLogTimestamp(periodStart)}.log`;
}

/** Zeek's `archive-log` time argument: local `%y-%m-%d_%H.%M.%S`. */
export function archiveTime(seconds: number): string {
  return formatLocalTime(seconds, "%y-%m-%d_%H.%M.%S");
}

/** The shadow marker file name of a current log file name. */
export function shadowName(fileName: string): string {
  return `${SHADOW_PREFIX}${fileName}`;
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

/**
 * Renames `dir/fileName` to its rotated name, adding `-1`, `-2`, ... if that name is taken so that
 * nothing is ever overwritten.
 *
 * @returns the new base name
 */
export async function renameRotated(
  dir: string,
  fileName: string,
  path: string,
  periodStart: number,
): Promise<string> {
  const base = rotatedName(path, periodStart);
  let target = base;
  for (let n = 1; await exists(`${dir}/${target}`); n++) {
    target = base.replace(/\.log$/, `-${n}.log`);
  }
  await Deno.rename(`${dir}/${fileName}`, `${dir}/${target}`);
  return target;
}

/** Builds the post-processor call for a rotated file. */
export function postProcessCall(
  dir: string,
  rotated: string,
  path: string,
  times: { openTime: number; closeTime: number; terminating: boolean },
): PostProcessCall {
  return {
    argv: [
      rotated,
      path,
      archiveTime(times.openTime),
      archiveTime(times.closeTime),
      times.terminating ? "1" : "0",
      "ascii",
    ],
    dir,
    file: `${dir}/${rotated}`,
    path,
    ...times,
  };
}

/** One file rotated by {@linkcode recoverLeftovers}. */
export interface RecoveredLog {
  /** Log path. */
  readonly path: string;
  /** The rotated file's base name. */
  readonly rotated: string;
  /** The post-processor call made (or that would be made) for it. */
  readonly call: PostProcessCall;
}

async function periodStartOf(dir: string, fileName: string, shadow: boolean): Promise<number> {
  if (shadow) {
    try {
      const info = JSON.parse(await Deno.readTextFile(`${dir}/${shadowName(fileName)}`));
      if (typeof info?.periodStart === "number") return info.periodStart;
    } catch {
      // An unreadable marker falls back to the header or the file's times.
    }
  }
  try {
    const head = await readHead(`${dir}/${fileName}`);
    const open = parseLogTimestamp(parseAsciiHeader(head).open);
    if (open !== undefined) return open;
  } catch {
    // Not an ASCII file, or no header.
  }
  const st = await Deno.stat(`${dir}/${fileName}`);
  return (st.birthtime ?? st.mtime ?? new Date()).getTime() / 1000;
}

async function readHead(file: string): Promise<string> {
  using f = await Deno.open(file, { read: true });
  const buf = new Uint8Array(4096);
  const n = (await f.read(buf)) ?? 0;
  return new TextDecoder().decode(buf.subarray(0, n));
}

/**
 * Rotates one leftover current file `dir/path.log` (a crashed run's), removing its marker.
 *
 * @returns what was rotated, or undefined when the file does not exist
 */
export async function recoverLeftover(
  dir: string,
  path: string,
  now: number,
): Promise<RecoveredLog | undefined> {
  const fileName = `${path}.log`;
  const marker = `${dir}/${shadowName(fileName)}`;
  const hasShadow = await exists(marker);
  if (!(await exists(`${dir}/${fileName}`))) {
    if (hasShadow) await Deno.remove(marker);
    return undefined;
  }
  const openTime = await periodStartOf(dir, fileName, hasShadow);
  const st = await Deno.stat(`${dir}/${fileName}`);
  const closeTime = st.mtime ? st.mtime.getTime() / 1000 : now;
  const rotated = await renameRotated(dir, fileName, path, openTime);
  if (hasShadow) await Deno.remove(marker);
  return {
    path,
    rotated,
    call: postProcessCall(dir, rotated, path, { openTime, closeTime, terminating: false }),
  };
}

/**
 * Finds and rotates every current log file a previous run left in `dir`: those with a
 * `.shadow.` marker, and unmarked `*.log` files (not rotated names) that open with an ASCII
 * `#separator` header. Stale markers without a file are removed.
 *
 * @returns the rotated files
 */
export async function recoverLeftovers(dir: string, now: number): Promise<RecoveredLog[]> {
  const candidates = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const name = entry.name;
    if (name.startsWith(SHADOW_PREFIX) && name.endsWith(".log")) {
      const path = name.slice(SHADOW_PREFIX.length, -4);
      if (isValidLogPath(path)) candidates.add(path);
    } else if (name.endsWith(".log") && !ROTATED_RE.test(name)) {
      const path = name.slice(0, -4);
      if (!isValidLogPath(path)) continue;
      const head = await readHead(`${dir}/${name}`);
      if (head.startsWith("#separator ")) candidates.add(path);
    }
  }
  const out: RecoveredLog[] = [];
  for (const path of [...candidates].sort()) {
    const r = await recoverLeftover(dir, path, now);
    if (r) out.push(r);
  }
  return out;
}

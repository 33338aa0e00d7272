/**
 * Process statistics for the `process_*` metrics, read from Linux `/proc/self`.
 *
 * prom-client's `collectDefaultMetrics()` does run under Deno 2.9.6 but several of its numbers are
 * wrong there (system CPU time stays 0, start time is rounded to whole seconds, the event-loop
 * histogram reports nonsense), so zcluster reads `/proc` itself.
 *
 * @module
 */

/** One reading of the process statistics Zeek exposes. */
export interface ProcessStats {
  /** User CPU time, seconds. */
  readonly cpuUserSeconds: number;
  /** System CPU time, seconds. */
  readonly cpuSystemSeconds: number;
  /** Resident set size, bytes. */
  readonly residentMemoryBytes: number;
  /** Virtual memory size, bytes. */
  readonly virtualMemoryBytes: number;
  /** Open file descriptors. */
  readonly openFds: number;
  /** Process start, seconds since the Unix epoch. */
  readonly startTimeSeconds: number;
}

/**
 * Linux reports `/proc/<pid>/stat` times in USER_HZ, which the kernel ABI fixes at 100 on every
 * architecture zcluster runs on (see proc(5), "clock ticks").
 */
export const USER_HZ = 100;

/** The fields of `/proc/self/stat` we use. */
export interface ProcStat {
  /** utime, clock ticks. */
  readonly utimeTicks: number;
  /** stime, clock ticks. */
  readonly stimeTicks: number;
  /** starttime, clock ticks after boot. */
  readonly startTicks: number;
  /** vsize, bytes. */
  readonly vsizeBytes: number;
}

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses, so
 * fields are counted from the last `)`.
 *
 * @param text The file's contents.
 * @returns The fields zcluster needs.
 * @throws {SyntaxError} If the text is not a stat line.
 * @example
 * ```ts
 * import { parseProcStat } from "./process_stats.ts";
 * const s = parseProcStat("1 (a b) S 0 1 1 0 -1 0 0 0 0 0 250 30 0 0 20 0 1 0 500 4096 9");
 * console.assert(s.utimeTicks === 250 && s.startTicks === 500);
 * ```
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(")");
  // After ")" the fields start at 3 (state); utime is field 14, stime 15, starttime 22, vsize 23.
  const rest = close < 0 ? [] : text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const out = {
    utimeTicks: field(14),
    stimeTicks: field(15),
    startTicks: field(22),
    vsizeBytes: field(23),
  };
  if (!Object.values(out).every(Number.isFinite)) {
    throw new SyntaxError(
      `Cannot parse /proc stat line: expected 23 fields, got ${rest.length + 2}`,
    );
  }
  return out;
}

/**
 * Reads a `kB` value (e.g. `VmRSS`) from `/proc/<pid>/status` text.
 *
 * @param text The file's contents.
 * @param key The field name, without the colon.
 * @returns The value in bytes, or `undefined` when absent.
 */
export function parseStatusKb(text: string, key: string): number | undefined {
  const match = new RegExp(`^${key}:\\s*(\\d+)\\s*kB`, "m").exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/**
 * Returns a reader of this process's statistics. On Linux it reads `/proc/self` on each call
 * (boot time once); elsewhere, or without read permission, it falls back to what Deno offers
 * (RSS, and the time origin as start time) and reports 0 for the rest.
 *
 * @returns A function returning the current statistics; it never throws.
 * @example
 * ```ts
 * import { processStatsReader } from "./process_stats.ts";
 * const read = processStatsReader();
 * console.assert(read().startTimeSeconds > 0);
 * ```
 */
export function processStatsReader(): () => ProcessStats {
  let bootSeconds: number | undefined;
  const fallback = (): ProcessStats => ({
    cpuUserSeconds: 0,
    cpuSystemSeconds: 0,
    residentMemoryBytes: Deno.memoryUsage().rss,
    virtualMemoryBytes: 0,
    openFds: 0,
    startTimeSeconds: performance.timeOrigin / 1000,
  });
  return () => {
    try {
      if (bootSeconds === undefined) {
        const btime = /^btime\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/stat"));
        bootSeconds = Number(btime?.[1] ?? Number.NaN);
      }
      const stat = parseProcStat(Deno.readTextFileSync("/proc/self/stat"));
      const status = Deno.readTextFileSync("/proc/self/status");
      let openFds = 0;
      for (const _ of Deno.readDirSync("/proc/self/fd")) openFds++;
      const start = bootSeconds + stat.startTicks / USER_HZ;
      return {
        cpuUserSeconds: stat.utimeTicks / USER_HZ,
        cpuSystemSeconds: stat.stimeTicks / USER_HZ,
        residentMemoryBytes: parseStatusKb(status, "VmRSS") ?? Deno.memoryUsage().rss,
        virtualMemoryBytes: stat.vsizeBytes,
        // readDirSync holds one descriptor of its own while listing.
        openFds: Math.max(0, openFds - 1),
        startTimeSeconds: Number.isFinite(start) ? start : performance.timeOrigin / 1000,
      };
    } catch {
      return fallback();
    }
  };
}

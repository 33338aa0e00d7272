/**
 * Child processes of a benchmark: spawn a Deno script with one JSON argument, read its JSON lines
 * from stdout, write words to its stdin, keep the tail of its stderr for error messages, and kill it.
 *
 * @module
 */
import type { ChildMessage } from "./_child.ts";

const STDERR_TAIL_LINES = 20;

export { freePorts } from "../tests/_ports.ts";

/** One benchmark child process speaking the `_child.ts` line protocol. */
export class ChildProcess {
  readonly #proc: Deno.ChildProcess;
  readonly #messages: ChildMessage[] = [];
  readonly #stderr: string[] = [];
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #wake: (() => void) | undefined;
  #exited = false;

  /**
   * @param script Path of the script.
   * @param config The JSON argument.
   * @param denoFlags Extra `deno run` flags.
   */
  constructor(script: string, config: string, denoFlags: readonly string[]) {
    this.#proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...denoFlags, script, config],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#proc.stdin.getWriter();
    const out = this.#lines(this.#proc.stdout, (line) => {
      try {
        this.#messages.push(JSON.parse(line) as ChildMessage);
      } catch {
        this.#pushStderr(`stdout: ${line}`);
      }
    });
    const err = this.#lines(this.#proc.stderr, (line) => this.#pushStderr(line));
    this.#status = this.#proc.status.then(async (status) => {
      await Promise.all([out, err]);
      this.#exited = true;
      this.#notify();
      return status;
    });
  }

  /** The process id (for /proc readings). */
  get pid(): number {
    return this.#proc.pid;
  }

  /**
   * Waits for the next message of a type.
   *
   * @param type `ready`, `done` or `result`.
   * @param timeoutMs Give up after this long.
   * @returns The message.
   * @throws {Error} On timeout or when the child exits first (with its stderr tail).
   */
  async next(type: ChildMessage["type"], timeoutMs: number): Promise<ChildMessage> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.#messages.findIndex((m) => m.type === type);
      if (i >= 0) return this.#messages.splice(i, 1)[0]!;
      const left = deadline - performance.now();
      if (this.#exited || left <= 0) {
        const why = this.#exited ? "exited" : `timed out after ${timeoutMs} ms`;
        throw new Error(
          `Bench child ${why} before "${type}":\n${this.#stderr.join("\n")}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Writes one word (a line) to the child's stdin. */
  async write(word: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(word + "\n"));
  }

  /**
   * Waits for the child to exit by itself.
   *
   * @param timeoutMs Give up after this long.
   * @returns Whether it exited.
   */
  async exited(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) =>
      timer = setTimeout(() => resolve(false), timeoutMs)
    );
    try {
      return await Promise.race([this.#status.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the child if it still runs and waits for it. */
  async kill(): Promise<Deno.CommandStatus> {
    await this.#writer.close().catch(() => {});
    if (!this.#exited) {
      try {
        this.#proc.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    return await this.#status;
  }

  #pushStderr(line: string): void {
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_TAIL_LINES) this.#stderr.shift();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of stream) {
        pending += decoder.decode(chunk, { stream: true });
        const parts = pending.split("\n");
        pending = parts.pop() ?? "";
        for (const line of parts) if (line.trim() !== "") onLine(line);
        this.#notify();
      }
    } catch {
      // Stream torn down with the process.
    }
    if (pending.trim() !== "") onLine(pending);
  }
}

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux). */
const CLK_TCK = 100;

/**
 * CPU time of a process so far, all threads, user + system, in ms (from /proc/<pid>/stat), or
 * `undefined` when it cannot be read (not Linux, process gone).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** The machine's CPU time since boot, in clock ticks (the `cpu` line of /proc/stat). */
export interface MachineCpu {
  /** Every state: user, nice, system, idle, iowait, irq, softirq, steal (guest time is in user). */
  readonly total: number;
  /** Idle and iowait: no thread ran, though the CPU was there. */
  readonly idle: number;
  /** Taken by the hypervisor for other guests while this one had work. */
  readonly steal: number;
}

/**
 * Reads the `cpu` line of a /proc/stat text.
 *
 * @returns the ticks, or `undefined` when the text has no such line.
 *
 * @example
 * ```ts ignore
 * parseProcStat("cpu  10 0 5 80 5 0 0 0 0 0\n").idle; // 85
 * ```
 */
export function parseProcStat(text: string): MachineCpu | undefined {
  const m = /^cpu\s+(.*)$/m.exec(text);
  if (m === null) return undefined;
  const v = m[1]!.trim().split(/\s+/).slice(0, 8).map(Number);
  if (v.length < 5 || v.some((n) => !Number.isFinite(n))) return undefined;
  const at = (i: number) => v[i] ?? 0;
  return { total: v.reduce((a, b) => a + b, 0), idle: at(3) + at(4), steal: at(7) };
}

/** The machine's CPU time so far (from /proc/stat), or `undefined` where it cannot be read. */
export function machineCpu(): MachineCpu | undefined {
  try {
    return parseProcStat(Deno.readTextFileSync("/proc/stat"));
  } catch {
    return undefined;
  }
}

/**
 * The shares of the machine's CPU time between two readings that were idle and stolen, in
 * percent (`undefined` without both readings or without ticks between them).
 */
export function machineShares(
  before: MachineCpu | undefined,
  after: MachineCpu | undefined,
): { idlePct: number; stealPct: number } | undefined {
  if (before === undefined || after === undefined) return undefined;
  const total = after.total - before.total;
  if (!(total > 0)) return undefined;
  return {
    idlePct: (100 * (after.idle - before.idle)) / total,
    stealPct: (100 * (after.steal - before.steal)) / total,
  };
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or `undefined`. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

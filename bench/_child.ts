/**
 * Shared pieces of the events benchmark's child processes (zcluster and raw zeromq.js): the
 * configuration they receive, the line protocol they speak with the harness, a latency histogram
 * and a hard exit deadline. Imports nothing from zeromq.
 *
 * Protocol: the child writes one JSON object per line on stdout (`ready`, then `done` for workers
 * or `result` for the manager, per phase); the harness writes `rate <events/s> <ms>` or `max <ms>`
 * (workers), `stop <expected>` (manager) and `exit` (both) on stdin.
 *
 * @module
 */
import { sleep } from "../lib/async.ts";
import { setImmediate } from "node:timers";

/** The benchmark event's name: `Bench::event(s: string, sent_ms: real)`. */
export const BENCH_EVENT = "Bench::event";

/** What a child process is told, as one JSON argument. */
export interface ChildConfig {
  readonly role: "manager" | "worker";
  /** Node name (`manager`, `worker-1` ...). */
  readonly name: string;
  /** The proxy's XPUB endpoint (subscribers connect). */
  readonly proxyXpub: string;
  /** The proxy's XSUB endpoint (publishers connect). */
  readonly proxyXsub: string;
  /** Topic every event goes to (the manager's node topic). */
  readonly topic: string;
  /** Length of the string argument, characters (ASCII). */
  readonly payloadChars: number;
  /** The child exits by itself after this long whatever happens, ms. */
  readonly hardTimeoutMs: number;
  /** zcluster only: the layout, node name → node. */
  readonly layout?: Record<string, Record<string, unknown>>;
  /** zcluster only, experiment: retry XPUB sends on EAGAIN instead of dropping (Zeek drops). */
  readonly xpubRetryOnEagain?: boolean;
  /** Raw only: the sender id frame (same length as a zcluster node id). */
  readonly sender?: string;
  /** Raw only: payload frame size, bytes (same as the zcluster bin-v1 payload). */
  readonly payloadBytes?: number;
  /**
   * Whether the manager's own sockets reach the proxy in-process (zcluster's default), or over
   * TCP as a Zeek manager's do. Default true.
   */
  readonly managerInproc?: boolean;
}

/** A worker's report. */
export interface WorkerDone {
  readonly type: "done";
  readonly name: string;
  /** Events handed to the socket (zcluster: accepted by `publish`). */
  readonly sent: number;
  /** Events dropped at the sender (queue full, or EAGAIN without retry). */
  readonly dropped: number;
  /** EAGAIN retries (raw) or 0. */
  readonly retries: number;
  readonly elapsedMs: number;
}

/** The manager's report. */
export interface ManagerResult {
  readonly type: "result";
  readonly received: number;
  /** Wall-clock ms of the first and last event received. */
  readonly firstMs: number;
  readonly lastMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Events dropped at the receiver (onloop queue full) or unexplained errors. */
  readonly dropped: number;
}

/** Any line a child writes. */
export type ChildMessage =
  | { readonly type: "ready"; readonly name: string }
  | WorkerDone
  | ManagerResult;

const CLOCK_MONOTONIC = 1;
const CLOCK_THREAD_CPUTIME_ID = 3;
let clock:
  | { read(id: number, ts: Uint8Array): number; ts: BigInt64Array; bytes: Uint8Array }
  | undefined;

/** Nanoseconds of a libc clock (`clock_gettime`), as a double. */
function clockNs(id: number): number {
  if (clock === undefined) {
    const lib = Deno.dlopen("libc.so.6", {
      clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
    });
    const ts = new BigInt64Array(2);
    clock = {
      read: (i, b) => lib.symbols.clock_gettime(i, b),
      ts,
      bytes: new Uint8Array(ts.buffer),
    };
  }
  clock.read(id, clock.bytes);
  return Number(clock.ts[0]!) * 1e9 + Number(clock.ts[1]!);
}

/**
 * Milliseconds of the host's CLOCK_MONOTONIC (through libc's `clock_gettime`): one clock for every
 * process on the host, never stepped. Latency is "received here − sent there", so both ends must
 * read the same clock: `performance.timeOrigin + performance.now()` is not one (each process fixes
 * its origin from the wall clock at start, and a clock adjustment between two starts shows as an
 * offset: p50s of 0.01 ms, i.e. negative latencies, in some runs of 2026-12-07).
 */
export function hostMs(): number {
  return clockNs(CLOCK_MONOTONIC) / 1e6;
}

/** CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in ns: for A/B runs in one process. */
export function threadCpuNs(): number {
  return clockNs(CLOCK_THREAD_CPUTIME_ID);
}

/** Resolves on the next macrotask turn. */
export function immediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` (the one helper in `lib/async.ts`). */
export { sleep };

/** Writes one protocol line. */
export function emit(message: ChildMessage): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(message) + "\n"));
}

/** Reads the configuration from the first argument and arms the hard exit deadline. */
export function childConfig(): ChildConfig {
  const raw = Deno.args[0];
  if (raw === undefined) throw new TypeError("Cannot start bench child: no config argument");
  const config = JSON.parse(raw) as ChildConfig;
  const timer = setTimeout(() => {
    console.error(`${config.name}: hard timeout after ${config.hardTimeoutMs} ms`);
    Deno.exit(3);
  }, config.hardTimeoutMs);
  Deno.unrefTimer(timer);
  return config;
}

/** The words the harness writes on stdin, one per line. */
export class StdinWords {
  readonly #reader = Deno.stdin.readable.getReader();
  readonly #decoder = new TextDecoder();
  #pending = "";
  #lines: string[] = [];
  #eof = false;

  /** The next line the harness writes, trimmed; `""` once stdin is closed. */
  async next(): Promise<string> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        if (line.trim() !== "") return line.trim();
        continue;
      }
      if (this.#eof) return "";
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#eof = true;
        if (this.#pending.trim() !== "") this.#lines.push(this.#pending);
        continue;
      }
      this.#pending += this.#decoder.decode(value, { stream: true });
      const parts = this.#pending.split("\n");
      this.#pending = parts.pop() ?? "";
      this.#lines.push(...parts);
    }
  }
}

/** A worker command: `max <ms>` (as fast as allowed) or `rate <events/s> <ms>`. */
export type PublishMode =
  | { readonly kind: "max"; readonly durationMs: number }
  | { readonly kind: "rate"; readonly eventsPerS: number; readonly durationMs: number };

/** Parses a worker command line; undefined (for `exit` or EOF) ends the worker. */
export function parseMode(line: string): PublishMode | undefined {
  const [word, a, b] = line.split(" ").map((w, i) => (i === 0 ? w : Number(w)));
  if (word === "max" && Number(a) > 0) return { kind: "max", durationMs: Number(a) };
  if (word === "rate" && Number(a) > 0 && Number(b) > 0) {
    return { kind: "rate", eventsPerS: Number(a), durationMs: Number(b) };
  }
  return undefined;
}

/** The command line of a mode (the inverse of {@link parseMode}). */
export function formatMode(mode: PublishMode): string {
  return mode.kind === "max"
    ? `max ${mode.durationMs}`
    : `rate ${mode.eventsPerS} ${mode.durationMs}`;
}

/**
 * Paces a fixed-rate phase: call {@link Pacer.due} every ~1 ms tick to learn how many events to
 * publish now so that `eventsPerS` holds on average.
 */
export class Pacer {
  readonly #start = performance.now();
  readonly #eventsPerS: number;
  #issued = 0;

  constructor(eventsPerS: number) {
    this.#eventsPerS = eventsPerS;
  }

  /** Events due now (and counts them as issued). */
  due(): number {
    const target = Math.floor((performance.now() - this.#start) / 1000 * this.#eventsPerS);
    const n = Math.max(0, target - this.#issued);
    this.#issued += n;
    return n;
  }
}

/**
 * Latency histogram: 10 µs buckets up to 10 s, one overflow bucket. O(1) per sample, 4 MB.
 */
export class LatencyHistogram {
  static readonly BUCKET_MS = 0.01;
  readonly #buckets = new Uint32Array(1_000_001);
  #count = 0;
  #maxMs = 0;

  /** Records one latency in ms (negative values, from clock jitter, count as 0). */
  record(ms: number): void {
    const i = Math.min(
      this.#buckets.length - 1,
      Math.max(0, Math.floor(ms / LatencyHistogram.BUCKET_MS)),
    );
    this.#buckets[i]!++;
    this.#count++;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** Largest sample, ms. */
  get maxMs(): number {
    return this.#maxMs;
  }

  /**
   * @param q Quantile in [0, 1].
   * @returns The upper edge of the bucket holding the q-quantile, ms (0 when empty).
   */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) return (i + 1) * LatencyHistogram.BUCKET_MS;
    }
    return this.#maxMs;
  }
}

/** Counts received events and their latencies on the manager side. */
export class ReceiveCounter {
  readonly histogram = new LatencyHistogram();
  received = 0;
  firstMs = 0;
  lastMs = 0;

  /** Records one event sent at `sentMs` (wall clock). */
  record(sentMs: number): void {
    const now = hostMs();
    if (this.received === 0) this.firstMs = now;
    this.lastMs = now;
    this.received++;
    this.histogram.record(now - sentMs);
  }

  /**
   * Waits until `expected` events are accounted for (received, or counted as dropped by
   * `dropped()`), or nothing arrived for `quietMs`, or `maxMs` passed: under load the backlog in
   * the HWMs and TCP buffers takes seconds to drain, and cutting it short would look like loss.
   */
  async settle(
    expected: number,
    dropped: () => number = () => 0,
    quietMs = 1_000,
    maxMs = 20_000,
  ): Promise<void> {
    const start = performance.now();
    let last = this.received;
    let lastChange = performance.now();
    while (performance.now() - start < maxMs && this.received + dropped() < expected) {
      await sleep(10);
      if (this.received !== last) {
        last = this.received;
        lastChange = performance.now();
      } else if (performance.now() - lastChange >= quietMs) {
        return;
      }
    }
  }

  /** Parses the harness's `stop <expected>` line; undefined for anything else (exit). */
  static parseStop(line: string): number | undefined {
    const [word, n] = line.split(" ");
    return word === "stop" ? Number(n ?? 0) || 0 : undefined;
  }

  /** The manager's report line. */
  result(dropped: number): ManagerResult {
    return {
      type: "result",
      received: this.received,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      p50Ms: this.histogram.quantile(0.5),
      p99Ms: this.histogram.quantile(0.99),
      maxMs: this.histogram.maxMs,
      dropped,
    };
  }
}

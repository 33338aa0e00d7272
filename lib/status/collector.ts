/**
 * The manager's status collector: what `/status.json` serves. It knows up/down from the manager's
 * membership (at once, as nodes join and leave) and the rest from scraping each node's `/metrics`
 * (the targets of `/services.json`; its own registry for the manager), plus the tail of cluster.log
 * when the manager can read it.
 *
 * Bounded: one collection per interval, shared by every viewer, and only while someone looks (a
 * request in the last `idleStopMs`); the history keeps `historyPoints` points per node.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { ClusterLayout } from "../layout/types.ts";
import type { ScrapedFamily } from "../metrics/scrape.ts";
import { formatHostPort, type ServicesOptions } from "../metrics/services.ts";
import {
  type ClusterLogLine,
  type NodeRates,
  type NodeSample,
  type NodeStatusDoc,
  parseClusterLogTail,
  parseStatusMetrics,
  ratesBetween,
  sampleFromMetrics,
  STATUS_VERSION,
  type StatusDoc,
} from "./sample.ts";

/**
 * Default time between collections, ms. Measured with `bench/status_page_cpu.ts` on an idle
 * five-node cluster (README, Status page): a page open cost the manager 0.6 % of a core when
 * collecting every second, 0.2 % every 2 s. Up/down does not wait for a collection.
 */
export const DEFAULT_STATUS_INTERVAL_MS = 2000;
/** Default history length: 5 minutes at one point every 2 s. */
export const DEFAULT_STATUS_HISTORY_POINTS = 150;
/** Default: collection stops this long after the last request, ms. */
export const DEFAULT_STATUS_IDLE_STOP_MS = 30_000;
/** How much of cluster.log's end is read, bytes. */
const CLUSTER_LOG_TAIL_BYTES = 16 * 1024;

/** What the collector needs of the manager's membership. */
export interface MembershipView {
  /** Names of the peers that are up. */
  upNodes(): readonly string[];
  /** The id of a peer that is up. */
  idOf(name: string): string | undefined;
  /** Calls `listener` after each node_up/node_down; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Options of {@linkcode StatusCollector}. */
export interface StatusCollectorOptions {
  /** The cluster layout: the nodes listed, in its order. */
  readonly layout: ClusterLayout;
  /** This node's name (the manager) and id. */
  readonly self: string;
  readonly selfId: string;
  readonly membership: MembershipView;
  /** This node's own metric families (read without HTTP), e.g. `familiesFromRegistry()`. */
  readonly ownMetrics: () => Promise<ReadonlyMap<string, ScrapedFamily>>;
  /** Addresses to reach the nodes' metrics (as `/services.json` lists them). */
  readonly advertiseAddress?: ServicesOptions["advertiseAddress"];
  /** cluster.log to tail (where the logger writes it, when on this host). */
  readonly clusterLogFile?: string;
  readonly clock?: Clock;
  /** HTTP client; `fetch` by default. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Timer; `setTimeout` by default. Returns a cancel function. */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
  readonly intervalMs?: number;
  readonly historyPoints?: number;
  readonly idleStopMs?: number;
  /** Lines of cluster.log to keep (20). */
  readonly clusterLogLines?: number;
}

/** Counters of the collector. */
export interface StatusCollectorStats {
  /** Collections run (each scrapes every node once). */
  readonly collections: number;
  /** Scrapes that failed. */
  readonly scrapeErrors: number;
  /** Requests served. */
  readonly requests: number;
}

interface NodeState {
  up: boolean;
  since: number;
  sample: NodeSample | undefined;
  rates: NodeRates | undefined;
  scrapeAt: number | null;
  scrapeError: string | null;
  events: (number | null)[];
  records: (number | null)[];
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/**
 * Collects the cluster's status for the page; see the module doc.
 *
 * @example
 * ```ts
 * import { StatusCollector } from "./collector.ts";
 * await using c = new StatusCollector({
 *   layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 } },
 *   self: "manager",
 *   selfId: "id",
 *   membership: { upNodes: () => [], idOf: () => undefined, onChange: () => () => {} },
 *   ownMetrics: () => Promise.resolve(new Map()),
 * });
 * const doc = JSON.parse(await c.document());
 * console.assert(doc.version === 1 && doc.nodes[0].state === "up");
 * ```
 */
export class StatusCollector implements AsyncDisposable {
  readonly #o: StatusCollectorOptions;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #nodes = new Map<string, NodeState>();
  readonly #t: number[] = [];
  readonly #unsubscribe: () => void;
  #clusterLog: { file: string | null; lines: ClusterLogLine[]; size: number; mtime: number } = {
    file: null,
    lines: [],
    size: -1,
    mtime: 0,
  };
  #doc: string | undefined;
  #lastViewMs = -Infinity;
  #cancel: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #stats = { collections: 0, scrapeErrors: 0, requests: 0 };

  /** @param options Layout, membership, metrics sources, bounds. */
  constructor(options: StatusCollectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    const now = this.#clock.now();
    const up = new Set(options.membership.upNodes());
    for (const name of Object.keys(options.layout)) {
      const type = options.layout[name]!.nodeType;
      if (type === "CONTROL" || type === "NONE") continue;
      this.#nodes.set(name, {
        up: name === options.self || up.has(name),
        sample: undefined,
        rates: undefined,
        since: now,
        scrapeAt: null,
        scrapeError: null,
        events: [],
        records: [],
      });
    }
    this.#unsubscribe = options.membership.onChange(() => this.#onMembership());
  }

  /** A snapshot of the counters. */
  get stats(): StatusCollectorStats {
    return { ...this.#stats };
  }

  /**
   * The current `/status.json` text. Starts collecting if nobody looked lately (that call then
   * waits for a collection); otherwise answers from the last collection.
   *
   * @returns The JSON document.
   */
  async document(): Promise<string> {
    this.#stats.requests++;
    this.#lastViewMs = this.#clock.monotonicMs();
    if (this.#cancel === undefined && this.#running === undefined && !this.#closed) {
      // Nobody looked lately: the last document is stale, so this request waits for a fresh one.
      this.#running = this.#collect().finally(() => {
        this.#running = undefined;
        this.#next();
      });
      await this.#running;
    } else if (this.#doc === undefined) {
      await this.#running;
    }
    return this.#doc ?? this.#render();
  }

  #next(): void {
    if (this.#closed) return;
    const idle = this.#clock.monotonicMs() - this.#lastViewMs;
    if (idle > (this.#o.idleStopMs ?? DEFAULT_STATUS_IDLE_STOP_MS)) return;
    const schedule = this.#o.schedule ?? defaultSchedule;
    this.#cancel = schedule(() => {
      this.#cancel = undefined;
      this.#running = this.#collect().finally(() => {
        this.#running = undefined;
        this.#next();
      });
    }, this.#intervalMs);
  }

  #onMembership(): void {
    const now = this.#clock.now();
    const up = new Set(this.#o.membership.upNodes());
    for (const [name, s] of this.#nodes) {
      const isUp = name === this.#o.self || up.has(name);
      if (isUp === s.up) continue;
      s.up = isUp;
      s.since = now;
      if (!isUp) s.rates = undefined;
    }
    if (this.#doc !== undefined) this.#doc = this.#render();
  }

  #metricsUrl(name: string): string | null {
    const node = this.#o.layout[name];
    const port = node?.metricsPort;
    if (!node || !port) return null;
    const a = this.#o.advertiseAddress;
    const host = typeof a === "string" && a !== ""
      ? a
      : (typeof a === "object" ? a[name] : undefined) ?? node.ip;
    return `http://${formatHostPort(host, port)}/metrics`;
  }

  async #scrape(name: string, s: NodeState, at: number): Promise<void> {
    const url = this.#metricsUrl(name);
    let families: ReadonlyMap<string, ScrapedFamily>;
    try {
      if (name === this.#o.self) families = await this.#o.ownMetrics();
      else if (url === null) throw new Error("no metrics port in the layout");
      else if (!s.up) throw new Error("node is down");
      else {
        const res = await (this.#o.fetch ?? fetch)(url, {
          signal: AbortSignal.timeout(Math.max(100, this.#intervalMs)),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        families = parseStatusMetrics(text);
      }
      const sample = sampleFromMetrics(families, at);
      s.rates = ratesBetween(s.sample, sample);
      s.sample = sample;
      s.scrapeAt = at;
      s.scrapeError = null;
    } catch (error) {
      if (s.up) this.#stats.scrapeErrors++;
      s.rates = undefined;
      s.scrapeError = error instanceof Error ? error.message : String(error);
    }
  }

  async #collect(): Promise<void> {
    const at = this.#clock.now();
    await Promise.all([...this.#nodes].map(([name, s]) => this.#scrape(name, s, at)));
    const max = this.#o.historyPoints ?? DEFAULT_STATUS_HISTORY_POINTS;
    this.#t.push(at);
    const over = Math.max(0, this.#t.length - max);
    this.#t.splice(0, over);
    for (const s of this.#nodes.values()) {
      const r = s.rates;
      s.events.push(
        r && r.eventsInPerS !== null && r.eventsOutPerS !== null
          ? r.eventsInPerS + r.eventsOutPerS
          : null,
      );
      s.records.push(r?.logRecordsPerS ?? null);
      s.events.splice(0, over);
      s.records.splice(0, over);
    }
    await this.#readClusterLog();
    this.#stats.collections++;
    this.#doc = this.#render();
  }

  async #readClusterLog(): Promise<void> {
    const file = this.#o.clusterLogFile;
    if (file === undefined) return;
    try {
      const st = await Deno.stat(file);
      const mtime = st.mtime?.getTime() ?? 0;
      if (st.size === this.#clusterLog.size && mtime === this.#clusterLog.mtime) return;
      using f = await Deno.open(file, { read: true });
      const from = Math.max(0, st.size - CLUSTER_LOG_TAIL_BYTES);
      await f.seek(from, Deno.SeekMode.Start);
      const buf = new Uint8Array(st.size - from);
      let got = 0;
      while (got < buf.length) {
        const n = await f.read(buf.subarray(got));
        if (n === null) break;
        got += n;
      }
      const raw = new TextDecoder().decode(buf.subarray(0, got));
      // A tail that starts mid-file starts mid-line: the parser skips its first line.
      const text = from === 0 && !raw.startsWith("#") ? "\n" + raw : raw;
      this.#clusterLog = {
        file,
        lines: parseClusterLogTail(text, this.#o.clusterLogLines ?? 20),
        size: st.size,
        mtime,
      };
    } catch {
      // Not (or no longer) there: rotated away, or the logger is on another host.
      this.#clusterLog = { file: null, lines: [], size: -1, mtime: 0 };
    }
  }

  #render(): string {
    const now = this.#clock.now();
    const nodes: NodeStatusDoc[] = [];
    const history: Record<string, StatusDoc["history"]["nodes"][string]> = {};
    for (const [name, s] of this.#nodes) {
      const node = this.#o.layout[name]!;
      const sample = s.up ? s.sample : undefined;
      nodes.push({
        name,
        type: node.nodeType,
        host: node.ip,
        state: s.up ? "up" : "down",
        since: s.since,
        id: name === this.#o.self ? this.#o.selfId : this.#o.membership.idOf(name) ?? null,
        uptimeS: sample?.startTime ? Math.max(0, now - sample.startTime) : null,
        eventsInPerS: s.rates?.eventsInPerS ?? null,
        eventsOutPerS: s.rates?.eventsOutPerS ?? null,
        logRecordsPerS: s.rates?.logRecordsPerS ?? null,
        drops: s.sample?.drops ?? null,
        storeCloneLagS: sample?.storeCloneLagS ?? null,
        websocketClients: sample?.websocketClients ?? null,
        metricsUrl: this.#metricsUrl(name),
        scrape: { at: s.scrapeAt, error: s.scrapeError },
      });
      history[name] = { eventsPerS: s.events, logRecordsPerS: s.records };
    }
    const doc: StatusDoc = {
      version: STATUS_VERSION,
      manager: this.#o.self,
      generatedAt: now,
      intervalS: this.#intervalMs / 1000,
      nodes,
      history: { t: this.#t, nodes: history },
      clusterLog: { file: this.#clusterLog.file, lines: this.#clusterLog.lines },
    };
    return JSON.stringify(doc);
  }

  /** Stops collecting. Safe to call twice. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running;
  }
}

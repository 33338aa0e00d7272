/**
 * The logging framework of a node, as Zeek's `Log::` API is used in a cluster: streams with
 * filters, records validated against their columns, then handed to the node's {@link LogSink}:
 * written locally (`FileSink`: loggers, standalone nodes, a manager that is the logger) or batched
 * per (stream, filter, path) and pushed to the loggers in `zeek-bin-serializer` form (`BatchSink`:
 * up to `Log::write_buffer_size` records, at least every `Log::flush_interval`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { ByteSink } from "../byte_sink.ts";
import { type BatchBuilder, RecordEncoder } from "./wire/_record_encoder.ts";
import type { BatchBufferPool } from "./delivery/batch_buffers.ts";
import { LOG_SERIALIZER_NAME } from "./wire/batch_codec.ts";
import { BatchSink, FileSink, type LogSink } from "./sink.ts";
import {
  createStream,
  type LogColumns,
  type LogField,
  type LogRow,
  type LogStream,
  validateRecord,
} from "./schema/schema.ts";
import { type LogWriterManager, WRITER_ASCII } from "./files/writer_manager.ts";

/** A record as site code writes it: column name → value (nested records as objects). */
export type LogRecord = Readonly<Record<string, unknown>>;

/** A policy hook: return `false` to drop the record (Zeek's `break`). */
export type LogPolicy = (record: LogRecord, stream: string, filter: string) => boolean;

/** A log filter, as Zeek's `Log::Filter`. */
export interface LogFilter {
  /** Filter name; the stream's own filter is `default`. */
  readonly name: string;
  /** Path (file name without `.log`); the stream's path by default. */
  readonly path?: string;
  /** Only these (dotted) fields. */
  readonly include?: readonly string[];
  /** Not these (dotted) fields. */
  readonly exclude?: readonly string[];
  /** Per-filter policy hook. */
  readonly policy?: LogPolicy;
  /** Writer name. Default `Log::WRITER_ASCII`. */
  readonly writer?: string;
}

/** Options of {@link LogService.createStream}. */
export interface CreateStreamOptions {
  /** The stream's columns, in log order. */
  readonly columns: LogColumns;
  /** The log path (file name without extension), e.g. `conn`. */
  readonly path: string;
  /** The stream's policy hook (Zeek's `$policy`). */
  readonly policy?: LogPolicy;
}

/** Counters of a {@link LogService}. */
export interface LogServiceStats {
  /** Records accepted by a filter, by `stream/writer` (a snapshot, made on each read). */
  readonly writes: Map<string, number>;
  /** Records rejected by validation. */
  rejected: number;
  /** Records vetoed by a policy hook. */
  vetoed: number;
  /** Batches pushed to loggers. */
  batchesSent: number;
  /** Records in batches the transport could not take (HWM, no logger): lost and counted. */
  recordsDropped: number;
  /** Batches received from other nodes (loggers). */
  batchesReceived: number;
  /** Records written from received batches. */
  recordsReceived: number;
  /** Received batches that could not be decoded or written. */
  badBatches: number;
}

/**
 * Dependencies of {@link LogService}. Where records go is `sink`; without it, `local` makes a
 * {@link FileSink} and else `sendBatch` and `batchBuffers` make a {@link BatchSink}.
 */
export interface LogServiceDeps {
  /** Where accepted records go. */
  readonly sink?: LogSink;
  /** Local writer (loggers and standalone nodes); absent on nodes that log remotely. */
  readonly local?: LogWriterManager;
  /** Sends one encoded batch to the loggers; returns false when it was dropped. */
  readonly sendBatch?: (batch: Uint8Array) => boolean;
  /**
   * Where batch buffers come from; whoever owns a sent batch gives its buffer back once nothing
   * holds it (reliable delivery, on its acknowledgement). Without it, every batch is a fresh buffer.
   */
  readonly batchBuffers?: BatchBufferPool;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records per batch (Zeek's `Log::write_buffer_size`). */
  readonly bufferSize: number;
  /** Flush period in ms (Zeek's `Log::flush_interval`). */
  readonly flushIntervalMs: number;
}

interface FilterState {
  readonly filter: LogFilter;
  readonly fields: readonly LogField[];
  /** Indexes of the stream's fields that this filter keeps. */
  readonly keep: readonly number[] | undefined;
  readonly path: string;
  readonly writer: string;
  /** The `stats.writes` counter of its key (filters with the same key share one). */
  readonly writes: { n: number };
  /** Remote nodes: the batch being collected. */
  readonly batch: BatchBuilder | undefined;
}

interface StreamState {
  readonly stream: LogStream;
  readonly policies: LogPolicy[];
  readonly filters: Map<string, FilterState>;
  /** The filters' values, for iteration without an iterator. */
  active: FilterState[];
  /** Remote nodes: validates and encodes records at write time. */
  readonly encoder: RecordEncoder;
  /** The encoded record being written, and where its fields start. */
  readonly scratch: ByteSink;
  readonly offsets: Int32Array;
  /** A write of this stream is under way (a policy hook may write again). */
  busy: boolean;
  enabled: boolean;
}

/** Zeek's `Cluster::LOG` stream. */
export const CLUSTER_LOG = "Cluster::LOG";

/**
 * The logging framework of one node.
 *
 * @example
 * ```ts
 * import type { RunningNode } from "../../mod.ts";
 * declare const node: RunningNode;
 * node.log.createStream("Site::LOG", { path: "site", columns: { ts: "time", note: "string" } });
 * node.log.write("Site::LOG", { ts: Date.now() / 1000, note: "started" });
 * ```
 */
export class LogService implements AsyncDisposable {
  /** Records accepted, by `stream/writer`: a counter object per key, bumped on every write. */
  readonly #writes = new Map<string, { n: number }>();
  /** Writes, drops and filter counters. */
  readonly stats: LogServiceStats = statsOver(this.#writes);
  readonly #deps: LogServiceDeps;
  readonly #sink: LogSink;
  readonly #streams = new Map<string, StreamState>();
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** The stream of the last lookup (streams are never removed). */
  #lastId: string | undefined;
  #lastState: StreamState | undefined;

  /**
   * Creates a `LogService`.
   *
   * @param deps Options, the sink (or the writer manager or batch sender), clock and logger.
   */
  constructor(deps: LogServiceDeps) {
    this.#deps = deps;
    this.#sink = deps.sink ??
      (deps.local ? new FileSink(deps.local) : new BatchSink(deps.sendBatch, deps.batchBuffers));
    if (!this.#sink.local && this.#sink.sends) {
      this.#timer = setInterval(() => this.flush(), deps.flushIntervalMs);
    }
  }

  /** Whether records are written here (true) or pushed to loggers. */
  get isLocal(): boolean {
    return this.#sink.local;
  }

  /**
   * Zeek's `Log::create_stream`: defines a stream with its default filter.
   *
   * @param id Stream id, Zeek's `Log::ID` name, e.g. `Conn::LOG`.
   * @param options Columns, path, policy.
   * @returns The stream.
   * @throws {TypeError} For bad columns or a stream that already exists.
   */
  createStream(id: string, options: CreateStreamOptions): LogStream {
    if (this.#streams.has(id)) throw new TypeError(`Cannot create stream "${id}": it exists`);
    const stream = createStream(id, { columns: options.columns, path: options.path });
    const state: StreamState = {
      stream,
      policies: options.policy ? [options.policy] : [],
      filters: new Map(),
      active: [],
      encoder: new RecordEncoder(stream.fields),
      scratch: new ByteSink(256),
      offsets: new Int32Array(stream.fields.length + 1),
      busy: false,
      enabled: true,
    };
    this.#streams.set(id, state);
    this.addFilter(id, { name: "default" });
    return stream;
  }

  /** The stream with an id, if created. @param id Stream id. */
  stream(id: string): LogStream | undefined {
    return this.#streams.get(id)?.stream;
  }

  /**
   * Adds a policy hook to a stream (Zeek's `hook Log::log_policy` / stream `$policy` handlers).
   *
   * @param id Stream id.
   * @param policy Returns false to drop a record.
   */
  addPolicy(id: string, policy: LogPolicy): void {
    this.#state(id, "add a policy to").policies.push(policy);
  }

  /**
   * Zeek's `Log::add_filter` (replaces a filter of the same name).
   *
   * @param id Stream id.
   * @param filter The filter.
   * @throws {TypeError} For an unknown stream or unknown field names.
   */
  addFilter(id: string, filter: LogFilter): void {
    const state = this.#state(id, "add a filter to");
    const all = state.stream.fields;
    for (const name of [...(filter.include ?? []), ...(filter.exclude ?? [])]) {
      if (!all.some((f) => f.name === name || f.name.startsWith(`${name}.`))) {
        throw new TypeError(
          `Cannot add filter "${filter.name}" to stream "${id}": unknown field "${name}"`,
        );
      }
    }
    const picked = (f: LogField) =>
      (!filter.include ||
        filter.include.some((n) => f.name === n || f.name.startsWith(`${n}.`))) &&
      !(filter.exclude ?? []).some((n) => f.name === n || f.name.startsWith(`${n}.`));
    const keep = filter.include || filter.exclude
      ? all.flatMap((f, i) => (picked(f) ? [i] : []))
      : undefined;
    const old = state.filters.get(filter.name);
    if (old) this.#flushFilter(state, old);
    const fields = keep ? keep.map((i) => all[i]!) : all;
    const path = filter.path ?? state.stream.path;
    const writer = filter.writer ?? WRITER_ASCII;
    state.filters.set(filter.name, {
      filter,
      fields,
      keep,
      path,
      writer,
      writes: this.#counter(`${id}/${writer}`),
      batch: this.#sink.newBatch({
        streamName: id,
        writerName: writer,
        filterName: filter.name,
        path,
        fields,
      }),
    });
    state.active = [...state.filters.values()];
  }

  /** Zeek's `Log::remove_filter`. @param id Stream id. @param name Filter name. */
  removeFilter(id: string, name: string): boolean {
    const state = this.#state(id, "remove a filter from");
    const filter = state.filters.get(name);
    if (!filter) return false;
    this.#flushFilter(state, filter);
    state.filters.delete(name);
    state.active = [...state.filters.values()];
    return true;
  }

  /** Zeek's `Log::disable_stream` / `enable_stream`. @param id Stream. @param on Enabled. */
  setEnabled(id: string, on: boolean): void {
    this.#state(id, on ? "enable" : "disable").enabled = on;
  }

  /**
   * Zeek's `Log::write`: validates the record, runs the policy hooks and every filter.
   *
   * @param id Stream id.
   * @param record Column values; nested records as objects.
   * @returns `true` when at least one filter took the record.
   * @throws {TypeError} Naming the field when the record does not fit the columns; nothing else
   *   is lost.
   */
  write(id: string, record: LogRecord): boolean {
    const state = this.#state(id, "write to");
    if (!state.enabled || this.#closed) return false;
    if (this.#sink.local) return this.#writeLocal(state, id, record);
    const only = state.active.length === 1 ? state.active[0]! : undefined;
    if (only && !only.keep && !only.filter.policy && state.policies.length === 0) {
      return this.#writeDirect(state, only, id, record);
    }
    // Validate and encode in one pass; a nested write (from a policy hook) gets its own buffer.
    const nested = state.busy;
    const scratch = nested ? new ByteSink(256) : state.scratch;
    const offsets = nested ? new Int32Array(state.offsets.length) : state.offsets;
    scratch.pos = 0;
    if (!isRecord(record) || !state.encoder.encode(record, scratch, offsets)) {
      state.encoder.encodeRow(this.#validate(state, id, record), scratch, offsets);
    }
    state.busy = true;
    try {
      if (!this.#policiesAllow(state, id, record)) return false;
      let taken = false;
      for (const f of state.active) {
        if (!this.#takes(f, id, record)) continue;
        taken = true;
        const batch = f.batch!;
        if (f.keep) batch.appendFields(scratch.buf, offsets, f.keep);
        else batch.append(scratch.buf, 0, scratch.pos);
        if (batch.count >= this.#deps.bufferSize) this.#flushFilter(state, f);
      }
      return taken;
    } finally {
      state.busy = nested;
    }
  }

  /**
   * `write()` of a stream with one filter that takes every field and no policy hook to run: the
   * record is encoded straight into the filter's batch (no user code runs before it is counted).
   */
  #writeDirect(state: StreamState, f: FilterState, id: string, record: LogRecord): boolean {
    const batch = f.batch!;
    const sink = batch.sink;
    if (!isRecord(record) || !state.encoder.encode(record, sink, state.offsets)) {
      state.encoder.encodeRow(this.#validate(state, id, record), sink, state.offsets);
    }
    batch.commit();
    this.#count(f);
    if (batch.count >= this.#deps.bufferSize) this.#flushFilter(state, f);
    return true;
  }

  /** Runs a filter's policy hook: counts the write when the filter takes the record, else the veto. */
  #takes(f: FilterState, id: string, record: LogRecord): boolean {
    if (f.filter.policy && !f.filter.policy(record, id, f.filter.name)) {
      this.stats.vetoed++;
      return false;
    }
    this.#count(f);
    return true;
  }

  /** `write()` on a node that writes its own files. */
  #writeLocal(state: StreamState, id: string, record: LogRecord): boolean {
    const local = this.#sink;
    const row = this.#validate(state, id, record);
    if (!this.#policiesAllow(state, id, record)) return false;
    let taken = false;
    for (const f of state.active) {
      if (!this.#takes(f, id, record)) continue;
      taken = true;
      local.writeRows(f.path, f.fields, [f.keep ? f.keep.map((i) => row[i]!) : row], f.writer);
    }
    return taken;
  }

  #validate(state: StreamState, id: string, record: LogRecord): LogRow {
    try {
      return validateRecord(state.stream.fields, record, { stream: id });
    } catch (error) {
      this.stats.rejected++;
      throw error;
    }
  }

  #policiesAllow(state: StreamState, id: string, record: LogRecord): boolean {
    for (const policy of state.policies) {
      if (!policy(record, id, "default")) {
        this.stats.vetoed++;
        return false;
      }
    }
    return true;
  }

  #count(f: FilterState): void {
    f.writes.n++;
  }

  #counter(key: string): { n: number } {
    let c = this.#writes.get(key);
    if (!c) this.#writes.set(key, c = { n: 0 });
    return c;
  }

  /**
   * A log batch received from another node (loggers): decoded and written.
   *
   * @param log Sender, format and batch bytes as the transport hands them over.
   * @returns Records written.
   */
  receiveBatch(log: { sender: string; format: string; batch: Uint8Array }): number {
    this.stats.batchesReceived++;
    try {
      const n = this.#sink.receive(log);
      this.stats.recordsReceived += n;
      return n;
    } catch (error) {
      this.stats.badBatches++;
      this.#deps.logger.debug(`Dropped log batch from ${log.sender}: ${(error as Error).message}`);
      return 0;
    }
  }

  /** Pushes every buffered record (remote) or flushes files (local). */
  flush(): void {
    for (const state of this.#streams.values()) {
      for (const f of state.filters.values()) this.#flushFilter(state, f);
    }
  }

  /** Flushes and stops; local files are closed by their owner. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#sink.flush();
  }

  #state(id: string, what: string): StreamState {
    // Writes come in runs of one stream: skip the map lookup for the same id as last time.
    if (id === this.#lastId && this.#lastState !== undefined) return this.#lastState;
    const state = this.#streams.get(id);
    if (!state) throw new TypeError(`Cannot ${what} stream "${id}": no such stream`);
    this.#lastId = id;
    this.#lastState = state;
    return state;
  }

  #flushFilter(_state: StreamState, f: FilterState): void {
    const batch = f.batch;
    if (!batch || batch.count === 0 || !this.#sink.sends) return;
    const records = batch.count;
    if (this.#sink.send(batch.take())) this.stats.batchesSent++;
    else this.stats.recordsDropped += records;
  }
}

/** Fresh counters whose `writes` is a snapshot of `counters` (the keys with a write). */
function statsOver(counters: ReadonlyMap<string, { n: number }>): LogServiceStats {
  return {
    get writes() {
      const out = new Map<string, number>();
      for (const [key, c] of counters) if (c.n > 0) out.set(key, c.n);
      return out;
    },
    rejected: 0,
    vetoed: 0,
    batchesSent: 0,
    recordsDropped: 0,
    batchesReceived: 0,
    recordsReceived: 0,
    badBatches: 0,
  };
}

/** Whether a value is an object `validateRecord` could take (else it says why not). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The serializer name log batches carry in frame 2. */
export const LOG_FORMAT = LOG_SERIALIZER_NAME;

/** Columns of Zeek's `Cluster::Info`. */
export const CLUSTER_INFO_COLUMNS: LogColumns = {
  ts: "time",
  node: "string",
  message: "string",
};

/**
 * The authoritative side of a store: applies every mutation in order, commits, acknowledges,
 * broadcasts (protocol in `replication.ts`).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { StoreError } from "../errors.ts";
import type { BrokerValue } from "../serialization/mod.ts";
import { type StoreBackend, StoreEncoders } from "./backend.ts";
import {
  applyCommand,
  type ApplyOptions,
  type CommandOutcome,
  DEFAULT_STORE_LIMITS,
  ExpiryTracker,
  type StoreCommand,
  type StoreLimits,
  type StoreUpdate,
} from "./operations.ts";
import { cnt, num, vector } from "./_args.ts";
import {
  decodeCommand,
  encodeAcks,
  encodeUpdate,
  STORE_EVENTS,
  type StoreChannel,
  storeClonesTopic,
  storeCloneTopic,
  storeMasterTopic,
  type WriteAck,
} from "./replication.ts";
import { ReplicationPeer } from "./_replication_peer.ts";
import { closedError, StoreBase, type StoreOp, type StoreRole } from "./store.ts";
import { nowNs, UpdateLog, type WriterState, WriterTable } from "./_master_state.ts";

/** Options of {@link MasterStore}. */
export interface MasterStoreOptions {
  /** The store name. */
  readonly name: string;
  /** The backend; the master owns it and disposes it. */
  readonly backend: StoreBackend;
  /** Time source (wall clock for expiries, monotonic for intervals). */
  readonly clock: Clock;
  /** The event layer; absent outside a cluster (a local master replicates to nobody). */
  readonly channel?: StoreChannel;
  /** This master instance's id; a fresh UUID by default. */
  readonly epoch?: string;
  /** Key and value bounds. */
  readonly limits?: StoreLimits;
  /** Timer period in ms (default 100, Broker's tick); 0 starts no timer (call `tick()`). */
  readonly tickIntervalMs?: number;
  /** Heartbeat period, ms (default 1000). */
  readonly heartbeatIntervalMs?: number;
  /** Expiry sweep period, ms (default 1000). */
  readonly expirySweepIntervalMs?: number;
  /** Updates kept for retransmission (default 10000); a clone further behind gets a snapshot. */
  readonly logMax?: number;
  /** Per writer: out-of-order writes buffered and results remembered (default 10000). */
  readonly writerWindow?: number;
  /** Writers remembered (default 4096; least recently used is forgotten). */
  readonly maxWriters?: number;
  /** A clone not heard from this long is no longer counted (default 30000 ms). */
  readonly cloneTimeoutMs?: number;
  /** Updates per `update` event (default 1000). */
  readonly maxUpdatesPerMessage?: number;
  /** Asynchronous failures (commit errors, malformed messages). */
  readonly onError?: (code: string, message: string) => void;
}

interface LocalWaiter {
  readonly resolve: (v: BrokerValue) => void;
  readonly reject: (e: StoreError) => void;
  readonly outcome: { result: BrokerValue } | StoreError;
}

/** What one flush settles once its commit is done. */
interface Round {
  readonly locals: LocalWaiter[];
  readonly acks: Map<string, WriteAck[]>;
}

/**
 * A store master. Writes are applied at once in call (or arrival) order, batched into one commit
 * per microtask, broadcast in seq order once the commit started, and acknowledged only after it
 * is done. Reads are served from the backend, with lazy expiry.
 *
 * Divergences from Broker: failed mutations reject the writer's promise (Broker only logs);
 * clones are acknowledged end to end and deduplicated by `(writer id, request id)`. A write that
 * was committed but whose ack was lost when the master crashed may be applied again by its
 * restarted successor (the dedup state is not persisted).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../clock.ts";
 * import { MasterStore, MemoryBackend } from "./mod.ts";
 * await using store = new MasterStore({
 *   name: "s", backend: new MemoryBackend(), clock: new ManualClock(), tickIntervalMs: 0,
 * });
 * await store.put("k", "v");
 * await store.get("k"); // "v"
 * ```
 */
export class MasterStore extends StoreBase {
  /** Always `"master"`. */
  readonly role: StoreRole = "master";
  /** This instance's id. */
  readonly epoch: string;
  readonly #backend: StoreBackend;
  readonly #clock: Clock;
  readonly #peer: ReplicationPeer;
  readonly #limits: StoreLimits;
  readonly #opts: Required<
    Pick<
      MasterStoreOptions,
      | "heartbeatIntervalMs"
      | "expirySweepIntervalMs"
      | "cloneTimeoutMs"
      | "maxUpdatesPerMessage"
    >
  >;
  readonly #onError: (code: string, message: string) => void;
  readonly #tracker = new ExpiryTracker();
  readonly #encoders = new StoreEncoders();
  readonly #log: UpdateLog;
  readonly #writers: WriterTable;
  readonly #clones = new Map<string, { lastApplied: number; lastSeenMs: number }>();
  #seq = 0;
  #publishedSeq = 0;
  #outbox: StoreUpdate[] = [];
  #outboxFirst = 1;
  #acks = new Map<string, WriteAck[]>();
  #locals: LocalWaiter[] = [];
  #snapshotFor = new Set<string>();
  #flushScheduled = false;
  /** Rounds whose commit is still running (a write-behind backend), and the last of them. */
  #pendingRounds = 0;
  #lastRound: Promise<void> = Promise.resolve();
  /**
   * The time of local writes until the next flush: one timestamp per batch of local writes
   * (as Zeek stamps a batch), not one clock read per write.
   */
  #localNowNs: bigint | undefined;
  /** The options of the last `applyCommand`: reused while the time is the same. */
  #applyOptions: ApplyOptions | undefined;
  #failed: StoreError | undefined;
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastHeartbeatMs: number;
  #lastSweepMs: number;

  /**
   * Loads expiries from the backend and, with a channel, subscribes to the master topic.
   * @param options Name, backend, clock, channel and tuning.
   */
  constructor(options: MasterStoreOptions) {
    super(options.name);
    this.epoch = options.epoch ?? crypto.randomUUID();
    this.#backend = options.backend;
    this.#clock = options.clock;
    this.#limits = options.limits ?? DEFAULT_STORE_LIMITS;
    this.#opts = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      expirySweepIntervalMs: options.expirySweepIntervalMs ?? 1000,
      cloneTimeoutMs: options.cloneTimeoutMs ?? 30_000,
      maxUpdatesPerMessage: options.maxUpdatesPerMessage ?? 1000,
    };
    this.#onError = options.onError ?? (() => {});
    this.#peer = new ReplicationPeer(this.name, options.channel, this.stats, this.#onError);
    this.#log = new UpdateLog(options.logMax ?? 10_000);
    this.#writers = new WriterTable(options.writerWindow ?? 10_000, options.maxWriters ?? 4096);
    this.#tracker.load(this.#backend);
    this.#lastHeartbeatMs = this.#lastSweepMs = this.#clock.monotonicMs();
    if (this.#peer.connected) {
      this.#peer.listen([storeMasterTopic(this.name)], {
        [STORE_EVENTS.attach]: (a) => this.#onAttach(a),
        [STORE_EVENTS.write]: (a) => this.#onWrite(a),
        [STORE_EVENTS.nack]: (a) => this.#onNack(a),
        [STORE_EVENTS.status]: (a) => this.#onStatus(a),
      });
      this.#heartbeat();
    }
    const tick = options.tickIntervalMs ?? 100;
    if (tick > 0) this.#timer = setInterval(() => this.tick(), tick);
  }

  /** Rows in the backend. */
  get size(): number {
    return this.#backend.size();
  }

  /**
   * Applies a command. Resolves with its answer once committed.
   * @throws {StoreError} (rejects) for a failed mutation or a closed/failed store.
   */
  execute(command: StoreCommand): Promise<BrokerValue> {
    if (this.#closed) return Promise.reject(closedError(this.name));
    if (this.#failed) return Promise.reject(this.#failed);
    this.#localNowNs ??= nowNs(this.#clock);
    const outcome = this.#apply(command, this.#localNowNs);
    return new Promise((resolve, reject) => {
      this.#locals.push({ resolve, reject, outcome });
      this.#scheduleFlush();
    });
  }

  /**
   * Resolves once every write applied so far is committed and published (at once with a
   * backend that commits synchronously).
   */
  async flushed(): Promise<void> {
    if (this.#flushScheduled) await Promise.resolve();
    while (this.#pendingRounds > 0) await this.#lastRound;
  }

  /** Expires due keys, sends heartbeats, forgets silent clones. */
  tick(): void {
    if (this.#closed || this.#failed) return;
    const now = this.#clock.monotonicMs();
    if (now - this.#lastSweepMs >= this.#opts.expirySweepIntervalMs) {
      this.#lastSweepMs = now;
      this.#sweep();
    }
    if (this.#peer.connected && now - this.#lastHeartbeatMs >= this.#opts.heartbeatIntervalMs) {
      this.#heartbeat();
      for (const [id, c] of this.#clones) {
        if (now - c.lastSeenMs > this.#opts.cloneTimeoutMs) this.#clones.delete(id);
      }
      this.#updateCloneStats();
    }
  }

  /** Commits and publishes pending work, stops timers, unsubscribes, disposes the backend. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    await Promise.resolve();
    this.#flush();
    await this.flushed();
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#peer.close();
    const dispose = (this.#backend as Partial<AsyncDisposable>)[Symbol.asyncDispose];
    if (dispose) await dispose.call(this.#backend);
    else this.#backend[Symbol.dispose]();
  }

  protected override read<T>(
    op: StoreOp,
    fn: (backend: StoreBackend, nowNs: bigint | undefined) => T,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(this.name));
    this.stats.ops[op]++;
    try {
      return Promise.resolve(fn(this.#backend, nowNs(this.#clock)));
    } catch (error) {
      this.stats.errors++;
      return Promise.reject(error);
    }
  }

  /** Applies one command at time `now` (one timestamp per write message or local batch). */
  #apply(command: StoreCommand, now: bigint): { result: BrokerValue } | StoreError {
    let outcome: CommandOutcome;
    let options = this.#applyOptions;
    if (options?.nowNs !== now) {
      options = this.#applyOptions = { nowNs: now, limits: this.#limits, encoders: this.#encoders };
    }
    try {
      outcome = applyCommand(this.#backend, command, options);
    } catch (error) {
      this.stats.errors++;
      return error instanceof StoreError
        ? error
        : new StoreError("backend_failure", (error as Error).message, { cause: error });
    }
    this.stats.ops[command.type]++;
    this.#emit(outcome.updates);
    return { result: outcome.result };
  }

  #emit(updates: readonly StoreUpdate[]): void {
    for (const u of updates) {
      this.#seq++;
      if (this.#outbox.length === 0) this.#outboxFirst = this.#seq;
      this.#outbox.push(u);
      this.#log.push(this.#seq, u);
      this.#tracker.track(u);
    }
    this.stats.lastSeq = this.#seq;
    if (updates.length > 0) this.#scheduleFlush();
  }

  #sweep(): void {
    const expired = this.#tracker.sweep(this.#backend, nowNs(this.#clock));
    this.stats.ops.expire += expired.length;
    this.#emit(expired);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /**
   * Commits, then broadcasts the updates and snapshots of this flush; the acks and local writers
   * of this flush are settled once the commit is done. With a backend that commits on its own
   * thread that is later: clones may then see a write before it is durable (the commits queued
   * ahead of it still running), while its writer hears of it only after (a master that dies in between leaves the write
   * unacknowledged; the clones resync and the writer resends it). Rounds settle in flush order.
   */
  #flush(): void {
    this.#flushScheduled = false;
    this.#localNowNs = undefined;
    if (this.#closed) return;
    const round: Round = { locals: this.#locals, acks: this.#acks };
    this.#locals = [];
    this.#acks = new Map();
    const outbox = this.#outbox;
    this.#outbox = [];
    let committed: Promise<void> | void;
    try {
      committed = this.#backend.flush();
    } catch (error) {
      this.#fail(error as Error, round);
      return;
    }
    this.#publishUpdates(outbox, this.#outboxFirst);
    for (const clone of this.#snapshotFor) this.#sendSnapshot(clone);
    this.#snapshotFor.clear();
    if (!committed && this.#pendingRounds === 0) {
      this.#settle(round);
      return;
    }
    this.#pendingRounds++;
    this.#lastRound = this.#lastRound.then(() => committed).then(
      () => this.#settle(round),
      (error: Error) => this.#fail(error, round),
    ).finally(() => this.#pendingRounds--);
  }

  /** Acknowledges a committed round's writers. */
  #settle(round: Round): void {
    for (const [writer, acks] of round.acks) {
      this.#peer.publish(storeCloneTopic(this.name, writer), STORE_EVENTS.ack, [
        this.name,
        writer,
        this.epoch,
        encodeAcks(acks),
      ]);
    }
    for (const w of round.locals) {
      if (w.outcome instanceof StoreError) w.reject(w.outcome);
      else w.resolve(w.outcome.result);
    }
  }

  #publishUpdates(out: StoreUpdate[], first: number): void {
    if (out.length === 0) return;
    const step = this.#opts.maxUpdatesPerMessage;
    for (let i = 0; i < out.length; i += step) {
      const chunk = out.slice(i, i + step);
      this.#peer.publish(storeClonesTopic(this.name), STORE_EVENTS.update, [
        this.name,
        this.epoch,
        cnt(first + i),
        chunk.map(encodeUpdate),
      ]);
    }
    this.stats.updates += out.length;
    this.#publishedSeq = first + out.length - 1;
  }

  #fail(error: Error, round: Round): void {
    const failure = this.#failed ?? new StoreError(
      "backend_failure",
      `Store "${this.name}" failed to commit: ${error.message}`,
      { cause: error },
    );
    if (!this.#failed) {
      this.#failed = failure;
      this.#onError("backend_failure", failure.message);
    }
    for (const w of round.locals) w.reject(failure);
    for (const [writer, acks] of round.acks) {
      const failed = acks.map((a) => ({ ...a, code: failure.code, message: failure.message }));
      this.#peer.publish(storeCloneTopic(this.name, writer), STORE_EVENTS.ack, [
        this.name,
        writer,
        this.epoch,
        encodeAcks(failed),
      ]);
    }
  }

  #onAttach([store, cloneId, firstUnacked]: BrokerValue[]): void {
    if (store !== this.name) return;
    if (typeof cloneId !== "string") throw new SyntaxError("Cannot decode attach: bad clone id");
    this.#writers.get(cloneId, num(firstUnacked));
    this.#seen(cloneId, -1);
    this.#snapshotFor.add(cloneId);
    this.#scheduleFlush();
  }

  #onWrite([store, writerId, firstUnacked, writes]: BrokerValue[]): void {
    if (store !== this.name || this.#failed) return;
    if (typeof writerId !== "string") throw new SyntaxError("Cannot decode write: bad writer id");
    const writer = this.#writers.get(writerId, num(firstUnacked));
    const acks: WriteAck[] = [];
    try {
      this.#applyWrites(writer, writes, acks, nowNs(this.#clock));
    } finally {
      if (acks.length > 0) {
        const queued = this.#acks.get(writerId);
        if (queued) queued.push(...acks);
        else this.#acks.set(writerId, acks);
      }
      this.#scheduleFlush();
    }
  }

  /** Applies a write message's writes, all at time `now`. */
  #applyWrites(
    writer: WriterState,
    writes: BrokerValue | undefined,
    acks: WriteAck[],
    now: bigint,
  ): void {
    for (const w of vector(writes, "writes")) {
      const write = vector(w, "write");
      const reqId = num(write[0]);
      const command = decodeCommand(write[1]!);
      if (reqId < writer.next) {
        this.stats.duplicateWrites++;
        acks.push(
          writer.results.get(reqId) ??
            { reqId, seq: this.#seq, code: "", message: "", result: null },
        );
      } else if (reqId > writer.next) {
        if (!writer.buffer(reqId, command)) this.stats.dropped++;
      } else {
        acks.push(this.#applyRemote(writer, reqId, command, now));
        for (let next = writer.take(); next; next = writer.take()) {
          acks.push(this.#applyRemote(writer, next[0], next[1], now));
        }
      }
    }
  }

  #applyRemote(
    writer: WriterState,
    reqId: number,
    command: StoreCommand,
    now: bigint,
  ): WriteAck {
    const outcome = this.#apply(command, now);
    const ack: WriteAck = outcome instanceof StoreError
      ? { reqId, seq: this.#seq, code: outcome.code, message: outcome.message, result: null }
      : { reqId, seq: this.#seq, code: "", message: "", result: outcome.result };
    writer.done(ack);
    return ack;
  }

  #onNack([store, cloneId, epoch, from, to]: BrokerValue[]): void {
    if (store !== this.name || typeof cloneId !== "string") return;
    const fromSeq = num(from);
    const toSeq = Math.min(num(to), this.#publishedSeq);
    this.#seen(cloneId, fromSeq - 1);
    if (epoch !== this.epoch || !this.#log.has(fromSeq)) {
      this.#snapshotFor.add(cloneId);
      this.#scheduleFlush();
      return;
    }
    if (fromSeq > toSeq) return;
    this.stats.retransmits++;
    const updates = this.#log.range(fromSeq, toSeq).map(encodeUpdate);
    this.#peer.publish(storeCloneTopic(this.name, cloneId), STORE_EVENTS.update, [
      this.name,
      this.epoch,
      cnt(fromSeq),
      updates,
    ]);
  }

  #onStatus([store, cloneId, epoch, lastApplied]: BrokerValue[]): void {
    if (store !== this.name || typeof cloneId !== "string" || epoch !== this.epoch) return;
    this.#seen(cloneId, num(lastApplied));
  }

  #seen(cloneId: string, lastApplied: number): void {
    const c = this.#clones.get(cloneId);
    const now = this.#clock.monotonicMs();
    if (c) {
      c.lastSeenMs = now;
      c.lastApplied = Math.max(c.lastApplied, lastApplied);
    } else {
      this.#clones.set(cloneId, { lastApplied, lastSeenMs: now });
    }
    this.#updateCloneStats();
  }

  #updateCloneStats(): void {
    this.stats.clones = this.#clones.size;
    let behind = 0;
    for (const c of this.#clones.values()) {
      if (c.lastApplied >= 0) behind = Math.max(behind, this.#publishedSeq - c.lastApplied);
    }
    this.stats.seqBehind = behind;
  }

  #sendSnapshot(cloneId: string): void {
    const now = nowNs(this.#clock);
    const entries: BrokerValue[] = [];
    for (const row of this.#backend.snapshot()) {
      if (row.expiryNs === null || row.expiryNs > now) entries.push([row.key, row.value]);
    }
    this.stats.snapshots++;
    this.#peer.publish(storeCloneTopic(this.name, cloneId), STORE_EVENTS.snapshot, [
      this.name,
      cloneId,
      this.epoch,
      cnt(this.#publishedSeq),
      entries,
    ]);
  }

  #heartbeat(): void {
    this.#lastHeartbeatMs = this.#clock.monotonicMs();
    this.#peer.publish(storeClonesTopic(this.name), STORE_EVENTS.heartbeat, [
      this.name,
      this.epoch,
      cnt(this.#publishedSeq),
    ]);
  }
}

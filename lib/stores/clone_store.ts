/**
 * A read cache of a master that forwards writes (protocol in `replication.ts`), with the three
 * documented clone intervals (spec A.7, "TS recommendation"):
 *
 * - `resyncIntervalMs` (Zeek `clone_resync_interval`, 10 s): while detached, a re-attach (snapshot
 *   request) is sent this often; a heartbeat from a master also triggers one.
 * - `staleIntervalMs` (`clone_stale_interval`, 300 s): once the clone has been out of contact
 *   with its master this long, reads reject with `stale_data`; negative means never stale.
 * - `mutationBufferIntervalMs` (`clone_mutation_buffer_interval`, 120 s): writes made while
 *   detached are kept and sent after re-attaching; once out of contact this long, every
 *   unacknowledged write rejects with `request_timeout`, and new writes reject at once until
 *   the clone re-attaches. Zero or negative: no buffering.
 *
 * "Out of contact" starts at the last message heard from the master; the clone counts as
 * detached once `masterTimeoutMs` (10 s, Broker's hard-coded master timeout) passes without one.
 * Before the first snapshot, reads wait up to `maxGetDelayMs` (5 s, Broker's
 * `broker.store.max-get-delay`) and then reject with `stale_data`.
 *
 * Divergences from Broker 2.8, which ignores all three intervals: the clone follows a restarted
 * master (new epoch), reads go stale, and the write buffer is bounded in time and size.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { StoreError } from "../errors.ts";
import { BinV1Encoder, type BrokerValue } from "../serialization/mod.ts";
import type { StoreBackend } from "./backend.ts";
import { MemoryBackend } from "./memory_backend.ts";
import {
  applyUpdate,
  DEFAULT_STORE_LIMITS,
  type StoreCommand,
  type StoreUpdate,
} from "./operations.ts";
import {
  type CloneStoreOptions,
  DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS,
  DEFAULT_CLONE_RESYNC_INTERVAL_MS,
  DEFAULT_CLONE_STALE_INTERVAL_MS,
} from "./clone_options.ts";
import { cnt, num, vector } from "./_args.ts";
import {
  decodeUpdate,
  STORE_EVENTS,
  storeClonesTopic,
  storeCloneTopic,
  storeMasterTopic,
} from "./replication.ts";
import { ReplicationPeer } from "./_replication_peer.ts";
import { closedError, StoreBase, type StoreOp, type StoreRole } from "./store.ts";
import { CloneWrites } from "./_clone_writes.ts";

interface WaitingRead {
  readonly since: number;
  readonly run: () => void;
  readonly reject: (e: StoreError) => void;
}

type Required2<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };
type Tuning = Required2<
  Omit<CloneStoreOptions, "name" | "channel" | "clock" | "backend" | "cloneId" | "onError">
>;

/**
 * A store clone. Reads are local; writes go to the master and resolve once the master committed
 * them and this clone applied the resulting update (read-your-writes).
 *
 * @example
 * ```ts ignore
 * await using clone = new CloneStore({ name: "s", channel: cluster, clock: systemClock });
 * await clone.increment("hits");
 * ```
 */
export class CloneStore extends StoreBase {
  /** Always `"clone"`. */
  readonly role: StoreRole = "clone";
  /** This clone's id (its writer id too). */
  readonly cloneId: string;
  readonly #backend: StoreBackend;
  readonly #peer: ReplicationPeer;
  readonly #clock: Clock;
  readonly #t: Tuning;
  readonly #onError: (code: string, message: string) => void;
  readonly #writes: CloneWrites;
  readonly #ooo = new Map<number, StoreUpdate>();
  readonly #keyEncoder = new BinV1Encoder();
  #waiting: WaitingRead[] = [];
  #epoch: string | undefined;
  #attached = false;
  #everAttached = false;
  #lastApplied = 0;
  #knownSeq = 0;
  #lastHeardMs: number;
  #disconnectedSinceMs: number;
  #lastAttachMs = -Infinity;
  #attachedFor: string | undefined;
  #lastStatusMs = -Infinity;
  #lastNackMs = -Infinity;
  #gapSinceMs: number | undefined;
  #sendScheduled = false;
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Subscribes to the clone topics and asks the master for a snapshot.
   * @param options Name, channel, clock, intervals and bounds.
   */
  constructor(options: CloneStoreOptions) {
    super(options.name);
    this.cloneId = options.cloneId ?? crypto.randomUUID();
    this.#backend = options.backend ?? new MemoryBackend();
    this.#clock = options.clock;
    this.#onError = options.onError ?? (() => {});
    this.#peer = new ReplicationPeer(this.name, options.channel, this.stats, this.#onError);
    this.#t = {
      resyncIntervalMs: options.resyncIntervalMs ?? DEFAULT_CLONE_RESYNC_INTERVAL_MS,
      staleIntervalMs: options.staleIntervalMs ?? DEFAULT_CLONE_STALE_INTERVAL_MS,
      mutationBufferIntervalMs: options.mutationBufferIntervalMs ??
        DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS,
      masterTimeoutMs: options.masterTimeoutMs ?? 10_000,
      maxGetDelayMs: options.maxGetDelayMs ?? 5_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      retransmitIntervalMs: options.retransmitIntervalMs ?? 1000,
      nackDelayMs: options.nackDelayMs ?? 200,
      maxPendingWrites: options.maxPendingWrites ?? 10_000,
      maxOutOfOrder: options.maxOutOfOrder ?? 10_000,
      maxWaitingReads: options.maxWaitingReads ?? 1000,
      maxWritesPerMessage: options.maxWritesPerMessage ?? 1000,
      limits: options.limits ?? DEFAULT_STORE_LIMITS,
      tickIntervalMs: options.tickIntervalMs ?? 100,
    };
    this.#writes = new CloneWrites({
      retransmitIntervalMs: this.#t.retransmitIntervalMs,
      maxWritesPerMessage: this.#t.maxWritesPerMessage,
      publish: (firstUnacked, writes) =>
        this.#peer.publish(storeMasterTopic(this.name), STORE_EVENTS.write, [
          this.name,
          this.cloneId,
          cnt(firstUnacked),
          writes,
        ]),
    });
    this.#lastHeardMs = this.#disconnectedSinceMs = this.#clock.monotonicMs();
    this.#peer.listen([storeClonesTopic(this.name), storeCloneTopic(this.name, this.cloneId)], {
      [STORE_EVENTS.update]: (a) => this.#onUpdate(a),
      [STORE_EVENTS.heartbeat]: (a) => this.#onHeartbeat(a),
      [STORE_EVENTS.snapshot]: (a) => this.#onSnapshot(a),
      [STORE_EVENTS.ack]: (a) => this.#onAck(a),
    });
    this.#attach();
    if (this.#t.tickIntervalMs > 0) {
      this.#timer = setInterval(() => this.tick(), this.#t.tickIntervalMs);
    }
  }

  /** Rows in the local cache. */
  get size(): number {
    return this.#backend.size();
  }

  /** Whether the clone holds a snapshot of a master it currently hears from. */
  get attached(): boolean {
    return this.#attached;
  }

  /**
   * Forwards a command to the master (or buffers it while detached).
   * @throws {StoreError} (rejects) with the master's error, `request_timeout` past the
   *   mutation buffer interval, `queue_full` past `maxPendingWrites`, size-limit codes.
   */
  execute(command: StoreCommand): Promise<BrokerValue> {
    if (this.#closed) return Promise.reject(closedError(this.name));
    const early = this.#refuseWrite(command);
    if (early) {
      this.stats.errors++;
      this.stats.failedWrites++;
      return Promise.reject(early);
    }
    this.stats.ops[command.type]++;
    return new Promise((resolve, reject) => {
      this.#writes.add(command, resolve, reject);
      if (this.#attached) this.#scheduleSend();
    });
  }

  /** Detects a silent master, re-attaches, fails expired writes, retransmits, nacks gaps. */
  tick(): void {
    if (this.#closed) return;
    const now = this.#clock.monotonicMs();
    if (this.#attached && now - this.#lastHeardMs > this.#t.masterTimeoutMs) {
      this.#attached = false;
      this.#disconnectedSinceMs = this.#lastHeardMs;
    }
    if (!this.#attached) {
      if (now - this.#lastAttachMs >= this.#t.resyncIntervalMs) this.#attach();
      if (this.#bufferExpired(now)) this.#failUnacked(now);
    }
    this.#expireWaitingReads(now);
    if (!this.#attached) return;
    this.#writes.send(now, true);
    this.#checkGap(now);
    if (now - this.#lastStatusMs >= this.#t.heartbeatIntervalMs) {
      this.#lastStatusMs = now;
      this.#peer.publish(storeMasterTopic(this.name), STORE_EVENTS.status, [
        this.name,
        this.cloneId,
        this.#epoch ?? "",
        cnt(this.#lastApplied),
      ]);
    }
  }

  /** Stops timers, unsubscribes, rejects waiting work, disposes the cache. Safe twice. */
  [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#peer.close();
    this.#writes.close(closedError(this.name));
    for (const w of this.#waiting) w.reject(closedError(this.name));
    this.#waiting = [];
    this.#backend[Symbol.dispose]();
    return Promise.resolve();
  }

  protected override read<T>(
    op: StoreOp,
    fn: (backend: StoreBackend, nowNs: bigint | undefined) => T,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(this.name));
    this.stats.ops[op]++;
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => {
        this.stats.errors++;
        reject(e);
      };
      const run = () => {
        try {
          resolve(fn(this.#backend, undefined));
        } catch (error) {
          fail(error);
        }
      };
      if (this.#everAttached) {
        const stale = this.#staleError();
        if (stale) {
          this.stats.staleReads++;
          fail(stale);
        } else run();
      } else if (this.#waiting.length >= this.#t.maxWaitingReads) {
        this.stats.dropped++;
        fail(new StoreError("stale_data", `Cannot read store "${this.name}": no snapshot yet`));
      } else {
        this.#waiting.push({ since: this.#clock.monotonicMs(), run, reject: fail });
      }
    });
  }

  #staleError(): StoreError | undefined {
    if (this.#attached || this.#t.staleIntervalMs < 0) return undefined;
    const out = this.#clock.monotonicMs() - this.#disconnectedSinceMs;
    if (out <= this.#t.staleIntervalMs) return undefined;
    return new StoreError(
      "stale_data",
      `Cannot read store "${this.name}": no contact with its master for ${
        Math.round(out)
      } ms (stale interval ${this.#t.staleIntervalMs} ms)`,
    );
  }

  #refuseWrite(command: StoreCommand): StoreError | undefined {
    if ("key" in command && !surelyFits(command.key, this.#t.limits.maxKeyBytes)) {
      const size = this.#keyEncoder.encode(command.key).length;
      if (size > this.#t.limits.maxKeyBytes) {
        return new StoreError(
          "key_too_large",
          `Cannot write key: key is ${size} bytes, limit ${this.#t.limits.maxKeyBytes}`,
        );
      }
    }
    if (this.#writes.size >= this.#t.maxPendingWrites) {
      return new StoreError(
        "queue_full",
        `Cannot write to store "${this.name}": ${this.#writes.size} writes pending`,
      );
    }
    if (!this.#attached && this.#bufferExpired(this.#clock.monotonicMs())) {
      return this.#timeoutError(command.type);
    }
    return undefined;
  }

  #bufferExpired(now: number): boolean {
    return this.#t.mutationBufferIntervalMs <= 0 ||
      now - this.#disconnectedSinceMs > this.#t.mutationBufferIntervalMs;
  }

  #timeoutError(what: string): StoreError {
    return new StoreError(
      "request_timeout",
      `Cannot ${what} in store "${this.name}": master unreachable beyond the mutation buffer interval (${this.#t.mutationBufferIntervalMs} ms)`,
    );
  }

  #failUnacked(_now: number): void {
    const n = this.#writes.failUnacked((p) => this.#timeoutError(p.command.type));
    this.stats.errors += n;
    this.stats.failedWrites += n;
  }

  #expireWaitingReads(now: number): void {
    if (this.#waiting.length === 0) return;
    const keep: WaitingRead[] = [];
    for (const w of this.#waiting) {
      if (now - w.since < this.#t.maxGetDelayMs) keep.push(w);
      else {
        this.stats.staleReads++;
        w.reject(
          new StoreError(
            "stale_data",
            `Cannot read store "${this.name}": no snapshot from its master yet`,
          ),
        );
      }
    }
    this.#waiting = keep;
  }

  #attach(): void {
    this.#lastAttachMs = this.#clock.monotonicMs();
    this.#peer.publish(storeMasterTopic(this.name), STORE_EVENTS.attach, [
      this.name,
      this.cloneId,
      cnt(this.#writes.firstUnacked()),
    ]);
  }

  #scheduleSend(): void {
    if (this.#sendScheduled) return;
    this.#sendScheduled = true;
    queueMicrotask(() => {
      this.#sendScheduled = false;
      if (!this.#closed && this.#attached) this.#writes.sendNew(this.#clock.monotonicMs());
    });
  }

  #checkGap(now: number): void {
    let top = this.#knownSeq;
    for (const s of this.#ooo.keys()) top = Math.max(top, s);
    if (top <= this.#lastApplied) {
      this.#gapSinceMs = undefined;
      return;
    }
    this.#gapSinceMs ??= now;
    if (now - this.#gapSinceMs < this.#t.nackDelayMs) return;
    if (now - this.#lastNackMs < this.#t.nackDelayMs) return;
    this.#lastNackMs = now;
    this.stats.nacks++;
    this.#peer.publish(storeMasterTopic(this.name), STORE_EVENTS.nack, [
      this.name,
      this.cloneId,
      this.#epoch ?? "",
      cnt(this.#lastApplied + 1),
      cnt(top),
    ]);
  }

  /** A message from `epoch`: @returns whether it is from the master we are attached to. */
  #fromMaster(epoch: BrokerValue | undefined): boolean {
    if (typeof epoch !== "string") throw new SyntaxError("Cannot decode store message: epoch");
    if (this.#attached && epoch === this.#epoch) {
      this.#lastHeardMs = this.#clock.monotonicMs();
      return true;
    }
    if (this.#attached) {
      // A new master instance: keep serving the old data until its snapshot arrives.
      this.#attached = false;
      this.#disconnectedSinceMs = this.#clock.monotonicMs();
    }
    // A master we have not asked yet is asked at once; otherwise at most once a second.
    const now = this.#clock.monotonicMs();
    if (
      epoch !== this.#attachedFor ||
      now - this.#lastAttachMs >= Math.min(this.#t.resyncIntervalMs, 1000)
    ) {
      this.#attachedFor = epoch;
      this.#attach();
    }
    return false;
  }

  #onHeartbeat([store, epoch, seq]: BrokerValue[]): void {
    if (store !== this.name || !this.#fromMaster(epoch)) return;
    this.#knownSeq = Math.max(this.#knownSeq, num(seq));
    this.#updateLag();
  }

  #onUpdate([store, epoch, first, updates]: BrokerValue[]): void {
    if (store !== this.name || !this.#fromMaster(epoch)) return;
    const firstSeq = num(first);
    const list = vector(updates, "updates");
    for (let i = 0; i < list.length; i++) {
      const seq = firstSeq + i;
      const u = list[i]!;
      if (seq <= this.#lastApplied) continue;
      if (seq === this.#lastApplied + 1) this.#applyOne(decodeUpdate(u));
      else if (this.#ooo.size < this.#t.maxOutOfOrder) this.#ooo.set(seq, decodeUpdate(u));
      else this.stats.dropped++;
    }
    this.#knownSeq = Math.max(this.#knownSeq, firstSeq + list.length - 1);
    this.#drain();
  }

  #applyOne(update: StoreUpdate): void {
    applyUpdate(this.#backend, update);
    this.#lastApplied++;
    this.stats.updates++;
  }

  #drain(): void {
    for (
      let u = this.#ooo.get(this.#lastApplied + 1);
      u;
      u = this.#ooo.get(this.#lastApplied + 1)
    ) {
      this.#ooo.delete(this.#lastApplied + 1);
      this.#applyOne(u);
    }
    for (const s of this.#ooo.keys()) if (s <= this.#lastApplied) this.#ooo.delete(s);
    this.#updateLag();
    this.#settle();
  }

  #onSnapshot([store, cloneId, epoch, seq, entries]: BrokerValue[]): void {
    if (store !== this.name || cloneId !== this.cloneId || typeof epoch !== "string") return;
    const snapSeq = num(seq);
    const sameMaster = epoch === this.#epoch;
    if (sameMaster && this.#attached && snapSeq < this.#lastApplied) return;
    const rows = vector(entries, "snapshot").map((e) => vector(e, "entry"));
    this.#backend.clear();
    for (const [k, v] of rows) this.#backend.put(k ?? null, v ?? null, null);
    if (!sameMaster) {
      this.#ooo.clear();
      this.#knownSeq = snapSeq;
    }
    this.#epoch = epoch;
    this.#lastApplied = snapSeq;
    this.#attached = true;
    this.#everAttached = true;
    this.#lastHeardMs = this.#clock.monotonicMs();
    this.#gapSinceMs = undefined;
    this.stats.snapshots++;
    this.#writes.markUnsent();
    this.#drain();
    this.#writes.send(this.#clock.monotonicMs(), false);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.run();
  }

  #onAck([store, writerId, epoch, acks]: BrokerValue[]): void {
    if (store !== this.name || writerId !== this.cloneId || typeof epoch !== "string") return;
    if (epoch === this.#epoch && this.#attached) this.#lastHeardMs = this.#clock.monotonicMs();
    try {
      this.#writes.onAck(epoch, acks!, () => this.stats.errors++);
    } finally {
      this.#settle();
    }
  }

  /** Resolves acknowledged writes once their update is applied here. */
  #settle(): void {
    if (this.#attached) this.#writes.settle(this.#epoch, this.#lastApplied);
  }

  #updateLag(): void {
    this.stats.lastSeq = this.#lastApplied;
    this.stats.seqBehind = Math.max(0, this.#knownSeq - this.#lastApplied);
  }
}

/**
 * Whether a key's encoding is within `maxBytes` without encoding it: a string's is at most a tag
 * byte, a 10-byte length and 3 UTF-8 bytes per UTF-16 unit. Other keys: unknown (`false`).
 */
function surelyFits(key: BrokerValue, maxBytes: number): boolean {
  return typeof key === "string" && 11 + 3 * key.length <= maxBytes;
}

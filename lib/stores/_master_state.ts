/**
 * Bounded state of a master: the retransmit log and per-writer dedup windows.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { BrokerValue } from "../serialization/mod.ts";
import type { StoreCommand, StoreUpdate } from "./operations.ts";
import type { WriteAck } from "./replication.ts";

/** The wall clock in ns since the epoch (microsecond precision). */
export function nowNs(clock: Clock): bigint {
  return BigInt(Math.trunc(clock.now() * 1e6)) * 1000n;
}

/** Update types, as the {@linkcode UpdateLog} stores them. */
const UPDATE_TYPES = ["put", "erase", "expire", "clear"] as const;

/**
 * A ring of the last `max` updates by seq, kept as columns (type, key, value, expiry) rather than
 * as the update objects: the keys and values are the backend's own objects, so keeping an update
 * costs no object of its own. The updates of a busy master then die young instead of being moved
 * to the old generation and collected there, which the manager's profile showed as a large share
 * of its garbage collection.
 */
export class UpdateLog {
  readonly #max: number;
  readonly #types: Uint8Array;
  readonly #keys: (BrokerValue | undefined)[];
  readonly #values: (BrokerValue | undefined)[];
  readonly #expiries: (bigint | null)[];
  #last = 0;

  /** @param max Updates kept. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Invalid log size: ${max}`);
    this.#max = max;
    this.#types = new Uint8Array(max);
    this.#keys = new Array(max);
    this.#values = new Array(max);
    this.#expiries = new Array(max).fill(null);
  }

  /** Appends the update of `seq` (seqs must be consecutive). */
  push(seq: number, update: StoreUpdate): void {
    const i = seq % this.#max;
    this.#types[i] = UPDATE_TYPES.indexOf(update.type);
    this.#keys[i] = update.type === "clear" ? undefined : update.key;
    this.#values[i] = update.type === "put" ? update.value : undefined;
    this.#expiries[i] = update.type === "put" ? update.expiryNs : null;
    this.#last = seq;
  }

  /** Whether `seq` is still kept (or is the next one). */
  has(seq: number): boolean {
    return seq >= 1 && seq > this.#last - this.#max && seq <= this.#last + 1;
  }

  /** Updates `from..to` (both kept). */
  range(from: number, to: number): StoreUpdate[] {
    const out: StoreUpdate[] = [];
    for (let s = from; s <= to; s++) {
      const i = s % this.#max;
      const type = UPDATE_TYPES[this.#types[i]!]!;
      if (type === "put") {
        out.push({
          type,
          key: this.#keys[i]!,
          value: this.#values[i]!,
          expiryNs: this.#expiries[i]!,
        });
      } else if (type === "clear") {
        out.push({ type });
      } else {
        out.push({ type, key: this.#keys[i]! });
      }
    }
    return out;
  }
}

/**
 * The last `max` acks of one writer in request-id order: a ring of columns (request id, seq, and
 * the failure or result of the rare acks that have one), so recording an ack costs no hashing, no
 * Map deletion and no object kept; lookups (duplicates only) binary-search it.
 */
export class AckRing {
  readonly #max: number;
  readonly #reqIds: Float64Array;
  readonly #seqs: Float64Array;
  /** Acks other than a plain success with a `null` result, by ring index. */
  readonly #special = new Map<number, WriteAck>();
  #size = 0;
  /** Index of the oldest ack once the ring is full. */
  #head = 0;

  /** @param max Acks kept. */
  constructor(max: number) {
    this.#max = Math.max(1, max);
    this.#reqIds = new Float64Array(this.#max);
    this.#seqs = new Float64Array(this.#max);
  }

  /** Acks kept. */
  get size(): number {
    return this.#size;
  }

  /** Appends an ack (request ids must increase), forgetting the oldest past `max`. */
  push(ack: WriteAck): void {
    let i: number;
    if (this.#size < this.#max) {
      i = this.#size++;
    } else {
      i = this.#head;
      this.#head = (this.#head + 1) % this.#max;
      this.#special.delete(i);
    }
    this.#reqIds[i] = ack.reqId;
    this.#seqs[i] = ack.seq;
    if (ack.code !== "" || ack.result !== null) this.#special.set(i, ack);
  }

  /** @returns The kept ack of `reqId`, if any. */
  get(reqId: number): WriteAck | undefined {
    const n = this.#size;
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const i = (this.#head + mid) % n;
      const id = this.#reqIds[i]!;
      if (id === reqId) {
        return this.#special.get(i) ??
          { reqId, seq: this.#seqs[i]!, code: "", message: "", result: null };
      }
      if (id < reqId) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** @returns Whether the ack of `reqId` is kept. */
  has(reqId: number): boolean {
    return this.get(reqId) !== undefined;
  }

  /** @returns The kept request ids, oldest first. */
  *keys(): IterableIterator<number> {
    const n = this.#size;
    for (let i = 0; i < n; i++) yield this.#reqIds[(this.#head + i) % n]!;
  }
}

/** One writer's dedup state: the next expected request id, buffered and recent results. */
export class WriterState {
  /** The next request id to apply. */
  next: number;
  /** Recent acks, by request id (the last `window`). */
  readonly results: AckRing;
  readonly #pending = new Map<number, StoreCommand>();
  readonly #window: number;

  /** @param next First request id. @param window Bound on buffered writes and results. */
  constructor(next: number, window: number) {
    this.next = next;
    this.#window = window;
    this.results = new AckRing(window);
  }

  /** Skips ahead when the writer gave up on earlier requests. */
  advance(firstUnacked: number): void {
    if (firstUnacked <= this.next) return;
    this.next = firstUnacked;
    for (const id of this.#pending.keys()) if (id < firstUnacked) this.#pending.delete(id);
  }

  /** Buffers an early write. @returns `false` when the window is full. */
  buffer(reqId: number, command: StoreCommand): boolean {
    if (this.#pending.has(reqId)) return true;
    if (this.#pending.size >= this.#window) return false;
    this.#pending.set(reqId, command);
    return true;
  }

  /** Takes the buffered write for `next`, if any. */
  take(): [number, StoreCommand] | undefined {
    const command = this.#pending.get(this.next);
    if (!command) return undefined;
    this.#pending.delete(this.next);
    return [this.next, command];
  }

  /** Records the ack of `next` and moves on. */
  done(ack: WriteAck): void {
    this.results.push(ack);
    this.next = ack.reqId + 1;
  }
}

/** Writers by id, least recently used forgotten past `maxWriters`. */
export class WriterTable {
  readonly #writers = new Map<string, WriterState>();
  readonly #window: number;
  readonly #max: number;

  /** @param window Per-writer window. @param max Writers kept. */
  constructor(window: number, max: number) {
    this.#window = window;
    this.#max = max;
  }

  /** The writer's state, created at `firstUnacked` if unknown. */
  get(id: string, firstUnacked: number): WriterState {
    let w = this.#writers.get(id);
    if (w) {
      this.#writers.delete(id);
      w.advance(firstUnacked);
    } else {
      w = new WriterState(firstUnacked, this.#window);
      if (this.#writers.size >= this.#max) {
        this.#writers.delete(this.#writers.keys().next().value!);
      }
    }
    this.#writers.set(id, w);
    return w;
  }
}

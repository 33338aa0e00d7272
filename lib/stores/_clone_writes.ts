/**
 * The writer side of a clone: the writes it forwarded to the master and has not settled yet, in
 * request-id order. Sends them in `write` messages (new ones, or all that are due for
 * retransmission), records the master's acknowledgements, and resolves each acknowledged write
 * once the clone has applied the update it made (read-your-writes). Used by `CloneStore`, which
 * owns the replication side.
 *
 * @module
 */

import { StoreError } from "../errors.ts";
import type { BrokerValue } from "../serialization/mod.ts";
import type { StoreCommand } from "./operations.ts";
import { encodeCommand, forEachAck } from "./replication.ts";
import { cnt } from "./_args.ts";

/** A write forwarded to the master. */
export interface PendingWrite {
  readonly command: StoreCommand;
  readonly resolve: (v: BrokerValue) => void;
  readonly reject: (e: StoreError) => void;
  sentMs: number | undefined;
  /** Acknowledged with success (then `seq`, `epoch` and `result` are the master's answer). */
  acked: boolean;
  /** The master's seq after the write: shown here once this clone applied it. */
  seq: number;
  epoch: string;
  result: BrokerValue;
}

/** What {@linkcode CloneWrites} needs. */
export interface CloneWritesOptions {
  /** An unacknowledged write is sent again after this long. */
  readonly retransmitIntervalMs: number;
  /** Writes per `write` message. */
  readonly maxWritesPerMessage: number;
  /** Publishes one `write` message: the first unacknowledged request id and the writes. */
  readonly publish: (firstUnacked: number, writes: BrokerValue[]) => void;
}

/** The pending writes of one clone. */
export class CloneWrites {
  readonly #opts: CloneWritesOptions;
  readonly #pending = new Map<number, PendingWrite>();
  /** Request ids acknowledged with success, in ack order, whose update may not be applied yet. */
  #acked: number[] = [];
  /**
   * Request ids not sent yet, in order (may hold settled ones): a send visits these instead of
   * every pending write (thousands in flight, most of them sent).
   */
  #unsent: number[] = [];
  #nextReq = 1;

  /** @param options retransmission, message size and the publisher */
  constructor(options: CloneWritesOptions) {
    this.#opts = options;
  }

  /** Writes not settled yet. */
  get size(): number {
    return this.#pending.size;
  }

  /** Queues a write (sent by the next send). */
  add(
    command: StoreCommand,
    resolve: (v: BrokerValue) => void,
    reject: (e: StoreError) => void,
  ): void {
    this.#unsent.push(this.#nextReq);
    this.#pending.set(this.#nextReq++, {
      command,
      resolve,
      reject,
      sentMs: undefined,
      acked: false,
      seq: 0,
      epoch: "",
      result: null,
    });
  }

  /** The lowest request id not acknowledged (the next one when all are). */
  firstUnacked(): number {
    for (const [id, p] of this.#pending) if (!p.acked) return id;
    return this.#nextReq;
  }

  /**
   * Sends unsent writes, or (retransmit) also those unacked for `retransmitIntervalMs`: a scan
   * of every pending write.
   */
  send(now: number, retransmit: boolean): void {
    this.#unsent = [];
    const batch = this.#batch();
    for (const [id, p] of this.#pending) {
      if (p.acked) continue;
      const due = p.sentMs === undefined ||
        (retransmit && now - p.sentMs >= this.#opts.retransmitIntervalMs);
      if (due) batch.add(id, p, now);
    }
    batch.flush();
  }

  /** Sends the writes not sent yet, visiting only those. */
  sendNew(now: number): void {
    const ids = this.#unsent;
    if (ids.length === 0) return;
    this.#unsent = [];
    const batch = this.#batch();
    for (const id of ids) {
      const p = this.#pending.get(id);
      if (p && !p.acked && p.sentMs === undefined) batch.add(id, p, now);
    }
    batch.flush();
  }

  /** Marks every pending write unsent (a new master: the next send sends them all). */
  markUnsent(): void {
    for (const p of this.#pending.values()) p.sentMs = undefined;
  }

  /**
   * Rejects every unacknowledged write.
   * @returns how many were rejected
   */
  failUnacked(error: (p: PendingWrite) => StoreError): number {
    let n = 0;
    for (const [id, p] of this.#pending) {
      if (p.acked) continue;
      this.#pending.delete(id);
      n++;
      p.reject(error(p));
    }
    this.#unsent = [];
    return n;
  }

  /**
   * Records an `ack` message of master `epoch`: failed writes reject at once (each also reported
   * to `onFailed`, so that a malformed message counts those before it), successful ones wait for
   * their update.
   * @throws {SyntaxError} for a malformed acknowledgement list
   */
  onAck(epoch: string, acks: BrokerValue, onFailed: () => void): void {
    forEachAck(acks, (reqId, seq, code, message, result) => {
      const p = this.#pending.get(reqId);
      if (!p || p.acked) return;
      if (code !== "") {
        this.#pending.delete(reqId);
        onFailed();
        p.reject(new StoreError(code, message));
      } else {
        p.acked = true;
        p.seq = seq;
        p.epoch = epoch;
        p.result = result;
        this.#acked.push(reqId);
      }
    });
  }

  /**
   * Resolves acknowledged writes whose update this clone has applied: those of another master
   * epoch, or at a seq up to `lastApplied`. Only the acknowledged ones are visited, not every
   * pending write: with thousands in flight, a scan of all of them on each update and ack
   * message was a large share of a clone's time.
   */
  settle(epoch: string | undefined, lastApplied: number): void {
    if (this.#acked.length === 0) return;
    const waiting: number[] = [];
    for (const id of this.#acked) {
      const p = this.#pending.get(id);
      if (!p?.acked) continue;
      if (p.epoch === epoch && p.seq > lastApplied) {
        waiting.push(id);
        continue;
      }
      this.#pending.delete(id);
      p.resolve(p.result);
    }
    this.#acked = waiting;
  }

  /** Settles everything at close: acknowledged writes resolve, the others reject with `closed`. */
  close(closed: StoreError): void {
    for (const p of this.#pending.values()) {
      if (p.acked) p.resolve(p.result);
      else p.reject(closed);
    }
    this.#pending.clear();
    this.#acked = [];
    this.#unsent = [];
  }

  /** Collects writes into `write` messages of at most `maxWritesPerMessage`. */
  #batch(): { add(id: number, p: PendingWrite, now: number): void; flush(): void } {
    let writes: BrokerValue[] = [];
    const flush = () => {
      if (writes.length === 0) return;
      this.#opts.publish(this.firstUnacked(), writes);
      writes = [];
    };
    return {
      add: (id, p, now) => {
        p.sentMs = now;
        writes.push([cnt(id), encodeCommand(p.command)]);
        if (writes.length >= this.#opts.maxWritesPerMessage) flush();
      },
      flush,
    };
  }
}

/**
 * The zcluster master/clone store protocol: topics, event names and argument encodings, over any
 * channel with Zeek's `Cluster::publish`/`subscribe` shape ({@link StoreChannel}).
 *
 * Broker's own store protocol rides on CAF-specific channels and is not reproduced (spec A.6,
 * §5.11). This protocol keeps Broker's behavioural contract (A.12): the master is the single
 * writer, clones forward writes and never apply them locally, every change is replicated as a
 * full-value put/erase/expire/clear.
 *
 * Topics, for a store `<name>`:
 * - `zcluster.store.<name>.master`: the master subscribes; clones send attach, write, nack, status.
 * - `zcluster.store.<name>.clones`: every clone subscribes; the master broadcasts update, heartbeat.
 * - `zcluster.store.<name>.clone.<id>.`: clone `<id>` subscribes; the master sends snapshot, ack
 *   and retransmitted updates there.
 *
 * Events (first argument always the store name; counts are Broker counts):
 * - `zcluster::store::attach(store, clone_id, first_unacked)`: a clone asks for a snapshot.
 * - `zcluster::store::snapshot(store, clone_id, epoch, seq, [[key, value], ...])`.
 * - `zcluster::store::write(store, writer_id, first_unacked, [[req_id, command], ...])`: writes in
 *   request-id order; the master applies each `(writer_id, req_id)` exactly once.
 * - `zcluster::store::ack(store, writer_id, epoch, [entry, ...])`, each entry either
 *   `[req_id, seq, code, message, result]` (one write; `code` "" is success, `seq` the master
 *   sequence number after the write) or the run form `[first_req_id, first_seq, n]`: `n >= 1`
 *   successful writes with a `null` result, request `first_req_id + i` at seq `first_seq + i`.
 *   Senders use the run form for consecutive such writes and the full form otherwise; receivers
 *   accept both in any mix.
 * - `zcluster::store::update(store, epoch, first_seq, [update, ...])`: consecutive updates.
 * - `zcluster::store::heartbeat(store, epoch, seq)`: the master's last published seq.
 * - `zcluster::store::nack(store, clone_id, epoch, from_seq, to_seq)`: a clone asks for a gap.
 * - `zcluster::store::status(store, clone_id, epoch, last_applied)`: a clone's progress.
 *
 * `epoch` is the master instance's random id: a clone that sees a new one re-attaches (unlike
 * Broker, whose clones never follow a restarted master, spec A.7.5).
 *
 * @module
 */

import { BrokerSet, type BrokerValue, Count, Timespan, Timestamp } from "../serialization/mod.ts";
import { num, vector } from "./_args.ts";
import { INIT_TYPES, type InitType, type StoreCommand, type StoreUpdate } from "./operations.ts";

/**
 * What the store needs from a node's event layer: a structural subset of the `Cluster` class,
 * so a `Cluster` can be passed as is. Handlers get the event's arguments.
 */
export interface StoreChannel {
  /** Publishes an event to a topic. @returns `false` when it was not sent. */
  publish(topic: string, name: string, ...args: BrokerValue[]): boolean;
  /** Registers a handler for an event name. @returns A function removing it. */
  on(name: string, handler: (...args: BrokerValue[]) => void): () => void;
  /** Subscribes to a topic prefix. */
  subscribe(prefix: string): void;
  /** Unsubscribes from a topic prefix. */
  unsubscribe(prefix: string): boolean;
}

/** Event names of the store protocol. */
export const STORE_EVENTS = {
  attach: "zcluster::store::attach",
  snapshot: "zcluster::store::snapshot",
  write: "zcluster::store::write",
  ack: "zcluster::store::ack",
  update: "zcluster::store::update",
  heartbeat: "zcluster::store::heartbeat",
  nack: "zcluster::store::nack",
  status: "zcluster::store::status",
} as const;

/** The topic a store's master subscribes to. @param name Store name. */
export function storeMasterTopic(name: string): string {
  return `zcluster.store.${name}.master`;
}

/** The topic every clone of a store subscribes to. @param name Store name. */
export function storeClonesTopic(name: string): string {
  return `zcluster.store.${name}.clones`;
}

/** The unicast topic of one clone. @param name Store name. @param cloneId Clone id. */
export function storeCloneTopic(name: string, cloneId: string): string {
  return `zcluster.store.${name}.clone.${cloneId}.`;
}

/** One acknowledgement of a write. */
export interface WriteAck {
  readonly reqId: number;
  /** The master's seq after the write (the clone shows the write once it applied this seq). */
  readonly seq: number;
  /** `""` on success, else a StoreError code. */
  readonly code: string;
  readonly message: string;
  readonly result: BrokerValue;
}

/** Encodes a command as a vector. */
export function encodeCommand(c: StoreCommand): BrokerValue {
  switch (c.type) {
    case "put":
    case "put_unique":
    case "subtract":
      return [c.type, c.key, c.value, c.expiry];
    case "add":
      return [c.type, c.key, c.value, c.initType, c.expiry];
    case "erase":
      return [c.type, c.key];
    case "clear":
      return [c.type];
  }
}

/**
 * Decodes a command vector.
 * @throws {SyntaxError} When it is malformed.
 */
export function decodeCommand(v: BrokerValue): StoreCommand {
  const a = vector(v, "command");
  const type = a[0];
  switch (type) {
    case "put":
    case "put_unique":
    case "subtract":
      fields(a, 4, type);
      return { type, key: a[1]!, value: a[2]!, expiry: expiryOf(a[3]) };
    case "add": {
      fields(a, 5, type);
      const init = a[3];
      if (!INIT_TYPES.includes(init as InitType)) {
        throw new SyntaxError(`Cannot decode store command add: init type ${String(init)}`);
      }
      return {
        type,
        key: a[1]!,
        value: a[2]!,
        initType: init as InitType,
        expiry: expiryOf(a[4]),
      };
    }
    case "erase":
      fields(a, 2, type);
      return { type, key: a[1]! };
    case "clear":
      fields(a, 1, type);
      return { type };
  }
  throw new SyntaxError(`Cannot decode store command: unknown type ${String(type)}`);
}

/** Checks a command's field count (module functions, not closures made per command). */
function fields(a: readonly BrokerValue[], n: number, type: string): void {
  if (a.length !== n) {
    throw new SyntaxError(`Cannot decode store command ${type}: ${a.length} fields`);
  }
}

function expiryOf(e: BrokerValue | undefined): Timespan | null {
  if (e === null) return null;
  if (e instanceof Timespan) return e;
  throw new SyntaxError("Cannot decode store command: expiry is not a timespan");
}

/** Encodes an update as a vector. */
export function encodeUpdate(u: StoreUpdate): BrokerValue {
  switch (u.type) {
    case "put":
      return ["put", u.key, u.value, u.expiryNs === null ? null : new Timestamp(u.expiryNs)];
    case "erase":
    case "expire":
      return [u.type, u.key];
    case "clear":
      return ["clear"];
  }
}

/**
 * Decodes an update vector.
 * @throws {SyntaxError} When it is malformed.
 */
export function decodeUpdate(v: BrokerValue): StoreUpdate {
  const a = vector(v, "update");
  const [type, key, value, e] = a as (BrokerValue | undefined)[];
  if (type === "put" && a.length === 4 && (e === null || e instanceof Timestamp)) {
    return { type, key: key!, value: value!, expiryNs: e === null ? null : e.ns };
  }
  if ((type === "erase" || type === "expire") && a.length === 2) return { type, key: key! };
  if (type === "clear" && a.length === 1) return { type };
  throw new SyntaxError(`Cannot decode store update: ${String(type)} with ${a.length} fields`);
}

/**
 * Encodes acks: each maximal run of successful writes with a `null` result and consecutive
 * request ids and seqs becomes one `[first_req_id, first_seq, n]` entry; any other ack keeps
 * the full `[req_id, seq, code, message, result]` form.
 */
export function encodeAcks(acks: readonly WriteAck[]): BrokerValue {
  const out: BrokerValue[] = [];
  let i = 0;
  while (i < acks.length) {
    const k = acks[i]!;
    if (k.code !== "" || k.result !== null) {
      out.push([new Count(k.reqId), new Count(k.seq), k.code, k.message, k.result]);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < acks.length) {
      const n = acks[j]!;
      if (
        n.code !== "" || n.result !== null || n.reqId !== k.reqId + (j - i) ||
        n.seq !== k.seq + (j - i)
      ) break;
      j++;
    }
    out.push([new Count(k.reqId), new Count(k.seq), new Count(j - i)]);
    i = j;
  }
  return out;
}

/**
 * Visits every ack of an encoded ack list in order, both entry forms in any mix (see
 * {@link encodeAcks}), without making an object per ack.
 * @throws {SyntaxError} When malformed (acks before the bad entry have been visited).
 */
export function forEachAck(
  v: BrokerValue,
  fn: (reqId: number, seq: number, code: string, message: string, result: BrokerValue) => void,
): void {
  for (const e of vector(v, "acks")) {
    const a = vector(e, "ack");
    if (a.length === 3) {
      const reqId = num(a[0]), seq = num(a[1]), n = num(a[2]);
      if (n < 1) throw new SyntaxError("Cannot decode store ack: empty run");
      for (let i = 0; i < n; i++) fn(reqId + i, seq + i, "", "", null);
      continue;
    }
    const [reqId, seq, code, message, result] = a;
    if (
      a.length !== 5 || typeof code !== "string" || typeof message !== "string" ||
      result === undefined
    ) {
      throw new SyntaxError("Cannot decode store ack: bad fields");
    }
    fn(num(reqId), num(seq), code, message, result);
  }
}

/**
 * Decodes acks, both entry forms in any mix (see {@link encodeAcks}).
 * @throws {SyntaxError} When malformed.
 */
export function decodeAcks(v: BrokerValue): WriteAck[] {
  const out: WriteAck[] = [];
  forEachAck(v, (reqId, seq, code, message, result) => {
    out.push({ reqId, seq, code, message, result });
  });
  return out;
}

/** Keys as Broker's `keys()` answer: a set. */
export function keySet(keys: BrokerValue[]): BrokerSet {
  return new BrokerSet(keys);
}

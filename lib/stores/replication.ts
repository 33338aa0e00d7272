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
 * - `zcluster::store::ack(store, writer_id, epoch, [[req_id, seq, code, message, result], ...])`:
 *   `code` "" is success, `seq` the master sequence number after the write.
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
  const [type, key, value, x, y] = a as (BrokerValue | undefined)[];
  const expiry = (e: BrokerValue | undefined): Timespan | null => {
    if (e === null) return null;
    if (e instanceof Timespan) return e;
    throw new SyntaxError("Cannot decode store command: expiry is not a timespan");
  };
  const need = (n: number) => {
    if (a.length !== n) {
      throw new SyntaxError(`Cannot decode store command ${String(type)}: ${a.length} fields`);
    }
  };
  switch (type) {
    case "put":
    case "put_unique":
    case "subtract":
      need(4);
      return { type, key: key!, value: value!, expiry: expiry(x) };
    case "add":
      need(5);
      if (!INIT_TYPES.includes(x as InitType)) {
        throw new SyntaxError(`Cannot decode store command add: init type ${String(x)}`);
      }
      return { type, key: key!, value: value!, initType: x as InitType, expiry: expiry(y) };
    case "erase":
      need(2);
      return { type, key: key! };
    case "clear":
      need(1);
      return { type };
  }
  throw new SyntaxError(`Cannot decode store command: unknown type ${String(type)}`);
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

/** Encodes acks. */
export function encodeAcks(acks: readonly WriteAck[]): BrokerValue {
  return acks.map((k) => [new Count(k.reqId), new Count(k.seq), k.code, k.message, k.result]);
}

/**
 * Decodes acks.
 * @throws {SyntaxError} When malformed.
 */
export function decodeAcks(v: BrokerValue): WriteAck[] {
  return vector(v, "acks").map((e) => {
    const [reqId, seq, code, message, result] = vector(e, "ack");
    if (typeof code !== "string" || typeof message !== "string" || result === undefined) {
      throw new SyntaxError("Cannot decode store ack: bad fields");
    }
    return { reqId: num(reqId), seq: num(seq), code, message, result };
  });
}

/** Keys as Broker's `keys()` answer: a set. */
export function keySet(keys: BrokerValue[]): BrokerSet {
  return new BrokerSet(keys);
}

/**
 * Event signatures: the stand-in for Zeek's event registry. A Zeek node hosting the WebSocket API
 * refuses events it does not know and arguments that do not convert to the declared parameter
 * types (spec B.6, `to_zeek_event`); zcluster does the same when it is given a table of
 * signatures, written with Zeek's type names.
 *
 * @module
 */

import { type BrokerValue, DATA_TAG, dataTagOf, type ZeekEvent } from "../serialization/mod.ts";

/**
 * A Zeek parameter type and the Broker value it accepts: `bool` boolean, `int` integer, `count`
 * count, `double` real, `string` string, `addr` address, `subnet` subnet, `port` port, `time`
 * timestamp, `interval` timespan, `enum` enum-value, `vector`/`record` vector (records are
 * positional vectors), `set` set, `table` table, `pattern` a vector of two strings, `any` anything.
 */
export type ZeekParamType =
  | "bool"
  | "int"
  | "count"
  | "double"
  | "string"
  | "addr"
  | "subnet"
  | "port"
  | "time"
  | "interval"
  | "enum"
  | "vector"
  | "record"
  | "set"
  | "table"
  | "pattern"
  | "any";

/** Known events by fully qualified name, each with its parameter types in order. */
export type EventSignatures = Readonly<Record<string, readonly ZeekParamType[]>>;

const TAG_OF: Readonly<Record<Exclude<ZeekParamType, "pattern" | "any">, number>> = {
  bool: DATA_TAG.boolean,
  int: DATA_TAG.integer,
  count: DATA_TAG.count,
  double: DATA_TAG.real,
  string: DATA_TAG.string,
  addr: DATA_TAG.address,
  subnet: DATA_TAG.subnet,
  port: DATA_TAG.port,
  time: DATA_TAG.timestamp,
  interval: DATA_TAG.timespan,
  enum: DATA_TAG.enumValue,
  vector: DATA_TAG.vector,
  record: DATA_TAG.vector,
  set: DATA_TAG.set,
  table: DATA_TAG.table,
};

function fits(value: BrokerValue, type: ZeekParamType): boolean {
  if (type === "any") return true;
  if (type === "pattern") {
    return Array.isArray(value) && value.length === 2 &&
      value.every((v) => dataTagOf(v) === DATA_TAG.string);
  }
  return dataTagOf(value) === TAG_OF[type];
}

/**
 * Checks an event against the signature table, as Zeek converts a client's event.
 *
 * @param event The decoded event.
 * @param signatures Known events.
 * @returns `undefined` when the event fits, else why not (for the server's log).
 *
 * @example
 * ```ts
 * import { count } from "../serialization/mod.ts";
 * import { checkEventSignature } from "./signatures.ts";
 * const sigs = { ping: ["string", "count"] } as const;
 * checkEventSignature({ name: "ping", args: ["hi", count(1)] }, sigs); // undefined
 * checkEventSignature({ name: "pong", args: [] }, sigs); // "Failed to lookup handler for 'pong'"
 * ```
 */
export function checkEventSignature(
  event: ZeekEvent,
  signatures: EventSignatures,
): string | undefined {
  const params = Object.hasOwn(signatures, event.name) ? signatures[event.name] : undefined;
  if (params === undefined) return `Failed to lookup handler for '${event.name}'`;
  if (params.length !== event.args.length) {
    return `Cannot create event ${event.name}: got ${event.args.length} arguments, need ${params.length}`;
  }
  for (let i = 0; i < params.length; i++) {
    if (!fits(event.args[i]!, params[i]!)) {
      return `Cannot create event ${event.name}: argument ${i + 1} is not a ${params[i]}`;
    }
  }
  return undefined;
}

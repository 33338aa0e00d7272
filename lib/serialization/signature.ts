/**
 * Event signatures: an event's parameter types written with Zeek's type names, and the check
 * Zeek applies when it turns Broker data into an event of a declared signature (the conversion
 * that fails with "failed to create Zeek event" on the WebSocket API).
 *
 * @module
 */

import { DATA_TAG } from "./data.ts";
import type { BrokerValue } from "./data.ts";
import { dataTagOf } from "./compare.ts";
import type { ZeekEvent } from "./event.ts";

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

/** Every {@link ZeekParamType}, for validating declarations made from untyped input. */
export const ZEEK_PARAM_TYPES: readonly ZeekParamType[] = [
  "bool",
  "int",
  "count",
  "double",
  "string",
  "addr",
  "subnet",
  "port",
  "time",
  "interval",
  "enum",
  "vector",
  "record",
  "set",
  "table",
  "pattern",
  "any",
];

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

/**
 * Whether a Broker value converts to a Zeek parameter type.
 *
 * @param value A decoded value.
 * @param type The parameter type.
 * @returns `true` when it fits.
 */
export function fitsParamType(value: BrokerValue, type: ZeekParamType): boolean {
  if (type === "any") return true;
  if (type === "pattern") {
    return Array.isArray(value) && value.length === 2 &&
      value.every((v) => dataTagOf(v) === DATA_TAG.string);
  }
  return dataTagOf(value) === TAG_OF[type];
}

/**
 * Checks an event's arguments against its parameter types, as Zeek converts a remote event.
 *
 * @param event The decoded event.
 * @param params The declared parameter types, in order.
 * @returns `undefined` when the event fits, else why not (for the operator's log).
 *
 * @example
 * ```ts
 * import { checkEventArgs, count } from "./mod.ts";
 * checkEventArgs({ name: "ping", args: ["hi", count(1)] }, ["string", "count"]); // undefined
 * checkEventArgs({ name: "ping", args: ["hi"] }, ["string", "count"]);
 * // "Cannot create event ping: got 1 arguments, need 2"
 * ```
 */
export function checkEventArgs(
  event: ZeekEvent,
  params: readonly ZeekParamType[],
): string | undefined {
  if (params.length !== event.args.length) {
    return `Cannot create event ${event.name}: got ${event.args.length} arguments, need ${params.length}`;
  }
  for (let i = 0; i < params.length; i++) {
    if (!fitsParamType(event.args[i]!, params[i]!)) {
      return `Cannot create event ${event.name}: argument ${i + 1} is not a ${params[i]}`;
    }
  }
  return undefined;
}

/**
 * Validates parameter types given as untyped data (site code in JavaScript, JSON).
 *
 * @param name The event the declaration is for (named in the error).
 * @param params The parameter types.
 * @returns The same list, typed.
 * @throws {TypeError} When `params` is not an array of {@link ZeekParamType} names.
 */
export function validateParamTypes(name: string, params: unknown): readonly ZeekParamType[] {
  if (!Array.isArray(params)) {
    throw new TypeError(`Cannot declare event ${name}: parameter types must be an array`);
  }
  for (const [i, p] of params.entries()) {
    if (!ZEEK_PARAM_TYPES.includes(p as ZeekParamType)) {
      throw new TypeError(
        `Cannot declare event ${name}: parameter ${i + 1} has unknown type ${
          JSON.stringify(p)
        } (expected one of ${ZEEK_PARAM_TYPES.join(", ")})`,
      );
    }
  }
  return params as readonly ZeekParamType[];
}

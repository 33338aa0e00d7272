/**
 * Broker JSON v1 (`broker-json-v1`, spec `zeek-zeromq-wire.md` §5.3): every value is
 * `{"@data-type":"<type>","data":<data>}`, keys in that order, no whitespace.
 *
 * Encoding follows Broker exactly: counts and integers as decimal; reals as `printf("%f")` (6
 * fraction digits, so precision is lost); strings with only `\\ \b \f \n \r \t \v \"` escaped and
 * every other byte raw (`\v` and raw control bytes are not valid JSON, and a {@link ByteString}'s
 * non-UTF-8 bytes are written raw: use {@link encodeJsonV1Bytes} to keep them); addresses as a
 * dotted quad or IPv6 text; subnets as `addr/len` (IPv4 length 0-32); ports as `80/tcp` and `80/?`
 * for unknown; timestamps as UTC `YYYY-MM-DDTHH:MM:SS.mmm` (milliseconds truncated); timespans as
 * an integer with the coarsest exact unit of ns, us, ms, s (`0s` for zero); tables as arrays of
 * `{"key":…,"value":…}`.
 *
 * Decoding is lenient where Broker/CAF is and strict otherwise (every failure is a
 * `SerializationError` naming the type and the problem):
 * - count: an integer literal 0..2^64-1; integer: an integer literal in int64 (parsed from text,
 *   so 64-bit values stay exact); real: any number.
 * - port: `n/tcp|udp|icmp|unknown|?` or a bare number (string or JSON number), which means TCP.
 * - timestamp: with or without a zone (`Z`, `±HH:MM`, `±HHMM`); no zone means UTC; 1-9
 *   fraction digits. timespan: an integer with ns, us, ms, s, min, h or d.
 * - none: `data` must be an object (Broker writes `{}`) or null.
 * - Keys other than `@data-type` and `data` (`key`/`value` in table entries) are ignored, so a
 *   WebSocket data message (with `type` and `topic`) decodes to its value.
 *
 * Decisions where the spec says UNVERIFIED:
 * - IPv6 text is RFC 5952 (lowercase, longest run of two or more zero groups as `::`); only
 *   IPv4-mapped addresses print as a dotted quad.
 * - Non-finite reals are written as `printf` prints them, `nan`, `inf`, `-inf` (not valid JSON;
 *   Broker's behaviour is unknown), and these tokens (and `-nan`) are read back.
 * - Timestamps before 1970 print the calendar second they fall in (fraction rounded down).
 * - `real` accepts integer literals although Zeek 8.2.2 rejects `{"@data-type":"real","data":1}`
 *   (websocket capture "real-without-decimal"): being lenient costs nothing on receipt.
 * - Timespans with a fraction (`1.5s`) are rejected.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import { ByteSink } from "../byte_sink.ts";
import { DEFAULT_MAX_DEPTH } from "./_bin_v1.ts";
import { writeJsonValue } from "./_json_write.ts";
import { JsonNumber, parseJson } from "./_json_parse.ts";
import { parseTimespan, parseTimestamp } from "./_text.ts";
import { BrokerSet, BrokerTable, type TableEntry } from "./containers.ts";
import {
  Address,
  type BrokerValue,
  ByteString,
  Count,
  COUNT_MAX,
  EnumValue,
  Int,
  INT_MAX,
  INT_MIN,
  Port,
  Subnet,
  Timespan,
  Timestamp,
} from "./data.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Options of the JSON v1 codec. */
export interface JsonV1Options {
  /** Deepest container nesting accepted (default 64). */
  maxDepth?: number;
}

/** Options of the JSON v1 encoder. */
export interface JsonV1EncodeOptions extends JsonV1Options {
  /**
   * String fields written before `@data-type` in the top-level object, in order, e.g.
   * `{ type: "data-message", topic: "zeek.test" }` for a WebSocket data message.
   */
  fields?: Readonly<Record<string, string>>;
}

/**
 * Encodes a value as Broker JSON v1 UTF-8 bytes (raw bytes of a {@link ByteString} kept).
 *
 * @param value Any Broker value.
 * @param options Nesting bound and leading fields.
 * @returns The JSON text's bytes.
 * @throws {SerializationError} When containers nest deeper than `maxDepth`.
 * @throws {TypeError} When the value holds something that is not a Broker value.
 *
 * @example
 * ```ts
 * import { encodeJsonV1Bytes } from "./mod.ts";
 * encodeJsonV1Bytes(true).length; // 35
 * ```
 */
export function encodeJsonV1Bytes(value: BrokerValue, options?: JsonV1EncodeOptions): Uint8Array {
  const w = new ByteSink(256);
  writeJsonValue(w, value, options?.maxDepth ?? DEFAULT_MAX_DEPTH, options?.fields);
  return w.detach();
}

/**
 * Encodes a value as Broker JSON v1 text. Non-UTF-8 bytes of a {@link ByteString} become U+FFFD
 * here; use {@link encodeJsonV1Bytes} to keep them.
 *
 * @param value Any Broker value.
 * @param options Nesting bound and leading fields.
 * @returns The JSON text.
 * @throws {SerializationError} When containers nest deeper than `maxDepth`.
 *
 * @example
 * ```ts
 * import { count, encodeJsonV1 } from "./mod.ts";
 * encodeJsonV1(count(1)); // '{"@data-type":"count","data":1}'
 * ```
 */
export function encodeJsonV1(value: BrokerValue, options?: JsonV1EncodeOptions): string {
  return DECODER.decode(encodeJsonV1Bytes(value, options));
}

/**
 * Decodes Broker JSON v1: text, its UTF-8 bytes, or an already parsed object (`JSON.parse`
 * output; integers beyond 2^53 have then lost precision, so prefer text).
 *
 * @param input JSON text, bytes, or a parsed `{"@data-type", "data"}` object.
 * @param options Nesting bound.
 * @returns The value.
 * @throws {SerializationError} On invalid JSON, an unknown `@data-type`, a wrong JSON type for
 *   the data, an out-of-range value, or nesting deeper than `maxDepth`.
 *
 * @example
 * ```ts
 * import { decodeJsonV1 } from "./mod.ts";
 * String(decodeJsonV1('{"@data-type":"port","data":"80/tcp"}')); // "80/tcp"
 * ```
 */
export function decodeJsonV1(input: unknown, options?: JsonV1Options): BrokerValue {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  let node = input;
  if (typeof input === "string") node = parseJson(ENCODER.encode(input), 2 * maxDepth + 2);
  else if (input instanceof Uint8Array) node = parseJson(input, 2 * maxDepth + 2);
  return fromJson(node, maxDepth);
}

function fail(type: string, problem: string): never {
  throw new SerializationError(`Cannot decode JSON v1 ${type}: ${problem}`);
}

function jsonType(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (x instanceof JsonNumber || typeof x === "number" || typeof x === "bigint") return "a number";
  if (typeof x === "string" || x instanceof ByteString) return "a string";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof JsonNumber) &&
    !(x instanceof ByteString);
}

function fromJson(node: unknown, depthLeft: number): BrokerValue {
  if (!isPlainObject(node)) fail("value", `expected an object, got ${jsonType(node)}`);
  const type = node["@data-type"];
  if (typeof type !== "string") fail("value", 'missing "@data-type" string');
  if (!Object.hasOwn(node, "data")) fail(type, 'missing "data"');
  const data = node.data;
  switch (type) {
    case "none":
      if (data !== null && !isPlainObject(data)) wrongType(type, data);
      return null;
    case "boolean":
      if (typeof data !== "boolean") wrongType(type, data);
      return data;
    case "count":
      return new Count(integerIn(type, data, 0n, COUNT_MAX));
    case "integer":
      return new Int(integerIn(type, data, INT_MIN, INT_MAX));
    case "real":
      return realOf(data);
    case "string":
      if (typeof data !== "string" && !(data instanceof ByteString)) wrongType(type, data);
      return data;
    case "enum-value":
      return new EnumValue(textOf(type, data));
    case "address":
      return parsed(type, data, Address.parse);
    case "subnet":
      return parsed(type, data, Subnet.parse);
    case "port":
      return portOf(data);
    case "timestamp": {
      const ns = parseTimestamp(textOf(type, data));
      if (ns === undefined) {
        fail(
          type,
          `invalid timestamp "${
            String(data)
          }": expected YEAR-MM-DDTHH:MM:SS[.fraction][Z|±HH[[:]MM]] between 1677-09-21 and 2262-04-11 (int64 nanoseconds)`,
        );
      }
      return new Timestamp(ns);
    }
    case "timespan": {
      const ns = parseTimespan(textOf(type, data));
      if (ns === undefined) {
        fail(
          type,
          `invalid timespan "${
            String(data)
          }": expected a number and a unit among ns, us, ms, s, min, h (Broker has no d) within int64 nanoseconds`,
        );
      }
      return new Timespan(ns);
    }
    case "set":
    case "vector":
    case "table":
      return containerOf(type, data, depthLeft);
  }
  fail("value", `unknown @data-type "${type}"`);
}

function wrongType(type: string, data: unknown): never {
  fail(type, `data is ${jsonType(data)}`);
}

function textOf(type: string, data: unknown): string {
  if (typeof data !== "string") {
    if (data instanceof ByteString) fail(type, "text is not valid UTF-8");
    wrongType(type, data);
  }
  return data;
}

function parsed<T>(type: string, data: unknown, parse: (text: string) => T): T {
  const text = textOf(type, data);
  try {
    return parse(text);
  } catch (cause) {
    throw new SerializationError(`Cannot decode JSON v1 ${type}: invalid text "${text}"`, {
      cause,
    });
  }
}

function integerIn(type: string, data: unknown, min: bigint, max: bigint): bigint {
  let v: bigint;
  if (data instanceof JsonNumber) {
    if (!data.isInteger) fail(type, `${data.text} is not an integer`);
    v = BigInt(data.text);
  } else if (typeof data === "number") {
    if (!Number.isInteger(data)) fail(type, `${data} is not an integer`);
    v = BigInt(data);
  } else if (typeof data === "bigint") {
    v = data;
  } else {
    wrongType(type, data);
  }
  if (v < min || v > max) fail(type, `${v} is out of range`);
  return v;
}

function realOf(data: unknown): number {
  if (typeof data === "number") return data;
  if (typeof data === "bigint") return Number(data);
  if (!(data instanceof JsonNumber)) wrongType("real", data);
  const t = data.text;
  if (t === "nan" || t === "-nan") return NaN;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  return Number(t);
}

function portOf(data: unknown): Port {
  if (data instanceof JsonNumber || typeof data === "number" || typeof data === "bigint") {
    return new Port(Number(integerIn("port", data, 0n, 65535n)), "tcp");
  }
  return parsed("port", data, Port.parse);
}

function containerOf(type: string, data: unknown, depthLeft: number): BrokerValue {
  if (!Array.isArray(data)) wrongType(type, data);
  if (depthLeft <= 0) fail(type, "containers nest deeper than maxDepth");
  if (type === "table") {
    const entries: TableEntry[] = [];
    for (const e of data) {
      if (!isPlainObject(e)) fail(type, `entry is ${jsonType(e)}, need {"key","value"}`);
      if (!Object.hasOwn(e, "key") || !Object.hasOwn(e, "value")) {
        fail(type, 'entry lacks "key" or "value"');
      }
      entries.push([fromJson(e.key, depthLeft - 1), fromJson(e.value, depthLeft - 1)]);
    }
    return new BrokerTable(entries);
  }
  const values: BrokerValue[] = [];
  for (const e of data) values.push(fromJson(e, depthLeft - 1));
  return type === "set" ? new BrokerSet(values) : values;
}

/**
 * The Zeek event message (spec `zeek-zeromq-wire.md` §5.2) in both event formats:
 * `[count 1, count 1, [name, [args...], metadata?]]`, where metadata is
 * `[[count id, value], ...]` and is left out when empty (Zeek 8.0.1+). The decoder also takes the
 * 8.0.0 form (an empty metadata vector) and the 7.x form (always a network timestamp).
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import { ByteSink } from "../byte_sink.ts";
import { ByteReader } from "./_buffer.ts";
import { bytesEqualAt } from "../bytes.ts";
import { decodeUtf8, Utf8Cache } from "../utf8.ts";
import { DEFAULT_MAX_DEPTH, readValue, writeValue } from "./_bin_v1.ts";
import { writeJsonValue } from "./_json_write.ts";
import { type BrokerValue, Count, Timestamp } from "./data.ts";
import { decodeJsonV1 } from "./json_v1.ts";

/** Frame-2 name of the Broker binary v1 event format (Zeek's default). */
export const BROKER_BIN_V1 = "broker-bin-v1";
/** Frame-2 name of the Broker JSON v1 event format. */
export const BROKER_JSON_V1 = "broker-json-v1";
/** An event format name as it appears in frame 2 of a published message. */
export type EventFormat = typeof BROKER_BIN_V1 | typeof BROKER_JSON_V1;
/** Every supported event format. */
export const EVENT_FORMATS: readonly EventFormat[] = [BROKER_BIN_V1, BROKER_JSON_V1];

/** Broker's protocol version field of an event message. */
export const EVENT_PROTOCOL_VERSION = 1n;
/** Broker's `Message::Type::Event`. */
export const EVENT_MESSAGE_TYPE = 1n;
/** Metadata id `EventMetadata::NETWORK_TIMESTAMP`; its value is a {@link Timestamp}. */
export const NETWORK_TIMESTAMP = 1n;

const MESSAGE_TYPES = ["invalid", "event", "log create", "log write", "identifier update", "batch"];

/** One metadata entry of an event. Ids 1-199 belong to Zeek, 200 and up to users. */
export interface EventMetadataEntry {
  /** The metadata id (a count). */
  readonly id: bigint;
  /** The value; a {@link Timestamp} for {@link NETWORK_TIMESTAMP}. */
  readonly value: BrokerValue;
}

/** A Zeek event as carried in a published message. */
export interface ZeekEvent {
  /** The fully qualified event name, e.g. `Cluster::hello`. */
  readonly name: string;
  /** The arguments. */
  readonly args: readonly BrokerValue[];
  /** Metadata entries; absent (or empty) when there are none. */
  readonly metadata?: readonly EventMetadataEntry[];
}

/** Options of the event codecs. */
export interface EventCodecOptions {
  /** Deepest container nesting accepted, counting the event's own vectors (default 64). */
  maxDepth?: number;
  /**
   * How to write empty metadata: `"omit"` (Zeek 8.0.1+, the default) or `"empty-vector"`
   * (Zeek 8.0.0's `0e 00`).
   */
  emptyMetadata?: "omit" | "empty-vector";
}

/**
 * Encodes an event in the given format.
 *
 * @param event The event.
 * @param format `"broker-bin-v1"` or `"broker-json-v1"`.
 * @param options Nesting bound and the empty-metadata form.
 * @returns The payload (frame 3); JSON as UTF-8 bytes.
 * @throws {SerializationError} When the event is invalid (empty name, a network timestamp that
 *   is not a timestamp, an id out of range) or nests too deep.
 *
 * @example
 * ```ts
 * import { encodeEvent } from "./mod.ts";
 * encodeEvent({ name: "finish", args: ["manager"] }, "broker-bin-v1").length; // 41
 * ```
 */
export function encodeEvent(
  event: ZeekEvent,
  format: EventFormat,
  options?: EventCodecOptions,
): Uint8Array {
  const w = new ByteSink(256);
  writeEvent(w, event, format, options);
  return w.detach();
}

/**
 * Decodes an event payload in the given format. Empty metadata is left out of the result.
 *
 * @param payload The payload (frame 3).
 * @param format `"broker-bin-v1"` or `"broker-json-v1"`.
 * @param options Nesting bound.
 * @returns The event.
 * @throws {SerializationError} When the payload is not a valid event message of that format,
 *   including a version or type other than 1, 1.
 *
 * @example
 * ```ts
 * import { decodeEvent, encodeEvent } from "./mod.ts";
 * const bytes = encodeEvent({ name: "finish", args: ["manager"] }, "broker-json-v1");
 * decodeEvent(bytes, "broker-json-v1").name; // "finish"
 * ```
 */
export function decodeEvent(
  payload: Uint8Array,
  format: EventFormat,
  options?: EventCodecOptions,
): ZeekEvent {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (format === BROKER_BIN_V1) return decodeBinV1Event(payload, maxDepth, undefined);
  if (format === BROKER_JSON_V1) return eventFromValue(decodeJsonV1(payload, { maxDepth }));
  throw new SerializationError(`Cannot decode event: unknown format "${String(format)}"`);
}

/**
 * The bytes every bin-v1 event message starts with: a vector of 3, count 1 (version), count 1
 * (event), then the body's vector tag. The body's length (2 or 3) and the name's string tag follow.
 */
// deno-fmt-ignore
const BIN_V1_EVENT_HEAD = Uint8Array.of(
  0x0e, 3,
  0x02, 0, 0, 0, 0, 0, 0, 0, 1,
  0x02, 0, 0, 0, 0, 0, 0, 0, 1,
  0x0e,
);

/**
 * Decodes a bin-v1 event. An event as Broker and Zeek write it is read straight into its parts:
 * no wrapper vectors, no `Count`s, and the name from `names` (event names repeat). Anything else
 * (another shape, bad bytes) goes through the generic reader, which names what is wrong.
 */
function decodeBinV1Event(
  payload: Uint8Array,
  maxDepth: number,
  names: Utf8Cache | undefined,
): ZeekEvent {
  const event = maxDepth >= 3 ? readPlainBinV1Event(payload, maxDepth, names) : undefined;
  if (event !== undefined) return event;
  const r = new ByteReader(payload);
  const value = readValue(r, maxDepth);
  if (r.remaining !== 0) {
    throw new SerializationError(
      `Cannot decode event: ${r.remaining} trailing bytes after offset ${r.pos}`,
    );
  }
  return eventFromValue(value);
}

/** {@linkcode decodeBinV1Event}'s direct read; `undefined` sends the payload to the generic one. */
function readPlainBinV1Event(
  payload: Uint8Array,
  maxDepth: number,
  names: Utf8Cache | undefined,
): ZeekEvent | undefined {
  const head = BIN_V1_EVENT_HEAD.length;
  if (payload.length < head + 4 || !bytesEqualAt(payload, 0, head, BIN_V1_EVENT_HEAD)) {
    return undefined;
  }
  const parts = payload[head]!;
  if ((parts !== 2 && parts !== 3) || payload[head + 1] !== 0x05) return undefined;
  const r = new ByteReader(payload);
  r.pos = head + 2;
  try {
    const len = r.varbyte("event name");
    const start = r.pos;
    if (len > r.remaining) return undefined;
    const name = names !== undefined
      ? names.decode(payload, start, start + len)
      : decodeUtf8(payload, start, start + len);
    if (name === undefined) return undefined;
    r.pos = start + len;
    if (r.u8("arguments") !== 0x0e) return undefined;
    const n = r.varbyte("arguments");
    if (n > r.remaining) return undefined;
    const args = readArgs(r, n, maxDepth - 3);
    let metadata: EventMetadataEntry[] | undefined;
    if (parts === 3) metadata = metadataFromValue(name, readValue(r, maxDepth - 2));
    if (r.remaining !== 0) return undefined;
    return metadata !== undefined && metadata.length > 0
      ? { name, args, metadata }
      : { name, args };
  } catch {
    return undefined; // the generic reader throws the error, with its wording
  }
}

/**
 * `n` values in order. Up to three are built as an array literal of that length: pushing onto `[]`
 * grows a backing store for each event.
 */
function readArgs(r: ByteReader, n: number, depthLeft: number): BrokerValue[] {
  if (n === 0) return [];
  const a = readValue(r, depthLeft);
  if (n === 1) return [a];
  const b = readValue(r, depthLeft);
  if (n === 2) return [a, b];
  const c = readValue(r, depthLeft);
  if (n === 3) return [a, b, c];
  const args = [a, b, c];
  for (let i = 3; i < n; i++) args.push(readValue(r, depthLeft));
  return args;
}

/**
 * The Broker value of an event message: `[count 1, count 1, [name, [args...], metadata?]]`.
 *
 * @param event The event.
 * @param options The empty-metadata form.
 * @returns The message vector.
 * @throws {SerializationError} When the event is invalid.
 */
export function eventToValue(event: ZeekEvent, options?: EventCodecOptions): BrokerValue[] {
  checkEvent(event);
  const inner: BrokerValue[] = [event.name, event.args];
  const meta = event.metadata ?? [];
  if (meta.length > 0 || options?.emptyMetadata === "empty-vector") {
    inner.push(meta.map((m) => [new Count(m.id), m.value]));
  }
  return [new Count(EVENT_PROTOCOL_VERSION), new Count(EVENT_MESSAGE_TYPE), inner];
}

/**
 * Reads an event out of a decoded message vector, validating its shape.
 *
 * @param value The decoded payload.
 * @returns The event (empty metadata left out).
 * @throws {SerializationError} When the value is not an event message.
 */
export function eventFromValue(value: BrokerValue): ZeekEvent {
  if (!Array.isArray(value) || value.length !== 3) {
    throw new SerializationError("Cannot decode event: payload is not a vector of 3 elements");
  }
  const [version, type, body] = value as readonly BrokerValue[];
  if (!(version instanceof Count) || version.value !== EVENT_PROTOCOL_VERSION) {
    throw new SerializationError(
      `Cannot decode event: protocol version is ${String(version)}, need count 1`,
    );
  }
  if (!(type instanceof Count) || type.value !== EVENT_MESSAGE_TYPE) {
    const known = type instanceof Count && type.value < 6n
      ? ` (${MESSAGE_TYPES[Number(type.value)]})`
      : "";
    throw new SerializationError(
      `Cannot decode event: message type is ${String(type)}${known}, need count 1 (event)`,
    );
  }
  if (!Array.isArray(body) || body.length < 2 || body.length > 3) {
    throw new SerializationError("Cannot decode event: body is not a vector of 2 or 3 elements");
  }
  const [name, args, meta] = body as readonly BrokerValue[];
  if (typeof name !== "string") {
    throw new SerializationError("Cannot decode event: name is not a UTF-8 string");
  }
  if (!Array.isArray(args)) {
    throw new SerializationError(`Cannot decode event ${name}: arguments are not a vector`);
  }
  if (meta === undefined) return { name, args };
  const metadata = metadataFromValue(name, meta);
  return metadata.length > 0 ? { name, args, metadata } : { name, args };
}

/**
 * The network timestamp of an event, if its metadata holds one.
 *
 * @param event The event.
 * @returns The timestamp, or `undefined`.
 */
export function networkTimestamp(event: ZeekEvent): Timestamp | undefined {
  const entry = event.metadata?.find((m) => m.id === NETWORK_TIMESTAMP);
  return entry?.value instanceof Timestamp ? entry.value : undefined;
}

function metadataFromValue(name: string, meta: BrokerValue): EventMetadataEntry[] {
  if (!Array.isArray(meta)) {
    throw new SerializationError(`Cannot decode event ${name}: metadata is not a vector`);
  }
  const out: EventMetadataEntry[] = [];
  for (const entry of meta as readonly BrokerValue[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !(entry[0] instanceof Count)) {
      throw new SerializationError(
        `Cannot decode event ${name}: metadata entry is not [count id, value]`,
      );
    }
    const id = (entry[0] as Count).value;
    const value = entry[1] as BrokerValue;
    if (id === NETWORK_TIMESTAMP && !(value instanceof Timestamp)) {
      throw new SerializationError(
        `Cannot decode event ${name}: network timestamp metadata is not a timestamp`,
      );
    }
    out.push({ id, value });
  }
  return out;
}

function checkEvent(event: ZeekEvent): void {
  if (typeof event.name !== "string" || event.name.length === 0) {
    throw new SerializationError("Cannot encode event: name is empty");
  }
  if (!Array.isArray(event.args)) {
    throw new SerializationError(`Cannot encode event ${event.name}: args is not an array`);
  }
  for (const m of event.metadata ?? []) {
    if (typeof m.id !== "bigint" || m.id < 0n || m.id > 0xffff_ffff_ffff_ffffn) {
      throw new SerializationError(
        `Cannot encode event ${event.name}: metadata id ${String(m.id)} is not a count`,
      );
    }
    if (m.id === NETWORK_TIMESTAMP && !(m.value instanceof Timestamp)) {
      throw new SerializationError(
        `Cannot encode event ${event.name}: network timestamp metadata is not a timestamp`,
      );
    }
  }
}

/** Writes an event into `w` (bin-v1 by hand, to skip building the wrapper vectors). */
function writeEvent(
  w: ByteSink,
  event: ZeekEvent,
  format: EventFormat,
  options?: EventCodecOptions,
): void {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (format === BROKER_JSON_V1) {
    writeJsonValue(w, eventToValue(event, options), maxDepth);
    return;
  }
  if (format !== BROKER_BIN_V1) {
    throw new SerializationError(`Cannot encode event: unknown format "${String(format)}"`);
  }
  checkEvent(event);
  const meta = event.metadata ?? [];
  const withMeta = meta.length > 0 || options?.emptyMetadata === "empty-vector";
  // Version and type as their fixed bytes: no BigInt conversions (60-80 ns an event), and copied
  // by `bytes()`'s loop, not `set()` (a builtin call, 1 % of a worker's thread).
  w.bytes(BIN_V1_EVENT_HEAD, 0, BIN_V1_EVENT_HEAD.length);
  w.byte(withMeta ? 3 : 2);
  w.byte(5);
  w.varbytePrefixed(event.name);
  w.byte(0x0e);
  w.varbyte(event.args.length);
  for (const arg of event.args) writeValue(w, arg, maxDepth - 3);
  if (!withMeta) return;
  w.byte(0x0e);
  w.varbyte(meta.length);
  for (const m of meta) {
    w.byte(0x0e);
    w.byte(2);
    w.byte(2);
    w.u64(m.id);
    writeValue(w, m.value, maxDepth - 4);
  }
}

/** Encodes and decodes events in one format; frame 2 carries its `format` name. */
export interface EventSerializer {
  /** The frame-2 format name. */
  readonly format: EventFormat;
  /**
   * Encodes an event to a payload.
   * @throws {SerializationError} When the event is invalid.
   */
  encode(event: ZeekEvent): Uint8Array;
  /**
   * Optional: encodes into the serializer's own buffer, without the copy `encode` makes. The bytes
   * are valid until the serializer's next call; a publish hands them to a transport, which copies
   * what it keeps past the call (`Transport.publish`).
   * @throws {SerializationError} When the event is invalid.
   */
  encodeTransient?(event: ZeekEvent): Uint8Array;
  /**
   * Decodes a payload to an event.
   * @throws {SerializationError} When the payload is not a valid event.
   */
  decode(payload: Uint8Array): ZeekEvent;
}

/** Shared body of the two serializers: one reusable buffer per instance. */
abstract class BufferedEventSerializer implements EventSerializer {
  abstract readonly format: EventFormat;
  readonly #options: EventCodecOptions;
  readonly #writer = new ByteSink(256);
  /** Event names seen lately (a node hears a handful of events, over and over). */
  readonly #names = new Utf8Cache(64);

  constructor(options: EventCodecOptions = {}) {
    this.#options = { ...options };
  }

  encode(event: ZeekEvent): Uint8Array {
    this.#writer.reset();
    writeEvent(this.#writer, event, this.format, this.#options);
    return this.#writer.take();
  }

  encodeTransient(event: ZeekEvent): Uint8Array {
    this.#writer.reset();
    writeEvent(this.#writer, event, this.format, this.#options);
    return this.#writer.detach();
  }

  decode(payload: Uint8Array): ZeekEvent {
    if (this.format !== BROKER_BIN_V1) return decodeEvent(payload, this.format, this.#options);
    return decodeBinV1Event(payload, this.#options.maxDepth ?? DEFAULT_MAX_DEPTH, this.#names);
  }
}

/**
 * The `broker-bin-v1` event serializer.
 *
 * @example
 * ```ts
 * import { BinV1EventSerializer } from "./mod.ts";
 * const s = new BinV1EventSerializer();
 * s.decode(s.encode({ name: "ping", args: [] })).name; // "ping"
 * ```
 */
export class BinV1EventSerializer extends BufferedEventSerializer {
  /** `"broker-bin-v1"`. */
  readonly format = BROKER_BIN_V1;
}

/**
 * The `broker-json-v1` event serializer (payloads are UTF-8 JSON text).
 *
 * @example
 * ```ts
 * import { JsonV1EventSerializer } from "./mod.ts";
 * const s = new JsonV1EventSerializer();
 * s.decode(s.encode({ name: "ping", args: [] })).name; // "ping"
 * ```
 */
export class JsonV1EventSerializer extends BufferedEventSerializer {
  /** `"broker-json-v1"`. */
  readonly format = BROKER_JSON_V1;
}

/**
 * The serializer for a format name.
 *
 * @param format `"broker-bin-v1"` or `"broker-json-v1"`.
 * @param options Nesting bound and the empty-metadata form.
 * @returns A new serializer.
 * @throws {SerializationError} For an unknown format name.
 */
export function createEventSerializer(
  format: EventFormat,
  options?: EventCodecOptions,
): EventSerializer {
  if (format === BROKER_BIN_V1) return new BinV1EventSerializer(options);
  if (format === BROKER_JSON_V1) return new JsonV1EventSerializer(options);
  throw new SerializationError(`Cannot create event serializer: unknown format "${format}"`);
}

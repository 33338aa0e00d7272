/**
 * The WebSocket API's JSON v1 protocol (spec `zeek-stores-websocket-telemetry.md` B.3-B.7,
 * `zeek-zeromq-wire.md` §5.3): the messages both sides exchange, parsing of client frames into
 * that union, and the server's frames written exactly as Zeek 8.2.2 writes them (captures in
 * `vectors/zeek-8.2.2-websocket.json`).
 *
 * Client frames are parsed as Zeek does, with the same error contexts:
 * - first frame: a JSON array of topic strings (duplicates collapse, sorted), else
 *   `subscriptions not an array` / `individual subscription not a string`;
 * - then data messages: not a JSON object, an unknown `@data-type`, a payload of the wrong kind
 *   (including a `real` written without `.` or exponent) give `failed to decode JSON object`; a
 *   missing topic `no topic in top-level JSON object`; a value that is not an event, or an event
 *   that fails the optional signature check, `failed to create Zeek event`.
 *
 * zcluster adds bounds Zeek does not have (each reported with code `deserialization_failed`):
 * more than `maxTopics` subscriptions (`too many subscriptions`), a subscription or topic longer
 * than `maxTopicBytes` (`subscription too long`, `topic too long`). Frames over `maxMessageBytes`
 * are refused by the session with close code 1009.
 *
 * @module
 */

import {
  type BrokerValue,
  decodeJsonV1,
  encodeJsonV1,
  eventFromValue,
  eventToValue,
  type ZeekEvent,
} from "../serialization/mod.ts";
import {
  checkEventSignature,
  type EventSignatures,
  type SignatureLookup,
  type UndeclaredEventPolicy,
} from "./signatures.ts";

/** The only URI Zeek's server accepts. */
export const WEBSOCKET_PATH = "/v1/messages/json";
/** Largest client frame accepted, in bytes (zcluster bound; Zeek has none). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Most subscriptions in a first message (zcluster bound). */
export const DEFAULT_MAX_TOPICS = 1000;
/** Longest subscription prefix or data-message topic, in UTF-8 bytes (zcluster bound). */
export const DEFAULT_MAX_TOPIC_BYTES = 1024;
/** Container nesting accepted in a data message's value (the event's own vectors included). */
export const DEFAULT_MAX_VALUE_DEPTH = 64;

/** Error contexts Zeek sends, verbatim (`src/cluster/websocket/WebSocket.cc`). */
export const ERROR_CONTEXT = {
  subscriptionsNotArray: "subscriptions not an array",
  subscriptionNotString: "individual subscription not a string",
  decodeFailed: "failed to decode JSON object",
  noTopic: "no topic in top-level JSON object",
  eventFailed: "failed to create Zeek event",
  invalidUri: "Invalid URI - use /v1/messages/json",
  invalidApplicationName: "Invalid X-Application-Name",
  tooManySubscriptions: "too many subscriptions",
  subscriptionTooLong: "subscription too long",
  topicTooLong: "topic too long",
  backpressureOverflow: "outbound queue full",
} as const;

/**
 * Error codes in `{"type":"error"}` messages: Zeek's three, and `backpressure_overflow` (Broker's
 * status name) which zcluster sends before disconnecting a client that does not keep up.
 */
export type ErrorCode =
  | "deserialization_failed"
  | "invalid_uri"
  | "invalid_application_name"
  | "backpressure_overflow";

/** `{"type":"error","code":…,"context":…}`, sent by the server. */
export interface ErrorMessage {
  readonly type: "error";
  readonly code: ErrorCode;
  readonly context: string;
}

/** `{"type":"ack","endpoint":…,"version":…}`, sent once the subscriptions are active. */
export interface AckMessage {
  readonly type: "ack";
  /** The client's endpoint id, `<node id>-websocket-<n>`. */
  readonly endpoint: string;
  /** The server's version string (Zeek sends `zeek_version()`). */
  readonly version: string;
}

/** The client's first message: its subscription prefixes, deduplicated and sorted. */
export interface SubscriptionsMessage {
  readonly type: "subscriptions";
  readonly topics: readonly string[];
}

/** A data message carrying one Zeek event, in either direction. */
export interface DataMessage {
  readonly type: "data-message";
  readonly topic: string;
  readonly event: ZeekEvent;
}

/** Every message of the protocol. */
export type WebSocketMessage = SubscriptionsMessage | AckMessage | DataMessage | ErrorMessage;

/** Bounds applied while parsing client frames. */
export interface ParseLimits {
  /** Most subscriptions (default {@link DEFAULT_MAX_TOPICS}). */
  readonly maxTopics?: number;
  /** Longest topic in UTF-8 bytes (default {@link DEFAULT_MAX_TOPIC_BYTES}). */
  readonly maxTopicBytes?: number;
  /** Deepest value nesting (default {@link DEFAULT_MAX_VALUE_DEPTH}). */
  readonly maxDepth?: number;
  /**
   * Known events and their parameter types (a static table). When it or `signatureLookup` is
   * given, events whose arguments do not fit their declaration are refused as Zeek refuses them
   * (`failed to create Zeek event`), and undeclared events as `undeclaredEvents` says; when
   * neither is given, any well-formed event is accepted (the protocol alone, for tests).
   */
  readonly signatures?: EventSignatures;
  /** Live declarations, usually the node's `cluster.signatureOf` (after the table). */
  readonly signatureLookup?: SignatureLookup;
  /** Events no signature declares: `refuse` (default, Zeek's) or `accept`. */
  readonly undeclaredEvents?: UndeclaredEventPolicy;
}

/** Why an event fails the signature check of `limits`, or `undefined` when it passes. */
function signatureProblem(event: ZeekEvent, limits: ParseLimits): string | undefined {
  if (limits.signatures === undefined && limits.signatureLookup === undefined) return undefined;
  return checkEventSignature(event, limits.signatures, {
    ...(limits.signatureLookup ? { lookup: limits.signatureLookup } : {}),
    ...(limits.undeclaredEvents ? { undeclared: limits.undeclaredEvents } : {}),
  });
}

/** A client frame as the socket delivers it. */
export type ClientFrame = string | ArrayBuffer | Uint8Array;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Builds an error message.
 *
 * @param code The error code.
 * @param context The human-readable context.
 * @returns The message.
 */
export function errorMessage(code: ErrorCode, context: string): ErrorMessage {
  return { type: "error", code, context };
}

function decodeFailed(context: string): ErrorMessage {
  return errorMessage("deserialization_failed", context);
}

/**
 * The UTF-8 length of a string, computed only when the UTF-16 length leaves doubt.
 *
 * @param text Any string.
 * @param limit The bound being checked.
 * @returns `true` when `text` takes more than `limit` bytes.
 */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return ENCODER.encode(text).length > limit;
}

/**
 * The text of a frame. Binary frames are read as UTF-8 text, as Zeek reads them.
 *
 * @param frame A text or binary frame.
 * @returns Its text.
 * @throws {TypeError} When a binary frame is not valid UTF-8.
 */
export function frameText(frame: ClientFrame): string {
  if (typeof frame === "string") return frame;
  return DECODER.decode(frame instanceof Uint8Array ? frame : new Uint8Array(frame));
}

/**
 * The size of a frame in bytes (UTF-8 for text frames).
 *
 * @param frame A text or binary frame.
 * @param limit A bound; text is only encoded when needed to compare against it.
 * @returns `true` when the frame is larger than `limit`.
 */
export function frameExceeds(frame: ClientFrame, limit: number): boolean {
  return typeof frame === "string" ? exceedsBytes(frame, limit) : frame.byteLength > limit;
}

/**
 * Parses the client's first frame: a JSON array of topic prefixes.
 *
 * @param frame The first frame.
 * @param limits Topic count and length bounds.
 * @returns The subscriptions (deduplicated, sorted), or the error to send (Zeek keeps the
 *   connection open and never acks).
 *
 * @example
 * ```ts
 * import { parseSubscriptions } from "./protocol.ts";
 * parseSubscriptions('["zeek.b", "zeek.a", "zeek.b"]'); // { type: "subscriptions", topics: ["zeek.a", "zeek.b"] }
 * parseSubscriptions("[1, 2]"); // { type: "error", code: "deserialization_failed", context: "individual subscription not a string" }
 * ```
 */
export function parseSubscriptions(
  frame: ClientFrame,
  limits: ParseLimits = {},
): SubscriptionsMessage | ErrorMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frameText(frame));
  } catch {
    return decodeFailed(ERROR_CONTEXT.subscriptionsNotArray);
  }
  if (!Array.isArray(parsed)) return decodeFailed(ERROR_CONTEXT.subscriptionsNotArray);
  const maxTopicBytes = limits.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES;
  for (const topic of parsed) {
    if (typeof topic !== "string") return decodeFailed(ERROR_CONTEXT.subscriptionNotString);
  }
  for (const topic of parsed as string[]) {
    if (exceedsBytes(topic, maxTopicBytes)) return decodeFailed(ERROR_CONTEXT.subscriptionTooLong);
  }
  const topics = [...new Set(parsed as string[])].sort();
  if (topics.length > (limits.maxTopics ?? DEFAULT_MAX_TOPICS)) {
    return decodeFailed(ERROR_CONTEXT.tooManySubscriptions);
  }
  return { type: "subscriptions", topics };
}

/** Thrown inside the JSON reviver when a `real` is written as an integer literal. */
class RealLiteralError extends Error {}

/** Marks a number written without `.` or exponent (only while checking reals). */
class IntegerLiteral {}
const INTEGER_LITERAL = new IntegerLiteral();

type ReviverContext = { source?: string };

/**
 * Rejects `{"@data-type":"real","data":<integer literal>}` anywhere in the message, as CAF's
 * `is_double` does in Zeek (capture "real-without-decimal"). Uses the reviver's source text.
 */
function realReviver(this: unknown, _key: string, value: unknown, context?: ReviverContext) {
  if (typeof value === "number") {
    const source = context?.source ?? "";
    return /[.eE]/.test(source) ? value : INTEGER_LITERAL;
  }
  if (
    typeof value === "object" && value !== null && !Array.isArray(value) &&
    (value as Record<string, unknown>)["@data-type"] === "real" &&
    (value as Record<string, unknown>).data === INTEGER_LITERAL
  ) {
    throw new RealLiteralError();
  }
  return value;
}

/**
 * Parses a data message, `{"type":"data-message","topic":…,"@data-type":"vector","data":[…]}`,
 * into the event it carries. The `type` field is not checked, as in Zeek.
 *
 * @param frame A frame received after the subscriptions.
 * @param limits Topic length, nesting and event signature checks.
 * @returns The message, or the error to send (Zeek keeps the connection open).
 *
 * @example
 * ```ts
 * import { parseDataMessage } from "./protocol.ts";
 * const text = '{"type":"data-message","topic":"zeek.test","@data-type":"vector","data":[' +
 *   '{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector",' +
 *   '"data":[{"@data-type":"string","data":"hello"},{"@data-type":"vector","data":[]}]}]}';
 * const msg = parseDataMessage(text);
 * msg.type === "data-message" && msg.event.name; // "hello"
 * ```
 */
export function parseDataMessage(
  frame: ClientFrame,
  limits: ParseLimits = {},
): DataMessage | ErrorMessage {
  let text: string;
  let parsed: unknown;
  try {
    text = frameText(frame);
    parsed = text.includes('"real"') ? JSON.parse(text, realReviver) : JSON.parse(text);
  } catch {
    return decodeFailed(ERROR_CONTEXT.decodeFailed);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return decodeFailed(ERROR_CONTEXT.decodeFailed);
  }
  let value: BrokerValue;
  try {
    value = decodeJsonV1(text, { maxDepth: limits.maxDepth ?? DEFAULT_MAX_VALUE_DEPTH });
  } catch {
    return decodeFailed(ERROR_CONTEXT.decodeFailed);
  }
  const topic = (parsed as Record<string, unknown>).topic;
  if (typeof topic !== "string") return decodeFailed(ERROR_CONTEXT.noTopic);
  if (exceedsBytes(topic, limits.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES)) {
    return decodeFailed(ERROR_CONTEXT.topicTooLong);
  }
  let event: ZeekEvent;
  try {
    event = eventFromValue(value);
  } catch {
    return decodeFailed(ERROR_CONTEXT.eventFailed);
  }
  if (signatureProblem(event, limits) !== undefined) {
    return decodeFailed(ERROR_CONTEXT.eventFailed);
  }
  return { type: "data-message", topic, event };
}

/**
 * Explains why a data message was refused, for the server's log (Zeek logs a reporter error for
 * events it cannot create). `undefined` when the frame parses.
 *
 * @param frame The refused frame.
 * @param limits The signature checks in use.
 * @returns A sentence, or `undefined`.
 */
export function explainEventProblem(
  frame: ClientFrame,
  limits: ParseLimits,
): string | undefined {
  try {
    const event = eventFromValue(decodeJsonV1(frameText(frame)));
    return signatureProblem(event, limits);
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Writes a server message exactly as Zeek does: compact JSON, `type` first, then for acks
 * `endpoint`, `version`; for errors `code`, `context`; for data messages `topic`, `@data-type`,
 * `data` (Broker JSON v1, byte-compatible with Zeek's encoder).
 *
 * @param message The message.
 * @returns The text frame.
 * @throws {SerializationError} When a data message's event cannot be encoded.
 *
 * @example
 * ```ts
 * import { encodeServerMessage } from "./protocol.ts";
 * encodeServerMessage({ type: "ack", endpoint: "n-websocket-0", version: "8.2.2" });
 * // '{"type":"ack","endpoint":"n-websocket-0","version":"8.2.2"}'
 * ```
 */
export function encodeServerMessage(message: AckMessage | ErrorMessage | DataMessage): string {
  switch (message.type) {
    case "ack":
      return JSON.stringify({
        type: "ack",
        endpoint: message.endpoint,
        version: message.version,
      });
    case "error":
      return JSON.stringify({ type: "error", code: message.code, context: message.context });
    case "data-message":
      return encodeDataMessage(message.topic, message.event);
  }
}

/**
 * Writes a data message carrying an event, e.g.
 * `{"type":"data-message","topic":"zeek.test","@data-type":"vector","data":[…]}`.
 *
 * @param topic The topic.
 * @param event The event (metadata written only when present, as Zeek 8.0.1+).
 * @returns The text frame.
 * @throws {SerializationError} When the event cannot be encoded.
 */
export function encodeDataMessage(topic: string, event: ZeekEvent): string {
  return encodeJsonV1(eventToValue(event), { fields: { type: "data-message", topic } });
}

/**
 * Zeek's check of the `X-Application-Name` header: every character in `[-/_.=:*@A-Za-z0-9]`.
 * An empty value passes (as Zeek's per-character loop); a missing header means `unknown`.
 *
 * @param name The header value.
 * @returns `true` when acceptable.
 */
export function isValidApplicationName(name: string): boolean {
  return /^[-/_.=:*@A-Za-z0-9]*$/.test(name);
}

/**
 * Zeek's WebSocket API (`Cluster::listen_websocket`) for zcluster nodes, compatible with Zeek's
 * JSON v1 clients (zeek-client, zeekctl, zeekpy, `wstest.py`): the protocol (`protocol.ts`), one
 * client session (`session.ts`), event signatures standing in for Zeek's event registry
 * (`signatures.ts`) and the server on `Deno.serve` + Hono (`ws_server.ts`).
 *
 * @example
 * ```ts ignore
 * import { listenWebSocket } from "./mod.ts";
 *
 * await using ws = await listenWebSocket(node.cluster, {
 *   listenAddr: "127.0.0.1",
 *   listenPort: 27759,
 *   signatures: { ping: ["string", "count"] },
 * });
 * // Clients connect to ws.url, send ["zeek.test.pong"], wait for the ack, then exchange
 * // {"type":"data-message","topic":…,"@data-type":"vector","data":[…]} messages.
 * ```
 *
 * @module
 */

export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_TOPIC_BYTES,
  DEFAULT_MAX_TOPICS,
  DEFAULT_MAX_VALUE_DEPTH,
  encodeDataMessage,
  encodeServerMessage,
  ERROR_CONTEXT,
  errorMessage,
  exceedsBytes,
  explainEventProblem,
  frameExceeds,
  frameText,
  isValidApplicationName,
  parseDataMessage,
  parseSubscriptions,
  WEBSOCKET_PATH,
} from "./protocol.ts";
export type {
  AckMessage,
  ClientFrame,
  DataMessage,
  ErrorCode,
  ErrorMessage,
  ParseLimits,
  SubscriptionsMessage,
  WebSocketMessage,
} from "./protocol.ts";
export type { ZeekParamType } from "../serialization/signature.ts";
export { checkEventSignature, DEFAULT_UNDECLARED_EVENTS } from "./signatures.ts";
export type {
  EventSignatures,
  SignatureCheckOptions,
  SignatureLookup,
  UndeclaredEventPolicy,
} from "./signatures.ts";
export { createWebSocketStats } from "./stats.ts";
export type { WebSocketStats } from "./stats.ts";
export { FLUSH_RETRY_MS, OutboundQueue } from "./outbound_queue.ts";
export type {
  OutboundQueueOptions,
  OverflowPolicy,
  QueueSocket,
  SendResult,
} from "./outbound_queue.ts";
export {
  CLOSE,
  DEFAULT_MAX_EVENT_QUEUE_SIZE,
  DEFAULT_MAX_OUTBOUND_QUEUE_BYTES,
  DEFAULT_MAX_OUTBOUND_QUEUE_SIZE,
  DEFAULT_MAX_PENDING_MESSAGES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_SEND_HIGH_WATER_BYTES,
  DEFAULT_SERVER_VERSION,
  WebSocketSession,
} from "./session.ts";
export type {
  ClientInfo,
  SessionClose,
  SessionCluster,
  SessionOptions,
  SessionState,
  WebSocketLike,
} from "./session.ts";
export { DEFAULT_MAX_CONNECTIONS, listenWebSocket } from "./ws_server.ts";
export type {
  ListenWebSocketOptions,
  WebSocketCluster,
  WebSocketEventInfo,
  WebSocketEventListener,
  WebSocketServer,
  WebSocketTlsOptions,
} from "./ws_server.ts";

/**
 * Plain counters of a WebSocket server, shared by its sessions. (The timers sessions use are
 * injected from `lib/clock.ts`, so tests can drive time by hand.)
 *
 * @module
 */

/** Counters of one WebSocket server (or of sessions sharing the object). */
export interface WebSocketStats {
  /** Clients connected now. */
  connected: number;
  /** Clients accepted since start. */
  accepted: number;
  /** Connections refused because `maxConnections` were open. */
  refused: number;
  /** Frames received from clients. */
  messagesIn: number;
  /** Frames sent to clients (acks, errors, data messages). */
  messagesOut: number;
  /** Events clients published into the cluster (Zeek's websocket `outgoing`). */
  eventsPublished: number;
  /** Events the cluster would not take (`publishEvent` returned `false`). */
  publishFailures: number;
  /** Events handed to clients (Zeek's websocket `incoming`). */
  eventsDelivered: number;
  /** Events for a client that had not been acked yet, discarded as Zeek does. */
  droppedBeforeAck: number;
  /** Error messages sent, by code. */
  errors: Record<string, number>;
  /** Outbound queue overflows (each dropped frame or disconnected client). */
  overflows: number;
  /** Clients closed for sending more than `maxPendingMessages` frames before their ack. */
  pendingOverflows: number;
  /** Clients closed for a frame over `maxMessageBytes`. */
  oversizedMessages: number;
}

/**
 * Returns zeroed counters.
 *
 * @returns A fresh {@link WebSocketStats}.
 *
 * @example
 * ```ts
 * import { createWebSocketStats } from "./stats.ts";
 * createWebSocketStats().connected; // 0
 * ```
 */
export function createWebSocketStats(): WebSocketStats {
  return {
    connected: 0,
    accepted: 0,
    refused: 0,
    messagesIn: 0,
    messagesOut: 0,
    eventsPublished: 0,
    publishFailures: 0,
    eventsDelivered: 0,
    droppedBeforeAck: 0,
    errors: {},
    overflows: 0,
    pendingOverflows: 0,
    oversizedMessages: 0,
  };
}

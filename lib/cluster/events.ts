/**
 * The names, signatures and counters of the event layer, shared by its parts ({@link Cluster},
 * dispatch, membership driving).
 *
 * @module
 */
import type { BrokerValue, Count, Port, ZeekEvent } from "../serialization/mod.ts";
import { CounterMap } from "./_counters.ts";

/** Wire name of the local `Cluster::node_up(name, id)` event. */
export const NODE_UP = "Cluster::node_up";
/** Wire name of the local `Cluster::node_down(name, id)` event. */
export const NODE_DOWN = "Cluster::node_down";

/**
 * Wire name of the local `Cluster::websocket_client_added(endpoint, subscriptions)` event, raised
 * by a node's WebSocket API right after a client's ack.
 */
export const WEBSOCKET_CLIENT_ADDED = "Cluster::websocket_client_added";
/**
 * Wire name of the local `Cluster::websocket_client_lost(endpoint, code, reason)` event, raised
 * when an admitted WebSocket client is gone (not at shutdown).
 */
export const WEBSOCKET_CLIENT_LOST = "Cluster::websocket_client_lost";

/**
 * Zeek's `Cluster::EndpointInfo` as Broker data: `[id, [address, bound_port], application_name]`,
 * the name `null` without an `X-Application-Name` header.
 */
export type EndpointInfoValue = [
  id: string,
  network: [string, Port],
  applicationName: string | null,
];

/** Typed signatures of the events zcluster itself raises or handles. */
export interface KnownEvents {
  /** A peer joined: its name and node id. */
  "Cluster::node_up": [name: string, id: string];
  /** A peer left: its name and node id. */
  "Cluster::node_down": [name: string, id: string];
  /** A WebSocket client subscribed: its endpoint and topics. */
  "Cluster::websocket_client_added": [endpoint: EndpointInfoValue, subscriptions: string[]];
  /** A WebSocket client went away: its endpoint, the close code and reason. */
  "Cluster::websocket_client_lost": [endpoint: EndpointInfoValue, code: Count, reason: string];
  /** A node's hello, sent on a new peer's nodeid topic. */
  "Cluster::hello": [name: string, id: string];
  /** The ZeroMQ backend's hello (the same fields). */
  "Cluster::Backend::ZeroMQ::hello": [name: string, id: string];
}

/** Where an event came from. */
export interface EventInfo {
  /** The topic the event arrived on. */
  readonly topic: string;
  /** The sender's node id; the local id for locally raised events. */
  readonly sender: string;
  /** Metadata of the event, if any. */
  readonly event: ZeekEvent;
}

/** An event handler. */
export type EventHandler<A extends unknown[] = BrokerValue[]> = (
  ...args: A
) => void | Promise<void>;

/** A listener of every dispatched event (used by bridges such as the WebSocket API). */
export type AnyEventListener = (event: ZeekEvent, info: EventInfo) => void;

/** Plain counters of the event layer. */
export interface ClusterStats {
  /** Events published, by name. */
  readonly published: CounterMap;
  /** Events dispatched to handlers (received and raised locally), by name. */
  readonly handled: CounterMap;
  /** Events received from other nodes (after the own-echo and format filters, decoded). */
  received: number;
  /** Events that could not be published (serialization errors, transport drops). */
  publishFailures: number;
  /** Own echoes dropped by the sender-id filter. */
  ownDropped: number;
  /** Messages dropped because frame 2 was not our event serializer. */
  formatMismatches: number;
  /** Payloads that failed to decode. */
  serializationErrors: number;
  /** Handler exceptions. */
  handlerErrors: number;
  /** Received events whose arguments did not fit their declaration (dropped, as Zeek). */
  signatureMismatches: number;
}

/** Fresh, zeroed counters of the event layer. */
export function newClusterStats(): ClusterStats {
  return {
    published: new CounterMap(),
    handled: new CounterMap(),
    received: 0,
    publishFailures: 0,
    ownDropped: 0,
    formatMismatches: 0,
    serializationErrors: 0,
    handlerErrors: 0,
    signatureMismatches: 0,
  };
}

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
export * from "./protocol.ts";
export * from "./signatures.ts";
export * from "./stats.ts";
export * from "./outbound_queue.ts";
export * from "./session.ts";
export * from "./ws_server.ts";

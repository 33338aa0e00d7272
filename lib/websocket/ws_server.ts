/**
 * Zeek's `Cluster::listen_websocket` (spec B.2-B.3): a WebSocket server on `Deno.serve` + Hono
 * that gives each client a {@link WebSocketSession} and fans cluster events out to them.
 *
 * Behaviour at the HTTP level follows IXWebSocket, the library Zeek uses:
 * - any GET with a WebSocket upgrade is upgraded; a path other than `/v1/messages/json` then
 *   gets the `invalid_uri` error and close 1008 (as Zeek), a bad `X-Application-Name` the
 *   `invalid_application_name` error and close 1008;
 * - other requests get 400 with IXWebSocket's texts ("Invalid HTTP method, need GET, got …",
 *   "Invalid or missing Upgrade header", "Missing Sec-WebSocket-Key value");
 * - at `maxConnections` open clients (100, Zeek's fixed value) a new connection is refused:
 *   IXWebSocket closes the TCP connection unanswered, zcluster answers 503 "Too many
 *   connections" (the client sees a failed handshake either way);
 * - keepalive uses Deno's idle timeout (see `session.ts`): a ping after `pingIntervalMs` of
 *   silence, a 1001 close one interval later without an answer. Zeek truncates the interval to
 *   whole seconds, and so does zcluster; 0 or less disables it.
 *
 * Clients are checked as Zeek checks them: events against the cluster's declarations
 * (`cluster.signatureOf`, plus the optional static `signatures`), undeclared events per
 * `undeclaredEvents` (default `refuse`, Zeek's). The client-added hook runs right after the ack;
 * the client-lost hook only for clients that passed the URI and application name checks, never
 * at shutdown; a TCP drop without a close frame is reported as 1006.
 *
 * Events reach clients from `cluster.onAny` (every event the node dispatches, minus local raises
 * on topic "") and, when the cluster offers it, `cluster.onPublish` (events the node publishes
 * itself, which its own subscriptions never see again).
 *
 * @module
 */

import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import { OptionsError } from "../errors.ts";
import { addrToUri, parseIp } from "../net/ip.ts";
import type { ZeekEvent } from "../serialization/mod.ts";
import { encodeDataMessage } from "./protocol.ts";
import {
  type ClientInfo,
  CLOSE,
  DEFAULT_PING_INTERVAL_MS,
  type SessionCluster,
  type SessionOptions,
  WebSocketSession,
} from "./session.ts";
import { createWebSocketStats, type WebSocketStats } from "./stats.ts";

/** Zeek's fixed `max_connections` of the WebSocket server. */
export const DEFAULT_MAX_CONNECTIONS = 100;

/** Where an event came from, as `Cluster.onAny` reports it. */
export interface WebSocketEventInfo {
  readonly topic: string;
  readonly sender: string;
}

/** A listener of cluster events. */
export type WebSocketEventListener = (event: ZeekEvent, info: WebSocketEventInfo) => void;

/** The cluster shape the server needs (a subset of `Cluster`). */
export interface WebSocketCluster extends SessionCluster {
  /** The node id; client ids are `<nodeId>-websocket-<n>`. */
  readonly nodeId: string;
  /** Every event the node dispatches. @returns A function removing the listener. */
  onAny(listener: WebSocketEventListener): () => void;
  /** Events the node publishes itself, when the cluster reports them. */
  onPublish?(listener: WebSocketEventListener): () => void;
}

/** Zeek's `Cluster::WebSocketTLSOptions`: TLS is on when both files are set. */
export interface WebSocketTlsOptions {
  /** PEM certificate chain file. */
  readonly certFile?: string;
  /** PEM private key file. */
  readonly keyFile?: string;
}

/** Options of {@link listenWebSocket}: Zeek's `Cluster::WebSocketServerOptions` and more. */
export interface ListenWebSocketOptions extends
  Omit<
    SessionOptions,
    "id" | "path" | "applicationName" | "address" | "port" | "stats" | "onAdded" | "onLost"
  > {
  /** IP literal to bind, e.g. `127.0.0.1` or `::1`. */
  readonly listenAddr: string;
  /** Port to bind; 0 picks a free one (see `addr`). */
  readonly listenPort: number;
  /** Certificate and key files; TLS only when both are given. */
  readonly tlsOptions?: WebSocketTlsOptions;
  /** Most clients at once (default 100). */
  readonly maxConnections?: number;
  /** Stops the server when aborted. */
  readonly signal?: AbortSignal;
  /** Zeek's `Cluster::websocket_client_added`. */
  readonly onClientAdded?: (info: ClientInfo, subscriptions: readonly string[]) => void;
  /** Zeek's `Cluster::websocket_client_lost` (admitted clients only; not at shutdown). */
  readonly onClientLost?: (info: ClientInfo, code: number, reason: string) => void;
}

/** A running WebSocket server. */
export interface WebSocketServer extends AsyncDisposable {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** `ws[s]://host:port/v1/messages/json`. */
  readonly url: string;
  /** Resolves once the server has stopped: with the error that stopped it, or undefined. */
  readonly closed: Promise<void | Error>;
  /** Plain counters. */
  readonly stats: WebSocketStats;
  /** The clients connected now. */
  clients(): ClientInfo[];
  /** Closes every client with 1001 "Terminating" and stops listening (same as disposing). */
  close(): Promise<void>;
}

type ServeInfo = { remoteAddr?: Deno.NetAddr };

/**
 * Starts a WebSocket server for a node.
 *
 * @param cluster The node's event layer (a `Cluster` fits).
 * @param options Address, port, TLS, bounds, counters and hooks.
 * @returns The running server; `await using` stops it.
 * @throws {OptionsError} When the address is not an IP literal or only one TLS file is given.
 * @throws {Error} When the port cannot be bound or a TLS file cannot be read.
 *
 * @example
 * ```ts ignore
 * await using ws = await listenWebSocket(node.cluster, { listenAddr: "127.0.0.1", listenPort: 27759 });
 * ```
 */
export async function listenWebSocket(
  cluster: WebSocketCluster,
  options: ListenWebSocketOptions,
): Promise<WebSocketServer> {
  options.signal?.throwIfAborted();
  const { listenAddr, listenPort } = options;
  if (parseIp(listenAddr) === undefined) {
    throw new OptionsError(`Invalid listen_addr "${listenAddr}": expected an IP address`);
  }
  const tls = await readTls(options.tlsOptions);
  const stats = createWebSocketStats();
  const sessions = new Set<WebSocketSession>();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const pingSeconds = Math.trunc((options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS) / 1000);
  let nextId = 0;

  let stopping = false;
  /** Events of one upgraded connection; its session starts once the socket is open. */
  const connectionEvents = (path: string, appName: string | undefined, remote?: Deno.NetAddr) => {
    let session: WebSocketSession | undefined;
    return {
      onOpen: (_evt: Event, ws: WSContext<WebSocket>) => {
        if (stopping || sessions.size >= maxConnections) {
          // Connections that raced past the HTTP-level check, or a shutdown under way.
          if (!stopping) stats.refused++;
          ws.close(CLOSE.goingAway, stopping ? CLOSE.terminating : "Too many connections");
          return;
        }
        if (ws.raw) ws.raw.binaryType = "arraybuffer";
        const socket = {
          send: (text: string) => ws.send(text),
          close: (code: number, reason: string) => ws.close(code, reason),
          get bufferedAmount() {
            return ws.raw?.bufferedAmount ?? 0;
          },
        };
        const s = new WebSocketSession(socket, cluster, {
          ...options,
          id: `${cluster.nodeId}-websocket-${nextId++}`,
          path,
          applicationName: appName,
          address: remote?.hostname ?? "",
          port: remote?.port ?? 0,
          stats,
          ...(options.onClientAdded ? { onAdded: options.onClientAdded } : {}),
          ...(options.onClientLost ? { onLost: options.onClientLost } : {}),
        });
        session = s;
        sessions.add(s);
        s.closed.then(() => sessions.delete(s));
        s.open();
      },
      onMessage: (evt: MessageEvent) => session?.handleMessage(evt.data),
      onClose: (evt: CloseEvent) => session?.handleClose(evt.code, evt.reason),
    };
  };

  const app = new Hono();
  app.all(
    "*",
    async (c, next) => {
      const method = c.req.method;
      if (method !== "GET") return c.text(`Invalid HTTP method, need GET, got ${method}`, 400);
      if (!c.req.header("sec-websocket-key")) return c.text("Missing Sec-WebSocket-Key value", 400);
      if (c.req.header("upgrade") !== "websocket") {
        return c.text("Invalid or missing Upgrade header", 400);
      }
      if (c.req.header("sec-websocket-version") !== "13") {
        return c.text("Invalid Sec-WebSocket-Version, need 13", 400);
      }
      if (sessions.size >= maxConnections) {
        stats.refused++;
        options.logger?.warn(
          `WebSocket server reached max connections = ${maxConnections}, not accepting connection`,
        );
        return c.text("Too many connections", 503, { connection: "close" });
      }
      await next();
    },
    upgradeWebSocket((c) => {
      const info = c.env as ServeInfo | undefined;
      return connectionEvents(c.req.path, c.req.header("x-application-name"), info?.remoteAddr);
    }, { idleTimeout: pingSeconds > 0 ? 2 * pingSeconds : 0 }),
  );

  const fanOut: WebSocketEventListener = (event, info) => {
    if (info.topic === "" || sessions.size === 0) return;
    let frame: string | undefined;
    for (const session of sessions) {
      if (!session.matches(info.topic, info.sender)) continue;
      if (frame === undefined) {
        try {
          frame = encodeDataMessage(info.topic, event);
        } catch (error) {
          options.logger?.error(
            `Cannot send ${event.name} to WebSocket clients: ${(error as Error).message}`,
          );
          return;
        }
      }
      session.deliver(frame);
    }
  };

  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: listenAddr,
      port: listenPort,
      signal: abort.signal,
      onListen: () => {},
      ...(tls ?? {}),
    }, (req, info) => app.fetch(req, info));
  } catch (error) {
    throw new Error(
      `WebSocket: Unable to listen on ${addrToUri(listenAddr)}:${listenPort}: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  const offAny = cluster.onAny(fanOut);
  const offPublish = cluster.onPublish?.(fanOut);
  const closed = server.finished.then(() => undefined, (error: unknown) => error as Error);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      options.signal?.removeEventListener("abort", onAbort);
      stopping = true;
      offAny();
      offPublish?.();
      const open = [...sessions];
      for (const session of open) session.terminate();
      abort.abort();
      await Promise.all(open.map((s) => s.closed));
      await closed;
    })();
    return closing;
  };
  const onAbort = () => void close();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const addr = server.addr;
  return {
    addr,
    url: `${tls ? "wss" : "ws"}://${addrToUri(addr.hostname)}:${addr.port}/v1/messages/json`,
    closed,
    stats,
    clients: () => [...sessions].map((s) => s.info),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readTls(
  tls: WebSocketTlsOptions | undefined,
): Promise<{ cert: string; key: string } | undefined> {
  if (!tls || (tls.certFile === undefined && tls.keyFile === undefined)) return undefined;
  if (tls.keyFile === undefined) throw new OptionsError("Invalid tls_options: No key_file field");
  if (tls.certFile === undefined) throw new OptionsError("Invalid tls_options: No cert_file field");
  const [cert, key] = await Promise.all([
    Deno.readTextFile(tls.certFile),
    Deno.readTextFile(tls.keyFile),
  ]);
  return { cert, key };
}

/**
 * Serves a metrics app with `Deno.serve`.
 *
 * @module
 */

import { formatHostPort } from "./services.ts";

/** Anything with a fetch handler, e.g. the Hono app from `createMetricsApp()`. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/** Options of `serveMetrics()`. */
export interface ServeMetricsOptions {
  /** The app to serve. */
  readonly app: FetchApp;
  /** Address to bind, e.g. `127.0.0.1` (Zeek's zeekctl default) or `0.0.0.0`. */
  readonly hostname: string;
  /** TCP port; 0 picks a free one (see `addr`). */
  readonly port: number;
  /** Aborting it stops the server; `finished` then resolves. */
  readonly signal?: AbortSignal;
}

/** A running metrics server. */
export interface MetricsServer extends AsyncDisposable {
  /** The bound address (with the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
}

/**
 * Starts serving `app` on `hostname:port`.
 *
 * @param options App, address, and an optional abort signal.
 * @returns The server; `await using` it, or abort `signal`, to stop it.
 * @throws {Deno.errors.AddrInUse} `Cannot serve metrics on 127.0.0.1:9991: address in use`.
 * @throws {Error} `Cannot serve metrics on <host>:<port>: <reason>` for other bind failures
 *   (the original error is the `cause`, and its class is kept where Deno has one).
 * @example
 * ```ts
 * import { createMetricsApp, serveMetrics } from "./mod.ts";
 * import { Registry } from "prom-client";
 * await using server = serveMetrics({
 *   app: createMetricsApp({ registry: new Registry() }),
 *   hostname: "127.0.0.1",
 *   port: 0,
 * });
 * console.assert(server.addr.port > 0);
 * ```
 */
export function serveMetrics(options: ServeMetricsOptions): MetricsServer {
  const where = formatHostPort(options.hostname, options.port);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      ...(options.signal ? { signal: options.signal } : {}),
      onListen: () => {},
    }, (request) => options.app.fetch(request));
  } catch (error) {
    throw bindError(where, error);
  }
  let disposed: Promise<void> | undefined;
  return {
    addr: server.addr,
    finished: server.finished,
    [Symbol.asyncDispose]() {
      disposed ??= options.signal?.aborted ? server.finished : server.shutdown();
      return disposed.then(() => server.finished);
    },
  };
}

function bindError(where: string, error: unknown): Error {
  const prefix = `Cannot serve metrics on ${where}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return new Deno.errors.AddrInUse(`${prefix}: address in use`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.PermissionDenied) {
    return new Deno.errors.PermissionDenied(`${prefix}: ${detail}`, { cause: error });
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new Deno.errors.AddrNotAvailable(`${prefix}: ${detail}`, { cause: error });
  }
  return new Error(`${prefix}: ${detail}`, { cause: error });
}

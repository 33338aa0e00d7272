/**
 * CURVE options of the ZeroMQ sockets (ZeroMQ RFC 26), as Zeek 8.2 applies them: client mode on
 * the node XPUB, XSUB and PUSH; server mode on the proxy XPUB and XSUB and on the logger PULL.
 * Unlike Zeek, which admits any client holding the one shared client key pair, a zcluster server
 * admits only the public keys of its allow-list (checked by the ZAP handler in
 * `zap_handler.ts`).
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import { isZ85 } from "../../security/z85.ts";
import {
  type Libzmq,
  openLibzmq,
  ZMQ_CURVE_PUBLICKEY,
  ZMQ_CURVE_SECRETKEY,
  ZMQ_CURVE_SERVERKEY,
} from "./libzmq.ts";
import type { ZmqSocket } from "./socket.ts";

/** Client-mode keys (node XPUB, XSUB, PUSH). All three are 40-character Z85 strings. */
export interface CurveClientOptions {
  /** The server's public key (ZMQ_CURVE_SERVERKEY): the proxy's and the loggers'. */
  readonly serverPublicKey: string;
  /** This node's public key (ZMQ_CURVE_PUBLICKEY); it must be on the servers' allow-list. */
  readonly publicKey: string;
  /** This node's secret key (ZMQ_CURVE_SECRETKEY). */
  readonly secretKey: string;
}

/** One client the server admits. */
export interface CurveAllowedClient {
  /** The client's public key, 40 Z85 characters. */
  readonly publicKey: string;
  /** A node name for logs (and the ZAP user id). */
  readonly name?: string;
}

/**
 * One rejected connection, reported at most once per peer address and socket per
 * `rejectLogIntervalMs`:
 * - `unlisted_key`: a CURVE client whose public key is not on the allow-list (the ZAP handler
 *   answered 400); `address` is the peer's IP address, `detail` its public key in Z85.
 * - `handshake_failed`: a handshake that failed before authentication (a plain ZMTP / NULL
 *   client, a client with the wrong server key, garbage); libzmq does not say who the peer was,
 *   so `address` is the server socket's endpoint, and `detail` the libzmq error code.
 */
export interface CurveRejection {
  readonly type: "unlisted_key" | "handshake_failed";
  /** The server socket, e.g. `proxy XSUB` or `log PULL`. */
  readonly socket: string;
  /** The peer IP address (`unlisted_key`) or the socket's endpoint (`handshake_failed`). */
  readonly address: string;
  /** The client public key (`unlisted_key`) or libzmq's error code (`handshake_failed`). */
  readonly detail: string;
  /** Rejections of the same kind from the same address that were not reported since the last. */
  readonly suppressed: number;
}

/** Server-mode options (proxy XPUB/XSUB, logger PULL). */
export interface CurveServerOptions {
  /** The server's secret key (ZMQ_CURVE_SECRETKEY), 40 Z85 characters. */
  readonly secretKey: string;
  /** The clients admitted; every other key is refused (ZAP status 400). May be empty. */
  readonly allowedClients: readonly CurveAllowedClient[];
  /** Called for a rejected connection, rate-limited (see {@linkcode CurveRejection}). */
  readonly onRejected?: (rejection: CurveRejection) => void;
  /** Minimum time between two reports for one address and socket, ms. Default 60 000. */
  readonly rejectLogIntervalMs?: number;
  /** Time source of the rate limit. Default: the system clock. */
  readonly clock?: Clock;
}

/** Default minimum time between two rejection reports for one peer address, ms. */
export const DEFAULT_REJECT_LOG_INTERVAL_MS = 60_000;

/**
 * Generates a CURVE key pair with libzmq (`zmq_curve_keypair`).
 *
 * @param lib an opened libzmq; by default it is opened here.
 *
 * @example
 * ```ts ignore
 * const { publicKey, secretKey } = generateZmqCurveKeyPair(); // 40 Z85 characters each
 * ```
 */
export function generateZmqCurveKeyPair(
  lib: Libzmq = openLibzmq(),
): { publicKey: string; secretKey: string } {
  const pub = new Uint8Array(41);
  const sec = new Uint8Array(41);
  if (lib.zmq.zmq_curve_keypair(pub, sec) !== 0) {
    throw new Error("Cannot generate a CURVE key pair: libzmq has no CURVE support");
  }
  const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, 40));
  return { publicKey: text(pub), secretKey: text(sec) };
}

/**
 * Checks client options.
 *
 * @throws {TypeError} naming the field that is not a 40-character Z85 key.
 */
export function checkCurveClientOptions(options: CurveClientOptions): void {
  checkKey("curveClient.serverPublicKey", options.serverPublicKey);
  checkKey("curveClient.publicKey", options.publicKey);
  checkKey("curveClient.secretKey", options.secretKey);
}

/**
 * Checks server options.
 *
 * @throws {TypeError} for a malformed key. @throws {RangeError} for a bad interval.
 */
export function checkCurveServerOptions(options: CurveServerOptions): void {
  checkKey("curveServer.secretKey", options.secretKey);
  if (!Array.isArray(options.allowedClients)) {
    throw new TypeError("Invalid transport option curveServer.allowedClients: expected an array");
  }
  options.allowedClients.forEach((c, i) =>
    checkKey(`curveServer.allowedClients[${i}].publicKey`, c.publicKey)
  );
  const interval = options.rejectLogIntervalMs ?? DEFAULT_REJECT_LOG_INTERVAL_MS;
  if (!Number.isFinite(interval) || interval < 0) {
    throw new RangeError(
      `Invalid transport option curveServer.rejectLogIntervalMs: ${interval} is not >= 0`,
    );
  }
}

/** Makes `socket` a CURVE client (ZMQ_CURVE_SERVERKEY, _PUBLICKEY, _SECRETKEY); no-op without. */
export function applyCurveClient(socket: ZmqSocket, options: CurveClientOptions | undefined): void {
  if (options === undefined) return;
  socket.setString(ZMQ_CURVE_SERVERKEY, options.serverPublicKey, "ZMQ_CURVE_SERVERKEY");
  socket.setString(ZMQ_CURVE_PUBLICKEY, options.publicKey, "ZMQ_CURVE_PUBLICKEY");
  socket.setString(ZMQ_CURVE_SECRETKEY, options.secretKey, "ZMQ_CURVE_SECRETKEY");
}

function checkKey(name: string, key: unknown): void {
  if (typeof key !== "string" || !isZ85(key, 32)) {
    throw new TypeError(
      `Invalid transport option ${name}: expected a 40-character Z85 key`,
    );
  }
}

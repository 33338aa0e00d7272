/**
 * The CURVE server side: a ZAP handler (ZeroMQ RFC 27) that admits only allow-listed client
 * public keys, plus socket monitors that count handshakes failing before authentication (plain
 * ZMTP clients, wrong server keys). One per ZeroMQ context: libzmq asks the handler bound at
 * `inproc://zeromq.zap.01` in the server socket's own context.
 *
 * The handler is a ROUTER driven by {@linkcode SocketPump} (never a pending `receive()`, see the
 * Deno defects in `deno_defects_test.ts`). Server sockets set ZMQ_ZAP_ENFORCE_DOMAIN, so if the
 * handler is missing libzmq refuses the client instead of admitting it.
 *
 * @module
 */

import type * as zmq from "zeromq";
import { Router } from "zeromq";
import { systemClock } from "../../clock.ts";
import { z85Encode } from "../../security/z85.ts";
import {
  checkCurveServerOptions,
  type CurveRejection,
  type CurveServerOptions,
  DEFAULT_REJECT_LOG_INTERVAL_MS,
} from "./curve.ts";
import { RateLimiter } from "./_rate_limiter.ts";
import { bindOrThrow } from "./_util.ts";
import { SocketPump } from "./socket_pump.ts";

/** Where libzmq looks for the ZAP handler (RFC 27). */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

/** Counters of a {@linkcode CurveGuard}. */
export interface CurveGuardStats {
  /** Connections refused: unlisted keys (ZAP 400) plus failed handshakes. */
  curveRejected: number;
  /** Connections admitted (ZAP 200). */
  curveAccepted: number;
}

/**
 * The ZAP handler and handshake monitors of the CURVE server sockets in one context. Dispose it
 * after closing those sockets (closing a socket is what ends its monitor safely under Deno).
 */
export interface CurveGuard extends AsyncDisposable {
  /** A snapshot of the counters. */
  readonly stats: CurveGuardStats;
  /**
   * zeromq.js options that make a socket a CURVE server checked by this guard: ZMQ_CURVE_SERVER,
   * ZMQ_CURVE_SECRETKEY, ZMQ_ZAP_DOMAIN (the name, dashed) and ZMQ_ZAP_ENFORCE_DOMAIN.
   *
   * @param name the socket's name in reports, e.g. `proxy XSUB`.
   */
  serverSocketOptions(name: string): {
    curveServer: true;
    curveSecretKey: string;
    zapDomain: string;
    zapEnforceDomain: true;
  };
  /**
   * Watches a server socket's handshakes (ZMQ socket monitor) to count failures that never reach
   * the ZAP handler. Call before binding the socket.
   */
  watch(socket: zmq.Socket, name: string): void;
}

/**
 * Binds the ZAP handler in `context`. Do it before binding any server socket of that context.
 *
 * @param context the server sockets' context (one guard per context).
 * @param options server key, allow-list, rejection reports.
 * @throws {Error} `Cannot bind ZAP handler to inproc://zeromq.zap.01: address in use` when the
 * context already has one. @throws {TypeError} / {RangeError} for bad options.
 *
 * @example
 * ```ts ignore
 * await using guard = await startCurveGuard(context, { secretKey, allowedClients });
 * const pull = new zmq.Pull({ context, ...guard.serverSocketOptions("log PULL") });
 * guard.watch(pull, "log PULL");
 * await pull.bind("tcp://127.0.0.1:*");
 * ```
 */
export async function startCurveGuard(
  context: zmq.Context,
  options: CurveServerOptions,
): Promise<CurveGuard> {
  checkCurveServerOptions(options);
  const router = new Router({ context, linger: 0 });
  try {
    await bindOrThrow(router, "ZAP handler", ZAP_ENDPOINT);
  } catch (error) {
    router.close();
    throw error;
  }
  return new CurveGuardImpl(router, options);
}

class CurveGuardImpl implements CurveGuard {
  #options: CurveServerOptions;
  #router: zmq.Router;
  #pump: SocketPump;
  #allowed: Map<string, string>;
  #limiter: RateLimiter;
  #domains = new Map<string, string>();
  #observers: { observer: zmq.Observer; loop: Promise<void> }[] = [];
  #stats: CurveGuardStats = { curveRejected: 0, curveAccepted: 0 };
  #disposing: Promise<void> | undefined;

  constructor(router: zmq.Router, options: CurveServerOptions) {
    this.#options = options;
    this.#router = router;
    this.#allowed = new Map(options.allowedClients.map((c) => [c.publicKey, c.name ?? "0"]));
    const clock = options.clock ?? systemClock;
    this.#limiter = new RateLimiter(
      options.rejectLogIntervalMs ?? DEFAULT_REJECT_LOG_INTERVAL_MS,
      () => clock.monotonicMs(),
    );
    this.#pump = new SocketPump(
      router as unknown as ConstructorParameters<typeof SocketPump>[0],
      { onFrames: (f) => this.#onRequest(f) },
      { name: "ZAP handler", checkWritable: false },
    );
  }

  get stats(): CurveGuardStats {
    return { ...this.#stats };
  }

  serverSocketOptions(name: string) {
    const domain = name.replaceAll(" ", "-").toLowerCase();
    this.#domains.set(domain, name);
    return {
      curveServer: true as const,
      curveSecretKey: this.#options.secretKey,
      zapDomain: domain,
      zapEnforceDomain: true as const,
    };
  }

  watch(socket: zmq.Socket, name: string): void {
    const observer = socket.events;
    const loop = (async () => {
      while (!observer.closed) {
        let event: zmq.Event;
        try {
          event = await observer.receive();
        } catch {
          return; // closed
        }
        if (event.type === "handshake:error:protocol" || event.type === "handshake:error:other") {
          const code = "error" in event ? String(event.error.code) : "";
          this.#reject({
            type: "handshake_failed",
            socket: name,
            address: "address" in event ? event.address : "",
            detail: code,
          });
        }
      }
    })();
    this.#observers.push({ observer, loop });
  }

  /** Stops the handler and the monitors. Close the server sockets first. Idempotent. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= (async () => {
      await this.#pump.stop();
      this.#router.close();
      // Closing an Observer while its receive() is pending crashes Deno 2.9.6 now and then
      // (SIGSEGV, about 1 run in 3 of 150 cycles; none in 1,800 cycles without it). Closing the
      // socket ends its observer cleanly, so wait for that; close them only as a fallback.
      const loops = Promise.all(this.#observers.map((o) => o.loop));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ended = await Promise.race([
        loops.then(() => true),
        new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 1_000)),
      ]);
      clearTimeout(timer);
      if (!ended) {
        for (const { observer } of this.#observers) observer.close();
        await loops;
      }
    })();
    return this.#disposing;
  }

  #onRequest(frames: Uint8Array[]): void {
    // ROUTER envelope: [routing id, "", version, request id, domain, address, identity,
    // mechanism, credentials...]
    const [routingId, empty, version, requestId, domain, address, , mechanism, key] = frames;
    if (routingId === undefined || empty === undefined || requestId === undefined) return;
    const text = (b: Uint8Array | undefined) => b === undefined ? "" : new TextDecoder().decode(b);
    const reply = (code: "200" | "400" | "500", status: string, userId: string) =>
      this.#pump.send([routingId, empty, "1.0", requestId, code, status, userId, ""], true);
    if (text(version) !== "1.0") {
      reply("500", "Unsupported ZAP version", "");
      return;
    }
    const socket = this.#domains.get(text(domain)) ?? text(domain);
    if (text(mechanism) !== "CURVE" || key === undefined || key.byteLength !== 32) {
      reply("400", "CURVE required", "");
      this.#reject({
        type: "handshake_failed",
        socket,
        address: text(address),
        detail: `mechanism ${text(mechanism)}`,
      });
      return;
    }
    const publicKey = z85Encode(key);
    const user = this.#allowed.get(publicKey);
    if (user !== undefined) {
      this.#stats.curveAccepted++;
      reply("200", "OK", user);
      return;
    }
    reply("400", "Public key not allowed", "");
    this.#reject({ type: "unlisted_key", socket, address: text(address), detail: publicKey });
  }

  #reject(r: Omit<CurveRejection, "suppressed">): void {
    this.#stats.curveRejected++;
    const onRejected = this.#options.onRejected;
    if (onRejected === undefined) return;
    const suppressed = this.#limiter.hit(`${r.type} ${r.socket} ${r.address}`);
    if (suppressed === undefined) return;
    try {
      onRejected({ ...r, suppressed });
    } catch {
      // A failing logger must not break authentication.
    }
  }
}

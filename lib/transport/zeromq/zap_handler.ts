/**
 * The CURVE server side: a ZAP handler (ZeroMQ RFC 27) that admits only allow-listed client
 * public keys, plus socket monitors that count handshakes failing before authentication (plain
 * ZMTP clients, wrong server keys). One per ZeroMQ context: libzmq asks the handler bound at
 * `inproc://zeromq.zap.01` in the server socket's own context.
 *
 * The handler is a ROUTER, and the monitors PAIR sockets, driven by the guard's own
 * {@linkcode ZmqReactor}. Server sockets set ZMQ_ZAP_ENFORCE_DOMAIN, so if the handler is missing
 * libzmq refuses the client instead of admitting it.
 *
 * @module
 */

import { systemClock } from "../../clock.ts";
import { z85Encode } from "../../security/z85.ts";
import {
  checkCurveServerOptions,
  type CurveRejection,
  type CurveServerOptions,
  DEFAULT_REJECT_LOG_INTERVAL_MS,
} from "./curve.ts";
import {
  ERRNO_NAMES,
  PROTOCOL_ERROR_NAMES,
  ZMQ_CURVE_SECRETKEY,
  ZMQ_CURVE_SERVER,
  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
  ZMQ_LINGER,
  ZMQ_PAIR,
  ZMQ_ROUTER,
  ZMQ_ZAP_DOMAIN,
  ZMQ_ZAP_ENFORCE_DOMAIN,
} from "./libzmq.ts";
import { RateLimiter } from "./_rate_limiter.ts";
import { bindOrThrow } from "./_util.ts";
import { type DrivenSocket, ZmqReactor } from "./reactor.ts";
import type { ZmqContext, ZmqSocket } from "./socket.ts";

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
   * Makes `socket` a CURVE server checked by this guard (ZMQ_CURVE_SERVER, ZMQ_CURVE_SECRETKEY,
   * ZMQ_ZAP_DOMAIN = the name, dashed, ZMQ_ZAP_ENFORCE_DOMAIN) and watches its handshakes (a
   * socket monitor) to count failures that never reach the ZAP handler. Call before binding.
   *
   * @param name the socket's name in reports, e.g. `proxy XSUB`.
   */
  applyServer(socket: ZmqSocket, name: string): void;
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
 * const pull = context.socket(ZMQ_PULL, "log PULL");
 * guard.applyServer(pull, "log PULL");
 * pull.bind("tcp://127.0.0.1:*");
 * ```
 */
export async function startCurveGuard(
  context: ZmqContext,
  options: CurveServerOptions,
): Promise<CurveGuard> {
  checkCurveServerOptions(options);
  const router = context.socket(ZMQ_ROUTER, "ZAP handler");
  try {
    router.setInt(ZMQ_LINGER, 0);
    bindOrThrow(router, "ZAP handler", ZAP_ENDPOINT);
  } catch (error) {
    router.close();
    throw error;
  }
  await Promise.resolve();
  return new CurveGuardImpl(context, router, options);
}

class CurveGuardImpl implements CurveGuard {
  #options: CurveServerOptions;
  #context: ZmqContext;
  #router: DrivenSocket;
  #reactor: ZmqReactor;
  #allowed: Map<string, string>;
  #limiter: RateLimiter;
  #domains = new Map<string, string>();
  #monitors: ZmqSocket[] = [];
  #stats: CurveGuardStats = { curveRejected: 0, curveAccepted: 0 };
  #disposing: Promise<void> | undefined;

  constructor(context: ZmqContext, router: ZmqSocket, options: CurveServerOptions) {
    this.#options = options;
    this.#context = context;
    this.#allowed = new Map(options.allowedClients.map((c) => [c.publicKey, c.name ?? "0"]));
    const clock = options.clock ?? systemClock;
    this.#limiter = new RateLimiter(
      options.rejectLogIntervalMs ?? DEFAULT_REJECT_LOG_INTERVAL_MS,
      () => clock.monotonicMs(),
    );
    this.#reactor = new ZmqReactor(context.lib);
    this.#router = this.#reactor.add(router, { onFrames: (f) => this.#onRequest(f) });
  }

  get stats(): CurveGuardStats {
    return { ...this.#stats };
  }

  applyServer(socket: ZmqSocket, name: string): void {
    const domain = name.replaceAll(" ", "-").toLowerCase();
    this.#domains.set(domain, name);
    socket.setInt(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER");
    socket.setString(ZMQ_CURVE_SECRETKEY, this.#options.secretKey, "ZMQ_CURVE_SECRETKEY");
    socket.setString(ZMQ_ZAP_DOMAIN, domain, "ZMQ_ZAP_DOMAIN");
    socket.setInt(ZMQ_ZAP_ENFORCE_DOMAIN, 1, "ZMQ_ZAP_ENFORCE_DOMAIN");
    this.#watch(socket, name, domain);
  }

  #watch(socket: ZmqSocket, name: string, domain: string): void {
    const endpoint = `inproc://zcluster-monitor-${domain}-${this.#monitors.length}`;
    const events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    socket.monitor(endpoint, events, name);
    const pair = this.#context.socket(ZMQ_PAIR, `${name} monitor`);
    this.#monitors.push(pair);
    pair.setInt(ZMQ_LINGER, 0);
    pair.connect(endpoint);
    this.#reactor.add(pair, {
      onFrames: (frames) => {
        const head = frames[0];
        if (head === undefined || head.byteLength < 6) return;
        const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
        const event = view.getUint16(0, true);
        const value = view.getUint32(2, true);
        const detail = event === ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
          ? PROTOCOL_ERROR_NAMES.get(value) ?? `0x${value.toString(16)}`
          : ERRNO_NAMES.get(value) ?? String(value);
        const address = frames[1] === undefined ? "" : new TextDecoder().decode(frames[1]);
        this.#reject({ type: "handshake_failed", socket: name, address, detail });
      },
    });
  }

  /** Stops the handler and the monitors. Close the server sockets first. Idempotent. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= (async () => {
      await this.#reactor[Symbol.asyncDispose]();
      this.#router.socket.close();
      for (const m of this.#monitors) m.close();
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
      this.#router.send([
        routingId,
        empty,
        ...["1.0", requestId, code, status, userId, ""].map(
          (f) => typeof f === "string" ? new TextEncoder().encode(f) : f,
        ),
      ]);
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

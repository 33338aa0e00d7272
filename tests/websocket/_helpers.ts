/**
 * Test doubles for the WebSocket API: a fake socket, a fake cluster, hand-driven timers, and the
 * Zeek 8.2.2 capture.
 *
 * @module
 */

import type { ZeekEvent } from "../../lib/serialization/mod.ts";
import type { WebSocketLike, WebSocketSession } from "../../lib/websocket/session.ts";
import type { WebSocketCluster, WebSocketEventListener } from "../../lib/websocket/ws_server.ts";

/** The node id of the manager in the Zeek capture. */
export const CAPTURE_NODE_ID = "zeromq_manager_vm_3058_NiGGHk4rO2YZuzmPk2";

/** One recorded session of `zeek-8.2.2-websocket.json`. */
export interface CapturedCase {
  readonly case: string;
  readonly exchange: readonly ({ sent: string } | { received: string })[];
  readonly close: { code: number; reason: string } | null;
}

/** Loads the Zeek capture. */
export async function loadCapture(): Promise<CapturedCase[]> {
  const url = new URL("../../testdata/zeek-8.2.2/zeek-8.2.2-websocket.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url));
}

/** The bytes of a captured `binary:<hex>` send. */
export function capturedFrame(sent: string): string | Uint8Array {
  if (!sent.startsWith("binary:")) return sent;
  const hex = sent.slice("binary:".length);
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** A socket that records what the session does. */
export class FakeSocket implements WebSocketLike {
  readonly sent: string[] = [];
  readonly closes: { code: number; reason: string }[] = [];
  bufferedAmount = 0;
  /** Set to feed close events back to the session like a real socket. */
  session: WebSocketSession | undefined;
  send(text: string): void {
    if (this.closes.length > 0) throw new Error("WebSocket is closed");
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    const session = this.session;
    if (session) queueMicrotask(() => session.handleClose(code, reason));
  }
  /** Sent frames, parsed. */
  json(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s));
  }
}

/** A socket that can send pings. */
export class PingSocket extends FakeSocket {
  pings = 0;
  ping(): void {
    this.pings++;
  }
}

/** A cluster that records subscriptions and publishes. */
export class FakeCluster implements WebSocketCluster {
  readonly nodeId: string;
  readonly subscriptions = new Map<string, number>();
  readonly published: { topic: string; event: ZeekEvent; sender: string }[] = [];
  readonly #listeners = new Set<WebSocketEventListener>();
  readonly #waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** When false, `whenReady` waits for `ready()`. */
  autoReady = true;
  publishResult = true;
  failSubscribe = false;
  lastSignal: AbortSignal | undefined;

  constructor(nodeId = CAPTURE_NODE_ID) {
    this.nodeId = nodeId;
  }
  subscribe(prefix: string): void {
    if (this.failSubscribe) throw new Error("Cannot subscribe: transport is closed");
    this.subscriptions.set(prefix, (this.subscriptions.get(prefix) ?? 0) + 1);
  }
  unsubscribe(prefix: string): boolean {
    const n = this.subscriptions.get(prefix);
    if (n === undefined) return false;
    if (n > 1) this.subscriptions.set(prefix, n - 1);
    else this.subscriptions.delete(prefix);
    return true;
  }
  whenReady(signal?: AbortSignal): Promise<void> {
    this.lastSignal = signal;
    if (this.autoReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
  /** Resolves (or rejects) every pending `whenReady`. */
  ready(error?: Error): void {
    for (const w of this.#waiters.splice(0)) error ? w.reject(error) : w.resolve();
  }
  publishEvent(topic: string, event: ZeekEvent, sender: string): boolean {
    this.published.push({ topic, event, sender });
    return this.publishResult;
  }
  onAny(listener: WebSocketEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Dispatches an event to `onAny` listeners. */
  emit(topic: string, sender: string, event: ZeekEvent): void {
    for (const l of this.#listeners) l(event, { topic, sender });
  }
  get listenerCount(): number {
    return this.#listeners.size;
  }
}

export { ManualTimers } from "../../lib/clock.ts";

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A data message frame as `wscap.py` builds it (Python `json.dumps` spacing). */
export function pyDataMessage(name: string, args: unknown[], topic = "zeek.test.ping"): string {
  return pyDumps({
    type: "data-message",
    topic,
    "@data-type": "vector",
    data: [
      { "@data-type": "count", data: 1 },
      { "@data-type": "count", data: 1 },
      {
        "@data-type": "vector",
        data: [{ "@data-type": "string", data: name }, { "@data-type": "vector", data: args }],
      },
    ],
  });
}

/** JSON text with Python `json.dumps` separators (`", "` and `": "`). */
export function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const items = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`);
    return `{${items.join(", ")}}`;
  }
  return JSON.stringify(value);
}

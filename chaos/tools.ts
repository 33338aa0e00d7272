/**
 * Helper programs the scenarios run from the control host (fuzzers, the reconnect client), and
 * the good-traffic probes that follow each fuzz batch.
 *
 * @module
 */
import { encodeDataMessage } from "../lib/websocket/protocol.ts";
import { nodeTopic } from "../lib/topics/topics.ts";
import type { ChaosCluster } from "./cluster.ts";

const CONFIG = new URL("../deno.json", import.meta.url).pathname;

/** Path of a chaos helper (`fuzz/x.ts`) or of a file in the repository (`../lib/...`). */
export function toolPath(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}

/** Output of a helper run. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Epoch ms when it ended. */
  readonly endedAt: number;
}

/**
 * Runs a Deno helper to completion (killed after `timeoutMs`).
 *
 * @param file Absolute path.
 * @param args Arguments.
 * @param timeoutMs Hard limit.
 * @returns Exit code and output.
 */
export async function runTool(
  file: string,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<ToolResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--cached-only", "--config", CONFIG, file, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    endedAt: Date.now(),
  };
}

/**
 * Asks `from` to publish `Chaos::ping(token)` to node `to` and measures until `to` prints it.
 *
 * @returns Milliseconds, or Infinity when it did not arrive within `timeoutMs`.
 */
export async function pingVia(
  cluster: ChaosCluster,
  from: string,
  to: string,
  token: string,
  timeoutMs = 5000,
): Promise<number> {
  const mark = cluster.lines(to).length;
  const t0 = Date.now();
  await cluster.send(from, {
    cmd: "publish",
    topic: nodeTopic(to),
    event: "Chaos::ping",
    args: [token],
  });
  const f = await cluster.find(to, new RegExp(`^chaos ping token=${token} `), mark, timeoutMs);
  return f ? f.ts - t0 : Infinity;
}

/**
 * A WebSocket client subscribes, then publishes `Chaos::ping(token)` to node `to`; measures
 * from the publish until `to` prints it.
 *
 * @returns Milliseconds, or Infinity.
 */
export async function pingViaWebSocket(
  cluster: ChaosCluster,
  url: string,
  to: string,
  token: string,
  timeoutMs = 5000,
): Promise<number> {
  const ws = new WebSocket(url);
  const messages: string[] = [];
  ws.onmessage = (e) => messages.push(String(e.data));
  ws.onerror = () => {};
  const closed = new Promise((r) => ws.addEventListener("close", r, { once: true }));
  try {
    const opened = await Promise.race([
      new Promise<boolean>((r) => {
        ws.onopen = () => r(true);
        ws.addEventListener("close", () => r(false), { once: true });
      }),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    if (!opened) return Infinity;
    ws.send(JSON.stringify(["chaos.ws."]));
    const deadline = Date.now() + timeoutMs;
    while (!messages.some((m) => m.includes('"ack"')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const mark = cluster.lines(to).length;
    const t0 = Date.now();
    ws.send(encodeDataMessage(nodeTopic(to), { name: "Chaos::ping", args: [token] }));
    const f = await cluster.find(to, new RegExp(`^chaos ping token=${token} `), mark, timeoutMs);
    return f ? f.ts - t0 : Infinity;
  } finally {
    if (ws.readyState < WebSocket.CLOSING) ws.close();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
  }
}

/** One successful GET of a URL; milliseconds, or Infinity on failure. */
export async function timedGet(url: string, timeoutMs = 5000): Promise<number> {
  const t0 = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? Date.now() - t0 : Infinity;
  } catch {
    return Infinity;
  }
}

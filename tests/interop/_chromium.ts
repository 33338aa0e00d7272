/**
 * Debian's `chromium`, headless, driven over the DevTools protocol with Deno's WebSocket client:
 * open a page, evaluate expressions in it, take PNG screenshots.
 *
 * @module
 */

import { sleep } from "../../lib/async.ts";

const PACKAGE_HINT = 'install the Debian package "chromium" (apt-get install -y chromium)';

/** The path of chromium, or a clear failure naming the package. */
export async function requireChromium(): Promise<string> {
  for (const path of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile) return path;
  }
  throw new Error(`Cannot find chromium in /usr/bin: ${PACKAGE_HINT}`);
}

/** A headless chromium showing one page. */
export class HeadlessPage implements AsyncDisposable {
  readonly #proc: Deno.ChildProcess;
  readonly #profile: string;
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (msg: Record<string, unknown>) => void>();
  #seq = 0;

  private constructor(proc: Deno.ChildProcess, profile: string, ws: WebSocket) {
    this.#proc = proc;
    this.#profile = profile;
    this.#ws = ws;
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data));
      if (typeof msg.id === "number") this.#pending.get(msg.id)?.(msg);
    };
  }

  /**
   * Starts chromium on `url` and connects to the page's DevTools endpoint.
   *
   * @param url The page.
   * @param size Window size.
   */
  static async open(url: string, size = { width: 1400, height: 900 }): Promise<HeadlessPage> {
    const binary = await requireChromium();
    const profile = await Deno.makeTempDir({ prefix: "zcluster-chromium-" });
    const proc = new Deno.Command(binary, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        `--window-size=${size.width},${size.height}`,
        url,
      ],
      // Chromium keeps its singleton socket in a folder of its own under TMPDIR, which a killed
      // chromium leaves behind (one per run stayed in /tmp until 2026-12-07): inside the profile,
      // it goes with it.
      env: { TMPDIR: profile },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const port = await devtoolsPort(proc.stderr);
      let target: { webSocketDebuggerUrl: string; type: string; url: string } | undefined;
      const deadline = Date.now() + 15_000;
      while (!target && Date.now() < deadline) {
        const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
        target = list.find((t: { type: string }) => t.type === "page");
        if (!target) await new Promise((r) => setTimeout(r, 100));
      }
      if (!target) throw new Error("chromium opened no page target");
      const ws = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("Cannot connect to chromium's DevTools socket"));
      });
      return new HeadlessPage(proc, profile, ws);
    } catch (error) {
      proc.kill("SIGKILL");
      await proc.status;
      await removeProfile(profile);
      throw error;
    }
  }

  /** Sends one DevTools command and returns its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (msg) => {
        this.#pending.delete(id);
        if (msg.error) reject(new Error(`${method}: ${JSON.stringify(msg.error)}`));
        else resolve(msg.result as Record<string, unknown>);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the page and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) {
      throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    }
    return (r.result as { value: T }).value;
  }

  /** A PNG screenshot of the page. */
  async screenshot(): Promise<Uint8Array> {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(r.data as string), (c) => c.charCodeAt(0));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#ws.close();
    try {
      this.#proc.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#proc.status;
    await removeProfile(this.#profile);
  }
}

/**
 * Removes a chromium profile folder. Chromium's helper processes outlive its main process for a
 * moment and may still write there, so one removal can fail half-way (a profile was left in /tmp
 * once, 2026-12-07): try again for up to 5 s, then say so.
 */
async function removeProfile(profile: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      await Deno.remove(profile, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      last = error;
    }
    await sleep(50);
  }
  throw new Error(`Cannot remove chromium profile ${profile}`, { cause: last });
}

/** Reads chromium's stderr until "DevTools listening on ws://127.0.0.1:PORT/...", then drains it. */
async function devtoolsPort(stderr: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
    if (m) {
      (async () => {
        try {
          while (!(await reader.read()).done) { /* drain */ }
        } catch { /* closed */ }
      })();
      return Number(m[1]);
    }
  }
  throw new Error(`chromium did not open its DevTools port:\n${text.slice(-2000)}`);
}

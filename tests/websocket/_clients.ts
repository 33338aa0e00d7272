/**
 * WebSocket clients for the real-socket tests: a wrapper over Deno's `WebSocket` that queues
 * messages, and a raw TCP client for what `WebSocket` cannot do (custom headers, plain HTTP,
 * never answering pings).
 *
 * @module
 */

/** A Deno `WebSocket` with a message queue. */
export class TestClient {
  readonly ws: WebSocket;
  readonly opened: Promise<boolean>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #inbox: string[] = [];
  readonly #waiters: ((m: string | undefined) => void)[] = [];
  #done = false;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve) => {
      this.ws.addEventListener("open", () => resolve(true), { once: true });
      this.ws.addEventListener("close", () => resolve(false), { once: true });
    });
    this.closed = new Promise((resolve) => {
      this.ws.addEventListener("close", (e) => {
        this.#done = true;
        for (const w of this.#waiters.splice(0)) w(undefined);
        resolve({ code: e.code, reason: e.reason });
      }, { once: true });
    });
    this.ws.addEventListener("error", () => {});
    this.ws.addEventListener("message", (e) => {
      const w = this.#waiters.shift();
      if (w) w(String(e.data));
      else this.#inbox.push(String(e.data));
    });
  }

  /** Connects and waits for the socket to open. */
  static async open(url: string): Promise<TestClient> {
    const client = new TestClient(url);
    if (!(await client.opened)) throw new Error(`Cannot connect to ${url}`);
    return client;
  }

  /** Connects, subscribes and waits for the ack. */
  static async subscribed(url: string, topics: string[]): Promise<TestClient> {
    const client = await TestClient.open(url);
    client.ws.send(JSON.stringify(topics));
    const ack = await client.next();
    if (ack?.type !== "ack") throw new Error(`Expected an ack, got ${JSON.stringify(ack)}`);
    return client;
  }

  /** The next message, parsed; `undefined` once closed. */
  async next(): Promise<Record<string, unknown> | undefined> {
    const text = await this.nextText();
    return text === undefined ? undefined : JSON.parse(text);
  }

  /** The next message's text; `undefined` once closed. */
  nextText(): Promise<string | undefined> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#done) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Messages received and not yet read. */
  get unread(): number {
    return this.#inbox.length;
  }

  /** Closes and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState < WebSocket.CLOSING) this.ws.close(1000, "bye");
    await this.closed;
  }
}

const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** A frame read by {@link RawClient}. */
export interface RawFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

/** A WebSocket client on a bare TCP connection. */
export class RawClient {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Opens a TCP connection. */
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Opens a TLS connection trusting `caCert` (PEM). */
  static async connectTls(port: number, caCert: string): Promise<RawClient> {
    return new RawClient(
      await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caCert] }),
    );
  }

  /** Sends an HTTP request head and returns the response head (status line and headers). */
  async request(path: string, headers: Record<string, string>, method = "GET"): Promise<string> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    await this.conn.write(ENC.encode(`${head}\r\n`));
    for (;;) {
      const text = DEC.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.#buf = this.#buf.subarray(ENC.encode(text.slice(0, end + 4)).length);
        return text.slice(0, end);
      }
      if (!(await this.#fill())) return text;
    }
  }

  /** Sends the WebSocket upgrade request; returns the response head. */
  upgrade(path = "/v1/messages/json", extra: Record<string, string> = {}): Promise<string> {
    return this.request(path, {
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version": "13",
      ...extra,
    });
  }

  /** Sends a masked text frame. */
  async sendText(text: string): Promise<void> {
    const payload = ENC.encode(text);
    if (payload.length >= 126) throw new RangeError("Frame too long for this helper");
    const mask = [1, 2, 3, 4];
    const frame = new Uint8Array(6 + payload.length);
    frame.set([0x81, 0x80 | payload.length, ...mask]);
    payload.forEach((b, i) => (frame[6 + i] = b ^ mask[i % 4]!));
    await this.conn.write(frame);
  }

  /** Reads one frame; `undefined` at end of stream. */
  async readFrame(): Promise<RawFrame | undefined> {
    if (!(await this.#need(2))) return undefined;
    const opcode = this.#buf[0]! & 0x0f;
    let len = this.#buf[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (!(await this.#need(4))) return undefined;
      len = (this.#buf[2]! << 8) | this.#buf[3]!;
      off = 4;
    } else if (len === 127) {
      throw new RangeError("64-bit frame lengths are not needed here");
    }
    if (!(await this.#need(off + len))) return undefined;
    const payload = this.#buf.slice(off, off + len);
    this.#buf = this.#buf.subarray(off + len);
    return { opcode, payload };
  }

  /** Reads frames until a close frame; returns the text frames and the close code/reason. */
  async readUntilClose(): Promise<{ texts: string[]; close?: { code: number; reason: string } }> {
    const texts: string[] = [];
    for (;;) {
      const f = await this.readFrame();
      if (!f) return { texts };
      if (f.opcode === 1) texts.push(DEC.decode(f.payload));
      if (f.opcode === 8) {
        const code = f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : 1005;
        return { texts, close: { code, reason: DEC.decode(f.payload.subarray(2)) } };
      }
    }
  }

  /** Closes the TCP connection. */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  async #need(n: number): Promise<boolean> {
    while (this.#buf.length < n) if (!(await this.#fill())) return false;
    return true;
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(16 * 1024);
    let n: number | null;
    try {
      n = await this.conn.read(chunk);
    } catch {
      n = null;
    }
    if (n === null) {
      this.#eof = true;
      return false;
    }
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }
}

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/**
 * Descriptors of this process (entries of `/proc/self/fd`) that are TCP sockets with `port` at
 * either end: the listener plus both ends of every connection to it. Unlike the whole
 * `/proc/self/fd` count, it is not disturbed by test files running in parallel.
 */
export function socketFdsOnPort(port: number): number {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1]!.split(":")[1]!, 16);
      const remote = parseInt(cols[2]!.split(":")[1]!, 16);
      if ((local === port || remote === port) && cols[9] !== "0") inodes.add(cols[9]!);
    }
  }
  let n = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let link: string;
    try {
      link = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1]!)) n++;
  }
  return n;
}

export { freePort } from "../../tests/_ports.ts";

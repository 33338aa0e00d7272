/**
 * Fuzzes the WebSocket API. Most cases are bad data messages on a subscribed connection (not
 * JSON, not an object, unknown `@data-type`, no topic, wrong event shapes, deep nesting, huge
 * strings, binary and invalid UTF-8 frames); some open a new connection with a bad first message
 * (not an array, non-string topics, too many or too long topics, binary, nothing at all); some
 * send a bad HTTP upgrade request over raw TCP. Prints `sent N errors E closes C` (E: error
 * replies received, C: connections the server closed).
 *
 * Usage: deno run -A ws_fuzz.ts <host> <port> <count> <seed>
 *
 * @module
 */

const [host = "", portArg = "0", countArg = "1000", seedArg = "1"] = Deno.args;
if (!host) throw new TypeError("usage: ws_fuzz.ts <host> <port> <count> <seed>");
const port = Number(portArg);
const count = Number(countArg);
let seed = (Number(seedArg) >>> 0) || 1;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const url = `ws://${host}:${port}/v1/messages/json`;
const enc = new TextEncoder();

let errors = 0, closes = 0;

/** A subscribed connection that counts replies. */
class Conn {
  ws: WebSocket;
  open: Promise<boolean>;
  replies = 0;
  closed = false;
  constructor(first: string | Uint8Array | undefined) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.open = new Promise((resolve) => {
      this.ws.onopen = () => {
        if (first !== undefined) this.ws.send(first);
        resolve(true);
      };
      this.ws.onerror = () => resolve(false);
    });
    this.ws.onmessage = (e) => {
      this.replies++;
      if (typeof e.data === "string" && e.data.includes('"error"')) errors++;
    };
    this.ws.onclose = () => {
      if (!this.closed) closes++;
      this.closed = true;
    };
  }
  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise((r) => this.ws.addEventListener("close", r, { once: true }));
    this.closed = true;
    try {
      this.ws.close();
    } catch { /* already closing */ }
    await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
  }
}

function junkString(n: number): string {
  return Array.from({ length: n }, () => String.fromCharCode(32 + (rand() % 95))).join("");
}

function nested(depth: number): string {
  return `{"@data-type":"vector","data":[`.repeat(depth) + "1" + "]}".repeat(depth);
}

function badData(): string | Uint8Array {
  const topic = "zeek.cluster.node.worker-1.";
  switch (rand() % 14) {
    case 0:
      return junkString(rand() % 100);
    case 1:
      return "[1,2,3]";
    case 2:
      return `{"type":"data-message","@data-type":"nope","data":1,"topic":"${topic}"}`;
    case 3:
      return `{"type":"data-message","@data-type":"vector","data":[]}`;
    case 4:
      return `{"type":"data-message","topic":"${topic}","@data-type":"vector","data":[{"@data-type":"count","data":1}]}`;
    case 5:
      return `{"type":"data-message","topic":"${topic}","@data-type":"count","data":-5}`;
    case 6:
      return `{"type":"data-message","topic":"${topic}",${nested(200).slice(1)}`;
    case 7:
      return `{"type":"data-message","topic":"${
        "t".repeat(5000)
      }","@data-type":"string","data":"x"}`;
    case 8:
      return `{"type":"data-message","topic":"${topic}","@data-type":"string","data":"${
        "x".repeat(100_000)
      }"}`;
    case 9:
      return Uint8Array.from({ length: 1 + (rand() % 64) }, () => rand() & 0xff);
    case 10:
      return Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]);
    case 11:
      return `{"type":"data-message","topic":"${topic}","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Chaos::ping"},{"@data-type":"real","data":"NaN"}]}]}`;
    case 12:
      return "null";
    default:
      return `{"type":"data-message","topic":"${topic}","@data-type":"real","data":1}`;
  }
}

function badFirst(): string | Uint8Array | undefined {
  switch (rand() % 8) {
    case 0:
      return junkString(20);
    case 1:
      return `{"topics":["a"]}`;
    case 2:
      return "[1,2]";
    case 3:
      return JSON.stringify(Array.from({ length: 2000 }, (_, i) => `t${i}`));
    case 4:
      return JSON.stringify(["x".repeat(3000)]);
    case 5:
      return Uint8Array.from([0x5b, 0xff, 0x5d]);
    case 6:
      return undefined;
    default:
      return `[${nested(300)}]`;
  }
}

async function badUpgrade(): Promise<void> {
  const requests = [
    `GET /v1/messages/json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    `GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    `GET /v1/messages/json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Application-Name: bad name!\r\n\r\n`,
    `POST /v1/messages/json HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`,
    junkString(200),
  ];
  try {
    const conn = await Deno.connect({ hostname: host, port });
    try {
      await conn.write(enc.encode(requests[rand() % requests.length]!));
      const buf = new Uint8Array(1024);
      await Promise.race([
        conn.read(buf).catch(() => null),
        new Promise((r) => setTimeout(r, 300)),
      ]);
    } finally {
      conn.close();
    }
  } catch {
    // refused/reset
  }
}

let main = new Conn(JSON.stringify(["chaos.fuzz."]));
await main.open;
let sent = 0, outstanding = 0;
for (let i = 0; i < count; i++) {
  const kind = rand() % 20;
  if (kind === 0) {
    await badUpgrade();
  } else if (kind <= 2) {
    const c = new Conn(badFirst());
    await c.open;
    await new Promise((r) => setTimeout(r, 5));
    await c.close();
  } else {
    if (main.closed) {
      main = new Conn(JSON.stringify(["chaos.fuzz."]));
      outstanding = 0;
      await main.open;
    }
    try {
      main.ws.send(badData());
      outstanding++;
    } catch { /* closed under us */ }
    // Keep at most ~64 cases unanswered (the server answers each bad message with an error).
    for (let w = 0; outstanding - main.replies > 64 && w < 100 && !main.closed; w++) {
      await new Promise((r) => setTimeout(r, 2));
    }
    if (main.closed) outstanding = 0;
  }
  sent++;
}
await new Promise((r) => setTimeout(r, 300));
await main.close();
console.log(`sent ${sent} errors ${errors} closes ${closes}`);

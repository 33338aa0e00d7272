/**
 * Fuzzes a metrics HTTP listener over raw TCP, 16 connections at a time: random bytes, partial
 * requests, unknown methods, odd and huge paths, huge and numerous headers, bad versions, broken
 * chunked bodies and lengths, non-UTF-8 request lines, an HTTP/2 preface, a TLS ClientHello.
 * Prints `sent N answered A statuses S` (S: counts per status code).
 *
 * Usage: deno run -A http_fuzz.ts <host> <port> <count> <seed>
 *
 * @module
 */

const [host = "", portArg = "0", countArg = "1000", seedArg = "1"] = Deno.args;
if (!host) throw new TypeError("usage: http_fuzz.ts <host> <port> <count> <seed>");
const port = Number(portArg);
const count = Number(countArg);
let seed = (Number(seedArg) >>> 0) || 1;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand() & 0xff);
const enc = new TextEncoder();
const dec = new TextDecoder();

function junk(n: number): string {
  return Array.from({ length: n }, () => String.fromCharCode(33 + (rand() % 94))).join("");
}

function request(): Uint8Array {
  const h = `Host: ${host}\r\n`;
  switch (rand() % 16) {
    case 0:
      return bytes(1 + (rand() % 2000));
    case 1:
      return enc.encode(`GET /metrics HTTP/1.1\r\n${h}`);
    case 2:
      return enc.encode(`FOO /metrics HTTP/1.1\r\n${h}\r\n`);
    case 3:
      return enc.encode(`GET /metrics/../../etc/passwd HTTP/1.1\r\n${h}\r\n`);
    case 4:
      return enc.encode(`GET /%00%ff HTTP/1.1\r\n${h}\r\n`);
    case 5:
      return enc.encode(`GET /${"A".repeat(20_000)} HTTP/1.1\r\n${h}\r\n`);
    case 6:
      return enc.encode(`GET /metrics HTTP/1.1\r\n${h}X-Big: ${"a".repeat(70_000)}\r\n\r\n`);
    case 7:
      return enc.encode(
        `GET /metrics HTTP/1.1\r\n${h}${
          Array.from({ length: 500 }, (_, i) => `X-${i}: ${junk(8)}\r\n`).join("")
        }\r\n`,
      );
    case 8:
      return enc.encode(`GET /metrics HTTP/9.9\r\n${h}\r\n`);
    case 9:
      return enc.encode(
        `POST /metrics HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\nzz\r\n${junk(10)}`,
      );
    case 10:
      return enc.encode(`POST /metrics HTTP/1.1\r\n${h}Content-Length: -5\r\n\r\nabc`);
    case 11:
      return Uint8Array.from([
        ...enc.encode("GET /"),
        0xff,
        0xfe,
        0x80,
        ...enc.encode(` HTTP/1.1\r\n${h}\r\n`),
      ]);
    case 12:
      return enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + junk(30));
    case 13:
      return Uint8Array.from([
        0x16,
        0x03,
        0x01,
        0x00,
        0xa5,
        0x01,
        0x00,
        0x00,
        0xa1,
        0x03,
        0x03,
        ...bytes(60),
      ]);
    case 14:
      return enc.encode(`GET /services.json?${junk(200)} HTTP/1.1\r\n${h}\r\n`);
    default:
      return enc.encode(`GET ${junk(50)} HTTP/1.0\r\n\r\n`);
  }
}

let sent = 0, answered = 0;
const statuses = new Map<string, number>();

async function one(): Promise<void> {
  const payload = request();
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: host, port });
    await conn.write(payload);
    const buf = new Uint8Array(256);
    const n = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<null>((r) => setTimeout(() => r(null), 300)),
    ]);
    if (n) {
      answered++;
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(dec.decode(buf.subarray(0, n)))?.[1] ??
        "other";
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  } catch {
    // reset or refused: the server may drop a bad connection.
  } finally {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < count) {
    next++;
    await one();
    sent++;
  }
}));
console.log(
  `sent ${sent} answered ${answered} statuses ${
    [...statuses].map(([s, n]) => `${s}:${n}`).join(",")
  }`,
);

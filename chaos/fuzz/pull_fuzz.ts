/**
 * Fuzzes a logger's PULL socket: a PUSH sends `count` malformed `log-write` messages (wrong frame
 * counts 1, 2, 3, 5 and 100, empty and random batches, truncated and mutated valid batches, bad
 * serializer names, non-UTF-8 sender and format frames, a 1 MiB frame every 2,500 cases and, with
 * `big`, one 64 MiB frame), and every 50th case a raw TCP connection writes bytes that are not
 * ZMTP. Then it sends one valid batch to path `fuzzgood` whose record has `seq` = seed, and prints
 * `sent N`.
 *
 * Usage: deno run -A pull_fuzz.ts <tcp://host:port> <count> <seed> [big]
 *
 * @module
 */
import * as zmq from "zeromq";
import { encodeLogBatch, type LogBatchData } from "../../lib/logging/wire/batch_codec.ts";
import type { LogField } from "../../lib/logging/schema/schema.ts";

const [endpoint, countArg = "1000", seedArg = "1", big = ""] = Deno.args;
if (!endpoint) throw new TypeError("usage: pull_fuzz.ts <endpoint> <count> <seed> [big]");
const count = Number(countArg);
const seed0 = Number(seedArg) >>> 0;
let seed = seed0 || 1;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand() & 0xff);
const enc = new TextEncoder();

const FIELDS: LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "node", type: "string", optional: false },
  { name: "seq", type: "count", optional: false },
];

function batch(path: string, node: string, seq: number, n: number): Uint8Array {
  const data: LogBatchData = {
    streamName: "Chaos::LOG",
    writerName: "Log::WRITER_ASCII",
    filterName: "default",
    path,
    fields: FIELDS,
    records: Array.from({ length: n }, (_, i) => [Date.now() / 1000, node, BigInt(seq + i)]),
  };
  return encodeLogBatch(data);
}

const good = batch("fuzz", "fuzzer", 0, 5);

function mutate(src: Uint8Array): Uint8Array {
  const cut = rand() % 3 === 0 ? rand() % src.length : 0;
  const out = src.slice(0, src.length - cut);
  for (let i = rand() % 4; i >= 0 && out.length > 0; i--) out[rand() % out.length] = rand() & 0xff;
  return out;
}

function message(i: number): Uint8Array[] {
  const t = enc.encode("log-write");
  const s = enc.encode("fuzzer");
  const f = enc.encode("zeek-bin-serializer");
  if (i > 0 && i % 2500 === 0) return [t, s, f, bytes(1024 * 1024)];
  switch (rand() % 12) {
    case 0:
      return [t];
    case 1:
      return [t, s];
    case 2:
      return [t, s, f];
    case 3:
      return [t, s, f, good, enc.encode("extra")];
    case 4:
      return Array.from({ length: 100 }, () => t);
    case 5:
      return [t, s, f, bytes(rand() % 200)];
    case 6:
      return [t, s, f, mutate(good)];
    case 7:
      return [t, s, enc.encode("no-such-format"), good];
    case 8:
      return [t, Uint8Array.from([0xff, 0xfe, 0x80]), f, good];
    case 9:
      return [t, s, f, new Uint8Array(0)];
    case 10:
      return [t, s, Uint8Array.from([0xc3, 0x28]), mutate(good)];
    default:
      return [t, s, f, good.slice(0, rand() % good.length)];
  }
}

async function rawGarbage(host: string, port: number): Promise<void> {
  try {
    const conn = await Deno.connect({ hostname: host, port });
    try {
      await conn.write(
        rand() % 2 ? bytes(1 + (rand() % 300)) : enc.encode("GET / HTTP/1.1\r\n\r\n"),
      );
    } finally {
      conn.close();
    }
  } catch {
    // Refused or reset: also fine.
  }
}

const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(endpoint);
const push = new zmq.Push({ linger: 3000, sendHighWaterMark: 100_000 });
push.connect(endpoint);

async function send(frames: Uint8Array[]): Promise<boolean> {
  for (let i = 0; i < 2000 && !push.writable; i++) await new Promise((r) => setTimeout(r, 1));
  if (!push.writable) return false;
  await push.send(frames);
  return true;
}

let sent = 0;
if (big === "big") {
  if (
    await send([
      enc.encode("log-write"),
      enc.encode("fuzzer"),
      enc.encode("zeek-bin-serializer"),
      new Uint8Array(64 * 1024 * 1024),
    ])
  ) {
    sent++;
  }
}
for (let i = 0; i < count; i++) {
  if (m && i % 50 === 49) {
    await rawGarbage(m[1]!, Number(m[2]));
    sent++;
    continue;
  }
  if (await send(message(i))) sent++;
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
}
const goodAt = Date.now();
await send([
  enc.encode("log-write"),
  enc.encode("fuzzer-good"),
  enc.encode("zeek-bin-serializer"),
  batch("fuzzgood", "fuzz-good", seed0, 1),
]);
await new Promise((r) => setTimeout(r, 300));
push.close();
console.log(`sent ${sent} good-at ${goodAt}`);

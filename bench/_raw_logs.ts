/**
 * BASELINE ONLY, NEVER IMPORTED BY THE PRODUCT. The raw zeromq.js side of the logs benchmark (run
 * by `bench/logs.ts`): the same bytes as zcluster's log path with none of its work.
 *
 * - `logger`: a bound PULL (RCVHWM 1000, as zcluster's) polled like zcluster's pump (never a
 *   pending `receive()`, perf-reliability-anchors.md §0); every message's batch frame is written
 *   as is to `bench.log` with a synchronous write, no decoding or formatting. It writes `result`
 *   once it has received and written `messages` messages (`lastMs` = after the last write).
 * - `worker`: a PUSH (SNDHWM 1000) connected to the logger; on `go` it sends `records / 1000`
 *   4-frame messages `[log-write, sender, zeek-bin-serializer, batch]`, where `batch` is one
 *   zcluster-encoded batch of 1000 records, encoded once before the run; it sends only while the
 *   socket is `writable` (1 ms sleeps otherwise), so nothing is dropped.
 *
 * @module
 */
import * as zmq from "zeromq";
import { createStream, encodeLogBatch, validateRecord, WRITER_ASCII } from "../lib/logging/mod.ts";
import { LOG_SERIALIZER_NAME } from "../lib/logging/wire/batch_codec.ts";
import { emit, hostMs, immediate, sleep, StdinWords } from "./_child.ts";
import { BENCH_COLUMNS, BENCH_LOG, benchRecord } from "./_logs_node.ts";

/** What a raw process is told, as one JSON argument. */
export interface RawLogsConfig {
  readonly role: "logger" | "worker";
  readonly name: string;
  /** The logger's PULL endpoint. */
  readonly endpoint: string;
  /** Logger: the file to write. */
  readonly file?: string;
  /** Logger: messages to wait for. Worker: records to send (a multiple of 1000). */
  readonly messages?: number;
  readonly records?: number;
  /** The sender frame (as long as a zcluster node id). */
  readonly sender?: string;
  readonly hardTimeoutMs: number;
}

const BATCH = 1000;
const enc = new TextEncoder();

/** One zcluster-encoded batch of 1000 `Bench::LOG` records of `node`. */
export function benchBatch(node: string): Uint8Array {
  const stream = createStream(BENCH_LOG, { path: "bench", columns: BENCH_COLUMNS });
  const records = Array.from(
    { length: BATCH },
    (_, seq) => validateRecord(stream.fields, benchRecord(node, seq), { stream: BENCH_LOG }),
  );
  return encodeLogBatch({
    streamName: BENCH_LOG,
    writerName: WRITER_ASCII,
    filterName: "default",
    path: "bench",
    fields: stream.fields,
    records,
  });
}

async function runLogger(config: RawLogsConfig): Promise<void> {
  const pull = new zmq.Pull({ receiveHighWaterMark: 1000, linger: 0 });
  await pull.bind(config.endpoint);
  const file = Deno.openSync(config.file!, { write: true, create: true, truncate: true });
  emit({ type: "ready", name: config.name });
  const want = config.messages ?? 0;
  let received = 0, firstMs = 0, lastMs = 0, idle = 0;
  while (received < want) {
    let n = 0;
    while (n < 100 && pull.readable) {
      const frames = await pull.receive();
      const batch = frames[3]!;
      for (let off = 0; off < batch.byteLength;) off += file.writeSync(batch.subarray(off));
      if (received++ === 0) firstMs = hostMs();
      n++;
    }
    if (n > 0) idle = 0;
    if (idle === 0 && n > 0) await immediate();
    else await sleep(Math.min(2 ** idle++, 4));
  }
  lastMs = hostMs();
  file.close();
  emit({ type: "result", received, firstMs, lastMs, p50Ms: 0, p99Ms: 0, maxMs: 0, dropped: 0 });
  pull.close();
}

async function runWorker(config: RawLogsConfig): Promise<void> {
  const push = new zmq.Push({ sendHighWaterMark: 1000, linger: 5000 });
  push.connect(config.endpoint);
  const frames = [
    enc.encode("log-write"),
    enc.encode(config.sender ?? config.name),
    enc.encode(LOG_SERIALIZER_NAME),
    benchBatch(config.name),
  ];
  emit({ type: "ready", name: config.name });
  if ((await new StdinWords().next()) !== "go") return;
  const start = hostMs();
  const messages = Math.floor((config.records ?? 0) / BATCH);
  for (let i = 0; i < messages;) {
    if (!push.writable) {
      await sleep(1);
      continue;
    }
    await push.send(frames);
    i++;
    if (i % 10 === 0) await immediate();
  }
  emit({
    type: "done",
    name: config.name,
    sent: messages * BATCH,
    dropped: 0,
    retries: 0,
    elapsedMs: hostMs() - start,
  });
  push.close();
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0] ?? "{}") as RawLogsConfig;
  const timer = setTimeout(() => Deno.exit(3), config.hardTimeoutMs);
  Deno.unrefTimer(timer);
  await (config.role === "logger" ? runLogger(config) : runWorker(config));
  // Let linger deliver the last messages.
  await sleep(config.role === "worker" ? 2000 : 0);
  Deno.exit(0);
}

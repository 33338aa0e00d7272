import assert from "node:assert/strict";
import type { Logger } from "../diagnostics/logger.ts";
import { SerializationError } from "../errors.ts";
import { LogWriterManager } from "./files/writer_manager.ts";
import { LogService } from "./log_service.ts";
import { BatchSink, FileSink } from "./sink.ts";
import { decodeLogBatch, LOG_SERIALIZER_NAME } from "./wire/batch_codec.ts";

const noopLogger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const COLUMNS = { ts: "time", note: "string" } as const;
const T0 = 1_764_000_000;

function service(sink: FileSink | BatchSink): LogService {
  return new LogService({
    sink,
    clock: { now: () => T0, monotonicMs: () => 0 } as never,
    logger: noopLogger,
    bufferSize: 2,
    flushIntervalMs: 3_600_000,
  });
}

Deno.test("a LogService over a BatchSink sends full batches, then the rest on dispose", async () => {
  const sent: Uint8Array[] = [];
  const sink = new BatchSink((b) => (sent.push(b.slice()), true));
  const log = service(sink);
  assert.equal(log.isLocal, false);
  log.createStream("Site::LOG", { path: "site", columns: COLUMNS });
  for (const note of ["a", "b", "c"]) log.write("Site::LOG", { ts: T0, note });
  assert.equal(sent.length, 1);
  await log[Symbol.asyncDispose]();
  assert.deepEqual(sent.map((b) => decodeLogBatch(b).records), [[[T0, "a"], [T0, "b"]], [[
    T0,
    "c",
  ]]]);
  assert.equal(log.stats.batchesSent, 2);
  // A node that sends its logs writes none it receives.
  assert.equal(log.receiveBatch({ sender: "w", format: LOG_SERIALIZER_NAME, batch: sent[0]! }), 0);
  assert.equal(log.stats.badBatches, 1);
  assert.throws(() => sink.receive(), SerializationError);
});

Deno.test("a LogService over a FileSink writes its records and received batches to files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sent: Uint8Array[] = [];
    const remote = service(new BatchSink((b) => (sent.push(b.slice()), true)));
    remote.createStream("Site::LOG", { path: "site", columns: COLUMNS });
    remote.write("Site::LOG", { ts: T0, note: "remote" });
    await remote[Symbol.asyncDispose]();

    await using files = await LogWriterManager.create({ dir, flushIntervalMs: 0 });
    const log = service(new FileSink(files));
    assert.equal(log.isLocal, true);
    log.createStream("Site::LOG", { path: "site", columns: COLUMNS });
    assert.equal(log.write("Site::LOG", { ts: T0, note: "local" }), true);
    assert.equal(
      log.receiveBatch({ sender: "w", format: LOG_SERIALIZER_NAME, batch: sent[0]! }),
      1,
    );
    await log[Symbol.asyncDispose]();
    const lines = (await Deno.readTextFile(`${dir}/site.log`)).split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(lines, [`${T0}.000000\tlocal`, `${T0}.000000\tremote`]);
    assert.equal(log.stats.recordsReceived, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { SerializationError } from "../../errors.ts";
import { decodeLogBatchHeader } from "../wire/_batch_decoder.ts";
import { randomRecord, Rng } from "../schema/_random_records.ts";
import { AsciiFormatter } from "./ascii_writer.ts";
import { decodeLogBatch, encodeLogBatch } from "../wire/batch_codec.ts";
import { LogFileWriter, type LogFileWriterOptions } from "./log_file.ts";
import { createStream, type LogRow, validateRecord } from "../schema/schema.ts";

const STREAM = createStream("Test::LOG", {
  path: "test",
  columns: { ts: "time", s: "string", n: "count", v: "vector[string]", a: "addr" },
});

class ManualClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every file of a directory, name → text. */
async function readAll(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    out[e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
  }
  return out;
}

function batches(seed: number, count: number, size: number): Uint8Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () =>
    encodeLogBatch({
      streamName: STREAM.id,
      writerName: "Log::WRITER_ASCII",
      filterName: "default",
      path: "test",
      fields: STREAM.fields,
      records: Array.from(
        { length: size },
        () => validateRecord(STREAM.fields, randomRecord(rng, STREAM.columns)),
      ),
    }));
}

/** The same steps through write() (decoded rows) and through writeEncoded(). */
async function bothWays(
  steps: (w: { batch(b: Uint8Array): void; writer: LogFileWriter; clock: ManualClock }) => Promise<
    void
  >,
  options: Partial<LogFileWriterOptions> = {},
): Promise<[Record<string, string>, Record<string, string>]> {
  const out: Record<string, string>[] = [];
  for (const encoded of [false, true]) {
    await withDir(async (dir) => {
      const clock = new ManualClock(new Date(2026, 0, 1, 10, 0, 1).getTime() / 1000);
      const writer = new LogFileWriter({
        dir,
        path: "test",
        fields: STREAM.fields,
        clock,
        ...options,
      });
      const batch = (b: Uint8Array) => {
        if (!encoded) {
          for (const row of decodeLogBatch(b).records) writer.write(row);
          return;
        }
        const head = decodeLogBatchHeader(b);
        writer.writeEncoded(b, head.recordsOffset, head.numRecords);
      };
      await steps({ batch, writer, clock });
      await writer.close();
      out.push(await readAll(dir));
    });
  }
  return [out[0]!, out[1]!];
}

Deno.test("LogFileWriter.writeEncoded() writes the files write() writes, across rotations", async () => {
  const bs = batches(5, 6, 40);
  const [rows, encoded] = await bothWays(async ({ batch, writer, clock }) => {
    batch(bs[0]!);
    const pending = writer.flush(); // queued, not awaited: the rotation cut must still hold
    clock.t += 10; // past the 10:00:10 boundary
    batch(bs[1]!);
    batch(bs[2]!);
    await pending;
    await writer.flush();
    clock.t += 10;
    await writer.tick();
    batch(bs[3]!);
    writer.flush();
    writer.flush();
    clock.t += 10;
    batch(bs[4]!);
    await writer.rotate();
    batch(bs[5]!);
  }, { rotationIntervalSec: 10 });
  assert.deepEqual(Object.keys(encoded).sort(), Object.keys(rows).sort());
  assert.equal(Object.keys(rows).length, 5);
  assert.deepEqual(encoded, rows);
  // Each period holds exactly the batches written in it: the cut falls between batches.
  const fmt = new AsciiFormatter(STREAM.fields);
  const text = (b: Uint8Array) => decodeLogBatch(b).records.map((r) => fmt.formatRow(r)).join("");
  const bodies = Object.values(encoded).map((t) => t.replace(/^#.*\n/gm, "")).sort();
  const want = [
    text(bs[0]!),
    text(bs[1]!) + text(bs[2]!),
    text(bs[3]!),
    text(bs[4]!),
    text(bs[5]!),
  ];
  assert.deepEqual(bodies, want.sort());
});

Deno.test("LogFileWriter.writeEncoded() drops past the pending bound as write() does", async () => {
  const bs = batches(6, 3, 30);
  const stats: unknown[] = [];
  const [rows, encoded] = await bothWays(async ({ batch, writer }) => {
    for (const b of bs) batch(b);
    await writer.flush();
    stats.push(writer.stats());
  }, { maxPendingBytes: 2000, bufferBytes: 1 << 20 });
  assert.deepEqual(encoded, rows);
  assert.deepEqual(stats[1], stats[0]);
  assert.ok((stats[0] as { dropped: number }).dropped > 0);
});

Deno.test("LogFileWriter.flush() calls made while one is queued share its write-out", () =>
  withDir(async (dir) => {
    const w = new LogFileWriter({ dir, path: "test", fields: STREAM.fields });
    const [b] = batches(7, 1, 10);
    const head = decodeLogBatchHeader(b!);
    w.writeEncoded(b!, head.recordsOffset, head.numRecords);
    const first = w.flush();
    w.writeEncoded(b!, head.recordsOffset, head.numRecords);
    assert.equal(w.flush(), first);
    await first;
    assert.equal(w.stats().written, 20);
    const third = w.flush();
    assert.notEqual(third, first);
    await w.close();
  }));

Deno.test("LogFileWriter.writeEncoded() refuses a malformed batch whole", () =>
  withDir(async (dir) => {
    const w = new LogFileWriter({ dir, path: "test", fields: STREAM.fields });
    const [b] = batches(8, 1, 10);
    const head = decodeLogBatchHeader(b!);
    w.writeEncoded(b!, head.recordsOffset, head.numRecords);
    const cut = b!.subarray(0, b!.length - 3);
    assert.throws(
      () => w.writeEncoded(cut, head.recordsOffset, head.numRecords),
      SerializationError,
    );
    const longer = new Uint8Array(b!.length + 1);
    longer.set(b!);
    assert.throws(
      () => w.writeEncoded(longer, head.recordsOffset, head.numRecords),
      SerializationError,
    );
    await w.close();
    assert.equal(w.stats().records, 10);
    const rows: LogRow[] = decodeLogBatch(b!).records as LogRow[];
    const text = await Deno.readTextFile(`${dir}/test.log`);
    assert.equal(text.split("\n").filter((l) => l && l[0] !== "#").length, rows.length);
  }));

Deno.test("LogFileWriter.writesEncoded is false for JSON and multi-character separators", async () => {
  await withDir(async (dir) => {
    const json = new LogFileWriter({ dir, path: "a", fields: STREAM.fields, format: "json" });
    const sep = new LogFileWriter({
      dir,
      path: "b",
      fields: STREAM.fields,
      ascii: { separator: "::" },
    });
    const ascii = new LogFileWriter({ dir, path: "c", fields: STREAM.fields });
    assert.deepEqual([json.writesEncoded, sep.writesEncoded, ascii.writesEncoded], [
      false,
      false,
      true,
    ]);
    assert.throws(() => json.writeEncoded(new Uint8Array(0), 0, 0), TypeError);
    await Promise.all([json.close(), sep.close(), ascii.close()]);
  });
});

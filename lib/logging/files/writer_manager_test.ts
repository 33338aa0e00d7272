import assert from "node:assert/strict";
import { decodeLogBatch, encodeLogBatch, type LogBatchData } from "../wire/batch_codec.ts";
import { LogWriterManager, WRITER_ASCII } from "./writer_manager.ts";
import type { PostProcessCall } from "./rotation.ts";
import { createStream, type LogField } from "../schema/schema.ts";

const FIELDS: readonly LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "node", type: "string", optional: false },
  { name: "message", type: "string", optional: false },
];

class ManualClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

function batch(
  path: string,
  records: LogBatchData["records"],
  extra: Partial<LogBatchData> = {},
): LogBatchData {
  return {
    streamName: "Cluster::LOG",
    writerName: WRITER_ASCII,
    filterName: "default",
    path,
    fields: FIELDS,
    records,
    ...extra,
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const dataLines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
const T0 = new Date(2026, 10, 25, 10, 24, 28).getTime() / 1000;

Deno.test("LogWriterManager routes decoded batches to one file per path and counts them", () =>
  withDir(async (dir) => {
    const errors: Error[] = [];
    const clock = new ManualClock(T0);
    await using logs = await LogWriterManager.create({
      dir,
      clock,
      flushIntervalMs: 0,
      onError: (e) => errors.push(e),
    });
    const wire = encodeLogBatch(batch("cluster", [[T0, "worker-1", "a"], [T0, "worker-1", "b"]]));
    assert.equal(logs.writeBatch(decodeLogBatch(wire)), 2);
    assert.equal(logs.writeBatch(batch("other", [[T0, "m", "c"]])), 1);
    assert.equal(logs.writeBatch(batch("../escape", [[T0, "m", "x"]])), 0);
    assert.equal(
      logs.writeBatch(batch("cluster", [[T0, "m", "x"]], { writerName: "Log::WRITER_SQLITE" })),
      0,
    );
    assert.equal(
      logs.writeBatch(batch("cluster", [[T0, "m", "x"]], { writerName: "Log::WRITER_NONE" })),
      0,
    );
    assert.equal(
      logs.writeBatch(
        batch("cluster", [[1n]], { fields: [{ name: "n", type: "count", optional: false }] }),
      ),
      0,
    );
    await logs.flush();
    assert.deepEqual(dataLines(await Deno.readTextFile(`${dir}/cluster.log`)), [
      `${T0}.000000\tworker-1\ta`,
      `${T0}.000000\tworker-1\tb`,
    ]);
    assert.deepEqual(dataLines(await Deno.readTextFile(`${dir}/other.log`)), [
      `${T0}.000000\tm\tc`,
    ]);
    const c = logs.counters();
    assert.deepEqual(c.writers.map((w) => [w.writer, w.path, w.records, w.written]), [
      [WRITER_ASCII, "cluster", 2, 2],
      [WRITER_ASCII, "other", 1, 1],
    ]);
    assert.equal(c.rejected, 3);
    assert.equal(c.errors, 3);
    assert.deepEqual(errors.map((e) => e.message), [
      'Cannot write log "../escape": invalid path',
      'Cannot write log "cluster": unsupported writer "Log::WRITER_SQLITE"',
      `Cannot write log "cluster": fields differ from the open file's`,
    ]);
  }));

Deno.test("LogWriterManager.write() validates local records and applies the stream policy", () =>
  withDir(async (dir) => {
    const stream = createStream("Cluster::LOG", {
      path: "cluster",
      columns: { ts: "time", node: "string", message: "string" },
      policy: (r) => r.message !== "secret",
    });
    await using logs = await LogWriterManager.create({
      dir,
      clock: new ManualClock(T0),
      flushIntervalMs: 0,
      format: "json",
    });
    assert.equal(logs.write(stream, { ts: 1.5, node: "logger", message: "hi" }), true);
    assert.equal(logs.write(stream, { ts: 1.5, node: "logger", message: "secret" }), false);
    assert.throws(
      () => logs.write(stream, { ts: "x", node: "logger", message: "m" }),
      /stream "cluster": field "ts"/,
    );
    await logs.flush();
    assert.equal(
      await Deno.readTextFile(`${dir}/cluster.log`),
      '{"ts":1.5,"node":"logger","message":"hi"}\n',
    );
  }));

Deno.test("LogWriterManager rotates on tick and at shutdown, and recovers leftovers at start", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/cluster.log`,
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n" +
        "#unset_field\t-\n#path\tcluster\n#open\t2026-11-25-09-00-00\n#fields\tts\n#types\ttime\n1.000000\n",
    );
    const clock = new ManualClock(T0 + 0.5);
    const calls: PostProcessCall[] = [];
    const logs = await LogWriterManager.create({
      dir,
      clock,
      flushIntervalMs: 0,
      rotationIntervalSec: 5,
      postProcessor: (c) => {
        calls.push(c);
      },
    });
    assert.deepEqual(logs.recovered.map((r) => r.rotated), ["cluster.2026-11-25-09-00-00.log"]);
    logs.writeBatch(batch("cluster", [[T0, "w", "tick 1"]]));
    await logs.tick();
    clock.t = T0 + 2.1; // 10:24:30.1
    logs.writeBatch(batch("cluster", [[clock.t, "w", "tick 2"]]));
    await logs.tick();
    clock.t = T0 + 4;
    await logs.close();
    await logs.close();
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), [
      "cluster.2026-11-25-09-00-00.log",
      "cluster.2026-11-25-10-24-28.log",
      "cluster.2026-11-25-10-24-30.log",
    ]);
    assert.deepEqual(calls.map((c) => [c.argv[0], c.argv[4]]), [
      ["cluster.2026-11-25-09-00-00.log", "0"],
      ["cluster.2026-11-25-10-24-28.log", "0"],
      ["cluster.2026-11-25-10-24-30.log", "1"],
    ]);
    assert.deepEqual(dataLines(await Deno.readTextFile(`${dir}/cluster.2026-11-25-10-24-30.log`)), [
      `${(T0 + 2.1).toFixed(6)}\tw\ttick 2`,
    ]);
    assert.equal(logs.counters().recovered, 1);
  }));

Deno.test("LogWriterManager flushes on its own timer", () =>
  withDir(async (dir) => {
    await using logs = await LogWriterManager.create({ dir, flushIntervalMs: 10 });
    logs.writeRows("timer", FIELDS, [[1, "n", "m"]]);
    for (let i = 0; i < 200; i++) {
      const text = await Deno.readTextFile(`${dir}/timer.log`).catch(() => "");
      if (text.includes("\tn\tm\n")) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail("the timer never flushed");
  }));

Deno.test("LogWriterManager.writeBatch() writes a received batch out without waiting for a tick", () =>
  withDir(async (dir) => {
    // Regression: batches stayed in memory until the flush timer, so a logger killed with -9
    // lost up to a flush interval of records it had already received.
    await using logs = await LogWriterManager.create({ dir, flushIntervalMs: 0 });
    logs.writeBatch(batch("pushed", [[1, "w", "a"], [2, "w", "b"]]));
    logs.writeRows("local", FIELDS, [[1, "n", "m"]]);
    for (let i = 0; i < 500; i++) {
      const text = await Deno.readTextFile(`${dir}/pushed.log`).catch(() => "");
      if (dataLines(text).length === 2) {
        // Local records (one per write call) still wait for a flush or a tick.
        assert.equal(await Deno.readTextFile(`${dir}/local.log`).catch(() => ""), "");
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail("the batch was not written out");
  }));

Deno.test("LogWriterManager.lastBatchFile is the file the last batch's lines went to, or undefined", () =>
  withDir(async (dir) => {
    await using logs = await LogWriterManager.create({
      dir,
      flushIntervalMs: 0,
      onError: () => {},
    });
    // A function: an assertion that it is undefined would narrow the getter's type for good.
    const last = () => logs.lastBatchFile?.path;
    assert.equal(last(), undefined);
    logs.writeBatch(batch("first", [[1, "w", "a"]])); // decoded path
    assert.equal(last(), "first");
    const wire = encodeLogBatch(batch("second", [[2, "w", "b"]]));
    logs.writeEncodedBatch(wire);
    assert.equal(last(), "second");
    logs.writeEncodedBatch(wire); // the fused path, now that the file exists
    assert.equal(last(), "second");
    logs.writeRows("local", FIELDS, [[3, "n", "m"]]); // not a batch: leaves it alone
    assert.equal(last(), "second");
    const nothing = [
      batch("../escape", [[1, "w", "x"]]),
      batch("first", [[1, "w", "x"]], { writerName: "Log::WRITER_NONE" }),
      batch("first", []),
    ];
    for (const b of nothing) {
      logs.writeEncodedBatch(wire);
      logs.writeBatch(b);
      assert.equal(last(), undefined, `nothing buffered for ${b.path}`);
    }
    logs.writeEncodedBatch(wire);
    assert.throws(() => logs.writeEncodedBatch(new Uint8Array([0xff])));
    assert.equal(last(), undefined, "a malformed batch");
    await logs.flush();
    assert.deepEqual(dataLines(await Deno.readTextFile(`${dir}/second.log`)).length, 2 + 4);
  }));

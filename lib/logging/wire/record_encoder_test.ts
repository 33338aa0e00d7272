import assert from "node:assert/strict";
import type { Logger } from "../../diagnostics/logger.ts";
import { ByteSink } from "../../byte_sink.ts";
import { randomColumns, randomRecord, randomScalar, Rng } from "../schema/_random_records.ts";
import { BatchBuilder, RecordEncoder } from "./_record_encoder.ts";
import { TYPES_STREAM, typesRecords } from "../schema/_test_fixtures.ts";
import { BatchBufferPool } from "../delivery/batch_buffers.ts";
import { encodeLogBatch } from "./batch_codec.ts";
import { type LogPolicy, LogService } from "../log_service.ts";
import {
  createStream,
  type LogColumns,
  type LogField,
  type LogRow,
  type ScalarTypeName,
  validateRecord,
} from "../schema/schema.ts";

const HEAD = { streamName: "T::LOG", writerName: "Log::WRITER_ASCII", filterName: "default" };

/** The reference: validateRecord + encodeLogBatch. */
function reference(fields: readonly LogField[], rows: readonly LogRow[]): Uint8Array {
  return encodeLogBatch({ ...HEAD, path: "t", fields, records: rows });
}

/** The fused path: RecordEncoder into a BatchBuilder. */
function fused(fields: readonly LogField[], records: readonly unknown[]): Uint8Array {
  const encoder = new RecordEncoder(fields);
  const batch = new BatchBuilder({ ...HEAD, path: "t", fields });
  const offsets = new Int32Array(fields.length + 1);
  for (const r of records) {
    assert.ok(encoder.encode(r as Record<string, unknown>, batch.sink, offsets));
    batch.commit();
  }
  return batch.take();
}

Deno.test("RecordEncoder + BatchBuilder match validateRecord + encodeLogBatch on the types fixture", () => {
  const records = typesRecords();
  const rows = records.map((r) => validateRecord(TYPES_STREAM.fields, r));
  assert.deepEqual(fused(TYPES_STREAM.fields, records), reference(TYPES_STREAM.fields, rows));
});

Deno.test("BatchBuilder with a pool builds each batch right in a given-back buffer", () => {
  const rng = new Rng(99);
  const stream = createStream("T::LOG", { path: "t", columns: randomColumns(rng) });
  const pool = new BatchBufferPool(2);
  const encoder = new RecordEncoder(stream.fields);
  const batch = new BatchBuilder({ ...HEAD, path: "t", fields: stream.fields }, pool);
  const offsets = new Int32Array(stream.fields.length + 1);
  for (let round = 0; round < 20; round++) {
    // Batches of different sizes: a reused buffer still holds an earlier, longer batch.
    const records = Array.from(
      { length: 1 + (round * 7) % 13 },
      () => randomRecord(rng, stream.columns),
    );
    for (const r of records) {
      assert.ok(encoder.encode(r, batch.sink, offsets));
      batch.commit();
    }
    const bytes = batch.take();
    const rows = records.map((r) => validateRecord(stream.fields, r));
    assert.deepEqual(bytes, reference(stream.fields, rows), `round ${round}`);
    pool.give(bytes);
  }
  assert.ok(pool.stats.reused >= 10, `reused ${pool.stats.reused}`);
});

Deno.test("RecordEncoder matches the reference on 3000 random records (property)", () => {
  const rng = new Rng(1234);
  for (let schema = 0; schema < 150; schema++) {
    const stream = createStream("T::LOG", { path: "t", columns: randomColumns(rng) });
    const records = Array.from({ length: 20 }, () => randomRecord(rng, stream.columns));
    const rows = records.map((r) => validateRecord(stream.fields, r));
    assert.deepEqual(fused(stream.fields, records), reference(stream.fields, rows), `${schema}`);
  }
});

const WRONG: readonly unknown[] = [
  null,
  undefined,
  "x",
  "10.0.0.256",
  "1.2.3",
  "[1.2.3.4]",
  "01.2.3.4",
  "::ffff:1.2.3.4",
  "1.2.3.4/33",
  "::/129",
  -1,
  1.5,
  2 ** 53,
  -(2 ** 63),
  1n,
  -1n,
  2n ** 64n,
  -(2n ** 63n) - 1n,
  true,
  new Uint8Array([1]),
  { port: 80, proto: "tcp" },
  { port: 80, proto: "sctp" },
  { port: 70000, proto: "tcp" },
  { port: 1.5, proto: "udp" },
  [1],
  new Set(["a"]),
  {},
];

Deno.test("RecordEncoder accepts exactly what validateRecord accepts, value by value", () => {
  const types: ScalarTypeName[] = [
    "time",
    "interval",
    "double",
    "count",
    "int",
    "string",
    "enum",
    "bool",
    "addr",
    "subnet",
    "port",
  ];
  const rng = new Rng(99);
  for (const type of types) {
    for (const kind of ["", "set", "vector"]) {
      const t = kind === "" ? type : `${kind}[${type}]`;
      const stream = createStream("T::LOG", { path: "t", columns: { v: t } as LogColumns });
      const values = [...WRONG, ...WRONG.map((w) => [w]), randomScalar(rng, type)];
      for (const v of values) {
        let row: LogRow | undefined;
        try {
          row = validateRecord(stream.fields, { v });
        } catch { /* refused */ }
        const sink = new ByteSink(16);
        const ok = new RecordEncoder(stream.fields).encode({ v }, sink, new Int32Array(2));
        assert.equal(ok, row !== undefined, `${t} ${String(v)}`);
        if (row) {
          const want = reference(stream.fields, [row]);
          assert.deepEqual(sink.buf.slice(0, sink.pos), want.subarray(want.length - sink.pos));
        } else {
          assert.equal(sink.pos, 0);
        }
      }
    }
  }
});

Deno.test("RecordEncoder.encodeRow() writes what encode() writes", () => {
  const records = typesRecords();
  const encoder = new RecordEncoder(TYPES_STREAM.fields);
  const a = new ByteSink(16);
  const b = new ByteSink(16);
  const offA = new Int32Array(TYPES_STREAM.fields.length + 1);
  const offB = new Int32Array(TYPES_STREAM.fields.length + 1);
  for (const r of records) {
    encoder.encode(r, a, offA);
    encoder.encodeRow(validateRecord(TYPES_STREAM.fields, r), b, offB);
    assert.deepEqual(offA, offB);
  }
  assert.deepEqual(a.buf.subarray(0, a.pos), b.buf.subarray(0, b.pos));
});

const noopLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
} as unknown as Logger;

function remoteService(sent: Uint8Array[], bufferSize = 1000): LogService {
  return new LogService({
    sendBatch: (b) => {
      sent.push(b);
      return true;
    },
    clock: { now: () => 0, monotonicMs: () => 0 } as never,
    logger: noopLogger,
    bufferSize,
    flushIntervalMs: 3_600_000,
  });
}

Deno.test("LogService.write() batches the bytes validateRecord + encodeLogBatch make, with filters", async () => {
  const rng = new Rng(77);
  for (let round = 0; round < 30; round++) {
    const columns = randomColumns(rng);
    const stream = createStream("T::LOG", { path: "t", columns });
    const sent: Uint8Array[] = [];
    const svc = remoteService(sent, 7);
    svc.createStream("T::LOG", { path: "t", columns });
    const some = stream.fields.filter((_, i) => i % 2 === 0).map((f) => f.name.split(".")[0]!);
    const withFilters = round % 2 === 1;
    const even: LogPolicy = (r) => (r.n as number) % 2 === 0;
    if (withFilters) {
      svc.addFilter("T::LOG", { name: "part", path: "part", include: some, policy: even });
    }
    const records = Array.from({ length: 20 }, (_, n) => ({ ...randomRecord(rng, columns), n }));
    for (const r of records) assert.equal(svc.write("T::LOG", r), true);
    await svc[Symbol.asyncDispose]();
    const rows = records.map((r) => validateRecord(stream.fields, r));
    const batches = (path: string, fields: readonly LogField[], pick: (i: number) => boolean) => {
      const keep = fields.map((f) => stream.fields.indexOf(f));
      const mine = rows.filter((_, i) => pick(i)).map((row) => keep.map((k) => row[k]!));
      const out: Uint8Array[] = [];
      for (let i = 0; i < mine.length; i += 7) {
        out.push(encodeLogBatch({
          ...HEAD,
          filterName: path === "t" ? "default" : "part",
          path,
          fields,
          records: mine.slice(i, i + 7),
        }));
      }
      return out;
    };
    const want = batches("t", stream.fields, () => true);
    if (withFilters) {
      const fields = stream.fields.filter((f) => some.includes(f.name.split(".")[0]!));
      const part = batches("part", fields, (i) => i % 2 === 0);
      // Batches are sent as they fill, then the rest per filter at dispose.
      const sorted = (xs: Uint8Array[]) => xs.map((x) => x.join(",")).sort();
      assert.deepEqual(sorted(sent), sorted([...want, ...part]), `round ${round}`);
    } else {
      assert.deepEqual(sent, want, `round ${round}`);
    }
  }
});

Deno.test("LogService.write() throws validateRecord's error and keeps the batch intact", async () => {
  const sent: Uint8Array[] = [];
  const svc = remoteService(sent);
  const columns: LogColumns = { ts: "time", h: "addr", n: { type: "count", optional: true } };
  svc.createStream("T::LOG", { path: "t", columns });
  svc.write("T::LOG", { ts: 1, h: "10.0.0.1" });
  assert.throws(
    () => svc.write("T::LOG", { ts: 2, h: "nope" }),
    new TypeError(
      'Cannot write record to stream "T::LOG": field "h": expected addr, got string "nope"',
    ),
  );
  assert.throws(() => svc.write("T::LOG", [] as never), /expected an object, got array/);
  svc.write("T::LOG", { ts: 3, h: "::1", n: 5 });
  assert.equal(svc.stats.rejected, 2);
  await svc[Symbol.asyncDispose]();
  const fields = createStream("T::LOG", { path: "t", columns }).fields;
  const rows = [{ ts: 1, h: "10.0.0.1" }, { ts: 3, h: "::1", n: 5 }].map((r) =>
    validateRecord(fields, r)
  );
  assert.deepEqual(sent, [reference(fields, rows)]);
});

Deno.test("LogService.write() from a policy hook of the same stream keeps both records whole", async () => {
  const sent: Uint8Array[] = [];
  const svc = remoteService(sent);
  const columns: LogColumns = { s: "string" };
  svc.createStream("T::LOG", {
    path: "t",
    columns,
    policy: (r) => {
      if (r.s === "outer") svc.write("T::LOG", { s: "inner" });
      return true;
    },
  });
  svc.write("T::LOG", { s: "outer" });
  await svc[Symbol.asyncDispose]();
  const fields = createStream("T::LOG", { path: "t", columns }).fields;
  const rows = [["inner"], ["outer"]];
  assert.deepEqual(sent, [encodeLogBatch({ ...HEAD, path: "t", fields, records: rows })]);
});

Deno.test("RecordEncoder's compiled code matches its generic path; field names never become code", () => {
  const columns = {
    'a"]; throw new Error("injected"); //': "string",
    "b\\`${x}`": { type: "count", optional: true },
    "n": { record: { "x'y": "bool", "z": "time" } },
  } as LogColumns;
  const stream = createStream("T::LOG", { path: "t", columns });
  const encoder = new RecordEncoder(stream.fields);
  const records: unknown[] = [
    { 'a"]; throw new Error("injected"); //': "v", "b\\`${x}`": 3, n: { "x'y": true, z: 1.5 } },
    { 'a"]; throw new Error("injected"); //': "v", n: { "x'y": false, z: 2 } },
    { 'a"]; throw new Error("injected"); //': 1, n: { "x'y": true, z: 1 } },
    { 'a"]; throw new Error("injected"); //': "v", "b\\`${x}`": 10n, n: { "x'y": 1, z: 1 } },
  ];
  for (const r of records) {
    const a = new ByteSink(16), b = new ByteSink(16);
    const oa = new Int32Array(5), ob = new Int32Array(5);
    const ok = encoder.encode(r as Record<string, unknown>, a, oa);
    assert.equal(ok, encoder.encodeGeneric(r as Record<string, unknown>, b, ob));
    assert.deepEqual(a.buf.slice(0, a.pos), b.buf.slice(0, b.pos));
    if (ok) assert.deepEqual(oa, ob);
  }
  const rng = new Rng(7);
  for (let schema = 0; schema < 50; schema++) {
    const s = createStream("T::LOG", { path: "t", columns: randomColumns(rng) });
    const enc = new RecordEncoder(s.fields);
    for (let i = 0; i < 20; i++) {
      const r = randomRecord(rng, s.columns);
      const a = new ByteSink(16), b = new ByteSink(16);
      const oa = new Int32Array(s.fields.length + 1), ob = new Int32Array(s.fields.length + 1);
      assert.equal(enc.encode(r, a, oa), enc.encodeGeneric(r, b, ob));
      assert.deepEqual(a.buf.slice(0, a.pos), b.buf.slice(0, b.pos), `${schema}/${i}`);
      assert.deepEqual(oa, ob);
    }
  }
});

import assert from "node:assert/strict";
import { AsciiBatchFormatter, writeAsciiTime } from "./_ascii_batch.ts";
import { decodeLogBatchHeader } from "../wire/_batch_decoder.ts";
import { ByteSink } from "../../byte_sink.ts";
import { formatAsciiTime } from "./_numbers.ts";
import { randomColumns, randomRecord, Rng } from "../schema/_random_records.ts";
import { TYPES_STREAM, typesRows } from "../schema/_test_fixtures.ts";
import { type AsciiFormatOptions, AsciiFormatter } from "./ascii_writer.ts";
import { decodeLogBatch, encodeLogBatch } from "../wire/batch_codec.ts";
import { createStream, type LogField, type LogRow, validateRecord } from "../schema/schema.ts";

const enc = new TextEncoder();

function batchOf(fields: readonly LogField[], records: readonly LogRow[]): Uint8Array {
  return encodeLogBatch({
    streamName: "Test::LOG",
    writerName: "Log::WRITER_ASCII",
    filterName: "default",
    path: "test",
    fields,
    records,
  });
}

/** The reference: decode, format each row, encode the text. */
function reference(bytes: Uint8Array, options: AsciiFormatOptions): Uint8Array {
  const batch = decodeLogBatch(bytes);
  const fmt = new AsciiFormatter(batch.fields, options);
  return enc.encode(batch.records.map((r) => fmt.formatRow(r)).join(""));
}

/** The fused path over a whole batch, trailing bytes included. */
function fused(bytes: Uint8Array, options: AsciiFormatOptions): Uint8Array {
  const head = decodeLogBatchHeader(bytes);
  const fmt = new AsciiBatchFormatter(head.fields, options);
  const sink = new ByteSink(16);
  fmt.begin(bytes, head.recordsOffset);
  for (let i = 0; i < head.numRecords; i++) fmt.record(sink);
  if (fmt.offset !== bytes.length) throw new Error("trailing bytes");
  fmt.end();
  return sink.buf.slice(0, sink.pos);
}

const OPTIONS: readonly AsciiFormatOptions[] = [
  {},
  { separator: "|", setSeparator: ";", unsetField: "NA", emptyField: "E" },
  { unsetField: "\u00e9", emptyField: "\t" },
  { separator: ",", setSeparator: "\t", unsetField: "(empty)", emptyField: "-" },
];

const decoder = new TextDecoder();
const show = (b: Uint8Array) => JSON.stringify(decoder.decode(b));

Deno.test("AsciiBatchFormatter matches decode + AsciiFormatter.formatRow on the types fixture", () => {
  const bytes = batchOf(TYPES_STREAM.fields, typesRows());
  for (const options of OPTIONS) {
    assert.equal(show(fused(bytes, options)), show(reference(bytes, options)));
  }
});

Deno.test("AsciiBatchFormatter matches the reference on 3000 random records (property)", () => {
  const rng = new Rng(0x5eed);
  for (let schema = 0; schema < 150; schema++) {
    const stream = createStream("Test::LOG", { path: "test", columns: randomColumns(rng) });
    const rows = Array.from(
      { length: 20 },
      () => validateRecord(stream.fields, randomRecord(rng, stream.columns)),
    );
    const bytes = batchOf(stream.fields, rows);
    for (const options of OPTIONS) {
      const want = reference(bytes, options);
      const got = fused(bytes, options);
      assert.equal(show(got), show(want), `schema ${schema}, options ${JSON.stringify(options)}`);
      assert.deepEqual(got, want);
    }
  }
});

Deno.test("AsciiBatchFormatter rejects every corrupted batch the decoder rejects (property)", () => {
  const rng = new Rng(42);
  let rejected = 0;
  for (let round = 0; round < 400; round++) {
    const stream = createStream("Test::LOG", { path: "test", columns: randomColumns(rng) });
    const rows = Array.from(
      { length: 3 },
      () => validateRecord(stream.fields, randomRecord(rng, stream.columns)),
    );
    const good = batchOf(stream.fields, rows);
    const start = decodeLogBatchHeader(good).recordsOffset;
    const bad = rng.int(2) === 0
      ? good.slice(0, start + rng.int(good.length - start))
      : good.slice();
    if (bad.length === good.length) {
      for (let k = 0; k < 3; k++) bad[start + rng.int(good.length - start)] = rng.int(256);
    }
    let want: Uint8Array | undefined;
    try {
      want = reference(bad, {});
    } catch {
      rejected++;
      assert.throws(() => fused(bad, {}), `round ${round}`);
      continue;
    }
    // The fused path may be stricter (the writer then takes the decoding path), never laxer.
    let got: Uint8Array | undefined;
    try {
      got = fused(bad, {});
    } catch {
      continue;
    }
    assert.deepEqual(got, want, `round ${round}`);
  }
  assert.ok(rejected > 100, `only ${rejected} corrupted batches were rejected`);
});

Deno.test("AsciiBatchFormatter.supports() takes single ASCII separators only", () => {
  assert.equal(AsciiBatchFormatter.supports(), true);
  assert.equal(AsciiBatchFormatter.supports({ separator: "|", setSeparator: ";" }), true);
  assert.equal(AsciiBatchFormatter.supports({ separator: "||" }), false);
  assert.equal(AsciiBatchFormatter.supports({ setSeparator: "\u00a7" }), false);
  assert.throws(() => new AsciiBatchFormatter([], { separator: "" }), TypeError);
});

Deno.test("writeAsciiTime() writes what formatAsciiTime() returns", () => {
  const rng = new Rng(7);
  const values = [0, -0, 1.5, -0.5, 2147483647, 2147483647.9999999, 2147483648, 1e300, NaN, -1e-7];
  for (let i = 0; i < 5000; i++) values.push((rng.next() - 0.5) * 10 ** (rng.int(24) - 12));
  for (let i = 0; i < 2000; i++) values.push(rng.int(2 ** 31) + rng.int(1e6) / 1e6 + 5e-7);
  const sink = new ByteSink(16);
  for (const v of values) {
    sink.pos = 0;
    writeAsciiTime(sink, v);
    assert.equal(decoder.decode(sink.buf.subarray(0, sink.pos)), formatAsciiTime(v), String(v));
  }
});

Deno.test("AsciiBatchFormatter's compiled loop writes and refuses what its generic loop does", () => {
  const rng = new Rng(0xc0de);
  // The header of the intact batch: the corruption is in the records.
  const run = (
    bytes: Uint8Array,
    head: ReturnType<typeof decodeLogBatchHeader>,
    options: AsciiFormatOptions,
    compiled: boolean,
  ) => {
    const fmt = new AsciiBatchFormatter(head.fields, options);
    const sink = new ByteSink(16);
    fmt.begin(bytes, head.recordsOffset);
    try {
      for (let i = 0; i < head.numRecords; i++) {
        if (compiled) fmt.record(sink);
        else fmt.recordGeneric(sink);
      }
      return `${fmt.offset} ${show(sink.buf.slice(0, sink.pos))}`;
    } catch (e) {
      return `threw ${(e as Error).message}`;
    } finally {
      fmt.end();
    }
  };
  for (let round = 0; round < 300; round++) {
    const stream = createStream("Test::LOG", { path: "test", columns: randomColumns(rng) });
    const rows = Array.from(
      { length: 5 },
      () => validateRecord(stream.fields, randomRecord(rng, stream.columns)),
    );
    const good = batchOf(stream.fields, rows);
    const head = decodeLogBatchHeader(good);
    const start = head.recordsOffset;
    const bad = good.slice();
    for (let k = 0; k < 2; k++) bad[start + rng.int(good.length - start)] = rng.int(256);
    const cut = good.slice(0, start + rng.int(good.length - start));
    for (const bytes of [good, bad, cut]) {
      for (const options of OPTIONS) {
        const compiled = run(bytes, head, options, true);
        assert.equal(compiled, run(bytes, head, options, false), `round ${round}`);
      }
    }
  }
});

Deno.test("AsciiBatchFormatter copies field strings word-wise exactly where each byte is plain (property)", () => {
  // Strings of bytes around every class boundary, at every alignment and length: the word test
  // must send each word holding an escaped byte to the byte loop, and no other.
  const alphabet = [0x00, 0x09, 0x1f, 0x20, 0x21, 0x2c, 0x3b, 0x5b, 0x5c, 0x5d, 0x7c, 0x7e, 0x7f];
  const rng = new Rng(0x5a17);
  const fields: LogField[] = [
    { name: "a", type: "string", optional: false },
    { name: "b", type: "enum", optional: false },
  ];
  const rows: LogRow[] = [];
  for (let i = 0; i < 400; i++) {
    const text = (n: number) =>
      String.fromCharCode(
        ...Array.from({ length: n }, () =>
          rng.int(4) === 0 ? alphabet[rng.int(alphabet.length)]! : 0x61 + rng.int(26)),
      );
    rows.push([text(rng.int(24)), text(rng.int(12))]);
  }
  const bytes = batchOf(fields, rows);
  for (const options of OPTIONS) {
    assert.equal(
      show(fused(bytes, options)),
      show(reference(bytes, options)),
      JSON.stringify(options),
    );
  }
});

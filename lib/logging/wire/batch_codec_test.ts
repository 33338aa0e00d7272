import assert from "node:assert/strict";
import { SerializationError } from "../../errors.ts";
import {
  decodeLogBatch,
  decodeLogWrite,
  encodeLogBatch,
  type LogBatchData,
  logWriteFrames,
  parseLogWriteFrames,
} from "./batch_codec.ts";
import { AsciiFormatter } from "../files/ascii_writer.ts";
import { TYPES_STREAM, typesRows } from "../schema/_test_fixtures.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const str = (s: string) =>
  hex(new Uint8Array([0, 0, 0, s.length])) + hex(new TextEncoder().encode(s));

/** The spec §7(v) vector (Zeek's Serializer.cc unit test). */
const SPEC_VECTOR = str("Log::UNKNOWN") + str("Log::WRITER_NONE") + str("default") +
  str("my-path") +
  "00000001" + "00" + str("ts") + "00000005" + "00000016" + "00" +
  "00000002" +
  "00000005" + "00000016" + "01" + "3ff0000000000000" +
  "00000005" + "00000016" + "01" + "4000000000000000";

interface Capture {
  kind: string;
  frames: string[];
}

async function capturedBatches(): Promise<string[]> {
  const url = new URL("../../../testdata/zeek-8.2.2/zeek-8.2.2-zeromq-bin.json", import.meta.url);
  const records = JSON.parse(await Deno.readTextFile(url)) as Capture[];
  return records.filter((r) => r.kind === "log").map((r) => r.frames[3]!);
}

Deno.test("decodeLogBatch() reads the spec §7(v) vector and encodeLogBatch() reproduces it", () => {
  const batch = decodeLogBatch(unhex(SPEC_VECTOR));
  assert.equal(batch.streamName, "Log::UNKNOWN");
  assert.equal(batch.writerName, "Log::WRITER_NONE");
  assert.equal(batch.filterName, "default");
  assert.equal(batch.path, "my-path");
  assert.deepEqual(batch.fields, [{ name: "ts", type: "time", optional: false, wireSubtype: 22 }]);
  assert.deepEqual(batch.records, [[1.0], [2.0]]);
  assert.equal(hex(encodeLogBatch(batch)), SPEC_VECTOR);
});

Deno.test("encodeLogBatch() re-encodes every captured Zeek log batch byte for byte", async () => {
  const batches = await capturedBatches();
  assert.equal(batches.length, 4);
  for (const h of batches) assert.equal(hex(encodeLogBatch(decodeLogBatch(unhex(h)))), h);
});

Deno.test("decodeLogBatch() decodes the captured interop batch's values", async () => {
  const interop = (await capturedBatches()).map((h) => decodeLogBatch(unhex(h))).find((b) =>
    b.path === "interop"
  )!;
  assert.equal(interop.streamName, "Test::LOG");
  assert.equal(interop.writerName, "Log::WRITER_ASCII");
  assert.deepEqual(interop.fields.map((f) => `${f.name}:${f.type}${f.optional ? "?" : ""}`), [
    "ts:time",
    "uid:string",
    "orig_h:addr",
    "resp_p:port",
    "tags:set[string]",
    "vals:vector[count]",
    "note:string?",
    "dur:interval",
    "ok:bool",
    "sn:subnet",
    "d:double",
    "i:int",
  ]);
  const row = interop.records[0]!;
  assert.deepEqual(row.slice(1), [
    "C0",
    "10.0.0.1",
    { port: 443, proto: "tcp" },
    ["a", "b\tc"],
    [1n, 2n, 3n],
    null,
    1.5,
    true,
    "192.168.0.0/16",
    3.25,
    -7n,
  ]);
});

Deno.test("the types records survive encode, decode and ASCII formatting", () => {
  const batch: LogBatchData = {
    streamName: "LogTypes::LOG",
    writerName: "Log::WRITER_ASCII",
    filterName: "default",
    path: "types",
    fields: TYPES_STREAM.fields,
    records: typesRows(),
  };
  const bytes = encodeLogBatch(batch);
  const back = decodeLogBatch(bytes);
  assert.equal(hex(encodeLogBatch(back)), hex(bytes));
  const fmt = new AsciiFormatter(TYPES_STREAM.fields);
  back.records.forEach((row, i) =>
    assert.equal(fmt.formatRow(row), fmt.formatRow(batch.records[i]!))
  );
  // The invalid UTF-8 string comes back as raw bytes.
  assert.ok(back.records[8]![3] instanceof Uint8Array);
});

Deno.test("encodeLogBatch() rejects values that do not fit their fields", () => {
  const one = (type: string, v: unknown) => ({
    streamName: "S",
    writerName: "W",
    filterName: "f",
    path: "p",
    fields: [{ name: "x", type, optional: true }],
    records: [[v]],
  } as unknown as LogBatchData);
  for (
    const [type, v] of [
      ["count", -1n],
      ["int", 1n << 63n],
      ["addr", "nope"],
      ["port", { port: 1 }],
      ["bool", 1],
      [
        "vector[count]",
        5,
      ],
    ] as const
  ) {
    assert.throws(() => encodeLogBatch(one(type, v)), SerializationError, type);
  }
  assert.throws(
    () => encodeLogBatch({ ...one("count", 1n), records: [[]] }),
    /record 0 has 0 values, need 1/,
  );
});

Deno.test("decodeLogBatch() rejects truncated, oversized and trailing data", () => {
  const good = unhex(SPEC_VECTOR);
  for (let n = 0; n < good.length; n++) {
    assert.throws(() => decodeLogBatch(good.subarray(0, n)), SerializationError);
  }
  assert.throws(() => decodeLogBatch(Uint8Array.from([...good, 0])), /1 trailing bytes/);
  const hugeString = unhex("ffffffff" + "41");
  assert.throws(() => decodeLogBatch(hugeString), /bytes left, need 4294967295/);
  const manyFields = unhex(str("a") + str("b") + str("c") + str("d") + "ffffffff");
  assert.throws(() => decodeLogBatch(manyFields), /4294967295 fields/);
  const fieldEnd = SPEC_VECTOR.indexOf(str("ts")) + str("ts").length + 18;
  const manyRecords = unhex(
    SPEC_VECTOR.slice(0, fieldEnd) + "7fffffff" + SPEC_VECTOR.slice(fieldEnd + 8),
  );
  assert.throws(() => decodeLogBatch(manyRecords), /2147483647 records/);
  const noFields = unhex(str("a") + str("b") + str("c") + str("d") + "00000000" + "00000005");
  assert.throws(() => decodeLogBatch(noFields), /5 records without fields/);
  const badType = unhex(
    str("a") + str("b") + str("c") + str("d") + "00000001" + "00" + str("x") + "00000008" +
      "00000000" + "00" + "00000000",
  );
  assert.throws(() => decodeLogBatch(badType), /unsupported column type 8/);
});

Deno.test("decodeLogBatch() bounds container element counts by the bytes left", () => {
  const head = str("a") + str("b") + str("c") + str("d") + "00000001" + "00" + str("s") +
    "0000000e" + "00000007" + "00" + "00000001";
  const huge = unhex(head + "0000000e" + "00000000" + "01" + "0fffffffffffffff");
  assert.throws(() => decodeLogBatch(huge), /elements/);
  const negative = unhex(head + "0000000e" + "00000000" + "01" + "ffffffffffffffff");
  assert.throws(() => decodeLogBatch(negative), /-1 elements/);
  const nested = unhex(
    head + "0000000e" + "00000000" + "01" + "0000000000000001" + "0000000e" + "00000000" + "00",
  );
  assert.throws(() => decodeLogBatch(nested), /value type 14, column type 7/);
});

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(base: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const out = Array.from(base);
  const kind = int(7);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = int(out.length + 1);
    if (kind === 0 && out.length) out[at % out.length] = out[at % out.length]! ^ (1 << int(8));
    else if (kind === 1 && out.length) out[at % out.length] = int(256);
    else if (kind === 2) out.length = at;
    else if (kind === 3) out.splice(at, 0, ...Array.from({ length: 1 + int(8) }, () => int(256)));
    else if (kind === 4 && out.length > 4) {
      out.splice(at % (out.length - 4), 4, 0xff, 0xff, 0xff, int(256));
    } else if (kind === 5 && out.length) out.splice(at % out.length, 1 + int(16));
    else return Uint8Array.from({ length: int(200) }, () => int(256));
  }
  return Uint8Array.from(out);
}

Deno.test("decodeLogBatch() fuzz: 10,000 mutated or random batches only ever throw SerializationError", async () => {
  const bases = [
    ...(await capturedBatches()).map(unhex),
    unhex(SPEC_VECTOR),
    encodeLogBatch({
      streamName: "LogTypes::LOG",
      writerName: "Log::WRITER_ASCII",
      filterName: "default",
      path: "types",
      fields: TYPES_STREAM.fields,
      records: typesRows(),
    }),
  ];
  const rand = rng(0x5eed);
  let decoded = 0;
  for (let i = 0; i < 10_000; i++) {
    const input = mutate(bases[i % bases.length]!, rand);
    try {
      const batch = decodeLogBatch(input);
      decoded++;
      // Whatever decodes must encode again.
      encodeLogBatch(batch);
    } catch (e) {
      if (!(e instanceof SerializationError)) {
        throw new Error(`input ${i} (${hex(input)}) threw ${e}`, { cause: e });
      }
    }
  }
  assert.ok(decoded < 10_000);
});

Deno.test("parseLogWriteFrames() accepts the captured log-write messages and logWriteFrames() rebuilds them", async () => {
  const url = new URL("../../../testdata/zeek-8.2.2/zeek-8.2.2-zeromq-bin.json", import.meta.url);
  const records = (JSON.parse(await Deno.readTextFile(url)) as Capture[]).filter((r) =>
    r.kind === "log"
  );
  for (const r of records) {
    const frames = r.frames.map(unhex);
    const { senderId, batch } = parseLogWriteFrames(frames);
    assert.match(senderId, /^zeromq_(manager|worker-1)_/);
    assert.deepEqual(logWriteFrames(senderId, batch).map(hex), r.frames);
  }
});

Deno.test("parseLogWriteFrames() rejects a wrong frame count or serializer", () => {
  const batch = unhex(SPEC_VECTOR);
  const good = logWriteFrames("id", batch);
  assert.throws(() => parseLogWriteFrames(good.slice(0, 3)), /3 frames, need 4/);
  const json = [
    good[0],
    good[1],
    new TextEncoder().encode("broker-json-v1"),
    good[3],
  ] as Uint8Array[];
  assert.throws(() => parseLogWriteFrames(json), /serializer "broker-json-v1"/);
  assert.deepEqual(parseLogWriteFrames(good).batch.path, "my-path");
});

Deno.test("decodeLogWrite() checks the serializer name of a transport log write", () => {
  const batch = unhex(SPEC_VECTOR);
  assert.equal(
    decodeLogWrite({ sender: "w", format: "zeek-bin-serializer", batch }).path,
    "my-path",
  );
  assert.throws(
    () => decodeLogWrite({ sender: "w", format: "broker-bin-v1", batch }),
    /Cannot decode log write from "w": serializer "broker-bin-v1"/,
  );
});

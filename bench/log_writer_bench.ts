/**
 * Throughput of the log writing path for a 10-column conn-like record: `deno bench -A
 * bench/log_writer_bench.ts`. Run directly (`deno run -A bench/log_writer_bench.ts`) it prints
 * records per second for ASCII, JSON, decode + ASCII write from 1000-record batches, and the fused
 * path (`LogFileWriter.writeEncoded`, no row objects) from the same batches.
 *
 * @module
 */

import { decodeLogBatchHeader } from "../lib/logging/wire/_batch_decoder.ts";
import { decodeLogBatch, encodeLogBatch } from "../lib/logging/wire/batch_codec.ts";
import { LogFileWriter } from "../lib/logging/files/log_file.ts";
import { createStream, type LogRow } from "../lib/logging/schema/schema.ts";
import type { LogFormat } from "../lib/logging/files/formatter.ts";

const CONN = createStream("Conn::LOG", {
  path: "conn",
  columns: {
    ts: "time",
    uid: "string",
    id: { record: { orig_h: "addr", orig_p: "port", resp_h: "addr", resp_p: "port" } },
    proto: "enum",
    duration: { type: "interval", optional: true },
    orig_bytes: "count",
    conn_state: "string",
  },
});

function rows(n: number): LogRow[] {
  return Array.from({ length: n }, (_, i) => [
    1700000000 + i / 1000,
    `C${i.toString(36)}abcdefgh`,
    `10.0.${(i >> 8) & 255}.${i & 255}`,
    { port: 1024 + (i % 60000), proto: "tcp" },
    "192.168.1.1",
    { port: 443, proto: "tcp" },
    "tcp",
    i % 7 === 0 ? null : 0.123456 * (i % 100),
    BigInt(i * 13),
    "SF",
  ]);
}

async function writeAll(format: LogFormat, data: readonly LogRow[]): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const start = performance.now();
    const w = new LogFileWriter({ dir, path: "conn", fields: CONN.fields, format });
    for (const r of data) w.write(r);
    await w.close();
    return data.length / ((performance.now() - start) / 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function decodeAndWrite(batches: readonly Uint8Array[], perBatch: number): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const start = performance.now();
    const w = new LogFileWriter({ dir, path: "conn", fields: CONN.fields });
    for (const b of batches) for (const r of decodeLogBatch(b).records) w.write(r);
    await w.close();
    return (batches.length * perBatch) / ((performance.now() - start) / 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function fusedWrite(batches: readonly Uint8Array[], perBatch: number): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const start = performance.now();
    const w = new LogFileWriter({ dir, path: "conn", fields: CONN.fields });
    for (const b of batches) {
      const head = decodeLogBatchHeader(b);
      w.writeEncoded(b, head.recordsOffset, head.numRecords);
    }
    await w.close();
    return (batches.length * perBatch) / ((performance.now() - start) / 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const data = rows(200_000);
const wire = Array.from({ length: 200 }, (_, i) =>
  encodeLogBatch({
    streamName: "Conn::LOG",
    writerName: "Log::WRITER_ASCII",
    filterName: "default",
    path: "conn",
    fields: CONN.fields,
    records: data.slice(i * 1000, (i + 1) * 1000),
  }));

if (import.meta.main) {
  await writeAll("ascii", data.slice(0, 20_000)); // warm-up
  for (let run = 0; run < 3; run++) {
    const ascii = await writeAll("ascii", data);
    const json = await writeAll("json", data);
    const pipeline = await decodeAndWrite(wire, 1000);
    const fused = await fusedWrite(wire, 1000);
    // deno-lint-ignore no-console -- a benchmark script reports on stdout
    console.log(
      `run ${run}: ascii ${Math.round(ascii)} rec/s, json ${Math.round(json)} rec/s, ` +
        `decode+ascii ${Math.round(pipeline)} rec/s, fused ${Math.round(fused)} rec/s`,
    );
  }
} else {
  Deno.bench("LogFileWriter ascii, 200k 10-column records", async () => {
    await writeAll("ascii", data);
  });
  Deno.bench("LogFileWriter json, 200k 10-column records", async () => {
    await writeAll("json", data);
  });
  Deno.bench("decodeLogBatch + ascii write, 200 batches of 1000", async () => {
    await decodeAndWrite(wire, 1000);
  });
  Deno.bench("fused ascii write (writeEncoded), 200 batches of 1000", async () => {
    await fusedWrite(wire, 1000);
  });
}

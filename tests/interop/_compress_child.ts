/**
 * A child process for the compression tests: `write DIR N` writes N records (seq 0..N-1) to
 * `DIR/big.log` through a LogWriterManager with gzip compression and closes it (the rotation at
 * close starts the compression; the parent may kill -9 it meanwhile); `recover DIR` starts and
 * closes a manager on DIR, as a restarted logger does.
 */
import { LogWriterManager } from "../../lib/logging/files/writer_manager.ts";
import type { LogField } from "../../lib/logging/schema/schema.ts";

const FIELDS: readonly LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "seq", type: "count", optional: false },
  { name: "pad", type: "string", optional: false },
];

const [mode, dir, n] = Deno.args;
if (dir === undefined) throw new Error("Usage: _compress_child.ts write|recover DIR [N]");
const logs = await LogWriterManager.create({
  dir,
  compression: "gzip",
  gzipLevel: 9,
  rotationIntervalSec: mode === "write" ? 3600 : 0,
  flushIntervalMs: 0,
});
if (mode === "write") {
  // Hex noise, so that gzip -9 takes a while (the parent kills us meanwhile).
  let x = 12345;
  const noise = () => {
    let s = "";
    for (let i = 0; i < 25; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      s += x.toString(16).padStart(8, "0");
    }
    return s;
  };
  const now = Date.now() / 1000;
  for (let seq = 0; seq < Number(n); seq++) {
    logs.writeRows("big", FIELDS, [[now, BigInt(seq), noise()]]);
    if (seq % 10_000 === 9_999) await logs.flush();
  }
  await logs.flush();
  console.log("closing");
}
await logs.close();
console.log(`done ${JSON.stringify(logs.compression)}`);

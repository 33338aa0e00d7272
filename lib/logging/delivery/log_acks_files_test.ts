/**
 * The acknowledger over real files: a {@linkcode LogWriterManager} in a temp dir, the real ledger,
 * wired as a logger node wires them (`lib/node/_logging.ts`), and a "kill -9" simulated at every
 * turn of the event loop by reading the log file and the ledger from disk.
 */
import assert from "node:assert/strict";
import type { LogBatch } from "../../transport/transport.ts";
import { BATCH_LEDGER_FILE, BatchLedger } from "./batch_ledger.ts";
import { encodeLogBatch } from "../wire/batch_codec.ts";
import { LogAcknowledger } from "./log_acks.ts";
import type { LogField } from "../schema/schema.ts";
import { LogWriterManager, WRITER_ASCII } from "../files/writer_manager.ts";

const FIELDS: readonly LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "seq", type: "count", optional: false },
];
const T0 = 1764000000;

/** A numbered batch of `sender` with one record whose `seq` column is the batch's number. */
function numbered(sender: string, path: string, seq: number): LogBatch {
  const batch = encodeLogBatch({
    streamName: "Load::LOG",
    writerName: WRITER_ASCII,
    filterName: "default",
    path,
    fields: FIELDS,
    records: [[T0 + seq, BigInt(seq)]],
  });
  return { sender, format: "zeek-bin-serializer", batch, seq };
}

/** What a kill -9 now would leave: the batch numbers in `path.log` and those in the ledger. */
function onDisk(dir: string, path: string): { lines: number[]; ledger: Set<number> } {
  let text = "";
  try {
    text = Deno.readTextFileSync(`${dir}/${path}.log`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => Number(l.split("\t")[1]));
  const ledger = new Set(
    Deno.readTextFileSync(`${dir}/${BATCH_LEDGER_FILE}`).split("\n").filter((l) => l !== "")
      .map((l) => Number(l.split(" ")[1])),
  );
  return { lines, ledger };
}

/** One turn of the event loop (timers included), so that file system operations may finish. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

Deno.test("LogAcknowledger over real files: a batch whose lines are in its file is in the ledger, while another file's open hangs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_acks_files_" });
  // A leftover `slow.log` that is a FIFO: the recovery of `slow` before its file is opened reads
  // its head, which waits for a writer: the open of `slow` hangs until the test releases it, as
  // a slow disk or a loaded machine holds it.
  const fifo = `${dir}/slow.log`;
  const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(mk.success, "mkfifo");
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    using w = await Deno.open(fifo, { write: true });
    await w.write(new TextEncoder().encode("not a log\n"));
  };
  const files = new LogWriterManager({ dir, flushIntervalMs: 0 });
  const ledger = BatchLedger.open(`${dir}/${BATCH_LEDGER_FILE}`);
  const acked: number[] = [];
  const acks = new LogAcknowledger({
    ledger,
    write: (batch) => {
      files.writeEncodedBatch(batch.batch);
      return files.lastBatchFile;
    },
    sendAcks: (_sender, seqs) => acked.push(...seqs),
    ackDelayMs: 0,
  });
  try {
    const N = 20;
    acks.receive(numbered("worker-1", "slow", 0)); // its file's open now hangs
    let turns = 0;
    for (let seq = 1; seq <= N; seq++) {
      acks.receive(numbered("worker-1", "load", seq));
      // Turns of the event loop until the batch's line is in load.log, a simulated kill at each.
      for (;;) {
        const { lines, ledger: recorded } = onDisk(dir, "load");
        const unrecorded = lines.filter((s) => !recorded.has(s));
        assert.deepEqual(unrecorded, [], `a kill now writes these again (${seq} received)`);
        if (lines.includes(seq)) break;
        assert.ok(++turns < 100_000, `batch ${seq} never reached load.log`);
        await turn();
      }
    }
    assert.deepEqual(onDisk(dir, "load").lines, Array.from({ length: N }, (_, i) => i + 1));
    assert.equal(ledger.has("worker-1", 0), false, "slow's batch waits for its file");
    // Acknowledgements keep the order the batches came in: the later ones wait for the first.
    await turn();
    assert.deepEqual(acked, []);
    await release();
    await files.flush();
    assert.equal(ledger.has("worker-1", 0), true, "recorded once its line is written");
    assert.deepEqual(onDisk(dir, "slow").lines, [0]);
    acks[Symbol.dispose]();
    assert.deepEqual(acked, Array.from({ length: N + 1 }, (_, i) => i));
  } finally {
    acks[Symbol.dispose]();
    await release();
    await files.close();
    ledger[Symbol.dispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

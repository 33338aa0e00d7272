import assert from "node:assert/strict";
import { LogFileWriter } from "./log_file.ts";
import { archiveTime, type PostProcessCall, recoverLeftovers, rotatedName } from "./rotation.ts";
import { formatLogTimestamp } from "./formatter.ts";
import type { LogField } from "../schema/schema.ts";

const FIELDS: readonly LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "node", type: "string", optional: false },
  { name: "message", type: "string", optional: false },
];

/** A clock tests move by hand. */
class ManualClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

async function listLogs(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const T0 = new Date(2026, 10, 25, 10, 24, 28).getTime() / 1000 + 0.5;

Deno.test("LogFileWriter writes the header and records on flush, and #close on close", () =>
  withDir(async (dir) => {
    const clock = new ManualClock(T0);
    const w = new LogFileWriter({ dir, path: "cluster", fields: FIELDS, clock });
    w.write([T0, "logger", "got hello"]);
    assert.deepEqual(await listLogs(dir), [], "nothing before the first flush");
    await w.flush();
    assert.deepEqual(await listLogs(dir), [".shadow.cluster.log", "cluster.log"]);
    const text = await Deno.readTextFile(`${dir}/cluster.log`);
    assert.ok(text.startsWith("#separator \\x09\n#set_separator\t,\n"));
    assert.ok(
      text.includes(
        `#open\t${
          formatLogTimestamp(T0)
        }\n#fields\tts\tnode\tmessage\n#types\ttime\tstring\tstring\n`,
      ),
    );
    assert.ok(text.endsWith(`${T0.toFixed(6)}\tlogger\tgot hello\n`));
    clock.t = T0 + 3;
    await w.close();
    await w.close();
    assert.deepEqual(await listLogs(dir), ["cluster.log"]);
    assert.ok(
      (await Deno.readTextFile(`${dir}/cluster.log`)).endsWith(
        `#close\t${formatLogTimestamp(T0 + 3)}\n`,
      ),
    );
    assert.deepEqual(w.stats(), { records: 1, written: 1, dropped: 0, rotations: 0, errors: 0 });
    assert.throws(() => w.write([T0, "a", "b"]), /writer is closed/);
  }));

Deno.test("LogFileWriter rotates at interval multiples with Zeek's names and archive-log argv", () =>
  withDir(async (dir) => {
    const clock = new ManualClock(T0); // 10:24:28.5
    const calls: PostProcessCall[] = [];
    const w = new LogFileWriter({
      dir,
      path: "cluster",
      fields: FIELDS,
      clock,
      rotationIntervalSec: 5,
      postProcessor: (c) => {
        calls.push(c);
      },
    });
    const base = T0 - 28.5; // 10:24:00
    w.write([T0, "worker-1", "tick 1"]);
    await w.tick();
    assert.deepEqual(await listLogs(dir), [".shadow.cluster.log", "cluster.log"]);
    clock.t = base + 30.1;
    await w.tick();
    assert.deepEqual(
      await listLogs(dir),
      ["cluster.2026-11-25-10-24-28.log"],
      "no new file until the next write",
    );
    const first = await Deno.readTextFile(`${dir}/cluster.2026-11-25-10-24-28.log`);
    assert.ok(first.endsWith(`tick 1\n#close\t${formatLogTimestamp(base + 30.1)}\n`));
    clock.t = base + 30.9;
    w.write([clock.t, "worker-1", "tick 2"]);
    await w.tick();
    clock.t = base + 35.05;
    await w.tick();
    clock.t = base + 41;
    w.write([clock.t, "worker-1", "tick 3"]);
    await w.tick();
    clock.t = base + 43;
    await w.close();
    assert.deepEqual(await listLogs(dir), [
      "cluster.2026-11-25-10-24-28.log",
      "cluster.2026-11-25-10-24-30.log",
      "cluster.2026-11-25-10-24-40.log",
    ]);
    const second = await Deno.readTextFile(`${dir}/cluster.2026-11-25-10-24-30.log`);
    assert.ok(second.includes(`#open\t${formatLogTimestamp(base + 30.9)}\n`));
    assert.deepEqual(calls.map((c) => c.argv), [
      [
        "cluster.2026-11-25-10-24-28.log",
        "cluster",
        archiveTime(T0),
        archiveTime(base + 30.1),
        "0",
        "ascii",
      ],
      [
        "cluster.2026-11-25-10-24-30.log",
        "cluster",
        archiveTime(base + 30),
        archiveTime(base + 35.05),
        "0",
        "ascii",
      ],
      [
        "cluster.2026-11-25-10-24-40.log",
        "cluster",
        archiveTime(base + 40),
        archiveTime(base + 43),
        "1",
        "ascii",
      ],
    ]);
    assert.equal(calls[0]!.file, `${dir}/cluster.2026-11-25-10-24-28.log`);
    assert.equal(w.stats().rotations, 3);
  }));

Deno.test("LogFileWriter rotates a leftover file before opening, never appending to it", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/conn.log`, "#separator \\x09\nold\n");
    const clock = new ManualClock(T0);
    await using w = new LogFileWriter({ dir, path: "conn", fields: FIELDS, clock, format: "json" });
    w.write([1.5, "n", "m"]);
    await w.flush();
    const names = await listLogs(dir);
    assert.equal(names.length, 3);
    assert.ok(names.includes("conn.log") && names.includes(".shadow.conn.log"));
    const rotated = names.find((n) => n.startsWith("conn.2"))!;
    assert.equal(await Deno.readTextFile(`${dir}/${rotated}`), "#separator \\x09\nold\n");
    assert.equal(
      await Deno.readTextFile(`${dir}/conn.log`),
      '{"ts":1.5,"node":"n","message":"m"}\n',
    );
  }));

Deno.test("LogFileWriter writes out early when its buffer fills, and drops past its bound", () =>
  withDir(async (dir) => {
    const clock = new ManualClock(T0);
    const w = new LogFileWriter({
      dir,
      path: "big",
      fields: FIELDS,
      clock,
      bufferBytes: 100,
      maxPendingBytes: 1000,
    });
    for (let i = 0; i < 5; i++) w.write([T0, "n", "x".repeat(40)]);
    for (let i = 0; i < 100; i++) w.write([T0, "n", "y".repeat(40)]);
    await w.close();
    const stats = w.stats();
    assert.equal(stats.records, 105);
    assert.equal(stats.written + stats.dropped, 105);
    const lines = (await Deno.readTextFile(`${dir}/big.log`)).split("\n").filter((l) =>
      l && !l.startsWith("#")
    );
    assert.equal(lines.length, stats.written);
  }));

Deno.test("LogFileWriter rejects an unsafe path", () => {
  assert.throws(
    () => new LogFileWriter({ dir: "/tmp", path: "../x", fields: FIELDS }),
    /Invalid log path "..\/x"/,
  );
});

Deno.test("flushed records survive kill -9 and are rotated at the next start", () =>
  withDir(async (dir) => {
    const script = `${dir}/crash.ts`;
    const mod = new URL("./log_file.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { LogFileWriter } from ${JSON.stringify(mod)};
const w = new LogFileWriter({ dir: ${JSON.stringify(dir + "/logs")}, path: "conn",
  fields: [{ name: "n", type: "count", optional: false }] });
for (let i = 0; i < 1000; i++) w.write([i]);
await w.flush();
w.write([99999]); // buffered only: may be lost
console.log("flushed");
setInterval(() => {}, 1000);
`,
    );
    await Deno.mkdir(`${dir}/logs`);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "null",
    })
      .spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.equal(new TextDecoder().decode(value).trim(), "flushed");
    child.kill("SIGKILL");
    await reader.cancel();
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
    assert.deepEqual((await listLogs(`${dir}/logs`)).sort(), [".shadow.conn.log", "conn.log"]);
    const recovered = await recoverLeftovers(`${dir}/logs`, Date.now() / 1000);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.rotated, rotatedName("conn", recovered[0]!.call.openTime));
    const text = await Deno.readTextFile(`${dir}/logs/${recovered[0]!.rotated}`);
    const rows = text.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(rows, Array.from({ length: 1000 }, (_, i) => String(i)));
    assert.deepEqual(await listLogs(`${dir}/logs`), [recovered[0]!.rotated]);
  }));

Deno.test("LogFileWriter.flush() with nothing buffered resolves only after the write-out under way", () =>
  withDir(async (dir) => {
    const w = new LogFileWriter({ dir, path: "acks", fields: FIELDS, clock: new ManualClock(T0) });
    w.write([T0, "worker-1", "first"]);
    const first = w.flush();
    // Let the write-out start and take the buffered line: the buffer is then empty.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    // What the file holds at the moment the second flush resolves.
    const atSecond = await w.flush().then(() => Deno.readTextFile(`${dir}/acks.log`));
    assert.match(
      atSecond,
      /worker-1\tfirst\n/,
      "the line is in the file when the empty flush resolves",
    );
    await first;
    await w.close();
  }));

Deno.test("LogFileWriter.flushSync() writes at once when the file is open and idle, else defers", () =>
  withDir(async (dir) => {
    const w = new LogFileWriter({ dir, path: "sync", fields: FIELDS, clock: new ManualClock(T0) });
    assert.equal(w.flushSync(), true, "nothing buffered");
    w.write([T0, "worker-1", "one"]);
    assert.equal(w.flushSync(), false, "the file is not open yet: flush() must open it");
    await w.flush();
    w.write([T0, "worker-1", "two"]);
    const queued = w.flush(); // queued, not started: it will find nothing left
    assert.equal(w.flushSync(), true);
    assert.match(Deno.readTextFileSync(`${dir}/sync.log`), /worker-1\ttwo\n/, "in the file now");
    await queued;
    await w.close();
    const lines = Deno.readTextFileSync(`${dir}/sync.log`).split("\n").filter((l) =>
      l.includes("worker-1")
    );
    assert.deepEqual(
      lines.map((l) => l.split("\t")[2]),
      ["one", "two"],
      "each line once, in order",
    );
  }));

Deno.test("LogFileWriter.flush() with the file open writes before the event loop turns", () =>
  withDir(async (dir) => {
    const w = new LogFileWriter({ dir, path: "turn", fields: FIELDS, clock: new ManualClock(T0) });
    w.write([T0, "worker-1", "opens"]);
    await w.flush();
    // A busy logger: every write-out is queued while the next lines arrive. None may wait on the
    // event loop, or flushSync() (which needs no write-out under way) fails for every later batch.
    let synced = 0;
    for (let i = 0; i < 50; i++) {
      w.write([T0, "worker-1", `line ${i}`]);
      let done = false;
      const flushed = w.flush().then(() => done = true);
      // Microtasks only: an operation that needs the event loop cannot finish here.
      for (let tick = 0; tick < 100 && !done; tick++) await Promise.resolve();
      assert.ok(done, `write-out ${i} done within the same turn`);
      await flushed;
      w.write([T0, "worker-1", `sync ${i}`]);
      if (w.flushSync()) synced++;
    }
    assert.equal(synced, 50);
    await w.close();
    const lines = Deno.readTextFileSync(`${dir}/turn.log`).split("\n").filter((l) =>
      l.includes("worker-1")
    );
    assert.equal(lines.length, 101, "each line once");
  }));

Deno.test("LogFileWriter.whenWritten() calls back right after the write-out of the lines buffered before it", () =>
  withDir(async (dir) => {
    const clock = new ManualClock(T0);
    const w = new LogFileWriter({
      dir,
      path: "acked",
      fields: FIELDS,
      clock,
      rotationIntervalSec: 3600,
    });
    const seen: string[] = [];
    /** A callback that notes, when called, what the current file and the directory hold. */
    const note = (name: string) => (error: Error | undefined, more: boolean) => {
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      const text = names.includes("acked.log") ? Deno.readTextFileSync(`${dir}/acked.log`) : "";
      const lines = text.split("\n").filter((l) => l.includes("worker-1"));
      const closed = text.includes("#close");
      seen.push(
        `${name}: ${error?.message ?? "ok"} [${lines.map((l) => l.split("\t")[2])}]` +
          `${closed ? " #close" : ""}, ${names.length} files${more ? ", more follow" : ""}`,
      );
    };
    w.whenWritten(note("nothing buffered"));
    assert.deepEqual(seen, ["nothing buffered: ok [], 0 files"], "called at once");
    w.write([T0, "worker-1", "one"]);
    w.whenWritten(note("one"));
    w.write([T0, "worker-1", "two"]);
    w.whenWritten(note("two"));
    assert.equal(seen.length, 1, "no write-out yet");
    await w.flush(); // opens the file, then writes both lines in one write-out
    // The past period's lines are cut off from the next ones by the rotation: its write-out calls
    // back before it writes `#close` and renames the file.
    w.write([T0, "worker-1", "old"]);
    w.whenWritten(note("old"));
    clock.t = T0 + 3600;
    w.write([clock.t, "worker-1", "new"]);
    w.whenWritten(note("new"));
    await w.flush();
    await w.close();
    assert.deepEqual(seen.slice(1), [
      "one: ok [one,two], 2 files, more follow",
      "two: ok [one,two], 2 files",
      "old: ok [one,two,old], 2 files",
      "new: ok [new], 3 files",
    ]);
  }));

Deno.test("LogFileWriter.whenWritten() passes the error of a failed write-out", () =>
  withDir(async (dir) => {
    const errors: Error[] = [];
    const w = new LogFileWriter({
      dir: `${dir}/removed`,
      path: "lost",
      fields: FIELDS,
      clock: new ManualClock(T0),
      onError: (e) => errors.push(e),
    });
    w.write([T0, "worker-1", "one"]);
    const got: (Error | undefined)[] = [];
    w.whenWritten((error) => got.push(error));
    await assert.rejects(w.flush(), Deno.errors.NotFound);
    assert.equal(got.length, 1);
    assert.ok(got[0] instanceof Deno.errors.NotFound, "the write-out's error");
    assert.equal(w.stats().dropped, 1);
    // Nothing left to write: called at once, with the error that lost the lines before it (a
    // failed flushSync() leaves its caller here).
    w.whenWritten((error) => got.push(error));
    assert.equal(got.length, 2);
    assert.ok(got[1] instanceof Deno.errors.NotFound);
    await Deno.mkdir(`${dir}/removed`);
    w.write([T0, "worker-1", "two"]);
    w.whenWritten((error) => got.push(error));
    await w.flush();
    w.whenWritten((error) => got.push(error));
    assert.deepEqual(got.slice(2), [undefined, undefined], "written, then nothing to write");
    assert.equal(w.stats().written, 1);
    await w.close();
    assert.deepEqual(errors, [], "the failed write-out's error went to flush()'s caller");
  }));

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { compressedName, LogCompressor, pendingCompressions } from "./compress.ts";
import { formatLogTimestamp } from "./formatter.ts";
import { LogWriterManager } from "./writer_manager.ts";
import type { LogField } from "../schema/schema.ts";
import type { PostProcessCall } from "./rotation.ts";

const FIELDS: readonly LogField[] = [
  { name: "ts", type: "time", optional: false },
  { name: "message", type: "string", optional: false },
];
const T0 = new Date(2026, 10, 25, 10, 0, 0).getTime() / 1000;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

const gunzipText = async (file: string) =>
  new TextDecoder().decode(gunzipSync(await Deno.readFile(file)));

Deno.test("compressedName() names a rotated file path.<open>-<close>.log.gz", () => {
  const name = compressedName("conn", T0, T0 + 3600);
  assert.equal(name, `conn.${formatLogTimestamp(T0)}-${formatLogTimestamp(T0 + 3600)}.log.gz`);
  assert.match(name, /^conn\.2026-11-25-10-00-00-2026-11-25-11-00-00\.log\.gz$/);
});

Deno.test("LogCompressor.compress() replaces the plain file by a complete .gz", () =>
  withDir(async (dir) => {
    const plain = `conn.${formatLogTimestamp(T0)}.log`;
    const text = "#fields\tts\tmessage\n" + "1.0\thello\n".repeat(50_000);
    await Deno.writeTextFile(`${dir}/${plain}`, text);
    await using compressor = new LogCompressor({ level: 9 });
    const gz = await compressor.compress({
      dir,
      plain,
      path: "conn",
      openTime: T0,
      closeTime: T0 + 60,
    });
    assert.equal(gz, compressedName("conn", T0, T0 + 60));
    assert.deepEqual(await names(dir), [gz]);
    assert.equal(await gunzipText(`${dir}/${gz}`), text);
    const stats = compressor.stats;
    assert.equal(stats.compressed, 1);
    assert.equal(stats.bytesIn, text.length);
    assert.ok(stats.bytesOut < stats.bytesIn / 10);
  }));

Deno.test("LogCompressor.compress() keeps the plain file when compression fails", () =>
  withDir(async (dir) => {
    await using compressor = new LogCompressor();
    await assert.rejects(
      compressor.compress({ dir, plain: "gone.log", path: "gone", openTime: T0, closeTime: T0 }),
      /Cannot compress .*gone\.log/,
    );
    assert.equal(compressor.stats.failed, 1);
  }));

Deno.test("LogCompressor() refuses a gzip level outside 1..9", () => {
  assert.throws(() => new LogCompressor({ level: 0 }), /Invalid gzip level 0/);
  assert.throws(() => new LogCompressor({ level: 10 }), RangeError);
});

Deno.test("pendingCompressions() clears a crash's leftovers and lists plain rotated files", () =>
  withDir(async (dir) => {
    const stamp = formatLogTimestamp(T0);
    const closeStamp = formatLogTimestamp(T0 + 3600);
    // Cut short during compression: plain file and a partial .tmp.
    await Deno.writeTextFile(`${dir}/conn.${stamp}.log`, `#fields\tts\n1\n#close\t${closeStamp}\n`);
    await Deno.writeTextFile(`${dir}/${compressedName("conn", T0, T0 + 3600)}.tmp`, "partial");
    // Cut short after the rename: the complete .gz and the plain file.
    const dnsText = "#fields\tts\n2\n";
    await Deno.writeTextFile(`${dir}/dns.${stamp}.log`, dnsText);
    const mtime = (await Deno.stat(`${dir}/dns.${stamp}.log`)).mtime!.getTime() / 1000;
    await using compressor = new LogCompressor();
    await Deno.copyFile(`${dir}/dns.${stamp}.log`, `${dir}/dns-copy.${stamp}.log`);
    const gz = await compressor.compress({
      dir,
      plain: `dns-copy.${stamp}.log`,
      path: "dns",
      openTime: T0,
      closeTime: mtime,
    });
    assert.equal(gz, compressedName("dns", T0, mtime));
    // Live files and other names are left alone.
    await Deno.writeTextFile(`${dir}/conn.log`, "#separator \\x09\n");
    await Deno.writeTextFile(`${dir}/notes.txt`, "x");

    const jobs = await pendingCompressions(dir);
    assert.deepEqual(jobs, [{
      dir,
      plain: `conn.${stamp}.log`,
      path: "conn",
      openTime: T0,
      closeTime: T0 + 3600,
    }]);
    assert.deepEqual(await names(dir), [`conn.${stamp}.log`, "conn.log", gz!, "notes.txt"].sort());
    assert.equal(await gunzipText(`${dir}/${gz}`), dnsText);
  }));

Deno.test("LogWriterManager with gzip compresses rotated files and finishes a crash's work", () =>
  withDir(async (dir) => {
    let now = T0 + 1;
    const clock = { now: () => now };
    const calls: PostProcessCall[] = [];
    {
      await using logs = await LogWriterManager.create({
        dir,
        clock,
        flushIntervalMs: 0,
        rotationIntervalSec: 3600,
        compression: "gzip",
        gzipLevel: 1,
        postProcessor: (call) => void calls.push(call),
      });
      for (let i = 0; i < 100; i++) logs.writeRows("conn", FIELDS, [[T0 + i, `r${i}`]]);
      now = T0 + 3600.5;
      await logs.tick();
      logs.writeRows("conn", FIELDS, [[now, "next"]]);
      await logs.flush();
    }
    const gzNames = (await names(dir)).filter((n) => n.endsWith(".log.gz"));
    assert.equal(gzNames.length, 2, String(await names(dir)));
    assert.ok(!(await names(dir)).some((n) => n.endsWith(".log") || n.endsWith(".tmp")));
    const first = await gunzipText(`${dir}/${compressedName("conn", T0 + 1, T0 + 3600.5)}`);
    assert.equal(first.split("\n").filter((l) => /^\d/.test(l)).length, 100);
    assert.match(first, /^#separator/);
    assert.deepEqual(calls.map((c) => c.argv[0]).sort(), gzNames);
    assert.ok(calls.every((c) => c.file.endsWith(".log.gz")));

    // A crash left a rotated file plain: the next start compresses it.
    const stamp = formatLogTimestamp(T0 - 7200);
    await Deno.writeTextFile(`${dir}/old.${stamp}.log`, "#fields\tts\n1\n");
    {
      await using _logs = await LogWriterManager.create({
        dir,
        clock,
        flushIntervalMs: 0,
        compression: "gzip",
      });
    }
    assert.ok((await names(dir)).some((n) => n.startsWith(`old.${stamp}-`) && n.endsWith(".gz")));
    assert.ok(!(await names(dir)).includes(`old.${stamp}.log`));
  }));

import assert from "node:assert/strict";
import { LockHeldError } from "../errors.ts";
import { LogWriterManager } from "../logging/files/writer_manager.ts";
import {
  assertLogDirectoryFree,
  lockHolder,
  lockLogDirectory,
  lockStoreFile,
  LOG_DIR_LOCK_FILE,
  takeLock,
} from "./lock_file.ts";

const LOCK_MODULE = new URL("./lock_file.ts", import.meta.url).href;

/** Another process that takes the lock of `dir`, says so, and holds it until killed. */
async function holder(dir: string): Promise<Deno.ChildProcess> {
  const code = `
    import { lockLogDirectory } from ${JSON.stringify(LOCK_MODULE)};
    lockLogDirectory(${JSON.stringify(dir)});
    console.log("locked");
    setInterval(() => {}, 60_000);
  `;
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  assert.equal(value?.trim(), "locked");
  return proc;
}

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-locks-" });
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

Deno.test("lockLogDirectory() refuses a second process naming the directory and the holder's pid; kill -9 frees it", () =>
  withDir(async (dir) => {
    const proc = await holder(dir);
    try {
      let held: unknown;
      try {
        lockLogDirectory(dir);
      } catch (error) {
        held = error;
      }
      assert.ok(held instanceof LockHeldError);
      assert.equal(held.pid, proc.pid);
      assert.match(held.message, new RegExp(`log directory "${dir}"`));
      assert.match(held.message, new RegExp(`process ${proc.pid} holds its lock`));
      assert.equal(lockHolder(`${dir}/${LOG_DIR_LOCK_FILE}`), proc.pid);
      assert.throws(() => assertLogDirectoryFree(dir), LockHeldError);
    } finally {
      proc.kill("SIGKILL");
      await proc.status;
      await proc.stdout.cancel().catch(() => {});
    }
    // The killed holder's lock file is still there, naming a dead pid, but it is not locked.
    assert.deepEqual(await names(dir), [LOG_DIR_LOCK_FILE]);
    assert.equal(lockHolder(`${dir}/${LOG_DIR_LOCK_FILE}`), undefined);
    assertLogDirectoryFree(dir);
    const lock = lockLogDirectory(dir);
    assert.equal(await Deno.readTextFile(lock.path), `${Deno.pid}\n`);
    lock[Symbol.dispose]();
    lock[Symbol.dispose](); // safe twice
    assert.deepEqual(await names(dir), [], "a clean release leaves nothing");
  }));

Deno.test("takeLock() refuses a second open of the same file in this process too", () =>
  withDir((dir) => {
    using _first = takeLock(`${dir}/x.lock`, "thing x");
    assert.throws(() => takeLock(`${dir}/x.lock`, "thing x"), (e: unknown) => {
      assert.ok(e instanceof LockHeldError);
      assert.equal(e.pid, Deno.pid);
      assert.match(e.message, /^Cannot use thing x: process \d+ holds its lock/);
      return true;
    });
  }));

Deno.test("lockStoreFile() locks <file>.lock beside the database, and nothing for :memory:", () =>
  withDir(async (dir) => {
    assert.equal(lockStoreFile(":memory:", "s"), undefined);
    {
      using lock = lockStoreFile(`${dir}/sub/s.sqlite`, "s")!;
      assert.equal(lock.path, `${dir}/sub/s.sqlite.lock`);
      assert.throws(() => lockStoreFile(`${dir}/sub/s.sqlite`, "s"), /store "s" \(/);
    }
    assert.deepEqual(await names(`${dir}/sub`), []);
  }));

Deno.test("LogWriterManager.create() on a directory another process holds touches no file; crash recovery runs once it holds the lock", () =>
  withDir(async (dir) => {
    const live = "#separator \\x09\n#path\tcluster\nlive\n";
    await Deno.writeTextFile(`${dir}/cluster.log`, live);
    await Deno.writeTextFile(`${dir}/.shadow.cluster.log`, "1764065070\n");
    const before = await Deno.stat(`${dir}/cluster.log`);
    const proc = await holder(dir);
    try {
      await assert.rejects(
        () => LogWriterManager.create({ dir, flushIntervalMs: 0 }),
        (e: unknown) => e instanceof LockHeldError && e.pid === proc.pid,
      );
      const after = await Deno.stat(`${dir}/cluster.log`);
      assert.equal(after.ino, before.ino, "the live file is not rotated away");
      assert.equal(await Deno.readTextFile(`${dir}/cluster.log`), live);
      assert.deepEqual(await names(dir), [".shadow.cluster.log", LOG_DIR_LOCK_FILE, "cluster.log"]);
    } finally {
      proc.kill("SIGKILL");
      await proc.status;
      await proc.stdout.cancel().catch(() => {});
    }
    // The holder crashed: its files are leftovers now, and the next manager rotates them.
    const logs = await LogWriterManager.create({ dir, flushIntervalMs: 0 });
    assert.equal(logs.recovered.length, 1);
    assert.ok((await names(dir)).includes(LOG_DIR_LOCK_FILE));
    await logs.close();
    const left = await names(dir);
    assert.ok(!left.includes(LOG_DIR_LOCK_FILE), "close() releases the lock");
    assert.ok(!left.includes("cluster.log"));
    assert.equal(left.filter((n) => n.startsWith("cluster.2")).length, 1);
  }));

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { count, encodeBinV1, valuesEqual } from "../serialization/mod.ts";
import { tempDir } from "./_test_helpers.ts";
import { SqliteBackend } from "./sqlite_backend.ts";
import { SqliteWriteBehindBackend } from "./sqlite_write_behind.ts";
import { SqliteCommitThread } from "./sqlite_commit_thread.ts";
import { applyWriteBatch, WriteBatchBuilder } from "./_write_batch.ts";

/** Rows of a store file as hex key → [hex value, expiry], read on a connection of its own. */
function fileRows(path: string): Map<string, [string, bigint | null]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const st = db.prepare("select key, value, expiry from store");
    st.setReadBigInts(true);
    const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString("hex");
    return new Map(
      st.all().map((r) => [hex(r["key"]), [hex(r["value"]), r["expiry"] as bigint | null]]),
    );
  } finally {
    db.close();
  }
}

const hexOf = (v: Parameters<typeof encodeBinV1>[0]) => Buffer.from(encodeBinV1(v)).toString("hex");

Deno.test("SqliteWriteBehindBackend commits on its thread: flush() resolves once another connection sees the rows", async () => {
  using dir = tempDir();
  const path = `${dir.path}/a/s.sqlite`;
  await using backend = new SqliteWriteBehindBackend({ path });
  assert.equal(backend.flush(), undefined, "nothing pending: nothing to wait for");
  backend.put("k", count(1), null);
  backend.put("e", "v", 5n);
  assert.ok(valuesEqual(backend.get("k")!.value, count(1)), "reads see writes at once");
  await backend.flush();
  const rows = fileRows(path);
  assert.deepEqual(rows.get(hexOf("k")), [hexOf(count(1)), null]);
  assert.deepEqual(rows.get(hexOf("e")), [hexOf("v"), 5n]);
  assert.equal(backend.erase("k"), true);
  assert.equal(backend.erase("absent"), false);
  assert.equal(backend.expire("e", 4n), false);
  assert.equal(backend.expire("e", 5n), true);
  await backend.flush();
  assert.equal(fileRows(path).size, 0);
});

Deno.test("SqliteWriteBehindBackend groups the writes made during a commit into the next one, in order", async () => {
  using dir = tempDir();
  const path = `${dir.path}/s.sqlite`;
  await using backend = new SqliteWriteBehindBackend({ path });
  const flushes: Promise<void>[] = [];
  const order: number[] = [];
  for (let i = 0; i < 50; i++) {
    backend.put("n", i, null);
    backend.put(`k${i}`, i, null);
    if (i === 20) backend.clear();
    const f = backend.flush()!;
    flushes.push(f.then(() => void order.push(i)));
  }
  await Promise.all(flushes);
  assert.deepEqual(order, [...Array(50).keys()], "flush promises settle in call order");
  const rows = fileRows(path);
  assert.equal(rows.size, 30, "k21..k49 and n, the rows before the clear gone");
  assert.deepEqual(rows.get(hexOf("n")), [hexOf(49), null]);
  assert.equal(rows.has(hexOf("k20")), false);
  assert.equal(backend.size(), 30);
});

Deno.test("SqliteWriteBehindBackend opens a file's rows and its dispose commits what is pending", async () => {
  using dir = tempDir();
  const path = `${dir.path}/s.sqlite`;
  {
    using seed = new SqliteBackend({ path });
    seed.put("old", "row", 9n);
  }
  {
    await using backend = new SqliteWriteBehindBackend({ path });
    assert.deepEqual(backend.get("old"), { value: "row", expiryNs: 9n });
    assert.deepEqual(backend.expiries(), [["old", 9n]]);
    backend.put("new", 1, null);
    // No flush: dispose commits it.
  }
  using reopened = new SqliteBackend({ path });
  assert.deepEqual(reopened.keys().sort(), ["new", "old"]);
});

Deno.test("SqliteWriteBehindBackend reports a failed commit to every waiter and refuses later writes", async () => {
  using dir = tempDir();
  const path = `${dir.path}/gone/s.sqlite`;
  await using backend = new SqliteWriteBehindBackend({ path });
  backend.put("a", 1, null);
  await backend.flush();
  // The journal cannot be created once the directory is gone: the next commit fails.
  Deno.removeSync(`${dir.path}/gone`, { recursive: true });
  backend.put("b", 2, null);
  const first = backend.flush()!;
  backend.put("c", 3, null);
  const second = backend.flush()!;
  for (const p of [first, second]) {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, "backend_failure");
      assert.match(e.message, /Cannot commit SQLite store ".*gone\/s\.sqlite"/);
      return true;
    });
  }
  assert.throws(() => backend.put("d", 4, null), /Cannot commit SQLite store/);
  assert.throws(() => backend.flush(), /Cannot commit SQLite store/);
  assert.ok(valuesEqual(backend.get("a")!.value, 1), "reads still answer");
});

Deno.test("SqliteWriteBehindBackend refuses :memory: and keeps SqliteBackend's failure modes", async () => {
  assert.throws(
    () => new SqliteWriteBehindBackend({ path: ":memory:" }),
    /Cannot open a write-behind SQLite store in memory/,
  );
  using dir = tempDir();
  const path = `${dir.path}/bad.sqlite`;
  Deno.writeTextFileSync(
    path,
    "not a database, just text that is long enough to be read".repeat(20),
  );
  assert.throws(() => new SqliteWriteBehindBackend({ path }), (e: unknown) => {
    assert.ok(e instanceof StoreError);
    assert.match(e.message, /Cannot open SQLite store ".*bad\.sqlite"/);
    return true;
  });
  await using backend = new SqliteWriteBehindBackend({ path, failureMode: "DELETE" });
  assert.equal(backend.recreated, true);
  backend.put("x", 1, null);
  await backend.flush();
  assert.equal(fileRows(path).size, 1);
});

Deno.test("write batches round-trip puts, erases and clears, and a truncated batch is refused", () => {
  const b = new WriteBatchBuilder();
  b.put(new Uint8Array([1]), new Uint8Array(300).fill(7), -3n);
  b.erase(new Uint8Array([2, 2]));
  b.put(new Uint8Array([3]), new Uint8Array([4]), null);
  assert.equal(b.ops, 3);
  const buf = b.take();
  assert.equal(b.ops, 0);
  const seen: string[] = [];
  const n = applyWriteBatch(buf, {
    put: (k, v, e) => seen.push(`put ${k} ${v.length} ${e}`),
    erase: (k) => seen.push(`erase ${k}`),
    clear: () => seen.push("clear"),
  });
  assert.equal(n, 3);
  assert.deepEqual(seen, ["put 1 300 -3", "erase 2,2", "put 3 1 null"]);
  b.put(new Uint8Array([1]), new Uint8Array([1]), null);
  b.clear();
  const cleared: string[] = [];
  applyWriteBatch(b.take(), {
    put: () => cleared.push("put"),
    erase: () => {},
    clear: () => cleared.push("clear"),
  });
  assert.deepEqual(cleared, ["clear"], "a clear drops the changes before it");
  assert.throws(
    () => applyWriteBatch(buf.slice(0, 10), { put() {}, erase() {}, clear() {} }),
    /Cannot read write batch: truncated/,
  );
  assert.throws(
    () => applyWriteBatch(new Uint8Array([9]).buffer, { put() {}, erase() {}, clear() {} }),
    /unknown op 9 at byte 0/,
  );
});

Deno.test("a site's own worker that imports the stores keeps its message handler", async () => {
  const worker = new Worker(new URL("./testdata/site_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const reply = new Promise<string>((resolve) => {
      worker.onmessage = (e: MessageEvent<string>) => resolve(e.data);
    });
    worker.postMessage("hello");
    assert.equal(await reply, "site got hello (function)");
  } finally {
    worker.terminate();
  }
});

Deno.test("SqliteWriteBehindBackend refuses writes past its backlog bound, counts them, and takes them again once committed", async () => {
  using dir = tempDir();
  await using backend = new SqliteWriteBehindBackend({ path: `${dir.path}/s.sqlite` }, {
    maxBacklogBytes: 100,
  });
  backend.put("first", 1, null);
  const inFlight = backend.flush()!;
  let accepted = 0;
  let refused: unknown;
  for (let i = 0; i < 50 && refused === undefined; i++) {
    try {
      backend.put(`k${i}`, "x".repeat(10), null);
      accepted++;
    } catch (e) {
      refused = e;
    }
  }
  assert.ok(refused instanceof StoreError, "a write past the bound is refused");
  assert.equal(refused.code, "backend_failure");
  assert.match(refused.message, /bytes of writes wait for the commits in flight \(bound 100\)/);
  assert.equal(backend.refusedWrites, 1);
  assert.ok(accepted > 0 && accepted < 50);
  assert.equal(backend.exists(`k${accepted}`), false, "the refused write changed nothing");
  await inFlight;
  await backend.flush();
  backend.put("after", 2, null);
  await backend.flush();
  assert.equal(fileRows(`${dir.path}/s.sqlite`).size, accepted + 2);
  assert.throws(() =>
    new SqliteWriteBehindBackend({ path: `${dir.path}/t.sqlite` }, {
      maxBacklogBytes: 0,
    }), /Invalid maxBacklogBytes 0/);
});

Deno.test("SqliteWriteBehindBackends sharing one commit thread commit apart; one failing leaves the other working", async () => {
  using dir = tempDir();
  await using thread = new SqliteCommitThread();
  Deno.mkdirSync(`${dir.path}/a`);
  Deno.mkdirSync(`${dir.path}/b`);
  {
    await using a = new SqliteWriteBehindBackend({ path: `${dir.path}/a/s.sqlite` }, { thread });
    await using b = new SqliteWriteBehindBackend({ path: `${dir.path}/b/s.sqlite` }, { thread });
    assert.equal(thread.databases, 2);
    a.put("in-a", 1, null);
    b.put("in-b", 2, null);
    await Promise.all([a.flush(), b.flush()]);
    assert.deepEqual([...fileRows(`${dir.path}/a/s.sqlite`).keys()], [hexOf("in-a")]);
    assert.deepEqual([...fileRows(`${dir.path}/b/s.sqlite`).keys()], [hexOf("in-b")]);
    Deno.removeSync(`${dir.path}/a`, { recursive: true });
    a.put("lost", 3, null);
    await assert.rejects(a.flush()!, /Cannot commit SQLite store ".*\/a\/s\.sqlite"/);
    b.put("more", 4, null);
    await b.flush();
    assert.equal(fileRows(`${dir.path}/b/s.sqlite`).size, 2);
  }
  assert.equal(thread.databases, 0, "both databases closed and released");
  assert.throws(() => {
    thread.terminate();
    new SqliteWriteBehindBackend({ path: `${dir.path}/c.sqlite` }, { thread });
  }, /the commit thread has ended/);
});

Deno.test("SqliteWriteBehindBackend's synchronous dispose returns once the commit thread closed the file: it is complete and its directory can go", () => {
  for (const shared of [false, true]) {
    const dir = Deno.makeTempDirSync({ prefix: "zcluster-stores-" });
    const thread = shared ? new SqliteCommitThread() : undefined;
    const backend = new SqliteWriteBehindBackend(
      { path: `${dir}/s.sqlite` },
      thread ? { thread } : {},
    );
    backend.put("pending", 1, null); // still pending: dispose hands it to the thread
    backend[Symbol.dispose]();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["s.sqlite"]);
    assert.deepEqual([...fileRows(`${dir}/s.sqlite`).keys()], [hexOf("pending")]);
    assert.equal(thread?.databases ?? 0, 0, "released on the shared thread");
    thread?.terminate();
    Deno.removeSync(`${dir}/s.sqlite`);
    Deno.removeSync(dir); // not recursive: nothing was written after dispose returned
  }
});

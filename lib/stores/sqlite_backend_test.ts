import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { encodeBinV1, valuesEqual, valueToString } from "../serialization/mod.ts";
import {
  BROKER_SQLITE_URL,
  loadDumpRows,
  loadVectorPuts,
  tempDir,
  toHex,
} from "./_test_helpers.ts";
import { SqliteBackend, sqliteOptionsFromBroker } from "./sqlite_backend.ts";

/** Broker's expiry for the one expiring key (put + 3600 s), from the dump. */
const VECTOR_EXPIRY_NS = 1_795_605_910_416_431_508n;

Deno.test("SqliteBackend reads all 46 keys of Broker's store as broker-store.json put them", () => {
  using dir = tempDir();
  const path = `${dir.path}/broker-store.sqlite`;
  Deno.copyFileSync(BROKER_SQLITE_URL, path);
  using backend = new SqliteBackend({ path });
  const puts = loadVectorPuts();
  assert.equal(puts.length, 46);
  assert.equal(backend.keys().length, 46);
  assert.equal(backend.size(), 46);
  for (const put of puts) {
    const row = backend.get(put.key);
    assert.ok(row, `key ${put.n} ${valueToString(put.key)} missing`);
    assert.ok(
      valuesEqual(row.value, put.value),
      `value ${put.n}: ${valueToString(row.value)} != ${valueToString(put.value)}`,
    );
    assert.equal(row.expiryNs, put.expirySeconds === 0 ? null : VECTOR_EXPIRY_NS);
  }
  assert.deepEqual(backend.expiries().map(([k, e]) => [k, e]), [["expiring", VECTOR_EXPIRY_NS]]);
});

Deno.test("SqliteBackend writes rows, blobs, schema and meta byte-identical to Broker's", () => {
  using dir = tempDir();
  const path = `${dir.path}/nested/dir/zcluster.sqlite`;
  {
    using backend = new SqliteBackend({ path });
    for (const put of loadVectorPuts()) {
      backend.put(put.key, put.value, put.expirySeconds === 0 ? null : VECTOR_EXPIRY_NS);
    }
    backend.flush();
  }
  const db = new DatabaseSync(path);
  try {
    const rows = db.prepare(
      "select hex(key) as k, hex(value) as v, expiry as e from store order by rowid",
    );
    rows.setReadBigInts(true);
    const ours = rows.all().map((r) => [r["k"], r["v"], r["e"] === null ? "" : String(r["e"])]);
    assert.deepEqual(ours, loadDumpRows());
    const schema = db.prepare("select sql from sqlite_master where type = 'table' order by name")
      .all().map((r) => r["sql"]);
    assert.deepEqual(schema, [
      "CREATE TABLE meta(key text primary key, value text)",
      "CREATE TABLE store(key blob primary key, value blob, expiry integer)",
    ]);
    assert.deepEqual(
      db.prepare("select key, value from meta").all().map((r) => [r["key"], r["value"]]),
      [
        ["broker_version", "2.8.0"],
      ],
    );
  } finally {
    db.close();
  }
});

Deno.test("SqliteBackend encodes keys as Broker does, so lookups by blob hit", () => {
  using dir = tempDir();
  const path = `${dir.path}/b.sqlite`;
  Deno.copyFileSync(BROKER_SQLITE_URL, path);
  using backend = new SqliteBackend({ path });
  const dump = new Set(loadDumpRows().map((r) => r[0]));
  for (const put of loadVectorPuts()) {
    assert.ok(dump.has(toHex(encodeBinV1(put.key))));
    assert.ok(backend.exists(put.key));
  }
});

Deno.test("SqliteBackend commits only at flush(); another connection sees flushed rows", () => {
  using dir = tempDir();
  const path = `${dir.path}/tx.sqlite`;
  using backend = new SqliteBackend({ path });
  const count = () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return Number(db.prepare("select count(*) as n from store").get()?.["n"]);
    } finally {
      db.close();
    }
  };
  backend.put("a", 1, null);
  assert.equal(backend.exists("a"), true);
  assert.equal(count(), 0);
  backend.flush();
  assert.equal(count(), 1);
});

Deno.test("SqliteBackend failure mode FAIL rejects a corrupt file and leaves it", () => {
  using dir = tempDir();
  const path = `${dir.path}/corrupt.sqlite`;
  const garbage = new TextEncoder().encode("not a database ".repeat(500));
  Deno.writeFileSync(path, garbage);
  assert.throws(
    () => new SqliteBackend({ path, failureMode: "FAIL" }),
    (e) => e instanceof StoreError && e.code === "backend_failure" && /Cannot open/.test(e.message),
  );
  assert.deepEqual(Deno.readFileSync(path), garbage);
});

Deno.test("SqliteBackend failure mode DELETE re-creates a corrupt file", () => {
  using dir = tempDir();
  const path = `${dir.path}/corrupt.sqlite`;
  Deno.writeTextFileSync(path, "not a database ".repeat(500));
  using backend = new SqliteBackend({ path, failureMode: "DELETE", integrityCheck: true });
  assert.equal(backend.recreated, true);
  backend.put("k", "v", null);
  assert.equal(backend.get("k")?.value, "v");
});

Deno.test("SqliteBackend runs the integrity check and applies PRAGMA options", () => {
  using dir = tempDir();
  const path = `${dir.path}/wal.sqlite`;
  {
    using backend = new SqliteBackend({
      path,
      integrityCheck: true,
      journalMode: "WAL",
      synchronous: "NORMAL",
    });
    assert.equal(backend.recreated, false);
    backend.put("k", "v", null);
  }
  const db = new DatabaseSync(path);
  try {
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.["journal_mode"], "wal");
  } finally {
    db.close();
  }
});

Deno.test("SqliteBackend reports an undecodable blob as invalid_data", () => {
  using dir = tempDir();
  const path = `${dir.path}/bad.sqlite`;
  {
    using _ = new SqliteBackend({ path });
  }
  const db = new DatabaseSync(path);
  db.prepare("insert into store values(?, ?, null)").run(encodeBinV1("k"), new Uint8Array([99]));
  db.close();
  using backend = new SqliteBackend({ path });
  assert.throws(
    () => backend.get("k"),
    (e) => e instanceof StoreError && e.code === "invalid_data",
  );
});

Deno.test("sqliteOptionsFromBroker() validates Broker's enum option names", () => {
  assert.deepEqual(
    sqliteOptionsFromBroker({
      path: "x.sqlite",
      synchronous: "Broker::SQLITE_SYNCHRONOUS_NORMAL",
      journal_mode: "Broker::SQLITE_JOURNAL_MODE_WAL",
      failure_mode: "Broker::SQLITE_FAILURE_MODE_DELETE",
      integrity_check: true,
    }),
    {
      path: "x.sqlite",
      synchronous: "NORMAL",
      journalMode: "WAL",
      failureMode: "DELETE",
      integrityCheck: true,
    },
  );
  assert.throws(() => sqliteOptionsFromBroker({ path: "" }), StoreError);
  assert.throws(
    () => sqliteOptionsFromBroker({ path: "x", journal_mode: "Broker::SQLITE_SYNCHRONOUS_OFF" }),
    /Invalid SQLite option journal_mode/,
  );
});

/**
 * Broker's SQLite backend on `node:sqlite`, file-compatible with Broker 2.8: the same schema,
 * `meta.broker_version`, `broker-bin-v1` key and value blobs, absolute-ns expiry column, PRAGMA
 * options, failure modes and integrity check (spec A.9).
 *
 * Writes are batched: the first write after a flush opens a transaction, {@link
 * SqliteBackend.flush} commits it. Reads on the same connection see uncommitted writes.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { BinV1Encoder, type BrokerValue, decodeBinV1 } from "../serialization/mod.ts";
import type { BackendKind, EncodedRow, StoreBackend, StoredValue, StoreEntry } from "./backend.ts";

/** `meta.broker_version` written at open, as Broker 2.8.0 does. */
export const BROKER_VERSION = "2.8.0";

/** `PRAGMA synchronous` values (Broker's `SQLITE_SYNCHRONOUS_*`). */
export type SqliteSynchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA";
/** `PRAGMA journal_mode` values (Broker's `SQLITE_JOURNAL_MODE_*`). */
export type SqliteJournalMode = "DELETE" | "WAL";
/** What to do when the file cannot be opened (Broker's `SQLITE_FAILURE_MODE_*`). */
export type SqliteFailureMode = "FAIL" | "DELETE";

/** Options of {@link SqliteBackend}, as Zeek's `Broker::SQLiteOptions`. */
export interface SqliteBackendOptions {
  /** Database file (parent directories are created); `:memory:` for a private in-memory db. */
  readonly path: string;
  /** `PRAGMA synchronous`; unset keeps SQLite's default (FULL). */
  readonly synchronous?: SqliteSynchronous;
  /** `PRAGMA journal_mode`; unset keeps SQLite's default (DELETE). */
  readonly journalMode?: SqliteJournalMode;
  /** `"FAIL"` (default) fails the open; `"DELETE"` deletes the file and retries once. */
  readonly failureMode?: SqliteFailureMode;
  /** Run `PRAGMA integrity_check` at open and fail unless it returns one row `ok`. Default false. */
  readonly integrityCheck?: boolean;
}

const SYNCHRONOUS = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;
const JOURNAL_MODES = ["DELETE", "WAL"] as const;
const FAILURE_MODES = ["DELETE", "FAIL"] as const;

/**
 * Reads Broker's `backend_options` form (spec A.9 "Options plumbing"): `path` a string,
 * `synchronous`/`journal_mode`/`failure_mode` fully qualified enum names such as
 * `Broker::SQLITE_JOURNAL_MODE_WAL`, `integrity_check` a bool.
 *
 * @param options Option name → value (enum values as their names).
 * @returns The options.
 * @throws {StoreError} `backend_failure` for a missing path or an invalid option, as Broker's
 *   `invalid-sqlite-option`.
 * @example
 * ```ts
 * import { sqliteOptionsFromBroker } from "./sqlite_backend.ts";
 * sqliteOptionsFromBroker({ path: "a.sqlite", journal_mode: "Broker::SQLITE_JOURNAL_MODE_WAL" });
 * ```
 */
export function sqliteOptionsFromBroker(
  options: Readonly<Record<string, string | boolean>>,
): SqliteBackendOptions {
  const path = options["path"];
  if (typeof path !== "string" || path === "") {
    throw new StoreError("backend_failure", "Invalid SQLite options: missing path");
  }
  const pick = <T extends string>(name: string, prefix: string, allowed: readonly T[]) => {
    const v = options[name];
    if (v === undefined) return undefined;
    const suffix = typeof v === "string" && v.startsWith(prefix) ? v.slice(prefix.length) : "";
    if (!allowed.includes(suffix as T)) {
      throw new StoreError("backend_failure", `Invalid SQLite option ${name}: ${String(v)}`);
    }
    return suffix as T;
  };
  const synchronous = pick("synchronous", "Broker::SQLITE_SYNCHRONOUS_", SYNCHRONOUS);
  const journalMode = pick("journal_mode", "Broker::SQLITE_JOURNAL_MODE_", JOURNAL_MODES);
  const failureMode = pick("failure_mode", "Broker::SQLITE_FAILURE_MODE_", FAILURE_MODES);
  const integrity = options["integrity_check"];
  return {
    path,
    ...(synchronous ? { synchronous } : {}),
    ...(journalMode ? { journalMode } : {}),
    ...(failureMode ? { failureMode } : {}),
    ...(typeof integrity === "boolean" ? { integrityCheck: integrity } : {}),
  };
}

interface Statements {
  put: StatementSync;
  get: StatementSync;
  exists: StatementSync;
  keys: StatementSync;
  liveKeys: StatementSync;
  erase: StatementSync;
  clear: StatementSync;
  size: StatementSync;
  expire: StatementSync;
  snapshot: StatementSync;
  expiries: StatementSync;
}

/**
 * A {@link StoreBackend} in a SQLite file with Broker's schema.
 *
 * @example
 * ```ts
 * import { SqliteBackend } from "./sqlite_backend.ts";
 * using backend = new SqliteBackend({ path: ":memory:" });
 * backend.put("k", "v", null);
 * backend.flush();
 * ```
 */
export class SqliteBackend implements StoreBackend {
  /** Always `"SQLITE"`. */
  readonly kind: BackendKind = "SQLITE";
  /** The database path. */
  readonly path: string;
  /** Whether the open deleted a file it could not use (failure mode DELETE). */
  readonly recreated: boolean;
  readonly #db: DatabaseSync;
  readonly #st: Statements;
  /** Scratch encoders: SQLite copies bound blobs, so their views need not outlive a call. */
  readonly #keys = new BinV1Encoder();
  readonly #values = new BinV1Encoder();
  #inTx = false;
  #closed = false;

  /**
   * Opens (creating if needed) the database and runs Broker's initialisation sequence.
   *
   * @param options Path and PRAGMA options.
   * @throws {StoreError} `backend_failure` when the database cannot be opened or initialised
   *   (after one delete-and-retry with failure mode `"DELETE"`).
   */
  constructor(options: SqliteBackendOptions) {
    this.path = options.path;
    let opened: [DatabaseSync, Statements];
    let recreated = false;
    try {
      opened = openDatabase(options);
    } catch (error) {
      if (options.failureMode !== "DELETE" || !deleteIfFile(options.path)) {
        throw new StoreError(
          "backend_failure",
          `Cannot open SQLite store "${options.path}": ${(error as Error).message}`,
          { cause: error },
        );
      }
      recreated = true;
      try {
        opened = openDatabase(options);
      } catch (again) {
        throw new StoreError(
          "backend_failure",
          `Cannot open SQLite store "${options.path}" after deleting it: ${
            (again as Error).message
          }`,
          { cause: again },
        );
      }
    }
    [this.#db, this.#st] = opened;
    this.recreated = recreated;
  }

  /** Inserts or replaces a row (`replace into store`). */
  put(key: BrokerValue, value: BrokerValue, expiryNs: bigint | null): void {
    this.#write("put", () => {
      this.#st.put.run(this.#keys.encode(key), this.#values.encode(value), expiryNs);
    });
  }

  /** Inserts or replaces a row from its encodings (bound as they are, not re-encoded). */
  putEncoded(row: EncodedRow): void {
    this.#write("put", () => {
      this.#st.put.run(row.keyBin, row.valueBin, row.expiryNs);
    });
  }

  /** @returns The row's value and expiry, or `undefined`. */
  get(key: BrokerValue): StoredValue | undefined {
    const row = this.#read("get", () => this.#st.get.get(this.#keys.encode(key)));
    if (!row) return undefined;
    return {
      value: this.#decode(row["value"], "value"),
      expiryNs: row["expiry"] as bigint | null,
    };
  }

  /** @returns Whether the row exists. */
  exists(key: BrokerValue): boolean {
    return this.#read("exists", () => this.#st.exists.get(this.#keys.encode(key))) !== undefined;
  }

  /** @returns Every key (without rows expired at `nowNs`, when given). */
  keys(nowNs?: bigint): BrokerValue[] {
    const rows = this.#read(
      "keys",
      () => nowNs === undefined ? this.#st.keys.all() : this.#st.liveKeys.all(nowNs),
    );
    return rows.map((r) => this.#decode(r["key"], "key"));
  }

  /** @returns Whether a row was deleted. */
  erase(key: BrokerValue): boolean {
    return Number(
      this.#write("erase", () => this.#st.erase.run(this.#keys.encode(key))).changes,
    ) === 1;
  }

  /** Deletes every row. */
  clear(): void {
    this.#write("clear", () => this.#st.clear.run());
  }

  /** @returns The number of rows. */
  size(): number {
    const row = this.#read("size", () => this.#st.size.get());
    return Number(row?.["n"] ?? 0);
  }

  /** Deletes `key` if its expiry is `<= nowNs`. @returns Whether exactly one row was deleted. */
  expire(key: BrokerValue, nowNs: bigint): boolean {
    return Number(
      this.#write("expire", () => this.#st.expire.run(this.#keys.encode(key), nowNs)).changes,
    ) === 1;
  }

  /** @returns Every row. */
  snapshot(): StoreEntry[] {
    return this.#read("snapshot", () => this.#st.snapshot.all()).map((r) => ({
      key: this.#decode(r["key"], "key"),
      value: this.#decode(r["value"], "value"),
      expiryNs: r["expiry"] as bigint | null,
    }));
  }

  /** @returns `[key, expiryNs]` of every row with an expiry. */
  expiries(): Array<readonly [BrokerValue, bigint]> {
    return this.#read("expiries", () => this.#st.expiries.all()).map((r) =>
      [this.#decode(r["key"], "key"), r["expiry"] as bigint] as const
    );
  }

  /**
   * Commits the open transaction, if any.
   * @throws {StoreError} `backend_failure` when the commit fails (the batch is rolled back).
   */
  flush(): void {
    if (!this.#inTx || this.#closed) return;
    this.#inTx = false;
    try {
      this.#db.exec("COMMIT");
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch { /* already rolled back */ }
      throw new StoreError(
        "backend_failure",
        `Cannot commit SQLite store "${this.path}": ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Commits pending writes and closes the database. Safe to call twice. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#db.close();
    }
  }

  #write<T>(what: string, fn: () => T): T {
    this.#checkOpen(what);
    try {
      if (!this.#inTx) {
        this.#db.exec("BEGIN");
        this.#inTx = true;
      }
      return fn();
    } catch (error) {
      throw this.#failure(what, error);
    }
  }

  #read<T>(what: string, fn: () => T): T {
    this.#checkOpen(what);
    try {
      return fn();
    } catch (error) {
      throw this.#failure(what, error);
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new StoreError(
        "backend_failure",
        `Cannot ${what} in SQLite store "${this.path}": closed`,
      );
    }
  }

  #failure(what: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(
      "backend_failure",
      `Cannot ${what} in SQLite store "${this.path}": ${(error as Error).message}`,
      { cause: error },
    );
  }

  #decode(blob: unknown, column: string): BrokerValue {
    if (!(blob instanceof Uint8Array)) {
      throw new StoreError("invalid_data", `Cannot decode ${column} in "${this.path}": not a blob`);
    }
    try {
      return decodeBinV1(blob);
    } catch (error) {
      throw new StoreError(
        "invalid_data",
        `Cannot decode ${column} in "${this.path}": ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * Opens a store database as Broker initialises one: parent directories, `PRAGMA synchronous` and
 * `journal_mode` when set, the `meta` and `store` tables, `meta.broker_version`, and the
 * integrity check when asked for.
 *
 * @param options Path and PRAGMA options (the failure mode is the caller's business).
 * @returns The open connection.
 * @throws {Error} SQLite's error, the connection closed.
 */
export function openStoreDatabase(options: SqliteBackendOptions): DatabaseSync {
  const { path } = options;
  if (path !== ":memory:") {
    const slash = path.lastIndexOf("/");
    if (slash > 0) Deno.mkdirSync(path.slice(0, slash), { recursive: true });
  }
  const db = new DatabaseSync(path);
  try {
    if (options.synchronous) db.exec(`PRAGMA synchronous=${options.synchronous}`);
    if (options.journalMode) db.exec(`PRAGMA journal_mode=${options.journalMode}`);
    db.exec("create table if not exists meta(key text primary key, value text)");
    db.exec("create table if not exists store(key blob primary key, value blob, expiry integer)");
    db.prepare("replace into meta(key, value) values('broker_version', ?)").run(BROKER_VERSION);
    if (options.integrityCheck) {
      const rows = db.prepare("PRAGMA integrity_check").all();
      const first = rows[0] ? Object.values(rows[0])[0] : undefined;
      if (rows.length !== 1 || first !== "ok") {
        throw new Error(`integrity check failed: ${rows.map((r) => Object.values(r)[0])}`);
      }
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openDatabase(options: SqliteBackendOptions): [DatabaseSync, Statements] {
  const db = openStoreDatabase(options);
  try {
    return [db, prepare(db)];
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The statements that change a store's rows: a put (replace), an erase of one key, a clear. */
export interface StoreWriteStatements {
  readonly put: StatementSync;
  readonly erase: StatementSync;
  readonly clear: StatementSync;
}

/** Prepares the statements that change rows (`SqliteBackend` and the commit thread share them). */
export function prepareStoreWrites(db: DatabaseSync): StoreWriteStatements {
  return {
    put: db.prepare("replace into store(key, value, expiry) values(?, ?, ?)"),
    erase: db.prepare("delete from store where key = ?"),
    clear: db.prepare("delete from store"),
  };
}

function prepare(db: DatabaseSync): Statements {
  const st = (sql: string) => {
    const s = db.prepare(sql);
    s.setReadBigInts(true);
    return s;
  };
  return {
    ...prepareStoreWrites(db),
    get: st("select value, expiry from store where key = ?"),
    exists: st("select 1 from store where key = ?"),
    keys: st("select key from store"),
    liveKeys: st("select key from store where expiry is null or expiry > ?"),
    size: st("select count(*) as n from store"),
    expire: st("delete from store where key = ? and expiry <= ?"),
    snapshot: st("select key, value, expiry from store"),
    expiries: st("select key, expiry from store where expiry is not null"),
  };
}

function deleteIfFile(path: string): boolean {
  try {
    if (!Deno.statSync(path).isFile) return false;
    Deno.removeSync(path);
  } catch {
    return false;
  }
  for (const suffix of ["-wal", "-shm", "-journal"]) {
    try {
      Deno.removeSync(path + suffix);
    } catch { /* absent */ }
  }
  return true;
}

/**
 * The commit thread of {@linkcode SqliteWriteBehindBackend}: a Web Worker runs this module (on the
 * main thread, importing it only gives {@linkcode COMMIT_WORKER_URL}). One thread serves any number
 * of store databases, each by a number the main side chose: it owns each store's only SQLite write
 * connection, applies each `commit` message's batch of row changes in one transaction, and answers
 * once SQLite committed it (or with the error, the transaction rolled back). Messages are handled
 * in arrival order.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import {
  openStoreDatabase,
  prepareStoreWrites,
  type SqliteBackendOptions,
  type StoreWriteStatements,
} from "./sqlite_backend.ts";
import { applyWriteBatch } from "./_write_batch.ts";

/** Messages to the commit thread (`db`: the store database they are about). */
export type CommitRequest =
  | { readonly type: "open"; readonly db: number; readonly options: SqliteBackendOptions }
  | {
    readonly type: "commit";
    readonly db: number;
    readonly id: number;
    readonly batch: ArrayBuffer;
  }
  | {
    readonly type: "close";
    readonly db: number;
    /**
     * Set to 1 (and notified) once the database is closed, for a caller that blocks on it with
     * `Atomics.wait` (a synchronous dispose); one `Int32Array` cell on a `SharedArrayBuffer`.
     */
    readonly done?: Int32Array;
  };

/** Messages from the commit thread. */
export type CommitReply =
  | { readonly type: "committed"; readonly db: number; readonly id: number }
  | { readonly type: "failed"; readonly db: number; readonly id: number; readonly message: string }
  | { readonly type: "closed"; readonly db: number };

/** The parts of a worker's global scope this module uses. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<CommitRequest>) => void) | null;
  postMessage(message: CommitReply): void;
  close(): void;
}

/** One store's write connection on the commit thread. */
class StoreWriter {
  #db: DatabaseSync | undefined;
  #st: StoreWriteStatements | undefined;
  #openError: string | undefined;

  open(options: SqliteBackendOptions): void {
    try {
      const db = openStoreDatabase(options);
      this.#db = db;
      this.#st = prepareStoreWrites(db);
    } catch (error) {
      this.#openError = `Cannot open SQLite store "${options.path}" for writing: ${
        (error as Error).message
      }`;
    }
  }

  /** @returns the error message, or undefined once committed */
  commit(batch: ArrayBuffer): string | undefined {
    const db = this.#db;
    const st = this.#st;
    if (!db || !st) return this.#openError ?? "Cannot commit: the database is not open";
    try {
      db.exec("BEGIN");
      applyWriteBatch(batch, {
        put: (key, value, expiry) => st.put.run(key, value, expiry),
        erase: (key) => st.erase.run(key),
        clear: () => st.clear.run(),
      });
      db.exec("COMMIT");
      return undefined;
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch { /* no transaction left */ }
      return (error as Error).message;
    }
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}

/**
 * This module's URL, for `new Worker()`. The backend imports it (rather than naming the file), so
 * the module is in the program's graph and a compiled binary carries it.
 */
export const COMMIT_WORKER_URL: string = import.meta.url;

/** The name the backend gives its commit workers (`new Worker(url, { name })`). */
export const COMMIT_WORKER_NAME = "zcluster-sqlite-commit";

/**
 * Whether this code runs as a commit worker: in a worker (the main thread has no
 * `WorkerGlobalScope`) of that name, so that site code importing zcluster in workers of its own
 * is left alone.
 */
function isCommitWorker(): boolean {
  const g = globalThis as unknown as {
    WorkerGlobalScope?: abstract new () => unknown;
    name?: unknown;
  };
  return g.WorkerGlobalScope !== undefined && globalThis instanceof g.WorkerGlobalScope &&
    g.name === COMMIT_WORKER_NAME;
}

/** Answers the backends' messages: the body of the commit thread. */
function serve(scope: WorkerScope): void {
  const dbs = new Map<number, StoreWriter>();
  scope.onmessage = (event) => {
    const m = event.data;
    if (m.type === "open") {
      const db = new StoreWriter();
      db.open(m.options);
      dbs.set(m.db, db);
    } else if (m.type === "commit") {
      const db = dbs.get(m.db);
      const message = db ? db.commit(m.batch) : `Cannot commit: no database ${m.db} is open`;
      scope.postMessage(
        message === undefined
          ? { type: "committed", db: m.db, id: m.id }
          : { type: "failed", db: m.db, id: m.id, message },
      );
    } else {
      try {
        dbs.get(m.db)?.close();
      } finally {
        dbs.delete(m.db);
        if (m.done) {
          Atomics.store(m.done, 0, 1);
          Atomics.notify(m.done, 0);
        }
        scope.postMessage({ type: "closed", db: m.db });
      }
    }
  };
}

if (isCommitWorker()) serve(globalThis as unknown as WorkerScope);

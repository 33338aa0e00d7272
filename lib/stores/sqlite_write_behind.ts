/**
 * A persistent store backend whose commits run on their own thread: the file is Broker's SQLite
 * store (same schema, blobs and PRAGMAs as {@linkcode SqliteBackend}), the rows are also held in
 * memory, and every read is served from memory. Writes change the memory rows at once and are
 * handed, as one packed batch per flush, to a commit thread ({@linkcode SqliteCommitThread}, which
 * several stores may share) that owns the store's SQLite write connection and commits there. A
 * master therefore never blocks its event loop on a commit (with Broker's default
 * `synchronous=FULL`, a commit is a few fsyncs, 1.5 ms or more on our machines). Up to two batches
 * are with the thread at a time; writes made meanwhile go into the next one (group commit).
 *
 * The cost: the whole store in memory on the master, as every clone already holds it (clones are
 * memory stores in Broker and here).
 *
 * @module
 */

import { StoreError } from "../errors.ts";
import { BinV1Encoder, type BrokerValue } from "../serialization/mod.ts";
import type { BackendKind, EncodedRow, StoreBackend, StoredValue, StoreEntry } from "./backend.ts";
import { MemoryBackend } from "./memory_backend.ts";
import { SqliteBackend, type SqliteBackendOptions } from "./sqlite_backend.ts";
import { WriteBatchBuilder } from "./_write_batch.ts";
import type { CommitReply } from "./_sqlite_commit_worker.ts";
import { SqliteCommitThread } from "./sqlite_commit_thread.ts";

interface Waiter {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (e: StoreError) => void;
}

function waiter(): Waiter {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  // A failure is also reported to whoever flushes next; an unobserved rejection is not an error.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * Batches handed to the commit thread and not answered yet, at most. With one, the thread sat idle
 * from the end of each commit until the master's event loop, often busy applying a burst of writes,
 * handled the answer and sent the next batch: in the bench the thread was busy about half the time
 * while writes waited two commits. With a second batch already queued it starts the next commit at
 * once (clone path about 5% more puts/s: better in 7 of 9 paired runs). Later writes still
 * gather into one batch behind these (group commit), and commits stay in order.
 */
const MAX_FLIGHTS = 2;
/** The longest a synchronous dispose blocks for the commit thread to close the database. */
const MAX_BLOCKING_CLOSE_MS = 60_000;

/** Default bound of the writes waiting behind the commits in flight, in bytes (64 MiB). */
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

/** Tuning of {@link SqliteWriteBehindBackend} beyond Broker's SQLite options. */
export interface WriteBehindOptions {
  /**
   * Bound of the row changes waiting behind the commits in flight, in bytes; past it, writes fail
   * with `backend_failure` (counted in `refusedWrites`) until the disk catches up. Default 64 MiB.
   */
  readonly maxBacklogBytes?: number;
  /**
   * The commit thread to use, shared with other stores (the caller disposes it after them);
   * by default the backend starts one of its own and ends it when it closes.
   */
  readonly thread?: SqliteCommitThread;
}

/**
 * A {@link StoreBackend} in a SQLite file with Broker's schema, committed by a worker thread.
 * `flush()` returns a promise that resolves once every earlier write is committed.
 *
 * @example
 * ```ts ignore
 * import { SqliteWriteBehindBackend } from "./sqlite_write_behind.ts";
 * await using backend = new SqliteWriteBehindBackend({ path: "/tmp/s.sqlite" });
 * backend.put("k", "v", null);
 * await backend.flush();
 * ```
 */
export class SqliteWriteBehindBackend implements StoreBackend, AsyncDisposable {
  /** Always `"SQLITE"`. */
  readonly kind: BackendKind = "SQLITE";
  /** The database path. */
  readonly path: string;
  /** Whether the open deleted a file it could not use (failure mode DELETE). */
  readonly recreated: boolean;
  readonly #rows = new MemoryBackend();
  readonly #batch = new WriteBatchBuilder();
  readonly #keys = new BinV1Encoder();
  readonly #values = new BinV1Encoder();
  readonly #thread: SqliteCommitThread;
  readonly #ownThread: boolean;
  readonly #db: number;
  readonly #closed = Promise.withResolvers<void>();
  /** Batches handed to the commit thread, oldest first (one, but for the last at dispose). */
  readonly #flights: { id: number; waiter: Waiter }[] = [];
  /** Who waits for the writes collected while the thread has all the batches it may have. */
  #next: Waiter | undefined;
  #ids = 0;
  #failed: StoreError | undefined;
  #closing = false;
  readonly #maxBacklog: number;
  #refused = 0;

  /**
   * Opens the file as {@linkcode SqliteBackend} does (failure mode, integrity check), loads its
   * rows, then hands the file to the commit thread.
   *
   * @param options Path and PRAGMA options.
   * @param tuning The backlog bound and the commit thread.
   * @throws {StoreError} `backend_failure` when the file cannot be opened, `invalid_data` when a
   *   stored blob does not decode.
   * @throws {RangeError} For a backlog bound that is not a positive number.
   */
  constructor(options: SqliteBackendOptions, tuning: WriteBehindOptions = {}) {
    const max = tuning.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    if (!(max > 0)) {
      throw new RangeError(`Invalid maxBacklogBytes ${max}: must be a positive number of bytes`);
    }
    this.#maxBacklog = max;
    if (options.path === ":memory:") {
      throw new StoreError(
        "backend_failure",
        "Cannot open a write-behind SQLite store in memory: its commit thread needs a file",
      );
    }
    this.path = options.path;
    const loader = new SqliteBackend(options);
    try {
      this.recreated = loader.recreated;
      for (const row of loader.snapshot()) this.#rows.put(row.key, row.value, row.expiryNs);
    } finally {
      loader[Symbol.dispose]();
    }
    this.#ownThread = tuning.thread === undefined;
    this.#thread = tuning.thread ?? new SqliteCommitThread();
    const { synchronous, journalMode } = options;
    this.#db = this.#thread.open({
      path: options.path,
      ...(synchronous ? { synchronous } : {}),
      ...(journalMode ? { journalMode } : {}),
    }, {
      reply: (reply) => this.#onReply(reply),
      fail: (message) => {
        this.#fail(message);
        this.#ended();
      },
    });
  }

  /** Inserts or replaces a row. */
  put(key: BrokerValue, value: BrokerValue, expiryNs: bigint | null): void {
    this.#checkWritable("put");
    this.#rows.put(key, value, expiryNs);
    this.#batch.put(this.#keys.encode(key), this.#values.encode(value), expiryNs);
  }

  /** Inserts or replaces a row from its encodings (copied into the batch). */
  putEncoded(row: EncodedRow): void {
    this.#checkWritable("put");
    this.#rows.putEncoded(row);
    this.#batch.put(row.keyBin, row.valueBin, row.expiryNs);
  }

  /** @returns The row's value and expiry, or `undefined`. */
  get(key: BrokerValue): StoredValue | undefined {
    return this.#rows.get(key);
  }

  /** @returns Whether the row exists. */
  exists(key: BrokerValue): boolean {
    return this.#rows.exists(key);
  }

  /** @returns Every key (without rows expired at `nowNs`, when given). */
  keys(nowNs?: bigint): BrokerValue[] {
    return this.#rows.keys(nowNs);
  }

  /** @returns Whether a row was deleted. */
  erase(key: BrokerValue): boolean {
    this.#checkWritable("erase");
    if (!this.#rows.erase(key)) return false;
    this.#batch.erase(this.#keys.encode(key));
    return true;
  }

  /** Deletes every row. */
  clear(): void {
    this.#checkWritable("clear");
    this.#rows.clear();
    this.#batch.clear();
  }

  /** @returns The number of rows. */
  size(): number {
    return this.#rows.size();
  }

  /** Deletes `key` if its expiry is `<= nowNs`. @returns Whether it was deleted. */
  expire(key: BrokerValue, nowNs: bigint): boolean {
    this.#checkWritable("expire");
    if (!this.#rows.expire(key, nowNs)) return false;
    this.#batch.erase(this.#keys.encode(key));
    return true;
  }

  /** @returns Every row. */
  snapshot(): StoreEntry[] {
    return this.#rows.snapshot();
  }

  /** @returns `[key, expiryNs]` of every row with an expiry. */
  expiries(): Array<readonly [BrokerValue, bigint]> {
    return this.#rows.expiries();
  }

  /**
   * Hands the writes made since the last flush to the commit thread (or queues them behind the
   * commit in flight).
   *
   * @returns A promise that resolves once every earlier write is committed and rejects with a
   *   `backend_failure` StoreError when a commit failed; `undefined` when nothing is pending.
   * @throws {StoreError} When an earlier commit failed.
   */
  flush(): Promise<void> | undefined {
    if (this.#failed) throw this.#failed;
    if (this.#batch.ops === 0) return (this.#next ?? this.#flights.at(-1)?.waiter)?.promise;
    if (this.#flights.length >= MAX_FLIGHTS) return (this.#next ??= waiter()).promise;
    return this.#send(waiter()).promise;
  }

  /** Commits what is pending, closes the database and ends the commit thread. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closing) {
      try {
        await this.flush();
      } catch { /* reported to the writers already */ }
      this.#close(false);
    }
    await this.#closed.promise;
  }

  /**
   * Hands what is pending to the commit thread, asks it to close the database, and blocks until
   * it did (a thread of its own then ends): once this returns, nothing writes to the file any more
   * (so its directory can go). The wait is the commit of what was pending; `await using` waits
   * without blocking the event loop.
   */
  [Symbol.dispose](): void {
    this.#close(true);
  }

  #close(block: boolean): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#failed && this.#batch.ops > 0) this.#send(this.#next ?? waiter());
    else this.#next?.resolve();
    this.#next = undefined;
    if (!block || !this.#thread.answering) {
      this.#thread.post({ type: "close", db: this.#db });
      return;
    }
    const done = new Int32Array(new SharedArrayBuffer(4));
    this.#thread.post({ type: "close", db: this.#db, done });
    // Bounded, should the thread have died without a word (its error event cannot arrive while
    // this thread waits); the `closed` reply then never comes either, as before.
    Atomics.wait(done, 0, 0, MAX_BLOCKING_CLOSE_MS);
    if (Atomics.load(done, 0) === 1) this.#ended();
  }

  /**
   * Stops at once: what is not committed is lost, as in a crash (tests, and a node that must stop
   * now). A thread of its own is ended; a shared one only forgets this database.
   */
  terminate(): void {
    this.#closing = true;
    this.#fail(`SQLite store "${this.path}" was terminated`);
    this.#ended();
  }

  /** The database is closed (or will never answer again): release it and a thread of its own. */
  #ended(): void {
    this.#thread.release(this.#db);
    if (this.#ownThread) this.#thread.terminate();
    this.#closed.resolve();
  }

  #send(w: Waiter): Waiter {
    const id = ++this.#ids;
    this.#flights.push({ id, waiter: w });
    this.#thread.post({ type: "commit", db: this.#db, id, batch: this.#batch.take() });
    return w;
  }

  #onReply(reply: CommitReply): void {
    if (reply.type === "closed") {
      this.#ended();
      return;
    }
    const flight = this.#flights.shift();
    if (!flight || flight.id !== reply.id) {
      this.#fail(`commit thread answered batch ${reply.id}, expected ${flight?.id ?? "none"}`);
      return;
    }
    if (reply.type === "failed") {
      this.#fail(`Cannot commit SQLite store "${this.path}": ${reply.message}`, flight.waiter);
      return;
    }
    flight.waiter.resolve();
    const next = this.#next;
    if (next && this.#flights.length < MAX_FLIGHTS) {
      this.#next = undefined;
      if (this.#batch.ops > 0) this.#send(next);
      else next.resolve();
    }
  }

  #fail(message: string, first?: Waiter): void {
    this.#failed ??= new StoreError("backend_failure", message);
    first?.reject(this.#failed);
    for (const f of this.#flights.splice(0)) f.waiter.reject(this.#failed);
    this.#next?.reject(this.#failed);
    this.#next = undefined;
  }

  /** Writes refused because the backlog was full. */
  get refusedWrites(): number {
    return this.#refused;
  }

  #checkWritable(what: string): void {
    if (this.#failed) throw this.#failed;
    if (this.#closing) {
      throw new StoreError(
        "backend_failure",
        `Cannot ${what} in SQLite store "${this.path}": closed`,
      );
    }
    const backlog = this.#batch.bytes;
    if (backlog >= this.#maxBacklog && what !== "clear") {
      this.#refused++;
      throw new StoreError(
        "backend_failure",
        `Cannot ${what} in SQLite store "${this.path}": ${backlog} bytes of writes wait for the ` +
          `commits in flight (bound ${this.#maxBacklog}); the disk is not keeping up`,
      );
    }
  }
}

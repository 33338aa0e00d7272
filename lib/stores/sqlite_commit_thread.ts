/**
 * The thread that commits for {@linkcode SqliteWriteBehindBackend}s: one Web Worker that may serve
 * several store databases (a node shares one among its persistent masters; a backend made on its
 * own makes its own). Each database is a number here; replies go to the backend that opened it.
 *
 * @module
 */

import {
  COMMIT_WORKER_NAME,
  COMMIT_WORKER_URL,
  type CommitReply,
  type CommitRequest,
} from "./_sqlite_commit_worker.ts";
import type { SqliteBackendOptions } from "./sqlite_backend.ts";

/** What a backend hears from the thread. */
export interface CommitThreadClient {
  /** A reply about its database. */
  reply(reply: CommitReply): void;
  /** The thread itself failed (every database with it). */
  fail(message: string): void;
}

/**
 * A commit thread. Dispose it after the backends that use it (it waits for their databases to
 * close, then ends the worker).
 *
 * @example
 * ```ts ignore
 * await using thread = new SqliteCommitThread();
 * await using a = new SqliteWriteBehindBackend({ path: "a.sqlite" }, { thread });
 * await using b = new SqliteWriteBehindBackend({ path: "b.sqlite" }, { thread });
 * ```
 */
export class SqliteCommitThread implements AsyncDisposable {
  readonly #worker: Worker;
  readonly #clients = new Map<number, CommitThreadClient>();
  #next = 0;
  #failure: string | undefined;
  #ended = false;
  /** Resolved whenever the last open database is released. */
  #idle = Promise.withResolvers<void>();

  /** Starts the worker. */
  constructor() {
    this.#idle.resolve();
    this.#worker = new Worker(COMMIT_WORKER_URL, { type: "module", name: COMMIT_WORKER_NAME });
    this.#worker.onmessage = (event: MessageEvent<CommitReply>) =>
      this.#clients.get(event.data.db)?.reply(event.data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#failure = `commit thread failed: ${event.message}`;
      for (const client of this.#clients.values()) client.fail(this.#failure);
    };
  }

  /** Whether the worker still answers: neither ended ({@linkcode terminate}) nor failed. */
  get answering(): boolean {
    return !this.#ended && this.#failure === undefined;
  }

  /** Databases open on this thread. */
  get databases(): number {
    return this.#clients.size;
  }

  /**
   * Opens a database on the thread.
   *
   * @returns its number, for {@linkcode SqliteCommitThread.post}
   */
  open(options: SqliteBackendOptions, client: CommitThreadClient): number {
    if (this.#ended) throw new TypeError("Cannot open a database: the commit thread has ended");
    const db = ++this.#next;
    if (this.#clients.size === 0) this.#idle = Promise.withResolvers<void>();
    this.#clients.set(db, client);
    this.post({ type: "open", db, options });
    if (this.#failure !== undefined) queueMicrotask(() => client.fail(this.#failure!));
    return db;
  }

  /** Sends a request (a commit's batch is transferred). */
  post(message: CommitRequest): void {
    if (this.#ended) return;
    if (message.type === "commit") this.#worker.postMessage(message, [message.batch]);
    else this.#worker.postMessage(message);
  }

  /** Forgets a database whose `closed` reply came (or that will get none). */
  release(db: number): void {
    if (this.#clients.delete(db) && this.#clients.size === 0) this.#idle.resolve();
  }

  /** Ends the worker at once: what it has not committed is lost, as in a crash. */
  terminate(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#worker.terminate();
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    this.#idle.resolve();
    for (const client of clients) client.fail("the commit thread was terminated");
  }

  /** Waits until every database is released, then ends the worker. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#idle.promise;
    this.terminate();
  }
}

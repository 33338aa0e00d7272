import type { Clock } from "../clock.ts";
import type { Cluster } from "../cluster/cluster.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { StoreError } from "../errors.ts";
import { type FileLock, lockStoreFile } from "../locks/lock_file.ts";
import type { ClusterOptions } from "../options/options.ts";
import { CloneStore } from "../stores/clone_store.ts";
import { MasterStore } from "../stores/master_store.ts";
import { MemoryBackend } from "../stores/memory_backend.ts";
import { SqliteCommitThread } from "../stores/sqlite_commit_thread.ts";
import { SqliteWriteBehindBackend } from "../stores/sqlite_write_behind.ts";
import type { Store } from "../stores/store.ts";
import { planStore, type StoreInfo } from "../stores/store_info.ts";

/** A store created by a node: its info and the store itself. */
export interface NodeStore {
  /** Where the store lives (master node, backend) and its options. */
  readonly info: StoreInfo;
  /** The store: a master on the master node, a clone elsewhere. */
  readonly store: Store;
}

/** Creates and keeps the data stores of one node (`Cluster::create_store`). */
export class NodeStores implements AsyncDisposable {
  readonly #stores = new Map<string, NodeStore>();
  /** The thread that commits for every persistent master of this node, once there is one. */
  #commitThread: SqliteCommitThread | undefined;
  /** Locks of the SQLite files of this node's masters, released once the commit thread ended. */
  readonly #locks: FileLock[] = [];
  constructor(
    readonly options: ClusterOptions,
    readonly cluster: Cluster,
    readonly clock: Clock,
    readonly logger: Logger,
  ) {}

  /**
   * Zeek's `Cluster::create_store`: the master on the master node, a clone elsewhere.
   *
   * @param name Store name.
   * @param persistent Use the persistent backend (SQLite) for the master.
   * @returns Info and store; the same object for a name created twice.
   * @throws {StoreError} When the backend cannot be opened.
   * @throws {LockHeldError} When another process holds the store's SQLite file.
   */
  create(name: string, persistent = false): NodeStore {
    const existing = this.#stores.get(name);
    if (existing) return existing;
    if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(name)) {
      throw new StoreError(
        "invalid_name",
        `Cannot create store ${JSON.stringify(name)}: names are 1-200 letters, digits and _ . : -`,
      );
    }
    const plan = planStore(name, { persistent }, this.options);
    const onError = (code: string, message: string) =>
      this.logger.warn(`store ${name}: ${code}: ${message}`);
    let store: Store;
    if (plan.role === "master") {
      let backend: SqliteWriteBehindBackend | MemoryBackend;
      if (plan.info.backend === "SQLITE") {
        const sqlite = plan.sqlite ?? plan.info.options.sqlite;
        // Before SQLite opens the file: a second process with this store's master stops here.
        const lock = lockStoreFile(sqlite.path, name);
        try {
          backend = new SqliteWriteBehindBackend(sqlite, {
            thread: this.#commitThread ??= new SqliteCommitThread(),
          });
        } catch (error) {
          lock?.[Symbol.dispose]();
          throw error;
        }
        if (lock) this.#locks.push(lock);
      } else {
        backend = new MemoryBackend();
      }
      store = new MasterStore({ name, backend, clock: this.clock, channel: this.cluster, onError });
    } else {
      store = new CloneStore({
        name,
        channel: this.cluster,
        clock: this.clock,
        cloneId: this.cluster.nodeId,
        resyncIntervalMs: plan.info.cloneResyncIntervalMs,
        staleIntervalMs: plan.info.cloneStaleIntervalMs,
        mutationBufferIntervalMs: plan.info.cloneMutationBufferIntervalMs,
        onError,
      });
    }
    const created = { info: plan.info, store };
    this.#stores.set(name, created);
    this.logger.info(`store ${name} created`, {
      role: plan.role,
      backend: plan.info.backend,
      master: plan.info.masterNode || "(local)",
    });
    return created;
  }

  /** The stores created so far. */
  list(): NodeStore[] {
    return [...this.#stores.values()];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const { store } of this.#stores.values()) {
      try {
        await store[Symbol.asyncDispose]();
      } catch (error) {
        this.logger.warn(`store ${store.name}: close failed: ${(error as Error).message}`);
      }
    }
    this.#stores.clear();
    await this.#commitThread?.[Symbol.asyncDispose]();
    this.#commitThread = undefined;
    for (const lock of this.#locks.splice(0)) lock[Symbol.dispose]();
  }
}

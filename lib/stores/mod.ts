/**
 * Data stores: Zeek's `Cluster::create_store` and Broker master/clone stores. A
 * {@link MasterStore} on one node (the first manager by default, see {@link planStore}) holds the
 * data in a {@link MemoryBackend} or a Broker-compatible {@link SqliteBackend}; every other node
 * holds a {@link CloneStore}, a local read cache that forwards writes to the master over any
 * {@link StoreChannel} (a node's `Cluster` is one). Command semantics follow Broker's code
 * (`operations.ts`); the replication protocol is zcluster's own (`replication.ts`).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../clock.ts";
 * import { count } from "../serialization/mod.ts";
 * import { MasterStore, SqliteBackend } from "./mod.ts";
 *
 * await using store = new MasterStore({
 *   name: "hits",
 *   backend: new SqliteBackend({ path: ":memory:" }),
 *   clock: new ManualClock(),
 *   tickIntervalMs: 0,
 * });
 * await store.increment("10.0.0.1", count(1), { expiryMs: 60_000 });
 * await store.get("10.0.0.1"); // Count 1
 * ```
 *
 * @module
 */
export * from "./backend.ts";
export * from "./memory_backend.ts";
export * from "./sqlite_backend.ts";
export * from "./sqlite_write_behind.ts";
export * from "./sqlite_commit_thread.ts";
export * from "./operations.ts";
export * from "./replication.ts";
export * from "./store.ts";
export * from "./master_store.ts";
export * from "./clone_options.ts";
export * from "./clone_store.ts";
export * from "./store_info.ts";

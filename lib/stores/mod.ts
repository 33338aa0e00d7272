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

export { bytesId, keyBytes, StoreEncoders } from "./backend.ts";
export type { BackendKind, EncodedRow, StoreBackend, StoredValue, StoreEntry } from "./backend.ts";
export { MemoryBackend } from "./memory_backend.ts";
export {
  BROKER_VERSION,
  openStoreDatabase,
  prepareStoreWrites,
  SqliteBackend,
  sqliteOptionsFromBroker,
} from "./sqlite_backend.ts";
export type {
  SqliteBackendOptions,
  SqliteFailureMode,
  SqliteJournalMode,
  SqliteSynchronous,
  StoreWriteStatements,
} from "./sqlite_backend.ts";
export { DEFAULT_MAX_BACKLOG_BYTES, SqliteWriteBehindBackend } from "./sqlite_write_behind.ts";
export type { WriteBehindOptions } from "./sqlite_write_behind.ts";
export {
  add,
  applyCommand,
  applyUpdate,
  DEFAULT_MAX_KEY_BYTES,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_STORE_LIMITS,
  ExpiryTracker,
  incrementInitType,
  INIT_TYPES,
  readValue,
  retrieve,
  subtract,
} from "./operations.ts";
export type {
  ApplyOptions,
  CommandOutcome,
  InitType,
  StoreCommand,
  StoreLimits,
  StoreUpdate,
} from "./operations.ts";
export {
  decodeAcks,
  decodeCommand,
  decodeUpdate,
  encodeAcks,
  encodeCommand,
  encodeUpdate,
  forEachAck,
  keySet,
  STORE_EVENTS,
  storeClonesTopic,
  storeCloneTopic,
  storeMasterTopic,
} from "./replication.ts";
export type { StoreChannel, WriteAck } from "./replication.ts";
export { closedError, createStoreStats, expiryOf, StoreBase } from "./store.ts";
export type { Store, StoreOp, StoreRole, StoreStats, WriteOptions } from "./store.ts";
export { MasterStore } from "./master_store.ts";
export type { MasterStoreOptions } from "./master_store.ts";
export {
  DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS,
  DEFAULT_CLONE_RESYNC_INTERVAL_MS,
  DEFAULT_CLONE_STALE_INTERVAL_MS,
} from "./clone_options.ts";
export type { CloneStoreOptions } from "./clone_options.ts";
export { CloneStore } from "./clone_store.ts";
export { DEFAULT_STORE_INFO, planStore } from "./store_info.ts";
export type {
  BackendOptions,
  PlanStoreOptions,
  StoreClusterInfo,
  StoreInfo,
  StoreInfoOverrides,
  StorePlan,
} from "./store_info.ts";

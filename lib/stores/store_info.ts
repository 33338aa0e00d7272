/**
 * Where a store lives and how it is configured: Zeek's `Cluster::StoreInfo` and the placement
 * rules of `Cluster::create_store` (spec A.2, A.9 "Path derivation"), as a pure function.
 *
 * @module
 */

import { defaultStoreMaster } from "../roles/roles.ts";
import { OptionsError } from "../errors.ts";
import type { ClusterLayout } from "../layout/types.ts";
import type { BackendKind } from "./backend.ts";
import {
  DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS,
  DEFAULT_CLONE_RESYNC_INTERVAL_MS,
  DEFAULT_CLONE_STALE_INTERVAL_MS,
} from "./clone_options.ts";
import type { SqliteBackendOptions } from "./sqlite_backend.ts";

/** Zeek's `Broker::BackendOptions`: only SQLite has options. */
export interface BackendOptions {
  /** `Broker::SQLiteOptions`; `path` "" means derived (see {@link planStore}). */
  readonly sqlite: SqliteBackendOptions;
}

/** Zeek's `Cluster::StoreInfo`, durations in ms. */
export interface StoreInfo {
  /** The store name. */
  readonly name: string;
  /** The node that holds the master; "" means `defaultMasterNode`, else the first manager. */
  readonly masterNode: string;
  /** Whether this node holds the master. */
  readonly master: boolean;
  /** The backend (a master's; clones keep memory caches). */
  readonly backend: BackendKind;
  /** Backend options. */
  readonly options: BackendOptions;
  /** `clone_resync_interval` (10 s). */
  readonly cloneResyncIntervalMs: number;
  /** `clone_stale_interval` (5 min). */
  readonly cloneStaleIntervalMs: number;
  /** `clone_mutation_buffer_interval` (2 min). */
  readonly cloneMutationBufferIntervalMs: number;
}

/** Per-store overrides (Zeek's redef of `Cluster::stores[name]`). */
export type StoreInfoOverrides = Partial<Omit<StoreInfo, "name" | "master" | "options">> & {
  readonly options?: { readonly sqlite?: Partial<SqliteBackendOptions> };
};

/** `StoreInfo` defaults of `main.zeek` (the name and master flag are set by the plan). */
export const DEFAULT_STORE_INFO: Omit<StoreInfo, "name"> = Object.freeze({
  masterNode: "",
  master: false,
  backend: "MEMORY",
  options: Object.freeze({
    sqlite: Object.freeze({ path: "", failureMode: "FAIL", integrityCheck: false }),
  }),
  cloneResyncIntervalMs: DEFAULT_CLONE_RESYNC_INTERVAL_MS,
  cloneStaleIntervalMs: DEFAULT_CLONE_STALE_INTERVAL_MS,
  cloneMutationBufferIntervalMs: DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS,
}) as Omit<StoreInfo, "name">;

/** What {@link planStore} needs to know about the cluster (a subset of `ClusterOptions`). */
export interface StoreClusterInfo {
  /** `Cluster::node`; "" outside a cluster. */
  readonly node: string;
  /** `Cluster::nodes`. */
  readonly layout: ClusterLayout;
  /** `Cluster::default_master_node` ("" = first manager by name). */
  readonly defaultMasterNode?: string;
  /** `Cluster::default_persistent_backend` (SQLITE). */
  readonly defaultPersistentBackend?: BackendKind;
  /** `Cluster::default_store_dir` ("" = none). */
  readonly defaultStoreDir?: string;
  /** `Cluster::stores`: per-store overrides. */
  readonly stores?: Readonly<Record<string, StoreInfoOverrides>>;
}

/** Options of {@link planStore}. */
export interface PlanStoreOptions {
  /** `persistent` of `Cluster::create_store`: a MEMORY backend becomes the persistent default. */
  readonly persistent?: boolean;
}

/** The decision of {@link planStore}. */
export interface StorePlan {
  /** The completed info (`master` set). */
  readonly info: StoreInfo;
  /** Whether this node creates the master or a clone. */
  readonly role: "master" | "clone";
  /** For a SQLite master: the backend options with the final path. */
  readonly sqlite?: SqliteBackendOptions;
}

/**
 * Zeek's `Cluster::create_store` decision: the store's info, and master or clone here.
 *
 * 1. Start from `stores[name]` over the defaults; `masterNode` defaults to `defaultMasterNode`.
 * 2. With `defaultStoreDir` set and no SQLite path, the path is `<dir>/<name>.sqlite`.
 * 3. `persistent` turns a MEMORY backend into `defaultPersistentBackend`.
 * 4. Outside a cluster (`node` ""), a local master.
 * 5. Else the master node is `masterNode`, or the first MANAGER by name; this node holds the
 *    master if it is that node, and a clone otherwise.
 * A SQLite master whose path is still empty uses `<name>.sqlite` (relative to the working
 * directory), as Broker's `MakeMaster` does.
 *
 * @param name Store name.
 * @param options `persistent`.
 * @param cluster Node, layout and the store options.
 * @returns The plan.
 * @throws {OptionsError} When the cluster has no manager or the master node is unknown (fatal
 *   in Zeek).
 * @example
 * ```ts
 * import { planStore } from "./store_info.ts";
 * const layout = {
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2 },
 * } as const;
 * planStore("known/hosts", { persistent: true }, { node: "worker-1", layout }).role; // "clone"
 * ```
 */
export function planStore(
  name: string,
  options: PlanStoreOptions,
  cluster: StoreClusterInfo,
): StorePlan {
  const over = cluster.stores?.[name] ?? {};
  let sqlite: SqliteBackendOptions = {
    ...DEFAULT_STORE_INFO.options.sqlite,
    ...over.options?.sqlite,
  };
  const dir = cluster.defaultStoreDir ?? "";
  if (dir !== "" && sqlite.path === "") sqlite = { ...sqlite, path: `${dir}/${name}.sqlite` };
  let backend = over.backend ?? DEFAULT_STORE_INFO.backend;
  if (options.persistent && backend === "MEMORY") {
    backend = cluster.defaultPersistentBackend ?? "SQLITE";
  }
  let masterNode = over.masterNode || cluster.defaultMasterNode || "";
  let master = true;
  if (cluster.node !== "") {
    if (masterNode === "") {
      const manager = defaultStoreMaster(cluster.layout);
      if (manager === undefined) {
        throw new OptionsError(`Cannot place store "${name}": the cluster has no manager`);
      }
      masterNode = manager;
    } else if (!(masterNode in cluster.layout)) {
      throw new OptionsError(
        `Cannot place store "${name}": master node "${masterNode}" is not in the layout`,
      );
    }
    master = cluster.node === masterNode;
  }
  if (master && backend === "SQLITE" && sqlite.path === "") {
    sqlite = { ...sqlite, path: `${name}.sqlite` };
  }
  const info: StoreInfo = {
    name,
    masterNode,
    master,
    backend,
    options: { sqlite },
    cloneResyncIntervalMs: over.cloneResyncIntervalMs ?? DEFAULT_STORE_INFO.cloneResyncIntervalMs,
    cloneStaleIntervalMs: over.cloneStaleIntervalMs ?? DEFAULT_STORE_INFO.cloneStaleIntervalMs,
    cloneMutationBufferIntervalMs: over.cloneMutationBufferIntervalMs ??
      DEFAULT_STORE_INFO.cloneMutationBufferIntervalMs,
  };
  return {
    info,
    role: master ? "master" : "clone",
    ...(master && backend === "SQLITE" ? { sqlite } : {}),
  };
}

/**
 * Options and defaults of `CloneStore` (the clone intervals are documented in
 * `clone_store.ts`).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { StoreBackend } from "./backend.ts";
import type { StoreLimits } from "./operations.ts";
import type { StoreChannel } from "./replication.ts";

/** Zeek's `Broker::default_clone_resync_interval`: 10 s. */
export const DEFAULT_CLONE_RESYNC_INTERVAL_MS = 10_000;
/** Zeek's `Broker::default_clone_stale_interval`: 5 min. */
export const DEFAULT_CLONE_STALE_INTERVAL_MS = 300_000;
/** Zeek's `Broker::default_clone_mutation_buffer_interval`: 2 min. */
export const DEFAULT_CLONE_MUTATION_BUFFER_INTERVAL_MS = 120_000;

/** Options of `CloneStore`. */
export interface CloneStoreOptions {
  /** The store name. */
  readonly name: string;
  /** The event layer. */
  readonly channel: StoreChannel;
  /** Time source. */
  readonly clock: Clock;
  /** Local cache; a `MemoryBackend` by default. Owned and disposed by the clone. */
  readonly backend?: StoreBackend;
  /** This clone's (and writer's) id; a fresh UUID by default. */
  readonly cloneId?: string;
  /** See the module doc (default 10 s). */
  readonly resyncIntervalMs?: number;
  /** See the module doc (default 300 s). */
  readonly staleIntervalMs?: number;
  /** See the module doc (default 120 s). */
  readonly mutationBufferIntervalMs?: number;
  /** Silence after which the master counts as gone (default 10 s). */
  readonly masterTimeoutMs?: number;
  /** How long reads wait for the first snapshot (default 5 s). */
  readonly maxGetDelayMs?: number;
  /** Status (progress) report period, ms (default 1000). */
  readonly heartbeatIntervalMs?: number;
  /** Unacknowledged writes are re-sent after this long (default 1000 ms). */
  readonly retransmitIntervalMs?: number;
  /** A gap must last this long before it is nacked (default 200 ms). */
  readonly nackDelayMs?: number;
  /** Writes in flight or buffered (default 10000); more reject at once. */
  readonly maxPendingWrites?: number;
  /** Out-of-order updates buffered (default 10000); more are dropped (and nacked later). */
  readonly maxOutOfOrder?: number;
  /** Reads waiting for the first snapshot (default 1000). */
  readonly maxWaitingReads?: number;
  /** Writes per `write` event (default 1000). */
  readonly maxWritesPerMessage?: number;
  /** Key and value bounds, checked before a write is sent. */
  readonly limits?: StoreLimits;
  /** Timer period in ms (default 100); 0 starts no timer (call `tick()`). */
  readonly tickIntervalMs?: number;
  /** Asynchronous failures (malformed messages). */
  readonly onError?: (code: string, message: string) => void;
}

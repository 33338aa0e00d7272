/**
 * Test helper: an in-process hub of {@link StoreChannel} endpoints with manual, deterministic
 * delivery that can drop, reorder, hold back and partition messages. Arguments go through
 * `broker-bin-v1` as on the wire. Used by the `*_test.ts` files only.
 *
 * @module
 */

import { ManualClock } from "../clock.ts";
import { type BrokerValue, decodeBinV1, encodeBinV1 } from "../serialization/mod.ts";
import type { StoreBackend } from "./backend.ts";
import type { CloneStoreOptions } from "./clone_options.ts";
import { CloneStore } from "./clone_store.ts";
import { MasterStore, type MasterStoreOptions } from "./master_store.ts";
import { MemoryBackend } from "./memory_backend.ts";
import type { StoreChannel } from "./replication.ts";
import type { Store } from "./store.ts";

/** A message in flight. */
export interface FakeMessage {
  readonly from: string;
  readonly to: string;
  readonly topic: string;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One endpoint (node) on the hub. */
export class FakeEndpoint implements StoreChannel {
  readonly id: string;
  readonly subscriptions = new Map<string, number>();
  readonly #hub: FakeHub;
  readonly #handlers = new Map<string, Array<(...args: BrokerValue[]) => void>>();

  constructor(hub: FakeHub, id: string) {
    this.#hub = hub;
    this.id = id;
  }
  publish(topic: string, name: string, ...args: BrokerValue[]): boolean {
    this.#hub.enqueue(this.id, topic, name, args);
    return true;
  }
  on(name: string, handler: (...args: BrokerValue[]) => void): () => void {
    const list = this.#handlers.get(name) ?? [];
    list.push(handler);
    this.#handlers.set(name, list);
    return () => list.splice(list.indexOf(handler), 1);
  }
  subscribe(prefix: string): void {
    this.subscriptions.set(prefix, (this.subscriptions.get(prefix) ?? 0) + 1);
  }
  unsubscribe(prefix: string): boolean {
    const n = this.subscriptions.get(prefix);
    if (!n) return false;
    if (n === 1) this.subscriptions.delete(prefix);
    else this.subscriptions.set(prefix, n - 1);
    return true;
  }
  /** Whether a topic matches a subscription prefix. */
  matches(topic: string): boolean {
    for (const p of this.subscriptions.keys()) if (topic.startsWith(p)) return true;
    return false;
  }
  /** Runs the handlers of a delivered event. */
  dispatch(name: string, args: BrokerValue[]): void {
    for (const h of [...(this.#handlers.get(name) ?? [])]) h(...args);
  }
}

/** The hub. */
export class FakeHub {
  readonly #endpoints = new Map<string, FakeEndpoint>();
  readonly #blocked = new Set<string>();
  #queue: FakeMessage[] = [];
  #held: FakeMessage[] = [];
  /** Return true to drop a message at delivery. */
  drop: ((m: FakeMessage) => boolean) | undefined;
  /** Return true to hold a message back until {@link FakeHub.release}. */
  hold: ((m: FakeMessage) => boolean) | undefined;
  /** When set, each delivery round is shuffled with this PRNG (0..1). */
  shuffle: (() => number) | undefined;
  /** Messages delivered and dropped. */
  delivered = 0;
  dropped = 0;

  /** A new endpoint. */
  endpoint(id: string): FakeEndpoint {
    const e = new FakeEndpoint(this, id);
    this.#endpoints.set(id, e);
    return e;
  }
  /** Drops all traffic between `a` and `b` until healed. */
  partition(a: string, b: string): void {
    this.#blocked.add(`${a}|${b}`).add(`${b}|${a}`);
  }
  /** Ends every partition. */
  heal(): void {
    this.#blocked.clear();
  }
  /** Queues held messages for delivery. */
  release(): void {
    this.#queue.push(...this.#held);
    this.#held = [];
  }
  /** Called by endpoints: routes a publish to every other subscribed endpoint. */
  enqueue(from: string, topic: string, name: string, args: BrokerValue[]): void {
    const bytes = encodeBinV1(args);
    for (const e of this.#endpoints.values()) {
      if (e.id !== from && e.matches(topic)) {
        this.#queue.push({ from, to: e.id, topic, name, bytes });
      }
    }
  }
  /** Delivers until nothing is left. @returns Messages delivered. */
  deliver(): number {
    let n = 0;
    for (let round = 0; this.#queue.length > 0 && round < 10_000; round++) {
      const batch = this.#queue;
      this.#queue = [];
      if (this.shuffle) {
        for (let i = batch.length - 1; i > 0; i--) {
          const j = Math.floor(this.shuffle() * (i + 1));
          [batch[i], batch[j]] = [batch[j]!, batch[i]!];
        }
      }
      for (const m of batch) {
        const target = this.#endpoints.get(m.to);
        if (!target || this.#blocked.has(`${m.from}|${m.to}`) || this.drop?.(m)) {
          this.dropped++;
          continue;
        }
        if (this.hold?.(m)) {
          this.#held.push(m);
          continue;
        }
        if (!target.matches(m.topic)) continue;
        n++;
        this.delivered++;
        target.dispatch(m.name, decodeBinV1(m.bytes) as BrokerValue[]);
      }
    }
    return n;
  }
}

/** Lets microtasks (flushes) run and delivers messages until the system is quiet. */
export async function pump(hub: FakeHub, masters: readonly MasterStore[] = []): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    for (let j = 0; j < 20; j++) await Promise.resolve();
    if (hub.deliver() > 0) continue;
    // Masters on a write-behind backend publish once their commit thread answers.
    await Promise.all(masters.map((m) => m.flushed()));
    for (let j = 0; j < 20; j++) await Promise.resolve();
    if (hub.deliver() === 0) return;
  }
}

/** Advances the clock in ticks of `stepMs` (100 ms), ticking every store and pumping after each. */
export async function advance(
  clock: ManualClock,
  hub: FakeHub,
  stores: readonly Store[],
  ms: number,
  stepMs = 100,
): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    for (const s of stores) s.tick();
    await pump(hub, stores.filter((s) => s instanceof MasterStore));
  }
}

/** A seeded PRNG (mulberry32) returning [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A master on `manager` and clones on a {@linkcode FakeHub}, all named "s", ticks off. */
export interface StoreSetup extends AsyncDisposable {
  clock: ManualClock;
  hub: FakeHub;
  master: MasterStore;
  clones: CloneStore[];
  stores: Store[];
}

/** Builds a {@linkcode StoreSetup}: memory backend unless given, options merged in. */
export function storeSetup(
  cloneIds: string[],
  o: {
    backend?: StoreBackend;
    master?: Partial<MasterStoreOptions>;
    clone?: Partial<CloneStoreOptions>;
  } = {},
): StoreSetup {
  const clock = new ManualClock();
  const hub = new FakeHub();
  const master = new MasterStore({
    name: "s",
    backend: o.backend ?? new MemoryBackend(),
    clock,
    channel: hub.endpoint("manager"),
    tickIntervalMs: 0,
    ...o.master,
  });
  const clones = cloneIds.map((id) =>
    new CloneStore({
      name: "s",
      channel: hub.endpoint(id),
      clock,
      cloneId: id,
      tickIntervalMs: 0,
      ...o.clone,
    })
  );
  const stores: Store[] = [master, ...clones];
  return {
    clock,
    hub,
    master,
    clones,
    stores,
    async [Symbol.asyncDispose]() {
      for (const s of stores) await s[Symbol.asyncDispose]();
    },
  };
}

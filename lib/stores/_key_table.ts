/**
 * A string-keyed hash table for the rows of a memory backend: open addressing with linear probing
 * over parallel arrays (hashes in an `Int32Array`, ids, and a row's three columns: its key, value
 * and expiry), backward-shift deletion, a load factor of at most one half, and a random seed per
 * table (so that no key set chosen in advance collides on every table).
 *
 * Why not `Map`: inserting new string keys into a `Map` of 100k+ entries cost 0.6-1.0 us each in
 * V8 (chained buckets whose key strings are visited on each probe), about a fifth of a put's time
 * on a clone and on a master; here it is 0.2-0.3 us, as the hash comparison rejects other slots
 * without touching their keys. The columns in parallel arrays also spare an object per row, which
 * every later garbage collection would have had to move or mark. Iteration order is the slot
 * order, not insertion order (store keys are unordered, as in Broker).
 *
 * @module
 */

const MIN_CAPACITY = 16;

/** A seed for a table's hash: random, so that colliding key sets cannot be prepared. */
function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0]! | 0;
}

/**
 * A hash table from string ids to rows of three columns: `K`, `V` and `E`. Slots are indexes
 * into the columns, valid until the next change.
 */
export class KeyTable<K, V, E> {
  #hashes = new Int32Array(MIN_CAPACITY);
  #ids: (string | undefined)[] = new Array(MIN_CAPACITY);
  #keys: (K | undefined)[] = new Array(MIN_CAPACITY);
  #values: (V | undefined)[] = new Array(MIN_CAPACITY);
  #extras: (E | undefined)[] = new Array(MIN_CAPACITY);
  #mask = MIN_CAPACITY - 1;
  #size = 0;
  readonly #seed: number;

  /** @param seed hash seed (random by default; tests may fix it) */
  constructor(seed: number = randomSeed()) {
    this.#seed = seed | 0;
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The hash of an id: never 0 (0 marks an empty slot). */
  #hash(id: string): number {
    let h = this.#seed ^ 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h | 1;
  }

  /** @returns The slot of `id`, or -1. */
  find(id: string): number {
    const h = this.#hash(id);
    const hashes = this.#hashes;
    const mask = this.#mask;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const s = hashes[i]!;
      if (s === 0) return -1;
      if (s === h && this.#ids[i] === id) return i;
    }
  }

  /** The key column of a slot {@linkcode KeyTable.find} returned. */
  keyAt(slot: number): K {
    return this.#keys[slot]!;
  }

  /** The value column of a slot. */
  valueAt(slot: number): V {
    return this.#values[slot]!;
  }

  /** The third column of a slot. */
  extraAt(slot: number): E {
    return this.#extras[slot]!;
  }

  /** Inserts or replaces the row of `id`. */
  set(id: string, key: K, value: V, extra: E): void {
    const h = this.#hash(id);
    const hashes = this.#hashes;
    const mask = this.#mask;
    let i = h & mask;
    for (;; i = (i + 1) & mask) {
      const s = hashes[i]!;
      if (s === 0) break;
      if (s === h && this.#ids[i] === id) break;
    }
    const added = hashes[i] === 0;
    hashes[i] = h;
    this.#ids[i] = id;
    this.#keys[i] = key;
    this.#values[i] = value;
    this.#extras[i] = extra;
    if (added && ++this.#size * 2 > mask + 1) this.#resize((mask + 1) * 2);
  }

  /** Removes the row of `id`. @returns Whether there was one. */
  delete(id: string): boolean {
    let i = this.find(id);
    if (i < 0) return false;
    const hashes = this.#hashes;
    const ids = this.#ids;
    const keys = this.#keys;
    const values = this.#values;
    const extras = this.#extras;
    const mask = this.#mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their
    // home slot does not lie (cyclically) between the hole and themselves.
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const h = hashes[j]!;
      if (h === 0) break;
      const home = h & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      hashes[i] = h;
      ids[i] = ids[j];
      keys[i] = keys[j];
      values[i] = values[j];
      extras[i] = extras[j];
      i = j;
    }
    hashes[i] = 0;
    ids[i] = undefined;
    keys[i] = undefined;
    values[i] = undefined;
    extras[i] = undefined;
    this.#size--;
    if (this.#size * 8 < mask + 1 && mask + 1 > MIN_CAPACITY) this.#resize((mask + 1) / 2);
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#hashes = new Int32Array(MIN_CAPACITY);
    this.#ids = new Array(MIN_CAPACITY);
    this.#keys = new Array(MIN_CAPACITY);
    this.#values = new Array(MIN_CAPACITY);
    this.#extras = new Array(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
    this.#size = 0;
  }

  /**
   * Calls `fn` with every row, in slot order. `fn` must not change the table (collect what to
   * change first).
   */
  forEach(fn: (key: K, value: V, extra: E) => void): void {
    const hashes = this.#hashes;
    const keys = this.#keys;
    const values = this.#values;
    const extras = this.#extras;
    for (let i = 0; i < hashes.length; i++) {
      if (hashes[i] !== 0) fn(keys[i]!, values[i]!, extras[i]!);
    }
  }

  #resize(capacity: number): void {
    const oldHashes = this.#hashes;
    const oldIds = this.#ids;
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const oldExtras = this.#extras;
    const hashes = new Int32Array(capacity);
    const ids: (string | undefined)[] = new Array(capacity);
    const keys: (K | undefined)[] = new Array(capacity);
    const values: (V | undefined)[] = new Array(capacity);
    const extras: (E | undefined)[] = new Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < oldHashes.length; j++) {
      const h = oldHashes[j]!;
      if (h === 0) continue;
      let i = h & mask;
      while (hashes[i] !== 0) i = (i + 1) & mask;
      hashes[i] = h;
      ids[i] = oldIds[j];
      keys[i] = oldKeys[j];
      values[i] = oldValues[j];
      extras[i] = oldExtras[j];
    }
    this.#hashes = hashes;
    this.#ids = ids;
    this.#keys = keys;
    this.#values = values;
    this.#extras = extras;
    this.#mask = mask;
  }
}

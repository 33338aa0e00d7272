/**
 * Typed handles over one metric family each. Callers never see prom-client: they increment, set,
 * read, or attach a source (a function returning current numbers owned elsewhere).
 *
 * The node label is fixed when the family is created and is not part of `L`.
 *
 * @module
 */

/** Label values of one series of a family whose caller-supplied label names are `L`. */
export type Labels<L extends string> = { readonly [K in L]: string };

/** One reading of a labelled source. */
export interface LabelledValue<L extends string> {
  /** Label values (without `node`). */
  readonly labels: Labels<L>;
  /** Current value; non-finite values are skipped. */
  readonly value: number;
}

/** A counter with no labels besides the node's. */
export interface CounterMetric {
  /** Exposed name, e.g. `zeek_cluster_core_incoming_events_total`. */
  readonly name: string;
  /**
   * Adds `n` (default 1).
   *
   * @throws {RangeError} If `n` is negative or not finite.
   */
  inc(n?: number): void;
  /** Current value: own increments plus every source. */
  get(): number;
  /** Adds a source read at each scrape; disposing it keeps its last reading in the counter. */
  addSource(read: () => number): Disposable;
}

/** A counter with labels `L` besides the node's. */
export interface LabelledCounterMetric<L extends string> {
  /** Exposed name. */
  readonly name: string;
  /**
   * Adds `n` (default 1) to the series `labels`.
   *
   * @throws {RangeError} If `n` is negative or not finite.
   * @throws {TypeError} If a label is missing or unknown.
   */
  inc(labels: Labels<L>, n?: number): void;
  /** Current value of the series `labels`; 0 when it does not exist. */
  get(labels: Labels<L>): number;
  /** Adds a source of labelled readings; disposing it keeps its last readings. */
  addSource(read: () => Iterable<LabelledValue<L>>): Disposable;
}

/** A gauge with no labels besides the node's. */
export interface GaugeMetric {
  /** Exposed name. */
  readonly name: string;
  /** Sets the own value. */
  set(value: number): void;
  /** Adds `n` (default 1). */
  inc(n?: number): void;
  /** Subtracts `n` (default 1). */
  dec(n?: number): void;
  /** Current value: own value plus every source. */
  get(): number;
  /** Adds a source read at each scrape; disposing it drops its contribution. */
  addSource(read: () => number): Disposable;
}

/** A gauge with labels `L` besides the node's. */
export interface LabelledGaugeMetric<L extends string> {
  /** Exposed name. */
  readonly name: string;
  /** Sets the series `labels`. */
  set(labels: Labels<L>, value: number): void;
  /** Adds `n` (default 1) to the series `labels`. */
  inc(labels: Labels<L>, n?: number): void;
  /** Subtracts `n` (default 1) from the series `labels`. */
  dec(labels: Labels<L>, n?: number): void;
  /** Removes the series `labels` (e.g. a store that was closed). */
  remove(labels: Labels<L>): void;
  /** Current value of the series `labels`; 0 when it does not exist. */
  get(labels: Labels<L>): number;
  /** Adds a source of labelled readings; disposing it drops its contribution. */
  addSource(read: () => Iterable<LabelledValue<L>>): Disposable;
}

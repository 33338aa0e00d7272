/**
 * Private: one metric family whose values live here (plain numbers, readable synchronously) and are
 * copied into a prom-client `Counter` or `Gauge` by its `collect()` callback at scrape time.
 *
 * Sources are functions that return current numbers owned elsewhere (a transport's `stats`, a
 * queue's length). A family's value for a label set is its own increments plus the sum of its
 * sources. When a counter source is removed, its last reading is folded into the family's own
 * value so the counter never goes backwards.
 *
 * @module
 */

import { Counter, Gauge, type Registry } from "prom-client";

/** The kind of a family: Prometheus `counter` or `gauge`. */
export type _FamilyKind = "counter" | "gauge";

/** Label values of one series, keyed by label name (the fixed labels excluded). */
export type _LabelValues = Readonly<Record<string, string>>;

/** One reading of a source: a value for one label set. */
export interface _Reading {
  readonly labels: _LabelValues;
  readonly value: number;
}

/** A source: returns the current readings each time it is called. */
export type _Source = () => Iterable<_Reading>;

/** What a family needs to exist. */
export interface _FamilyOptions {
  readonly registry: Registry;
  readonly kind: _FamilyKind;
  readonly name: string;
  readonly help: string;
  /** Label names the caller passes, without the fixed ones. */
  readonly labelNames: readonly string[];
  /** Labels added to every series, e.g. `{ node: "worker-1" }`. */
  readonly fixedLabels: _LabelValues;
  /** Called when a source throws during a scrape; without it the error propagates. */
  readonly onSourceError?: ((error: unknown, name: string) => void) | undefined;
}

interface _Series {
  readonly labels: _LabelValues;
  value: number;
}

/** Private metric family; see the module doc. */
export class _Family {
  readonly name: string;
  readonly kind: _FamilyKind;
  readonly #metric: Counter<string> | Gauge<string>;
  readonly #labelNames: readonly string[];
  readonly #fixed: _LabelValues;
  readonly #own = new Map<string, _Series>();
  readonly #sources = new Set<_Source>();
  readonly #onSourceError: ((error: unknown, name: string) => void) | undefined;

  constructor(options: _FamilyOptions) {
    this.name = options.name;
    this.kind = options.kind;
    this.#labelNames = options.labelNames;
    this.#fixed = options.fixedLabels;
    this.#onSourceError = options.onSourceError;
    const allNames = [...options.labelNames, ...Object.keys(options.fixedLabels)].sort();
    const config = {
      name: options.name,
      help: options.help,
      labelNames: allNames,
      registers: [options.registry],
    };
    // prom-client calls `collect` on the metric at each scrape; it copies our values over.
    this.#metric = options.kind === "counter"
      ? new Counter({
        ...config,
        collect: () => {
          const counter = this.#metric as Counter<string>;
          counter.reset();
          for (const s of this.#current()) counter.inc(this.#full(s.labels), s.value);
        },
      })
      : new Gauge({
        ...config,
        collect: () => {
          const gauge = this.#metric as Gauge<string>;
          gauge.reset();
          for (const s of this.#current()) gauge.set(this.#full(s.labels), s.value);
        },
      });
  }

  /** Adds `n` to the series `labels` (creating it at 0 first). Counters refuse negative `n`. */
  add(labels: _LabelValues, n: number): void {
    if (!Number.isFinite(n)) {
      throw new RangeError(`Cannot change metric ${this.name} by ${n}: not a finite number`);
    }
    if (this.kind === "counter" && n < 0) {
      throw new RangeError(`Cannot increment counter ${this.name} by ${n}: counters only go up`);
    }
    this.#series(labels).value += n;
  }

  /** Sets the series `labels` to `value` (gauges only). */
  set(labels: _LabelValues, value: number): void {
    if (Number.isNaN(value)) throw new RangeError(`Cannot set gauge ${this.name} to NaN`);
    this.#series(labels).value = value;
  }

  /** Removes the own part of series `labels` (gauges whose subject went away). */
  remove(labels: _LabelValues): void {
    this.#own.delete(this.#key(labels));
  }

  /** Current value of series `labels`: own value plus sources; 0 when absent. */
  get(labels: _LabelValues): number {
    const key = this.#key(labels);
    return this.#current().find((s) => this.#key(s.labels) === key)?.value ?? 0;
  }

  /** Registers a source. Disposing it unregisters it (folding a counter's last reading in). */
  addSource(source: _Source): Disposable {
    this.#sources.add(source);
    return {
      [Symbol.dispose]: () => {
        if (!this.#sources.delete(source)) return;
        if (this.kind !== "counter") return;
        let last: _Reading[] = [];
        try {
          last = this.#read(source);
        } catch {
          // Disposing never throws; a broken source just contributes nothing more.
        }
        for (const r of last) this.add(r.labels, Math.max(0, r.value));
      },
    };
  }

  #current(): _Series[] {
    const merged = new Map<string, _Series>();
    for (const [key, s] of this.#own) merged.set(key, { labels: s.labels, value: s.value });
    for (const source of this.#sources) {
      for (const r of this.#read(source)) {
        const key = this.#key(r.labels);
        const s = merged.get(key);
        if (s) s.value += r.value;
        else merged.set(key, { labels: this.#checked(r.labels), value: r.value });
      }
    }
    return [...merged.values()];
  }

  #read(source: _Source): _Reading[] {
    try {
      return [...source()].filter((r) => Number.isFinite(r.value));
    } catch (error) {
      if (!this.#onSourceError) throw error;
      this.#onSourceError(error, this.name);
      return [];
    }
  }

  #series(labels: _LabelValues): _Series {
    const key = this.#key(labels);
    let s = this.#own.get(key);
    if (!s) {
      s = { labels: this.#checked(labels), value: 0 };
      this.#own.set(key, s);
    }
    return s;
  }

  #checked(labels: _LabelValues): _LabelValues {
    const out: Record<string, string> = {};
    for (const name of this.#labelNames) {
      const value = labels[name];
      if (typeof value !== "string") {
        throw new TypeError(`Cannot use metric ${this.name}: label "${name}" is missing`);
      }
      out[name] = value;
    }
    for (const name of Object.keys(labels)) {
      if (!this.#labelNames.includes(name)) {
        throw new TypeError(`Cannot use metric ${this.name}: unknown label "${name}"`);
      }
    }
    return out;
  }

  #key(labels: _LabelValues): string {
    return JSON.stringify(this.#labelNames.map((n) => labels[n] ?? ""));
  }

  /** Labels with the fixed ones added, keys in alphabetical order as Zeek prints them. */
  #full(labels: _LabelValues): Record<string, string> {
    const all: Record<string, string> = { ...labels, ...this.#fixed };
    const sorted: Record<string, string> = {};
    for (const name of Object.keys(all).sort()) sorted[name] = all[name] ?? "";
    return sorted;
  }
}

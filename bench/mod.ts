/**
 * Benchmark harness: `deno task bench [name...]` runs every benchmark (or the named ones) and
 * prints each result as a ratio against a baseline measured in the same run.
 *
 * @module
 */

/** One benchmark's result. */
export interface BenchResult {
  readonly name: string;
  /** What zcluster achieved, in `unit`. */
  readonly value: number;
  /** The raw baseline measured in the same run, in `unit`. */
  readonly baseline: number;
  readonly unit: string;
  /** The target ratio value/baseline, if any. */
  readonly targetRatio?: number;
  /** Extra figures (latency percentiles...). */
  readonly extra?: Readonly<Record<string, number | string>>;
  /** What the baseline is when it is not the raw side (`"worst"`, `"1w"`). Default `"raw"`. */
  readonly baselineLabel?: string;
}

/** A benchmark: runs and reports. */
export interface Bench {
  readonly name: string;
  run(): Promise<BenchResult[]>;
}

/** Prints results as a table. */
export function report(results: readonly BenchResult[]): void {
  for (const r of results) {
    const ratio = r.value / r.baseline;
    const target = r.targetRatio === undefined
      ? ""
      : ` target >= ${r.targetRatio} ${ratio >= r.targetRatio ? "PASS" : "MISS"}`;
    const extra = r.extra
      ? " " + Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(" ")
      : "";
    console.log(
      `${r.name.padEnd(40)} ${r.value.toFixed(0).padStart(10)} ${r.unit} vs ${
        r.baselineLabel ?? "raw"
      } ${r.baseline.toFixed(0).padStart(10)} ${r.unit}  ratio ${
        ratio.toFixed(2)
      }${target}${extra}`,
    );
  }
}

const BENCHES: Record<string, () => Promise<Bench>> = {
  events: async () => (await import("./events.ts")).eventsBench(),
  stores: async () =>
    (await import("./stores.ts")).storesBench({ progress: (l) => console.log(l) }),
  logs: async () => (await import("./logs.ts")).logsBench({ progress: (l) => console.log(l) }),
  curve: async () => (await import("./curve.ts")).curveBench(),
  idle: async () => (await import("./idle.ts")).idleBench({ progress: (l) => console.log(l) }),
};

if (import.meta.main) {
  const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
  if (wanted.length === 0) console.log("no benchmarks registered yet");
  for (const name of wanted) {
    const load = BENCHES[name];
    if (!load) {
      console.error(`unknown benchmark ${name}: have ${Object.keys(BENCHES).join(", ")}`);
      Deno.exit(2);
    }
    report(await (await load()).run());
  }
}

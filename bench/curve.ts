/**
 * The CURVE variant of the events benchmark: events through the proxy and log batches over
 * PUSH/PULL with CURVE and an allow-list, against the same traffic in plain ZMTP, measured in one
 * run with alternating rounds (`lib/transport/zeromq/testdata/curve_throughput.ts`). The baseline
 * here is plain zcluster, so the ratio is the cost of encryption.
 *
 * @module
 */
import type { Bench, BenchResult } from "./mod.ts";

const SCRIPT = new URL("../lib/transport/zeromq/testdata/curve_throughput.ts", import.meta.url);
const CONFIG = new URL("../deno.json", import.meta.url);

/**
 * Builds the CURVE benchmark.
 *
 * @param options Messages per round and rounds.
 * @returns The benchmark.
 */
export function curveBench(options: { count?: number; rounds?: number } = {}): Bench {
  return {
    name: "curve",
    async run(): Promise<BenchResult[]> {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          CONFIG.pathname,
          SCRIPT.pathname,
          String(options.count ?? 100_000),
          String(options.rounds ?? 3),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const m =
        /best: plain events (\d+)\/s, curve events (\d+)\/s.*plain logs (\d+)\/s, curve logs (\d+)\/s/
          .exec(text);
      if (!out.success || !m) throw new Error(`curve benchmark failed:\n${text}`);
      const [, pe, ce, pl, cl] = m.map(Number) as number[];
      return [
        {
          name: "events through the proxy, CURVE vs plain",
          value: ce!,
          baseline: pe!,
          unit: "msg/s",
        },
        { name: "log PUSH/PULL, CURVE vs plain", value: cl!, baseline: pl!, unit: "msg/s" },
      ];
    },
  };
}

import assert from "node:assert/strict";
import {
  formatMode,
  hostMs,
  LatencyHistogram,
  Pacer,
  parseMode,
  ReceiveCounter,
} from "./_child.ts";
import {
  benchPayloadBytes,
  type EventsCaseResult,
  eventsTargets,
  type PhaseResult,
  toBenchResult,
} from "./events.ts";

/** A saturation or latency round with the given figures; the rest fixed. */
function fakePhase(
  p: Pick<PhaseResult, "kind" | "workers" | "rate"> & Partial<PhaseResult>,
): PhaseResult {
  return {
    publishers: p.workers,
    mode: { kind: "max", durationMs: 1 },
    sent: 1,
    received: 1,
    dropped: 0,
    lost: 0,
    retries: 0,
    p50Ms: 0.2,
    p99Ms: 2,
    maxMs: 3,
    cpuUsPerEvent: 5,
    managerCpuUsPerEvent: 2,
    idlePct: undefined,
    stealPct: undefined,
    ...p,
  };
}

Deno.test("LatencyHistogram.quantile() returns the bucket edge holding the quantile", () => {
  const h = new LatencyHistogram();
  assert.equal(h.quantile(0.5), 0);
  for (let i = 1; i <= 100; i++) h.record(i / 10); // 0.1 ... 10 ms
  assert.equal(h.count, 100);
  assert.ok(Math.abs(h.quantile(0.5) - 5.01) < 1e-9);
  assert.ok(Math.abs(h.quantile(0.99) - 9.91) < 1e-9);
  assert.equal(h.maxMs, 10);
});

Deno.test("LatencyHistogram.record() clamps negative and huge samples", () => {
  const h = new LatencyHistogram();
  h.record(-1);
  h.record(1e9);
  assert.ok(Math.abs(h.quantile(0) - 0.01) < 1e-9);
  assert.ok(h.quantile(1) > 9_999);
});

Deno.test("parseMode() reads what formatMode() writes and rejects the rest", () => {
  for (
    const mode of [
      { kind: "max", durationMs: 2500 },
      { kind: "rate", eventsPerS: 5000, durationMs: 2000 },
    ] as const
  ) {
    assert.deepEqual(parseMode(formatMode(mode)), mode);
  }
  assert.equal(parseMode("exit"), undefined);
  assert.equal(parseMode(""), undefined);
  assert.equal(parseMode("rate 0 100"), undefined);
  assert.equal(parseMode("max x"), undefined);
});

Deno.test("Pacer.due() issues events in proportion to elapsed time", async () => {
  const pacer = new Pacer(10_000);
  assert.ok(pacer.due() <= 1);
  await new Promise((r) => setTimeout(r, 20));
  const n = pacer.due();
  assert.ok(n >= 150, `expected about 200 events after 20 ms, got ${n}`);
});

Deno.test("ReceiveCounter.result() reports counts and percentiles", () => {
  const c = new ReceiveCounter();
  c.record(hostMs() - 1);
  c.record(hostMs() - 3);
  const r = c.result(2);
  assert.equal(r.type, "result");
  assert.equal(r.received, 2);
  assert.equal(r.dropped, 2);
  assert.ok(r.lastMs >= r.firstMs);
  assert.ok(r.p50Ms >= 1 && r.p99Ms >= 3);
});

Deno.test("benchPayloadBytes() is the bin-v1 size of the benchmark event", () => {
  assert.ok(benchPayloadBytes(100) > 100);
  assert.equal(benchPayloadBytes(101), benchPayloadBytes(100) + 1);
});

Deno.test("toBenchResult() reports the best round of each side and the CPU per event", () => {
  const phase = (kind: "raw" | "zcluster", rate: number, cpu = 2) =>
    fakePhase({
      kind,
      workers: 2,
      rate,
      sent: 10,
      received: 9,
      dropped: 1,
      p50Ms: 1,
      cpuUsPerEvent: cpu,
      managerCpuUsPerEvent: cpu / 2,
    });
  const c: EventsCaseResult = {
    workers: 2,
    latency: {},
    saturation: {
      raw: [phase("raw", 100, 2), phase("raw", 80, 3)],
      zcluster: [phase("zcluster", 50, 5), phase("zcluster", 70, 6)],
      zmqjs: [],
    },
    scaling: {},
  };
  const r = toBenchResult(c);
  assert.equal(r.value, 70);
  assert.equal(r.baseline, 100);
  assert.equal(r.targetRatio, 0.7);
  assert.equal(r.extra?.["cpu_us_per_ev"], "6.00"); // median of two: the upper one
  assert.equal(r.extra?.["above_transport_us_per_ev"], "3.00");
  assert.equal(r.extra?.["manager_cpu_us_per_ev"], "3.00");
  assert.equal(r.extra?.["raw_manager_cpu_us_per_ev"], "1.50");
  assert.equal(r.extra?.["zmqjs_ev_s"], "-");
  assert.equal(r.extra?.["received"], 18);
  assert.equal(r.extra?.["rounds"], "50/70");
  assert.equal(r.extra?.["p50_ms"], "-");
  assert.equal(r.extra?.["idle"], "-"); // no /proc/stat readings
  assert.equal(r.extra?.["steal_max"], "-");
});

Deno.test("toBenchResult() reports the machine's idle share (median) and the most stolen", () => {
  const phase = (kind: "raw" | "zcluster", idlePct: number, stealPct: number) =>
    fakePhase({ kind, workers: 1, rate: 100, idlePct, stealPct });
  const r = toBenchResult({
    workers: 1,
    latency: {},
    saturation: {
      raw: [phase("raw", 20, 14), phase("raw", 30, 0)],
      zcluster: [phase("zcluster", 12, 0.5), phase("zcluster", 9, 0), phase("zcluster", 40, 1)],
      zmqjs: [],
    },
    scaling: {},
  });
  assert.equal(r.extra?.["idle"], "12.0%");
  assert.equal(r.extra?.["raw_idle"], "30.0%"); // median of two: the upper one
  assert.equal(r.extra?.["steal_max"], "14.0%"); // over both sides
});

Deno.test("eventsTargets() judges 4 workers against 1, the worst CPU and the worst p99 gap", () => {
  const phase = (
    kind: "raw" | "zcluster",
    workers: number,
    rate: number,
    cpu: number,
    p99Ms = 2,
  ) => fakePhase({ kind, workers, rate, p99Ms, cpuUsPerEvent: cpu, managerCpuUsPerEvent: cpu / 2 });
  const kase = (workers: number, z: number, raw: number, cpu: number, p99: [number, number]) => ({
    workers,
    latency: {
      zcluster: [phase("zcluster", workers, 0, 0, p99[0])],
      raw: [phase("raw", workers, 0, 0, p99[1])],
    },
    saturation: {
      zcluster: [phase("zcluster", workers, z, cpu)],
      raw: [phase("raw", workers, raw, cpu)],
      zmqjs: [],
    },
    scaling: {},
  });
  // Given out of order: the fewest and most workers are found by count.
  const lines = eventsTargets([
    kase(4, 300, 330, 6.5, [0.9, 0.5]),
    kase(1, 350, 320, 8.5, [1.6, 0.5]),
  ]);
  assert.deepEqual(lines.map((l) => l.name), [
    "events 4 workers vs 1, aggregate",
    "events CPU per event, budget / worst",
    "events p99, raw + 1 ms / worst",
  ]);
  const [agg, cpu, p99] = lines;
  assert.equal(agg!.value / agg!.baseline < 1, true); // 300 below 350: MISS
  assert.equal(agg!.extra?.["raw"], "330/320=1.03");
  assert.equal(cpu!.value / cpu!.baseline < 1, true); // 8.5 us over the 8 us budget: MISS
  assert.equal(cpu!.extra?.["worst_workers"], 1);
  assert.equal(cpu!.extra?.["raw_cpu_us_per_ev"], "6.50/8.50"); // raw's own, same order
  assert.equal(p99!.value, 1500); // raw 0.5 + 1 ms allowed, 1.6 ms seen: MISS
  assert.equal(p99!.baseline, 1600);
  // Within every target: all three pass; one case alone has no aggregate line.
  const good = eventsTargets([kase(1, 300, 320, 6, [0.6, 0.5]), kase(4, 310, 330, 7, [0.9, 0.5])]);
  assert.ok(good.every((l) => l.value / l.baseline >= l.targetRatio!));
  assert.equal(eventsTargets([kase(2, 1, 1, 1, [1, 1])]).length, 2);
});

Deno.test("eventsTargets() judges 4 workers against 1 on the paired rounds", () => {
  const phase = (kind: "raw" | "zcluster", publishers: number, rate: number) =>
    fakePhase({ kind, workers: 4, publishers, rate, p99Ms: 1 });
  const kase = (workers: number, z: number, scaling: EventsCaseResult["scaling"]) => ({
    workers,
    latency: {},
    saturation: { zcluster: [phase("zcluster", workers, z)], raw: [], zmqjs: [] },
    scaling,
  });
  // Unpaired, 4 workers fall below 1 (the host was slower then); paired, they do not.
  const lines = eventsTargets([
    kase(1, 350_000, {}),
    kase(4, 300_000, {
      zcluster: {
        one: [phase("zcluster", 1, 280_000), phase("zcluster", 1, 310_000)],
        all: [phase("zcluster", 4, 305_000), phase("zcluster", 4, 312_000)],
      },
      raw: { one: [phase("raw", 1, 400_000)], all: [phase("raw", 4, 380_000)] },
    }),
  ]);
  const agg = lines.find((l) => l.name === "events 4 workers vs 1, aggregate (paired)")!;
  assert.equal(agg.value, 312_000);
  assert.equal(agg.baseline, 310_000);
  assert.equal(agg.extra?.["pairs_k"], "305/280 312/310");
  assert.equal(agg.extra?.["raw"], "380000/400000=0.95");
  assert.equal(agg.extra?.["unpaired"], "300000/350000=0.86");
  // Below in the pairs: MISS.
  const miss = eventsTargets([
    kase(4, 300_000, {
      zcluster: { one: [phase("zcluster", 1, 320_000)], all: [phase("zcluster", 4, 300_000)] },
    }),
  ]);
  assert.equal(miss[0]!.value / miss[0]!.baseline < 1, true);
  assert.equal(miss[0]!.extra?.["unpaired"], "-");
});

Deno.test("ReceiveCounter.parseStop() reads the expected count", () => {
  assert.equal(ReceiveCounter.parseStop("stop 1200"), 1200);
  assert.equal(ReceiveCounter.parseStop("stop"), 0);
  assert.equal(ReceiveCounter.parseStop("exit"), undefined);
  assert.equal(ReceiveCounter.parseStop(""), undefined);
});

Deno.test("ReceiveCounter.settle() returns at once when everything is accounted for", async () => {
  const c = new ReceiveCounter();
  c.record(hostMs());
  await c.settle(2, () => 1);
  assert.equal(c.received, 1);
});

Deno.test("hostMs() is one clock across processes: a child's reading falls between two of ours", async () => {
  const before = hostMs();
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { hostMs } from "${
        new URL("./_child.ts", import.meta.url).href
      }"; console.log(hostMs());`,
    ],
    stdout: "piped",
  }).output();
  const after = hostMs();
  const theirs = Number(new TextDecoder().decode(stdout));
  assert.ok(before <= theirs && theirs <= after, `${before} <= ${theirs} <= ${after}`);
});

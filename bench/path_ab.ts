/**
 * A/B of the event path's JavaScript side between two checkouts of this repository, in one
 * process: `deno run -A bench/path_ab.ts <checkoutA> <checkoutB> [--rounds 24] [--messages 100000]`.
 *
 * Both checkouts' modules are loaded side by side and their rounds alternate (A B, B A, ...), so the
 * host's slow and fast minutes fall on both alike; each round reads its thread's CPU time
 * (`CLOCK_THREAD_CPUTIME_ID`). A round measures, per event of the events bench's shape
 * (`Bench::event` with a 100-character string and a real, 4 frames):
 *
 * - `receive`: `ZmqSocket.receive()` of messages queued on an inproc PUSH/PULL pair, from four
 *   senders taking turns (as a manager hears four workers), and the texts of the topic, sender and
 *   format frames (`Utf8Cache.decodeFrame`, as the transport reads them);
 * - `decode+dispatch`: the bin-v1 serializer's decode, the dispatcher's declaration check and the
 *   dispatch to one handler;
 * - `encode`: the serializer's `encodeTransient()` and the published-events counter.
 *
 * It prints the median of each side (ns an event, the first rounds dropped as warm-up) and the
 * median of the per-round ratios B/A. One run is not enough: the same code on both sides (two
 * checkouts of one commit) gave B/A from 0.93 to 1.16 (2026-12-07), so run both orders a few
 * times and trust what holds across them. Only for comparing builds: the events bench is the
 * benchmark.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { threadCpuNs } from "./_child.ts";

const BENCH_EVENT = "Bench::event";
const WARMUP_ROUNDS = 4;

type Round = [receive: number, decodeDispatch: number, encode: number];

/** Loads one checkout's modules and returns a function that runs one round. */
async function side(
  root: string,
  tag: string,
  messages: number,
): Promise<{ round: () => Round } & AsyncDisposable> {
  const base = new URL(root.endsWith("/") ? root : `${root}/`, `file://${Deno.cwd()}/`);
  const load = (path: string) => import(new URL(path, base).href);
  const z = await load("lib/transport/zeromq/mod.ts");
  const ser = await load("lib/serialization/mod.ts");
  const { EventDispatcher } = await load("lib/cluster/_dispatch.ts");
  const { newClusterStats } = await load("lib/cluster/events.ts");
  const { silentLogger } = await load("lib/diagnostics/logger.ts");
  const { Utf8Cache } = await load("lib/utf8.ts");
  const text = "x".repeat(100);
  const serializer = new ser.BinV1EventSerializer();
  const payload = serializer.encode({ name: BENCH_EVENT, args: [text, 1700000000.125] });
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const topic = utf8("zeek/cluster/node/manager/"), format = utf8("broker-bin-v1");
  const senders = [1, 2, 3, 4].map((i) => utf8(`zeek-worker-${i}-0123456789abcdef`));
  const texts = [new Utf8Cache(16), new Utf8Cache(64), new Utf8Cache(4)];
  const ctx = z.ZmqContext.create();
  const pull = ctx.socket(z.ZMQ_PULL, "PULL");
  pull.setInt(z.ZMQ_RCVHWM, 0);
  pull.bind(`inproc://path-ab-${tag}`);
  const push = ctx.socket(z.ZMQ_PUSH, "PUSH");
  push.setInt(z.ZMQ_SNDHWM, 0);
  push.connect(`inproc://path-ab-${tag}`);
  const stats = newClusterStats();
  const dispatcher = new EventDispatcher(stats, silentLogger);
  let handled = 0;
  dispatcher.on(BENCH_EVENT, (_s: unknown, sent: unknown) => void (handled += sent ? 1 : 0));
  const received: Uint8Array[] = [];
  const round = (): Round => {
    for (let i = 0; i < messages; i++) push.send([topic, senders[i & 3]!, format, payload]);
    received.length = 0;
    let t = threadCpuNs();
    let chars = 0;
    for (let i = 0; i < messages; i++) {
      const f = pull.receive()!;
      for (let k = 0; k < 3; k++) chars += texts[k]!.decodeFrame(f[k]!)!.length;
      received.push(f[3]!);
    }
    const receive = (threadCpuNs() - t) / messages;
    t = threadCpuNs();
    for (const p of received) {
      const event = serializer.decode(p);
      if (dispatcher.mismatch(event) === undefined) dispatcher.dispatch(event, "t", "s");
    }
    const decodeDispatch = (threadCpuNs() - t) / messages;
    t = threadCpuNs();
    let bytes = 0;
    for (let i = 0; i < messages; i++) {
      bytes += serializer.encodeTransient({ name: BENCH_EVENT, args: [text, 1700000000.125 + i] })
        .length;
      stats.published.inc(BENCH_EVENT);
    }
    const encode = (threadCpuNs() - t) / messages;
    if (handled === 0 || bytes === 0 || chars === 0) {
      throw new Error(`${root}: nothing was handled or encoded`);
    }
    return [receive, decodeDispatch, encode];
  };
  return {
    round,
    async [Symbol.asyncDispose]() {
      push.close();
      pull.close();
      await ctx.terminate();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: "24" },
      messages: { type: "string", default: "100000" },
    },
  });
  const rounds = Number(values.rounds), messages = Number(values.messages);
  if (positionals.length !== 2) throw new TypeError("usage: path_ab.ts <checkoutA> <checkoutB>");
  if (!(Number.isInteger(rounds) && rounds > WARMUP_ROUNDS)) {
    throw new RangeError(`--rounds ${values.rounds} is not an integer above ${WARMUP_ROUNDS}`);
  }
  if (!(Number.isInteger(messages) && messages > 0)) {
    throw new RangeError(`--messages ${values.messages} is not an integer above 0`);
  }
  await using a = await side(positionals[0]!, "a", messages);
  await using b = await side(positionals[1]!, "b", messages);
  const ra: Round[] = [], rb: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      ra.push(a.round());
      rb.push(b.round());
    } else {
      rb.push(b.round());
      ra.push(a.round());
    }
  }
  ["receive", "decode+dispatch", "encode"].forEach((name, k) => {
    const xa = ra.slice(WARMUP_ROUNDS).map((r) => r[k]!);
    const xb = rb.slice(WARMUP_ROUNDS).map((r) => r[k]!);
    const ratio = median(xa.map((x, i) => xb[i]! / x));
    console.log(
      `${name.padEnd(16)} A ${median(xa).toFixed(0)} ns  B ${median(xb).toFixed(0)} ns  B/A ${
        ratio.toFixed(3)
      }`,
    );
  });
}

/**
 * The chaos site: a `runMain` entry that every node of the chaos cluster runs. The suite drives
 * it with JSON command lines on stdin (so commands still arrive while the cluster is broken), and
 * it answers with `chaos <kind> key=value ...` lines on stderr. Closing stdin stops the node
 * (SIGTERM to itself), so a node never outlives the suite.
 *
 * Commands (`{"cmd": ...}`):
 * - `ticker {periodMs}` / `ticker_stop`: publish `Chaos::tick(node, seq)` on `chaos.tick`.
 *   Every node counts ticks per sender and prints `tick-resume` after a silence over 300 ms,
 *   `tick-gap` on a missing sequence number; `tick_report` prints per-sender totals.
 * - `load {to, durationMs, rate}`: publish `Chaos::seq(node, seq)` to node `to` (rate 0: as fast
 *   as the event loop allows), then `load-done sent=N refused=R`.
 * - `cost {us}`: busy time spent per received `Chaos::seq` (a slow consumer).
 * - `seq_report`: `seq-report from=S recv=N unique=U max=M` per sender.
 * - `stats`: `stats {json}`: transport, cluster and log counters.
 * - `logload {rate, durationMs}` / `logload_stop`: write `Chaos::LOG` records with per-node
 *   sequence numbers, then `logload-done written=N`.
 * - `store_load {prefix, n, window}` / `store_stop`: puts into the persistent store `chaos`,
 *   printing `acked KEY` per acknowledged write (only with `CHAOS_STORE=1`, which creates it).
 * - `publish {topic, event, args}`: publish an event with string arguments.
 * On `Chaos::ping(token)` a node prints `ping token=T`.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { runMain } from "../main.ts";
import type { RunningNode } from "../lib/node/cluster_node.ts";
import { type BrokerValue, type Count, count } from "../lib/serialization/mod.ts";
import { CloneStore } from "../lib/stores/clone_store.ts";
import { nodeTopic } from "../lib/topics/topics.ts";

/** The broadcast topic of ticks. */
export const TICK_TOPIC = "chaos.tick";
/** A silence longer than this between two ticks of one sender is reported. */
export const TICK_GAP_REPORT_MS = 300;

type Command = Record<string, unknown> & { cmd: string };

function say(line: string): void {
  console.error(`chaos ${line}`);
}

const num = (v: BrokerValue | unknown): number =>
  typeof v === "number" ? v : Number((v as Count).value);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/** A growable bitmap of seen sequence numbers. */
class SeqSet {
  #bits = new Uint8Array(1024);
  received = 0;
  unique = 0;
  max = -1;
  add(seq: number): void {
    this.received++;
    if (seq > this.max) this.max = seq;
    const byte = seq >> 3;
    if (byte >= this.#bits.length) {
      let size = this.#bits.length * 2;
      while (size <= byte) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#bits);
      this.#bits = next;
    }
    const mask = 1 << (seq & 7);
    if ((this.#bits[byte]! & mask) === 0) {
      this.#bits[byte]! |= mask;
      this.unique++;
    }
  }
}

interface TickState {
  last: number;
  lastAt: number;
  recv: number;
  missing: number;
  maxGapMs: number;
}

function setupTicks(node: RunningNode, me: string): (c: Command) => boolean {
  const ticks = new Map<string, TickState>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let seq = 0;
  node.cluster.subscribe(TICK_TOPIC);
  node.cluster.on("Chaos::tick", (sender, s) => {
    const from = String(sender);
    const n = num(s);
    const now = Date.now();
    const st = ticks.get(from);
    if (!st) {
      ticks.set(from, { last: n, lastAt: now, recv: 1, missing: 0, maxGapMs: 0 });
      say(`tick-first from=${from} seq=${n} t=${now}`);
      return;
    }
    const gap = now - st.lastAt;
    if (gap > TICK_GAP_REPORT_MS) say(`tick-resume from=${from} gap=${gap} t=${now}`);
    if (n <= st.last) say(`tick-reset from=${from} seq=${n} t=${now}`);
    else if (n > st.last + 1) {
      st.missing += n - st.last - 1;
      say(`tick-gap from=${from} missing=${n - st.last - 1} t=${now}`);
    }
    st.maxGapMs = Math.max(st.maxGapMs, gap);
    st.last = n;
    st.lastAt = now;
    st.recv++;
  });
  return (c) => {
    switch (c.cmd) {
      case "ticker":
        clearInterval(timer);
        timer = setInterval(() => {
          node.cluster.publish(TICK_TOPIC, "Chaos::tick", me, count(seq++));
        }, Number(c.periodMs ?? 20));
        return true;
      case "ticker_stop":
        clearInterval(timer);
        timer = undefined;
        return true;
      case "tick_report":
        for (const [from, st] of ticks) {
          say(
            `tick-report from=${from} recv=${st.recv} missing=${st.missing} maxGapMs=${st.maxGapMs}`,
          );
          st.maxGapMs = 0;
        }
        say(`tick-report-end senders=${ticks.size}`);
        return true;
    }
    return false;
  };
}

function setupSeq(node: RunningNode, me: string): (c: Command) => boolean {
  const seqs = new Map<string, SeqSet>();
  let costMs = 0;
  node.cluster.on("Chaos::seq", (sender, s) => {
    const from = String(sender);
    let set = seqs.get(from);
    if (!set) seqs.set(from, set = new SeqSet());
    set.add(num(s));
    if (costMs > 0) {
      const end = performance.now() + costMs;
      while (performance.now() < end) { /* a slow consumer */ }
    }
  });
  const load = async (c: Command) => {
    const topic = nodeTopic(String(c.to ?? "manager"));
    const until = Date.now() + Number(c.durationMs ?? 1000);
    const rate = Number(c.rate ?? 0);
    let seq = 0, refused = 0;
    const publishOne = () => {
      if (!node.cluster.publish(topic, "Chaos::seq", me, count(seq))) refused++;
      seq++;
    };
    while (Date.now() < until) {
      if (rate <= 0) {
        for (let i = 0; i < 200; i++) publishOne();
        await yieldNow();
      } else {
        for (let i = 0; i < rate / 100; i++) publishOne();
        await sleep(10);
      }
    }
    say(`load-done sent=${seq} refused=${refused} t=${Date.now()}`);
  };
  return (c) => {
    switch (c.cmd) {
      case "load":
        load(c).catch((e) => say(`load-failed ${e}`));
        return true;
      case "cost":
        costMs = Number(c.us ?? 0) / 1000;
        return true;
      case "seq_report":
        for (const [from, s] of seqs) {
          say(`seq-report from=${from} recv=${s.received} unique=${s.unique} max=${s.max}`);
        }
        say(`seq-report-end senders=${seqs.size}`);
        return true;
    }
    return false;
  };
}

function setupLogs(node: RunningNode, me: string): (c: Command) => boolean {
  node.log.createStream("Chaos::LOG", {
    path: "chaos",
    columns: { ts: "time", node: "string", seq: "count" },
  });
  let stop = false;
  let seq = 0;
  const logload = async (c: Command) => {
    stop = false;
    const until = Date.now() + Number(c.durationMs ?? 1000);
    const rate = Number(c.rate ?? 1000);
    const start = Date.now();
    let written = 0;
    while (!stop && Date.now() < until) {
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      for (; written < due; written++) {
        node.log.write("Chaos::LOG", { ts: Date.now() / 1000, node: me, seq: seq++ });
      }
      await sleep(5);
    }
    node.log.flush();
    say(`logload-done written=${written} next=${seq} t=${Date.now()}`);
  };
  return (c) => {
    switch (c.cmd) {
      case "logload":
        logload(c).catch((e) => say(`logload-failed ${e}`));
        return true;
      case "logload_stop":
        stop = true;
        return true;
    }
    return false;
  };
}

function setupStore(node: RunningNode): (c: Command) => boolean {
  if (Deno.env.get("CHAOS_STORE") !== "1") return () => false;
  const { store } = node.createStore("chaos", { persistent: true });
  let seen = "";
  setInterval(() => {
    const role = store instanceof CloneStore
      ? (store.attached ? "attached" : "detached")
      : "master";
    const state = `${role} snapshots=${store.stats.snapshots}`;
    if (state !== seen) say(`store ${state} t=${Date.now()}`);
    seen = state;
  }, 20);
  const stops = new Set<string>();
  const load = async (c: Command) => {
    const prefix = String(c.prefix);
    const n = Number(c.n ?? 1000);
    const window = Number(c.window ?? 20);
    stops.delete(prefix);
    let next = 0, acked = 0, failed = 0;
    const worker = async () => {
      while (next < n && !stops.has(prefix)) {
        const key = `${prefix}${next++}`;
        try {
          await store.put(key, count(next));
          acked++;
          say(`acked ${key}`);
        } catch (error) {
          failed++;
          say(`put-fail ${key} ${(error as { code?: string }).code ?? "exception"}`);
        }
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    say(`store-load-done prefix=${prefix} acked=${acked} failed=${failed}`);
  };
  return (c) => {
    switch (c.cmd) {
      case "store_load":
        load(c).catch((e) => say(`store-load-failed ${e}`));
        return true;
      case "store_stop":
        stops.add(String(c.prefix));
        return true;
    }
    return false;
  };
}

function statsLine(node: RunningNode): string {
  const t = node.transport.stats;
  const c = node.cluster.stats;
  const l = node.log.stats;
  return JSON.stringify({
    messagesIn: t.messagesIn,
    messagesOut: t.messagesOut,
    xpubDrops: t.xpubDrops,
    onloopDrops: t.onloopDrops,
    msgErrors: t.msgErrors,
    sendErrors: t.sendErrors,
    logDrops: t.logDrops,
    logsOut: t.logsOut,
    logsIn: t.logsIn,
    received: c.received,
    ownDropped: c.ownDropped,
    formatMismatches: c.formatMismatches,
    serializationErrors: c.serializationErrors,
    publishFailures: c.publishFailures,
    recordsDropped: l.recordsDropped,
    batchesSent: l.batchesSent,
    recordsReceived: l.recordsReceived,
    badBatches: l.badBatches,
  });
}

async function readCommands(onCommand: (c: Command) => void): Promise<void> {
  const dec = new TextDecoder();
  let pending = "";
  for await (const chunk of Deno.stdin.readable) {
    pending += dec.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() === "") continue;
      try {
        onCommand(JSON.parse(part) as Command);
      } catch (error) {
        say(`bad-command ${JSON.stringify(part)} ${error}`);
      }
    }
  }
}

function setup(node: RunningNode): void {
  const me = node.options.node;
  const handlers = [
    setupTicks(node, me),
    setupSeq(node, me),
    setupLogs(node, me),
    setupStore(node),
  ];
  node.cluster.on("Chaos::ping", ["string"], (token) => say(`ping token=${token} t=${Date.now()}`));
  const onCommand = (c: Command) => {
    if (c.cmd === "stats") return say(`stats ${statsLine(node)}`);
    if (c.cmd === "publish") {
      const args = (c.args as string[] | undefined) ?? [];
      const ok = node.cluster.publish(String(c.topic), String(c.event), ...args);
      return say(`published ok=${ok} event=${c.event}`);
    }
    if (!handlers.some((h) => h(c))) say(`unknown-command ${c.cmd}`);
  };
  readCommands(onCommand).then(
    () => Deno.kill(Deno.pid, "SIGTERM"),
    () => Deno.kill(Deno.pid, "SIGTERM"),
  );
  say(`site-ready node=${me} id=${node.cluster.nodeId} t=${Date.now()}`);
}

await runMain(Deno.args, { setup });

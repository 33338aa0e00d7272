/**
 * A zcluster node process of the events benchmark (run by `bench/events.ts`, not by hand).
 *
 * - `manager`: runs the XPUB/XSUB proxy (as a Zeek manager does), handles `Bench::event` and
 *   records the latency of each from the `real` timestamp argument.
 * - `worker`: waits for `node_up manager`, then runs the phases the harness writes on stdin
 *   (`rate <events/s> <ms>` or `max <ms>`), publishing `Bench::event(s: string, sent_ms: real)` to
 *   the manager's node topic. `max` keeps at most {@link WINDOW} events in the transport's send
 *   queue (below its bound of 1000, so `publish()` never rejects), yielding to the event loop
 *   between bursts. EAGAIN at the XPUB HWM drops and counts, as Zeek does (the default), and the
 *   worker then pauses 1 ms; `--xpub-retry` (experiment) makes the transport retry instead.
 *
 * @module
 */
import { createNode, type RunningNode } from "../lib/node/cluster_node.ts";
import { parseLayout } from "../lib/layout/parse_layout.ts";
import { resolveOptions } from "../lib/options/options.ts";
import { openZeromqTransport } from "../lib/transport/zeromq/mod.ts";
import {
  BENCH_EVENT,
  type ChildConfig,
  childConfig,
  emit,
  immediate,
  Pacer,
  parseMode,
  type PublishMode,
  ReceiveCounter,
  sleep,
  StdinWords,
  wallMs,
  type WorkerDone,
} from "./_child.ts";

/** Events allowed in the transport's send queue at once. */
const WINDOW = 800;

async function startNode(config: ChildConfig): Promise<RunningNode> {
  const layout = parseLayout(config.layout);
  const isManager = config.role === "manager";
  const options = resolveOptions({
    layout,
    node: config.name,
    overrides: {
      zeromq: {
        runProxyThread: isManager,
        listenXpubEndpoint: config.proxyXpub,
        listenXsubEndpoint: config.proxyXsub,
        connectXsubEndpoint: config.proxyXpub,
        connectXpubEndpoint: config.proxyXsub,
        listenLogEndpoint: "",
        connectLogEndpoints: [],
      },
    },
  });
  if (!config.xpubRetryOnEagain) return await createNode(options);
  // Experiment only (`--xpub-retry`): the transport's retry-on-EAGAIN, which node options do not
  // expose. Same endpoints and Zeek HWMs as the default factory.
  const z = options.zeromq;
  return await createNode(options, {
    transport: () =>
      openZeromqTransport({
        connectXsubEndpoint: z.connectXsubEndpoint,
        connectXpubEndpoint: z.connectXpubEndpoint,
        lingerMs: z.lingerMs,
        xpubSndhwm: z.xpubSndhwm,
        xsubRcvhwm: z.xsubRcvhwm,
        connectXpubNodrop: z.connectXpubNodrop,
        onloopQueueHwm: z.onloopQueueHwm,
        pollMaxMessages: z.pollMaxMessages,
        xpubRetryOnEagain: true,
      }),
  });
}

async function runManager(config: ChildConfig, words: StdinWords): Promise<void> {
  const node = await startNode(config);
  let counter = new ReceiveCounter();
  node.cluster.on(BENCH_EVENT, (_s, sentMs) => counter.record(sentMs as number));
  await node.cluster.whenReady();
  emit({ type: "ready", name: config.name });
  const drops = () => {
    const t = node.transport.stats;
    const c = node.cluster.stats;
    return t.onloopDrops + t.msgErrors + c.serializationErrors + c.formatMismatches +
      c.handlerErrors;
  };
  let before = drops();
  for (
    let expected = ReceiveCounter.parseStop(await words.next());
    expected !== undefined;
    expected = ReceiveCounter.parseStop(await words.next())
  ) {
    await counter.settle(expected, () => drops() - before);
    const now = drops();
    emit(counter.result(now - before));
    before = now;
    counter = new ReceiveCounter();
  }
  await node.close();
}

async function runWorker(config: ChildConfig, words: StdinWords): Promise<void> {
  const node = await startNode(config);
  const managerUp = Promise.withResolvers<void>();
  node.cluster.on("Cluster::node_up", (name) => {
    if (name === "manager") managerUp.resolve();
  });
  if (node.cluster.idOf("manager") !== undefined) managerUp.resolve();
  await managerUp.promise;
  emit({ type: "ready", name: config.name });
  for (let mode = parseMode(await words.next()); mode; mode = parseMode(await words.next())) {
    emit(await publishPhase(node, config, mode));
  }
  await node.close();
}

/** Publishes for `durationMs`, then waits until the send queue is empty and reports. */
async function publishPhase(
  node: RunningNode,
  config: ChildConfig,
  mode: PublishMode,
): Promise<WorkerDone> {
  const { cluster, transport } = node;
  const text = "x".repeat(config.payloadChars);
  const first = transport.stats;
  let accepted = 0;
  let rejected = 0;
  let left = 0; // events that left the send queue: sent, or dropped at EAGAIN
  let eagain = 0;
  // Stops at the first drop: the rest of the window would only be dropped too (the transport
  // sends synchronously, so a full XPUB rejects at once), and the worker backs off 1 ms.
  const publish = (n: number) => {
    for (let i = 0; i < n; i++) {
      if (cluster.publish(config.topic, BENCH_EVENT, text, wallMs())) {
        accepted++;
      } else {
        rejected++;
        return;
      }
    }
  };
  const pacer = mode.kind === "rate" ? new Pacer(mode.eventsPerS) : undefined;
  const start = performance.now();
  while (performance.now() - start < mode.durationMs) {
    publish(pacer ? pacer.due() : WINDOW - (accepted - left));
    const s = transport.stats;
    left = s.messagesOut + s.xpubDrops - first.messagesOut - first.xpubDrops - rejected;
    const dropsNow = s.xpubDrops - first.xpubDrops - rejected;
    // Paced: 1 ms ticks. Max: yield; back off 1 ms after an EAGAIN drop (raw waits 1 ms too).
    if (pacer || dropsNow > eagain) await sleep(1);
    else await immediate();
    eagain = dropsNow;
  }
  const elapsedMs = performance.now() - start;
  const flushDeadline = performance.now() + 5_000;
  while (accepted - left > 0 && performance.now() < flushDeadline) {
    await sleep(5);
    const s = transport.stats;
    left = s.messagesOut + s.xpubDrops - first.messagesOut - first.xpubDrops - rejected;
  }
  const s = transport.stats;
  return {
    type: "done",
    name: config.name,
    sent: s.messagesOut - first.messagesOut,
    dropped: rejected + (s.xpubDrops - first.xpubDrops - rejected),
    retries: 0,
    elapsedMs,
  };
}

if (import.meta.main) {
  const config = childConfig();
  const words = new StdinWords();
  await (config.role === "manager" ? runManager(config, words) : runWorker(config, words));
  Deno.exit(0);
}

/**
 * A zcluster node process of the events benchmark (run by `bench/events.ts`, not by hand).
 *
 * - `manager`: runs the XPUB/XSUB proxy (as a Zeek manager does), handles `Bench::event` and
 *   records the latency of each from the `real` timestamp argument.
 * - `worker`: waits for `node_up manager`, then runs the phases the harness writes on stdin
 *   (`rate <events/s> <ms>` or `max <ms>`), publishing `Bench::event(s: string, sent_ms: real)` to
 *   the manager's node topic. `max` publishes bursts of {@link BURST}, yielding to the event loop
 *   between them. EAGAIN at the XPUB HWM refuses the publish (counted, Zeek's policy, the default);
 *   the worker then awaits `Cluster.whenWritable()` (the XPUB's descriptor, no timer) and publishes
 *   the event again, so nothing is lost. `--xpub-retry` (experiment) makes the transport keep
 *   refused events in its backlog instead.
 *
 * @module
 */
import { createNode, type RunningNode } from "../lib/node/cluster_node.ts";
import { parseLayout } from "../lib/layout/parse_layout.ts";
import { resolveOptions } from "../lib/options/options.ts";
import { openZeromqTransport, zeromqTransportOptions } from "../lib/transport/zeromq/mod.ts";
import {
  BENCH_EVENT,
  type ChildConfig,
  childConfig,
  emit,
  hostMs,
  immediate,
  Pacer,
  parseMode,
  type PublishMode,
  ReceiveCounter,
  sleep,
  StdinWords,
  type WorkerDone,
} from "./_child.ts";

/** Events published between two yields to the event loop when saturating. */
const BURST = 1000;

async function startNode(config: ChildConfig): Promise<RunningNode> {
  const layout = parseLayout(config.layout);
  const isManager = config.role === "manager";
  const options = resolveOptions({
    layout,
    node: config.name,
    overrides: {
      zeromq: {
        runProxyThread: isManager,
        proxyInproc: config.managerInproc ?? true,
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
  // expose; everything else as the default factory.
  return await createNode(options, {
    transport: (o, security) =>
      openZeromqTransport({ ...zeromqTransportOptions(o, security), xpubRetryOnEagain: true }),
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

/**
 * Publishes for `durationMs` and reports. A publish refused at the XPUB HWM (dropped and counted
 * in `xpubDrops`, Zeek's policy) is retried once `Cluster.whenWritable()` resolves: the worker
 * sleeps in the transport's wait, with no timer and no spinning, and loses nothing.
 */
async function publishPhase(
  node: RunningNode,
  config: ChildConfig,
  mode: PublishMode,
): Promise<WorkerDone> {
  const { cluster, transport } = node;
  const text = "x".repeat(config.payloadChars);
  const first = transport.stats;
  let refused = 0;
  /** Publishes `n` events; each refused one is published again when the transport has room. */
  const publish = async (n: number) => {
    for (let i = 0; i < n;) {
      if (cluster.publish(config.topic, BENCH_EVENT, text, hostMs())) {
        i++;
      } else {
        refused++;
        await cluster.whenWritable();
      }
    }
  };
  const pacer = mode.kind === "rate" ? new Pacer(mode.eventsPerS) : undefined;
  const start = performance.now();
  while (performance.now() - start < mode.durationMs) {
    if (pacer) {
      await publish(pacer.due());
      await sleep(1); // paced: 1 ms ticks
    } else {
      await publish(BURST);
      await immediate(); // let the reactor's round run (as the raw worker does every 1000)
    }
  }
  const elapsedMs = performance.now() - start;
  const s = transport.stats;
  return {
    type: "done",
    name: config.name,
    sent: s.messagesOut - first.messagesOut,
    dropped: s.xpubDrops - first.xpubDrops - refused, // refused ones were published again
    retries: refused,
    elapsedMs,
  };
}

if (import.meta.main) {
  const config = childConfig();
  const words = new StdinWords();
  await (config.role === "manager" ? runManager(config, words) : runWorker(config, words));
  Deno.exit(0);
}

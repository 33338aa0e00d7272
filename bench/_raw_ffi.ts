/**
 * BASELINE ONLY: the raw libzmq side of the events benchmark (run by `bench/events.ts`), through
 * the same FFI layer as zcluster (`lib/transport/zeromq`: `ZmqContext`, `ZmqReactor`) but with no
 * cluster logic, serialization or onloop queue, so zcluster is compared with the bare library.
 *
 * - `manager`: runs the same proxy as zcluster (`startZeromqProxy`) and an XSUB that subscribes to
 *   the topic and reads 4-frame messages (100 per round, as zcluster), taking the send time from
 *   the payload's first 8 bytes.
 * - `worker`: an XPUB (NODROP, SNDHWM 1000, as zcluster's) that waits for the subscription, then
 *   sends `[topic, sender, "broker-bin-v1", payload]` frames of the same sizes as zcluster's.
 *   Lossless: at EAGAIN the message waits in the reactor's backlog for POLLOUT, and the worker
 *   waits for the backlog to drain before sending more.
 *
 * @module
 */
import {
  startZeromqProxy,
  ZMQ_LINGER,
  ZMQ_RCVHWM,
  ZMQ_SNDHWM,
  ZMQ_XPUB,
  ZMQ_XPUB_NODROP,
  ZMQ_XSUB,
  ZmqContext,
  ZmqReactor,
} from "../lib/transport/zeromq/mod.ts";
import {
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

const FORMAT = new TextEncoder().encode("broker-bin-v1");

function subscriptionFrame(kind: 0 | 1, topic: string): Uint8Array {
  const bytes = new TextEncoder().encode(topic);
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = kind;
  frame.set(bytes, 1);
  return frame;
}

async function runManager(config: ChildConfig, words: StdinWords): Promise<void> {
  const inproc = config.managerInproc ?? true;
  await using proxy = await startZeromqProxy({
    listenXpubEndpoint: config.proxyXpub,
    listenXsubEndpoint: config.proxyXsub,
    inproc,
  });
  const ownContext = proxy.inproc === undefined;
  const ctx = proxy.inproc?.context ?? ZmqContext.create();
  const reactor = new ZmqReactor(ctx.lib);
  const xsub = ctx.socket(ZMQ_XSUB, "XSUB");
  xsub.setInt(ZMQ_RCVHWM, 1000);
  xsub.setInt(ZMQ_LINGER, 0);
  xsub.connect(proxy.inproc?.xpubEndpoint ?? config.proxyXpub);
  let counter = new ReceiveCounter();
  let errors = 0;
  const sub = reactor.add(xsub, {
    onFrames: (frames) => {
      const payload = frames[3];
      if (frames.length !== 4 || payload === undefined || payload.byteLength < 8) {
        errors++;
        return;
      }
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      counter.record(view.getFloat64(0, true));
    },
  });
  sub.send([subscriptionFrame(1, config.topic)], true);
  emit({ type: "ready", name: config.name });
  for (
    let expected = ReceiveCounter.parseStop(await words.next());
    expected !== undefined;
    expected = ReceiveCounter.parseStop(await words.next())
  ) {
    await counter.settle(expected, () => errors);
    emit(counter.result(errors));
    errors = 0;
    counter = new ReceiveCounter();
  }
  await reactor[Symbol.asyncDispose]();
  xsub.close();
  if (ownContext) await ctx.terminate();
}

async function runWorker(config: ChildConfig, words: StdinWords): Promise<void> {
  const ctx = ZmqContext.create();
  const reactor = new ZmqReactor(ctx.lib);
  const socket = ctx.socket(ZMQ_XPUB, "XPUB");
  socket.setInt(ZMQ_XPUB_NODROP, 1);
  socket.setInt(ZMQ_SNDHWM, 1000);
  socket.setInt(ZMQ_LINGER, 500);
  socket.connect(config.proxyXsub);
  const want = new TextDecoder().decode(subscriptionFrame(1, config.topic));
  const subscribed = Promise.withResolvers<void>();
  const xpub = reactor.add(socket, {
    onEagain: "wait",
    sendQueueMax: 1000,
    onFrames: ([frame]) => {
      if (frame && new TextDecoder().decode(frame) === want) subscribed.resolve();
    },
  });
  await subscribed.promise;
  emit({ type: "ready", name: config.name });
  const sender = new TextEncoder().encode(config.sender ?? config.name);
  const topic = new TextEncoder().encode(config.topic);
  const size = Math.max(8, config.payloadBytes ?? 128);
  for (let mode = parseMode(await words.next()); mode; mode = parseMode(await words.next())) {
    emit(await publishPhase(mode));
  }
  await reactor[Symbol.asyncDispose]();
  await ctx.terminate();

  /** Sends for `durationMs`; a message that meets EAGAIN waits for POLLOUT (lossless). */
  async function publishPhase(mode: PublishMode): Promise<WorkerDone> {
    const first = xpub.stats;
    let retries = 0;
    const sendOne = () => {
      const payload = new Uint8Array(size);
      new DataView(payload.buffer).setFloat64(0, hostMs(), true);
      xpub.send([topic, sender, FORMAT, payload]);
    };
    const pacer = mode.kind === "rate" ? new Pacer(mode.eventsPerS) : undefined;
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < mode.durationMs) {
      if (pacer) {
        for (let k = pacer.due(); k > 0; k--) sendOne();
        await sleep(1);
      } else if (xpub.stats.queued > 0) {
        retries++;
        await xpub.flushed();
      } else {
        sendOne();
        if (++n % 1000 === 0) await immediate();
      }
    }
    const elapsedMs = performance.now() - start;
    await xpub.flushed();
    const s = xpub.stats;
    return {
      type: "done",
      name: config.name,
      sent: s.sent - first.sent,
      dropped: s.queueDrops - first.queueDrops,
      retries,
      elapsedMs,
    };
  }
}

if (import.meta.main) {
  const config = childConfig();
  const words = new StdinWords();
  await (config.role === "manager" ? runManager(config, words) : runWorker(config, words));
  Deno.exit(0);
}

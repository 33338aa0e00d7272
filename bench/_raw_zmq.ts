/**
 * BASELINE ONLY, NEVER IMPORTED BY THE PRODUCT. The one file outside `lib/transport/zeromq/` that
 * imports `zeromq`: the raw zeromq.js side of the events benchmark (run by `bench/events.ts`), so
 * zcluster can be compared with the bare library in the same run.
 *
 * - `manager`: runs the same proxy as zcluster (`startZeromqProxy`), and an XSUB that subscribes
 *   to the topic and reads 4-frame messages, taking the send time from the payload's first 8 bytes.
 * - `worker`: an XPUB (NODROP, SNDHWM 1000, as zcluster's) that waits for the subscription, then
 *   on `go` sends `[topic, sender, "broker-bin-v1", payload]` frames of the same sizes as
 *   zcluster's, with no serialization; on EAGAIN it waits 1 ms and retries (lossless).
 *
 * Both sides follow the Deno workarounds (perf-reliability-anchors.md §0): never leave `receive()`
 * pending (poll `readable`, drain at most 100, `setImmediate` while busy, 1 ms timer when idle),
 * never set `receiveTimeout`/`sendTimeout`, catch EAGAIN on the NODROP XPUB.
 *
 * @module
 */
import * as zmq from "zeromq";
import { startZeromqProxy } from "../lib/transport/zeromq/mod.ts";
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
const POLL_MAX = 100;

function subscriptionFrame(kind: 0 | 1, topic: string): Uint8Array {
  const bytes = new TextEncoder().encode(topic);
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = kind;
  frame.set(bytes, 1);
  return frame;
}

/**
 * Polls `readable` like zcluster's pump: drains at most 100 per round, re-polls with setImmediate
 * within 1 ms of progress, then with a timer backing off 1, 2, 4 ms.
 */
async function pollLoop(
  socket: zmq.Socket & zmq.Readable,
  stop: () => boolean,
  onFrames: (frames: Buffer[]) => void,
): Promise<void> {
  let lastProgress = performance.now();
  let idleRounds = 0;
  while (!stop()) {
    let n = 0;
    while (n < POLL_MAX && socket.readable) {
      onFrames(await socket.receive());
      n++;
    }
    if (n > 0) {
      lastProgress = performance.now();
      idleRounds = 0;
    }
    if (idleRounds === 0 && performance.now() - lastProgress < 1) await immediate();
    else await sleep(Math.min(2 ** idleRounds++, 4));
  }
}

async function runManager(config: ChildConfig, words: StdinWords): Promise<void> {
  await using _proxy = await startZeromqProxy({
    listenXpubEndpoint: config.proxyXpub,
    listenXsubEndpoint: config.proxyXsub,
  });
  const xsub = new zmq.XSubscriber({ receiveHighWaterMark: 1000, linger: 0 });
  xsub.connect(config.proxyXpub);
  await xsub.send([subscriptionFrame(1, config.topic)]);
  let counter = new ReceiveCounter();
  let errors = 0;
  let stopped = false;
  const loop = pollLoop(xsub, () => stopped, (frames) => {
    const payload = frames[3];
    if (frames.length !== 4 || payload === undefined || payload.byteLength < 8) {
      errors++;
      return;
    }
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    counter.record(view.getFloat64(0, true));
  });
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
  stopped = true;
  await loop;
  xsub.close();
}

async function waitForSubscription(xpub: zmq.XPublisher, topic: string): Promise<void> {
  const want = new TextDecoder().decode(subscriptionFrame(1, topic));
  for (;;) {
    while (xpub.readable) {
      const [frame] = await xpub.receive();
      if (frame && new TextDecoder().decode(frame) === want) return;
    }
    await sleep(1);
  }
}

async function runWorker(config: ChildConfig, words: StdinWords): Promise<void> {
  const xpub = new zmq.XPublisher({ noDrop: true, sendHighWaterMark: 1000, linger: 500 });
  xpub.connect(config.proxyXsub);
  await waitForSubscription(xpub, config.topic);
  emit({ type: "ready", name: config.name });
  for (let mode = parseMode(await words.next()); mode; mode = parseMode(await words.next())) {
    emit(await publishPhase(xpub, config, mode));
  }
  xpub.close();
}

/** Sends for `durationMs`; EAGAIN waits 1 ms and retries the same message (lossless). */
async function publishPhase(
  xpub: zmq.XPublisher,
  config: ChildConfig,
  mode: PublishMode,
): Promise<WorkerDone> {
  const sender = new TextEncoder().encode(config.sender ?? config.name);
  const size = Math.max(8, config.payloadBytes ?? 128);
  let sent = 0;
  let retries = 0;
  const sendOne = async () => {
    const payload = new Uint8Array(size);
    new DataView(payload.buffer).setFloat64(0, hostMs(), true);
    const frames = [config.topic, sender, FORMAT, payload];
    for (;;) {
      try {
        await xpub.send(frames);
        sent++;
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "EAGAIN") throw error;
        retries++;
        await sleep(1);
      }
    }
  };
  const pacer = mode.kind === "rate" ? new Pacer(mode.eventsPerS) : undefined;
  const start = performance.now();
  while (performance.now() - start < mode.durationMs) {
    if (pacer) {
      for (let n = pacer.due(); n > 0; n--) await sendOne();
      await sleep(1);
    } else {
      await sendOne();
      if (sent % 1000 === 0) await immediate();
    }
  }
  const elapsedMs = performance.now() - start;
  return { type: "done", name: config.name, sent, dropped: 0, retries, elapsedMs };
}

if (import.meta.main) {
  const config = childConfig();
  const words = new StdinWords();
  await (config.role === "manager" ? runManager(config, words) : runWorker(config, words));
  Deno.exit(0);
}

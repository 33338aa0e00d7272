/**
 * CURVE cost: 4-frame 100-byte events through the proxy (transport → proxy → transport) and
 * 4-frame log batches over PUSH → PULL, plain ZMTP against CURVE with an allow-list, in one
 * process, alternating rounds. Prints msg/s per round and the CURVE/plain ratio of the best rounds.
 *
 * Usage: deno run -A curve_throughput.ts [count] [rounds]
 *
 * @module
 */

import { setImmediate } from "node:timers";
import * as zmq from "zeromq";
import type { TransportHandlers } from "../../transport.ts";
import { startZeromqProxy } from "../proxy.ts";
import { createZeromqTransport } from "../zeromq_transport.ts";
import type { ZeromqTransportOptions } from "../options.ts";

const N = Number(Deno.args[0] ?? 200_000);
const ROUNDS = Number(Deno.args[1] ?? 3);
const ANY = "tcp://127.0.0.1:*";
const payload = new Uint8Array(100);
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function round(curve: boolean): Promise<{ events: number; logs: number }> {
  const server = zmq.curveKeyPair();
  const a = zmq.curveKeyPair();
  const b = zmq.curveKeyPair();
  const curveServer = {
    secretKey: server.secretKey,
    allowedClients: [{ publicKey: a.publicKey }, { publicKey: b.publicKey }],
  };
  const client = (k: typeof a): ZeromqTransportOptions =>
    curve ? { curveClient: { serverPublicKey: server.publicKey, ...k } } : {};
  await using proxy = await startZeromqProxy({
    listenXpubEndpoint: ANY,
    listenXsubEndpoint: ANY,
    ...(curve ? { curveServer } : {}),
  });
  const base = {
    connectXsubEndpoint: proxy.xpubEndpoint,
    connectXpubEndpoint: proxy.xsubEndpoint,
    xpubRetryOnEagain: true,
  };
  let got = 0;
  let logs = 0;
  let subscribed = false;
  const noop = () => {};
  const hb: TransportHandlers = {
    onMessage: () => got++,
    onSubscription: noop,
    onLog: () => logs++,
    onError: noop,
  };
  await using receiver = await createZeromqTransport(hb, {
    ...base,
    listenLogEndpoint: ANY,
    ...client(b),
    ...(curve ? { curveServer } : {}),
  });
  await using sender = await createZeromqTransport(
    { ...hb, onMessage: noop, onSubscription: () => subscribed = true },
    { ...base, connectLogEndpoints: [receiver.logEndpoint!], ...client(a) },
  );
  receiver.subscribe("zeek.");
  while (!subscribed) await sleep(1);
  const msg = { topic: "zeek.cluster.worker", sender: "worker-1", format: "f", payload };
  const measure = async (send: () => boolean, count: () => number) => {
    const t0 = performance.now();
    for (let sent = 0; sent < N;) {
      for (let k = 0; k < 500 && sent < N; k++) {
        if (!send()) break;
        sent++;
      }
      await tick();
    }
    const deadline = performance.now() + 30_000;
    while (count() < N && performance.now() < deadline) await sleep(1);
    return Math.round(count() / ((performance.now() - t0) / 1000));
  };
  const events = await measure(() => sender.publish(msg), () => got);
  const logRate = await measure(() => sender.sendLog("worker-1", "f", payload), () => logs);
  return { events, logs: logRate };
}

const best = { plain: { events: 0, logs: 0 }, curve: { events: 0, logs: 0 } };
for (let r = 0; r < ROUNDS; r++) {
  for (const curve of [false, true]) {
    const res = await round(curve);
    const key = curve ? "curve" : "plain";
    console.log(`round ${r + 1} ${key}: events ${res.events} msg/s, logs ${res.logs} msg/s`);
    best[key].events = Math.max(best[key].events, res.events);
    best[key].logs = Math.max(best[key].logs, res.logs);
  }
}
console.log(
  `best: plain events ${best.plain.events}/s, curve events ${best.curve.events}/s, ratio ${
    (best.curve.events / best.plain.events).toFixed(2)
  }; plain logs ${best.plain.logs}/s, curve logs ${best.curve.logs}/s, ratio ${
    (best.curve.logs / best.plain.logs).toFixed(2)
  }`,
);

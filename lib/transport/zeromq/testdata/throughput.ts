/**
 * Rough throughput of 4-frame 100-byte events from one transport to another through the proxy,
 * all in one process, against raw zeromq.js in the same topology. Prints figures only.
 *
 * Usage: deno run -A throughput.ts [count]
 *
 * @module
 */

import * as zmq from "zeromq";
import { setImmediate } from "node:timers";
import { startZeromqProxy } from "../proxy.ts";
import { createZeromqTransport } from "../zeromq_transport.ts";
import type { TransportHandlers } from "../../transport.ts";

const N = Number(Deno.args[0] ?? 200_000);
const ANY = "tcp://127.0.0.1:*";
const payload = new Uint8Array(100);
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function ours(retry: boolean, pollSpinMs: number): Promise<string> {
  await using proxy = await startZeromqProxy({ listenXpubEndpoint: ANY, listenXsubEndpoint: ANY });
  const opts = {
    connectXsubEndpoint: proxy.xpubEndpoint,
    connectXpubEndpoint: proxy.xsubEndpoint,
    xpubRetryOnEagain: retry,
    pollSpinMs,
  };
  let got = 0;
  let subscribed = false;
  const noop = () => {};
  const hb: TransportHandlers = {
    onMessage: () => got++,
    onSubscription: noop,
    onLog: noop,
    onError: noop,
  };
  const ha: TransportHandlers = { ...hb, onMessage: noop, onSubscription: () => subscribed = true };
  await using a = await createZeromqTransport(ha, opts);
  await using b = await createZeromqTransport(hb, opts);
  b.subscribe("zeek.");
  while (!subscribed) await sleep(1);
  const t0 = performance.now();
  let sent = 0;
  let refused = 0;
  const msg = {
    topic: "zeek.cluster.worker",
    sender: "zeromq_worker-1_host_1_N1",
    format: "broker-bin-v1",
    payload,
  };
  while (sent < N) {
    let k = 0;
    while (k < 500 && sent < N) {
      if (!a.publish(msg)) {
        refused++;
        break;
      }
      k++;
      sent++;
    }
    await tick();
  }
  const deadline = performance.now() + 20_000;
  const lost = () => a.stats.xpubDrops - refused; // EAGAIN drops after acceptance
  while (got + lost() < N && performance.now() < deadline) await sleep(1);
  const dt = (performance.now() - t0) / 1000;
  return `ours (retryOnEagain=${retry}, pollSpinMs=${pollSpinMs}): received ${got}/${N} in ${
    dt.toFixed(2)
  } s = ${Math.round(got / dt)} msg/s; publish() refused ${refused} (queue full, retried), ` +
    `EAGAIN drops ${lost()}, onloopDrops=${b.stats.onloopDrops}`;
}

async function raw(): Promise<string> {
  await using proxy = await startZeromqProxy({ listenXpubEndpoint: ANY, listenXsubEndpoint: ANY });
  const sub = new zmq.XSubscriber({ linger: 0 });
  const pub = new zmq.XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 1000 });
  pub.verbosity = "allSubs";
  sub.connect(proxy.xpubEndpoint);
  pub.connect(proxy.xsubEndpoint);
  await sub.send(Uint8Array.of(1, ...new TextEncoder().encode("zeek.")));
  while (!pub.readable) await sleep(1);
  await pub.receive();
  let got = 0;
  let done = false;
  const receiver = (async () => {
    while (!done) {
      let n = 0;
      while (n < 100 && sub.readable) {
        await sub.receive();
        got++;
        n++;
      }
      await tick();
    }
  })();
  const t0 = performance.now();
  let retries = 0;
  for (let sent = 0; sent < N;) {
    try {
      await pub.send([
        "zeek.cluster.worker",
        "zeromq_worker-1_host_1_N1",
        "broker-bin-v1",
        payload,
      ]);
      sent++;
      if (sent % 500 === 0) await tick();
    } catch {
      retries++;
      await tick();
    }
  }
  const deadline = performance.now() + 20_000;
  while (got < N && performance.now() < deadline) await sleep(1);
  const dt = (performance.now() - t0) / 1000;
  done = true;
  await receiver;
  sub.close();
  pub.close();
  return `raw zeromq.js (await send + EAGAIN retry, polled receive): received ${got}/${N} in ${
    dt.toFixed(2)
  } s = ${Math.round(got / dt)} msg/s; EAGAIN retries=${retries}`;
}

console.log(await raw());
for (const spin of [0, 1, 2]) console.log(await ours(true, spin));
console.log(await ours(false, 1));

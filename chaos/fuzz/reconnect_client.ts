/**
 * Connects to every listener of a cluster and disconnects again, `cycles` times: an XPUB and an
 * XSUB to the proxy (the XSUB subscribes and unsubscribes), a PUSH to a logger's PULL (one empty,
 * malformed message), a WebSocket client (subscribe, ack, close) and an HTTP GET of `/metrics`.
 * Prints `cycles N failures F`.
 *
 * Usage: deno run -A reconnect_client.ts <proxyXsub> <proxyXpub> <logPull> <wsUrl> <metricsUrl> <cycles>
 *
 * @module
 */
import * as zmq from "zeromq";

const [xsubEp = "", xpubEp = "", pullEp = "", wsUrl = "", metricsUrl = "", cyclesArg = "10"] =
  Deno.args;
if (!metricsUrl) throw new TypeError("usage: see the module doc");
const cycles = Number(cyclesArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let failures = 0;

async function websocket(): Promise<void> {
  const ws = new WebSocket(wsUrl);
  const closed = new Promise((r) => ws.addEventListener("close", r, { once: true }));
  ws.onerror = () => {};
  const acked = new Promise<boolean>((resolve) => {
    ws.onopen = () => ws.send(JSON.stringify(["chaos.reconnect."]));
    ws.onmessage = (e) => resolve(String(e.data).includes('"ack"'));
    ws.addEventListener("close", () => resolve(false), { once: true });
    setTimeout(() => resolve(false), 3000);
  });
  if (!(await acked)) failures++;
  ws.close();
  await Promise.race([closed, sleep(2000)]);
}

const ctx = new zmq.Context();
for (let i = 0; i < cycles; i++) {
  const pub = new zmq.XPublisher({ context: ctx, linger: 0 });
  const sub = new zmq.XSubscriber({ context: ctx, linger: 0 });
  const push = new zmq.Push({ context: ctx, linger: 0 });
  pub.connect(xsubEp);
  sub.connect(xpubEp);
  push.connect(pullEp);
  await sub.send([Uint8Array.from([1, ...new TextEncoder().encode("chaos.reconnect.")])]);
  for (let w = 0; w < 200 && !push.writable; w++) await sleep(1);
  if (push.writable) await push.send([new Uint8Array(0)]);
  else failures++;
  await websocket();
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    if (!res.ok) failures++;
  } catch {
    failures++;
  }
  await sleep(20);
  await sub.send([Uint8Array.from([0, ...new TextEncoder().encode("chaos.reconnect.")])]);
  pub.close();
  sub.close();
  push.close();
}
console.log(`cycles ${cycles} failures ${failures}`);

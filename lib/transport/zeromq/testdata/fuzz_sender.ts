/**
 * Subprocess for the node fuzz test: raw sockets that throw malformed traffic at a cluster.
 * An XPUB connected to the proxy XSUB publishes `count` bad messages on `topic` (wrong frame
 * counts, empty and random frames, bad format names, truncated and mutated payloads, non-UTF-8
 * topics); an XSUB connected to the proxy XPUB sends garbage upstream, which reaches every
 * node's XPUB. Prints `sent N` and exits.
 *
 * Usage: deno run -A fuzz_sender.ts <proxyXsub> <proxyXpub> <topic> <count> <seed> <goodPayloadHex>
 *
 * @module
 */
import * as zmq from "zeromq";

const [xsubEp, xpubEp, topic, countArg = "1000", seedArg = "1", goodHex = ""] = Deno.args;
if (!xsubEp || !xpubEp || !topic) throw new TypeError("usage: <proxyXsub> <proxyXpub> <topic> ...");
const count = Number(countArg);
let seed = Number(seedArg) >>> 0;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand() & 0xff);
const good = Uint8Array.from(goodHex.match(/../g) ?? [], (h) => parseInt(h, 16));
const enc = new TextEncoder();

const pub = new zmq.XPublisher({ linger: 2000, sendHighWaterMark: 100_000 });
pub.connect(xsubEp);
const up = new zmq.XSubscriber({ linger: 2000 });
up.connect(xpubEp);
// Wait until the node's subscription to `topic` has reached this XPUB.
const deadline = Date.now() + 10_000;
let subscribed = false;
while (!subscribed && Date.now() < deadline) {
  while (pub.readable) {
    const [frame] = await pub.receive();
    if (frame && frame[0] === 1 && new TextDecoder().decode(frame.subarray(1)) === topic) {
      subscribed = true;
    }
  }
  await new Promise((r) => setTimeout(r, 5));
}
if (!subscribed) throw new Error(`no subscriber for ${topic}`);

function mutate(src: Uint8Array): Uint8Array {
  const out = src.slice(0, Math.max(0, src.length - (rand() % 3 === 0 ? rand() % src.length : 0)));
  for (let i = rand() % 4; i >= 0 && out.length > 0; i--) out[rand() % out.length] = rand() & 0xff;
  return out;
}

function message(i: number): (Uint8Array | string)[] {
  const t = enc.encode(topic);
  switch (i % 10) {
    case 0:
      return [t];
    case 1:
      return [t, "fuzzer"];
    case 2:
      return [t, "fuzzer", "broker-bin-v1"];
    case 3:
      return [t, "fuzzer", "broker-bin-v1", mutate(good), "extra"];
    case 4:
      return [t, "fuzzer", "broker-bin-v1", bytes(rand() % 64)];
    case 5:
      return [t, "fuzzer", "broker-bin-v1", mutate(good)];
    case 6:
      return [t, "fuzzer", "no-such-format", good];
    case 7:
      return [t, bytes(8), "broker-bin-v1", new Uint8Array(0)];
    case 8:
      return Array.from({ length: 100 }, () => t);
    default:
      return [Uint8Array.from([...t, 0xff, 0xfe]), "fuzzer", "broker-bin-v1", good];
  }
}

let sent = 0;
for (let i = 0; i < count; i++) {
  try {
    await pub.send(message(i + (rand() % 10)));
    if (i % 20 === 0) await up.send([Uint8Array.from([2, ...bytes(rand() % 16)]), bytes(3)]);
    sent++;
  } catch {
    // EAGAIN at the HWM: skip this case.
  }
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
}
await new Promise((r) => setTimeout(r, 200));
pub.close();
up.close();
console.log(`sent ${sent}`);

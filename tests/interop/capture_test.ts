/**
 * Loopback capture: with CURVE on, no topic name, subscription or payload crosses the wire in
 * plaintext; with CURVE off (the control), they all do. `tcpdump` (Debian package `tcpdump`)
 * records the proxy's and the logger's ports while two transports exchange events and log
 * batches; the test searches the raw capture bytes. Needs root or CAP_NET_RAW.
 */

import assert from "node:assert/strict";
import { generateCurveKeyPair } from "../../lib/security/mod.ts";
import {
  createZeromqTransport,
  startZeromqProxy,
  type ZeromqTransportOptions,
} from "../../lib/transport/zeromq/mod.ts";
import type { LogBatch, TransportMessage } from "../../lib/transport/transport.ts";

const ANY = "tcp://127.0.0.1:*";
const encoder = new TextEncoder();

/** A running `tcpdump -w -` on the loopback interface. */
class Capture implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #reading: Promise<void>;
  #stderr: Promise<string>;

  constructor(child: Deno.ChildProcess, stderr: Promise<string>) {
    this.#child = child;
    this.#reading = (async () => {
      for await (const chunk of child.stdout) {
        this.#chunks.push(chunk);
        this.#bytes += chunk.length;
      }
    })();
    this.#stderr = stderr;
  }

  /**
   * Resolves once a packet has reached the output (more than the 24-byte pcap header): from then
   * on the capture sees new connections from their first packet.
   */
  async live(timeoutMs = 15_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.#bytes <= 24) {
      if (performance.now() > deadline) throw new Error("tcpdump captured no packet");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Starts capturing TCP on `ports` and resolves once tcpdump is listening. */
  static async start(ports: number[]): Promise<Capture> {
    const filter = ports.map((p) => `tcp port ${p}`).join(" or ");
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("tcpdump", {
        // A 32 MiB kernel buffer: a loaded machine otherwise drops packets of the first burst.
        args: ["-i", "lo", "--immediate-mode", "-U", "-B", "32768", "-s", "0", "-w", "-", filter],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new Error("Cannot run tcpdump: install the Debian package tcpdump", { cause: error });
    }
    let text = "";
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => listening = resolve);
    const stderr = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        if (text.includes("listening on")) listening();
      }
      listening();
      return text;
    })();
    const capture = new Capture(child, stderr);
    await ready;
    if (!text.includes("listening on")) {
      await capture.stop();
      throw new Error(`tcpdump did not start: ${text.trim()}`);
    }
    return capture;
  }

  /** What tcpdump said on stderr (after {@linkcode stop}: its packet and drop counts). */
  get report(): Promise<string> {
    return this.#stderr;
  }

  /** Stops tcpdump and returns the pcap bytes. */
  async stop(): Promise<Uint8Array> {
    try {
      this.#child.kill("SIGINT");
    } catch {
      // exited
    }
    await Promise.all([this.#reading, this.#stderr, this.#child.status]);
    const pcap = new Uint8Array(this.#bytes);
    let at = 0;
    for (const chunk of this.#chunks) {
      pcap.set(chunk, at);
      at += chunk.length;
    }
    return pcap;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Number of packet records in a classic pcap file. */
function pcapPackets(pcap: Uint8Array): number {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  let packets = 0;
  for (let offset = 24; offset + 16 <= pcap.byteLength; packets++) {
    offset += 16 + view.getUint32(offset + 8, true);
  }
  return packets;
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = encoder.encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

interface Run {
  pcap: Uint8Array;
  /** tcpdump's own counts, for messages. */
  tcpdump: string;
  topic: string;
  prefix: string;
  payload: string;
  logSender: string;
}

/** Proxy + logger node + publisher node; 50 events and 50 log batches under capture. */
async function exchange(curve: boolean): Promise<Run> {
  const tag = crypto.randomUUID().slice(0, 8);
  const prefix = `zcluster.capture.${tag}.`;
  const run = {
    topic: `${prefix}secret-topic`,
    prefix,
    payload: `payload-marker-${tag}`,
    logSender: `log-sender-${tag}`,
  };
  const server = await generateCurveKeyPair();
  const a = await generateCurveKeyPair();
  const b = await generateCurveKeyPair();
  const curveServer = {
    secretKey: server.secretKey,
    allowedClients: [{ publicKey: a.publicKey }, { publicKey: b.publicKey }],
  };
  const client = (k: { publicKey: string; secretKey: string }): ZeromqTransportOptions =>
    curve ? { curveClient: { serverPublicKey: server.publicKey, ...k } } : {};
  await using proxy = await startZeromqProxy({
    listenXpubEndpoint: ANY,
    listenXsubEndpoint: ANY,
    ...(curve ? { curveServer } : {}),
  });
  const events: TransportMessage[] = [];
  const logs: LogBatch[] = [];
  const handlers = {
    onMessage: (m: TransportMessage) => events.push(m),
    onSubscription: () => {},
    onLog: (l: LogBatch) => logs.push(l),
    onError: () => {},
  };
  const endpoints = {
    connectXsubEndpoint: proxy.xpubEndpoint,
    connectXpubEndpoint: proxy.xsubEndpoint,
    lingerMs: 0,
  };
  // The logger binds before the capture starts so that its port is known; it connects nothing
  // yet that carries a topic (it subscribes only once the capture runs).
  await using receiver = await createZeromqTransport(handlers, {
    ...endpoints,
    listenLogEndpoint: ANY,
    ...client(a),
    ...(curve ? { curveServer } : {}),
  });
  await using capture = await Capture.start([
    portOf(proxy.xpubEndpoint),
    portOf(proxy.xsubEndpoint),
    portOf(receiver.logEndpoint!),
  ]);
  // "listening on" can come before tcpdump sees packets (the sender's ZMTP greetings were missed
  // now and then): the subscription crosses a captured connection; wait until it is in the pcap.
  receiver.subscribe(prefix);
  await capture.live();
  {
    await using sender = await createZeromqTransport({ ...handlers, onMessage: () => {} }, {
      ...endpoints,
      connectLogEndpoints: [receiver.logEndpoint!],
      ...client(b),
    });
    const payload = encoder.encode(run.payload);
    const deadline = performance.now() + 15_000;
    while (events.length < 50 || logs.length < 50) {
      if (performance.now() > deadline) {
        throw new Error(`Timed out: ${events.length} events, ${logs.length} logs (curve ${curve})`);
      }
      sender.publish({ topic: run.topic, sender: "sender", format: "f", payload });
      sender.sendLog(run.logSender, "f", payload);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const pcap = await capture.stop();
  const tcpdump = (await capture.report).trim().split("\n").slice(-3).join("; ");
  return { ...run, pcap, tcpdump };
}

Deno.test("tcpdump capture: topics, subscriptions and payloads are readable with CURVE off", async () => {
  const run = await exchange(false);
  assert.ok(pcapPackets(run.pcap) > 50, "packets captured");
  assert.ok(contains(run.pcap, run.topic), "topic name in plaintext");
  assert.ok(contains(run.pcap, run.prefix), "subscription in plaintext");
  assert.ok(contains(run.pcap, run.payload), "payload in plaintext");
  assert.ok(contains(run.pcap, run.logSender), "log batch sender in plaintext");
  assert.ok(contains(run.pcap, "NULL"), `ZMTP NULL mechanism greeting (tcpdump: ${run.tcpdump})`);
});

Deno.test("tcpdump capture: no topic, subscription or payload is readable with CURVE on", async () => {
  const run = await exchange(true);
  assert.ok(pcapPackets(run.pcap) > 50, "packets captured");
  assert.ok(contains(run.pcap, "CURVE"), "ZMTP CURVE mechanism greeting");
  assert.ok(!contains(run.pcap, run.prefix), "no subscription prefix in plaintext");
  assert.ok(!contains(run.pcap, run.topic), "no topic name in plaintext");
  assert.ok(!contains(run.pcap, run.payload), "no payload in plaintext");
  assert.ok(!contains(run.pcap, run.logSender), "no log sender in plaintext");
  assert.ok(!contains(run.pcap, "log-write"), "no log-write frame in plaintext");
});

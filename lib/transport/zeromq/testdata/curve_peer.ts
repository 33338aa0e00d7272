/**
 * Subprocess for the CURVE suites: one cluster peer that, for `durationMs`, subscribes to
 * everything, publishes an event and pushes a log batch every 2 ms, then prints one JSON line
 * `{"name", "received", "published", "logsSent", "bytesAfterGreeting", "connections"}` and exits.
 *
 * Modes:
 * - `transport`: `createZeromqTransport()`; CURVE client when `keyFile` is given (keys loaded with
 *   `loadCurveSettings()`, as a node would), plain ZMTP otherwise.
 * - `zmtp`: hand-written ZMTP 3.0 over `Deno.connect` with the NULL mechanism: greeting, READY,
 *   a subscription and messages, reconnecting when the server hangs up. `received` counts the
 *   bytes the server sent beyond its 64-byte greeting.
 *
 * Usage: deno run -A curve_peer.ts '<json config>'
 *
 * @module
 */

import { loadCurveSettings } from "../../../security/curve_config.ts";
import { createZeromqTransport } from "../zeromq_transport.ts";

interface PeerConfig {
  mode: "transport" | "zmtp";
  name: string;
  /** The proxy XPUB (node XSUB connects here). */
  xsub: string;
  /** The proxy XSUB (node XPUB connects here). */
  xpub: string;
  /** A logger PULL. */
  log: string;
  durationMs: number;
  keyFile?: string;
  serverPublicKeyFile?: string;
}

const config = JSON.parse(Deno.args[0] ?? "{}") as PeerConfig;
const encoder = new TextEncoder();
const result = {
  name: config.name,
  received: 0,
  published: 0,
  logsSent: 0,
  bytesAfterGreeting: 0,
  connections: 0,
};

const dbg = (m: string) =>
  Deno.env.get("CURVE_PEER_DEBUG") && console.error(`[${config.name}] ${m}`);
if (config.mode === "transport") await runTransport();
else await runZmtp();
dbg("done");
console.log(JSON.stringify(result));

async function runTransport(): Promise<void> {
  const curve = config.keyFile === undefined ? undefined : await loadCurveSettings({
    keyFile: config.keyFile,
    ...(config.serverPublicKeyFile ? { serverPublicKeyFile: config.serverPublicKeyFile } : {}),
  });
  await using t = await createZeromqTransport({
    onMessage: (m) => {
      if (m.sender !== config.name) result.received++;
    },
    onSubscription: () => {},
    onLog: () => {},
    onError: () => {},
  }, {
    connectXsubEndpoint: config.xsub,
    connectXpubEndpoint: config.xpub,
    connectLogEndpoints: [config.log],
    lingerMs: 0,
    ...(curve ? { curveClient: curve.client } : {}),
  });
  t.subscribe("zeek.cluster.");
  console.log("ready");
  const end = performance.now() + config.durationMs;
  while (performance.now() < end) {
    const payload = encoder.encode(`event from ${config.name}`);
    t.publish({ topic: "zeek.cluster.manager.curve", sender: config.name, format: "f", payload });
    result.published++;
    if (t.sendLog(config.name, "f", payload)) result.logsSent++;
    await new Promise((r) => setTimeout(r, 2));
  }
  dbg(`loop done ${JSON.stringify(t.stats)}`);
}

/** ZMTP 3.0 greeting with the NULL mechanism, as a client. */
function greeting(): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.set(encoder.encode("NULL"), 12);
  return g;
}

function command(name: string, props: Record<string, string>): Uint8Array {
  const parts: number[] = [name.length, ...encoder.encode(name)];
  for (const [k, v] of Object.entries(props)) {
    const value = encoder.encode(v);
    parts.push(k.length, ...encoder.encode(k));
    parts.push(0, 0, 0, value.length, ...value);
  }
  return new Uint8Array([0x04, parts.length, ...parts]);
}

function frame(body: Uint8Array, more: boolean): Uint8Array {
  return new Uint8Array([more ? 0x01 : 0x00, body.length, ...body]);
}

async function zmtpPeer(
  endpoint: string,
  socketType: string,
  first: Uint8Array[],
  messages: () => Uint8Array[],
) {
  const [host, port] = endpoint.replace("tcp://", "").split(":");
  const end = performance.now() + config.durationMs;
  while (performance.now() < end) {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: host!, port: Number(port) });
    } catch {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    result.connections++;
    let got = 0;
    const reading = (async () => {
      const buf = new Uint8Array(4096);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) return;
          got += n;
        }
      } catch {
        // reset by the server
      }
    })();
    try {
      await conn.write(greeting());
      await conn.write(command("READY", { "Socket-Type": socketType }));
      for (const m of first) await conn.write(m);
      while (performance.now() < end) {
        for (const m of messages()) await conn.write(m);
        await new Promise((r) => setTimeout(r, 2));
      }
    } catch {
      // the server hung up: reconnect
    }
    try {
      conn.close();
    } catch {
      // already closed
    }
    await reading;
    result.bytesAfterGreeting += Math.max(0, got - 64);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runZmtp(): Promise<void> {
  console.log("ready");
  const name = encoder.encode(config.name);
  const payload = encoder.encode(`event from ${config.name}`);
  const event = () => {
    result.published++;
    return [
      frame(encoder.encode("zeek.cluster.manager.curve"), true),
      frame(name, true),
      frame(encoder.encode("f"), true),
      frame(payload, false),
    ];
  };
  const log = () => {
    result.logsSent++;
    return [
      frame(encoder.encode("log-write"), true),
      frame(name, true),
      frame(encoder.encode("f"), true),
      frame(payload, false),
    ];
  };
  const subscribe = new Uint8Array([1, ...encoder.encode("zeek.cluster.")]);
  await Promise.all([
    // To the proxy XPUB as an XSUB: subscribe once per connection, then only listen.
    zmtpPeer(config.xsub, "XSUB", [frame(subscribe, false)], () => []),
    zmtpPeer(config.xpub, "XPUB", [], event),
    zmtpPeer(config.log, "PUSH", [], log),
  ]);
  result.received = result.bytesAfterGreeting;
}

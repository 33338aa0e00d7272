/**
 * Fixture for `ws_node_test.ts`: runs connect/disconnect cycles against a real node in a process
 * of its own, so that `/proc/self/fd` counts only this scenario's descriptors (test files run in
 * parallel share one process), and writes the counts as one JSON line to stdout.
 *
 * Usage: `deno run -A _fd_cycles_main.ts <cycles>`
 *
 * @module
 */
import { sleep } from "../../lib/async.ts";
import { parseLayout } from "../../lib/layout/mod.ts";
import { createNode } from "../../lib/node/mod.ts";
import { resolveOptions } from "../../lib/options/mod.ts";
import { listenWebSocket } from "../../lib/websocket/ws_server.ts";
import { freePort, openFds, socketFdsOnPort, TestClient } from "./_clients.ts";

/** What the fixture reports. */
export interface CycleReport {
  readonly cycles: number;
  readonly fdsBefore: number;
  readonly fdsAfter: number;
  readonly portFdsBefore: number;
  readonly portFdsConnected: number;
  readonly portFdsAfter: number;
  readonly accepted: number;
}

const tick = () => sleep(20);

async function settle(ws: { stats: { connected: number } }, port: number, fds: number) {
  for (let i = 0; i < 500; i++) {
    if (ws.stats.connected === 0 && socketFdsOnPort(port) <= 1 && openFds() <= fds) return;
    await tick();
  }
}

/** Runs `n` cycles and reports descriptor counts. */
export async function runCycles(n: number): Promise<CycleReport> {
  // The manager writes the logs (no logger in the layout): into a folder of its own, removed after.
  const logDir = await Deno.makeTempDir({ prefix: "zcluster-ws-cycles-" });
  try {
    return await cycles(n, logDir);
  } finally {
    await Deno.remove(logDir, { recursive: true });
  }
}

async function cycles(n: number, logDir: string): Promise<CycleReport> {
  const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: freePort() } });
  const xpub = `tcp://127.0.0.1:${freePort()}`;
  const xsub = `tcp://127.0.0.1:${freePort()}`;
  const zeromq = {
    listenXpubEndpoint: xpub,
    listenXsubEndpoint: xsub,
    connectXsubEndpoint: xpub,
    connectXpubEndpoint: xsub,
  };
  await using node = await createNode(
    resolveOptions({ layout, node: "manager", overrides: { zeromq, logDir } }),
  );
  await using ws = await listenWebSocket(node.cluster, { listenAddr: "127.0.0.1", listenPort: 0 });
  const port = ws.addr.port;
  // Warm up once so lazily opened descriptors are in the baseline.
  await (await TestClient.subscribed(ws.url, ["zeek.cycle"])).close();
  await settle(ws, port, Infinity);
  // The node opens two sockets of its own about 0.5 s after it starts (not WebSocket related):
  // wait until the count has stayed put for a second before taking the baseline.
  for (let same = 0, last = openFds(), i = 0; same < 10 && i < 100; i++) {
    await sleep(100);
    const now = openFds();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  const fdsBefore = openFds();
  const portFdsBefore = socketFdsOnPort(port);
  let portFdsConnected = 0;
  for (let i = 0; i < n; i++) {
    const client = await TestClient.subscribed(ws.url, ["zeek.cycle"]);
    if (i === 0) portFdsConnected = socketFdsOnPort(port);
    await client.close();
  }
  await settle(ws, port, fdsBefore);
  return {
    cycles: n,
    fdsBefore,
    fdsAfter: openFds(),
    portFdsBefore,
    portFdsConnected,
    portFdsAfter: socketFdsOnPort(port),
    accepted: ws.stats.accepted,
  };
}

if (import.meta.main) {
  const report = await runCycles(Number(Deno.args[0] ?? "300"));
  await Deno.stdout.write(new TextEncoder().encode(`${JSON.stringify(report)}\n`));
}

/**
 * CURVE with an allow-list, end to end over real sockets: the proxy (CURVE server, ZAP handler)
 * and a manager transport (CURVE client, and CURVE server on its log PULL) run in this process;
 * every other peer is a separate process (`lib/transport/zeromq/testdata/curve_peer.ts`) that
 * subscribes to everything and publishes events and log batches every 2 ms. Keys are made with
 * `keygen()` and loaded with `loadCurveSettings()`, as nodes do.
 *
 * Built on `lib/transport/zeromq` directly: the node wiring of the CURVE options is separate.
 */

import assert from "node:assert/strict";
import { keygen, loadCurveSettings } from "../../lib/security/mod.ts";
import type { TransportMessage } from "../../lib/transport/transport.ts";
import {
  createZeromqTransport,
  type CurveRejection,
  startZeromqProxy,
  type ZeromqProxy,
  type ZeromqTransport,
} from "../../lib/transport/zeromq/mod.ts";

const ANY = "tcp://127.0.0.1:*";
const PEER = new URL("../../lib/transport/zeromq/testdata/curve_peer.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const WINDOW_MS = 1_500;

interface PeerResult {
  name: string;
  received: number;
  published: number;
  logsSent: number;
  connections: number;
}

/** Runs one peer process for `durationMs` and returns its final report. */
async function runPeer(config: Record<string, unknown>): Promise<PeerResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, PEER, JSON.stringify(config)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const watchdog = setTimeout(() => child.kill("SIGKILL"), Number(config.durationMs) + 20_000);
  const out = await child.output();
  clearTimeout(watchdog);
  const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
  const last = stdout.at(-1) ?? "";
  if (!out.success || !last.startsWith("{")) {
    throw new Error(
      `Peer ${config.name} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(last) as PeerResult;
}

/** The in-process side: proxy, manager transport (also the logger), a publishing timer. */
class Site implements AsyncDisposable {
  events: TransportMessage[] = [];
  logs: { sender: string }[] = [];
  rejections: CurveRejection[] = [];
  proxy!: ZeromqProxy;
  manager!: ZeromqTransport;
  #timer: ReturnType<typeof setInterval> | undefined;

  static async start(dir: string): Promise<Site> {
    const site = new Site();
    const settings = await loadCurveSettings({
      keyFile: `${dir}/manager.key`,
      serverKeyFile: `${dir}/server.key`,
      allowListFile: `${dir}/allow`,
    });
    const server = {
      ...settings.server!,
      onRejected: (r: CurveRejection) => site.rejections.push(r),
      rejectLogIntervalMs: 0, // report every rejection so that the test can attribute them
    };
    site.proxy = await startZeromqProxy({
      listenXpubEndpoint: ANY,
      listenXsubEndpoint: ANY,
      curveServer: server,
    });
    site.manager = await createZeromqTransport({
      onMessage: (m) => site.events.push(m),
      onSubscription: () => {},
      onLog: (l) => site.logs.push(l),
      onError: () => {},
    }, {
      connectXsubEndpoint: site.proxy.xpubEndpoint,
      connectXpubEndpoint: site.proxy.xsubEndpoint,
      listenLogEndpoint: ANY,
      lingerMs: 0,
      curveClient: settings.client,
      curveServer: server,
    });
    site.manager.subscribe("zeek.cluster.manager.");
    const payload = new TextEncoder().encode("event from manager");
    site.#timer = setInterval(() => {
      site.manager.publish({
        topic: "zeek.cluster.worker.curve",
        sender: "manager",
        format: "f",
        payload,
      });
    }, 2);
    return site;
  }

  peer(name: string, extra: Record<string, unknown>, durationMs = WINDOW_MS) {
    return {
      name,
      xsub: this.proxy.xpubEndpoint,
      xpub: this.proxy.xsubEndpoint,
      log: this.manager.logEndpoint!,
      durationMs,
      mode: "transport",
      ...extra,
    };
  }

  from(name: string): { events: number; logs: number } {
    return {
      events: this.events.filter((e) => e.sender === name).length,
      logs: this.logs.filter((l) => l.sender === name).length,
    };
  }

  get rejected(): number {
    return this.proxy.stats.curveRejected + this.manager.stats.curveRejected;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timer);
    await this.manager?.[Symbol.asyncDispose]();
    await this.proxy?.[Symbol.asyncDispose]();
  }
}

Deno.test({
  name:
    "CURVE allow-list: a listed node exchanges events and logs; unlisted, keyless and raw ZMTP peers get nothing through and are counted",
  async fn(t) {
    const dir = await Deno.makeTempDir();
    try {
      await keygen(`${dir}/server`);
      const manager = await keygen(`${dir}/manager`);
      const worker = await keygen(`${dir}/worker-1`);
      await keygen(`${dir}/intruder`);
      await Deno.writeTextFile(
        `${dir}/allow`,
        `# cluster nodes\n${manager.publicKey} manager\n${worker.publicKey} worker-1\n`,
      );
      await using site = await Site.start(dir);
      const client = { serverPublicKeyFile: `${dir}/server.pub` };

      await t.step("a listed node joins and exchanges events and logs", async () => {
        const before = site.rejected;
        const result = await runPeer(
          site.peer("worker-1", { keyFile: `${dir}/worker-1.key`, ...client }, 3_000),
        );
        assert.ok(result.received > 0, `worker-1 received ${result.received} manager events`);
        const got = site.from("worker-1");
        assert.ok(got.events > 0, "the manager received worker-1's events");
        assert.ok(got.logs > 0, "the logger received worker-1's log batches");
        assert.equal(site.rejected, before, "nothing was rejected");
        assert.ok(site.proxy.stats.curveAccepted >= 2, "XPUB and XSUB admitted");
      });

      const cases: [string, Record<string, unknown>, CurveRejection["type"]][] = [
        ["intruder", { keyFile: `${dir}/intruder.key`, ...client }, "unlisted_key"],
        ["keyless", {}, "handshake_failed"],
        ["raw-zmtp", { mode: "zmtp" }, "handshake_failed"],
      ];
      for (const [name, extra, type] of cases) {
        await t.step(
          `${name}: 0 messages either way over ${WINDOW_MS} ms, rejections counted`,
          async () => {
            const rejectedBefore = site.rejected;
            const reportsBefore = site.rejections.length;
            const eventsBefore = site.events.length;
            const result = await runPeer(site.peer(name, extra));
            // Traffic flowed the whole time: the peer kept offering, the manager kept publishing.
            if (extra.mode === "zmtp") {
              // The server hangs up after the greeting; the peer reconnects every 50 ms.
              assert.ok(result.connections >= 10, `${name} connected ${result.connections} times`);
            } else {
              assert.ok(result.published > 100, `${name} offered ${result.published} events`);
            }
            assert.equal(result.received, 0, `${name} received nothing`);
            assert.deepEqual(site.from(name), { events: 0, logs: 0 });
            assert.equal(site.events.length, eventsBefore, "no event reached the manager");
            assert.ok(site.rejected > rejectedBefore, "the rejection was counted");
            const reports = site.rejections.slice(reportsBefore);
            assert.ok(
              reports.some((r) => r.type === type),
              `reported as ${type}: ${JSON.stringify(reports)}`,
            );
            if (type === "unlisted_key") {
              const unlisted = reports.filter((r) => r.type === "unlisted_key");
              assert.ok(unlisted.every((r) => r.address === "127.0.0.1"));
              assert.deepEqual(
                new Set(unlisted.map((r) => r.socket)),
                new Set(["proxy XPUB", "proxy XSUB", "log PULL"]),
              );
            } else {
              // libzmq names the failure ERR_ZMTP_MECHANISM_MISMATCH, or EPIPE when the peer's
              // writes race its hang-up.
              const details = new Set(reports.map((r) => r.detail));
              assert.ok(
                details.has("ERR_ZMTP_MECHANISM_MISMATCH") || details.has("EPIPE"),
                JSON.stringify(reports),
              );
            }
          },
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

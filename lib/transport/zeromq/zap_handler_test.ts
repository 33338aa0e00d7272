import assert from "node:assert/strict";
import * as zmq from "zeromq"; // the clients only: another libzmq user, as a foreign peer is
import { delay, Recorder, utf8, waitFor } from "../_test_helpers.ts";
import type { CurveRejection } from "./curve.ts";
import { createZeromqTransport } from "./zeromq_transport.ts";
import { startCurveGuard } from "./zap_handler.ts";
import { generateZmqCurveKeyPair } from "./curve.ts";
import { ZMQ_LINGER, ZMQ_PAIR, ZMQ_PULL } from "./libzmq.ts";
import { ZmqReactor } from "./reactor.ts";
import { cstring, ZmqContext } from "./socket.ts";

const ANY = "tcp://127.0.0.1:*";

/** A PUSH that offers one message every 2 ms while writable, until stopped. */
function pusher(endpoint: string, options: Partial<zmq.SocketOptions<zmq.Push>>, label: string) {
  const push = new zmq.Push({ linger: 0, ...options });
  push.connect(endpoint);
  let stop = false;
  let sent = 0;
  const loop = (async () => {
    while (!stop) {
      if (push.writable) {
        try {
          await push.send(["log-write", label, "f", utf8(`${sent}`)]);
          sent++;
        } catch {
          // Closed while waiting, or a pipe torn down mid-send.
        }
      }
      await delay(2);
    }
  })();
  return {
    get sent() {
      return sent;
    },
    async [Symbol.asyncDispose]() {
      stop = true;
      push.close(); // rejects a send left waiting on a pipe that the server tore down
      await loop;
    },
  };
}

Deno.test("createZeromqTransport() with curveServer admits only allow-listed keys on the log PULL", async () => {
  const server = zmq.curveKeyPair();
  const listed = zmq.curveKeyPair();
  const unlisted = zmq.curveKeyPair();
  const rejections: CurveRejection[] = [];
  const rec = new Recorder();
  await using logger = await createZeromqTransport(rec, {
    connectXsubEndpoint: "tcp://127.0.0.1:1",
    connectXpubEndpoint: "tcp://127.0.0.1:1",
    listenLogEndpoint: ANY,
    curveServer: {
      secretKey: server.secretKey,
      allowedClients: [{ publicKey: listed.publicKey, name: "worker-1" }],
      onRejected: (r) => rejections.push(r),
    },
  });
  assert.deepEqual(logger.curve, { client: false, server: true });
  const endpoint = logger.logEndpoint!;
  {
    await using _bad = pusher(endpoint, {
      curveServerKey: server.publicKey,
      curvePublicKey: unlisted.publicKey,
      curveSecretKey: unlisted.secretKey,
    }, "unlisted");
    await using _plain = pusher(endpoint, {}, "plain");
    await waitFor(
      () =>
        rejections.some((r) => r.type === "unlisted_key") &&
        rejections.some((r) => r.type === "handshake_failed"),
      "both rejections",
    );
    await using good = pusher(endpoint, {
      curveServerKey: server.publicKey,
      curvePublicKey: listed.publicKey,
      curveSecretKey: listed.secretKey,
    }, "listed");
    await waitFor(() => rec.logs.length >= 20, "20 batches from the listed client");
    assert.ok(good.sent >= 20);
  }
  assert.deepEqual(new Set(rec.logs.map((l) => l.sender)), new Set(["listed"]));
  const unlistedReport = rejections.find((r) => r.type === "unlisted_key")!;
  assert.equal(unlistedReport.socket, "log PULL");
  assert.equal(unlistedReport.address, "127.0.0.1");
  assert.equal(unlistedReport.detail, unlisted.publicKey);
  const plainReport = rejections.find((r) => r.type === "handshake_failed")!;
  // libzmq reports the NULL-vs-CURVE mismatch, or EPIPE when the client's writes race the hang-up.
  assert.ok(["ERR_ZMTP_MECHANISM_MISMATCH", "EPIPE"].includes(plainReport.detail));
  assert.equal(plainReport.address, endpoint);
  // Rate limit: the plain client retries every 100 ms, but is reported once.
  assert.equal(rejections.filter((r) => r.type === "handshake_failed").length, 1);
  assert.ok(logger.stats.curveRejected >= 2);
});

Deno.test("startCurveGuard() refuses a second ZAP handler in one context", async () => {
  const context = ZmqContext.create();
  try {
    const { secretKey } = generateZmqCurveKeyPair(context.lib);
    await using _guard = await startCurveGuard(context, { secretKey, allowedClients: [] });
    await assert.rejects(
      () => startCurveGuard(context, { secretKey, allowedClients: [] }),
      { message: /^Cannot bind ZAP handler to inproc:\/\/zeromq\.zap\.01: address in use/ },
    );
  } finally {
    await context.terminate();
  }
});

Deno.test("startCurveGuard() server sockets refuse every client once the handler is gone", async () => {
  const context = ZmqContext.create();
  const server = generateZmqCurveKeyPair(context.lib);
  const client = generateZmqCurveKeyPair(context.lib);
  const guard = await startCurveGuard(context, {
    secretKey: server.secretKey,
    allowedClients: [{ publicKey: client.publicKey }],
  });
  const pull = context.socket(ZMQ_PULL, "log PULL");
  pull.setInt(ZMQ_LINGER, 0);
  guard.applyServer(pull, "log PULL");
  await guard[Symbol.asyncDispose]();
  // ZMQ_ZAP_ENFORCE_DOMAIN: no handler means refusal, not admission. Watch with a monitor of
  // our own (the guard's went with it).
  const monitor = "inproc://test-monitor";
  assert.equal(context.lib.zmq.zmq_socket_monitor(pull.pointer, cstring(monitor), 0xffff), 0);
  const pair = context.socket(ZMQ_PAIR, "monitor");
  pair.connect(monitor);
  const events: number[] = [];
  const received: Uint8Array[][] = [];
  const reactor = new ZmqReactor(context.lib);
  reactor.add(pair, {
    onFrames: (f) => events.push(f[0]![0]! | (f[0]![1]! << 8)), // u16 event, little-endian
  });
  reactor.add(pull, { onFrames: (f) => received.push(f) });
  pull.bind(ANY);
  try {
    await using _push = pusher(pull.lastEndpoint, {
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    }, "x");
    // HANDSHAKE_FAILED_NO_DETAIL, _PROTOCOL or _AUTH
    await waitFor(() => events.some((e) => (e & 0x6800) !== 0), "a failed handshake")
      .catch((e) => {
        throw new Error(`${e.message}; monitor events: ${events.join(",")}`);
      });
    assert.equal(received.length, 0);
    assert.ok(!events.includes(0x1000), "no HANDSHAKE_SUCCEEDED");
  } finally {
    await reactor[Symbol.asyncDispose]();
    pull.close();
    pair.close();
    await context.terminate();
  }
});

Deno.test("createZeromqTransport() rejects malformed CURVE keys", async () => {
  await assert.rejects(
    () =>
      createZeromqTransport(new Recorder(), {
        curveClient: { serverPublicKey: "short", publicKey: "x", secretKey: "y" },
      }),
    {
      name: "TypeError",
      message:
        "Invalid transport option curveClient.serverPublicKey: expected a 40-character Z85 key",
    },
  );
});

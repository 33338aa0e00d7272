import assert from "node:assert/strict";
import * as zmq from "zeromq";
import { delay, Recorder, utf8, waitFor } from "../_test_helpers.ts";
import type { CurveRejection } from "./curve.ts";
import { createZeromqTransport } from "./zeromq_transport.ts";
import { startCurveGuard } from "./zap_handler.ts";

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
  const context = new zmq.Context();
  const { secretKey } = zmq.curveKeyPair();
  await using _guard = await startCurveGuard(context, { secretKey, allowedClients: [] });
  await assert.rejects(
    () => startCurveGuard(context, { secretKey, allowedClients: [] }),
    { message: /^Cannot bind ZAP handler to inproc:\/\/zeromq\.zap\.01: address in use/ },
  );
});

Deno.test("startCurveGuard() server sockets refuse every client once the handler is gone", async () => {
  const context = new zmq.Context();
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const guard = await startCurveGuard(context, {
    secretKey: server.secretKey,
    allowedClients: [{ publicKey: client.publicKey }],
  });
  const options = guard.serverSocketOptions("log PULL");
  await guard[Symbol.asyncDispose]();
  // ZMQ_ZAP_ENFORCE_DOMAIN: no handler means refusal, not admission.
  const pull = new zmq.Pull({ context, linger: 0, ...options });
  const events: string[] = [];
  const observer = pull.events;
  const watching = (async () => {
    try {
      for (;;) events.push((await observer.receive()).type);
    } catch {
      // closed
    }
  })();
  await pull.bind(ANY);
  {
    await using _push = pusher(pull.lastEndpoint!, {
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    }, "x");
    await waitFor(() => events.some((e) => e.startsWith("handshake:error")), "a failed handshake");
    assert.equal(pull.readable, false);
  }
  assert.ok(!events.includes("handshake"));
  pull.close(); // ends the observer (closing an observer with a pending receive can crash Deno)
  await watching;
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

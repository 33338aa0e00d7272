import assert from "node:assert/strict";
import * as zmq from "zeromq";
import { TransportClosedError } from "../../errors.ts";
import { delay, Recorder, utf8, waitFor } from "../_test_helpers.ts";
import { startZeromqProxy, type ZeromqProxy } from "./proxy.ts";
import { createZeromqTransport } from "./zeromq_transport.ts";
import type { ZeromqTransportOptions } from "./options.ts";

const ANY = "tcp://127.0.0.1:*";

function startTestProxy(): Promise<ZeromqProxy> {
  return startZeromqProxy({ listenXpubEndpoint: ANY, listenXsubEndpoint: ANY });
}

function nodeOptions(proxy: ZeromqProxy, extra: ZeromqTransportOptions = {}) {
  return {
    connectXsubEndpoint: proxy.xpubEndpoint,
    connectXpubEndpoint: proxy.xsubEndpoint,
    ...extra,
  };
}

function msg(topic: string, sender = "node-a", payload = "p") {
  return { topic, sender, format: "broker-bin-v1", payload: utf8(payload) };
}

Deno.test("createZeromqTransport() routes by prefix through the proxy, echoes own messages and unsubscribes", async () => {
  await using proxy = await startTestProxy();
  const ra = new Recorder();
  const rb = new Recorder();
  await using a = await createZeromqTransport(ra, nodeOptions(proxy));
  await using b = await createZeromqTransport(rb, nodeOptions(proxy));

  b.subscribe("zeek.cluster.b.");
  b.subscribe("sentinel.");
  a.subscribe("zeek.cluster.a.");
  await waitFor(() => ra.saw("subscribed", "zeek.cluster.b."), "A to see B's subscription");
  await waitFor(() => ra.saw("subscribed", "sentinel."), "A to see sentinel subscription");
  await waitFor(() => rb.saw("subscribed", "zeek.cluster.a."), "B to see A's subscription");
  assert.ok(rb.saw("subscribed", "zeek.cluster.b."), "B sees its own subscription");

  for (let i = 0; i < 100; i++) assert.equal(a.publish(msg("zeek.cluster.b.x", "a", `${i}`)), true);
  a.publish(msg("zeek.cluster.c.nobody"));
  a.publish(msg("zeek.cluster.a.self", "a"));
  await waitFor(() => rb.messages.length >= 100, "B to get 100 messages");
  await waitFor(() => ra.messages.length >= 1, "A to get its own echo");
  const payloads = rb.messages.map((m) => new TextDecoder().decode(m.payload));
  assert.deepEqual(payloads, Array.from({ length: 100 }, (_, i) => `${i}`), "in order");
  assert.ok(rb.messages.every((m) => m.topic === "zeek.cluster.b.x" && m.sender === "a"));
  assert.equal(rb.messages[0]!.format, "broker-bin-v1");
  assert.deepEqual(ra.messages.map((m) => m.topic), ["zeek.cluster.a.self"]);

  b.unsubscribe("zeek.cluster.b.");
  await waitFor(() => ra.saw("unsubscribed", "zeek.cluster.b."), "A to see the unsubscription");
  a.publish(msg("zeek.cluster.b.late"));
  a.publish(msg("sentinel.1"));
  await waitFor(() => rb.messages.some((m) => m.topic === "sentinel.1"), "the sentinel");
  assert.ok(!rb.messages.some((m) => m.topic === "zeek.cluster.b.late"));

  const s = a.stats;
  assert.equal(s.messagesOut, 104);
  assert.equal(s.xpubDrops, 0);
  assert.equal(rb.errors.length, 0);
  assert.equal(b.stats.messagesIn, 101);
});

Deno.test("a transport in the proxy's own context reaches it in-process; TCP nodes and it exchange both ways", async () => {
  await using proxy = await startZeromqProxy({
    listenXpubEndpoint: ANY,
    listenXsubEndpoint: ANY,
    inproc: true,
  });
  const inproc = proxy.inproc!;
  // The TCP endpoints keep their real ports (read before the inproc binds).
  assert.match(proxy.xpubEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(proxy.xsubEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(inproc.xpubEndpoint, /^inproc:\/\/zcluster-proxy-xpub-/);
  const rm = new Recorder();
  const rw = new Recorder();
  await using manager = await createZeromqTransport(rm, {
    context: inproc.context,
    connectXsubEndpoint: inproc.xpubEndpoint,
    connectXpubEndpoint: inproc.xsubEndpoint,
  });
  await using worker = await createZeromqTransport(rw, nodeOptions(proxy));
  manager.subscribe("zeek.cluster.manager.");
  worker.subscribe("zeek.cluster.worker.");
  await waitFor(
    () => rw.saw("subscribed", "zeek.cluster.manager."),
    "the worker to see the manager",
  );
  await waitFor(
    () => rm.saw("subscribed", "zeek.cluster.worker."),
    "the manager to see the worker",
  );
  for (let i = 0; i < 50; i++) {
    assert.equal(worker.publish(msg("zeek.cluster.manager.x", "w", `${i}`)), true);
    assert.equal(manager.publish(msg("zeek.cluster.worker.x", "m", `${i}`)), true);
  }
  await waitFor(() => rm.messages.length === 50 && rw.messages.length === 50, "50 each way");
  assert.deepEqual(
    rm.messages.map((m) => new TextDecoder().decode(m.payload)),
    Array.from({ length: 50 }, (_, i) => `${i}`),
  );
  assert.ok(rw.messages.every((m) => m.sender === "m" && m.topic === "zeek.cluster.worker.x"));
  // The worker leaving is seen by the in-process node as on TCP.
  await worker[Symbol.asyncDispose]();
  await waitFor(() => rm.saw("unsubscribed", "zeek.cluster.worker."), "the worker's departure");
});

Deno.test("createZeromqTransport() counts wrong frame counts and non-UTF-8 topics as msgErrors", async () => {
  await using proxy = await startTestProxy();
  const rb = new Recorder();
  await using b = await createZeromqTransport(
    rb,
    nodeOptions(proxy, { listenLogEndpoint: ANY }),
  );
  b.subscribe("t.");
  const raw = new zmq.XPublisher({ linger: 0 });
  const push = new zmq.Push({ linger: 0 });
  try {
    raw.connect(proxy.xsubEndpoint);
    // Wait for the subscription to reach the raw XPUB (it filters on the sender side).
    await waitFor(() => raw.readable, "the raw XPUB to see a subscription");
    await raw.receive();
    await raw.send(["t.two-frames", "x"]);
    await raw.send([Uint8Array.of(0x74, 0x2e, 0xff, 0xfe), "s", "f", "p"]);
    await raw.send(["t.ok", "s", "f", "p"]);
    await waitFor(() => rb.messages.length === 1, "the valid message");
    assert.equal(rb.messages[0]!.topic, "t.ok");

    push.connect(b.logEndpoint!);
    await push.send(["log-write", "s"]);
    await push.send(["log-write", "s", "zeek-bin-serializer", "batch"]);
    await waitFor(() => rb.logs.length === 1, "the valid log batch");
    assert.equal(rb.logs[0]!.format, "zeek-bin-serializer");
    assert.equal(b.stats.msgErrors, 3);
    assert.equal(b.stats.logsIn, 1);
  } finally {
    raw.close();
    push.close();
  }
});

Deno.test("createZeromqTransport() sends log batches from PUSH to a bound PULL", async () => {
  await using proxy = await startTestProxy();
  const rl = new Recorder();
  await using logger = await createZeromqTransport(
    rl,
    nodeOptions(proxy, { listenLogEndpoint: ANY }),
  );
  assert.match(logger.logEndpoint!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const rw = new Recorder();
  await using worker = await createZeromqTransport(
    rw,
    nodeOptions(proxy, { connectLogEndpoints: [logger.logEndpoint!] }),
  );
  for (let i = 0; i < 50; i++) {
    assert.equal(worker.sendLog("worker-1", "zeek-bin-serializer", utf8(`b${i}`)), true);
  }
  await waitFor(() => rl.logs.length === 50, "50 log batches");
  assert.deepEqual(rl.logs.map((l) => new TextDecoder().decode(l.batch)).slice(0, 3), [
    "b0",
    "b1",
    "b2",
  ]);
  assert.equal(rl.logs[0]!.sender, "worker-1");
  assert.equal(worker.stats.logsOut, 50);
  // A node without log endpoints drops (and counts) like Zeek does.
  assert.equal(logger.sendLog("x", "f", utf8("b")), false);
  assert.equal(logger.stats.logDrops, 1);
});

/**
 * A stand-in "proxy XSUB" that subscribes to everything and reads only when the test does, with a
 * transport whose XPUB (HWM 10, 4 KiB buffer) is connected to it and has seen the subscription.
 */
async function stalledSink(extra: ZeromqTransportOptions = {}) {
  const sink = new zmq.XSubscriber({ linger: 0, receiveHighWaterMark: 1, receiveBufferSize: 4096 });
  await sink.bind(ANY);
  const r = new Recorder();
  const transport = await createZeromqTransport(r, {
    connectXpubEndpoint: sink.lastEndpoint!,
    connectXsubEndpoint: "tcp://127.0.0.1:9", // never answers; harmless
    xpubSndhwm: 10,
    xpubSndbuf: 4096,
    lingerMs: 0,
    ...extra,
  });
  await sink.send(Uint8Array.of(1)); // subscribe to ""
  // libzmq sockets only attach new pipes (and replay subscriptions) when the application calls
  // into them, so keep touching the sink while waiting.
  await waitFor(() => (sink.readable, r.saw("subscribed", "")), "the XPUB to see the subscription");
  return {
    sink,
    transport,
    recorder: r,
    async [Symbol.asyncDispose]() {
      await transport[Symbol.asyncDispose]();
      sink.close();
    },
  };
}

Deno.test("createZeromqTransport() counts XPUB EAGAIN at the HWM as xpubDrops instead of throwing", async () => {
  await using stalled = await stalledSink();
  const { transport: a, recorder: r } = stalled;
  const payload = new Uint8Array(1024);
  const total = 3000;
  let accepted = 0;
  for (let i = 0; i < total; i++) {
    if (a.publish({ topic: "t", sender: "a", format: "f", payload })) accepted++;
    if (i % 100 === 99) await delay(1);
  }
  await waitFor(() => a.stats.messagesOut + a.stats.xpubDrops === total, "all sends settled");
  const s = a.stats;
  assert.ok(s.xpubDrops > 0, `expected drops, got ${JSON.stringify(s)}`);
  assert.equal(s.sendErrors, 0);
  assert.equal(r.errors.length, 0);
  assert.ok(accepted <= total);
});

Deno.test("publish() only borrows the payload: a publisher reusing its buffer does not change messages held in the backlog", async () => {
  // Refused sends wait in the backlog; the sink reads only once every message was published.
  await using stalled = await stalledSink({ xpubRetryOnEagain: true, sendQueueMax: 10_000 });
  const { transport: a, sink } = stalled;
  const payload = new Uint8Array(512); // one buffer, rewritten for every message
  const total = 2000;
  for (let i = 0; i < total; i++) {
    payload.fill(i & 0xff);
    new DataView(payload.buffer).setUint32(0, i);
    assert.equal(a.publish({ topic: "t", sender: "a", format: "f", payload }), true);
  }
  assert.ok(a.stats.messagesOut < total, "some messages waited in the backlog");
  for (let i = 0; i < total; i++) {
    const [, , , got] = await sink.receive();
    const view = new DataView(got!.buffer, got!.byteOffset, got!.byteLength);
    assert.equal(view.getUint32(0), i, `message ${i} in order and intact`);
    assert.equal(got![511], i & 0xff, `message ${i}'s tail`);
  }
});

Deno.test("ZeromqTransport dispose is idempotent, bounded by linger and rejects later use", async () => {
  await using proxy = await startTestProxy();
  const r = new Recorder();
  // immediate=true and no logger: PUSH is never writable, so batches wait in our queue.
  const t = await createZeromqTransport(
    r,
    nodeOptions(proxy, {
      connectLogEndpoints: ["tcp://127.0.0.1:9"],
      logImmediate: true,
      lingerMs: 200,
    }),
  );
  for (let i = 0; i < 5; i++) assert.equal(t.sendLog("n", "f", utf8("b")), true);
  const start = performance.now();
  await Promise.all([t[Symbol.asyncDispose](), t[Symbol.asyncDispose]()]);
  console.log(
    `  dispose with 5 unsendable batches took ${
      (performance.now() - start).toFixed(0)
    } ms (linger 200)`,
  );
  await t[Symbol.asyncDispose]();
  assert.equal(await t.closed, undefined);
  assert.equal(t.stats.logDrops, 5);
  assert.throws(() => t.publish(msg("x")), TransportClosedError);
  assert.throws(() => t.subscribe("x"), TransportClosedError);
  assert.throws(() => t.sendLog("n", "f", utf8("b")), TransportClosedError);
});

Deno.test("startZeromqProxy() names the endpoint when the port is taken", async () => {
  await using first = await startTestProxy();
  await assert.rejects(
    startZeromqProxy({ listenXpubEndpoint: first.xpubEndpoint, listenXsubEndpoint: ANY }),
    (e: Error) => {
      assert.equal(e.message, `Cannot bind proxy XPUB to ${first.xpubEndpoint}: address in use`);
      return true;
    },
  );
  await assert.rejects(
    startZeromqProxy({ listenXpubEndpoint: ANY, listenXsubEndpoint: first.xsubEndpoint }),
    { message: `Cannot bind proxy XSUB to ${first.xsubEndpoint}: address in use` },
  );
  await assert.rejects(
    createZeromqTransport(new Recorder(), { listenLogEndpoint: first.xsubEndpoint }),
    { message: `Cannot bind log PULL to ${first.xsubEndpoint}: address in use` },
  );
});

Deno.test("createZeromqTransport() validates options and accepts heartbeat and reconnect settings", async () => {
  await assert.rejects(createZeromqTransport(new Recorder(), { xpubSndhwm: -1 }), RangeError);
  await assert.rejects(createZeromqTransport(new Recorder(), { pollMaxMessages: 0 }), RangeError);
  await assert.rejects(
    createZeromqTransport(new Recorder(), { connectXsubEndpoint: "nonsense" }),
    { message: "Cannot connect XSUB to nonsense: invalid endpoint" },
  );
  await using proxy = await startTestProxy();
  const r = new Recorder();
  await using t = await createZeromqTransport(
    r,
    nodeOptions(proxy, {
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 3000,
      heartbeatTtlMs: 5000,
      reconnectIntervalMs: 50,
      reconnectIntervalMaxMs: 1000,
    }),
  );
  t.subscribe("hb.");
  await waitFor(() => r.saw("subscribed", "hb."), "own subscription");
});

Deno.test("ZeromqTransport.whenWritable(): a publisher at the XPUB HWM waits for room, loses nothing and never spins", async () => {
  await using proxy = await startTestProxy();
  const ra = new Recorder();
  const rb = new Recorder();
  // Small HWMs on both nodes: the publisher meets EAGAIN again and again.
  await using a = await createZeromqTransport(
    ra,
    nodeOptions(proxy, { xpubSndhwm: 10, xpubSndbuf: 4096 }),
  );
  await using b = await createZeromqTransport(
    rb,
    nodeOptions(proxy, { xsubRcvhwm: 10, xsubRcvbuf: 4096 }),
  );
  b.subscribe("t.");
  await waitFor(() => ra.saw("subscribed", "t."), "A to see B's subscription");

  const total = 20_000;
  const payload = new Uint8Array(256);
  let refused = 0;
  let waits = 0;
  let emptyWakes = 0; // a wake after which the first publish was refused again
  let woke = false;
  for (let i = 0; i < total;) {
    const view = new DataView(payload.buffer);
    view.setUint32(0, i, true);
    if (a.publish({ topic: "t.x", sender: "a", format: "f", payload: payload.slice() })) {
      i++;
      woke = false;
      continue;
    }
    refused++;
    if (woke) emptyWakes++;
    waits++;
    // Now and then let the reactor run a round before waiting: a wait that starts after the
    // signal was read must not hang.
    if (refused % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    await a.whenWritable(); // the only place the loop yields (but for the line above)
    woke = true;
  }
  await waitFor(() => rb.messages.length === total, `B to get ${total} messages`);
  const seen = rb.messages.map((m) =>
    new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0, true)
  );
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i), "all of them, in order");
  const s = a.stats;
  assert.equal(s.messagesOut, total);
  assert.equal(s.xpubDrops, refused, "each refusal counted once, as Zeek's xpub_drops");
  assert.ok(refused > 0, "the publisher did reach the HWM");
  assert.equal(waits, refused);
  // No spinning: a wake follows the I/O thread's signal that the pipe has room (at its low-water
  // mark), so a refusal right after a wake is the exception, and a refusal lets many through.
  // A wait is woken by a signal of the I/O thread (commands pending on ZMQ_FD), not by a timer or
  // a loop: some signals free no room (then the publisher waits again), but a publisher that
  // spun would meet refusal after refusal each time the pipe is full.
  const episodes = waits - emptyWakes; // refusals right after a successful publish
  assert.ok(
    emptyWakes <= 2 * episodes,
    `${emptyWakes} wakes met a refusal again in ${episodes} times the HWM was reached`,
  );
  assert.ok(refused * 4 <= total, `${refused} refusals for ${total} publishes`);
  assert.equal(ra.errors.length + rb.errors.length, 0);
});

Deno.test("ZeromqTransport.whenWritable(): at once when nothing was refused; an abort and a close end a wait", async () => {
  const r = new Recorder();
  const a = await createZeromqTransport(r, {
    connectXpubEndpoint: "tcp://127.0.0.1:9", // never answers; harmless
    connectXsubEndpoint: "tcp://127.0.0.1:9",
    lingerMs: 0,
  });
  await a.whenWritable(); // nothing refused yet
  const aborted = new AbortController();
  aborted.abort(new Error("stop"));
  await assert.rejects(a.whenWritable(aborted.signal), /stop/);
  await a[Symbol.asyncDispose]();
  await assert.rejects(a.whenWritable(), TransportClosedError);
});

Deno.test("ZeromqTransport dispose does not linger for batches queued to a logger that is gone, and delivers those for a live one", async () => {
  await using proxy = await startTestProxy();
  const live = new Recorder();
  const dead = new Recorder();
  await using liveLogger = await createZeromqTransport(
    live,
    nodeOptions(proxy, { listenLogEndpoint: ANY }),
  );
  const deadLogger = await createZeromqTransport(
    dead,
    nodeOptions(proxy, { listenLogEndpoint: ANY }),
  );
  const w = new Recorder();
  // Linger forever: without the monitor's news, closing would wait for the dead logger for good.
  const worker = await createZeromqTransport(
    w,
    nodeOptions(proxy, {
      connectLogEndpoints: [liveLogger.logEndpoint!, deadLogger.logEndpoint!],
      lingerMs: -1,
    }),
  );
  const send = (logger: number, seq: number) =>
    worker.sendLog("w", "f", utf8(`${logger}:${seq}`), { logger, seq });
  send(0, 0);
  send(1, 0);
  await waitFor(() => live.logs.length === 1 && dead.logs.length === 1, "both loggers connected");
  // The socket monitor's "connected" can come after the first batch got through: wait for it.
  await waitFor(() => worker.logEndpointsUp === 2, "the worker to see both loggers up");
  await deadLogger[Symbol.asyncDispose]();
  await waitFor(() => worker.logEndpointsUp === 1, "the worker to see the logger gone");
  for (let seq = 1; seq <= 300; seq++) {
    assert.equal(send(0, seq), true);
    assert.equal(send(1, seq), true);
  }
  await worker[Symbol.asyncDispose](); // returns: the dead logger's queue is discarded
  await waitFor(() => live.logs.length === 301, "every batch for the live logger");
  assert.deepEqual(live.logs.map((l) => l.seq), Array.from({ length: 301 }, (_, i) => i));
  assert.equal(dead.logs.length, 1);
});

Deno.test({
  name: "the proxy keeps forwarding when signals land on its thread (EINTR)",
  ignore: Deno.build.os !== "linux" || Deno.build.arch !== "x86_64", // tgkill by syscall number
}, async () => {
  // Any handled signal can end zmq_proxy_steerable with EINTR on the proxy's thread (a second
  // SIGTERM during a stop, for one); the proxy died of it and its node's cluster went silent.
  const script = new URL("./testdata/proxy_signal_storm.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, "200"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const text = new TextDecoder().decode(stdout).trim();
  const m = /^signals (\d+) forwarded (\d+) proxy (.*)$/.exec(text);
  assert.ok(m, text);
  assert.ok(Number(m[1]) >= 200, text); // at least one per round
  assert.equal(m[2], "10");
  assert.equal(m[3], "running");
});

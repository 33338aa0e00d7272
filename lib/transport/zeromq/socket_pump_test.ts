import assert from "node:assert/strict";
import { RingQueue } from "../_ring_queue.ts";
import { FrameDecoder } from "./_frame_decoder.ts";
import { waitFor } from "../_test_helpers.ts";
import { type OutFrame, type PumpSocket, SocketPump } from "./socket_pump.ts";

/** A fake socket that fails the test if the pump breaks the polling rules. */
class FakeSocket implements PumpSocket {
  inbox: Uint8Array[][] = [];
  sent: OutFrame[][] = [];
  writable = true;
  eagainNext = 0;
  #sending = false;
  violations: string[] = [];

  get readable(): boolean {
    return this.inbox.length > 0;
  }

  receive(): Promise<Uint8Array[]> {
    const m = this.inbox.shift();
    if (m === undefined) {
      this.violations.push("receive() while not readable");
      return new Promise(() => {});
    }
    return Promise.resolve(m);
  }

  async send(frames: OutFrame[]): Promise<void> {
    if (this.#sending) this.violations.push("two sends pending");
    if (!this.writable) this.violations.push("send() while not writable");
    this.#sending = true;
    await Promise.resolve();
    this.#sending = false;
    if (this.eagainNext > 0) {
      this.eagainNext--;
      throw Object.assign(new Error("Operation was not possible or timed out"), { code: "EAGAIN" });
    }
    this.sent.push(frames);
  }
}

Deno.test("SocketPump receives only while readable, in bounded rounds", async () => {
  const socket = new FakeSocket();
  const got: number[] = [];
  let rounds = 0;
  const pump = new SocketPump(socket, {
    onFrames: (f) => got.push(f[0]![0]!),
    onRoundEnd: () => rounds++,
  }, { name: "PULL", pollMaxMessages: 10 });
  for (let i = 0; i < 25; i++) socket.inbox.push([Uint8Array.of(i)]);
  await waitFor(() => got.length === 25, "25 messages");
  assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i));
  assert.ok(rounds >= 3, `rounds=${rounds}`);
  // Idle for a while (backoff), then more data arrives.
  await new Promise((r) => setTimeout(r, 30));
  socket.inbox.push([Uint8Array.of(99), Uint8Array.of(1, 2)]);
  await waitFor(() => got.length === 26, "the late message");
  await pump.stop();
  await pump[Symbol.asyncDispose]();
  const s = pump.stats;
  assert.equal(s.received, 26);
  assert.equal(s.bytesIn, 28);
  assert.deepEqual(socket.violations, []);
});

Deno.test("SocketPump bounds its send queue and waits for writable", async () => {
  const socket = new FakeSocket();
  socket.writable = false;
  await using pump = new SocketPump(socket, {}, { name: "PUSH", sendQueueMax: 3 });
  assert.equal(pump.send(["a"]), true);
  assert.equal(pump.send(["b"]), true);
  assert.equal(pump.send(["c"]), true);
  assert.equal(pump.send(["d"]), false);
  assert.equal(pump.send(["forced"], true), true);
  assert.equal(pump.stats.queueDrops, 1);
  assert.equal(pump.stats.queued, 4);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(socket.sent.length, 0);
  socket.writable = true;
  await pump.flushed();
  assert.deepEqual(socket.sent, [["a"], ["b"], ["c"], ["forced"]]);
  assert.equal(pump.stats.sent, 4);
  assert.equal(pump.stats.bytesOut, 9);
  assert.deepEqual(socket.violations, []);
});

Deno.test("SocketPump counts EAGAIN as a drop, or retries when asked", async () => {
  const socket = new FakeSocket();
  socket.eagainNext = 2;
  const errors: string[] = [];
  await using drop = new SocketPump(socket, { onError: (_c, m) => errors.push(m) }, {
    name: "XPUB",
  });
  for (const f of ["1", "2", "3"]) drop.send([f]);
  await drop.flushed();
  assert.deepEqual(socket.sent, [["3"]]);
  assert.equal(drop.stats.eagainDrops, 2);
  assert.deepEqual(errors, []);

  const socket2 = new FakeSocket();
  socket2.eagainNext = 2;
  await using retry = new SocketPump(socket2, {}, { name: "XPUB", retryOnEagain: true });
  for (const f of ["1", "2"]) retry.send([f]);
  await retry.flushed();
  assert.deepEqual(socket2.sent, [["1"], ["2"]]);
  assert.equal(retry.stats.eagainDrops, 0);
  assert.deepEqual([...socket.violations, ...socket2.violations], []);
});

Deno.test("SocketPump reports other send errors and discards the queue on stop", async () => {
  const socket = new FakeSocket();
  socket.send = () =>
    Promise.reject(Object.assign(new Error("Socket is closed"), { code: "EBADF" }));
  const errors: string[] = [];
  const pump = new SocketPump(socket, { onError: (c, m) => errors.push(`${c}: ${m}`) }, {
    name: "XPUB",
  });
  pump.send(["x"]);
  await pump.flushed();
  assert.deepEqual(errors, ["send_error: Cannot send on XPUB: Socket is closed"]);
  socket.writable = false;
  pump.send(["y"]);
  pump.send(["z"]);
  await pump.stop();
  assert.equal(pump.stats.queueDrops, 2);
  assert.equal(pump.send(["after"]), false);
  assert.throws(() => new SocketPump(socket, {}, { name: "X", pollMaxMessages: 0 }), RangeError);
});

Deno.test("RingQueue keeps FIFO order across growth and unshift", () => {
  const q = new RingQueue<number>(2);
  for (let i = 0; i < 40; i++) q.push(i);
  for (let i = 0; i < 10; i++) assert.equal(q.shift(), i);
  q.unshift(-1);
  for (let i = 40; i < 60; i++) q.push(i);
  assert.equal(q.shift(), -1);
  const rest: number[] = [];
  while (q.length > 0) rest.push(q.shift()!);
  assert.deepEqual(rest, Array.from({ length: 50 }, (_, i) => i + 10));
  assert.equal(q.shift(), undefined);
});

Deno.test("FrameDecoder decodes ASCII, UTF-8 and rejects invalid bytes, with and without cache", () => {
  const d = new FrameDecoder();
  const enc = new TextEncoder();
  assert.equal(d.decode(enc.encode("zeek.cluster.worker")), "zeek.cluster.worker");
  assert.equal(d.decode(enc.encode("töpic-ü")), "töpic-ü");
  assert.equal(d.decode(Uint8Array.of(0x74, 0xff)), undefined);
  assert.equal(d.decode(new Uint8Array()), "");
  for (let i = 0; i < 40; i++) {
    const s = `node-${i % 20}`;
    assert.equal(d.decodeCached(enc.encode(s)), s);
  }
  assert.equal(d.decodeCached(Uint8Array.of(0xc3)), undefined);
  assert.equal(d.decode(enc.encode("x".repeat(300) + "é")), "x".repeat(300) + "é");
});

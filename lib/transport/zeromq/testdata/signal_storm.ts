/**
 * Subprocess for the signal regression test: a PUSH and a PULL of one context, both driven by a
 * {@linkcode ZmqReactor}, pass `count` messages while the test runs this process under V8's
 * sampling profiler (a SIGPROF to the main thread every 100 µs), so that libzmq calls on the event
 * loop meet `EINTR`. First makes `setups` binds and connects and `setups / 20` monitors (those
 * calls meet `EINTR` too) and prints `setup <setups>`; then prints `received <n>` and exits, or
 * `stalled <n>` when nothing arrived for 3 s.
 *
 * Usage: deno run -A --cpu-prof ... signal_storm.ts <count> [setups]
 *
 * @module
 */

import { ZMQ_EVENT_DISCONNECTED, ZMQ_PAIR, ZMQ_PULL, ZMQ_PUSH, ZMQ_SNDHWM } from "../libzmq.ts";
import { ZmqReactor } from "../reactor.ts";
import { ZmqContext } from "../socket.ts";

const count = Number(Deno.args[0] ?? "200000");
const setups = Number(Deno.args[1] ?? "1000");
const ctx = ZmqContext.create();
// First bind, connect and monitor calls, which process pending commands and so meet EINTR too:
// each must be retried, not fail (a node failed to start that way under the profiler). Binds
// and connects reuse two sockets (inproc pipes take no descriptor); monitors need fresh sockets,
// whose descriptors libzmq frees only later, so fewer of those.
{
  const a = ctx.socket(ZMQ_PULL, "setup PULL");
  const b = ctx.socket(ZMQ_PUSH, "setup PUSH");
  for (let i = 0; i < setups; i++) {
    a.bind(`inproc://signal-storm-setup-${i}`);
    b.connect(`inproc://signal-storm-setup-${i}`);
  }
  for (let i = 0; i < setups / 20; i++) {
    const m = ctx.socket(ZMQ_PAIR, "monitored PAIR");
    m.monitor(`inproc://signal-storm-monitor-${i}`, ZMQ_EVENT_DISCONNECTED);
    m.close();
  }
  b.close();
  a.close();
}
console.log(`setup ${setups}`);
const reactor = new ZmqReactor(ctx.lib);
const pull = ctx.socket(ZMQ_PULL, "PULL");
pull.bind("inproc://signal-storm");
const push = ctx.socket(ZMQ_PUSH, "PUSH");
push.setInt(ZMQ_SNDHWM, 100);
push.connect("inproc://signal-storm");
let received = 0;
let lastChange = performance.now();
reactor.add(pull, {
  onFrames: () => {
    received++;
    lastChange = performance.now();
  },
});
const out = reactor.add(push, { onEagain: "wait", sendQueueMax: 1_000 });
const frames = [new TextEncoder().encode("topic"), new Uint8Array(64)];
// A stalled socket stops everything (flushed() never settles): the watchdog reports and exits.
const watchdog = setInterval(() => {
  if (performance.now() - lastChange < 3_000) return;
  console.log(`stalled ${received}`);
  Deno.exit(0);
}, 200);
let sent = 0;
while (received < count) {
  while (sent < count && !out.full) {
    out.send(frames);
    sent++;
  }
  await (out.full ? out.flushed() : new Promise((r) => setTimeout(r, 0)));
}
clearInterval(watchdog);
console.log(`received ${received}`);
await reactor[Symbol.asyncDispose]();
pull.close();
push.close();
await ctx.terminate();

/**
 * Subprocess for the proxy's signal test: starts a proxy, sends a handled signal (SIGUSR2, with a
 * listener installed) to every thread of this process but the main one for `rounds` rounds, so
 * that the proxy's thread meets `EINTR`, then passes 10 messages from one transport to another
 * through the proxy. Prints `signals <n> forwarded <m> proxy <running|the error>`.
 *
 * Usage: deno run -A proxy_signal_storm.ts [rounds]
 *
 * @module
 */

import { sleep } from "../../../async.ts";
import { Recorder, utf8, waitFor } from "../../_test_helpers.ts";
import { startZeromqProxy } from "../proxy.ts";
import { createZeromqTransport } from "../zeromq_transport.ts";

const rounds = Number(Deno.args[0] ?? "200");
const libc = Deno.dlopen("libc.so.6", {
  syscall: { parameters: ["i64", "i64", "i64", "i64"], result: "i64" },
});
const SYS_TGKILL = 234n; // x86-64
const SIGUSR2 = 12n;
const onSignal = () => {};
Deno.addSignalListener("SIGUSR2", onSignal);
const ANY = "tcp://127.0.0.1:*";
const proxy = await startZeromqProxy({ listenXpubEndpoint: ANY, listenXsubEndpoint: ANY });
let state: unknown = "running";
proxy.closed.then((r) => (state = r));
let signals = 0;
for (let round = 0; round < rounds; round++) {
  for (const entry of Deno.readDirSync(`/proc/${Deno.pid}/task`)) {
    const tid = Number(entry.name);
    if (tid === Deno.pid) continue;
    libc.symbols.syscall(SYS_TGKILL, BigInt(Deno.pid), BigInt(tid), SIGUSR2);
    signals++;
  }
  await sleep(1);
}
const options = {
  connectXsubEndpoint: proxy.xpubEndpoint,
  connectXpubEndpoint: proxy.xsubEndpoint,
};
const ra = new Recorder();
const rb = new Recorder();
const a = await createZeromqTransport(ra, options);
const b = await createZeromqTransport(rb, options);
b.subscribe("storm.");
await waitFor(() => ra.saw("subscribed", "storm."), "A to see B's subscription");
for (let i = 0; i < 10; i++) {
  a.publish({ topic: "storm.x", sender: "a", format: "broker-bin-v1", payload: utf8(`${i}`) });
}
await waitFor(() => rb.messages.length >= 10, "B to get 10 messages");
console.log(
  `signals ${signals} forwarded ${rb.messages.length} proxy ${
    state instanceof Error ? state.message : String(state)
  }`,
);
await a[Symbol.asyncDispose]();
await b[Symbol.asyncDispose]();
await proxy[Symbol.asyncDispose]();
Deno.removeSignalListener("SIGUSR2", onSignal);
libc.close();

/**
 * Subprocess for the bound-PULL regression test: a PUSH that connects to `endpoint` and sends
 * `count` 4-frame log writes `["log-write", "burst", "f", "<seq>"]` in bursts of `burst`, sleeping ~1 ms between bursts.
 *
 * Usage: deno run -A push_burst.ts <endpoint> <count> <burst>
 *
 * @module
 */

import * as zmq from "zeromq";

const [endpoint, countArg = "5000", burstArg = "10"] = Deno.args;
if (endpoint === undefined) throw new TypeError("Missing endpoint argument");
const count = Number(countArg);
const burst = Number(burstArg);
const push = new zmq.Push({ linger: 5000, sendHighWaterMark: 100_000 });
push.connect(endpoint);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let sent = 0;
while (sent < count) {
  for (let i = 0; i < burst && sent < count; i++) {
    await push.send(["log-write", "burst", "f", String(sent)]);
    sent++;
  }
  await sleep(1);
}
push.close();
console.log(`sent ${sent}`);

/**
 * Canary for zeromq.js defect (b): a bound PULL whose `receive()` is left pending (the plain
 * `for await` pattern) missed wake-ups under Deno 2.9.6 and received nothing from a bursting
 * PUSH. Prints `endpoint <ep>`, then `received <n>` after `count` messages or `deadlineMs`.
 *
 * Usage: deno run -A pending_pull_canary.ts <count> <deadlineMs>
 *
 * @module
 */

import * as zmq from "zeromq";

const count = Number(Deno.args[0] ?? 5000);
const deadlineMs = Number(Deno.args[1] ?? 5000);
const pull = new zmq.Pull({ linger: 0 });
await pull.bind("tcp://127.0.0.1:*");
console.log(`endpoint ${pull.lastEndpoint}`);
let received = 0;
const timer = setTimeout(() => {
  console.log(`received ${received}`);
  Deno.exit(0); // the pending receive() cannot be cancelled; exit the canary process
}, deadlineMs);
for await (const _ of pull) {
  if (++received === count) break;
}
clearTimeout(timer);
console.log(`received ${received}`);
pull.close();

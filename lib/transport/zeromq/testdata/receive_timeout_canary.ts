/**
 * Canary for zeromq.js defect (a): a socket with `receiveTimeout` crashed Deno 2.9.6 with SIGSEGV
 * when the first timeout fired. Prints `survived` and exits 0 if the timeout is handled.
 * This is the only file of the project that sets `receiveTimeout`, on purpose, in a subprocess.
 *
 * @module
 */

import * as zmq from "zeromq";

const pull = new zmq.Pull({ receiveTimeout: 50, linger: 0 });
await pull.bind("tcp://127.0.0.1:*");
try {
  await pull.receive();
} catch (error) {
  console.log(`timeout error: ${(error as { code?: string }).code}`);
}
pull.close();
console.log("survived");

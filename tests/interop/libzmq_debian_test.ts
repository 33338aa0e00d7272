/**
 * `ZCLUSTER_LIBZMQ`: the transport runs on Debian's own libzmq (package `libzmq5`, pulled in by
 * `python3-zmq`) instead of the one inside the `zeromq` npm package, in a child process so the
 * variable is set before anything opens libzmq.
 */

import assert from "node:assert/strict";

const DEBIAN_LIBZMQ = "/usr/lib/x86_64-linux-gnu/libzmq.so.5";

const SCRIPT = `
import { createZeromqTransport, openLibzmq, startZeromqProxy } from "${
  new URL("../../lib/transport/zeromq/mod.ts", import.meta.url).href
}";
const lib = openLibzmq();
await using proxy = await startZeromqProxy({ listenXpubEndpoint: "tcp://127.0.0.1:*", listenXsubEndpoint: "tcp://127.0.0.1:*" });
const got = Promise.withResolvers();
const handlers = { onMessage: (m) => got.resolve(m.topic), onSubscription() {}, onLog() {}, onError() {} };
await using t = await createZeromqTransport(handlers, { connectXsubEndpoint: proxy.xpubEndpoint, connectXpubEndpoint: proxy.xsubEndpoint });
t.subscribe("t.");
const timer = setInterval(() => t.publish({ topic: "t.x", sender: "s", format: "f", payload: new Uint8Array(3) }), 20);
const topic = await got.promise;
clearInterval(timer);
console.log(JSON.stringify({ path: lib.path, version: lib.version, topic }));
`;

Deno.test({
  name: "ZCLUSTER_LIBZMQ=Debian's libzmq.so.5: the transport and the proxy run on it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    try {
      await Deno.stat(DEBIAN_LIBZMQ);
    } catch {
      throw new Error(
        `${DEBIAN_LIBZMQ} is missing: install the Debian package libzmq5 (apt-get install -y libzmq5)`,
      );
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=js", SCRIPT],
      env: { ZCLUSTER_LIBZMQ: DEBIAN_LIBZMQ },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    assert.equal(r.path, DEBIAN_LIBZMQ);
    assert.match(r.version, /^4\.\d+\.\d+$/);
    assert.equal(r.topic, "t.x");
  },
});

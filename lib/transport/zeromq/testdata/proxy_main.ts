/**
 * Subprocess for the proxy-restart regression test: runs `startZeromqProxy()` on the given
 * endpoints, prints `ready <xpub> <xsub>` and runs until killed.
 *
 * Usage: deno run -A proxy_main.ts <xpubEndpoint> <xsubEndpoint>
 *
 * @module
 */

import { startZeromqProxy } from "../proxy.ts";

const [listenXpubEndpoint, listenXsubEndpoint] = Deno.args;
const proxy = await startZeromqProxy({
  ...(listenXpubEndpoint ? { listenXpubEndpoint } : {}),
  ...(listenXsubEndpoint ? { listenXsubEndpoint } : {}),
});
console.log(`ready ${proxy.xpubEndpoint} ${proxy.xsubEndpoint}`);
await proxy.closed;

/**
 * ZeroMQ backend: libzmq driven through Deno FFI (`libzmq.ts` finds and opens it), the node
 * transport (XSUB/XPUB to the proxy, PULL/PUSH for logs), the central XPUB/XSUB proxy, and the
 * node's waiter (`reactor.ts`). This folder is the only place in the project that touches libzmq.
 *
 * ```ts ignore
 * import { createZeromqTransport, startZeromqProxy } from "./mod.ts";
 * await using proxy = await startZeromqProxy(); // binds 5555 (XPUB) and 5556 (XSUB)
 * await using node = await createZeromqTransport(handlers); // connects to them
 * node.subscribe("zeek.cluster.nodeid.");
 * ```
 *
 * @module
 */

export * from "./curve.ts";
export * from "./libzmq.ts";
export * from "./options.ts";
export * from "./proxy.ts";
export * from "./reactor.ts";
export * from "./socket.ts";
export * from "./zap_handler.ts";
export * from "./zeromq_transport.ts";
export * from "./from_options.ts";
